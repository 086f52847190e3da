//! Reviews: a read-only reviewer's JSON verdict on a session's change, as
//! stored with the session (`Meta::review`) and read by `list`, `show`,
//! `fix`, `land` and the provenance notes.

pub mod contract;
pub mod history;
pub mod prompt;
pub mod wave;

pub use crate::verdict::{Review, Verdict};

use crate::repo::Repo;
use crate::session::Session;

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

/// The lock a review holds from its first reviewer run until its verdict
/// is recorded (`<common dir>/agents/review-<id>.lock`).
pub fn lock_name(id: &crate::session::Id) -> String {
    format!("review-{id}")
}

/// Whether a review of session `id` is under way in some process (its
/// reviewer running, about to be asked again, or its verdict being
/// recorded): what `wait` waits for besides runs.
pub fn in_progress(repo: &Repo, id: &crate::session::Id) -> bool {
    repo.is_locked(&lock_name(id))
}
