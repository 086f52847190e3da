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

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::repo::Repo;

pub const REF_ROOT: &str = "refs/agents/";
pub const NOTES_REF: &str = "refs/notes/agents";

/// A validated session id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Id(String);

impl Id {
    /// `[A-Za-z0-9][A-Za-z0-9._-]{0,63}` that is also a valid ref name component.
    pub fn parse(s: &str) -> Result<Id> {
        let invalid = |why: &str| {
            Error::refused(format!("invalid session id '{s}': {why}")).with_hint(
                "ids are 1 to 64 characters: letters, digits, '.', '_' and '-', starting with a letter or digit",
            )
        };
        let mut chars = s.chars();
        match chars.next() {
            None => return Err(invalid("it is empty")),
            Some(c) if !c.is_ascii_alphanumeric() => {
                return Err(invalid("it must start with a letter or digit"));
            }
            _ => {}
        }
        if s.len() > 64 {
            return Err(invalid("it is longer than 64 characters"));
        }
        if let Some(c) =
            chars.find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        {
            return Err(invalid(&format!("'{c}' is not allowed")));
        }
        if s.contains("..") || s.ends_with('.') || s.ends_with(".lock") {
            return Err(invalid(
                "it is not a valid git ref name component ('..', a trailing '.' or '.lock')",
            ));
        }
        Ok(Id(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn meta_ref(&self) -> String {
        format!("{REF_ROOT}{}/meta", self.0)
    }
    pub fn base_ref(&self) -> String {
        format!("{REF_ROOT}{}/base", self.0)
    }
    pub fn snapshot_ref(&self) -> String {
        format!("{REF_ROOT}{}/snapshot", self.0)
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

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
    pub reason: Option<String>,
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
}

impl Run {
    /// Started and not ended, with a process still there to end it.
    pub fn is_live(&self) -> bool {
        self.ended.is_none()
            && (self.pid.is_some_and(|p| self.alive(p))
                || self.supervisor.is_some_and(|p| self.alive(p)))
    }

    /// Whether `pid` is alive and can be this run's process (see
    /// [`crate::runs::is_alive_for`]: a reused pid is not).
    fn alive(&self, pid: u32) -> bool {
        crate::runs::is_alive_for(pid, &self.started)
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

/// Change counts recorded with the latest snapshot.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    pub files: usize,
    pub insertions: usize,
    pub deletions: usize,
    #[serde(default)]
    pub paths: Vec<String>,
}

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
        let stored = self.meta.state;
        if self.foreign {
            return stored; // As pushed: its worktree and processes are elsewhere.
        }
        match &self.meta.pending {
            // Its process died half-way.
            Some(p) if !crate::runs::is_alive(p.pid) => return State::Broken,
            // A `new`, `keep` or `discard` is under way: the worktree may be
            // half-made or half-gone for a moment.
            Some(_) => return stored,
            None => {}
        }
        if stored.is_live()
            && stored != State::Broken
            && !(self.worktree_present() && repo.branch_exists(&self.meta.branch))
        {
            return State::Broken;
        }
        stored
    }

    /// Is the session's worktree directory there, as a git worktree?
    pub fn worktree_present(&self) -> bool {
        self.meta.worktree.join(".git").exists()
    }

    /// The worktree path when the session has one locally.
    pub fn path(&self) -> Option<&Path> {
        (!self.foreign && self.meta.state != State::Discarded && self.worktree_present())
            .then_some(self.meta.worktree.as_path())
    }
}

/// Now, as RFC 3339 UTC to the second.
pub fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// Read every session, sorted by id, reconciling runs whose processes
/// vanished (see [`reconcile`]).
pub fn list(repo: &Repo) -> Result<Vec<Session>> {
    let mut sessions = list_raw(repo)?;
    for session in &mut sessions {
        reconcile(repo, session);
    }
    Ok(sessions)
}

/// Read every session as stored, sorted by id, changing nothing. One pass
/// over `refs/agents/`.
pub fn list_raw(repo: &Repo) -> Result<Vec<Session>> {
    read_sessions(repo, REF_ROOT, REF_ROOT)
}

/// The sessions stored as `<root><id>/{meta,base,snapshot}` with refs
/// under `prefix` (`root` itself, or one session's directory). `root` is
/// [`REF_ROOT`], or where `fetch` puts what it brings before importing it.
pub fn read_sessions(repo: &Repo, root: &str, prefix: &str) -> Result<Vec<Session>> {
    #[derive(Default)]
    struct Refs {
        meta: Option<gix::ObjectId>,
        base: Option<gix::ObjectId>,
        snapshot: Option<gix::ObjectId>,
    }
    let mut by_id: BTreeMap<String, Refs> = BTreeMap::new();
    let platform = repo
        .shared
        .references()
        .map_err(|e| Error::git(format!("cannot read refs: {e}")))?;
    let iter = platform
        .prefixed(prefix)
        .map_err(|e| Error::git(format!("cannot read {prefix}: {e}")))?;
    for reference in iter {
        let Ok(reference) = reference else { continue };
        let name = reference.name().as_bstr().to_string();
        let Some(rest) = name.strip_prefix(root) else {
            continue;
        };
        let Some((id, kind)) = rest.rsplit_once('/') else {
            continue;
        };
        let Some(target) = reference.target().try_id().map(|id| id.to_owned()) else {
            continue;
        };
        let entry = by_id.entry(id.to_owned()).or_default();
        match kind {
            "meta" => entry.meta = Some(target),
            "base" => entry.base = Some(target),
            "snapshot" => entry.snapshot = Some(target),
            _ => {}
        }
    }
    let mut sessions = Vec::with_capacity(by_id.len());
    for (id, refs) in by_id {
        let (Some(meta_blob), Some(base)) = (refs.meta, refs.base) else {
            continue;
        };
        let Ok(id) = Id::parse(&id) else { continue };
        let meta = match read_meta(repo, &id, meta_blob, root) {
            Ok(meta) => meta,
            Err(e) => {
                // One bad session (pushed by anyone) never hides the others.
                crate::output::warn(&e.message);
                if let Some(hint) = &e.hint {
                    anstream::eprintln!("hint: {hint}");
                }
                continue;
            }
        };
        let foreign = !owns(repo, &id, meta_blob);
        sessions.push(Session {
            id,
            meta,
            meta_blob,
            base,
            snapshot: refs.snapshot,
            foreign,
        });
    }
    Ok(sessions)
}

/// A `running` session whose processes are all gone (killed, machine
/// rebooted) is recorded as `failed` with reason `vanished`, so nothing
/// stays "running" forever. Losing the race to another writer is fine.
fn reconcile(repo: &Repo, session: &mut Session) {
    if session.foreign || session.meta.state != State::Running {
        return;
    }
    // Its watcher enforced the timeout; with the watcher killed, whoever
    // reads the session does.
    let overdue = session.meta.run.as_ref().and_then(Run::overdue_orphan);
    if let Some(pid) = overdue {
        crate::runs::stop_group(pid);
    } else if !session.meta.run.as_ref().is_some_and(Run::vanished) {
        return;
    }
    let mut meta = session.meta.clone();
    meta.state = State::Failed;
    if let Some(run) = meta.run.as_mut() {
        run.ended.get_or_insert_with(now);
        let reason = if overdue.is_some() {
            "timeout"
        } else {
            "vanished"
        };
        run.reason.get_or_insert_with(|| reason.into());
    }
    let _ = update(repo, session, meta, None);
}

/// Re-read a session and apply `change` to its metadata with
/// compare-and-swap, retrying when another process wrote in between.
/// Refused while another live process has claimed the session (see [`claim`]).
pub fn modify(repo: &Repo, id: &Id, mut change: impl FnMut(&mut Meta)) -> Result<Session> {
    modify_checked(repo, id, |meta| {
        change(meta);
        Ok(())
    })
}

/// [`modify`], where `change` sees the freshly read metadata and may refuse;
/// its check and the write are one compare-and-swap.
pub fn modify_checked(
    repo: &Repo,
    id: &Id,
    mut change: impl FnMut(&mut Meta) -> Result<()>,
) -> Result<Session> {
    let mut last = None;
    for _ in 0..50 {
        let mut session = resolve_exact(repo, id)?
            .ok_or_else(|| Error::refused(format!("session '{id}' is gone")))?;
        if let Some(p) = claimed_by_another(&session) {
            return Err(busy(id, p));
        }
        let mut meta = session.meta.clone();
        change(&mut meta)?;
        if meta == session.meta {
            return Ok(session);
        }
        match update(repo, &mut session, meta, None) {
            Ok(()) => return Ok(session),
            Err(e) => last = Some(e),
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    Err(last.unwrap_or_else(|| Error::busy(format!("session '{id}' is busy"))))
}

fn read_meta(repo: &Repo, id: &Id, blob: gix::ObjectId, root: &str) -> Result<Meta> {
    let corrupt = |why: String| {
        Error::refused(format!(
            "the metadata of session '{id}' ({root}{id}/meta) is unreadable and was skipped: {why}"
        ))
        .with_hint(format!(
            "remove it with `git for-each-ref --format='delete %(refname)' {root}{id}/ | git update-ref --stdin`"
        ))
    };
    let object = repo
        .shared
        .find_object(blob)
        .map_err(|e| corrupt(e.to_string()))?;
    let text = std::str::from_utf8(&object.data).map_err(|e| corrupt(e.to_string()))?;
    toml::from_str(text).map_err(|e| corrupt(e.to_string()))
}

/// Read one session's refs afresh, as stored; `None` when it is gone.
pub fn resolve_exact(repo: &Repo, id: &Id) -> Result<Option<Session>> {
    let prefix = format!("{REF_ROOT}{id}/");
    Ok(read_sessions(repo, REF_ROOT, &prefix)?
        .into_iter()
        .find(|s| s.id == *id))
}

/// Find a session by exact id or unique prefix; `None` means "the session
/// whose worktree I am in".
pub fn resolve(repo: &Repo, wanted: Option<&str>) -> Result<Session> {
    if let Some(wanted) = wanted.filter(|w| w.is_empty()) {
        // An empty id is a prefix of every id: never a match (an unset
        // variable in `discard "$ID"` must not take a real session).
        Id::parse(wanted)?;
    }
    let sessions = list(repo)?;
    let Some(wanted) = wanted else {
        return sessions
            .into_iter()
            .find(|s| {
                !s.foreign
                    && s.meta.state.is_live()
                    && crate::git::tidy(&s.meta.worktree) == repo.current_worktree
            })
            .ok_or_else(|| {
                Error::usage("no session id given, and this is not a session's worktree")
                    .with_hint("name a session; `git agent list` shows them")
            });
    };
    if let Some(found) = sessions.iter().position(|s| s.id.as_str() == wanted) {
        return Ok(sessions
            .into_iter()
            .nth(found)
            .expect("position is in range"));
    }
    let mut matches: Vec<Session> = sessions
        .iter()
        .filter(|s| s.id.as_str().starts_with(wanted))
        .cloned()
        .collect();
    match matches.len() {
        1 => Ok(matches.remove(0)),
        0 => {
            // An invalid id can never name a session: say why it is invalid.
            Id::parse(wanted)?;
            Err(Error::refused(format!("no session '{wanted}'"))
                .with_hint(candidates(wanted, &sessions)))
        }
        _ => {
            let names: Vec<&str> = matches.iter().map(|s| s.id.as_str()).collect();
            Err(Error::refused(format!(
                "session id '{wanted}' is ambiguous: it could be {}",
                names.join(", ")
            )))
        }
    }
}

/// The hint for an unknown id: the sessions there are, closest first (live
/// ones before kept and discarded at the same distance), at most ten.
fn candidates(wanted: &str, sessions: &[Session]) -> String {
    const SHOWN: usize = 10;
    if sessions.is_empty() {
        return "there are no sessions yet; `git agent new` starts one".into();
    }
    let mut ranked: Vec<(usize, bool, &Session)> = sessions
        .iter()
        .map(|s| (distance(wanted, s.id.as_str()), !s.meta.state.is_live(), s))
        .collect();
    ranked.sort_by(|a, b| (a.0, a.1, &a.2.id).cmp(&(b.0, b.1, &b.2.id)));
    let names: Vec<String> = ranked
        .iter()
        .take(SHOWN)
        .map(|(_, _, s)| format!("{} ({})", s.id, s.meta.state))
        .collect();
    let more = sessions.len().saturating_sub(SHOWN);
    format!(
        "{} {}{}; `git agent list --all` shows every session",
        if ranked.len() > SHOWN {
            "the closest sessions:"
        } else {
            "sessions here:"
        },
        names.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
}

/// Edit distance between two ids (Levenshtein, by characters).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(here + 1);
            prev = here;
        }
    }
    row[b.len()]
}

/// Serialize metadata, store it as a blob and record the blob as this
/// clone's (before any ref points at it, so a session this process
/// updates is never mistaken for a foreign one).
fn write_meta(repo: &Repo, id: &Id, meta: &Meta) -> Result<gix::ObjectId> {
    let text = toml::to_string(meta)
        .map_err(|e| Error::git(format!("cannot encode session metadata: {e}")))?;
    let blob = repo
        .shared
        .write_blob(text.as_bytes())
        .map_err(|e| Error::git(format!("cannot write session metadata: {e}")))?
        .detach();
    record_owned(repo, id, blob)?;
    Ok(blob)
}

/// `<common dir>/agents/<id>/owned`: the metadata blobs this clone wrote
/// for session `id`, one hex id a line. It never leaves this clone.
fn ledger(repo: &Repo, id: &Id) -> PathBuf {
    repo.common_dir
        .join("agents")
        .join(id.as_str())
        .join("owned")
}

/// Add `blob` to the session's ledger (an append of one short line, atomic
/// against concurrent writers).
pub fn record_owned(repo: &Repo, id: &Id, blob: gix::ObjectId) -> Result<()> {
    use std::io::Write;
    let path = ledger(repo, id);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::git(format!("cannot create {}: {e}", dir.display())))?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(format!("{blob}\n").as_bytes()))
        .map_err(|e| Error::git(format!("cannot write {}: {e}", path.display())))
}

/// Did this clone write `blob` as session `id`'s metadata?
fn owns(repo: &Repo, id: &Id, blob: gix::ObjectId) -> bool {
    let Ok(text) = std::fs::read(ledger(repo, id)) else {
        return false;
    };
    let hex = blob.to_string();
    text.split(|b| *b == b'\n')
        .any(|line| line == hex.as_bytes())
}

/// Create a session's refs; fails if the id is taken (atomically: two
/// processes creating the same id cannot both succeed).
pub fn create(repo: &Repo, id: &Id, meta: &Meta, base: gix::ObjectId) -> Result<Session> {
    let blob = write_meta(repo, id, meta)?;
    let zero = gix::ObjectId::null(gix::hash::Kind::Sha1);
    let script = format!(
        "update {} {blob} {zero}\nupdate {} {base} {zero}\n",
        id.meta_ref(),
        id.base_ref()
    );
    repo.git()
        .run_stdin(["update-ref", "--stdin"], script.as_bytes())
        .map_err(|_| {
            Error::refused(format!("a session named '{id}' already exists"))
                .with_hint("pick another id, or omit it to get a generated one")
        })?;
    Ok(Session {
        id: id.clone(),
        meta: meta.clone(),
        meta_blob: blob,
        base,
        snapshot: None,
        foreign: false,
    })
}

/// Make a fetched session one of this clone's, as `discarded`, with its
/// worktree path here: what `restore` brings back, and `discard` records.
pub fn adopt(repo: &Repo, session: &mut Session) -> Result<()> {
    if !session.foreign {
        return Ok(());
    }
    let mut meta = session.meta.clone();
    meta.clone = Some(repo.clone_id_or_create()?);
    // Nothing of where it lived elsewhere is taken: its worktree, origin
    // and branch are named here, as `new` would name them.
    meta.worktree = repo.worktree_root().join(session.id.as_str());
    meta.origin = repo.current_worktree.clone();
    meta.branch = format!("{}{}", repo.config.branch_prefix(), session.id);
    if meta.worktree.symlink_metadata().is_ok() {
        // This clone's own session of that name, overwritten by a forced
        // fetch, may still have its worktree there.
        return Err(Error::refused(format!(
            "session '{}' was fetched from elsewhere, and {} is already there; nothing was changed",
            session.id,
            meta.worktree.display()
        ))
        .with_hint(format!(
            "if that is this clone's own worktree for '{0}', its files are safe there; move them away (or the directory) before adopting the fetched session",
            session.id
        )));
    }
    if meta.state.is_live() {
        meta.state = State::Discarded;
    }
    meta.pending = None;
    if let Some(run) = meta.run.as_mut().filter(|r| r.ended.is_none()) {
        // Its process was on another machine: this clone will never see it end.
        run.ended = Some(now());
        run.reason = Some("vanished".into());
    }
    update(repo, session, meta, None)?;
    session.foreign = false;
    Ok(())
}

/// Store new metadata (and optionally a new snapshot) if nobody changed the
/// session since `session` was read. On success `session` is updated.
pub fn update(
    repo: &Repo,
    session: &mut Session,
    mut meta: Meta,
    snapshot: Option<gix::ObjectId>,
) -> Result<()> {
    // The compare-and-swap below makes sure what was read is what is stored.
    if let Some(p) = claimed_by_another(session) {
        return Err(busy(&session.id, p));
    }
    meta.updated = now();
    let blob = write_meta(repo, &session.id, &meta)?;
    let zero = gix::ObjectId::null(gix::hash::Kind::Sha1);
    let mut script = format!(
        "update {} {blob} {}\n",
        session.id.meta_ref(),
        session.meta_blob
    );
    if let Some(snap) = snapshot {
        let old = session.snapshot.unwrap_or(zero);
        script.push_str(&format!(
            "update {} {snap} {old}\n",
            session.id.snapshot_ref()
        ));
    }
    repo.git().run_stdin(["update-ref", "--stdin"], script.as_bytes()).map_err(|_| {
        Error::busy(format!(
            "session '{}' was changed by another git-agent command at the same time; nothing was changed by this one",
            session.id
        ))
        .with_hint("run the command again")
    })?;
    session.meta = meta;
    session.meta_blob = blob;
    if snapshot.is_some() {
        session.snapshot = snapshot;
    }
    Ok(())
}

/// Mark a session as having `op` under way in this process, before a step
/// that makes its worktree or branch vanish for a moment (so `list` and `gc`
/// do not take it for broken). Cleared by the update that finishes `op`; if
/// this process dies first, the session is `broken` until discarded again.
///
/// The check and the claim are one compare-and-swap on the metadata as
/// stored now, not as the caller read it: of two processes claiming at
/// once, one wins and the other is told who is busy with the session (or
/// that it is already kept or discarded). While the claim is live only its
/// owner may change the session ([`update`] and [`modify`] refuse others).
///
/// A claim other than `keep`'s also takes `<common dir>/agents/keep.lock`
/// and holds it until this process ends, so a `keep` (which holds that
/// lock from its snapshot to its own claim) is never bringing home a
/// session that a `discard` is removing.
pub fn claim(repo: &Repo, session: &mut Session, op: &str) -> Result<()> {
    let me = std::process::id();
    if let Some(p) = claimed_by_another(session) {
        return Err(busy(&session.id, p));
    }
    if op != "keep" {
        hold_until_exit(repo.lock_wait("keep", std::time::Duration::from_secs(120))?);
    }
    *session = modify_checked(repo, &session.id, |meta| {
        if !meta.state.is_live() {
            return Err(finished_meanwhile(&meta.id, meta.state));
        }
        // A run that started since the caller looked (or is starting: no
        // process recorded yet) writes to the worktree about to go.
        if meta
            .run
            .as_ref()
            .is_some_and(|r| r.ended.is_none() && !r.vanished())
        {
            return Err(Error::refused(format!(
                "a run started in session '{}' meanwhile; nothing was removed",
                meta.id
            ))
            .with_hint(format!(
                "wait for it (`git agent wait {0}`) or stop it (`git agent stop {0}`), then {op} again",
                meta.id
            )));
        }
        meta.pending = Some(Pending {
            op: op.into(),
            pid: me,
        });
        Ok(())
    })?;
    Ok(())
}

/// The session as it is now, if it is still this process's to change: not
/// claimed by another live process, and not kept or discarded by one
/// meanwhile (the error says which).
pub fn still_ours(repo: &Repo, id: &Id) -> Result<Session> {
    let now = resolve_exact(repo, id)?
        .ok_or_else(|| Error::refused(format!("session '{id}' is gone")))?;
    if let Some(p) = claimed_by_another(&now) {
        return Err(busy(id, p));
    }
    let state = now.state(repo);
    if !state.is_live() {
        return Err(finished_meanwhile(id.as_str(), state));
    }
    Ok(now)
}

fn finished_meanwhile(id: &str, state: State) -> Error {
    Error::refused(format!(
        "session '{id}' is already {state} (by another git-agent command just now)"
    ))
    .with_hint(format!("`git agent show {id}` tells what happened to it"))
}

/// Give up this process's claim on a session (a step after [`claim`]
/// failed and nothing was removed), so it does not read as `broken`.
pub fn unclaim(repo: &Repo, session: &mut Session) {
    let me = std::process::id();
    if let Ok(s) = modify(repo, &session.id, |meta| {
        if meta.pending.as_ref().is_some_and(|p| p.pid == me) {
            meta.pending = None;
        }
    }) {
        *session = s;
    }
}

/// What to do about a session whose claim's process died half-way (the
/// session reads as `broken`), naming the interrupted operation.
pub fn interrupted_hint(session: &Session) -> Option<String> {
    let p = session
        .meta
        .pending
        .as_ref()
        .filter(|p| !session.foreign && !crate::runs::is_alive(p.pid))?;
    let id = &session.id;
    let what = match p.op.as_str() {
        "keep" => format!(
            "run `git agent keep {id}` again to finish it (its change may be in the checkout already; it is not applied twice)"
        ),
        "discard" => format!("run `git agent discard {id}` again to finish it"),
        _ => format!("`git agent discard {id}` saves what is left and cleans up"),
    };
    Some(format!(
        "session {id} was left half-done by a {} (pid {}) that was killed; {what}",
        p.op, p.pid
    ))
}

/// The live claim of another process on a session of this clone, if any.
fn claimed_by_another(session: &Session) -> Option<&Pending> {
    session
        .meta
        .pending
        .as_ref()
        .filter(|p| !session.foreign && p.pid != std::process::id() && crate::runs::is_alive(p.pid))
}

/// The error for a session another live process has claimed.
fn busy(id: &Id, p: &Pending) -> Error {
    Error::busy(format!(
        "session '{id}' is busy: {} by pid {} is in progress",
        p.op, p.pid
    ))
    .with_hint("run the command again when it is done")
}

/// Keep a lock until the process exits.
fn hold_until_exit(lock: crate::repo::Lock) {
    static HELD: std::sync::Mutex<Vec<crate::repo::Lock>> = std::sync::Mutex::new(Vec::new());
    HELD.lock().unwrap_or_else(|e| e.into_inner()).push(lock);
}

/// Delete every ref of a session, each only if it still has the value read.
pub fn delete(repo: &Repo, session: &Session) -> Result<()> {
    let mut script = format!(
        "delete {} {}\ndelete {} {}\n",
        session.id.meta_ref(),
        session.meta_blob,
        session.id.base_ref(),
        session.base
    );
    if let Some(snap) = session.snapshot {
        script.push_str(&format!("delete {} {snap}\n", session.id.snapshot_ref()));
    }
    repo.git()
        .run_stdin(["update-ref", "--stdin"], script.as_bytes())
        .map(drop)
        .map_err(|_| {
            Error::busy(format!(
                "session '{}' changed while it was being removed",
                session.id
            ))
        })
}

/// A short, easy-to-type id not used by any session yet.
pub fn generate_id(repo: &Repo) -> Result<Id> {
    const FIRST: &[&str] = &[
        "amber", "brisk", "calm", "dapper", "eager", "fuzzy", "gentle", "happy", "icy", "jolly",
        "keen", "lucky", "merry", "nimble", "olive", "proud", "quick", "rapid", "sunny", "tidy",
        "upbeat", "vivid", "witty", "zesty",
    ];
    const SECOND: &[&str] = &[
        "badger", "bison", "crane", "dingo", "eagle", "ferret", "gecko", "heron", "ibis", "jackal",
        "koala", "lemur", "marten", "newt", "otter", "panda", "quail", "raven", "stoat", "tapir",
        "urchin", "vole", "walrus", "yak",
    ];
    let taken: std::collections::HashSet<String> =
        list(repo)?.into_iter().map(|s| s.id.0).collect();
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
        ^ (u64::from(std::process::id()) << 32);
    let mut next = || {
        // xorshift: plenty for picking words.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for attempt in 0..200u32 {
        let a = FIRST[(next() % FIRST.len() as u64) as usize];
        let b = SECOND[(next() % SECOND.len() as u64) as usize];
        let candidate = if attempt < 50 {
            format!("{a}-{b}")
        } else {
            format!("{a}-{b}-{}", next() % 1000)
        };
        let branch_taken =
            repo.branch_exists(&format!("{}{candidate}", repo.config.branch_prefix()));
        if !taken.contains(&candidate)
            && !branch_taken
            && !repo.worktree_root().join(&candidate).exists()
        {
            return Id::parse(&candidate);
        }
    }
    Err(Error::refused("could not generate a free session id")
        .with_hint("give one: git agent new <id>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("fix-login", "fix-login"), 0);
        assert_eq!(distance("fix-lgoin", "fix-login"), 2);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn ids_follow_the_spec() {
        for ok in ["a", "fix-login", "A1.b_c-d", &"x".repeat(64)] {
            assert!(Id::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-x",
            ".x",
            "a/b",
            "a..b",
            "a.",
            "x.lock",
            "a b",
            "é",
            &"x".repeat(65),
            "a@{b",
        ] {
            assert!(Id::parse(bad).is_err(), "{bad}");
        }
    }
}
