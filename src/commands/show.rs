//! `git agent show <id>`: everything known about one session.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use anstream::println;

use crate::cli::ShowArgs;
use crate::error::Result;
use crate::output;
use crate::repo::Repo;
use crate::session::{self, Meta, Session};
use crate::view::Report;

/// How many of the log's last lines `show` prints.
const TAIL_LINES: usize = 10;

pub fn run(repo: &Repo, args: &ShowArgs) -> Result<i32> {
    let session = session::resolve(repo, args.id.as_deref())?;
    let report = Report::measure(repo, &session)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report.to_json()).unwrap_or_default()
        );
        return Ok(0);
    }
    if report.state == crate::session::State::Broken {
        let hint = crate::session::interrupted_hint(&session).unwrap_or_else(|| {
            format!(
                "session {} is broken: its worktree or branch is gone; `git agent discard {}` saves what is left and cleans up (then `git agent restore {}` to work on it again)",
                session.id, session.id, session.id
            )
        });
        anstream::eprintln!("hint: {hint}");
    }
    print_fields(&session, &report);
    print_run(&session.meta);
    if let Some(usage) = session.meta.run.as_ref().and_then(|r| r.usage.as_ref()) {
        field("usage", &crate::usage::describe(usage));
    }
    let log = repo.state().run_log(session.id.as_str());
    if let Some(tail) = log_tail(&log, TAIL_LINES) {
        path_field("log", &log);
        for line in tail {
            println!("          {}", output::quoted(&line));
        }
    }
    if let Some(snap) = session.snapshot {
        field("snapshot", &snap.to_string());
    }
    print_changes(&report);
    print_review(&report.review);
    if let Some(land) = &session.meta.land {
        field(
            "land",
            &format!("{} {} ({})", land.result, land.paths.join(", "), land.at),
        );
    }
    Ok(0)
}

/// The latest review: verdict, who and when, and its items.
fn print_review(review: &serde_json::Value) {
    let Some(verdict) = review["verdict"].as_str() else {
        return;
    };
    let stale = if review["stale"] == true {
        " (stale: the change moved since)"
    } else {
        ""
    };
    let by = review["agent"]
        .as_str()
        .map(|a| format!(" by {a}"))
        .unwrap_or_default();
    let at = review["at"].as_str().unwrap_or_default();
    field("review", &format!("{verdict}{by} at {at}{stale}"));
    for key in ["blocking", "scope_violations", "should_fix", "nits"] {
        for item in review[key].as_array().into_iter().flatten() {
            let text = item.as_str().unwrap_or_default();
            println!("          {key}: {}", output::quoted(text));
        }
    }
}

// Everything shown but the id and object ids may come from another clone
// or an agent: control characters are quoted (`output::quoted`).

/// One `name     value` line, the value quoted for the terminal.
fn field(name: &str, value: &str) {
    println!("{name:<9} {}", output::quoted(value));
}

/// One `name     path` line, the path quoted as git quotes paths.
fn path_field(name: &str, path: &Path) {
    println!(
        "{name:<9} {}",
        output::quote_path(&path.display().to_string())
    );
}

/// The session's identity, places, times and what it was asked to do.
fn print_fields(session: &Session, report: &Report) {
    let meta = &session.meta;
    let style = crate::view::state_style(report.state);
    field("session", session.id.as_str());
    println!("{:<9} {style}{}{style:#}", "state", report.state);
    field("branch", &meta.branch);
    match session.path() {
        Some(path) => path_field("path", path),
        None => println!(
            "{:<9} (none; was {})",
            "path",
            output::quote_path(&meta.worktree.display().to_string())
        ),
    }
    field("base", &session.base.to_string());
    path_field("origin", &meta.origin);
    field(
        "created",
        &format!("{} ({} ago)", meta.created, crate::time::age(&meta.created)),
    );
    field("updated", &meta.updated);
    if !meta.scope.is_empty() {
        let scope: Vec<_> = meta.scope.iter().map(|g| output::quote_path(g)).collect();
        println!("{:<9} {}", "scope", scope.join(" "));
    }
    if let Some(agent) = &meta.agent {
        field("agent", agent);
    }
    if let Some(command) = &meta.command {
        field("command", &shell_words::join(command));
    }
    match (&meta.task, &meta.prompt) {
        // The last run was a review or a fix: the task, and the size of the
        // prompt composed for that run (`show --json` has it whole).
        (Some(task), Some(prompt)) if task != prompt => {
            field("task", task);
            println!(
                "{:<9} (composed for the last run: {} lines; see show --json)",
                "prompt",
                prompt.lines().count()
            );
        }
        (_, Some(prompt)) => field("prompt", prompt),
        (Some(task), None) => field("task", task),
        (None, None) => {}
    }
}

/// The last run: when it started and ended, its exit code, who ended it.
fn print_run(meta: &Meta) {
    let Some(run) = &meta.run else {
        return;
    };
    let end = match (&run.ended, run.exit_code) {
        (Some(ended), Some(code)) => format!(", ended {ended}, exit {code}"),
        (Some(ended), None) => format!(", ended {ended}"),
        _ => String::new(),
    };
    let reason = run
        .reason
        .as_ref()
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    field("run", &format!("started {}{end}{reason}", run.started));
}

/// The change counts and the changed paths, those outside the scope marked.
fn print_changes(report: &Report) {
    let c = &report.changes;
    field(
        "changes",
        &format!(
            "{} file{}, +{} -{}",
            c.files,
            if c.files == 1 { "" } else { "s" },
            c.insertions,
            c.deletions
        ),
    );
    for path in &c.paths {
        let mark = if report.out_of_scope.contains(path) {
            "  (out of scope)"
        } else {
            ""
        };
        println!("          {}{mark}", output::quote_path(path));
    }
}

/// The last `n` lines of a run log (`None` when there is no log); reads at
/// most the last 64 KiB, so a huge log costs nothing.
fn log_tail(path: &Path, n: usize) -> Option<Vec<String>> {
    let mut file = std::fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let from = len.saturating_sub(64 * 1024);
    file.seek(SeekFrom::Start(from)).ok()?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let mut lines: Vec<&str> = text.lines().collect();
    if from > 0 && !lines.is_empty() {
        lines.remove(0); // most likely cut in the middle
    }
    let skip = lines.len().saturating_sub(n);
    Some(
        lines[skip..]
            .iter()
            .map(|l| l.trim_end_matches('\r').to_owned())
            .collect(),
    )
}
