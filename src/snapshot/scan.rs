//! A look at a worktree's directories before it is snapshotted, by name
//! only (no stat of its files): where git reads attributes and ignore
//! rules. git opens `.gitattributes` and `.gitignore` as files, so a fifo
//! by either name makes `git add` (and gix's walk) wait forever; such a
//! worktree is refused instead. The attribute files found let the
//! in-process route decide, before its walk, whether to leave the
//! snapshot to git.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The names git reads rules from inside a worktree.
const RULE_FILES: [&str; 2] = [".gitattributes", ".gitignore"];

/// What [`scan`] found.
#[derive(Debug, Default)]
pub struct Scan {
    /// Every regular `.gitattributes` file, outside embedded repositories.
    pub attribute_files: Vec<PathBuf>,
}

/// Walk `worktree` (not its `.git`, nor embedded repositories, which git
/// does not enter): refuse a `.gitattributes` or `.gitignore` that is
/// neither a regular file, a directory nor a symlink, and list the
/// attribute files.
pub fn scan(worktree: &Path) -> Result<Scan> {
    let mut found = Scan::default();
    let mut dirs = vec![worktree.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        // Unreadable directories are git's to report.
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let entries: Vec<_> = entries.filter_map(|e| e.ok()).collect();
        if dir != worktree && entries.iter().any(|e| e.file_name() == ".git") {
            continue; // an embedded repository or a submodule
        }
        for entry in entries {
            let name = entry.file_name();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                if !(dir == worktree && name == ".git") {
                    dirs.push(entry.path());
                }
                continue;
            }
            if !RULE_FILES.iter().any(|rule| name == *rule) || kind.is_symlink() {
                continue;
            }
            if !kind.is_file() {
                let path = entry.path();
                let shown = path.strip_prefix(worktree).unwrap_or(&path);
                return Err(Error::refused(format!(
                    "{} is not a regular file: git would wait on it forever \
                     when it reads rules from it",
                    shown.display()
                ))
                .with_hint("remove it, or make it a regular file, and try again"));
            }
            if name == ".gitattributes" {
                found.attribute_files.push(entry.path());
            }
        }
    }
    Ok(found)
}
