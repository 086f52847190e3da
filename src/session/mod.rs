//! The session model: ids, states, metadata and where they live in refs.
//!
//! Layout, per session (all in the common git dir, so every worktree sees it):
//!
//! - `refs/agents/<id>/meta`     → a blob of TOML ([`Meta`]); every state change
//!   is a compare-and-swap of this ref.
//! - `refs/agents/<id>/base`     → the commit the session started from.
//! - `refs/agents/<id>/snapshot` → the latest snapshot commit (see
//!   [`crate::snapshot`]): its tree is the worktree's full state, its first
//!   parent the branch tip, its second parent the index as a commit.
//!
//! Everything a session needs is reachable from these refs, so neither
//! `git gc` nor a deleted branch or worktree can lose it.
//!
//! Refs travel (`git agent push`, or anyone's `git push` to a shared
//! remote); `<common dir>/agents/` does not. Which sessions are this
//! clone's is therefore recorded there: `<common dir>/agents/<id>/owned`
//! lists every metadata blob this clone wrote for the session. A session
//! whose `meta` ref points at a blob not on that list arrived from
//! elsewhere and is *foreign*, whatever the blob says (see [`Session::foreign`]).
//! A blob id names its content, so a listed blob is text this clone wrote.

mod claim;
mod id;
mod resolve;
mod save;
mod store;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::repo::Repo;

pub use claim::{Claim, claim, interrupted_hint, still_ours, unclaim};
pub use id::{Id, generate_id};
pub use resolve::resolve;
pub use save::save;
pub use store::rebase;
pub use store::{
    adopt, create, delete, list, list_settled, modify, modify_checked, owns, read_sessions,
    resolve_exact, settle, update,
};

pub const REF_ROOT: &str = "refs/agents/";
pub const NOTES_REF: &str = "refs/notes/agents";

/// Where a session is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Active,
    Running,
    Done,
    Failed,
    Kept,
    Discarded,
    Broken,
}

impl State {
    /// Has a worktree and branch of its own (or should have).
    pub fn is_live(self) -> bool {
        matches!(
            self,
            State::Active | State::Running | State::Done | State::Failed | State::Broken
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            State::Active => "active",
            State::Running => "running",
            State::Done => "done",
            State::Failed => "failed",
            State::Kept => "kept",
            State::Discarded => "discarded",
            State::Broken => "broken",
        }
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a run ended when something other than the run itself ended it;
/// stored as its lowercase name (`reason = "timeout"`), as `show --json`
/// prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reason {
    /// Its timeout expired and its process group was killed.
    Timeout,
    /// `stop` (or `keep`/`discard --force`) ended it.
    Stopped,
    /// Ctrl-C, or a SIGINT to the agent, ended it.
    Interrupted,
    /// Every process that could end it is gone (killed, machine rebooted,
    /// or it ran in another clone).
    Vanished,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Timeout => "timeout",
            Reason::Stopped => "stopped",
            Reason::Interrupted => "interrupted",
            Reason::Vanished => "vanished",
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The last run of an agent or command in the session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Run {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    pub started: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<PathBuf>,
    /// The git-agent process watching the run (foreground: the caller;
    /// detached: the supervisor). The run is live while it or `pid` is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supervisor: Option<u32>,
    /// The worktree's HEAD when the run started: commits after it are the run's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_before: Option<String>,
    /// When its timeout expires (RFC 3339), if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// Tokens (and cost) the agent reported, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
}

impl Run {
    /// Started and not ended, with a process still there to end it.
    pub fn is_live(&self) -> bool {
        self.ended.is_none()
            && (self.pid.is_some_and(|p| self.alive(p))
                || self.supervisor.is_some_and(|p| self.alive(p)))
    }

    /// Whether `pid` is alive and can be this run's process (see
    /// [`crate::process::is_alive_for`]: a reused pid is not).
    fn alive(&self, pid: u32) -> bool {
        crate::process::is_alive_for(pid, &self.started)
    }

    /// Past its timeout with its agent still there but nobody watching it
    /// (its watcher was killed): the agent whose group any reader must end.
    pub fn overdue_orphan(&self) -> Option<u32> {
        let deadline = humantime::parse_rfc3339_weak(self.deadline.as_deref()?).ok()?;
        let pid = self.pid.filter(|p| self.alive(*p))?;
        (self.ended.is_none()
            && self.supervisor.is_some_and(|s| !self.alive(s))
            && std::time::SystemTime::now() >= deadline)
            .then_some(pid)
    }

    /// Started, not ended, and every process that could end it is gone
    /// (killed, machine rebooted). A run that is just starting has no
    /// process recorded yet and has not vanished.
    pub fn vanished(&self) -> bool {
        let starting = self.pid.is_none() && self.supervisor.is_none();
        self.ended.is_none() && !starting && !self.is_live()
    }
}

/// Change counts recorded with the latest snapshot (made by the snapshot
/// layer, which knows nothing of sessions).
pub use crate::snapshot::Changes;

/// What `refs/agents/<id>/meta` holds (TOML).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    pub version: u32,
    pub id: String,
    pub state: State,
    pub branch: String,
    pub worktree: PathBuf,
    pub base: String,
    pub origin: PathBuf,
    pub created: String,
    pub updated: String,
    #[serde(default)]
    pub scope: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<Run>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Changes>,
    /// Set while a multi-step operation that has no other trace is under
    /// way (creating the worktree); if its process dies, the session is
    /// `broken` until discarded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<Pending>,
    /// The clone the session was made in (see [`Repo::clone_id`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clone: Option<String>,
    /// The latest review (see [`crate::review`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<crate::verdict::Review>,
    /// The task prompt, kept here when a `review` or `fix` run replaced
    /// `prompt` with its own (see [`Meta::task_prompt`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// `fix` runs since the last approved review (see `fix`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub fixes: u32,
    /// Why the last `land` left this session live (see `land`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub land: Option<Landing>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Meta {
    /// The session's task: the prompt it was given, not a reviewer's or
    /// corrector's prompt that a later run recorded.
    pub fn task_prompt(&self) -> Option<&str> {
        self.task.as_deref().or(self.prompt.as_deref())
    }
}

/// What `land` recorded on a session it could not land.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Landing {
    /// `conflict` or `test-failed`.
    pub result: String,
    #[serde(default)]
    pub paths: Vec<String>,
    pub at: String,
}

/// What an agent reported it used in a run (see `runs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    pub tokens: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
}

/// An operation in progress on a session, and the process doing it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    pub op: String,
    pub pid: u32,
}

/// A session as read from its refs.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: Id,
    pub meta: Meta,
    /// The blob `refs/agents/<id>/meta` pointed at when read: the CAS token.
    pub meta_blob: gix::ObjectId,
    pub base: gix::ObjectId,
    pub snapshot: Option<gix::ObjectId>,
    /// Not this clone's: its metadata blob is not one this clone wrote
    /// (see the module docs), so it came from a remote however it claims
    /// to be ours. No path, pid, branch or state in it is acted on: its
    /// worktree and run processes are elsewhere. Shown as pushed until
    /// `restore` (or `discard`) adopts it as a session of this clone.
    pub foreign: bool,
}

/// How the base commit of a session made with `new --carry` begins.
pub const CARRY_MESSAGE: &str = "git-agent: changes carried into session";

impl Session {
    /// For a session made with `new --carry`: the commit its branch started
    /// at (its base is a stash-shaped commit on top of it holding the
    /// carried changes).
    pub fn carried_onto(&self, repo: &Repo) -> Option<gix::ObjectId> {
        let commit = repo.shared.find_commit(self.base).ok()?;
        let message = commit.message_raw_sloppy().to_string();
        message
            .starts_with(CARRY_MESSAGE)
            .then(|| commit.parent_ids().next().map(|id| id.detach()))
            .flatten()
    }

    /// Refuse what needs the session's worktree or run here.
    pub fn ensure_local(&self) -> Result<()> {
        if !self.foreign {
            return Ok(());
        }
        Err(Error::refused(format!(
            "session '{}' was made in another clone and fetched; it has no worktree here",
            self.id
        ))
        .with_hint(format!(
            "`git agent diff {}` shows its change; `git agent restore {}` gives it a worktree here",
            self.id, self.id
        )))
    }

    /// The state with what is on disk taken into account: a live session whose
    /// worktree or branch vanished is `broken`.
    pub fn state(&self, repo: &Repo) -> State {
        if self.foreign {
            return self.meta.state; // As pushed: its worktree and processes are elsewhere.
        }
        self.state_given(repo, self.worktree_present())
    }

    /// [`Session::state`] and [`Session::path`] together, reading the disk
    /// once (what `list` does for every session).
    pub fn locate(&self, repo: &Repo) -> (State, Option<&Path>) {
        if self.foreign {
            return (self.meta.state, None);
        }
        let present = self.worktree_present();
        (self.state_given(repo, present), self.path_given(present))
    }

    fn state_given(&self, repo: &Repo, present: bool) -> State {
        let stored = self.meta.state;
        match &self.meta.pending {
            // Its process died half-way.
            Some(p) if !crate::process::is_alive(p.pid) => return State::Broken,
            // A `new`, `keep` or `discard` is under way: the worktree may be
            // half-made or half-gone for a moment.
            Some(_) => return stored,
            None => {}
        }
        if stored.is_live()
            && stored != State::Broken
            && !(present && repo.branch_exists(&self.meta.branch))
        {
            return State::Broken;
        }
        stored
    }

    /// Is the session's worktree there, as the linked worktree git made
    /// (its `.git` and git's record naming each other)?
    pub fn worktree_present(&self) -> bool {
        crate::git::linked_record(&self.meta.worktree).is_some()
    }

    /// The worktree path when the session has one locally.
    pub fn path(&self) -> Option<&Path> {
        self.path_given(!self.foreign && self.worktree_present())
    }

    fn path_given(&self, present: bool) -> Option<&Path> {
        (!self.foreign && self.meta.state != State::Discarded && present)
            .then_some(self.meta.worktree.as_path())
    }
}

/// Now, as RFC 3339 UTC to the second (see [`crate::time`]).
pub use crate::time::now;

#[cfg(test)]
mod tests {
    use super::*;

    /// The reasons are stored and printed as the lowercase words they were
    /// as strings, so metadata and `show --json` are unchanged.
    #[test]
    fn a_run_end_reason_is_its_lowercase_name_in_toml_and_json() {
        let text = "started = \"2026-01-01T00:00:00Z\"\nreason = \"timeout\"\n";
        let run: Run = toml::from_str(text).unwrap();
        assert_eq!(run.reason, Some(Reason::Timeout));
        assert_eq!(toml::to_string(&run).unwrap(), text);
        for reason in [
            Reason::Timeout,
            Reason::Stopped,
            Reason::Interrupted,
            Reason::Vanished,
        ] {
            let json = serde_json::to_value(reason).unwrap();
            assert_eq!(json, serde_json::Value::from(reason.as_str()));
            assert_eq!(reason.to_string(), reason.as_str());
            let back: Reason = serde_json::from_value(json).unwrap();
            assert_eq!(back, reason);
        }
        assert!(toml::from_str::<Run>("started = \"\"\nreason = \"killed\"\n").is_err());
    }
}
