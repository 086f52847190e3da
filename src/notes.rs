//! Provenance notes in `refs/notes/agents`: which session, agent and prompt
//! produced a commit. `git log --notes=agents` shows them.

use crate::error::Result;
use crate::repo::Repo;
use crate::session::{NOTES_REF, Session, now};

/// The TOML note for commits a session produced.
pub fn text(session: &Session, how: &str) -> String {
    let meta = &session.meta;
    let mut table = toml::Table::new();
    table.insert("session".into(), session.id.as_str().into());
    table.insert("how".into(), how.into());
    if let Some(agent) = &meta.agent {
        table.insert("agent".into(), agent.as_str().into());
    }
    if let Some(command) = &meta.command {
        table.insert(
            "command".into(),
            toml::Value::Array(command.iter().map(|c| c.as_str().into()).collect()),
        );
    }
    if let Some(prompt) = &meta.prompt {
        table.insert("prompt".into(), prompt.as_str().into());
    }
    if let Some(review) = &meta.review {
        table.insert("review".into(), review.verdict.as_str().into());
        table.insert("reviewed".into(), review.at.as_str().into());
        table.insert("reviewed_of".into(), review.of.as_str().into());
    }
    table.insert("base".into(), session.base.to_string().into());
    if let Some(usage) = meta.run.as_ref().and_then(|r| r.usage.as_ref()) {
        let mut used = toml::Table::new();
        used.insert("tokens".into(), (usage.tokens as i64).into());
        if let Some(cost) = usage.cost_usd {
            used.insert("cost_usd".into(), cost.into());
        }
        table.insert("usage".into(), used.into());
    }
    table.insert("created".into(), meta.created.as_str().into());
    table.insert("recorded".into(), now().into());
    if let Some(run) = &meta.run {
        table.insert("ran".into(), run.started.as_str().into());
    }
    toml::to_string(&table).unwrap_or_default()
}

/// Attach `note` to each commit. `git notes add` does not compare-and-swap
/// its ref, so concurrent writers are serialized with a lock of our own.
pub fn add(repo: &Repo, commits: &[gix::ObjectId], note: &str) -> Result<()> {
    if commits.is_empty() {
        return Ok(());
    }
    ensure_rewrite_ref(repo)?;
    let _lock = repo.lock("notes")?;
    let git = repo.git().as_git_agent();
    for commit in commits {
        git.run_stdin(
            [
                "notes",
                &format!("--ref={NOTES_REF}"),
                "add",
                "-f",
                "-F",
                "-",
                &commit.to_string(),
            ],
            note.as_bytes(),
        )?;
    }
    Ok(())
}

/// `notes.rewriteRef` includes our notes, so they follow rebases and amends.
pub fn ensure_rewrite_ref(repo: &Repo) -> Result<()> {
    // Once a process: the config read at start does not see an entry this
    // process added (`land` notes many commits).
    static ADDED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if ADDED.load(std::sync::atomic::Ordering::Relaxed) {
        return Ok(());
    }
    if repo
        .config
        .strings("notes.rewriteRef")
        .iter()
        .any(|r| r == NOTES_REF)
    {
        return Ok(());
    }
    repo.git()
        .run(["config", "--add", "notes.rewriteRef", NOTES_REF])?;
    ADDED.store(true, std::sync::atomic::Ordering::Relaxed);
    Ok(())
}
