//! Executing and watching a run: the detached supervisor and its Ready
//! handshake, the child in its own process group, the timeout and Ctrl-C,
//! and what is reported when it ends.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use super::checkout::{Checkout, Violation, undo_read_only};
use super::end::{finish, record_end};
use super::plan::{Plan, in_worktree};
use super::read_only;
use super::terminal::Terminal;
use crate::error::{Error, IoContext, Result};
use crate::process::stop_group;
use crate::repo::Repo;
use crate::session::{self, Id, Reason, Session};

/// Start a detached supervisor for the run recorded by [`super::begin`];
/// returns at once.
pub fn detach(repo: &Repo, session: &Session, plan: &Plan) -> Result<()> {
    let run = session
        .meta
        .run
        .as_ref()
        .ok_or_else(|| Error::internal("no run recorded"))?;
    let log = run
        .log
        .clone()
        .ok_or_else(|| Error::internal("no log path recorded"))?;
    let started = start_background(repo, &log, "__supervise", "the run supervisor", |cmd| {
        cmd.arg(session.id.as_str());
        if let Some(t) = plan.timeout {
            cmd.arg("--timeout-ms").arg(t.as_millis().to_string());
        }
        if plan.read_only {
            cmd.arg("--read-only");
        }
    })?;
    let pid = started.pid;
    session::modify(repo, &session.id, |meta| {
        if let Some(run) = meta.run.as_mut().filter(|r| r.ended.is_none()) {
            run.supervisor.get_or_insert(pid);
        }
    })?;
    started.wait_until_ready();
    Ok(())
}

/// A git-agent started in the background by [`start_background`].
pub struct Background {
    pub pid: u32,
    ready: std::io::PipeReader,
}

impl Background {
    /// Wait (at most [`READY_WAIT`]) for its byte on the pipe (see
    /// [`Ready`]), or its end.
    pub fn wait_until_ready(self) {
        use std::io::Read;
        let mut ready = self.ready;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = ready.read(&mut [0u8; 1]);
            let _ = tx.send(());
        });
        let _ = rx.recv_timeout(READY_WAIT);
    }
}

/// Start this git-agent again in the background, as `git-agent <verb>
/// --ready-on-stdin` and what `args` adds: in its own process
/// group, in the main worktree, its output appended to `log`, its stdin the
/// write end of a pipe on which it says it is ready (see [`Ready`]).
pub fn start_background(
    repo: &Repo,
    log: &std::path::Path,
    verb: &str,
    what: &str,
    args: impl FnOnce(&mut Command),
) -> Result<Background> {
    if let Some(dir) = log.parent() {
        std::fs::create_dir_all(dir).doing(|| format!("cannot create {}", dir.display()))?;
    }
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .doing(|| format!("cannot open {}", log.display()))?;
    let err = out
        .try_clone()
        .doing(|| format!("cannot open {}", log.display()))?;
    let exe = std::env::current_exe().doing(|| "cannot find git-agent itself".to_string())?;
    let mut cmd = Command::new(exe);
    cmd.args([verb, "--ready-on-stdin"]);
    args(&mut cmd);
    let (ready, ready_writer) = std::io::pipe().doing(|| "cannot make a pipe".to_string())?;
    cmd.current_dir(&repo.main_worktree)
        .stdin(ready_writer)
        .stdout(out)
        .stderr(err)
        .process_group(0);
    let child = cmd.spawn().doing(|| format!("cannot start {what}"))?;
    // Our copy of the write end goes, so the child's exit is an end of file.
    drop(cmd);
    Ok(Background {
        pid: child.id(),
        ready,
    })
}

/// How long `--detach` waits for the supervisor to record the agent's pid.
const READY_WAIT: Duration = Duration::from_secs(10);

/// The supervisor's side of the pipe [`detach`] waits on.
pub struct Ready(std::fs::File);

impl Ready {
    /// Take the pipe from stdin, leaving `/dev/null` there so no process
    /// the supervisor starts holds it open.
    pub fn from_stdin() -> Result<Ready> {
        use std::os::fd::AsFd;
        let fail = |e: std::io::Error| Error::io("cannot take the ready pipe", e);
        let pipe = std::io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .map_err(fail)?;
        let null = std::fs::File::open("/dev/null").map_err(fail)?;
        nix::unistd::dup2_stdin(null).map_err(|e| fail(e.into()))?;
        Ok(Ready(std::fs::File::from(pipe)))
    }

    /// Tell the caller the run's pid is recorded (or the run is over).
    fn signal(mut self) {
        use std::io::Write;
        let _ = self.0.write_all(b"1");
    }
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// How the child ended: the exit code to record and report, and why it was
/// ended when something other than itself ended it.
struct Ending {
    code: i32,
    reason: Option<Reason>,
}

/// Run the recorded command to its end, in the foreground (`attached`: the
/// terminal is handed to it) or inside a supervisor. Returns the exit code
/// to report.
///
/// `ready`, in a supervisor, is signalled once the agent's pid is recorded.
pub fn execute(
    repo: &Repo,
    id: &Id,
    plan: &Plan,
    attached: bool,
    ready: Option<Ready>,
) -> Result<i32> {
    match run_to_end(repo, id, plan, attached, ready)? {
        Some((ending, undone)) => report(id, plan, &ending, undone),
        None => Ok(1),
    }
}

/// How a run watched by [`execute_watched`] ended.
pub struct Watched {
    /// The exit code recorded (1 for a read-only violation).
    pub code: i32,
    /// A read-only run that changed something: what changed, undone (the
    /// error `run --read-only` would report).
    pub violation: Option<Error>,
    /// Why something other than the run ended it, if it did.
    pub reason: Option<Reason>,
}

/// [`execute`] for a caller that goes on after the run (`review`): a
/// read-only violation is returned as data, not as the error.
pub fn execute_watched(
    repo: &Repo,
    id: &Id,
    plan: &Plan,
    attached: bool,
    ready: Option<Ready>,
) -> Result<Watched> {
    let Some((ending, undone)) = run_to_end(repo, id, plan, attached, ready)? else {
        return Ok(Watched {
            code: 1,
            violation: None,
            reason: Some(Reason::Stopped),
        });
    };
    let violated = matches!(undone, Some(Ok(_)));
    let reason = ending.reason;
    match report(id, plan, &ending, undone) {
        Ok(code) => Ok(Watched {
            code,
            violation: None,
            reason,
        }),
        Err(e) if violated => Ok(Watched {
            code: 1,
            violation: Some(e),
            reason,
        }),
        Err(e) => Err(e),
    }
}

/// The run to its end and its end recorded; `None` when it was stopped
/// before it started.
type Ended = Option<(Ending, Option<Result<Violation>>)>;

fn run_to_end(
    repo: &Repo,
    id: &Id,
    plan: &Plan,
    attached: bool,
    ready: Option<Ready>,
) -> Result<Ended> {
    let session = session::resolve(repo, Some(id.as_str()))?;
    let started = session
        .meta
        .run
        .as_ref()
        .map(|r| r.started.clone())
        .unwrap_or_default();
    let worktree = session.meta.worktree.clone();
    let before = if plan.read_only {
        Some((
            Checkout::capture(repo, &worktree)?,
            read_only::Guard::capture(repo, &worktree)?,
        ))
    } else {
        None
    };
    let mut cmd = command(plan, id, &session, attached);
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
    // `stop` (or `discard --force`) may have ended the run before it began.
    if !still_wanted(repo, id, &started)? {
        record_end(repo, id, &started, None, Some(Reason::Stopped))?;
        anstream::eprintln!("The run in session {id} was stopped before it started.");
        return Ok(None);
    }
    let (mut child, stopped) = spawn(repo, id, &started, plan, &mut cmd)?;
    if let Some(ready) = ready {
        ready.signal();
    }
    let tee = plan
        .capture
        .as_ref()
        .zip(child.stdout.take())
        .map(|(capture, out)| tee(out, capture.clone()));
    let mut ending = watch(child, stopped, plan.timeout, attached)?;
    if let Some(tee) = tee {
        let _ = tee.join();
    }
    let undone = match &before {
        Some((checkout, guard)) => undo_read_only(repo, id, &worktree, checkout, guard).transpose(),
        None => None,
    };
    if undone.is_some() {
        // A read-only violation is no `reason`: the process ended by itself;
        // the exit code 1 and the error [`report`] returns say what happened.
        // A failed undo too: the run is over all the same, its end recorded first.
        ending.code = 1;
    }
    finish(repo, id, &started, &worktree, ending.code, ending.reason)?;
    Ok(Some((ending, undone)))
}

/// Copy the child's stdout into the capture file (and to ours with `echo`)
/// until it closes.
fn tee(
    mut out: std::process::ChildStdout,
    capture: super::plan::Capture,
) -> std::thread::JoinHandle<()> {
    use std::io::{Read, Write};
    std::thread::spawn(move || {
        let mut file = std::fs::File::create(&capture.file).ok();
        let mut buf = [0u8; 8192];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 {
                break;
            }
            if let Some(f) = file.as_mut() {
                let _ = f.write_all(&buf[..n]);
            }
            if capture.echo {
                let mut stdout = std::io::stdout().lock();
                let _ = stdout.write_all(&buf[..n]).and_then(|()| stdout.flush());
            }
        }
    })
}

/// The child's command: the plan's program (a relative path names a file in
/// the worktree) started in the worktree, in a process group of its own, with
/// git's repository variables scrubbed and the session's `GIT_AGENT_*` set.
/// Only a foreground run keeps stdin.
fn command(plan: &Plan, id: &Id, session: &Session, attached: bool) -> Command {
    let worktree = &session.meta.worktree;
    let program =
        in_worktree(worktree, &plan.command[0]).unwrap_or_else(|| PathBuf::from(&plan.command[0]));
    let mut cmd = Command::new(program);
    cmd.args(&plan.command[1..])
        .current_dir(worktree)
        .process_group(0);
    for key in crate::git::SCRUBBED {
        cmd.env_remove(key);
    }
    cmd.envs(super::env::vars(id, session.base, worktree));
    cmd.envs(plan.env.iter().map(|(k, v)| (k, v)));
    if plan.capture.is_some() {
        cmd.stdout(Stdio::piped());
    }
    match &plan.prompt {
        Some(p) => cmd.env("GIT_AGENT_PROMPT", p),
        None => cmd.env_remove("GIT_AGENT_PROMPT"),
    };
    if !attached {
        cmd.stdin(Stdio::null());
    }
    cmd
}

/// Start the child and record its pid, and this process as its watcher.
/// Returns the child and, when a `stop` recorded the run's end before the
/// pid was there, the reason `stopped`: ending the group is then ours to do.
/// (A `stop` that came after sees the pid and kills the group itself.)
fn spawn(
    repo: &Repo,
    id: &Id,
    started: &str,
    plan: &Plan,
    cmd: &mut Command,
) -> Result<(Child, Option<Reason>)> {
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            // Exit 127, as a shell reports a command it cannot run; the
            // process never ran, so there is no reason beyond its exit.
            record_end(repo, id, started, Some(127), None)?;
            return Err(Error::refused(format!(
                "cannot start '{}': {e}",
                plan.command[0]
            )));
        }
    };
    let pid = child.id();
    let me = std::process::id();
    let recorded = session::modify(repo, id, |meta| {
        if let Some(run) = meta.run.as_mut().filter(|r| r.started == started) {
            run.pid = Some(pid);
            run.supervisor = Some(me);
        }
    });
    match recorded {
        Ok(s)
            if !s
                .meta
                .run
                .as_ref()
                .is_some_and(|r| r.started == started && r.ended.is_none()) =>
        {
            std::thread::spawn(move || stop_group(pid));
            Ok((child, Some(Reason::Stopped)))
        }
        Ok(_) => Ok((child, None)),
        Err(e) => {
            stop_group(pid);
            let _ = child.wait();
            Err(e)
        }
    }
}

/// Wait for the child to end, the terminal handed to its group when
/// `attached`; end the group at the deadline or on Ctrl-C. `reason` says why
/// the group is already being ended, if it is. Whatever the child left in its
/// group goes with it.
fn watch(
    mut child: Child,
    mut reason: Option<Reason>,
    timeout: Option<Duration>,
    attached: bool,
) -> Result<Ending> {
    let pid = child.id();
    let terminal = if attached {
        Terminal::give_to(pid)
    } else {
        None
    };
    let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => return Err(Error::internal(format!("lost track of the run: {e}"))),
        }
        if reason.is_none() && deadline.is_some_and(|d| Instant::now() >= d) {
            reason = Some(Reason::Timeout);
            std::thread::spawn(move || stop_group(pid));
        }
        if reason.is_none() && INTERRUPTED.load(Ordering::SeqCst) {
            reason = Some(Reason::Interrupted);
            std::thread::spawn(move || stop_group(pid));
        }
        std::thread::sleep(Duration::from_millis(25));
    };
    drop(terminal);
    let _ = killpg(Pid::from_raw(pid as i32), Signal::SIGKILL);
    Ok(ending(status, reason))
}

/// The exit code to record for `status`: a signal as a shell reports it
/// (128 + its number), and never 0 for a run something else ended. A child
/// that died of SIGINT was interrupted.
fn ending(status: ExitStatus, mut reason: Option<Reason>) -> Ending {
    let mut code = match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(sig)) => 128 + sig,
        (None, None) => 1,
    };
    if reason.is_none() && status.signal() == Some(Signal::SIGINT as i32) {
        reason = Some(Reason::Interrupted);
    }
    if reason.is_some() && code == 0 {
        code = 1;
    }
    Ending { code, reason }
}

/// What the caller is told once the run's end is recorded: a failed undo or
/// a read-only violation as the error, a timeout as an error message beside
/// the exit code; otherwise just the exit code.
fn report(id: &Id, plan: &Plan, ending: &Ending, undone: Option<Result<Violation>>) -> Result<i32> {
    let code = ending.code;
    let violation = match undone {
        Some(Err(e)) => {
            return Err(Error::refused(format!(
                "the read-only run may have changed the repository, and putting it back failed: {}",
                e.message
            ))
            .with_hint(format!(
                "see what the session holds now with `git agent diff {id}`"
            )));
        }
        Some(Ok(violation)) => Some(violation),
        None => None,
    };
    if ending.reason == Some(Reason::Timeout)
        && let Some(t) = plan.timeout
    {
        crate::output::report(&Error::refused(format!(
            "the run in session '{id}' timed out after {}; its process group was killed (exit {code})",
            humantime::format_duration(t)
        )));
    }
    if let Some(violation) = violation {
        let mut err = Error::refused(format!(
            "the read-only run changed the repository; it was put back as it was, except where said. Changed: {}",
            violation.changed.join(", ")
        ));
        if let Some(note) = violation.branch_note {
            err = err.with_hint(note);
        }
        return Err(err);
    }
    Ok(code)
}

/// Is the run that began at `started` still the session's, and not ended?
fn still_wanted(repo: &Repo, id: &Id, started: &str) -> Result<bool> {
    Ok(session::resolve_exact(repo, id)?
        .and_then(|s| s.meta.run)
        .is_some_and(|r| r.started == started && r.ended.is_none()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recorded_exit_code_follows_how_the_child_ended() {
        // Raw wait statuses: exit code in the high byte, a signal in the low.
        let exited = |code: i32| ExitStatus::from_raw(code << 8);
        let killed = |signal: Signal| ExitStatus::from_raw(signal as i32);
        let e = ending(exited(0), None);
        assert_eq!((e.code, e.reason), (0, None));
        let e = ending(exited(3), None);
        assert_eq!((e.code, e.reason), (3, None));
        let e = ending(killed(Signal::SIGTERM), Some(Reason::Timeout));
        assert_eq!((e.code, e.reason), (143, Some(Reason::Timeout)));
        let e = ending(killed(Signal::SIGINT), None);
        assert_eq!((e.code, e.reason), (130, Some(Reason::Interrupted)));
        // Ended from outside, yet exited 0 (it caught the signal): a failure.
        let e = ending(exited(0), Some(Reason::Stopped));
        assert_eq!((e.code, e.reason), (1, Some(Reason::Stopped)));
    }
}
