//! Every path under `<common dir>/agents/`, the one place that names them.
//!
//! That directory never travels (push and fetch carry refs only): it holds
//! what is this clone's alone.
//!
//! - `.clone-id` — this clone's identity (informational).
//! - `<id>/owned` — the ledger of metadata blobs this clone wrote for a
//!   session (what makes a session this clone's).
//! - `<id>/run.log` — the output of the session's detached runs.
//! - `<id>/reattach` — a gc's branch repair not finished yet.
//! - `<name>.lock` — locks shared by git-agent processes.
//! - `list-cache.json` — `list`'s cache of change counts.
//! - `trash/` — removed worktrees, deleted by a detached process.
//! - `pool/<name>` — the state of each spare worktree of the warm pool
//!   (see `crate::pool`).
//! - temporaries (`index-*`, `.restore-*`, …) — gc removes old ones.
//!
//! Session directories are named by ids, which never start with a dot
//! and are never `trash`-like names of the files above (an id cannot end
//! in `.lock`, and `trash`/`list-cache.json` are not directories of ids'
//! shape that git-agent would make: see [`StateDir::session`]).

use std::path::{Path, PathBuf};

use crate::error::{IoContext, Result};

/// `<common dir>/agents/`.
#[derive(Debug, Clone)]
pub struct StateDir {
    root: PathBuf,
}

impl StateDir {
    pub fn new(common_dir: &Path) -> StateDir {
        StateDir {
            root: common_dir.join("agents"),
        }
    }

    /// The directory itself (it may not exist yet).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory, created when missing: for temporaries and locks.
    pub fn ensure(&self) -> Result<&Path> {
        std::fs::create_dir_all(&self.root)
            .doing(|| format!("cannot create {}", self.root.display()))?;
        Ok(&self.root)
    }

    /// `<id>/`: a session's own files (removed when gc forgets it).
    pub fn session(&self, id: &str) -> PathBuf {
        self.root.join(id)
    }

    /// `<id>/owned`: the ledger of the session's metadata blobs.
    pub fn ledger(&self, id: &str) -> PathBuf {
        self.session(id).join("owned")
    }

    /// `<id>/run.log`: the output of its detached runs.
    pub fn run_log(&self, id: &str) -> PathBuf {
        self.session(id).join("run.log")
    }

    /// `<id>/reattach`: gc re-created its branch, HEAD not attached yet.
    pub fn reattach(&self, id: &str) -> PathBuf {
        self.session(id).join("reattach")
    }

    /// `<name>.lock`.
    pub fn lock(&self, name: &str) -> PathBuf {
        self.root.join(format!("{name}.lock"))
    }

    /// `.clone-id`.
    pub fn clone_id(&self) -> PathBuf {
        self.root.join(".clone-id")
    }

    /// `list-cache.json`.
    pub fn list_cache(&self) -> PathBuf {
        self.root.join("list-cache.json")
    }

    /// `trash/`.
    pub fn trash(&self) -> PathBuf {
        self.root.join("trash")
    }
}

/// A snapshot's temporary index.
pub const TEMP_INDEX: &str = "index-";
/// keep's temporary index of the target's files.
pub const TEMP_KEEP_OURS: &str = "keep-ours-";
/// `new --carry`'s temporary index.
pub const TEMP_CARRY: &str = "carry-";
/// keep's new index, built beside the target's.
pub const TEMP_KEEP_INDEX: &str = "keep-index-";
/// keep's would-be index that `pre-commit` sees.
pub const TEMP_PRE_COMMIT: &str = "keep-pre-commit-";
/// keep's commit message file that `commit-msg` may edit.
pub const TEMP_MESSAGE: &str = "keep-msg-";
/// restore's temporary directory.
pub const TEMP_RESTORE: &str = ".restore-";

/// Prefixes of the temporary files and directories git-agent makes in
/// [`StateDir`] (gc removes old ones: a process that made them was killed).
pub const TEMPORARY_FILES: &[&str] = &[
    TEMP_INDEX,
    TEMP_KEEP_OURS,
    TEMP_CARRY,
    TEMP_KEEP_INDEX,
    TEMP_PRE_COMMIT,
    TEMP_MESSAGE,
];
pub const TEMPORARY_DIRS: &[&str] = &[TEMP_RESTORE];
