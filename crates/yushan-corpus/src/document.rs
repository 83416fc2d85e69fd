//! A generated document, and the text helper every generator shares. Its own file, so the
//! generators (prose, forms, dialogue, glossary) depend on it and not on one another.

/// A short text of a few sentences, all in one language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    pub text: String,
    /// Indexes into `FACTS` of the facts it states, in order.
    pub facts: Vec<usize>,
}

/// "the Pacific Ocean" → "The Pacific Ocean".
pub(crate) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}
