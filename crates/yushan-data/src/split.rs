//! A seeded split of conversations into training and held-out sets.

use yushan_rng::SplitMix64;

/// Holds out about `fraction` of the items, chosen by `seed`. When the fraction is positive
/// and there are two or more items, at least one is held out and at least one is kept for
/// training; a single item is always kept for training. Both sets keep the items' order.
pub fn split_train_heldout<T: Clone>(items: &[T], fraction: f64, seed: u64) -> (Vec<T>, Vec<T>) {
    let is_held = heldout_mask(items.len(), fraction, seed);
    let pick = |want: bool| items.iter().zip(&is_held).filter(|(_, h)| **h == want).map(|(x, _)| x.clone()).collect();
    (pick(false), pick(true))
}

/// Which of `n` items [`split_train_heldout`] holds out (the page marks them in its list).
pub fn heldout_mask(n: usize, fraction: f64, seed: u64) -> Vec<bool> {
    let wanted = (n as f64 * fraction.clamp(0.0, 1.0)).round() as usize;
    let held = if fraction > 0.0 && n >= 2 { wanted.clamp(1, n - 1) } else { 0 };
    let mut order: Vec<usize> = (0..n).collect();
    SplitMix64::new(seed).shuffle(&mut order);
    let mut is_held = vec![false; n];
    for &i in &order[..held] {
        is_held[i] = true;
    }
    is_held
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_seeded_and_disjoint() {
        let items: Vec<u32> = (0..20).collect();
        let (train, held) = split_train_heldout(&items, 0.2, 7);
        assert_eq!((train.len(), held.len()), (16, 4));
        let mut all: Vec<u32> = train.iter().chain(&held).copied().collect();
        all.sort();
        assert_eq!(all, items, "every item lands in exactly one set");
        assert!(train.is_sorted() && held.is_sorted(), "order is kept");
        assert_eq!(split_train_heldout(&items, 0.2, 7), (train, held.clone()));
        assert_ne!(split_train_heldout(&items, 0.2, 8).1, held.clone());
        let mask = heldout_mask(items.len(), 0.2, 7);
        let marked: Vec<u32> = items.iter().zip(&mask).filter(|(_, h)| **h).map(|(x, _)| *x).collect();
        assert_eq!(marked, held, "the mask marks exactly the held-out items");
    }

    #[test]
    fn both_sets_are_non_empty_when_they_can_be() {
        assert_eq!(split_train_heldout(&[1, 2], 0.01, 0).1.len(), 1);
        assert_eq!(split_train_heldout(&[1, 2, 3], 1.0, 0).0.len(), 1);
        assert_eq!(split_train_heldout(&[1, 2, 3], 0.0, 0).1.len(), 0);
        assert_eq!(split_train_heldout(&[1], 0.9, 0), (vec![1], vec![]));
        assert_eq!(split_train_heldout::<u8>(&[], 0.5, 0), (vec![], vec![]));
    }
}
