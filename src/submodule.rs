//! Submodules in session worktrees.
//!
//! A new (or restored) session's submodules are cloned from the module
//! repositories this clone already has — the origin worktree's, else the
//! main one's under `<common dir>/modules/` — never from the network. Only
//! submodules initialised there are set up; nested ones are not.
//!
//! A session's submodules keep their git dirs under the session's worktree
//! record (`<common dir>/worktrees/<name>/modules/`), which goes when the
//! worktree is removed. So before that, [`preserve`] makes each submodule's
//! `HEAD` reachable in the module repository it came from
//! (`refs/agents/<id>/<path>` there) and refuses while a submodule has
//! uncommitted changes, which no snapshot can hold.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::git::Git;
use crate::repo::Repo;
use crate::session::Id;

/// A submodule as `.gitmodules` in a worktree declares it.
struct Declared {
    name: String,
    path: String,
}

/// The submodules `.gitmodules` in `worktree` declares.
fn declared(worktree: &Path) -> Vec<Declared> {
    if !worktree.join(".gitmodules").is_file() {
        return Vec::new();
    }
    let Ok(out) = Git::new(worktree).run([
        "config",
        "-f",
        ".gitmodules",
        "-z",
        "--get-regexp",
        r"^submodule\..*\.path$",
    ]) else {
        return Vec::new();
    };
    out.split('\0')
        .filter_map(|entry| {
            let (key, path) = entry.split_once('\n')?;
            let name = key.strip_prefix("submodule.")?.strip_suffix(".path")?;
            Some(Declared {
                name: name.to_owned(),
                path: path.to_owned(),
            })
        })
        .collect()
}

/// The git dir of the submodule checked out at `dir`, if it is initialised.
fn git_dir(dir: &Path) -> Option<PathBuf> {
    if !dir.join(".git").exists() {
        return None;
    }
    Git::new(dir)
        .run(["rev-parse", "--absolute-git-dir"])
        .ok()
        .map(PathBuf::from)
}

/// Clone the submodules initialised in `origin` (or the main worktree) into
/// the session worktree, from the local module repositories, at the commits
/// the index records — or, given `files` (a restored snapshot's tree), at
/// the commits that tree records, so a submodule moved but not staged comes
/// back moved. Returns a warning per submodule that could not be set up;
/// the session is usable without them.
pub fn init(
    repo: &Repo,
    origin: &Path,
    worktree: &Path,
    files: Option<gix::ObjectId>,
) -> Vec<String> {
    let mut warnings = Vec::new();
    for sub in declared(worktree) {
        let source = git_dir(&origin.join(&sub.path))
            .or_else(|| Some(repo.common_dir.join("modules").join(&sub.name)))
            .filter(|dir| dir.join("HEAD").exists());
        let Some(source) = source else {
            continue; // Not initialised here either: left as git would.
        };
        let out = Git::new(worktree)
            .config("protocol.file.allow=always")
            .config(format!("submodule.{}.url={}", sub.name, source.display()))
            .output(["submodule", "update", "--init", "--", &sub.path]);
        let failed = match out {
            Ok(out) if out.status.success() => match files {
                None => continue,
                Some(tree) => match check_out_recorded(worktree, &sub.path, tree) {
                    Ok(()) => continue,
                    Err(e) => e.message,
                },
            },
            Ok(out) => crate::git::one_line(&out.stderr),
            Err(e) => e.message,
        };
        warnings.push(format!(
            "submodule '{}' was not set up in the session: {failed}",
            sub.path
        ));
    }
    warnings
}

/// Check out, in the submodule at `path`, the commit `tree` records there.
fn check_out_recorded(worktree: &Path, path: &str, tree: gix::ObjectId) -> Result<()> {
    let Ok(want) =
        Git::new(worktree).run(["rev-parse", "--verify", "-q", &format!("{tree}:{path}")])
    else {
        return Ok(()); // Not in the tree: nothing recorded.
    };
    let sub = Git::new(worktree.join(path));
    if sub
        .run(["rev-parse", "HEAD"])
        .is_ok_and(|head| head == want)
    {
        return Ok(());
    }
    let present = sub
        .output(["cat-file", "-e", &format!("{want}^{{commit}}")])
        .is_ok_and(|o| o.status.success());
    if !present {
        sub.run(["fetch", "-q", "origin", &want])?;
    }
    sub.run(["checkout", "-q", "--detach", &want]).map(drop)
}

/// The paths of initialised submodules in `worktree` with uncommitted
/// changes of their own — which no diff of the superproject shows.
pub fn dirty(worktree: &Path) -> Vec<String> {
    declared(worktree)
        .into_iter()
        .filter(|sub| {
            let dir = worktree.join(&sub.path);
            git_dir(&dir).is_some() && is_dirty(&dir).unwrap_or(false)
        })
        .map(|sub| sub.path)
        .collect()
}

fn is_dirty(dir: &Path) -> Result<bool> {
    Git::new(dir)
        .run(["status", "--porcelain", "--ignore-submodules=none"])
        .map(|s| !s.is_empty())
}

/// Before a session's worktree is removed: refuse while a submodule has
/// uncommitted changes; make every submodule's `HEAD` reachable in the
/// module repository it was cloned from.
pub fn preserve(id: &Id, worktree: &Path) -> Result<()> {
    for sub in declared(worktree) {
        let dir = worktree.join(&sub.path);
        if git_dir(&dir).is_none() {
            continue;
        }
        let git = Git::new(&dir);
        if is_dirty(&dir)? {
            return Err(Error::refused(format!(
                "submodule '{}' in session '{id}' has uncommitted changes, which git-agent cannot save",
                sub.path
            ))
            .with_hint(format!(
                "commit them in the submodule (commits are kept), or throw them away with `git -C {} reset --hard && git -C {} clean -fd`",
                dir.display(),
                dir.display()
            )));
        }
        let Ok(head) = git.run(["rev-parse", "--verify", "-q", "HEAD^{commit}"]) else {
            continue;
        };
        let home = git
            .run(["config", "remote.origin.url"])
            .ok()
            .map(PathBuf::from)
            .filter(|p| p.is_absolute() && p.join("HEAD").exists());
        let Some(home) = home else {
            return Err(Error::refused(format!(
                "submodule '{}' in session '{id}' has no local module repository to keep commit {head} in",
                sub.path
            ))
            .with_hint("push the submodule's commits somewhere first"));
        };
        let present = Git::new(&home)
            .output(["cat-file", "-e", &format!("{head}^{{commit}}")])
            .is_ok_and(|o| o.status.success());
        if present {
            continue;
        }
        git.run([
            "push",
            "-q",
            "--no-verify",
            &home.display().to_string(),
            &format!("{head}:refs/agents/{id}/{}", sub.path),
        ])?;
    }
    Ok(())
}
