//! `git agent review <id>…`: a read-only reviewer per session, in
//! parallel, each verdict recorded with its session (see
//! [`crate::review::wave`]); and the hidden `__review` that runs one
//! detached review to its recorded verdict.

use anstream::println;

use crate::cli::ReviewArgs;
use crate::error::{Error, Result};
use crate::repo::Repo;
use crate::review::wave::{self, Mode, Reviewer};
use crate::review::{Review, Verdict};
use crate::runs::{self, Ready};
use crate::session::{self, Session};

pub fn run(repo: &Repo, args: &ReviewArgs) -> Result<i32> {
    check_args(args)?;
    let mut sessions: Vec<Session> = Vec::new();
    for id in &args.ids {
        let session = session::resolve(repo, Some(id))?;
        if !sessions.iter().any(|s| s.id == session.id) {
            sessions.push(session);
        }
    }
    if args.detach {
        return detach_all(repo, args, sessions);
    }
    let single = sessions.len() == 1;
    let mode = Mode {
        attached: single,
        echo: single,
    };
    let reviewer = reviewer(args);
    if single {
        let mut session = sessions.remove(0);
        let result = review_one(repo, &mut session, &reviewer, mode);
        return Ok(summarize(&[(session, result)]));
    }
    // One thread per session, each with its own repository handle (gix's
    // is not shared between threads). The config setting every read-only
    // run makes sure of is made first, once: made by each thread, it would
    // be added twice, and a change to the config under the others' runs.
    crate::notes::ensure_rewrite_ref(repo)?;
    let cwd = repo.current_worktree.clone();
    let results: Vec<(Session, Result<Review>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = sessions
            .into_iter()
            .map(|mut session| {
                let (reviewer, cwd) = (&reviewer, &cwd);
                scope.spawn(move || {
                    let result = Repo::discover(cwd)
                        .and_then(|repo| review_one(&repo, &mut session, reviewer, mode));
                    (session, result)
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    Ok(summarize(&results))
}

fn review_one(
    repo: &Repo,
    session: &mut Session,
    reviewer: &Reviewer,
    mode: Mode,
) -> Result<Review> {
    let of = wave::prepare(repo, session)?;
    wave::review(repo, session, of, reviewer, mode, None)
}

/// Internal: one detached review (`review --detach` starts one per session),
/// its output in the session's log.
pub fn worker(repo: &Repo, args: &ReviewArgs) -> Result<i32> {
    let ready = if args.ready_on_stdin {
        Some(Ready::from_stdin()?)
    } else {
        None
    };
    let mut session = session::resolve(repo, args.ids.first().map(String::as_str))?;
    let mode = Mode {
        attached: false,
        echo: true,
    };
    let result = wave::prepare(repo, &mut session)
        .and_then(|of| wave::review(repo, &session, of, &reviewer(args), mode, ready));
    Ok(summarize(&[(session, result)]))
}

/// Usage errors, before anything runs.
fn check_args(args: &ReviewArgs) -> Result<()> {
    if args.agent.is_some() && !args.command.is_empty() {
        return Err(Error::usage(
            "give either -a <agent> or a command after --, not both",
        ));
    }
    if let Some(t) = &args.timeout {
        runs::parse_duration(t)?;
    }
    Ok(())
}

fn reviewer(args: &ReviewArgs) -> Reviewer<'_> {
    Reviewer {
        agent: args.agent.as_deref(),
        command: &args.command,
        checklist: args.checklist.as_deref(),
        timeout: args.timeout.as_deref(),
    }
}

/// One line per session (`<id>  <verdict>  <counts>`), each failure
/// reported; the exit code: 0 when every session got a valid verdict.
fn summarize(results: &[(Session, Result<Review>)]) -> i32 {
    let mut code = 0;
    for (session, result) in results {
        match result {
            Ok(review) => {
                if matches!(review.verdict, Verdict::Invalid | Verdict::Violation) {
                    code = 1;
                }
                println!(
                    "{}\t{}\t{} blocking, {} should_fix, {} nits, {} scope violations",
                    session.id,
                    review.verdict,
                    review.blocking.len(),
                    review.should_fix.len(),
                    review.nits.len(),
                    review.scope_violations.len()
                );
            }
            Err(e) => {
                crate::output::report(e);
                code = 1;
            }
        }
    }
    code
}

/// `--detach`: check each session as a foreground review would, then start
/// a background `git-agent __review` for it and return once its reviewer
/// runs (or the worker ended).
fn detach_all(repo: &Repo, args: &ReviewArgs, sessions: Vec<Session>) -> Result<i32> {
    let mut code = 0;
    for mut session in sessions {
        let started = wave::prepare(repo, &mut session).and_then(|_| detach(repo, args, &session));
        match started {
            Ok(log) => anstream::eprintln!(
                "Reviewing session {} in the background; output: {} — `git agent show {}` has the verdict once recorded.",
                session.id,
                log.display(),
                session.id
            ),
            Err(e) => {
                crate::output::report(&e);
                code = 1;
            }
        }
    }
    Ok(code)
}

fn detach(repo: &Repo, args: &ReviewArgs, session: &Session) -> Result<std::path::PathBuf> {
    let log = repo.state().run_log(session.id.as_str());
    let cwd = std::env::current_dir().unwrap_or_default();
    let started = runs::start_background(repo, &log, "__review", "the background review", |cmd| {
        cmd.arg(session.id.as_str());
        if let Some(agent) = &args.agent {
            cmd.arg(format!("--agent={agent}"));
        }
        if let Some(file) = &args.checklist {
            cmd.arg("--checklist").arg(cwd.join(file));
        }
        if let Some(t) = &args.timeout {
            cmd.arg("--timeout").arg(t);
        }
        if !args.command.is_empty() {
            cmd.arg("--").args(&args.command);
        }
    })?;
    started.wait_until_ready();
    Ok(log)
}
