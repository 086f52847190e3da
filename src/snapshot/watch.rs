//! Whether a worktree changed after a moment: inotify watches on each of its
//! directories (and on its index and `HEAD`), set up before a snapshot is
//! taken, so that a write after it is seen without a stat of every file.
//! Where watches cannot be had (too many directories, an unreadable one,
//! no inotify), the answer comes from file times instead
//! ([`super::touched_since`]).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};

/// More directories than this are not watched: the watches count against
/// the user's inotify limit, which editors and file watchers need too.
const MAX_WATCHES: usize = 4096;

pub struct Watch {
    worktree: PathBuf,
    since: SystemTime,
    inotify: Option<Inotify>,
}

impl Watch {
    /// Start watching `worktree`, a linked worktree (its `.git` a file).
    pub fn start(worktree: &Path) -> Watch {
        let since = SystemTime::now();
        Watch {
            worktree: worktree.to_path_buf(),
            since,
            inotify: watch_all(worktree),
        }
    }

    /// Whether anything in the worktree (a file, a directory, its index or
    /// `HEAD`) may have changed since [`Watch::start`]. `false` means a new
    /// snapshot would be the same as one taken after the start.
    pub fn touched(&self) -> bool {
        let Some(inotify) = &self.inotify else {
            return super::touched_since(&self.worktree, self.since);
        };
        match inotify.read_events() {
            Ok(events) => events.iter().any(|e| {
                e.mask.contains(AddWatchFlags::IN_Q_OVERFLOW)
                    || !e.mask.contains(AddWatchFlags::IN_IGNORED)
                        && e.name.as_ref().is_none_or(|n| n != ".git")
            }),
            Err(nix::errno::Errno::EAGAIN) => false,
            Err(_) => true,
        }
    }
}

const CHANGES: AddWatchFlags = AddWatchFlags::IN_MODIFY
    .union(AddWatchFlags::IN_ATTRIB)
    .union(AddWatchFlags::IN_CLOSE_WRITE)
    .union(AddWatchFlags::IN_MOVED_FROM)
    .union(AddWatchFlags::IN_MOVED_TO)
    .union(AddWatchFlags::IN_CREATE)
    .union(AddWatchFlags::IN_DELETE)
    .union(AddWatchFlags::IN_DELETE_SELF)
    .union(AddWatchFlags::IN_MOVE_SELF)
    .union(AddWatchFlags::IN_ONLYDIR)
    .union(AddWatchFlags::IN_DONT_FOLLOW);

/// Watches on every directory of the worktree and on its git admin
/// directory (for `index` and `HEAD`), or `None` when any cannot be set.
fn watch_all(worktree: &Path) -> Option<Inotify> {
    let git_dir = std::fs::read_to_string(worktree.join(".git"))
        .ok()?
        .strip_prefix("gitdir:")
        .map(|d| worktree.join(d.trim()))?;
    let inotify = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC).ok()?;
    // The admin directory holds more than index and HEAD (`locked`, logs):
    // only those two are watched, each on its own.
    for file in ["index", "HEAD"] {
        let flags = CHANGES - AddWatchFlags::IN_ONLYDIR;
        inotify.add_watch(&git_dir.join(file), flags).ok()?;
    }
    // A directory is watched before it is read, so one created in it after
    // the read is seen as a creation.
    let mut dirs = vec![worktree.to_path_buf()];
    let mut watched = 0;
    while let Some(dir) = dirs.pop() {
        watched += 1;
        if watched > MAX_WATCHES {
            return None;
        }
        inotify.add_watch(&dir, CHANGES).ok()?;
        for entry in std::fs::read_dir(&dir).ok()? {
            let entry = entry.ok()?;
            if dir == worktree && entry.file_name() == ".git" {
                continue;
            }
            if entry.file_type().ok()?.is_dir() {
                dirs.push(entry.path());
            }
        }
    }
    Some(inotify)
}
