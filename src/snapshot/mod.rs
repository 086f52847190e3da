//! Snapshots: a worktree's full state — commits, staged, unstaged and
//! untracked files (ignored files excluded) — as git objects, without
//! touching the worktree's own index or files.
//!
//! A snapshot commit is laid out like `git stash` does it: its tree is the
//! working tree as `git add -A` would stage it, its first parent is `HEAD`,
//! and its second parent is a commit of the index, so a restore can put back
//! the staged/unstaged split as well as the files.

mod inproc;
mod scan;
mod verify;
mod watch;

pub use watch::Watch;

use std::path::{Path, PathBuf};

use crate::error::{Error, IoContext, Result};
use crate::git::Git;
use crate::repo::Repo;

/// Change counts of a snapshot against a base: files, lines, and the
/// changed paths (recorded in a session's metadata).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Changes {
    pub files: usize,
    pub insertions: usize,
    pub deletions: usize,
    #[serde(default)]
    pub paths: Vec<String>,
}

/// The trees that describe a worktree at one moment.
#[derive(Debug, Clone)]
pub struct WorktreeState {
    pub head: gix::ObjectId,
    /// The index as a tree (HEAD's tree when the index has conflicts).
    pub index_tree: gix::ObjectId,
    /// Everything, untracked files included.
    pub full_tree: gix::ObjectId,
}

/// Read a worktree's full state into trees, through a temporary index.
pub fn capture(repo: &Repo, worktree: &Path) -> Result<WorktreeState> {
    capture_limited(repo, worktree, None)
}

/// Like [`capture`], but the working files are read only at `paths` (the
/// full tree holds the index elsewhere): enough to merge a change that
/// touches just those paths, without a stat of every file in a large tree.
pub fn capture_paths(
    repo: &Repo,
    worktree: &Path,
    paths: &[gix::bstr::BString],
) -> Result<WorktreeState> {
    capture_limited(repo, worktree, Some(paths))
}

fn capture_limited(
    repo: &Repo,
    worktree: &Path,
    paths: Option<&[gix::bstr::BString]>,
) -> Result<WorktreeState> {
    let scan = scan::scan(worktree)?;
    let git = Git::new(worktree);
    let out = git.run_bytes(["rev-parse", "--git-path", "index", "--verify", "HEAD"])?;
    // `<index path>\n<oid>\n`: the path may hold newlines, the oid never.
    let out = out.strip_suffix(b"\n").unwrap_or(&out);
    let Some(at) = out.iter().rposition(|b| *b == b'\n') else {
        return Err(Error::internal(format!(
            "cannot read the state of {}",
            worktree.display()
        )));
    };
    let index = absolute(worktree, crate::git::path_from_bytes(out[..at].to_vec()));
    let head = parse_oid(&String::from_utf8_lossy(&out[at + 1..]))?;
    let tmp = tempfile::Builder::new()
        .prefix(crate::paths::TEMP_INDEX)
        .tempfile_in(repo.state_dir()?)
        .doing(|| "cannot create a temporary index".to_string())?;
    if index.exists() {
        copy_keeping_mtime(&index, tmp.path())?;
    } else {
        // No index yet (for example a fresh `--no-checkout` worktree): start empty.
        std::fs::remove_file(tmp.path()).ok();
    }
    // A split index in the copy: with `feature.manyFiles` (which sets
    // `index.skipHash`) git 2.47 writes one it then reads as empty.
    let with_tmp = git
        .clone()
        .env("GIT_INDEX_FILE", tmp.path())
        .config("core.splitIndex=false");
    let index_tree = match with_tmp.run(["write-tree"]) {
        Ok(tree) => parse_oid(&tree)?,
        Err(_) => parse_oid(&git.run(["rev-parse", "HEAD^{tree}"])?)?,
    };
    match paths {
        None => {
            if let Some((full_tree, refused)) = inproc::full_tree(worktree, index_tree, &scan) {
                warn_refused(&refused);
                return Ok(WorktreeState {
                    head,
                    index_tree,
                    full_tree,
                });
            }
            if std::env::var_os("GIT_AGENT_SNAPSHOT").is_some_and(|v| v == "gix") {
                return Err(Error::internal(format!(
                    "the in-process snapshot leaves {} to git (GIT_AGENT_SNAPSHOT=gix)",
                    worktree.display()
                )));
            }
            warn_refused(&add_all(worktree, &with_tmp)?);
        }
        Some(paths) => {
            // Adds what exists, removes what is gone, skips what is neither;
            // a file where the index has a directory (or the reverse)
            // replaces it (`--replace`).
            let list: Vec<u8> = paths
                .iter()
                .flat_map(|p| p.iter().copied().chain([0]))
                .collect();
            with_tmp
                .run_stdin_bytes(
                    // Entries outside the sparse patterns are not missing files.
                    [
                        "update-index",
                        "--add",
                        "--remove",
                        "--replace",
                        "--ignore-skip-worktree-entries",
                        "-z",
                        "--stdin",
                    ],
                    &list,
                )
                .map(drop)?
        }
    }
    let full_tree = parse_oid(&with_tmp.run(["write-tree"])?)?;
    Ok(WorktreeState {
        head,
        index_tree,
        full_tree,
    })
}

/// `git add -A` of the whole `worktree` into the index `with_tmp` uses. A
/// path git refuses (see [`verify`]) fails the whole `add`; then the
/// paths git refuses are left out, and returned (as the prefix up to the
/// component git refuses).
fn add_all(worktree: &Path, with_tmp: &Git) -> Result<Vec<Vec<u8>>> {
    use std::ffi::{OsStr, OsString};
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    // `--sparse`: files outside the sparse-checkout patterns count too.
    let add = ["add", "-A", "--sparse", "--", ":/"];
    let first = with_tmp.run_bytes(add);
    let Err(error) = first else {
        return Ok(Vec::new());
    };
    if !error.to_string().contains("invalid path") {
        return Err(error);
    }
    let listed = with_tmp.run_bytes(["ls-files", "-z", "-o", "-m", "--exclude-standard"])?;
    let mut refused: Vec<Vec<u8>> = Vec::new();
    for path in listed.split(|b| *b == 0).filter(|p| !p.is_empty()) {
        // An embedded repository is listed as `dir/`: git stages it (or
        // refuses it for reasons of its own), the slash is no path's.
        let path = path.strip_suffix(b"/").unwrap_or(path);
        let on_disk = worktree.join(OsStr::from_bytes(path));
        let symlink = std::fs::symlink_metadata(&on_disk).is_ok_and(|m| m.is_symlink());
        if let Some(end) = verify::refused_prefix(path, symlink) {
            let prefix = &path[..end];
            if !refused.iter().any(|r| r == prefix) {
                refused.push(prefix.to_vec());
            }
        }
    }
    if refused.is_empty() {
        return Err(error);
    }
    let mut args: Vec<OsString> = add.iter().map(Into::into).collect();
    for prefix in &refused {
        let mut spec = b":(top,literal,exclude)".to_vec();
        spec.extend_from_slice(prefix);
        args.push(OsString::from_vec(spec));
    }
    with_tmp.run_bytes(args)?;
    Ok(refused)
}

/// Say which paths a snapshot left out because git refuses them.
fn warn_refused(refused: &[Vec<u8>]) {
    for path in refused {
        crate::output::warn(&format!(
            "not snapshottable: git refuses this path: {} (it stays in the worktree, \
             but is not part of the session's change: diff, keep and restore leave it out)",
            gix::bstr::BStr::new(path)
        ));
    }
}

/// Record a worktree state as a snapshot commit (not on any branch).
pub fn commit(repo: &Repo, state: &WorktreeState, message: &str) -> Result<gix::ObjectId> {
    commit_keeping(repo, state, &[], message)
}

/// Like [`commit`], with `keep` as further parents (after the first two,
/// which make the state): commits that must stay reachable from the
/// session's refs although the state does not hold them — a branch tip the
/// worktree's `HEAD` has left, a snapshot this one replaces.
pub fn commit_keeping(
    repo: &Repo,
    state: &WorktreeState,
    keep: &[gix::ObjectId],
    message: &str,
) -> Result<gix::ObjectId> {
    let git = repo.git().as_git_agent();
    let head = state.head.to_string();
    let index_commit = git.run([
        "commit-tree",
        &state.index_tree.to_string(),
        "-p",
        &head,
        "-m",
        "git-agent: index",
    ])?;
    let mut args = vec![
        "commit-tree".to_owned(),
        state.full_tree.to_string(),
        "-p".into(),
        head,
        "-p".into(),
        index_commit,
    ];
    let mut seen = vec![state.head];
    for commit in keep {
        if !seen.contains(commit) {
            seen.push(*commit);
            args.extend(["-p".into(), commit.to_string()]);
        }
    }
    args.extend(["-m".into(), message.to_owned()]);
    parse_oid(&git.run(args)?)
}

/// Files, insertions and deletions between two tree-ishes, as
/// `git diff --numstat --no-renames` counts them (binary files count as files).
pub fn changes(repo: &Repo, from: gix::ObjectId, to: gix::ObjectId) -> Result<Changes> {
    let out = repo.git().run_bytes([
        "diff",
        "--numstat",
        "-z",
        "--no-renames",
        "--no-ext-diff",
        "--no-textconv",
        &from.to_string(),
        &to.to_string(),
    ])?;
    let mut changes = Changes::default();
    for record in out.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        let text = String::from_utf8_lossy(record);
        let mut fields = text.splitn(3, '\t');
        let (Some(ins), Some(del), Some(path)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        changes.files += 1;
        changes.insertions += ins.parse::<usize>().unwrap_or(0);
        changes.deletions += del.parse::<usize>().unwrap_or(0);
        changes.paths.push(path.to_owned());
    }
    Ok(changes)
}

pub fn parse_oid(hex: &str) -> Result<gix::ObjectId> {
    gix::ObjectId::from_hex(hex.trim().as_bytes()).map_err(|_| {
        Error::internal(format!(
            "git printed '{hex}' where an object id was expected"
        ))
    })
}

/// Copy an index and keep its modification time: git decides which entries
/// are "racily clean" (and must be re-read) by comparing file times with the
/// index's own time, so a fresh time on the copy could hide a same-size edit
/// made just after a checkout.
pub fn copy_keeping_mtime(from: &Path, to: &Path) -> Result<()> {
    let fail =
        |e: std::io::Error| Error::io(format!("cannot copy the index {}", from.display()), e);
    std::fs::copy(from, to).map_err(fail)?;
    let modified = std::fs::metadata(from)
        .and_then(|m| m.modified())
        .map_err(fail)?;
    std::fs::File::options()
        .write(true)
        .open(to)
        .and_then(|f| f.set_modified(modified))
        .map_err(fail)
}

fn absolute(base: &Path, p: PathBuf) -> PathBuf {
    if p.is_absolute() { p } else { base.join(p) }
}

/// Read a snapshot commit back into the state it recorded: parent 1 is the
/// branch tip, parent 2's tree the index, its own tree the full working state
/// (a third parent, see [`commit_replacing`], is not part of the state).
pub fn load(repo: &Repo, snapshot: gix::ObjectId) -> Result<WorktreeState> {
    let unreadable = |why: String| {
        Error::refused(format!("snapshot {snapshot} cannot be read: {why}"))
            .with_hint("the repository may be missing objects; `git fsck` tells more")
    };
    let commit = repo
        .shared
        .find_commit(snapshot)
        .map_err(|e| unreadable(e.to_string()))?;
    let parents: Vec<gix::ObjectId> = commit.parent_ids().map(|id| id.detach()).collect();
    let [head, index_commit, ..] = parents[..] else {
        return Err(unreadable(format!(
            "it has {} parents where a snapshot has at least 2",
            parents.len()
        )));
    };
    let full_tree = commit
        .tree_id()
        .map_err(|e| unreadable(e.to_string()))?
        .detach();
    Ok(WorktreeState {
        head,
        index_tree: repo.resolve_tree(index_commit)?,
        full_tree,
    })
}

/// Like [`commit`], with the snapshot this one replaces as a third parent, so
/// whatever that one held (uncommitted work included) stays reachable from
/// the session's refs.
pub fn commit_replacing(
    repo: &Repo,
    state: &WorktreeState,
    previous: gix::ObjectId,
    message: &str,
) -> Result<gix::ObjectId> {
    commit_keeping(repo, state, &[previous], message)
}

/// Whether anything in a worktree may have changed since `since`: an entry
/// (file, directory, symlink; `.git` aside) or the worktree's index or HEAD
/// with a modification or change time at or after it. A cheap stand-in for
/// a second snapshot: `false` means a new snapshot would be the same.
/// Unreadable entries count as changed.
pub fn touched_since(worktree: &Path, since: std::time::SystemTime) -> bool {
    use std::os::unix::fs::MetadataExt;
    // File times come from the kernel's coarse clock, a tick behind the
    // precise one: some slack, so a write just after `since` is never missed.
    let since = (since - std::time::Duration::from_millis(50))
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128);
    let newer = |m: &std::fs::Metadata| {
        let at = |secs: i64, nanos: i64| i128::from(secs) * 1_000_000_000 + i128::from(nanos);
        at(m.mtime(), m.mtime_nsec()) >= since || at(m.ctime(), m.ctime_nsec()) >= since
    };
    let git_dir = std::fs::read_to_string(worktree.join(".git"))
        .ok()
        .and_then(|t| t.strip_prefix("gitdir:").map(|d| worktree.join(d.trim())));
    let Some(git_dir) = git_dir else { return true };
    for file in ["index", "HEAD"] {
        match std::fs::symlink_metadata(git_dir.join(file)) {
            Ok(m) if !newer(&m) => {}
            _ => return true,
        }
    }
    let mut dirs = vec![worktree.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return true;
        };
        match std::fs::symlink_metadata(&dir) {
            Ok(m) if !newer(&m) => {}
            _ => return true,
        }
        for entry in entries {
            let Ok(entry) = entry else { return true };
            if dir == worktree && entry.file_name() == ".git" {
                continue;
            }
            let Ok(meta) = entry.metadata() else {
                return true;
            };
            if newer(&meta) {
                return true;
            }
            if meta.is_dir() {
                dirs.push(entry.path());
            }
        }
    }
    false
}
