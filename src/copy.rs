//! `agent.copy` and `.worktreeinclude`: ignored files (`.env`,
//! `node_modules`, build caches) copied from the main worktree into a new
//! session's worktree. `std::fs::copy` uses `copy_file_range`, which shares
//! blocks (reflink) on file systems that can. Then `agent.postCreate`,
//! the script that finishes setting the worktree up ([`post_create`]);
//! `new` and `restore` both do this.

use std::path::Path;

use crate::error::{Error, Result};
use crate::repo::Repo;
use crate::session::Id;

/// The patterns to copy: `agent.copy` values, then `.worktreeinclude` lines.
pub fn patterns(repo: &Repo) -> Vec<String> {
    let mut patterns = repo.config.strings(crate::config::COPY.name);
    if let Ok(text) = std::fs::read_to_string(repo.main_worktree.join(".worktreeinclude")) {
        patterns.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned),
        );
    }
    patterns
}

/// Run `agent.postCreate` (if set) in a session's fresh `worktree`, with
/// `GIT_AGENT_ID`, `GIT_AGENT_BASE` and `GIT_AGENT_WORKTREE` set.
pub fn post_create(repo: &Repo, id: &Id, base: gix::ObjectId, worktree: &Path) -> Result<()> {
    let Some(script) = repo.config.post_create() else {
        return Ok(());
    };
    crate::runs::env::git(id, base, worktree).shell(&script)
}

/// Copy the main worktree's ignored files that match `patterns` into `dest`.
/// Returns how many top-level entries were copied.
pub fn ignored_files(repo: &Repo, patterns: &[String], dest: &Path) -> Result<usize> {
    if patterns.is_empty() {
        return Ok(0);
    }
    let mut copied = 0;
    for entry in ignored(&repo.main_worktree)? {
        let path = entry.trim_end_matches('/');
        if !patterns.iter().any(|p| matches(p, path)) {
            continue;
        }
        let from = repo.main_worktree.join(path);
        let to = dest.join(path);
        // Never copy over what the checkout already put there.
        if to.symlink_metadata().is_ok() {
            continue;
        }
        copy_tree(&from, &to)?;
        copied += 1;
    }
    Ok(copied)
}

/// Say which ignored files go with the worktree: snapshots hold every
/// tracked and untracked file, but not ignored ones (build output, caches),
/// and `restore` brings back only those `agent.copy` names.
pub fn warn_ignored(repo: &Repo, worktree: &Path) {
    IgnoredListing::start(worktree).warn(repo);
}

/// [`warn_ignored`] in two halves: the listing runs in the background from
/// [`IgnoredListing::start`], while the caller goes on with its work.
pub struct IgnoredListing(std::thread::JoinHandle<Result<Vec<String>>>);

impl IgnoredListing {
    pub fn start(worktree: &Path) -> IgnoredListing {
        let worktree = worktree.to_path_buf();
        IgnoredListing(std::thread::spawn(move || ignored(&worktree)))
    }

    pub fn warn(self, repo: &Repo) {
        let Ok(Ok(ignored)) = self.0.join() else {
            return;
        };
        // What no `agent.copy` pattern brings back: a removal of the
        // worktree deletes it for good.
        let patterns = patterns(repo);
        let ignored: Vec<String> = ignored
            .into_iter()
            .filter(|e| !patterns.iter().any(|p| matches(p, e.trim_end_matches('/'))))
            .collect();
        if ignored.is_empty() {
            return;
        }
        const SHOWN: usize = 5;
        let mut names = ignored
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if ignored.len() > SHOWN {
            names += &format!(" and {} more", ignored.len() - SHOWN);
        }
        crate::output::warn(&format!(
            "ignored files are not in snapshots, so restore will not bring these back: {names}"
        ));
    }
}

/// The ignored files of a worktree, whole ignored directories as `dir/`.
fn ignored(worktree: &Path) -> Result<Vec<String>> {
    let listing = crate::git::Git::new(worktree).run_bytes([
        "ls-files",
        "-z",
        "--others",
        "--ignored",
        "--exclude-standard",
        "--directory",
    ])?;
    Ok(listing
        .split(|b| *b == 0)
        .filter(|e| !e.is_empty())
        .map(|e| String::from_utf8_lossy(e).into_owned())
        .collect())
}

/// gitignore-style: a pattern without a slash matches a name at any depth,
/// one with a slash matches the path from the top.
fn matches(pattern: &str, path: &str) -> bool {
    use gix::glob::wildmatch::Mode;
    let pattern = pattern.trim_end_matches('/');
    if pattern.contains('/') {
        let anchored = pattern.trim_start_matches('/');
        gix::glob::wildmatch(anchored.into(), path.into(), Mode::NO_MATCH_SLASH_LITERAL)
    } else {
        let name = path.rsplit('/').next().unwrap_or(path);
        gix::glob::wildmatch(pattern.into(), name.into(), Mode::NO_MATCH_SLASH_LITERAL)
    }
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    let fail = |e: std::io::Error| {
        Error::refused(format!(
            "cannot copy {} into the session: {e}",
            from.display()
        ))
    };
    let meta = from.symlink_metadata().map_err(fail)?;
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(from).map_err(fail)?;
        std::os::unix::fs::symlink(target, to).map_err(fail)
    } else if meta.is_dir() {
        std::fs::create_dir_all(to).map_err(fail)?;
        for child in std::fs::read_dir(from).map_err(fail)? {
            let child = child.map_err(fail)?;
            copy_tree(&child.path(), &to.join(child.file_name()))?;
        }
        Ok(())
    } else {
        std::fs::copy(from, to).map(drop).map_err(fail)
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn patterns_match_like_gitignore() {
        assert!(matches(".env", ".env"));
        assert!(matches(".env", "sub/.env"));
        assert!(matches("node_modules/", "node_modules"));
        assert!(matches("/build/cache", "build/cache"));
        assert!(!matches("/build/cache", "x/build/cache"));
        assert!(matches("*.local", "config.local"));
        assert!(!matches(".env", ".envrc"));
    }
}
