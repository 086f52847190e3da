//! keep's refusals of the target checkout and of what a session holds,
//! checked before anything is locked (and the target's again under the
//! locks).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::git::{Git, tidy};
use crate::repo::Repo;
use crate::session::Session;

/// The checkout to keep into: where keep runs, or the session's origin when
/// run inside the session's own worktree.
pub fn target(repo: &Repo, session: &Session) -> Result<PathBuf> {
    let here = &repo.current_worktree;
    if session.path().map(tidy).as_ref() != Some(here) {
        return Ok(here.clone());
    }
    let origin = &session.meta.origin;
    if origin.join(".git").exists() && tidy(origin) != *here {
        Ok(tidy(origin))
    } else {
        Err(Error::refused(format!(
            "session '{}' came from {}, which is no longer a checkout",
            session.id,
            origin.display()
        ))
        .with_hint("run keep from the checkout that should receive the change"))
    }
}

/// Refuse a checkout in the middle of a merge, rebase, cherry-pick or revert,
/// on a branch without commits, or with unresolved conflicts.
pub fn check_target(target: &Path) -> Result<()> {
    let git = Git::new(target);
    let git_dir = PathBuf::from(git.run(["rev-parse", "--absolute-git-dir"])?);
    for (marker, what) in [
        ("MERGE_HEAD", "a merge"),
        ("rebase-merge", "a rebase"),
        ("rebase-apply", "a rebase or am"),
        ("CHERRY_PICK_HEAD", "a cherry-pick"),
        ("REVERT_HEAD", "a revert"),
    ] {
        if git_dir.join(marker).exists() {
            return Err(
                Error::refused(format!("{} is in the middle of {what}", target.display()))
                    .with_hint("finish or abort it first, then keep again"),
            );
        }
    }
    if git
        .output(["rev-parse", "-q", "--verify", "HEAD"])?
        .status
        .code()
        != Some(0)
    {
        return Err(Error::refused(format!(
            "the branch in {} has no commits yet; keep merges a session's change onto a commit",
            target.display()
        ))
        .with_hint(
            "commit something on it first, or keep from a checkout whose branch has commits",
        ));
    }
    if !git.run(["ls-files", "-u"])?.is_empty() {
        return Err(
            Error::refused(format!("{} has unresolved conflicts", target.display()))
                .with_hint("resolve them first, then keep again"),
        );
    }
    Ok(())
}

/// `--squash` and `--commit` need a branch (with commits: see
/// [`check_target`]), no staged work of the target's own, and an identity
/// to commit with.
pub fn check_can_commit(target: &Path) -> Result<()> {
    let git = Git::new(target);
    if git.output(["symbolic-ref", "-q", "HEAD"])?.status.code() != Some(0) {
        return Err(
            Error::refused(format!("HEAD in {} is detached", target.display())).with_hint(
                "check out a branch, or keep without --squash/--commit to stage the change",
            ),
        );
    }
    if git.output(["diff", "--cached", "--quiet"])?.status.code() != Some(0) {
        return Err(Error::refused(format!(
            "{} has staged changes of its own",
            target.display()
        ))
        .with_hint(
            "commit or unstage them first, or keep without --squash/--commit to stage the change",
        ));
    }
    if git.output(["var", "GIT_COMMITTER_IDENT"])?.status.code() != Some(0) {
        return Err(
            Error::refused("git has no committer identity to make the commit with").with_hint(
                "git config user.name 'Your Name' && git config user.email you@example.com",
            ),
        );
    }
    Ok(())
}

/// Refuse a session that holds a repository of its own (a directory with
/// its own `.git`, not a submodule `.gitmodules` declares): `git add -A`
/// records it as a bare commit id, so keep would bring none of its files,
/// and its commits would go with the session's worktree. As `git add`
/// warns for an embedded repository, the person decides: plain files or a
/// submodule.
pub fn refuse_embedded_repositories(
    repo: &Repo,
    session: &Session,
    base_tree: gix::ObjectId,
    snap_tree: gix::ObjectId,
) -> Result<()> {
    let gitlinks: Vec<String> = crate::treediff::between(&repo.shared, base_tree, snap_tree)?
        .into_iter()
        .filter(|c| c.new.is_some_and(|(mode, _)| mode.is_commit()))
        .map(|c| c.path.to_string())
        .collect();
    if gitlinks.is_empty() {
        return Ok(());
    }
    // Submodules as the session's own `.gitmodules` declares them.
    let declared = repo
        .git()
        .output([
            "config",
            "--blob",
            &format!("{snap_tree}:.gitmodules"),
            "-z",
            "--get-regexp",
            r"^submodule\..*\.path$",
        ])
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    let declared: Vec<&str> = declared
        .split('\0')
        .filter_map(|entry| entry.split_once('\n').map(|(_, path)| path))
        .collect();
    let embedded: Vec<&String> = gitlinks
        .iter()
        .filter(|p| !declared.contains(&p.as_str()))
        .collect();
    let Some(first) = embedded.first() else {
        return Ok(());
    };
    let list = embedded
        .iter()
        .map(|p| format!("{p}/"))
        .collect::<Vec<_>>()
        .join(", ");
    Err(Error::refused(format!(
        "session '{}' holds a repository of its own at {list}: git records only its commit, so keep would bring none of its files, and its commits would go with the session's worktree; nothing was changed",
        session.id
    ))
    .with_hint(format!(
        "in the session, remove {first}/.git to keep its files as plain files, or make it a submodule (`git submodule add`), then keep again"
    )))
}

/// The paths with unresolved conflicts in a session's worktree (a `sync`
/// whose merge is not committed yet), sorted.
pub fn unresolved(worktree: &Path) -> Result<Vec<String>> {
    let out = Git::new(worktree).run(["diff", "--name-only", "--diff-filter=U"])?;
    let mut paths: Vec<String> = out.lines().map(str::to_owned).collect();
    paths.dedup();
    Ok(paths)
}

/// `keep` and `land` refuse a session whose worktree has unresolved
/// conflicts, naming them.
pub fn refuse_unresolved(session: &Session) -> Result<()> {
    let Some(path) = session.path() else {
        return Ok(());
    };
    let paths = unresolved(path)?;
    if paths.is_empty() {
        return Ok(());
    }
    Err(Error::refused(format!(
        "session '{}' has unresolved conflicts: {}",
        session.id,
        paths.join(", ")
    ))
    .with_hint(format!(
        "resolve them in {} and commit the merge (or `git merge --abort` there), then try again",
        path.display()
    )))
}
