//! `sync`'s steps below the verb: a session's uncommitted work committed on
//! its branch (with a note), the caller's branch merged into it in its own
//! worktree, and once that merge is committed the session's base moved to
//! the commit merged in, so `diff`, `keep` and `land` see only the
//! session's own work.

use std::path::Path;

use crate::error::{Error, Result};
use crate::git::Git;
use crate::keeping;
use crate::notes;
use crate::repo::Repo;
use crate::session::{self, Session};
use crate::snapshot::parse_oid;

/// How the merge of the caller's branch into the session went.
pub enum Merged {
    /// The session has that commit already.
    UpToDate,
    /// Merged and committed.
    Clean(gix::ObjectId),
    /// Conflict markers left in the worktree at these paths.
    Conflict(Vec<String>),
}

/// Commit whatever the session left uncommitted (staged, unstaged,
/// untracked) on its branch, as `git commit` would (hooks included), with a
/// provenance note. Returns the commit, if there was anything.
pub fn commit_leftovers(repo: &Repo, s: &Session, path: &Path) -> Result<Option<gix::ObjectId>> {
    let git = Git::new(path);
    git.run(["add", "-A"])?;
    if git
        .output(["diff", "--cached", "--quiet"])?
        .status
        .success()
    {
        return Ok(None);
    }
    git.run([
        "commit",
        "-q",
        "-m",
        &format!(
            "Uncommitted work of session {} (committed by git agent sync)",
            s.id
        ),
    ])?;
    let commit = parse_oid(&git.run(["rev-parse", "HEAD"])?)?;
    notes::add(repo, &[commit], &notes::text(s, "sync"))?;
    Ok(Some(commit))
}

/// Merge `theirs` (the caller's HEAD, called `name`) into the session's
/// worktree at `path`.
pub fn merge_in(path: &Path, theirs: gix::ObjectId, name: &str, s: &Session) -> Result<Merged> {
    let git = Git::new(path);
    let theirs_hex = theirs.to_string();
    if is_ancestor(&git, &theirs_hex, "HEAD")? {
        return Ok(Merged::UpToDate);
    }
    let message = format!("Merge {name} into {} (git agent sync)", s.meta.branch);
    // Conflict markers name the branch when it is still at that commit.
    let what = git
        .output([
            "rev-parse",
            "-q",
            "--verify",
            &format!("refs/heads/{name}^{{commit}}"),
        ])?
        .stdout;
    let what = if String::from_utf8_lossy(&what).trim() == theirs_hex {
        name
    } else {
        theirs_hex.as_str()
    };
    let out = git.output(["merge", "--no-edit", "-m", &message, what])?;
    if out.status.success() {
        return Ok(Merged::Clean(parse_oid(&git.run(["rev-parse", "HEAD"])?)?));
    }
    let paths = keeping::unresolved(path)?;
    if paths.is_empty() {
        let _ = git.output(["merge", "--abort"]);
        return Err(Error::refused(format!(
            "merging {name} into session '{}' failed: {}",
            s.id,
            crate::error::one_line(&out.stderr)
        ))
        .with_hint(format!("look at {} and merge by hand", path.display())));
    }
    Ok(Merged::Conflict(paths))
}

/// Once the session's HEAD holds `merged_in` with no merge under way, move
/// its base there (and forget a recorded landing failure), then snapshot it
/// against the new base. Returns whether it did.
pub fn settle(repo: &Repo, s: &mut Session, merged_in: gix::ObjectId) -> Result<bool> {
    let Some(path) = s.path().map(Path::to_path_buf) else {
        return Ok(false);
    };
    let git = Git::new(&path);
    let merging = git
        .output(["rev-parse", "-q", "--verify", "MERGE_HEAD"])?
        .status
        .success();
    if merging || !keeping::unresolved(&path)?.is_empty() {
        return Ok(false);
    }
    if !is_ancestor(&git, &merged_in.to_string(), "HEAD")? {
        return Ok(false);
    }
    let mut meta = s.meta.clone();
    meta.land = None;
    if merged_in != s.base {
        session::rebase(repo, s, meta, merged_in)?;
    } else {
        session::update(repo, s, meta, None)?;
    }
    session::save(repo, s, "sync")?;
    Ok(true)
}

fn is_ancestor(git: &Git, a: &str, b: &str) -> Result<bool> {
    Ok(git
        .output(["merge-base", "--is-ancestor", a, b])?
        .status
        .success())
}

/// The prompt of the run that resolves a conflicted sync.
pub fn prompt(name: &str, paths: &[String], more: Option<&str>) -> String {
    let mut text = format!(
        "Merging {name} into this branch conflicted in these files:\n{}\n\nResolve every conflict in them (remove all conflict markers, keeping the intent of both sides), `git add` them, and commit the merge with `git commit --no-edit`. Change nothing else.",
        paths
            .iter()
            .map(|p| format!("- {p}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    if let Some(more) = more {
        text.push_str("\n\n");
        text.push_str(more);
    }
    text
}
