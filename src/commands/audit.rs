//! `git agent audit [<range>] [--require] [--json]`: every commit of a
//! range with its provenance from `refs/notes/agents`, or `none`.

use serde_json::{Value, json};

use crate::cli::AuditArgs;
use crate::error::{Error, Result};
use crate::repo::Repo;
use crate::session::NOTES_REF;

/// One commit and what its note says.
struct Entry {
    commit: String,
    subject: String,
    session: Option<String>,
    agent: Option<String>,
    prompt: Option<String>,
    review: Option<String>,
    /// When the session's run started, else when the note was written.
    at: Option<String>,
}

pub fn run(repo: &Repo, args: &AuditArgs) -> Result<i32> {
    let entries = read(repo, args.range.as_deref())?;
    if args.json {
        let doc: Vec<Value> = entries.iter().map(to_json).collect();
        println!("{:#}", Value::Array(doc));
    } else {
        for e in &entries {
            println!("{}", line(e));
        }
    }
    let missing = entries.iter().filter(|e| e.session.is_none()).count();
    if args.require && missing > 0 {
        return Err(Error::refused(format!(
            "{missing} of {} commit{} ha{} no provenance",
            entries.len(),
            if entries.len() == 1 { "" } else { "s" },
            if missing == 1 { "s" } else { "ve" }
        ))
        .with_hint("commits made by git agent keep --squash/--commit, land and sync carry a note in refs/notes/agents"));
    }
    Ok(0)
}

/// The commits of the range (default: HEAD's not on its upstream, else the
/// last 50), newest first, with their notes.
fn read(repo: &Repo, range: Option<&str>) -> Result<Vec<Entry>> {
    let git = repo.git();
    let mut args: Vec<String> = vec![
        "log".into(),
        format!("--notes={NOTES_REF}"),
        "--format=%H%x00%s%x00%N%x1e".into(),
    ];
    match range {
        Some(r) => {
            if r.starts_with('-') {
                return Err(Error::usage(format!("'{r}' is not a revision range")));
            }
            args.push(r.into());
        }
        None => {
            let upstream = git
                .output(["rev-parse", "-q", "--verify", "@{upstream}"])?
                .status
                .success();
            if upstream {
                args.push("@{upstream}..HEAD".into());
            } else {
                args.extend(["-n".into(), "50".into(), "HEAD".into()]);
            }
        }
    }
    args.push("--".into());
    let out = git.output(&args)?;
    if !out.status.success() {
        return Err(Error::refused(format!(
            "cannot read the range {}: {}",
            range.unwrap_or("HEAD"),
            crate::error::one_line(&out.stderr)
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text
        .split('\x1e')
        .filter_map(|record| parse(record.trim_start_matches('\n')))
        .collect())
}

fn parse(record: &str) -> Option<Entry> {
    let mut fields = record.splitn(3, '\0');
    let commit = fields.next()?.trim().to_owned();
    if commit.is_empty() {
        return None;
    }
    let subject = fields.next().unwrap_or("").to_owned();
    let note: toml::Table = toml::from_str(fields.next().unwrap_or("").trim()).unwrap_or_default();
    let text = |key: &str| note.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let review = note.get("review").and_then(|v| match v {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Table(t) => t.get("verdict").and_then(|v| v.as_str()).map(str::to_owned),
        _ => None,
    });
    Some(Entry {
        session: text("session"),
        agent: text("agent"),
        prompt: text("prompt"),
        at: text("ran").or_else(|| text("recorded")),
        review,
        commit,
        subject,
    })
}

fn to_json(e: &Entry) -> Value {
    json!({
        "commit": e.commit,
        "subject": e.subject,
        "session": e.session,
        "agent": e.agent,
        "prompt": e.prompt,
        "review": e.review,
    })
}

/// `<short> <subject>` then the provenance, or `none`.
fn line(e: &Entry) -> String {
    let short = &e.commit[..e.commit.len().min(7)];
    let subject = crate::output::quoted(&e.subject);
    let Some(session) = &e.session else {
        return format!("{short} {subject}\n    none");
    };
    let mut out = format!(
        "{short} {subject}\n    session {}",
        crate::output::quoted(session)
    );
    if let Some(agent) = &e.agent {
        out.push_str(&format!(", agent {}", crate::output::quoted(agent)));
    }
    out.push_str(&format!(
        ", review {}",
        crate::output::quoted(e.review.as_deref().unwrap_or("none"))
    ));
    // Notes arrive from remotes too: what they say is quoted, never a
    // terminal escape sequence.
    if let Some(at) = &e.at {
        out.push_str(&format!(", at {}", crate::output::quoted(at)));
    }
    if let Some(prompt) = &e.prompt {
        let first = prompt.lines().next().unwrap_or("");
        out.push_str(&format!("\n    prompt: {}", crate::output::quoted(first)));
    }
    out
}
