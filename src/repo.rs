//! Finding the repository and the places git-agent keeps things in it.
//!
//! State is always resolved through the common git dir, so every linked
//! worktree (and a session's own worktree) sees the same sessions.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::error::{Context, Error, IoContext, Result};
use crate::git::{Git, tidy};
use crate::paths::StateDir;

/// The repository as seen from the current directory.
pub struct Repo {
    /// The repository as opened from the current worktree (its HEAD, revisions).
    pub gix: gix::Repository,
    /// The same repository opened from the main worktree: refs and objects
    /// through paths that stay valid when the current worktree is removed.
    pub shared: gix::Repository,
    /// `$GIT_COMMON_DIR`: shared by all worktrees.
    pub common_dir: PathBuf,
    /// The main worktree's top directory.
    pub main_worktree: PathBuf,
    /// The top directory of the worktree the command runs in.
    pub current_worktree: PathBuf,
    pub config: Config,
    clone_id: std::sync::OnceLock<String>,
}

impl Repo {
    /// Discover the repository containing `cwd` and refuse the kinds git-agent
    /// cannot handle safely.
    pub fn discover(cwd: &Path) -> Result<Repo> {
        let gix = gix::ThreadSafeRepository::discover_with_environment_overrides(cwd)
            .map(gix::Repository::from)
            .map_err(|e| discover_error(cwd, e))?;
        let config = Config::load(&gix);
        if let Some(format) = config.string("extensions.refStorage")
            && !format.eq_ignore_ascii_case("files")
        {
            return Err(Error::refused(format!(
                "this repository stores refs as '{format}'; git-agent supports only the 'files' ref storage"
            ))
            .with_hint("convert it with `git refs migrate --ref-format=files`"));
        }
        let Some(workdir) = gix.workdir() else {
            return Err(Error::refused(
                "this is a bare repository; git-agent needs a repository with a working tree",
            ));
        };
        let current_worktree = tidy(workdir);
        let common_dir = tidy(gix.common_dir());
        let main_worktree = match gix.main_repo() {
            Ok(main) => main.workdir().map(tidy),
            Err(_) => None,
        }
        .ok_or_else(|| {
            Error::refused("the main worktree of this repository is bare; git-agent needs one with a working tree")
        })?;
        let shared = gix::open(&main_worktree).map_err(|e| {
            Error::internal(format!(
                "cannot open the main worktree {}: {e}",
                main_worktree.display()
            ))
        })?;
        Ok(Repo {
            gix,
            shared,
            common_dir,
            main_worktree,
            current_worktree,
            config,
            clone_id: std::sync::OnceLock::new(),
        })
    }

    /// git run in the main worktree.
    pub fn git(&self) -> Git {
        Git::new(&self.main_worktree)
    }

    /// `<common dir>/agents`: every path in it is named by [`StateDir`].
    pub fn state(&self) -> StateDir {
        StateDir::new(&self.common_dir)
    }

    /// `<common dir>/agents`, created on demand: logs, locks, temporary indexes.
    pub fn state_dir(&self) -> Result<PathBuf> {
        self.state().ensure().map(Path::to_path_buf)
    }

    /// The directory session worktrees go in (absolute; `agent.worktreeDir`).
    pub fn worktree_root(&self) -> PathBuf {
        let dir = PathBuf::from(self.config.worktree_dir());
        if dir.is_absolute() {
            dir
        } else {
            self.main_worktree.join(dir)
        }
    }

    /// The commit `HEAD` of the current worktree points at, if any.
    pub fn head_commit(&self) -> Result<Option<gix::ObjectId>> {
        let head = self.gix.head().context(|| "cannot read HEAD".to_string())?;
        Ok(head.id().map(|id| id.detach()))
    }

    /// Resolve a user-given revision to a commit id.
    pub fn resolve_commit(&self, rev: &str) -> Result<gix::ObjectId> {
        let not_found = || Error::refused(format!("'{rev}' is not a commit in this repository"));
        let id = self.gix.rev_parse_single(rev).map_err(|_| not_found())?;
        let object = id.object().map_err(|_| not_found())?;
        let commit = object.peel_to_commit().map_err(|_| not_found())?;
        Ok(commit.id)
    }

    /// Does `refs/heads/<branch>` exist?
    pub fn branch_exists(&self, branch: &str) -> bool {
        self.shared
            .try_find_reference(format!("refs/heads/{branch}").as_str())
            .ok()
            .flatten()
            .is_some()
    }
}

fn discover_error(cwd: &Path, e: impl std::fmt::Debug + std::fmt::Display) -> Error {
    let text = e.to_string();
    let debug = format!("{e:?}");
    // gix without the sha256 feature cannot even load such a repository's
    // config: ask git what it is.
    if let Ok(out) = Git::new(cwd).output(["rev-parse", "--show-object-format"])
        && out.status.success()
    {
        let format = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if format != "sha1" {
            return Error::refused(format!(
                "this repository uses {format} object ids; git-agent supports only SHA-1 repositories for now"
            ));
        }
    }
    if text.contains("objectformat") || text.contains("objectFormat") || text.contains("sha256") {
        return Error::refused(format!(
            "this repository uses an object format git-agent does not support ({text}); only SHA-1 repositories are supported"
        ));
    }
    if debug.contains("NoGitRepository")
        || text.contains("not a git repository")
        || text.contains("Could not find a git repository")
    {
        return Error::refused(format!(
            "not a git repository (or any of the parent directories): {}",
            cwd.display()
        ))
        .with_hint("run git agent inside a git repository, or `git init` one first");
    }
    Error::refused(format!(
        "cannot open the repository at {}: {text}",
        cwd.display()
    ))
}

impl Repo {
    /// This clone's identity (`<common dir>/agents/.clone-id`): sessions whose
    /// metadata names another clone were made elsewhere and fetched.
    /// `None` until this clone made its first session.
    pub fn clone_id(&self) -> Option<&str> {
        if self.clone_id.get().is_none() {
            // Only an id that exists is remembered: one made later by this
            // very process must be seen.
            let stored = std::fs::read_to_string(self.state().clone_id())
                .ok()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty());
            if let Some(id) = stored {
                let _ = self.clone_id.set(id);
            }
        }
        self.clone_id.get().map(String::as_str)
    }

    /// [`Repo::clone_id`], made (once, race-free) when there is none yet.
    pub fn clone_id_or_create(&self) -> Result<String> {
        if let Some(id) = self.clone_id() {
            return Ok(id.to_owned());
        }
        let path = self.state().clone_id();
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).context(|| "cannot read random bytes".to_string())?;
        let fresh: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        // Written aside and linked into place: a reader never sees half an
        // id, and of two processes racing, the first link wins.
        let tmp = tempfile::NamedTempFile::new_in(self.state_dir()?)
            .doing(|| "cannot create a temporary file".to_string())?;
        std::fs::write(tmp.path(), format!("{fresh}\n"))
            .doing(|| format!("cannot write {}", tmp.path().display()))?;
        let _ = std::fs::hard_link(tmp.path(), &path);
        std::fs::read_to_string(&path)
            .map(|s| s.trim().to_owned())
            .doing(|| format!("cannot read {}", path.display()))
    }
}

/// An exclusive lock on `<common dir>/agents/<name>.lock`, held until dropped.
pub struct Lock(#[allow(dead_code)] std::fs::File);

impl Repo {
    /// Wait for and take a lock shared by every git-agent process on this
    /// repository (for steps git itself does not make safe to run in parallel).
    pub fn lock(&self, name: &str) -> Result<Lock> {
        let (file, path) = self.lock_file(name)?;
        file.lock()
            .doing(|| format!("cannot lock {}", path.display()))?;
        Ok(Lock(file))
    }

    /// Whether another process (or handle) holds the lock `name` now.
    /// Never creates it.
    pub fn is_locked(&self, name: &str) -> bool {
        let path = self.state().lock(name);
        std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .is_ok_and(|file| matches!(file.try_lock(), Err(std::fs::TryLockError::WouldBlock)))
    }

    fn lock_file(&self, name: &str) -> Result<(std::fs::File, PathBuf)> {
        self.state_dir()?;
        let path = self.state().lock(name);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .doing(|| format!("cannot open {}", path.display()))?;
        Ok((file, path))
    }

    /// Like [`Repo::lock`], but give up with a "busy" error after `patience`
    /// (`GIT_AGENT_LOCK_WAIT=<seconds>` overrides it, for scripts that would
    /// rather fail fast, and for tests).
    pub fn lock_wait(&self, name: &str, patience: std::time::Duration) -> Result<Lock> {
        let patience = std::env::var("GIT_AGENT_LOCK_WAIT")
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .map_or(patience, std::time::Duration::from_secs);
        let (file, path) = self.lock_file(name)?;
        let start = std::time::Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Lock(file)),
                Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < patience => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Error::busy(format!(
                        "another git-agent {name} has been running for {}s; try again when it is done",
                        patience.as_secs()
                    )));
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(Error::io(format!("cannot lock {}", path.display()), e));
                }
            }
        }
    }
}

impl Repo {
    /// A commit's first parent, if any.
    pub fn first_parent(&self, commit: gix::ObjectId) -> Result<Option<gix::ObjectId>> {
        let commit = self
            .shared
            .find_commit(commit)
            .context(|| format!("cannot read commit {commit}"))?;
        Ok(commit.parent_ids().next().map(|id| id.detach()))
    }

    /// The tree of a commit.
    pub fn resolve_tree(&self, commit: gix::ObjectId) -> Result<gix::ObjectId> {
        let commit = self
            .shared
            .find_commit(commit)
            .context(|| format!("cannot read commit {commit}"))?;
        commit
            .tree_id()
            .map(|id| id.detach())
            .context(|| format!("cannot read the tree of {}", commit.id))
    }
}
