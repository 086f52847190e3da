//! Three-way tree merges and applying a decided result to a checkout.
//!
//! `keep` decides everything in git's object database first (trees from
//! `git merge-tree`, which never touches a working tree); only when every
//! merge is clean does [`apply`] write the changed paths into the target's
//! files and index.

use std::path::Path;

use crate::error::{Error, Result};
use crate::git::Git;
use crate::repo::Repo;
use crate::snapshot::parse_oid;

/// The outcome of a tree merge.
pub enum Merge {
    Clean(gix::ObjectId),
    Conflict(Vec<String>),
}

/// Merge `theirs` into `ours` with `base` as the merge base (all tree-ish).
pub fn trees(
    repo: &Repo,
    base: gix::ObjectId,
    ours: gix::ObjectId,
    theirs: gix::ObjectId,
) -> Result<Merge> {
    if ours == base || ours == theirs {
        return Ok(Merge::Clean(theirs));
    }
    if theirs == base {
        return Ok(Merge::Clean(ours));
    }
    let out = repo.git().output([
        "merge-tree".to_string(),
        "--write-tree".into(),
        "--name-only".into(),
        "-z".into(),
        format!("--merge-base={base}"),
        ours.to_string(),
        theirs.to_string(),
    ])?;
    let mut fields = out.stdout.split(|b| *b == 0);
    let tree = fields
        .next()
        .map(|t| String::from_utf8_lossy(t).into_owned())
        .unwrap_or_default();
    match out.status.code() {
        Some(0) => Ok(Merge::Clean(parse_oid(&tree)?)),
        Some(1) => {
            let mut paths: Vec<String> = fields
                .take_while(|f| !f.is_empty())
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            paths.dedup();
            Ok(Merge::Conflict(paths))
        }
        _ => Err(Error::git(format!(
            "git merge-tree failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))),
    }
}

/// One changed path between two trees, from `git diff-tree --raw`.
#[derive(Clone)]
struct Change {
    new_mode: String,
    new_oid: String,
    deleted: bool,
    path: Vec<u8>,
}

fn changes(git: &Git, from: gix::ObjectId, to: gix::ObjectId) -> Result<Vec<Change>> {
    let out = git.run_bytes([
        "diff-tree",
        "-r",
        "-z",
        "--no-renames",
        &from.to_string(),
        &to.to_string(),
    ])?;
    let mut fields = out.split(|b| *b == 0).filter(|f| !f.is_empty());
    let mut list = Vec::new();
    while let (Some(info), Some(path)) = (fields.next(), fields.next()) {
        let info = String::from_utf8_lossy(info);
        let parts: Vec<&str> = info.trim_start_matches(':').split(' ').collect();
        if parts.len() < 5 {
            return Err(Error::git(format!(
                "unexpected git diff-tree output: {info}"
            )));
        }
        list.push(Change {
            new_mode: parts[1].to_owned(),
            new_oid: parts[3].to_owned(),
            deleted: parts[4].starts_with('D'),
            path: path.to_vec(),
        });
    }
    Ok(list)
}

/// Make a checkout whose files are `files_now` and index `index_now` have
/// files `files_new` and index `index_new`, touching only the paths that
/// differ. Paths that do not differ — the checkout's own work — are left
/// exactly as they are.
///
/// When a step fails half-way (a full disk, a file that cannot be written),
/// the same routine runs the other way, from the new trees back to the old
/// ones, so the touched paths are as they were (their index stat data
/// aside) and the error says nothing was changed.
pub fn apply(
    repo: &Repo,
    target: &Path,
    files: (gix::ObjectId, gix::ObjectId),
    index: (gix::ObjectId, gix::ObjectId),
) -> Result<()> {
    let Err(e) = write(repo, target, files, index) else {
        return Ok(());
    };
    let back = |(now, new): (gix::ObjectId, gix::ObjectId)| (new, now);
    match write(repo, target, back(files), back(index)) {
        Ok(()) => Err(Error::refused(format!(
            "{}; what was written was undone, nothing in {} was changed",
            e.message,
            target.display()
        ))
        .with_hint("free some space or fix the cause, then keep again")),
        Err(undo) => Err(Error::git(format!(
            "{}; undoing it failed too ({}): the session's paths in {} may be half-written",
            e.message,
            undo.message,
            target.display()
        ))
        .with_hint("the session still holds its whole change; compare with `git agent diff`")),
    }
}

/// One direction of [`apply`].
fn write(
    repo: &Repo,
    target: &Path,
    (files_now, files_new): (gix::ObjectId, gix::ObjectId),
    (index_now, index_new): (gix::ObjectId, gix::ObjectId),
) -> Result<()> {
    let git = Git::new(target);
    let file_changes = changes(&git, files_now, files_new)?;
    let index_changes = if (index_now, index_new) == (files_now, files_new) {
        file_changes.clone()
    } else {
        changes(&git, index_now, index_new)?
    };

    // Deletions first: a file may give way to a directory.
    for change in file_changes.iter().filter(|c| c.deleted) {
        let rel = String::from_utf8_lossy(&change.path).into_owned();
        remove_file_and_empty_parents(target, &rel)?;
    }
    // The index in one `update-index --index-info`, which git applies atomically.
    if !index_changes.is_empty() {
        let mut info = Vec::new();
        for change in &index_changes {
            let line = if change.deleted {
                format!("0 {}\t", "0".repeat(40))
            } else {
                format!("{} {}\t", change.new_mode, change.new_oid)
            };
            info.extend_from_slice(line.as_bytes());
            info.extend_from_slice(&change.path);
            info.push(0);
        }
        git.run_stdin_bytes(["update-index", "-z", "--index-info"], &info)?;
    }
    // Files whose new content is what the index now holds are checked out
    // from the index itself, which records their stat data too (`-u`); the
    // rest (the target had unstaged edits there, merged) from a temporary
    // index holding the result. Either way modes, symlinks and checkout
    // filters behave as in `git checkout`.
    let staged: std::collections::HashSet<(&[u8], &str, &str)> = index_changes
        .iter()
        .filter(|c| !c.deleted)
        .map(|c| (c.path.as_slice(), c.new_mode.as_str(), c.new_oid.as_str()))
        .collect();
    let (direct, other): (Vec<&Change>, Vec<&Change>) =
        file_changes.iter().filter(|c| !c.deleted).partition(|c| {
            staged.contains(&(c.path.as_slice(), c.new_mode.as_str(), c.new_oid.as_str()))
        });
    if !direct.is_empty() {
        git.run_stdin_bytes(
            ["checkout-index", "-u", "-f", "-z", "--stdin"],
            &nul_list(&direct),
        )?;
    }
    if !other.is_empty() {
        let tmp = tempfile::Builder::new()
            .prefix("keep-index-")
            .tempfile_in(repo.state_dir()?)
            .map_err(|e| Error::git(format!("cannot create a temporary index: {e}")))?;
        let with_tmp = git.clone().env("GIT_INDEX_FILE", tmp.path());
        with_tmp.run(["read-tree", &files_new.to_string()])?;
        with_tmp.run_stdin_bytes(["checkout-index", "-f", "-z", "--stdin"], &nul_list(&other))?;
    }
    Ok(())
}

fn nul_list(changes: &[&Change]) -> Vec<u8> {
    let mut list = Vec::new();
    for change in changes {
        list.extend_from_slice(&change.path);
        list.push(0);
    }
    list
}

fn remove_file_and_empty_parents(root: &Path, rel: &str) -> Result<()> {
    let path = root.join(rel);
    match std::fs::symlink_metadata(&path) {
        Ok(meta) if meta.is_dir() => return Ok(()),
        Ok(_) => std::fs::remove_file(&path)
            .map_err(|e| Error::git(format!("cannot remove {}: {e}", path.display())))?,
        Err(_) => return Ok(()),
    }
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d == root || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
    Ok(())
}
