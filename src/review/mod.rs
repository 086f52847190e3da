//! Reviews: a read-only reviewer's JSON verdict on a session's change, as
//! stored with the session (`Meta::review`) and read by `list`, `show`,
//! `fix`, `land` and the provenance notes.

use serde::{Deserialize, Serialize};

pub mod history;
pub mod prompt;
pub mod verdict;
pub mod wave;

use crate::repo::Repo;
use crate::session::Session;

/// What a review concluded. `approved` and `changes_requested` come from
/// the reviewer; `invalid` (no valid verdict after a retry) and `violation`
/// (the reviewer changed the worktree) are git-agent's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Approved,
    ChangesRequested,
    Invalid,
    Violation,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Approved => "approved",
            Verdict::ChangesRequested => "changes_requested",
            Verdict::Invalid => "invalid",
            Verdict::Violation => "violation",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The latest review of a session, as stored in its metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub verdict: Verdict,
    #[serde(default)]
    pub blocking: Vec<String>,
    #[serde(default)]
    pub should_fix: Vec<String>,
    #[serde(default)]
    pub nits: Vec<String>,
    #[serde(default)]
    pub scope_violations: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// When the review ended (RFC 3339 UTC).
    pub at: String,
    /// The snapshot commit reviewed (full object id).
    pub of: String,
}

/// How a session's latest review stands, for `land`'s candidate filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// Never reviewed: a candidate.
    Unreviewed,
    /// Approved, and the change is still the one reviewed.
    Approved,
    /// Reviewed with another verdict (approved-but-stale included), with
    /// the reason to print.
    Blocked(String),
}

/// Whether the session's change is no longer the one reviewed: the tree of
/// its latest snapshot differs from the tree reviewed. Callers that need
/// the live state take a snapshot first.
pub fn is_stale(repo: &Repo, session: &Session, review: &Review) -> bool {
    let reviewed = gix::ObjectId::from_hex(review.of.as_bytes())
        .ok()
        .and_then(|of| repo.resolve_tree(of).ok());
    let current = session.snapshot.and_then(|s| repo.resolve_tree(s).ok());
    reviewed.is_none() || reviewed != current
}

/// The gate for `land`: see [`Gate`].
pub fn gate(repo: &Repo, session: &Session) -> Gate {
    let Some(review) = &session.meta.review else {
        return Gate::Unreviewed;
    };
    if review.verdict != Verdict::Approved {
        return Gate::Blocked(format!("review is {}", review.verdict));
    }
    if is_stale(repo, session, review) {
        return Gate::Blocked("review is stale (the change moved since)".into());
    }
    Gate::Approved
}
