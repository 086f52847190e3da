//! Turning a request into a plan: which agent, its command line, the
//! prompt, the timeout; and the durations `--timeout` and `wait` accept.
//! Nothing here starts a process or writes to the repository, so a plan can
//! be checked before anything happens.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::RunOptions;
use crate::error::{Error, Result};
use crate::repo::Repo;

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
    /// More environment for the child (`review` sets `GIT_AGENT_REVIEW_FILE`).
    pub env: Vec<(String, String)>,
    /// Where the child's stdout is also written, if anywhere (see [`Capture`]).
    pub capture: Option<Capture>,
}

/// A run whose stdout git-agent reads afterwards (a reviewer's verdict):
/// the child's stdout is written to `file` and, with `echo`, passed on to
/// git-agent's own stdout as it comes.
#[derive(Debug, Clone)]
pub struct Capture {
    pub file: PathBuf,
    pub echo: bool,
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

impl<'a> Request<'a> {
    /// The run options of `new` and `run` as a request; `read_only` is
    /// `run --read-only` (`new` has no such flag).
    pub fn from_options(
        options: &'a RunOptions,
        command: &'a [String],
        read_only: bool,
    ) -> Request<'a> {
        Request {
            agent: options.agent.as_deref(),
            prompt: options.prompt.as_deref(),
            prompt_file: options.prompt_file.as_deref(),
            command,
            timeout: options.timeout.as_deref(),
            read_only,
        }
    }

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
    let prompt = prompt(req)?;
    let timeout = timeout(repo, req)?;
    let (command, agent) = if !req.command.is_empty() {
        if req.agent.is_some() {
            return Err(Error::usage(
                "give either -a <agent> or a command after --, not both",
            ));
        }
        // A command runs as given: its prompt is in `GIT_AGENT_PROMPT`
        // (an argument added to `sh -c '…'` would become its `$0`).
        (req.command.to_vec(), None)
    } else {
        let (mut command, name) = agent_command(repo, req)?;
        if let Some(p) = &prompt {
            command.push(p.clone());
        }
        (command, Some(name))
    };
    check_program(&command[0], agent.as_deref())?;
    Ok(Plan {
        command,
        agent,
        prompt,
        timeout,
        read_only: req.read_only,
        env: Vec::new(),
        capture: None,
    })
}

/// The prompt: `-m`, else the file `--prompt-file` names (its trailing
/// whitespace trimmed).
fn prompt(req: &Request) -> Result<Option<String>> {
    Ok(match (req.prompt, req.prompt_file) {
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
    })
}

/// The timeout: `--timeout` (a usage error when malformed), else
/// `agent.timeout` (refused when malformed: the config is wrong, not the
/// command line).
fn timeout(repo: &Repo, req: &Request) -> Result<Option<Duration>> {
    Ok(
        match (req.timeout, repo.config.string(crate::config::TIMEOUT.name)) {
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
        },
    )
}

/// The named agent (else `agent.default`) and its command line, split into
/// words, without the prompt.
fn agent_command(repo: &Repo, req: &Request) -> Result<(Vec<String>, String)> {
    let name = match req.agent {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => repo.config.string(crate::config::DEFAULT_AGENT.name).filter(|s| !s.is_empty()).ok_or_else(|| {
            Error::usage("no agent named and no agent.default configured")
                .with_hint("pass -a <agent> (codex, claude, opencode, aider, gemini) or `git config agent.default codex`")
        })?,
    };
    let line = agent_command_line(repo, &name)?;
    let command = shell_words::split(&line).map_err(|e| {
        Error::refused(format!(
            "agent.{name}.command is not a valid command line: {e}"
        ))
    })?;
    if command.is_empty() {
        return Err(Error::refused(format!("agent.{name}.command is empty")));
    }
    Ok((command, name))
}

/// Refuse a program that is not on `PATH` (or not there as an absolute
/// path); `./tool.sh` runs in the session worktree, where `begin` checks it.
fn check_program(program: &str, agent: Option<&str>) -> Result<()> {
    if !is_relative_path(program) && which::which(program).is_err() {
        let mut err = Error::refused(format!("cannot find the program '{program}'"));
        if let Some(name) = agent {
            err = err.with_hint(format!("install it, or point agent.{name}.command at it: git config agent.{name}.command '<command line>'"));
        }
        return Err(err);
    }
    Ok(())
}

/// A program named by a relative path (`./tool.sh`, `bin/run`) is the one
/// in the worktree the run executes in, not in the caller's directory; a
/// bare name is looked up on `PATH`, an absolute path used as it is.
pub(super) fn in_worktree(worktree: &Path, program: &str) -> Option<PathBuf> {
    is_relative_path(program).then(|| worktree.join(program))
}

fn is_relative_path(program: &str) -> bool {
    program.contains('/') && Path::new(program).is_relative()
}

pub(super) fn is_executable(path: &Path) -> bool {
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
            ": it must be at most a year ({}h)",
            MAX_DURATION.as_secs() / 3600
        )),
        Some(d) => Ok(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
