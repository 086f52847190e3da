//! `agent.notify`: a shell command run whenever a run ends, told which
//! session and how through `GIT_AGENT_ID`, `GIT_AGENT_STATE`,
//! `GIT_AGENT_EXIT_CODE` and `GIT_AGENT_REASON` (empty where the JSON has
//! null). It runs in the main worktree with its output on stderr; when it
//! fails, that is said on stderr and nothing else changes: the run is
//! recorded as it ended before it starts.

use crate::git::Git;
use crate::repo::Repo;
use crate::session::Session;

/// Run `agent.notify`, if set, for the session whose run just ended.
pub fn run_ended(repo: &Repo, session: &Session) {
    let Some(command) = repo.config.string(crate::config::NOTIFY.name) else {
        return;
    };
    if command.trim().is_empty() {
        return;
    }
    let run = session.meta.run.as_ref();
    let code = run
        .and_then(|r| r.exit_code)
        .map(|c| c.to_string())
        .unwrap_or_default();
    let reason = run
        .and_then(|r| r.reason)
        .map(|r| r.as_str())
        .unwrap_or_default();
    let result = Git::new(&repo.main_worktree)
        .env("GIT_AGENT_ID", session.id.as_str())
        .env("GIT_AGENT_STATE", session.meta.state.as_str())
        .env("GIT_AGENT_EXIT_CODE", code)
        .env("GIT_AGENT_REASON", reason)
        .shell(&command);
    if let Err(e) = result {
        crate::output::warn(&format!(
            "agent.notify for session '{}': {}",
            session.id, e.message
        ));
    }
}
