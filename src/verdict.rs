//! What a review records: the verdict and the reviewer's findings, stored
//! as `Meta::review` (see [`crate::review`] for how reviews are made). Pure
//! data, so the session model can hold it without depending on reviews.

use serde::{Deserialize, Serialize};

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
