//! Watching a fleet of sessions: what `watch`, `board` and `wait --any`
//! show and wait for, kept current by [`changes::Watcher`].
//!
//! A [`Fleet`] holds one [`Row`] per session: its JSON object (the one
//! `list --json` prints, measured once), the last lines of its run log and
//! the ref ids it was read from. [`Fleet::refresh`] re-reads only the
//! sessions the watcher named: their refs (and metadata blob, when its id
//! changed), their log's tail, and — only then — their worktree's change
//! counts. Nothing re-reads every worktree in a loop.

pub mod changes;
pub mod screen;

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::error::Result;
use crate::repo::Repo;
use crate::session::{self, Changes, Session, State};
use crate::view::{self, Report};
pub use changes::{Dirty, Watcher};

/// How many of a log's last lines a row keeps.
pub const TAIL_LINES: usize = 12;

/// A log written to re-measures its worktree at most this often.
const REMEASURE: Duration = Duration::from_secs(1);

/// While a run is live, how often its processes are checked (a run whose
/// processes all vanished writes no ref: [`session::settle`] records it).
pub const HEARTBEAT: Duration = Duration::from_secs(2);

/// One session as shown.
#[derive(Debug, Clone)]
pub struct Row {
    pub session: Session,
    /// The session's JSON object (see `list --json`), with `review`.
    pub json: Value,
    /// The last lines of its run log (none without a detached run).
    pub tail: Vec<String>,
    /// The paths it changes.
    pub paths: Vec<String>,
    log_len: Option<u64>,
    measured: Instant,
}

impl Row {
    pub fn state(&self) -> &str {
        self.json["state"].as_str().unwrap_or("?")
    }

    pub fn is_running(&self) -> bool {
        self.state() == State::Running.as_str()
    }

    /// The line of the event stream for this row: `session`, `at`, then
    /// the session's JSON fields.
    pub fn event(&self) -> Value {
        let mut event = json!({
            "session": self.session.id.as_str(),
            "state": self.state(),
            "at": session::now(),
        });
        if let (Some(out), Some(fields)) = (event.as_object_mut(), self.json.as_object()) {
            for (k, v) in fields {
                out.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        event
    }

    /// [`Row::event`] with the log's tail: what the board sends.
    pub fn event_with_tail(&self) -> Value {
        let mut event = self.event();
        event["log_tail"] = json!(self.tail);
        event
    }
}

/// What one refresh found for one session.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Its JSON changed (state, counts, run…): an event.
    Session(String),
    /// Only its log's tail changed.
    Log(String),
    /// Its refs are gone (forgotten by `gc`, or deleted).
    Removed(String),
}

impl Change {
    pub fn id(&self) -> &str {
        match self {
            Change::Session(id) | Change::Log(id) | Change::Removed(id) => id,
        }
    }
}

/// The event of a session whose refs are gone.
pub fn removed_event(id: &str) -> Value {
    json!({"session": id, "state": null, "removed": true, "at": session::now()})
}

#[derive(Default)]
pub struct Fleet {
    pub rows: BTreeMap<String, Row>,
}

impl Fleet {
    /// The live sessions as they are now (what `list` shows).
    pub fn load(repo: &Repo) -> Result<Fleet> {
        let mut fleet = Fleet::default();
        let live: Vec<Session> = session::list_settled(repo)?
            .into_iter()
            .filter(|s| s.state(repo).is_live())
            .collect();
        for row in measure_all(repo, live)? {
            fleet.rows.insert(row.session.id.as_str().to_owned(), row);
        }
        Ok(fleet)
    }

    pub fn any_running(&self) -> bool {
        self.rows.values().any(Row::is_running)
    }

    /// Bring the rows `dirty` names up to date; what changed, in id order.
    pub fn refresh(&mut self, repo: &Repo, dirty: &Dirty) -> Result<Vec<Change>> {
        let mut changes = Vec::new();
        let mut stale = Vec::new();
        if dirty.all {
            let stored = session::list(repo)?;
            let present: Vec<String> = stored.iter().map(|s| s.id.as_str().to_owned()).collect();
            stale.extend(stored.into_iter().filter(|s| self.is_stale(s)));
            self.drop_missing(&present, &mut changes);
        }
        for id in &dirty.refs {
            let Ok(parsed) = session::Id::parse(id) else {
                continue;
            };
            match session::resolve_exact(repo, &parsed)? {
                Some(session) if self.is_stale(&session) => stale.push(session),
                Some(_) => {}
                None => {
                    if self.rows.remove(id).is_some() {
                        changes.push(Change::Removed(id.clone()));
                    }
                }
            }
        }
        for session in stale.iter_mut() {
            session::settle(repo, session);
        }
        for row in measure_all(repo, stale)? {
            let id = row.session.id.as_str().to_owned();
            if self.rows.get(&id).is_none_or(|r| r.json != row.json) {
                changes.push(Change::Session(id.clone()));
            }
            self.rows.insert(id, row);
        }
        let logs: Vec<String> = if dirty.all {
            self.rows.keys().cloned().collect()
        } else {
            dirty.logs.iter().cloned().collect()
        };
        for id in logs {
            self.reread_log(repo, &id, &mut changes)?;
        }
        changes.dedup();
        Ok(changes)
    }

    /// Record runs whose processes vanished (their refs then change).
    pub fn settle(&mut self, repo: &Repo) {
        for row in self.rows.values_mut().filter(|r| r.is_running()) {
            session::settle(repo, &mut row.session);
        }
    }

    /// Whether a session read again from its refs must be measured again:
    /// its metadata or snapshot changed, or it is new (and live).
    fn is_stale(&self, session: &Session) -> bool {
        match self.rows.get(session.id.as_str()) {
            Some(r) => {
                r.session.meta_blob != session.meta_blob || r.session.snapshot != session.snapshot
            }
            None => session.meta.state.is_live(),
        }
    }

    /// Rows of sessions not in `present` are removed.
    fn drop_missing(&mut self, present: &[String], changes: &mut Vec<Change>) {
        let gone: Vec<String> = self
            .rows
            .keys()
            .filter(|id| !present.contains(id))
            .cloned()
            .collect();
        for id in gone {
            self.rows.remove(&id);
            changes.push(Change::Removed(id));
        }
    }

    /// A log written to: its tail read again, the counts measured again
    /// (at most every [`REMEASURE`]: the agent is at work).
    fn reread_log(&mut self, repo: &Repo, id: &str, changes: &mut Vec<Change>) -> Result<()> {
        let Some(row) = self.rows.get_mut(id) else {
            return Ok(());
        };
        let log = repo.state().run_log(id);
        let len = std::fs::metadata(&log).ok().map(|m| m.len());
        if len == row.log_len {
            return Ok(());
        }
        row.log_len = len;
        row.tail = log_tail(&log, TAIL_LINES);
        if row.measured.elapsed() >= REMEASURE {
            let fresh = measure(repo, row.session.clone())?;
            if fresh.json != row.json {
                *row = fresh;
                changes.push(Change::Session(id.to_owned()));
                return Ok(());
            }
        }
        changes.push(Change::Log(id.to_owned()));
        Ok(())
    }
}

/// A row for `session`: measured now (live counts), its log's tail read.
pub fn measure(repo: &Repo, session: Session) -> Result<Row> {
    let live = view::live_path(session.locate(repo)).map(|p| view::live_changes(p, session.base));
    row_of(repo, session, live)
}

/// Rows for `sessions`, their worktrees' change counts taken in parallel
/// (gix in process, as `list` does), the rest in this thread: a
/// repository handle is not shared between threads.
pub fn measure_all(repo: &Repo, sessions: Vec<Session>) -> Result<Vec<Row>> {
    let jobs: Vec<Option<(PathBuf, gix::ObjectId)>> = sessions
        .iter()
        .map(|s| view::live_path(s.locate(repo)).map(|p| (p.to_path_buf(), s.base)))
        .collect();
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(jobs.len());
    let next = AtomicUsize::new(0);
    let counted: Vec<Mutex<Option<Option<Changes>>>> =
        jobs.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    let Some((path, base)) = job else { continue };
                    let changes = view::live_changes(path, *base);
                    if let Ok(mut slot) = counted[i].lock() {
                        *slot = Some(changes);
                    }
                }
            });
        }
    });
    sessions
        .into_iter()
        .zip(counted)
        .map(|(s, slot)| row_of(repo, s, slot.into_inner().ok().flatten()))
        .collect()
}

/// A row from a session and its live counts (see [`Report::with_live`]).
fn row_of(repo: &Repo, session: Session, live: Option<Option<Changes>>) -> Result<Row> {
    let report = Report::with_live(repo, &session, session.locate(repo), live)?;
    let mut json = report.to_json();
    let paths = report.changes.paths.clone();
    if let Some(fields) = json.as_object_mut() {
        fields
            .entry("review")
            .or_insert_with(|| json!(session.meta.review));
    }
    let log = repo.state().run_log(session.id.as_str());
    let log_len = std::fs::metadata(&log).ok().map(|m| m.len());
    let tail = log_len.map_or(Vec::new(), |_| log_tail(&log, TAIL_LINES));
    Ok(Row {
        session,
        json,
        tail,
        paths,
        log_len,
        measured: Instant::now(),
    })
}

/// The last `n` lines of a log, from at most its last 16 KiB.
pub fn log_tail(path: &Path, n: usize) -> Vec<String> {
    let Ok(mut file) = std::fs::File::open(path) else {
        return Vec::new();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let from = len.saturating_sub(16 * 1024);
    if file.seek(SeekFrom::Start(from)).is_err() {
        return Vec::new();
    }
    let mut bytes = Vec::new();
    let _ = file.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    let mut lines: Vec<&str> = text
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty())
        .collect();
    if from > 0 && !lines.is_empty() {
        lines.remove(0);
    }
    let skip = lines.len().saturating_sub(n);
    lines[skip..].iter().map(|l| (*l).to_owned()).collect()
}
