//! What a read-only run must leave as it found inside its worktree: files,
//! index, HEAD and the branch it is on. Recorded before the run, compared
//! after it, and put back (with what changed named) when it differs;
//! [`super::read_only`] does the same for everything beyond the worktree.

use std::path::Path;

use super::read_only;
use crate::error::Result;
use crate::git::Git;
use crate::repo::Repo;
use crate::session::Id;
use crate::snapshot;

/// What a read-only run must leave as it found: the worktree's files, index
/// and HEAD — its commit and the branch it is on (`None`: detached).
pub(super) struct Checkout {
    state: snapshot::WorktreeState,
    branch: Option<String>,
    /// Every local branch and its tip, to tell a branch the run made from
    /// one it moved.
    branches: Vec<(String, String)>,
}

impl Checkout {
    pub(super) fn capture(repo: &Repo, worktree: &Path) -> Result<Checkout> {
        let git = Git::new(worktree);
        let symbolic = git.output(["symbolic-ref", "-q", "HEAD"])?;
        let branch = symbolic
            .status
            .success()
            .then(|| String::from_utf8_lossy(&symbolic.stdout).trim().to_owned());
        let branches = git
            .run([
                "for-each-ref",
                "--format=%(refname) %(objectname)",
                "refs/heads/",
            ])?
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(r, o)| (r.to_owned(), o.to_owned()))
            .collect();
        Ok(Checkout {
            state: snapshot::capture(repo, worktree)?,
            branch,
            branches,
        })
    }

    /// The same files, index, HEAD commit and branch (other branches may
    /// move meanwhile: other sessions are made and run in parallel).
    fn same_as(&self, other: &Checkout) -> bool {
        let (a, b) = (&self.state, &other.state);
        a.head == b.head
            && a.index_tree == b.index_tree
            && a.full_tree == b.full_tree
            && self.branch == other.branch
    }

    fn tip_of(&self, branch: &str) -> Option<&str> {
        self.branches
            .iter()
            .find(|(b, _)| b == branch)
            .map(|(_, o)| o.as_str())
    }

    /// `agent/x at 1234567`, or `a detached HEAD at 1234567`.
    fn describe_head(&self) -> String {
        let at = &self.state.head.to_string()[..7];
        match &self.branch {
            Some(b) => format!("{} at {at}", short_branch(b)),
            None => format!("a detached HEAD at {at}"),
        }
    }
}

fn short_branch(refname: &str) -> &str {
    refname.strip_prefix("refs/heads/").unwrap_or(refname)
}

/// What a read-only run changed, once undone.
pub(super) struct Violation {
    pub(super) changed: Vec<String>,
    /// About the branch the run left HEAD on, which is left as it is.
    pub(super) branch_note: Option<String>,
}

/// After a read-only run: undo what it changed and name it, `None` when it
/// changed nothing. Hooks, config and `info/` go first (no hook or config
/// the run wrote may act in the git commands that follow), then refs, then
/// the worktree.
pub(super) fn undo_read_only(
    repo: &Repo,
    id: &Id,
    worktree: &Path,
    before: &Checkout,
    guard: &read_only::Guard,
) -> Result<Option<Violation>> {
    let outside = guard.undo_files()?;
    let after = Checkout::capture(repo, worktree)?;
    // The branch HEAD was on is the worktree's to put back; a branch the
    // run created and left HEAD on is kept (see [`restore_read_only`]).
    let mut exempt: Vec<String> = before.branch.iter().cloned().collect();
    exempt.extend(
        after
            .branch
            .iter()
            .filter(|b| before.tip_of(b).is_none())
            .cloned(),
    );
    let refs = guard.undo_refs(repo, worktree, id, &exempt)?;
    let mut violation = if after.same_as(before) {
        Violation {
            changed: Vec::new(),
            branch_note: None,
        }
    } else {
        restore_read_only(repo, worktree, before, &after)?
    };
    violation.changed.extend(refs);
    violation.changed.extend(outside);
    Ok((!violation.changed.is_empty()).then_some(violation))
}

/// Put a worktree back as it was before a read-only run: HEAD on its branch
/// (or detached) at its commit, then the index and files.
///
/// A branch the run switched to is not deleted, nor put back when it
/// existed before: it may hold commits that exist nowhere else, and whose
/// they are is not git-agent's to judge. The error names it instead.
fn restore_read_only(
    repo: &Repo,
    worktree: &Path,
    before: &Checkout,
    after: &Checkout,
) -> Result<Violation> {
    let (b, a) = (&before.state, &after.state);
    let mut changed = snapshot::changes(repo, b.full_tree, a.full_tree)?.paths;
    for p in snapshot::changes(repo, b.index_tree, a.index_tree)?.paths {
        if !changed.contains(&p) {
            changed.push(p);
        }
    }
    if a.head != b.head || after.branch != before.branch {
        changed.insert(
            0,
            format!(
                "HEAD (was {}, now {})",
                before.describe_head(),
                after.describe_head()
            ),
        );
    }
    let branch_note = after
        .branch
        .as_deref()
        .filter(|_| after.branch != before.branch)
        .map(|left| {
            let name = short_branch(left);
            match before.tip_of(left) {
                None => format!(
                    "the run created branch '{name}'; it is left as it is (`git branch -D {name}` deletes it)"
                ),
                Some(tip) if after.tip_of(left) != Some(tip) => format!(
                    "the run switched to branch '{name}' and moved it (it was at {}); it is put back",
                    &tip[..7.min(tip.len())]
                ),
                Some(_) => format!("the run switched to branch '{name}', which it left unchanged"),
            }
        });
    let git = Git::new(worktree);
    let head = b.head.to_string();
    match &before.branch {
        // Back on the branch first, so that the reset below moves it (and
        // no other branch) back to where it was.
        Some(branch) => git.run(["symbolic-ref", "HEAD", branch])?,
        None => git.run(["update-ref", "--no-deref", "HEAD", &head])?,
    };
    git.run(["reset", "-q", "--hard", &head])?;
    git.run(["read-tree", "--reset", "-u", &b.full_tree.to_string()])?;
    // With the index holding everything that existed before, `clean` removes
    // exactly the files the run created (ignored ones are left alone).
    git.run(["clean", "-q", "-f", "-d"])?;
    git.run(["read-tree", &b.index_tree.to_string()])?;
    git.output(["update-index", "-q", "--refresh"])?;
    Ok(Violation {
        changed,
        branch_note,
    })
}
