//! Processes of agent runs: is one alive, stop it.

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

/// Is a process with this pid alive (and not a zombie we could reap)?
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
    for _ in 0..50 {
        if killpg(group, None).is_err() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = killpg(group, Signal::SIGKILL);
}
