//! Three-way tree merges and applying a decided result to a checkout.
//!
//! `keep` decides everything in git's object database first (trees from
//! `git merge-tree`, which never touches a working tree); only when every
//! merge is clean does [`apply`] write the changed paths into the target's
//! files and index, holding the index's lock ([`IndexLock`]) from before
//! the target is read until its new index is in place.

use std::path::{Path, PathBuf};

use crate::error::{Error, IoContext, Result};
use crate::git::Git;
use crate::repo::Repo;
use crate::snapshot::parse_oid;
use crate::treediff::Change;
use gix::bstr::BString;

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
                .map(|p| without_side_suffix(&p, &[ours, theirs]))
                .collect();
            paths.sort();
            paths.dedup();
            Ok(Merge::Conflict(paths))
        }
        _ => Err(Error::internal(format!(
            "git merge-tree failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))),
    }
}

/// The path a file/directory conflict is about: `git merge-tree` moves
/// the file aside as `<path>~<side>`, which names nothing the user has.
fn without_side_suffix(path: &str, sides: &[gix::ObjectId]) -> String {
    sides
        .iter()
        .find_map(|side| path.strip_suffix(&format!("~{side}")))
        .unwrap_or(path)
        .to_owned()
}

/// How many paths differ between two trees (no rename detection, no
/// contents read: cheaper than counting lines).
pub fn count_changed(repo: &Repo, from: gix::ObjectId, to: gix::ObjectId) -> Result<usize> {
    Ok(changes(repo, from, to)?.len())
}

/// The paths of `base` that `full` has and `index` lacks: files of the
/// base that are untracked in a checkout (sorted).
pub fn untracked_in(
    repo: &Repo,
    index: gix::ObjectId,
    full: gix::ObjectId,
    base: gix::ObjectId,
) -> Result<Vec<BString>> {
    if index == full {
        return Ok(Vec::new());
    }
    let mut paths: Vec<BString> = changes(repo, index, full)?
        .into_iter()
        .filter(|c| c.old.is_none())
        .map(|c| c.path)
        .filter(|p| has_path(repo, base, p))
        .collect();
    paths.sort();
    Ok(paths)
}

/// Whether a tree has an entry at `path`.
pub fn has_path(repo: &Repo, tree: gix::ObjectId, path: &[u8]) -> bool {
    entry(repo, tree, path).is_some()
}

/// The mode and id of the entry at `path` in `tree`, if there is one.
fn entry(repo: &Repo, tree: gix::ObjectId, path: &[u8]) -> Option<(u32, gix::ObjectId)> {
    let found = repo
        .shared
        .find_tree(tree)
        .ok()?
        .lookup_entry(path.split(|b| *b == b'/'))
        .ok()
        .flatten()?;
    Some((found.mode().value().into(), found.object_id()))
}

/// `tree` with the entries of `from` at `paths` added (through a temporary
/// index: modes and object ids as they are).
pub fn with_entries(
    repo: &Repo,
    tree: gix::ObjectId,
    from: gix::ObjectId,
    paths: &[BString],
) -> Result<gix::ObjectId> {
    let tmp = tempfile::Builder::new()
        .prefix(crate::paths::TEMP_KEEP_OURS)
        .tempfile_in(repo.state_dir()?)
        .doing(|| "cannot create a temporary index".to_string())?;
    let git = repo.git().env("GIT_INDEX_FILE", tmp.path());
    git.run(["read-tree", &tree.to_string()])?;
    let mut info = Vec::new();
    for path in paths {
        if let Some((mode, id)) = entry(repo, from, path) {
            info.extend_from_slice(format!("{mode:o} {id}\t").as_bytes());
            info.extend_from_slice(path);
            info.push(0);
        }
    }
    git.run_stdin_bytes(["update-index", "-z", "--index-info"], &info)?;
    crate::snapshot::parse_oid(&git.run(["write-tree"])?)
}

/// `full` without the repositories of their own that `index` lacks:
/// untracked embedded repositories, which `git add -A` records as commits
/// (gitlinks) although nothing outside them holds those commits. Returns
/// the tree and the paths left out.
pub fn without_untracked_repositories(
    repo: &Repo,
    index: gix::ObjectId,
    full: gix::ObjectId,
) -> Result<(gix::ObjectId, Vec<BString>)> {
    let repos: Vec<BString> = changes(repo, index, full)?
        .into_iter()
        .filter(|c| c.old.is_none() && c.new.is_some_and(|(mode, _)| mode.is_commit()))
        .map(|c| c.path)
        .collect();
    if repos.is_empty() {
        return Ok((full, repos));
    }
    let tmp = tempfile::Builder::new()
        .prefix(crate::paths::TEMP_CARRY)
        .tempfile_in(repo.state_dir()?)
        .doing(|| "cannot create a temporary index".to_string())?;
    let git = repo.git().env("GIT_INDEX_FILE", tmp.path());
    git.run(["read-tree", &full.to_string()])?;
    let list: Vec<u8> = repos
        .iter()
        .flat_map(|p| p.iter().copied().chain([0]))
        .collect();
    git.run_stdin_bytes(["update-index", "-z", "--force-remove", "--stdin"], &list)?;
    Ok((parse_oid(&git.run(["write-tree"])?)?, repos))
}

/// The paths that differ between two trees, sorted.
pub fn changed_paths(repo: &Repo, from: gix::ObjectId, to: gix::ObjectId) -> Result<Vec<BString>> {
    Ok(changes(repo, from, to)?
        .into_iter()
        .map(|c| c.path)
        .collect())
}

/// What to read from a checkout's disk so that its captured state shows
/// everything that stands where `paths` (a change's paths) go: each path
/// itself, but a file or symlink met on the way to it instead (a file where
/// the change needs a directory — git never reads beyond a symlink), and
/// every file under a directory standing where the change has a file,
/// ignored files too (keep replaces nothing the checkout does not track).
/// A directory holding a repository of its own stands for itself, as
/// `git add` takes it. Sorted, without duplicates.
pub fn disk_paths(target: &Path, paths: &[BString]) -> Result<Vec<BString>> {
    use std::os::unix::ffi::OsStrExt;
    let mut out = Vec::new();
    'paths: for path in paths {
        let parts: Vec<&[u8]> = path.split(|b| *b == b'/').collect();
        for depth in 1..parts.len() {
            let prefix = parts[..depth].join(&b'/');
            match std::fs::symlink_metadata(target.join(std::ffi::OsStr::from_bytes(&prefix))) {
                Ok(meta) if meta.is_dir() => {}
                Ok(_) => {
                    out.push(BString::from(prefix));
                    continue 'paths;
                }
                Err(_) => break,
            }
        }
        let full = target.join(std::ffi::OsStr::from_bytes(path));
        match std::fs::symlink_metadata(&full) {
            Ok(meta) if meta.is_dir() && !full.join(".git").exists() => {
                files_under(&full, path, &mut out)?;
            }
            _ => out.push(path.clone()),
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Every entry below `dir` (known to git as `rel`) that is not a plain
/// directory: files, symlinks, nested repositories.
fn files_under(dir: &Path, rel: &[u8], out: &mut Vec<BString>) -> Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let entries = std::fs::read_dir(dir).doing(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let entry = entry.doing(|| format!("cannot read {}", dir.display()))?;
        let mut path = BString::from(rel);
        path.push(b'/');
        path.extend_from_slice(entry.file_name().as_bytes());
        let full = entry.path();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && !full.join(".git").exists() {
            files_under(&full, &path, out)?;
        } else if entry.file_name() != ".git" {
            out.push(path);
        }
    }
    Ok(())
}

fn changes(repo: &Repo, from: gix::ObjectId, to: gix::ObjectId) -> Result<Vec<Change>> {
    crate::treediff::between(&repo.shared, from, to)
}

/// A checkout's index, locked the way git locks it: `<index>.lock`, created
/// exclusively, so no git command changes the index between the moment
/// keep reads it and the moment keep replaces it. The new index is built
/// in a copy beside it and renamed over the index by [`apply`]; dropped
/// before that, the copy and the lock go away and the index is untouched.
pub struct IndexLock {
    index: PathBuf,
    lock: PathBuf,
    /// The index being built: a copy of the locked one.
    next: PathBuf,
    committed: bool,
}

impl IndexLock {
    /// Lock `target`'s index (`<git dir>/index`, so a linked worktree's own),
    /// refusing when another process holds it.
    pub fn take(target: &Path) -> Result<IndexLock> {
        let index = PathBuf::from(Git::new(target).run([
            "rev-parse",
            "--path-format=absolute",
            "--git-path",
            "index",
        ])?);
        let with_suffix = |suffix: &str| {
            let mut name = index.clone().into_os_string();
            name.push(suffix);
            PathBuf::from(name)
        };
        let lock = with_suffix(".lock");
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(Error::refused(format!(
                    "cannot lock the index of {}: {} exists; nothing was changed",
                    target.display(),
                    lock.display()
                ))
                .with_hint(format!(
                    "another git process seems to be running in this checkout; keep again when it is done (if none is, one crashed earlier: remove {} first)",
                    lock.display()
                )));
            }
            Err(e) => {
                return Err(Error::io(format!("cannot create {}", lock.display()), e));
            }
        }
        let taken = IndexLock {
            next: with_suffix(".git-agent-keep"),
            index,
            lock,
            committed: false,
        };
        if taken.index.exists() {
            crate::snapshot::copy_keeping_mtime(&taken.index, &taken.next)?;
        } else {
            // No index yet: git starts the copy empty.
            let _ = std::fs::remove_file(&taken.next);
        }
        Ok(taken)
    }

    /// Put the new index in place and release the lock.
    fn commit(&mut self) -> Result<()> {
        if self.next.exists() {
            std::fs::rename(&self.next, &self.index).map_err(|e| {
                Error::io(
                    format!(
                        "cannot move the new index into place at {}",
                        self.index.display()
                    ),
                    e,
                )
            })?;
        }
        self.committed = true;
        let _ = std::fs::remove_file(&self.lock);
        Ok(())
    }
}

impl Drop for IndexLock {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.next);
            let _ = std::fs::remove_file(&self.lock);
        }
    }
}

/// Make a checkout whose files are `files_now` and index `index_now` have
/// files `files_new` and index `index_new`, touching only the paths that
/// differ. Paths that do not differ — the checkout's own work — are left
/// exactly as they are.
///
/// The new index is built in `lock`'s copy while the files are written and
/// replaces the checkout's index only once everything else is done. When a
/// step fails half-way (a full disk, a file that cannot be written), the
/// index was never replaced and the touched files are written back from
/// `files_now`, so the checkout is as it was (index stat data aside) and
/// the error says nothing was changed.
pub fn apply(
    repo: &Repo,
    target: &Path,
    mut lock: IndexLock,
    files: (gix::ObjectId, gix::ObjectId),
    index: (gix::ObjectId, gix::ObjectId),
) -> Result<()> {
    let git = Git::new(target);
    let written = write(repo, &git, target, &lock.next, files, index).and_then(|()| lock.commit());
    let Err(e) = written else {
        return Ok(());
    };
    // The lock is still held: nothing else writes the index while undoing.
    match write_files(repo, &git, target, (files.1, files.0)) {
        Ok(()) => Err(Error::refused(format!(
            "{}; what was written was undone, nothing in {} was changed",
            e.message,
            target.display()
        ))
        .with_hint("free some space or fix the cause, then keep again")),
        Err(undo) => Err(Error::internal(format!(
            "{}; undoing it failed too ({}): the session's paths in {} may be half-written (its index was not changed)",
            e.message,
            undo.message,
            target.display()
        ))
        .with_hint("the session still holds its whole change; compare with `git agent diff`")),
    }
}

/// The forward step of [`apply`]: files into `target`, index into `next`.
fn write(
    repo: &Repo,
    git: &Git,
    target: &Path,
    next: &Path,
    (files_now, files_new): (gix::ObjectId, gix::ObjectId),
    (index_now, index_new): (gix::ObjectId, gix::ObjectId),
) -> Result<()> {
    let file_changes = changes(repo, files_now, files_new)?;
    let index_changes = if (index_now, index_new) == (files_now, files_new) {
        file_changes.clone()
    } else {
        changes(repo, index_now, index_new)?
    };

    remove_deleted(target, &file_changes)?;
    // Writing files is most of keep's time on a large change: parallel
    // checkout (a worker per core) as `git checkout` can do it.
    let with_next = git
        .clone()
        .env("GIT_INDEX_FILE", next)
        .config("checkout.workers=0");
    // The index in one `update-index --index-info`, which git applies atomically.
    if !index_changes.is_empty() {
        let mut info = Vec::new();
        for change in &index_changes {
            let line = match change.new {
                None => format!("0 {}\t", "0".repeat(40)),
                Some((mode, id)) => format!("{:o} {id}\t", mode.value()),
            };
            info.extend_from_slice(line.as_bytes());
            info.extend_from_slice(&change.path);
            info.push(0);
        }
        with_next.run_stdin_bytes(["update-index", "-z", "--index-info"], &info)?;
    }
    // Files whose new content is what the new index holds are checked out
    // from that index itself, which records their stat data too (`-u`); the
    // rest (the target had unstaged edits there, merged) from a temporary
    // index holding the result. Either way modes, symlinks and checkout
    // filters behave as in `git checkout`.
    let staged: std::collections::HashSet<_> = index_changes
        .iter()
        .filter_map(|c| Some((&c.path, c.new?)))
        .collect();
    for group in attributes_first(&file_changes) {
        let (direct, other): (Vec<&Change>, Vec<&Change>) = group
            .into_iter()
            .partition(|c| c.new.is_some_and(|new| staged.contains(&(&c.path, new))));
        if !direct.is_empty() {
            with_next.run_stdin_bytes(
                ["checkout-index", "-u", "-f", "-z", "--stdin"],
                &nul_list(&direct),
            )?;
        }
        checkout_from_tree(repo, git, files_new, &other)?;
    }
    Ok(())
}

/// The files to write, `.gitattributes` files apart and first: a
/// `checkout-index` reads the attributes once, so every other file must
/// be written by a later one, after the new attributes are on disk.
fn attributes_first(list: &[Change]) -> [Vec<&Change>; 2] {
    let (attributes, rest) = list
        .iter()
        .filter(|c| c.new.is_some())
        .partition(|c| c.path.rsplit(|b| *b == b'/').next() == Some(b".gitattributes"));
    [attributes, rest]
}

/// Make the files of `target` that differ between two trees those of the
/// second, leaving its index alone: the undo of [`write()`].
fn write_files(
    repo: &Repo,
    git: &Git,
    target: &Path,
    (from, to): (gix::ObjectId, gix::ObjectId),
) -> Result<()> {
    let list = changes(repo, from, to)?;
    remove_deleted(target, &list)?;
    for group in attributes_first(&list) {
        checkout_from_tree(repo, git, to, &group)?;
    }
    Ok(())
}

/// Deletions first: a file may give way to a directory.
fn remove_deleted(target: &Path, list: &[Change]) -> Result<()> {
    for change in list.iter().filter(|c| c.new.is_none()) {
        remove_file_and_empty_parents(target, &change.path)?;
    }
    Ok(())
}

/// Write `paths` as they are in `tree` through a temporary index.
fn checkout_from_tree(
    repo: &Repo,
    git: &Git,
    tree: gix::ObjectId,
    paths: &[&Change],
) -> Result<()> {
    if paths.is_empty() {
        return Ok(());
    }
    let tmp = tempfile::Builder::new()
        .prefix(crate::paths::TEMP_KEEP_INDEX)
        .tempfile_in(repo.state_dir()?)
        .doing(|| "cannot create a temporary index".to_string())?;
    let with_tmp = git
        .clone()
        .env("GIT_INDEX_FILE", tmp.path())
        .config("checkout.workers=0");
    with_tmp.run(["read-tree", &tree.to_string()])?;
    with_tmp.run_stdin_bytes(["checkout-index", "-f", "-z", "--stdin"], &nul_list(paths))?;
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

fn remove_file_and_empty_parents(root: &Path, rel: &[u8]) -> Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let path = root.join(std::ffi::OsStr::from_bytes(rel));
    match std::fs::symlink_metadata(&path) {
        Ok(meta) if meta.is_dir() => return Ok(()),
        Ok(_) => {
            std::fs::remove_file(&path).doing(|| format!("cannot remove {}", path.display()))?
        }
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
