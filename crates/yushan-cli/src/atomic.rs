//! Writing a folder's files so that a run killed part-way never leaves a broken one: each file
//! goes to a temporary name in the same folder, is synced, and only then renamed over the old
//! one (a rename within a folder is atomic), so a reader sees the old file or the new, whole.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Writes every `(name, bytes)` into `dir` (created if needed): all temporary files first, then
/// the renames, so the window where the folder mixes old and new files is a few renames long.
pub fn write_files(dir: &Path, files: &[(&str, &[u8])]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        let path = dir.join(name);
        let temp = dir.join(format!(".{name}.partial"));
        let written = std::fs::File::create(&temp)
            .and_then(|mut file| file.write_all(bytes).and_then(|()| file.sync_all()))
            .with_context(|| format!("cannot write {}", temp.display()));
        if let Err(e) = written {
            for (temp, _) in staged.iter().chain([(temp, path)].iter()) {
                let _ = std::fs::remove_file(temp);
            }
            return Err(e);
        }
        staged.push((temp, path));
    }
    for (temp, path) in &staged {
        std::fs::rename(temp, path).with_context(|| format!("cannot replace {}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_replaced_whole_and_no_temporary_file_stays() {
        let dir = std::env::temp_dir().join(format!("yushan-atomic-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        write_files(&dir, &[("a.json", b"old"), ("b.bin", b"old weights")]).unwrap();
        write_files(&dir, &[("a.json", b"new"), ("b.bin", b"new weights")]).unwrap();
        assert_eq!(std::fs::read(dir.join("a.json")).unwrap(), b"new");
        assert_eq!(std::fs::read(dir.join("b.bin")).unwrap(), b"new weights");
        let mut names: Vec<String> =
            std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        assert_eq!(names, ["a.json", "b.bin"]);
        // A file that cannot be written (its name is a folder) leaves the old files as they were.
        std::fs::create_dir_all(dir.join(".c.partial")).unwrap();
        assert!(write_files(&dir, &[("a.json", b"newer"), ("c", b"x")]).is_err());
        assert_eq!(std::fs::read(dir.join("a.json")).unwrap(), b"new");
        assert!(!dir.join(".a.json.partial").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
