//! The landing queue below `land` and `sync`: many sessions brought home as
//! commits on the current branch of one checkout, one after another.
//!
//! - [`candidates`]: which sessions, each snapshotted afresh (objects only
//!   for `--dry-run`), with the reasons the others are skipped;
//! - [`order`]: the order, from the candidates' overlaps, so that as many
//!   land as possible;
//! - [`step`]: one session decided three-way against the branch as the
//!   previous landings left it (in the object database), tested in a
//!   scratch checkout ([`scratch`]), then written atomically (files and
//!   index for the paths the caller has not touched, HEAD compare-and-swap);
//! - [`sync`]: a session brought up to date with the caller's branch in its
//!   own worktree, its base moved to the commit merged in.

pub mod candidates;
pub mod order;
pub mod scratch;
pub mod step;
pub mod sync;

use serde_json::{Value, json};

/// What happened to one session in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Landed,
    Conflict,
    TestFailed,
    Skipped,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Landed => "landed",
            Outcome::Conflict => "conflict",
            Outcome::TestFailed => "test-failed",
            Outcome::Skipped => "skipped",
        }
    }

    /// Conflicts and failed tests make `land` exit 1; skipped ones do not.
    pub fn failed(self) -> bool {
        matches!(self, Outcome::Conflict | Outcome::TestFailed)
    }
}

/// One line of `land`'s result.
#[derive(Debug, Clone)]
pub struct Report {
    pub session: String,
    pub outcome: Outcome,
    /// The commit the branch moved to, when it landed with one.
    pub commit: Option<gix::ObjectId>,
    pub paths: Vec<String>,
    pub reason: Option<String>,
}

impl Report {
    pub fn new(session: &str, outcome: Outcome) -> Report {
        Report {
            session: session.to_owned(),
            outcome,
            commit: None,
            paths: Vec::new(),
            reason: None,
        }
    }

    pub fn skipped(session: &str, reason: impl Into<String>) -> Report {
        Report {
            reason: Some(reason.into()),
            ..Report::new(session, Outcome::Skipped)
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "session": self.session,
            "result": self.outcome.as_str(),
            "commit": self.commit.map(|c| c.to_string()),
            "paths": self.paths,
            "reason": self.reason,
        })
    }

    /// The line for people: `landed <id> <short commit>`, `conflict <id>:
    /// <paths>`, `test-failed <id>`, `skipped <id>: <reason>`.
    pub fn line(&self) -> String {
        let id = crate::output::quoted(&self.session);
        match self.outcome {
            Outcome::Landed => match self.commit {
                Some(c) => format!("landed {id} {}", &c.to_string()[..7]),
                None => match &self.reason {
                    Some(r) => format!("landed {id} ({r})"),
                    None => format!("landed {id}"),
                },
            },
            Outcome::Conflict => {
                let paths: Vec<String> = self
                    .paths
                    .iter()
                    .map(|p| crate::output::quote_path(p).into_owned())
                    .collect();
                match &self.reason {
                    Some(r) => format!("conflict {id}: {} ({r})", paths.join(", ")),
                    None => format!("conflict {id}: {}", paths.join(", ")),
                }
            }
            Outcome::TestFailed => format!("test-failed {id}"),
            Outcome::Skipped => format!(
                "skipped {id}: {}",
                crate::output::quoted(self.reason.as_deref().unwrap_or(""))
            ),
        }
    }
}
