//! One review, start to end: the checks (a local session, no live run, a
//! change to review), a fresh snapshot, the reviewer's prompt, a read-only
//! run of the reviewer, its verdict read and validated — one retry with the
//! contract restated, then `invalid` — and the review recorded with the
//! session and in its history.

use std::path::{Path, PathBuf};

use crate::error::{Error, IoContext, Result};
use crate::repo::Repo;
use crate::runs::{self, Capture, Ready, Request};
use crate::session::{self, Id, Reason, Session, State};

use super::contract::{self, Findings};
use super::prompt::{self, Subject};
use super::{Review, Verdict, history};

/// Who reviews, as `review`'s options say.
pub struct Reviewer<'a> {
    /// `-a [<agent>]` (`Some("")`: the default reviewer).
    pub agent: Option<&'a str>,
    /// The command after `--`.
    pub command: &'a [String],
    pub checklist: Option<&'a Path>,
    pub timeout: Option<&'a str>,
}

/// How the reviewer runs: `attached` to the terminal, its stdout `echo`ed.
#[derive(Debug, Clone, Copy)]
pub struct Mode {
    pub attached: bool,
    pub echo: bool,
}

/// Check that `session` can be reviewed now, and snapshot it: the snapshot
/// is what the review is of. Refused for a fetched session, a live run, a
/// session without a worktree, and a session with no change.
pub fn prepare(repo: &Repo, session: &mut Session) -> Result<gix::ObjectId> {
    session.ensure_local()?;
    let id = session.id.clone();
    if let Some(run) = session.meta.run.as_ref().filter(|r| r.is_live()) {
        return Err(Error::refused(format!(
            "session '{id}' has a live run (pid {}); review it once it ends",
            run.pid.or(run.supervisor).unwrap_or(0)
        ))
        .with_hint(format!(
            "`git agent wait {id}`, then `git agent review {id}`"
        )));
    }
    if session.path().is_none() || session.state(repo) == State::Broken {
        return Err(Error::refused(format!(
            "session '{id}' has no worktree to review in"
        )));
    }
    session::save(repo, session, "review")?;
    *session = session::resolve(repo, Some(id.as_str()))?;
    let snap = session
        .snapshot
        .ok_or_else(|| Error::internal(format!("session '{id}' has no snapshot")))?;
    if repo.resolve_tree(snap)? == repo.resolve_tree(session.base)? {
        return Err(
            Error::refused(format!("session '{id}' has no change to review")).with_hint(format!(
                "`git agent diff {id}` is empty: run an agent in it first"
            )),
        );
    }
    Ok(snap)
}

/// Where one review's reviewer writes: a private temporary directory
/// outside the worktree (a write inside it would break the read-only
/// rule) that Codex's `workspace-write` sandbox can write (`$TMPDIR`).
struct Files {
    _dir: tempfile::TempDir,
    verdict: PathBuf,
    stdout: PathBuf,
}

impl Files {
    fn new() -> Result<Files> {
        let dir = tempfile::Builder::new()
            .prefix("git-agent-review-")
            .tempdir()
            .doing(|| "cannot make a temporary directory for the review".to_string())?;
        Ok(Files {
            verdict: dir.path().join("verdict.json"),
            stdout: dir.path().join("stdout.txt"),
            _dir: dir,
        })
    }
}

/// Review the session `id` (already [`prepare`]d, its snapshot `of`) and
/// record the review. `ready` is signalled once the first reviewer runs.
pub fn review(
    repo: &Repo,
    session: &Session,
    of: gix::ObjectId,
    reviewer: &Reviewer,
    mode: Mode,
    ready: Option<Ready>,
) -> Result<Review> {
    let id = &session.id;
    // Held until the verdict is recorded, so `wait` does not return in the
    // gap between the reviewer's run and its retry or the record.
    let _reviewing = repo.lock(&super::lock_name(id))?;
    let files = Files::new()?;
    let file = files.verdict.display().to_string();
    let first = compose(repo, session, of, reviewer, &file)?;
    keep_task(repo, id)?;
    let mut attempt = run_reviewer(repo, id, reviewer, mode, &first, &files, ready)?;
    let mut asked = first.clone();
    if attempt.violation.is_none()
        && let Err(why) = &attempt.found
    {
        anstream::eprintln!(
            "The reviewer of session {id} gave no valid verdict ({why}); asking once more."
        );
        asked = prompt::retry(&first, why, &file);
        attempt = run_reviewer(repo, id, reviewer, mode, &asked, &files, None)?;
    }
    let verdict = match (&attempt.violation, &attempt.found) {
        (Some(e), _) => {
            crate::output::report(e);
            Findings::empty(Verdict::Violation)
        }
        (None, Ok(found)) => found.clone(),
        (None, Err(why)) => {
            crate::output::report(&Error::refused(format!(
                "the reviewer of session '{id}' gave no valid verdict twice ({why}); the review is recorded as invalid"
            )));
            Findings::empty(Verdict::Invalid)
        }
    };
    crate::fault::point("review:ran");
    let review = verdict.into_review(attempt.agent.clone(), of);
    record(repo, id, &review, &asked, &attempt.output)?;
    Ok(review)
}

/// The reviewer's first prompt.
fn compose(
    repo: &Repo,
    session: &Session,
    of: gix::ObjectId,
    reviewer: &Reviewer,
    file: &str,
) -> Result<String> {
    let checklist = checklist(repo, reviewer.checklist)?;
    let (base, of) = (session.base.to_string(), of.to_string());
    let diff = |stat: Option<&str>| -> Result<String> {
        let mut args = vec!["diff", "--no-color", "--no-ext-diff", "--no-textconv", "-M"];
        args.extend(stat);
        args.extend([base.as_str(), of.as_str()]);
        Ok(String::from_utf8_lossy(&repo.git().run_bytes(args)?).into_owned())
    };
    let rules = ["AGENTS.md", "CLAUDE.md"]
        .into_iter()
        .filter(|name| session.meta.worktree.join(name).is_file())
        .map(str::to_owned)
        .collect();
    let whole = diff(None)?;
    let mut subject = Subject {
        id: session.id.as_str(),
        task: session.meta.task_prompt(),
        scope: &session.meta.scope,
        diff: &whole,
        rules,
        whole_diff: None,
    };
    let nonce = format!("{:016x}", getrandom::u64().unwrap_or(0x5eed));
    let text = prompt::reviewer(&subject, &checklist, file, &nonce);
    if text.len() <= prompt::MAX_PROMPT {
        return Ok(text);
    }
    // Too large to pass: the summary, and the command that prints it whole
    // (the snapshot is in the repository the worktree shares).
    let stat = diff(Some("--stat=200"))?;
    subject.diff = &stat;
    subject.whole_diff = Some(format!("git diff --no-ext-diff -M {base} {of}"));
    Ok(prompt::reviewer(&subject, &checklist, file, &nonce))
}

/// The checklist: `--checklist`, else the file `agent.reviewChecklist`
/// names (relative to the main worktree), else the built-in one.
fn checklist(repo: &Repo, flag: Option<&Path>) -> Result<String> {
    let key = crate::config::REVIEW_CHECKLIST.name;
    let (path, from) = match (flag, repo.config.string(key).filter(|s| !s.is_empty())) {
        (Some(p), _) => (p.to_path_buf(), "--checklist".to_owned()),
        (None, Some(p)) => (repo.main_worktree.join(p), key.to_owned()),
        (None, None) => return Ok(prompt::CHECKLIST.to_owned()),
    };
    std::fs::read_to_string(&path).map_err(|e| {
        Error::refused(format!(
            "cannot read the checklist {} ({from}): {e}",
            path.display()
        ))
    })
}

/// Keep the task prompt in `task` before a reviewer's run records its own.
pub fn keep_task(repo: &Repo, id: &Id) -> Result<()> {
    session::modify(repo, id, |meta| {
        if meta.task.is_none() {
            meta.task = meta.prompt.clone();
        }
    })
    .map(drop)
}

/// What one run of the reviewer gave.
struct Attempt {
    found: std::result::Result<Findings, String>,
    violation: Option<Error>,
    output: String,
    agent: Option<String>,
}

fn run_reviewer(
    repo: &Repo,
    id: &Id,
    reviewer: &Reviewer,
    mode: Mode,
    prompt: &str,
    files: &Files,
    ready: Option<Ready>,
) -> Result<Attempt> {
    let _ = std::fs::remove_file(&files.verdict);
    let agent = agent_name(repo, reviewer);
    let req = Request {
        agent: agent.as_deref(),
        prompt: Some(prompt),
        prompt_file: None,
        command: reviewer.command,
        timeout: reviewer.timeout,
        read_only: true,
    };
    let mut plan = runs::plan(repo, &req)?;
    plan.env.push((
        "GIT_AGENT_REVIEW_FILE".into(),
        files.verdict.display().to_string(),
    ));
    plan.capture = Some(Capture {
        file: files.stdout.clone(),
        echo: mode.echo,
    });
    let mut session = session::resolve(repo, Some(id.as_str()))?;
    let watched = runs::start_watched(repo, &mut session, &plan, mode.attached, ready)?;
    if let Some(reason @ (Reason::Interrupted | Reason::Stopped)) = watched.reason {
        return Err(Error::refused(format!(
            "the reviewer of session '{id}' was {reason}; no review was recorded"
        )));
    }
    let output =
        String::from_utf8_lossy(&std::fs::read(&files.stdout).unwrap_or_default()).into_owned();
    let file = std::fs::read(&files.verdict)
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    Ok(Attempt {
        found: contract::read(file.as_deref(), &output),
        violation: watched.violation,
        output,
        agent: plan.agent,
    })
}

/// The agent to run: `-a <name>`; else (no command given) `agent.reviewer`;
/// else `None`, which the plan turns into `agent.default`.
fn agent_name(repo: &Repo, reviewer: &Reviewer) -> Option<String> {
    if !reviewer.command.is_empty() {
        return reviewer.agent.map(str::to_owned);
    }
    reviewer
        .agent
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .or_else(|| {
            repo.config
                .string(crate::config::REVIEWER.name)
                .filter(|s| !s.is_empty())
        })
}

/// Record the review in the session's history, then as its latest review
/// (an approval starts the `fix` cycle count again).
fn record(repo: &Repo, id: &Id, review: &Review, prompt: &str, output: &str) -> Result<()> {
    history::append(repo, id, review, prompt, output)?;
    crate::fault::point("review:history-added");
    session::modify(repo, id, |meta| {
        meta.review = Some(review.clone());
        if review.verdict == Verdict::Approved {
            meta.fixes = 0;
        }
    })
    .map(drop)
}

impl Findings {
    fn empty(verdict: Verdict) -> Findings {
        Findings {
            verdict,
            blocking: Vec::new(),
            should_fix: Vec::new(),
            nits: Vec::new(),
            scope_violations: Vec::new(),
        }
    }

    fn into_review(self, agent: Option<String>, of: gix::ObjectId) -> Review {
        Review {
            verdict: self.verdict,
            blocking: self.blocking,
            should_fix: self.should_fix,
            nits: self.nits,
            scope_violations: self.scope_violations,
            agent,
            at: session::now(),
            of: of.to_string(),
        }
    }
}
