//! What changed among the sessions, told by the kernel: inotify watches on
//! the directories that hold the sessions' refs and logs, so a watcher
//! sleeps (no CPU) until a ref or a log is written, and then knows whose.
//!
//! Watched, all in the common git dir:
//! - the common dir itself, for `packed-refs` (rewritten whole by
//!   `git pack-refs`/`gc`: every session's refs are compared then) and for
//!   the creation of `agents/`;
//! - `refs/` (for the creation of `refs/agents/`), `refs/agents/` (a
//!   session created or gone) and each `refs/agents/<id>/` (its
//!   `meta`, `base`, `snapshot` written: that session only);
//! - `agents/` and each `agents/<id>/` (its `run.log` written).
//!
//! Where inotify is not to be had (no watches left, a file system without
//! it), [`Watcher::wait`] says [`Dirty::All`] every [`POLL`]: the refs are
//! listed again (milliseconds, no worktree read) and compared.

use std::collections::{BTreeSet, HashMap};
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};
use std::time::Duration;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify, WatchDescriptor};

/// How often the sessions are compared when inotify is not available.
pub const POLL: Duration = Duration::from_secs(2);

/// Which sessions may have changed.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Dirty {
    /// Every session's refs must be compared (packed refs rewritten, the
    /// kernel's queue overflowed, no inotify, a heartbeat).
    pub all: bool,
    /// Sessions whose refs changed.
    pub refs: BTreeSet<String>,
    /// Sessions whose log changed.
    pub logs: BTreeSet<String>,
}

impl Dirty {
    pub fn is_empty(&self) -> bool {
        !self.all && self.refs.is_empty() && self.logs.is_empty()
    }

    fn merge(&mut self, other: Dirty) {
        self.all |= other.all;
        self.refs.extend(other.refs);
        self.logs.extend(other.logs);
    }
}

/// A watched directory, and what an event in it means.
#[derive(Debug, Clone)]
enum Dir {
    Common,
    Refs,
    RefsAgents,
    SessionRefs(String),
    State,
    SessionState(String),
}

pub struct Watcher {
    common: PathBuf,
    inotify: Option<Inotify>,
    dirs: HashMap<WatchDescriptor, Dir>,
}

const EVENTS: AddWatchFlags = AddWatchFlags::IN_CLOSE_WRITE
    .union(AddWatchFlags::IN_MODIFY)
    .union(AddWatchFlags::IN_MOVED_TO)
    .union(AddWatchFlags::IN_MOVED_FROM)
    .union(AddWatchFlags::IN_CREATE)
    .union(AddWatchFlags::IN_DELETE)
    .union(AddWatchFlags::IN_ONLYDIR);

impl Watcher {
    /// Start watching the sessions of the repository whose common dir is
    /// `common`. Watches are set before anything is read, so nothing
    /// written after the caller's first read is missed.
    pub fn start(common: &Path) -> Watcher {
        let inotify = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC).ok();
        let mut watcher = Watcher {
            common: common.to_path_buf(),
            inotify,
            dirs: HashMap::new(),
        };
        if !watcher.add(common.to_path_buf(), Dir::Common) {
            watcher.inotify = None;
            return watcher;
        }
        watcher.add(common.join("refs"), Dir::Refs);
        watcher.add_refs_agents();
        watcher.add_state();
        watcher
    }

    /// Whether the kernel tells of changes (else: polling every [`POLL`]).
    pub fn is_live(&self) -> bool {
        self.inotify.is_some()
    }

    fn add(&mut self, dir: PathBuf, what: Dir) -> bool {
        let Some(inotify) = &self.inotify else {
            return false;
        };
        match inotify.add_watch(&dir, EVENTS) {
            Ok(wd) => {
                self.dirs.insert(wd, what);
                true
            }
            Err(_) => false,
        }
    }

    fn add_refs_agents(&mut self) {
        let root = self.common.join("refs/agents");
        if self.add(root.clone(), Dir::RefsAgents) {
            for id in subdirs(&root) {
                self.add(root.join(&id), Dir::SessionRefs(id));
            }
        }
    }

    fn add_state(&mut self) {
        let root = self.common.join("agents");
        if self.add(root.clone(), Dir::State) {
            for id in subdirs(&root) {
                self.add(root.join(&id), Dir::SessionState(id));
            }
        }
    }

    /// Sleep until something changed, `timeout` passed (then an empty
    /// [`Dirty`], or `all` when polling) or one of `extra` is readable
    /// (its index returned). Events that come in a burst (a ref
    /// transaction, an agent printing) are taken together.
    pub fn wait(
        &mut self,
        extra: &[BorrowedFd],
        timeout: Option<Duration>,
    ) -> (Dirty, Option<usize>) {
        let timeout = match (&self.inotify, timeout) {
            (None, t) => Some(t.map_or(POLL, |t| t.min(POLL))),
            (Some(_), t) => t,
        };
        let mut fds: Vec<PollFd> = extra
            .iter()
            .map(|fd| PollFd::new(*fd, PollFlags::POLLIN))
            .collect();
        if let Some(inotify) = &self.inotify {
            fds.push(PollFd::new(inotify.as_fd(), PollFlags::POLLIN));
        }
        let ms = timeout.map_or(PollTimeout::NONE, |t| {
            PollTimeout::try_from(t.as_millis().min(60_000) as i32).unwrap_or(PollTimeout::MAX)
        });
        let ready = poll(&mut fds, ms).unwrap_or(0);
        let readable = |fd: &PollFd| fd.revents().is_some_and(|r| !r.is_empty());
        let woken_extra = fds[..extra.len()].iter().position(readable);
        let mut dirty = Dirty::default();
        if self.inotify.is_none() {
            dirty.all = woken_extra.is_none();
            return (dirty, woken_extra);
        }
        if ready > 0 && fds.last().is_some_and(readable) {
            dirty = self.drain();
            // A burst: give it a moment to end, then take the rest with it.
            std::thread::sleep(Duration::from_millis(50));
            let rest = self.drain();
            dirty.merge(rest);
        }
        (dirty, woken_extra)
    }

    /// Read every queued event: which sessions they concern; start
    /// watching directories that appeared.
    pub fn drain(&mut self) -> Dirty {
        let mut dirty = Dirty::default();
        let Some(inotify) = &self.inotify else {
            dirty.all = true;
            return dirty;
        };
        let events = match inotify.read_events() {
            Ok(events) => events,
            Err(nix::errno::Errno::EAGAIN) => return dirty,
            Err(_) => {
                dirty.all = true;
                return dirty;
            }
        };
        let mut new_dirs = Vec::new();
        for event in events {
            if event.mask.contains(AddWatchFlags::IN_Q_OVERFLOW) {
                dirty.all = true;
                continue;
            }
            if event.mask.contains(AddWatchFlags::IN_IGNORED) {
                self.dirs.remove(&event.wd);
                continue;
            }
            let Some(dir) = self.dirs.get(&event.wd) else {
                continue;
            };
            let name = event
                .name
                .as_ref()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let is_dir = event.mask.contains(AddWatchFlags::IN_ISDIR);
            classify(dir, &name, is_dir, &mut dirty, &mut new_dirs);
        }
        for (path, what) in new_dirs {
            match what {
                Dir::RefsAgents => self.add_refs_agents(),
                Dir::State => self.add_state(),
                other => {
                    self.add(path, other);
                }
            }
        }
        dirty
    }
}

/// What one event means: sessions made dirty, directories to watch.
fn classify(
    dir: &Dir,
    name: &str,
    is_dir: bool,
    dirty: &mut Dirty,
    new_dirs: &mut Vec<(PathBuf, Dir)>,
) {
    match dir {
        Dir::Common if name == "packed-refs" => dirty.all = true,
        Dir::Common if name == "agents" && is_dir => {
            new_dirs.push((PathBuf::new(), Dir::State));
        }
        Dir::Refs if name == "agents" && is_dir => {
            new_dirs.push((PathBuf::new(), Dir::RefsAgents));
            dirty.all = true;
        }
        Dir::RefsAgents if is_dir => {
            // Its refs may have been written before the watch was set.
            dirty.refs.insert(name.to_owned());
            new_dirs.push((PathBuf::new(), Dir::RefsAgents));
        }
        Dir::SessionRefs(id) => {
            dirty.refs.insert(id.clone());
        }
        Dir::State if is_dir => {
            dirty.logs.insert(name.to_owned());
            new_dirs.push((PathBuf::new(), Dir::State));
        }
        Dir::SessionState(id) if name == "run.log" => {
            dirty.logs.insert(id.clone());
        }
        _ => {}
    }
}

/// The names of the directories in `dir`.
fn subdirs(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}
