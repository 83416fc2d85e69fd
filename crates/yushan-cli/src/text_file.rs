//! Reading the user's text files (data, corpora, configs): a file that is not UTF-8 is refused
//! with the line and column of its first bad byte, so it can be found and saved again as UTF-8.

use std::path::Path;

use anyhow::{Context, Result};

/// The file's text, or an error that names the file and where its first non-UTF-8 byte is.
pub fn read(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
        let byte = e.as_bytes()[good.len()];
        anyhow::anyhow!(
            "{} line {line}, column {column}: byte 0x{byte:02X} is not UTF-8 text (save the file as UTF-8)",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_is_not_utf8_is_refused_at_its_first_bad_byte() {
        let path = std::env::temp_dir().join(format!("yushan-text-{}.jsonl", std::process::id()));
        // Latin-1 "café" on the second line, after a line of Chinese.
        let mut bytes = "{\"a\":\"玉山\"}\n{\"b\":\"caf".as_bytes().to_vec();
        bytes.push(0xE9);
        bytes.extend_from_slice(b"\"}\n");
        std::fs::write(&path, bytes).unwrap();
        let err = read(&path).unwrap_err().to_string();
        assert!(err.ends_with("line 2, column 10: byte 0xE9 is not UTF-8 text (save the file as UTF-8)"), "{err}");
        std::fs::write(&path, "玉山\n").unwrap();
        assert_eq!(read(&path).unwrap(), "玉山\n");
        std::fs::remove_file(&path).unwrap();
    }
}
