//! How a session is presented: its live change counts, scope check and the
//! documented JSON object shared by `new`, `list` and `show`.

use anstyle::{AnsiColor, Style};
use serde_json::{Value, json};

use crate::error::Result;
use crate::repo::Repo;
use crate::session::{Changes, Session, State};
use crate::snapshot;

/// A session with what was measured about it now.
pub struct Report<'a> {
    pub session: &'a Session,
    pub state: State,
    /// The local worktree, when the session has one (see [`Session::path`]).
    pub path: Option<&'a std::path::Path>,
    pub changes: Changes,
    pub out_of_scope: Vec<String>,
    /// The latest review as `"review"` in the JSON (with `stale`), or null.
    pub review: Value,
}

impl<'a> Report<'a> {
    /// Measure a session: live from its worktree when it has one, else from
    /// its latest snapshot.
    pub fn measure(repo: &Repo, session: &'a Session) -> Result<Report<'a>> {
        let located = session.locate(repo);
        let live = live_path(located).map(|path| live_changes(path, session.base));
        Report::with_live(repo, session, located, live)
    }

    /// Like [`Report::measure`] with the live counts already computed
    /// (`None`: no live worktree; `Some(None)`: gix could not count them).
    /// `located` is what [`Session::locate`] said.
    pub fn with_live(
        repo: &Repo,
        session: &'a Session,
        located: (State, Option<&'a std::path::Path>),
        live: Option<Option<Changes>>,
    ) -> Result<Report<'a>> {
        let (state, path) = located;
        let measured = match (live, live_path(located)) {
            (Some(Some(changes)), _) => Some(changes),
            // Another process may be removing the worktree right now: then
            // the counts recorded with its snapshot are the answer.
            (_, Some(path)) => snapshot::capture(repo, path)
                .and_then(|now| snapshot::changes(repo, session.base, now.full_tree))
                .ok(),
            _ => None,
        };
        let changes = match (measured, &session.meta.changes, session.snapshot) {
            (Some(changes), _, _) => changes,
            (None, Some(recorded), _) => recorded.clone(),
            (None, None, Some(snap)) => snapshot::changes(repo, session.base, snap)?,
            (None, None, None) => Changes::default(),
        };
        let out_of_scope = out_of_scope(&session.meta.scope, &changes.paths);
        // Counted live, and not what was recorded with the latest snapshot:
        // the worktree moved since (a hand edit no run snapshotted yet).
        let live_moved = live_path(located).is_some()
            && session
                .meta
                .changes
                .as_ref()
                .is_some_and(|recorded| *recorded != changes);
        Ok(Report {
            session,
            state,
            path,
            changes,
            out_of_scope,
            review: review_json(repo, session, live_moved),
        })
    }

    /// The session object of the JSON schema (see README, "JSON").
    pub fn to_json(&self) -> Value {
        let meta = &self.session.meta;
        let run = meta.run.as_ref().map(|run| {
            json!({
                "pid": run.pid,
                "started": run.started,
                "ended": run.ended,
                "exit_code": run.exit_code,
                "reason": run.reason,
                "log": run.log,
                "usage": run.usage,
            })
        });
        json!({
            "id": self.session.id.as_str(),
            "state": self.state.as_str(),
            "branch": meta.branch,
            "path": self.path,
            "base": self.session.base.to_string(),
            "origin": meta.origin,
            "created": meta.created,
            "updated": meta.updated,
            "agent": meta.agent,
            "command": meta.command,
            "prompt": meta.prompt,
            "scope": meta.scope,
            "run": run,
            "snapshot": self.session.snapshot.map(|s| s.to_string()),
            "fetched": self.session.foreign,
            "changes": {
                "files": self.changes.files,
                "insertions": self.changes.insertions,
                "deletions": self.changes.deletions,
                "out_of_scope": self.out_of_scope,
            },
            "review": self.review,
            "land": meta.land,
        })
    }
}

/// The session's latest review as the JSON has it, `stale` computed now:
/// its latest snapshot is not the tree reviewed, or (`live_moved`) the
/// worktree's live counts or paths differ from those recorded with it.
fn review_json(repo: &Repo, session: &Session, live_moved: bool) -> Value {
    let Some(review) = &session.meta.review else {
        return Value::Null;
    };
    let mut value = serde_json::to_value(review).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.entry("agent").or_insert(Value::Null);
        map.insert(
            "stale".into(),
            (live_moved || crate::review::is_stale(repo, session, review)).into(),
        );
    }
    value
}

/// The worktree whose live state counts, when the session has a usable
/// one, from what [`Session::locate`] said.
pub fn live_path((state, path): (State, Option<&std::path::Path>)) -> Option<&std::path::Path> {
    path.filter(|_| state != State::Broken)
}

/// Live counts through gix, in process and without writing anything;
/// `None` where gix cannot (sparse index…) and git must be asked instead.
pub fn live_changes(path: &std::path::Path, base: gix::ObjectId) -> Option<Changes> {
    let stats = crate::livestat::change_stats(path, base).ok()?;
    Some(Changes {
        files: stats.files,
        insertions: stats.insertions,
        deletions: stats.deletions,
        paths: stats.paths,
    })
}

/// Paths not matched by any scope glob (none when there is no scope).
pub fn out_of_scope(scope: &[String], paths: &[String]) -> Vec<String> {
    if scope.is_empty() {
        return Vec::new();
    }
    paths
        .iter()
        .filter(|p| !scope.iter().any(|g| in_scope(g, p)))
        .cloned()
        .collect()
}

/// git's glob pathspec rules: `*` stays within a directory, `**` crosses
/// them, and a pattern also matches everything below a directory it names.
fn in_scope(glob: &str, path: &str) -> bool {
    use gix::glob::wildmatch::Mode;
    let glob = glob.trim_start_matches("./");
    let dir = glob.trim_end_matches('/');
    path.starts_with(&format!("{dir}/"))
        || gix::glob::wildmatch(glob.into(), path.into(), Mode::NO_MATCH_SLASH_LITERAL)
}

/// The colour a state is shown in.
pub fn state_style(state: State) -> Style {
    let color = match state {
        State::Active => AnsiColor::Cyan,
        State::Running => AnsiColor::Blue,
        State::Done | State::Kept => AnsiColor::Green,
        State::Failed | State::Broken => AnsiColor::Red,
        State::Discarded => AnsiColor::BrightBlack,
    };
    Style::new().fg_color(Some(color.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_globs_follow_git_pathspec_glob_rules() {
        let paths: Vec<String> = [
            "src/a.rs",
            "src/x/b.rs",
            "docs/a.md",
            "docs/x/b.md",
            "README.md",
            "Cargo.toml",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            out_of_scope(&["src/**".into()], &paths),
            ["docs/a.md", "docs/x/b.md", "README.md", "Cargo.toml"]
        );
        assert_eq!(
            out_of_scope(&["docs/*".into(), "*.md".into()], &paths),
            ["src/a.rs", "src/x/b.rs", "docs/x/b.md", "Cargo.toml"]
        );
        assert_eq!(
            out_of_scope(&["src".into(), "Cargo.toml".into()], &paths),
            ["docs/a.md", "docs/x/b.md", "README.md"]
        );
        assert!(out_of_scope(&[], &paths).is_empty());
    }
}
