//! Crash points for the fault-injection tests: when `GIT_AGENT_FAULT` names
//! a point, the process exits there at once, as if killed (no clean-up runs;
//! the operating system releases its locks). Every multi-step verb calls
//! [`point`] between its steps; `tests/it/faults.rs` crashes at each one and
//! checks that the repository stays valid and the next command recovers.
//! The same points can pause a process instead (see [`point`]), so a test
//! can run another command in the middle of a step.

/// Every crash point, `<verb>:<after which step>`.
pub const POINTS: &[&str] = &[
    "new:refs-created",
    "new:worktree-added",
    "new:checked-out",
    "new:copied",
    "new:recorded",
    "discard:snapshotted",
    "discard:worktree-removed",
    "discard:branch-deleted",
    "keep:snapshotted",
    "keep:applied",
    "keep:head-moved",
    "keep:worktree-removed",
    "keep:branch-deleted",
    "restore:worktree-added",
    "restore:branch-created",
    "restore:head-attached",
    "restore:files-written",
    "restore:filled",
    "restore:submodules-initialised",
    "restore:recorded",
    "gc:logs-removed",
    "gc:forgotten",
    "gc:restore-finished",
    "gc:snapshot-saved",
    "gc:record-dropped",
    "gc:branch-recreated",
    "gc:records-unlocked",
    "gc:records-pruned",
    "review:ran",
    "review:history-added",
    "land:snapshotted",
    "land:committed",
    "land:noted",
    "land:head-moved",
    "land:worktree-removed",
    "sync:committed",
    "sync:merged",
    "pool:claimed",
    "pool:moved",
    "pool:detached",
    "pool:returned",
    "pool:added",
    "pool:cleaned",
];

/// Exit here if the fault-injection variable names this point.
///
/// For race tests, `GIT_AGENT_PAUSE=<point>` with `GIT_AGENT_PAUSE_FILE=<path>`
/// pauses here instead: the process creates `<path>` and goes on once the
/// test removes it (or after a minute).
pub fn point(name: &str) {
    debug_assert!(POINTS.contains(&name), "unknown crash point {name}");
    if std::env::var_os("GIT_AGENT_FAULT").is_some_and(|v| v == name) {
        std::process::exit(137);
    }
    if std::env::var_os("GIT_AGENT_PAUSE").is_some_and(|v| v == name)
        && let Some(file) = std::env::var_os("GIT_AGENT_PAUSE_FILE")
        && std::fs::write(&file, name).is_ok()
    {
        let path = std::path::Path::new(&file);
        for _ in 0..6000 {
            if !path.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}
