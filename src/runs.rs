//! Agent runs: the only place that starts agent processes.
//!
//! A run is watched by a git-agent process — the caller in the foreground,
//! a detached `git-agent __supervise` otherwise — which records `running`
//! with the child's pid, enforces the timeout, and when the child ends
//! records `done`/`failed`, commits leftovers (`agent.autoCommit`), notes
//! the run's commits and snapshots the worktree into the session's refs.
//! The child always gets its own process group, so `stop` and timeouts end
//! everything it started.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::{SigSet, SigmaskHow, Signal, kill, killpg, sigprocmask};
use nix::unistd::Pid;

use crate::error::{Error, Result};
use crate::git::Git;
use crate::repo::Repo;
use crate::session::save;
use crate::session::{self, Id, Run, Session, State};
use crate::snapshot;

mod read_only;

/// Built-in agent command lines; `agent.<name>.command` overrides them. The
/// prompt is appended as the last argument.
///
/// Each runs unattended and may edit files in the worktree, and no more:
/// Claude Code's and Gemini CLI's headless modes refuse edits unless told to
/// accept them (shell commands stay refused); Gemini CLI also refuses to
/// run headless in a folder it was never told to trust; aider's
/// `--yes-always` would otherwise also say yes to upgrading itself and to
/// sending analytics. OpenCode allows edits by default.
pub const PRESETS: &[(&str, &str)] = &[
    (
        "codex",
        "codex exec --sandbox workspace-write -c approval_policy=never",
    ),
    ("claude", "claude -p --permission-mode acceptEdits"),
    ("opencode", "opencode run"),
    (
        "aider",
        "aider --yes-always --no-check-update --no-analytics --no-show-release-notes --message",
    ),
    ("gemini", "gemini --skip-trust --approval-mode auto_edit -p"),
];

/// What to run and how.
#[derive(Debug, Clone)]
pub struct Plan {
    pub command: Vec<String>,
    pub agent: Option<String>,
    pub prompt: Option<String>,
    pub timeout: Option<Duration>,
    pub read_only: bool,
}

/// The run options shared by `new` and `run`, as given on the command line.
pub struct Request<'a> {
    /// `Some("")` for `-a` without a name.
    pub agent: Option<&'a str>,
    pub prompt: Option<&'a str>,
    pub prompt_file: Option<&'a Path>,
    pub command: &'a [String],
    pub timeout: Option<&'a str>,
    pub read_only: bool,
}

impl Request<'_> {
    /// Does this ask for a run at all?
    pub fn wants_run(&self) -> bool {
        self.agent.is_some()
            || self.prompt.is_some()
            || self.prompt_file.is_some()
            || !self.command.is_empty()
    }
}

/// Turn a request into a plan: pick the agent, read the prompt, check the
/// program exists.
pub fn plan(repo: &Repo, req: &Request) -> Result<Plan> {
    let prompt = match (req.prompt, req.prompt_file) {
        (Some(p), _) => Some(p.to_owned()),
        (None, Some(file)) => Some(
            std::fs::read_to_string(file)
                .map_err(|e| {
                    Error::refused(format!(
                        "cannot read the prompt file {}: {e}",
                        file.display()
                    ))
                })?
                .trim_end()
                .to_owned(),
        ),
        (None, None) => None,
    };
    let timeout = match (req.timeout, repo.config.string(crate::config::TIMEOUT.name)) {
        (Some(flag), _) => Some(parse_duration(flag)?),
        (None, Some(config)) => Some(read_duration(&config).map_err(|why| {
            Error::refused(format!(
                "invalid {} '{config}'{why}",
                crate::config::TIMEOUT.name
            ))
            .with_hint(format!(
                "{DURATION_FORMS}: git config {} 10m",
                crate::config::TIMEOUT.name
            ))
        })?),
        (None, None) => None,
    };
    let (command, agent) = if !req.command.is_empty() {
        if req.agent.is_some() {
            return Err(Error::usage(
                "give either -a <agent> or a command after --, not both",
            ));
        }
        let mut command = req.command.to_vec();
        if let Some(p) = &prompt {
            command.push(p.clone());
        }
        (command, None)
    } else {
        let name = match req.agent {
            Some(name) if !name.is_empty() => name.to_owned(),
            _ => repo.config.string(crate::config::DEFAULT_AGENT.name).filter(|s| !s.is_empty()).ok_or_else(|| {
                Error::usage("no agent named and no agent.default configured")
                    .with_hint("pass -a <agent> (codex, claude, opencode, aider, gemini) or `git config agent.default codex`")
            })?,
        };
        let line = agent_command_line(repo, &name)?;
        let mut command = shell_words::split(&line).map_err(|e| {
            Error::refused(format!(
                "agent.{name}.command is not a valid command line: {e}"
            ))
        })?;
        if command.is_empty() {
            return Err(Error::refused(format!("agent.{name}.command is empty")));
        }
        if let Some(p) = &prompt {
            command.push(p.clone());
        }
        (command, Some(name))
    };
    let program = &command[0];
    // `./tool.sh` runs in the session worktree: `begin` checks it there.
    if !is_relative_path(program) && which::which(program).is_err() {
        let mut err = Error::refused(format!("cannot find the program '{program}'"));
        if let Some(name) = &agent {
            err = err.with_hint(format!("install it, or point agent.{name}.command at it: git config agent.{name}.command '<command line>'"));
        }
        return Err(err);
    }
    Ok(Plan {
        command,
        agent,
        prompt,
        timeout,
        read_only: req.read_only,
    })
}

/// A program named by a relative path (`./tool.sh`, `bin/run`) is the one
/// in the worktree the run executes in, not in the caller's directory; a
/// bare name is looked up on `PATH`, an absolute path used as it is.
fn in_worktree(worktree: &Path, program: &str) -> Option<PathBuf> {
    is_relative_path(program).then(|| worktree.join(program))
}

fn is_relative_path(program: &str) -> bool {
    program.contains('/') && Path::new(program).is_relative()
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn agent_command_line(repo: &Repo, name: &str) -> Result<String> {
    if let Some(line) = repo.config.string(&format!("agent.{name}.command")) {
        return Ok(line);
    }
    PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, line)| (*line).to_owned())
        .ok_or_else(|| {
            Error::refused(format!("unknown agent '{name}'")).with_hint(format!(
                "configure it: git config agent.{name}.command '<command line>'"
            ))
        })
}

/// The longest duration accepted: a year. Anything longer is surely a
/// mistake, and deadlines past it would not fit every clock computation.
pub const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 60 * 60);

const DURATION_FORMS: &str = "use a number of seconds or forms like 30s, 10m, 2h, 1h30m";

/// `30s`, `10m`, `2h`, `1h30m`, or a bare number of seconds (`120`, `1.5`)
/// as `timeout(1)` reads it; a usage error (exit 2) otherwise.
pub fn parse_duration(text: &str) -> Result<Duration> {
    read_duration(text).map_err(|why| {
        Error::usage(format!("invalid duration '{text}'{why}")).with_hint(DURATION_FORMS)
    })
}

/// [`parse_duration`]'s rules; the error is what to add to "invalid duration".
fn read_duration(text: &str) -> std::result::Result<Duration, String> {
    let text = text.trim();
    let bare_number = text.bytes().any(|b| b.is_ascii_digit())
        && text.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let parsed = if bare_number {
        text.parse::<f64>()
            .ok()
            .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
    } else {
        humantime::parse_duration(text).ok()
    };
    match parsed {
        None if bare_number => Err(": too long".to_owned()),
        None => Err(String::new()),
        Some(d) if d.is_zero() => Err(": it must be longer than zero".to_owned()),
        Some(d) if d > MAX_DURATION => Err(format!(
            ": it must be at most {}",
            humantime::format_duration(MAX_DURATION)
        )),
        Some(d) => Ok(d),
    }
}

/// Where a session's run output goes.
pub fn log_path(repo: &Repo, id: &Id) -> Result<PathBuf> {
    let dir = repo.state_dir()?.join(id.as_str());
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::git(format!("cannot create {}: {e}", dir.display())))?;
    Ok(dir.join("run.log"))
}

/// Record the run as started (state `running`) before any process exists, so
/// that two runs in one session cannot both start.
pub fn begin(repo: &Repo, session: &mut Session, plan: &Plan, log: Option<PathBuf>) -> Result<()> {
    if let Some(run) = session.meta.run.as_ref().filter(|r| r.is_live()) {
        return Err(Error::refused(format!(
            "session '{}' already has a live run (pid {})",
            session.id,
            run.pid.or(run.supervisor).unwrap_or(0)
        ))
        .with_hint(format!(
            "wait for it (`git agent wait {0}`) or stop it (`git agent stop {0}`)",
            session.id
        )));
    }
    let path = session
        .path()
        .filter(|_| session.state(repo) != State::Broken)
        .ok_or_else(|| {
            Error::refused(format!(
                "session '{}' has no worktree to run in",
                session.id
            ))
        })?
        .to_path_buf();
    let program = &plan.command[0];
    if let Some(resolved) = in_worktree(&path, program).filter(|p| !is_executable(p)) {
        return Err(Error::refused(format!(
            "cannot find the program '{program}' in the session worktree ({} is not an executable file)",
            resolved.display()
        ))
        .with_hint("a relative path names a file in the session's worktree, where the run executes"));
    }
    let head = Git::new(&path).run(["rev-parse", "HEAD"])?;
    let mut meta = session.meta.clone();
    meta.state = State::Running;
    meta.agent = plan.agent.clone();
    meta.command = Some(plan.command.clone());
    meta.prompt = plan.prompt.clone();
    meta.run = Some(Run {
        started: session::now(),
        // A foreground run (no log) is watched by this process from now on,
        // so `stop` finds it live even before the child's pid is recorded.
        supervisor: log.is_none().then(std::process::id),
        log,
        head_before: Some(head),
        deadline: plan
            .timeout
            .and_then(|t| std::time::SystemTime::now().checked_add(t))
            .map(|at| humantime::format_rfc3339_seconds(at).to_string()),
        ..Run::default()
    });
    session::update(repo, session, meta, None)
}

/// Start a detached supervisor for the run recorded by [`begin`]; returns at once.
pub fn detach(repo: &Repo, session: &Session, plan: &Plan) -> Result<()> {
    let run = session
        .meta
        .run
        .as_ref()
        .ok_or_else(|| Error::git("no run recorded"))?;
    let log = run
        .log
        .clone()
        .ok_or_else(|| Error::git("no log path recorded"))?;
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .map_err(|e| Error::git(format!("cannot open {}: {e}", log.display())))?;
    let err = out
        .try_clone()
        .map_err(|e| Error::git(format!("cannot open {}: {e}", log.display())))?;
    let exe = std::env::current_exe()
        .map_err(|e| Error::git(format!("cannot find git-agent itself: {e}")))?;
    let mut cmd = Command::new(exe);
    cmd.arg("__supervise").arg(session.id.as_str());
    if let Some(t) = plan.timeout {
        cmd.arg("--timeout-ms").arg(t.as_millis().to_string());
    }
    if plan.read_only {
        cmd.arg("--read-only");
    }
    // The supervisor's stdin is the write end of a pipe: it writes a byte
    // there once the agent's pid is recorded (see [`Ready`]).
    let (ready, ready_writer) =
        std::io::pipe().map_err(|e| Error::git(format!("cannot make a pipe: {e}")))?;
    cmd.arg("--ready-on-stdin")
        .current_dir(&repo.main_worktree)
        .stdin(ready_writer)
        .stdout(out)
        .stderr(err)
        .process_group(0);
    let child = cmd
        .spawn()
        .map_err(|e| Error::git(format!("cannot start the run supervisor: {e}")))?;
    // Our copy of the write end goes, so the supervisor's exit is an end of file.
    drop(cmd);
    let pid = child.id();
    session::modify(repo, &session.id, |meta| {
        if let Some(run) = meta.run.as_mut().filter(|r| r.ended.is_none()) {
            run.supervisor.get_or_insert(pid);
        }
    })?;
    wait_until_ready(ready);
    Ok(())
}

/// How long `--detach` waits for the supervisor to record the agent's pid.
const READY_WAIT: Duration = Duration::from_secs(10);

/// Wait (at most [`READY_WAIT`]) until the supervisor has recorded the
/// agent's pid or ended the run: a byte on the pipe, or its end when the
/// supervisor exits. So `show` right after `new --detach` has the pid.
fn wait_until_ready(mut ready: std::io::PipeReader) {
    use std::io::Read;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = ready.read(&mut [0u8; 1]);
        let _ = tx.send(());
    });
    let _ = rx.recv_timeout(READY_WAIT);
}

/// The supervisor's side of the pipe [`detach`] waits on.
pub struct Ready(std::fs::File);

impl Ready {
    /// Take the pipe from stdin, leaving `/dev/null` there so no process
    /// the supervisor starts holds it open.
    pub fn from_stdin() -> Result<Ready> {
        use std::os::fd::AsFd;
        let fail = |e: std::io::Error| Error::git(format!("cannot take the ready pipe: {e}"));
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

    let program =
        in_worktree(&worktree, &plan.command[0]).unwrap_or_else(|| PathBuf::from(&plan.command[0]));
    let mut cmd = Command::new(program);
    cmd.args(&plan.command[1..])
        .current_dir(&worktree)
        .process_group(0);
    for key in crate::git::SCRUBBED {
        cmd.env_remove(key);
    }
    cmd.env("GIT_AGENT_ID", id.as_str())
        .env("GIT_AGENT_BASE", session.base.to_string())
        .env("GIT_AGENT_WORKTREE", &worktree);
    match &plan.prompt {
        Some(p) => cmd.env("GIT_AGENT_PROMPT", p),
        None => cmd.env_remove("GIT_AGENT_PROMPT"),
    };
    if !attached {
        cmd.stdin(Stdio::null());
    }
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
    // `stop` (or `discard --force`) may have ended the run before it began.
    if !still_wanted(repo, id, &started)? {
        record_end(repo, id, &started, None, Some("stopped"))?;
        anstream::eprintln!("The run in session {id} was stopped before it started.");
        return Ok(1);
    }
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            // Exit 127, as a shell reports a command it cannot run; the
            // process never ran, so there is no reason beyond its exit.
            record_end(repo, id, &started, Some(127), None)?;
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
    let mut reason: Option<&str> = None;
    match recorded {
        // A `stop` that recorded its end before the pid was there could not
        // kill anything: that is ours to do. (One that came after sees the
        // pid and kills the group itself.)
        Ok(s)
            if !s
                .meta
                .run
                .as_ref()
                .is_some_and(|r| r.started == started && r.ended.is_none()) =>
        {
            reason = Some("stopped");
            std::thread::spawn(move || stop_group(pid));
        }
        Ok(_) => {}
        Err(e) => {
            stop_group(pid);
            let _ = child.wait();
            return Err(e);
        }
    }
    if let Some(ready) = ready {
        ready.signal();
    }
    let terminal = if attached {
        Terminal::give_to(pid)
    } else {
        None
    };

    let deadline = plan.timeout.and_then(|t| Instant::now().checked_add(t));
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => return Err(Error::git(format!("lost track of the run: {e}"))),
        }
        if reason.is_none() && deadline.is_some_and(|d| Instant::now() >= d) {
            reason = Some("timeout");
            std::thread::spawn(move || stop_group(pid));
        }
        if reason.is_none() && INTERRUPTED.load(Ordering::SeqCst) {
            reason = Some("interrupted");
            std::thread::spawn(move || stop_group(pid));
        }
        std::thread::sleep(Duration::from_millis(25));
    };
    drop(terminal);
    // Whatever the child left in its group goes with it.
    let _ = killpg(Pid::from_raw(pid as i32), Signal::SIGKILL);

    let mut code = match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(sig)) => 128 + sig,
        (None, None) => 1,
    };
    if reason.is_none() && status.signal() == Some(Signal::SIGINT as i32) {
        reason = Some("interrupted");
    }
    if reason.is_some() && code == 0 {
        code = 1;
    }
    let mut violation = None;
    let mut undo_failed = None;
    if let Some((before, guard)) = &before {
        match undo_read_only(repo, id, &worktree, before, guard) {
            Ok(None) => {}
            Ok(Some(v)) => {
                violation = Some(v);
                code = 1;
            }
            // The run is over all the same: record its end first.
            Err(e) => {
                undo_failed = Some(e);
                code = 1;
            }
        }
    }
    // A read-only violation is no `reason`: the process ended by itself;
    // the exit code 1 and the error below say what happened.
    finish(repo, id, &started, &worktree, code, reason)?;
    if let Some(e) = undo_failed {
        return Err(Error::refused(format!(
            "the read-only run may have changed the repository, and putting it back failed: {}",
            e.message
        ))
        .with_hint(format!(
            "see what the session holds now with `git agent diff {id}`"
        )));
    }
    if reason == Some("timeout")
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

/// What a read-only run must leave as it found: the worktree's files, index
/// and HEAD — its commit and the branch it is on (`None`: detached).
struct Checkout {
    state: snapshot::WorktreeState,
    branch: Option<String>,
    /// Every local branch and its tip, to tell a branch the run made from
    /// one it moved.
    branches: Vec<(String, String)>,
}

impl Checkout {
    fn capture(repo: &Repo, worktree: &Path) -> Result<Checkout> {
        let git = Git::new(worktree);
        let symbolic = git.output(["symbolic-ref", "-q", "HEAD"])?;
        let branch = symbolic
            .status
            .success()
            .then(|| String::from_utf8_lossy(&symbolic.stdout).trim().to_owned());
        let branches = git
            .run([
                "for-each-ref",
                "--format=%(refname) %(objectname)",
                "refs/heads/",
            ])?
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(r, o)| (r.to_owned(), o.to_owned()))
            .collect();
        Ok(Checkout {
            state: snapshot::capture(repo, worktree)?,
            branch,
            branches,
        })
    }

    /// The same files, index, HEAD commit and branch (other branches may
    /// move meanwhile: other sessions are made and run in parallel).
    fn same_as(&self, other: &Checkout) -> bool {
        let (a, b) = (&self.state, &other.state);
        a.head == b.head
            && a.index_tree == b.index_tree
            && a.full_tree == b.full_tree
            && self.branch == other.branch
    }

    fn tip_of(&self, branch: &str) -> Option<&str> {
        self.branches
            .iter()
            .find(|(b, _)| b == branch)
            .map(|(_, o)| o.as_str())
    }

    /// `agent/x at 1234567`, or `a detached HEAD at 1234567`.
    fn describe_head(&self) -> String {
        let at = &self.state.head.to_string()[..7];
        match &self.branch {
            Some(b) => format!("{} at {at}", short_branch(b)),
            None => format!("a detached HEAD at {at}"),
        }
    }
}

fn short_branch(refname: &str) -> &str {
    refname.strip_prefix("refs/heads/").unwrap_or(refname)
}

/// What a read-only run changed, once undone.
struct Violation {
    changed: Vec<String>,
    /// About the branch the run left HEAD on, which is left as it is.
    branch_note: Option<String>,
}

/// Is the run that began at `started` still the session's, and not ended?
fn still_wanted(repo: &Repo, id: &Id, started: &str) -> Result<bool> {
    Ok(session::resolve_exact(repo, id)?
        .and_then(|s| s.meta.run)
        .is_some_and(|r| r.started == started && r.ended.is_none()))
}

/// After the child ended: leftovers commit, notes, snapshot, final state.
///
/// The run is recorded as it ended even when saving its result fails (a
/// path git refuses, a full disk): that failure is a warning, never the
/// run's exit code or a reason.
fn finish(
    repo: &Repo,
    id: &Id,
    started: &str,
    worktree: &Path,
    code: i32,
    reason: Option<&str>,
) -> Result<()> {
    let failures = save_result(repo, id, worktree);
    record_end(repo, id, started, Some(code), reason)?;
    for failure in failures {
        crate::output::warn(&format!(
            "the run in session '{id}' is recorded as it ended, but {failure}"
        ));
    }
    Ok(())
}

/// Commit leftovers (`agent.autoCommit`), note the run's commits and
/// snapshot the worktree, each tried even when one before it failed; what
/// failed is returned ("the snapshot failed: …").
fn save_result(repo: &Repo, id: &Id, worktree: &Path) -> Vec<String> {
    let mut failures = Vec::new();
    if !worktree.join(".git").exists() {
        return failures;
    }
    let mut attempt = |what: &str, step: &mut dyn FnMut() -> Result<()>| {
        if let Err(e) = step() {
            failures.push(format!("{what} failed: {}", e.message));
        }
    };
    let auto_commit_on = repo
        .config
        .boolean(crate::config::AUTO_COMMIT.name)
        .ok()
        .flatten()
        == Some(true);
    if auto_commit_on {
        attempt("committing its leftovers (agent.autoCommit)", &mut || {
            auto_commit(worktree, id)
        });
    }
    attempt("noting its commits", &mut || {
        let session = session::resolve(repo, Some(id.as_str()))?;
        let Some(before) = session
            .meta
            .run
            .as_ref()
            .and_then(|r| r.head_before.clone())
        else {
            return Ok(());
        };
        let made = Git::new(worktree).run(["rev-list", &format!("{before}..HEAD")])?;
        let commits: Vec<gix::ObjectId> = made
            .lines()
            .filter_map(|l| snapshot::parse_oid(l).ok())
            .collect();
        crate::notes::add(repo, &commits, &crate::notes::text(&session, "run"))
    });
    attempt("the snapshot of its worktree", &mut || {
        let mut session = session::resolve(repo, Some(id.as_str()))?;
        save(repo, &mut session, "run ended").map(drop)
    });
    failures
}

fn record_end(
    repo: &Repo,
    id: &Id,
    started: &str,
    code: Option<i32>,
    reason: Option<&str>,
) -> Result<()> {
    session::modify(repo, id, |meta| {
        let Some(run) = meta.run.as_mut().filter(|r| r.started == started) else {
            return;
        };
        // `stop` may have recorded the end (and its reason) already.
        run.ended.get_or_insert_with(session::now);
        if run.reason.is_none() {
            run.reason = reason.map(str::to_owned);
        }
        run.exit_code = run.exit_code.or(code);
        let ok = run.exit_code == Some(0) && run.reason.is_none();
        if matches!(
            meta.state,
            State::Running | State::Active | State::Done | State::Failed
        ) {
            meta.state = if ok { State::Done } else { State::Failed };
        }
    })
    .map(drop)
}

/// `agent.autoCommit`: commit whatever the run left uncommitted.
fn auto_commit(worktree: &Path, id: &Id) -> Result<()> {
    let git = Git::new(worktree);
    if git.run(["status", "--porcelain"])?.is_empty() {
        return Ok(());
    }
    git.run(["add", "-A", "--sparse"])?;
    let mut commit = git.clone();
    if git.output(["var", "GIT_COMMITTER_IDENT"])?.status.code() != Some(0) {
        commit = commit
            .env("GIT_AUTHOR_NAME", "git-agent")
            .env("GIT_AUTHOR_EMAIL", "git-agent@localhost")
            .env("GIT_COMMITTER_NAME", "git-agent")
            .env("GIT_COMMITTER_EMAIL", "git-agent@localhost");
    }
    commit.run([
        "commit",
        "-q",
        "--no-verify",
        "-m",
        &format!("git-agent: changes left by the run in session {id}"),
    ])?;
    Ok(())
}

/// After a read-only run: undo what it changed and name it, `None` when it
/// changed nothing. Hooks, config and `info/` go first (no hook or config
/// the run wrote may act in the git commands that follow), then refs, then
/// the worktree.
fn undo_read_only(
    repo: &Repo,
    id: &Id,
    worktree: &Path,
    before: &Checkout,
    guard: &read_only::Guard,
) -> Result<Option<Violation>> {
    let outside = guard.undo_files()?;
    let after = Checkout::capture(repo, worktree)?;
    // The branch HEAD was on is the worktree's to put back; a branch the
    // run created and left HEAD on is kept (see [`restore_read_only`]).
    let mut exempt: Vec<String> = before.branch.iter().cloned().collect();
    exempt.extend(
        after
            .branch
            .iter()
            .filter(|b| before.tip_of(b).is_none())
            .cloned(),
    );
    let refs = guard.undo_refs(repo, worktree, id, &exempt)?;
    let mut violation = if after.same_as(before) {
        Violation {
            changed: Vec::new(),
            branch_note: None,
        }
    } else {
        restore_read_only(repo, worktree, before, &after)?
    };
    violation.changed.extend(refs);
    violation.changed.extend(outside);
    Ok((!violation.changed.is_empty()).then_some(violation))
}

/// Put a worktree back as it was before a read-only run: HEAD on its branch
/// (or detached) at its commit, then the index and files.
///
/// A branch the run switched to is not deleted, nor put back when it
/// existed before: it may hold commits that exist nowhere else, and whose
/// they are is not git-agent's to judge. The error names it instead.
fn restore_read_only(
    repo: &Repo,
    worktree: &Path,
    before: &Checkout,
    after: &Checkout,
) -> Result<Violation> {
    let (b, a) = (&before.state, &after.state);
    let mut changed = snapshot::changes(repo, b.full_tree, a.full_tree)?.paths;
    for p in snapshot::changes(repo, b.index_tree, a.index_tree)?.paths {
        if !changed.contains(&p) {
            changed.push(p);
        }
    }
    if a.head != b.head || after.branch != before.branch {
        changed.insert(
            0,
            format!(
                "HEAD (was {}, now {})",
                before.describe_head(),
                after.describe_head()
            ),
        );
    }
    let branch_note = after
        .branch
        .as_deref()
        .filter(|_| after.branch != before.branch)
        .map(|left| {
            let name = short_branch(left);
            match before.tip_of(left) {
                None => format!(
                    "the run created branch '{name}'; it is left as it is (`git branch -D {name}` deletes it)"
                ),
                Some(tip) if after.tip_of(left) != Some(tip) => format!(
                    "the run switched to branch '{name}' and moved it (it was at {}); it is put back",
                    &tip[..7.min(tip.len())]
                ),
                Some(_) => format!("the run switched to branch '{name}', which it left unchanged"),
            }
        });
    let git = Git::new(worktree);
    let head = b.head.to_string();
    match &before.branch {
        // Back on the branch first, so that the reset below moves it (and
        // no other branch) back to where it was.
        Some(branch) => git.run(["symbolic-ref", "HEAD", branch])?,
        None => git.run(["update-ref", "--no-deref", "HEAD", &head])?,
    };
    git.run(["reset", "-q", "--hard", &head])?;
    git.run(["read-tree", "--reset", "-u", &b.full_tree.to_string()])?;
    // With the index holding everything that existed before, `clean` removes
    // exactly the files the run created (ignored ones are left alone).
    git.run(["clean", "-q", "-f", "-d"])?;
    git.run(["read-tree", &b.index_tree.to_string()])?;
    git.output(["update-index", "-q", "--refresh"])?;
    Ok(Violation {
        changed,
        branch_note,
    })
}

/// Hands the terminal to the run's process group and takes it back on drop.
struct Terminal {
    tty: std::fs::File,
    ours: Pid,
}

impl Terminal {
    fn give_to(pgid: u32) -> Option<Terminal> {
        use std::io::IsTerminal;
        if !std::io::stdin().is_terminal() {
            return None;
        }
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .ok()?;
        let ours = nix::unistd::tcgetpgrp(&tty).ok()?;
        block_ttou();
        let group = Pid::from_raw(pgid as i32);
        nix::unistd::tcsetpgrp(&tty, group).ok()?;
        // The child may have touched the terminal before it was its own and
        // been stopped for it (SIGTTIN/SIGTTOU): let it go on.
        let _ = killpg(group, Signal::SIGCONT);
        Some(Terminal { tty, ours })
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = nix::unistd::tcsetpgrp(&self.tty, self.ours);
    }
}

/// A background process group may only take the terminal back with SIGTTOU blocked.
fn block_ttou() {
    let mut set = SigSet::empty();
    set.add(Signal::SIGTTOU);
    let _ = sigprocmask(SigmaskHow::SIG_BLOCK, Some(&set), None);
}

/// Start a detached `git-agent __purge <trash>` that deletes removed
/// worktrees' files; if it cannot start, delete them here and now.
pub fn purge_in_background(trash: &Path) {
    let started = std::env::current_exe().ok().and_then(|exe| {
        Command::new(exe)
            .arg("__purge")
            .arg(trash)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .ok()
    });
    if started.is_none() {
        crate::worktree::purge(trash);
    }
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
fn process_start(pid: u32) -> Option<std::time::SystemTime> {
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
fn boot_time() -> Option<std::time::SystemTime> {
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
        assert!(is_alive_for(me, &crate::session::now()));
        if process_start(me).is_some() {
            // This process started long after that: its pid is not that run's.
            assert!(!is_alive_for(me, "2000-01-01T00:00:00Z"));
        }
        // Unreadable times fall back to the pid alone.
        assert!(is_alive_for(me, "not a time"));
    }

    #[test]
    fn relative_program_paths_name_files_in_the_worktree() {
        let wt = Path::new("/wt");
        assert_eq!(
            in_worktree(wt, "./tool.sh"),
            Some(PathBuf::from("/wt/./tool.sh"))
        );
        assert_eq!(
            in_worktree(wt, "bin/run"),
            Some(PathBuf::from("/wt/bin/run"))
        );
        assert_eq!(in_worktree(wt, "codex"), None);
        assert_eq!(in_worktree(wt, "/usr/bin/env"), None);
    }
}
