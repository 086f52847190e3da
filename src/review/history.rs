//! Every review of a session, kept in `refs/agents/<id>/reviews`: a chain
//! of commits, newest first, each holding `review.json` (the recorded
//! review), `prompt.md` (what the reviewer was asked) and `output.txt`
//! (what it printed). Readable with plain git:
//! `git log -p refs/agents/<id>/reviews`. The ref goes with the session's
//! other refs (push, fetch, `session::delete`).

use crate::error::{Error, Result};
use crate::repo::Repo;
use crate::session::Id;

use super::Review;

/// Add `review` (with the reviewer's prompt and output) on top of the
/// session's history: a compare-and-swap of the ref, retried when another
/// process added one meanwhile.
pub fn append(repo: &Repo, id: &Id, review: &Review, prompt: &str, output: &str) -> Result<()> {
    let git = repo.git().as_git_agent();
    let json = serde_json::to_string_pretty(review).unwrap_or_default() + "\n";
    let mut tree_input = String::new();
    for (name, text) in [
        ("output.txt", output),
        ("prompt.md", prompt),
        ("review.json", json.as_str()),
    ] {
        let blob = git.run_stdin(["hash-object", "-w", "--stdin"], text.as_bytes())?;
        tree_input += &format!("100644 blob {blob}\t{name}\n");
    }
    let tree = git.run_stdin(["mktree"], tree_input.as_bytes())?;
    let name = id.reviews_ref();
    let message = format!("review of {id}: {}\n\nof {}\n", review.verdict, review.of);
    for _ in 0..5 {
        let previous = head(repo, id)?;
        let mut args = vec!["commit-tree".to_owned(), tree.clone()];
        if let Some(p) = &previous {
            args.extend(["-p".to_owned(), p.clone()]);
        }
        args.extend(["-F".to_owned(), "-".to_owned()]);
        let commit = git.run_stdin(&args, message.as_bytes())?;
        let expected = previous.unwrap_or_default();
        let out = git.output(["update-ref", &name, &commit, &expected])?;
        if out.status.success() {
            return Ok(());
        }
    }
    Err(Error::busy(format!(
        "the review history of session '{id}' kept changing while a review was added"
    )))
}

/// The newest commit of the session's review history, if it has one.
pub fn head(repo: &Repo, id: &Id) -> Result<Option<String>> {
    let out = repo.git().output([
        "rev-parse",
        "--verify",
        "-q",
        &format!("{}^{{commit}}", id.reviews_ref()),
    ])?;
    Ok(out
        .status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned()))
}

/// Every recorded review, newest first (entries that do not parse are
/// skipped: a fetched history is anyone's text).
pub fn list(repo: &Repo, id: &Id) -> Result<Vec<Review>> {
    if head(repo, id)?.is_none() {
        return Ok(Vec::new());
    }
    let commits = repo
        .git()
        .run(["rev-list", "--first-parent", &id.reviews_ref()])?;
    Ok(commits
        .lines()
        .filter_map(|c| {
            let text = repo
                .git()
                .run(["cat-file", "blob", &format!("{c}:review.json")])
                .ok()?;
            serde_json::from_str(&text).ok()
        })
        .collect())
}
