//! What a read-only run must leave as it found beyond its worktree: the
//! repository's refs, hooks, config and `info/`, and the worktree's own git
//! dir. Each is recorded before the run and compared after it; a change is
//! undone — files get their exact bytes and mode back, refs their value by
//! compare-and-swap against the value the run left — and named.
//!
//! Other sessions run in parallel and change refs of their own (everything
//! under `refs/agents/`, `refs/notes/agents`, their branches), so those are
//! not compared — but a session's refs deleted as no git-agent command
//! deletes them are (see [`Guard::session_ref_taken`]). The user's global
//! git config is outside the repository:
//! a change to it is named, never undone.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::git::Git;
use crate::repo::Repo;
use crate::session::Id;

/// One file-system entry under a watched place, as it was.
#[derive(Debug, Clone, PartialEq)]
enum Entry {
    File { bytes: Vec<u8>, mode: u32 },
    Link(PathBuf),
    Dir,
}

/// A ref's value: its object, or the ref it points at when symbolic.
#[derive(Debug, Clone, PartialEq)]
struct RefValue {
    oid: String,
    symref: String,
}

/// Refs no read-only run is held to: other sessions write them in parallel.
const SHARED_REFS: &[&str] = &["refs/agents/", "refs/agents-incoming/", "refs/notes/agents"];

/// The repository as a read-only run found it.
pub struct Guard {
    /// Where the names in messages are relative to (the main worktree).
    top: PathBuf,
    files: BTreeMap<PathBuf, Entry>,
    refs: BTreeMap<String, RefValue>,
    /// The user's global config files, `None` where absent.
    global: Vec<(PathBuf, Option<Vec<u8>>)>,
    common_dir: PathBuf,
    worktree_git_dir: PathBuf,
}

impl Guard {
    /// Record hooks, config, `info/`, the worktree's git dir, every ref and
    /// the global config files.
    pub fn capture(repo: &Repo, worktree: &Path) -> Result<Guard> {
        // The first note any session adds sets this in the config: set it
        // now, so that a session's run ending meanwhile changes nothing here.
        crate::notes::ensure_rewrite_ref(repo)?;
        let git = Git::new(worktree);
        let worktree_git_dir = PathBuf::from(git.run(["rev-parse", "--absolute-git-dir"])?);
        let common_dir = repo.common_dir.clone();
        let mut guard = Guard {
            top: repo.main_worktree.clone(),
            files: BTreeMap::new(),
            refs: read_refs(&git)?,
            global: Vec::new(),
            common_dir,
            worktree_git_dir,
        };
        guard.files = guard.read_files()?;
        guard.global = global_config_files()
            .into_iter()
            .map(|p| {
                let bytes = std::fs::read(&p).ok();
                (p, bytes)
            })
            .collect();
        Ok(guard)
    }

    /// Every watched entry as it is now. Reads files only: no git runs
    /// before a config or hook the run wrote is undone.
    fn read_files(&self) -> Result<BTreeMap<PathBuf, Entry>> {
        let mut found = BTreeMap::new();
        let common = &self.common_dir;
        for name in ["config", "config.worktree"] {
            read_tree(&common.join(name), &|_| true, &mut found)?;
        }
        read_tree(&common.join("hooks"), &|_| true, &mut found)?;
        // `info/refs` is what `git update-server-info` (run by repack, so by
        // any gc) derives from the refs, not something a run sets.
        let info_refs = common.join("info/refs");
        read_tree(&common.join("info"), &|p| p != info_refs, &mut found)?;
        if self.worktree_git_dir != *common {
            let dir = &self.worktree_git_dir;
            // HEAD and the index are the worktree check's; ORIG_HEAD and logs
            // are written by its undo (`reset`); modules hold submodule
            // repositories whose index any status refreshes.
            let skipped: Vec<PathBuf> = ["index", "HEAD", "ORIG_HEAD", "logs", "modules"]
                .iter()
                .map(|n| dir.join(n))
                .collect();
            let wanted = |p: &Path| {
                !skipped.iter().any(|s| s == p) && p.extension().is_none_or(|e| e != "lock")
            };
            read_tree(dir, &wanted, &mut found)?;
            found.remove(dir);
        }
        Ok(found)
    }

    /// Put back every watched file the run changed, created or deleted;
    /// name each, and each change to the global config (left as it is).
    pub fn undo_files(&self) -> Result<Vec<String>> {
        let now = self.read_files()?;
        let mut changed = Vec::new();
        // Deepest first, so a created directory is empty when it goes.
        for (path, entry) in now.iter().rev() {
            if !self.files.contains_key(path) {
                remove(path, entry)?;
                changed.push(format!("{} (created; removed)", self.name(path)));
            }
        }
        // Shallowest first, so a deleted directory is back before its files.
        for (path, was) in &self.files {
            match now.get(path) {
                Some(is) if is == was => {}
                Some(is) => {
                    if *was == Entry::Dir || *is == Entry::Dir {
                        remove_all(path)?;
                    }
                    write(path, was)?;
                    changed.push(format!("{} (changed; put back)", self.name(path)));
                }
                None => {
                    write(path, was)?;
                    changed.push(format!("{} (deleted; put back)", self.name(path)));
                }
            }
        }
        for (path, was) in &self.global {
            if std::fs::read(path).ok() != *was {
                changed.push(format!(
                    "{} (changed; outside the repository, so left as it is)",
                    home_relative(path)
                ));
            }
        }
        Ok(changed)
    }

    /// Put back every ref the run moved, created or deleted — except those
    /// in `exempt` (full names) and the branches of sessions other than
    /// `id` — by
    /// compare-and-swap against the value the run left; name each.
    pub fn undo_refs(
        &self,
        repo: &Repo,
        worktree: &Path,
        id: &Id,
        exempt: &[String],
    ) -> Result<Vec<String>> {
        let git = Git::new(worktree);
        let now = read_refs(&git)?;
        let mut owned: BTreeSet<String> = crate::session::list(repo)?
            .into_iter()
            .filter(|s| s.id != *id)
            .map(|s| format!("refs/heads/{}", s.meta.branch))
            .collect();
        owned.extend(exempt.iter().cloned());
        let names: BTreeSet<&String> = self.refs.keys().chain(now.keys()).collect();
        let mut changed = Vec::new();
        for name in names {
            let (was, is) = (self.refs.get(name), now.get(name));
            if let (Some(w), None) = (was, is)
                && self.session_ref_taken(&git, name, &now)
            {
                // A session's refs deleted as no git-agent command would.
                changed.push(match restore_ref(&git, name, w, None) {
                    Ok(()) => format!("{name} (deleted at {}; put back)", describe(w)),
                    Err(e) => format!(
                        "{name} (deleted at {}; could not be undone: {})",
                        describe(w),
                        e.message
                    ),
                });
                continue;
            }
            if owned.contains(name) || SHARED_REFS.iter().any(|p| name.starts_with(p)) {
                continue;
            }
            if was == is
                || was
                    .zip(is)
                    .is_some_and(|(w, i)| !w.symref.is_empty() && w.symref == i.symref)
            {
                continue;
            }
            let (what, undo) = match (was, is) {
                (Some(w), Some(i)) => (
                    format!("moved from {} to {}", describe(w), describe(i)),
                    restore_ref(&git, name, w, Some(i)),
                ),
                (Some(w), None) => (
                    format!("deleted at {}", describe(w)),
                    restore_ref(&git, name, w, None),
                ),
                (None, Some(i)) => (
                    format!("created at {}", describe(i)),
                    delete_ref(&git, name, i),
                ),
                (None, None) => continue,
            };
            changed.push(match undo {
                Ok(()) if was.is_some() => format!("{name} ({what}; put back)"),
                Ok(()) => format!("{name} ({what}; deleted)"),
                Err(e) => format!("{name} ({what}; could not be undone: {})", e.message),
            });
        }
        Ok(changed)
    }

    /// Was `name`, a ref of a session under `refs/agents/` that the run
    /// found, deleted as no git-agent command deletes one? Other sessions
    /// change their refs in parallel, but only `gc` deletes them, all of a
    /// session's at once and only once it is kept or discarded: a ref gone
    /// while its session's `meta` is still there, or a live session's
    /// `meta` gone, is the run's doing.
    fn session_ref_taken(&self, git: &Git, name: &str, now: &BTreeMap<String, RefValue>) -> bool {
        let Some(rest) = name.strip_prefix(crate::session::REF_ROOT) else {
            return false;
        };
        let Some((id, _)) = rest.rsplit_once('/') else {
            return false;
        };
        let meta = format!("{}{id}/meta", crate::session::REF_ROOT);
        if now.contains_key(&meta) {
            return true;
        }
        let Some(was) = self.refs.get(&meta) else {
            return false;
        };
        let settled = git
            .run(["cat-file", "blob", &was.oid])
            .ok()
            .and_then(|text| toml::from_str::<toml::Table>(&text).ok())
            .and_then(|t| t.get("state").and_then(|s| s.as_str()).map(str::to_owned))
            .is_some_and(|state| state == "kept" || state == "discarded");
        !settled
    }

    /// A watched path as messages name it: relative to the main worktree
    /// (`.git/hooks/post-checkout`) when inside it.
    fn name(&self, path: &Path) -> String {
        path.strip_prefix(&self.top)
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

/// `1234567`, or `-> refs/heads/x` for a symbolic ref.
fn describe(value: &RefValue) -> String {
    if value.symref.is_empty() {
        value.oid[..7.min(value.oid.len())].to_owned()
    } else {
        format!("-> {}", value.symref)
    }
}

/// Every ref the worktree sees (shared and its own), with its value.
fn read_refs(git: &Git) -> Result<BTreeMap<String, RefValue>> {
    let out = git.run([
        "for-each-ref",
        "--format=%(refname)%00%(objectname)%00%(symref)",
    ])?;
    Ok(out
        .lines()
        .filter_map(|line| {
            let mut parts = line.split('\0');
            let name = parts.next()?.to_owned();
            let oid = parts.next()?.to_owned();
            let symref = parts.next().unwrap_or_default().to_owned();
            Some((name, RefValue { oid, symref }))
        })
        .collect())
}

/// Give `name` its value from before the run: only if it still has the
/// value the run left (`None`: absent), so a later move is never undone.
fn restore_ref(git: &Git, name: &str, was: &RefValue, is: Option<&RefValue>) -> Result<()> {
    if !was.symref.is_empty() {
        return git.run(["symbolic-ref", name, &was.symref]).map(drop);
    }
    let expected = match is {
        Some(i) if i.symref.is_empty() => i.oid.as_str(),
        // A ref the run made symbolic: no value to compare with.
        Some(_) => {
            return git
                .run(["update-ref", "--no-deref", name, &was.oid])
                .map(drop);
        }
        None => "",
    };
    git.run(["update-ref", "--no-deref", name, &was.oid, expected])
        .map(drop)
}

/// Delete a ref the run created, if it still has the value the run left.
fn delete_ref(git: &Git, name: &str, is: &RefValue) -> Result<()> {
    if is.symref.is_empty() {
        git.run(["update-ref", "--no-deref", "-d", name, &is.oid])
    } else {
        git.run(["update-ref", "--no-deref", "-d", name])
    }
    .map(drop)
}

/// Record `path` and, for a directory, everything under it that `wanted`
/// lets in. A missing path records nothing.
fn read_tree(
    path: &Path,
    wanted: &dyn Fn(&Path) -> bool,
    found: &mut BTreeMap<PathBuf, Entry>,
) -> Result<()> {
    if !wanted(path) {
        return Ok(());
    }
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error("read", path, e)),
    };
    let entry = if meta.file_type().is_symlink() {
        Entry::Link(std::fs::read_link(path).map_err(|e| io_error("read", path, e))?)
    } else if meta.is_dir() {
        let children = std::fs::read_dir(path).map_err(|e| io_error("read", path, e))?;
        for child in children {
            let child = child.map_err(|e| io_error("read", path, e))?;
            read_tree(&child.path(), wanted, found)?;
        }
        Entry::Dir
    } else {
        Entry::File {
            bytes: std::fs::read(path).map_err(|e| io_error("read", path, e))?,
            mode: meta.permissions().mode() & 0o7777,
        }
    };
    found.insert(path.to_path_buf(), entry);
    Ok(())
}

/// Write an entry back: a file through a temporary beside it, renamed over.
fn write(path: &Path, entry: &Entry) -> Result<()> {
    match entry {
        Entry::Dir => std::fs::create_dir_all(path).map_err(|e| io_error("create", path, e)),
        Entry::Link(target) => {
            remove_all(path)?;
            std::os::unix::fs::symlink(target, path).map_err(|e| io_error("create", path, e))
        }
        Entry::File { bytes, mode } => {
            let mut tmp = path.as_os_str().to_owned();
            tmp.push(".git-agent-undo");
            let tmp = PathBuf::from(tmp);
            std::fs::write(&tmp, bytes)
                .and_then(|()| {
                    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(*mode))
                })
                .and_then(|()| std::fs::rename(&tmp, path))
                .map_err(|e| {
                    std::fs::remove_file(&tmp).ok();
                    io_error("write", path, e)
                })
        }
    }
}

/// Remove an entry the run created (a directory once emptied).
fn remove(path: &Path, entry: &Entry) -> Result<()> {
    let done = match entry {
        Entry::Dir => std::fs::remove_dir(path),
        _ => std::fs::remove_file(path),
    };
    match done {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_error("remove", path, e)),
        _ => Ok(()),
    }
}

/// Remove whatever is at `path` now, to make room for what was there.
fn remove_all(path: &Path) -> Result<()> {
    let done = match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(_) => Ok(()),
    };
    done.map_err(|e| io_error("remove", path, e))
}

fn io_error(verb: &str, path: &Path, e: std::io::Error) -> Error {
    Error::io(format!("cannot {verb} {}", path.display()), e)
}

/// The user's global config files git reads: `$GIT_CONFIG_GLOBAL`, or
/// `~/.gitconfig` and `$XDG_CONFIG_HOME/git/config` (`~/.config/git/config`).
/// The latter two are watched even when `GIT_CONFIG_GLOBAL` points
/// elsewhere: a run may write them directly.
fn global_config_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    if let Some(path) = std::env::var_os("GIT_CONFIG_GLOBAL").map(PathBuf::from)
        && path != Path::new("/dev/null")
    {
        files.push(path);
    }
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
        files.push(home.join(".gitconfig"));
        let xdg = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .unwrap_or_else(|| home.join(".config"));
        files.push(xdg.join("git/config"));
    }
    files
}

/// `~/.gitconfig` for a path in the home directory.
fn home_relative(path: &Path) -> String {
    std::env::var_os("HOME")
        .and_then(|home| {
            path.strip_prefix(home)
                .ok()
                .map(|rest| format!("~/{}", rest.display()))
        })
        .unwrap_or_else(|| path.display().to_string())
}
