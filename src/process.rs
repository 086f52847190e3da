//! Processes: whether one is alive (and is the one a run started), and
//! ending a run's whole process group.
//!
//! A pid alone is no proof: pids are reused, after a reboot or not, and a
//! zombie still answers `kill(0)`. So liveness reads `/proc` where Linux
//! has it, and a process that started well after a run began is not that
//! run's. This module knows nothing of sessions or git; the session model,
//! the run supervisor and the removal of worktrees all ask it.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

/// Start a detached `git-agent __purge <trash>` that deletes removed
/// worktrees' files. `false` when it cannot start: the caller deletes them
/// itself, here and now.
pub fn purge_in_background(trash: &Path) -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| {
            Command::new(exe)
                .arg("__purge")
                .arg(trash)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .ok()
        })
        .is_some()
}

/// Is a process with this pid alive (and not a zombie)?
pub fn is_alive(pid: u32) -> bool {
    let Ok(raw) = i32::try_from(pid) else {
        return false;
    };
    if raw <= 0 {
        return false;
    }
    if kill(Pid::from_raw(raw), None).is_err() {
        return false;
    }
    // A zombie still answers kill(0); /proc tells the truth on Linux.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => true,
    }
}

/// Is a process with this pid alive, and can it be one started for a run
/// that began at `started` (RFC 3339)? Not when the process started well
/// after the run began (its pid was reused, after a reboot or not): a run's
/// child and watcher start within moments of `started`. The slack covers
/// whole seconds in `started` and a clock set a little since: a live run
/// must never be taken for a dead one.
pub fn is_alive_for(pid: u32, started: &str) -> bool {
    let began = humantime::parse_rfc3339_weak(started).ok();
    match (began, process_start(pid)) {
        (Some(began), Some(born)) if born > began + Duration::from_secs(300) => false,
        _ => is_alive(pid),
    }
}

/// When a process started: the boot time plus its start in clock ticks
/// (field 22 of /proc/<pid>/stat), where Linux says.
fn process_start(pid: u32) -> Option<SystemTime> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let ticks: u64 = stat
        .rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(19)?
        .parse()
        .ok()?;
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .and_then(|hz| u64::try_from(hz).ok())
        .filter(|hz| *hz > 0)?;
    Some(boot_time()? + Duration::from_millis(ticks * 1000 / hz))
}

/// When the machine booted (`btime` in /proc/stat), where Linux says.
fn boot_time() -> Option<SystemTime> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let secs: u64 = stat
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    Some(std::time::UNIX_EPOCH + Duration::from_secs(secs))
}

/// End a run's whole process group: SIGTERM, then SIGKILL after a grace period.
pub fn stop_group(pgid: u32) {
    let Ok(raw) = i32::try_from(pgid) else { return };
    if raw <= 1 {
        return;
    }
    let group = Pid::from_raw(raw);
    if killpg(group, Signal::SIGTERM).is_err() {
        return;
    }
    for _ in 0..40 {
        if killpg(group, None).is_err() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = killpg(group, Signal::SIGKILL);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pid_whose_process_started_after_the_run_is_not_the_runs() {
        let me = std::process::id();
        let now = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
        assert!(is_alive_for(me, &now));
        if process_start(me).is_some() {
            // This process started long after that: its pid is not that run's.
            assert!(!is_alive_for(me, "2000-01-01T00:00:00Z"));
        }
        // Unreadable times fall back to the pid alone.
        assert!(is_alive_for(me, "not a time"));
    }
}
