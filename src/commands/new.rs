//! `git agent new`: a session is a linked worktree on a new branch, locked,
//! with its refs under `refs/agents/<id>/`.
//!
//! Order matters for crash safety: the session refs are created first (that
//! claims the id atomically), then the worktree; if the worktree step fails
//! the refs are removed again, and if the process dies in between the
//! session shows as `broken` rather than vanishing.
//!
//! [`run`] decides first (`decide`: every refusal, the base, what is
//! carried — a `Creation`), then makes it (`create`), then starts the run
//! if one was asked for, then reports.

use std::path::{Path, PathBuf};

use crate::cli::NewArgs;
use crate::error::{Error, Result};
use crate::git::Git;
use crate::repo::Repo;
use crate::session::{self, Id, Meta, Session, State};
use crate::snapshot;
use crate::view::Report;

pub fn run(repo: &Repo, args: &NewArgs) -> Result<i32> {
    let req = crate::runs::Request::from_options(&args.run, &args.command, false);
    // Check the run can start before creating anything.
    let plan = if req.wants_run() {
        Some(crate::runs::plan(repo, &req)?)
    } else {
        if let Some(flag) = [
            (args.run.detach, "--detach"),
            (args.run.timeout.is_some(), "--timeout"),
        ]
        .into_iter()
        .find_map(|(given, flag)| given.then_some(flag))
        {
            return Err(Error::usage(format!("{flag} is for a run, and none was given"))
                .with_hint(format!("add the command after `--`, or an agent with -a/-m: git agent new [<id>] {flag} … -- <cmd>…")));
        }
        None
    };
    let creation = decide(repo, args)?;
    let mut session = create(repo, args, &creation)?;

    if let Some(plan) = &plan {
        let detach = args.run.detach;
        // The session first (its JSON, or id and path), then the run: a
        // foreground run's own output follows it on stdout.
        if !(args.json && detach) {
            print_session(repo, &session, args.json)?;
        }
        let code = crate::runs::start(repo, &mut session, plan, detach)?;
        if args.json && detach {
            // Now running, with its pid and log.
            let session = session::resolve(repo, Some(creation.id.as_str()))?;
            print_session(repo, &session, true)?;
        }
        return Ok(code);
    }
    print_session(repo, &session, args.json)?;
    if !args.json {
        anstream::eprintln!("{}", creation.summary());
    }
    Ok(0)
}

/// What `new` will make, decided before anything is created: every
/// refusal is checked and the carried changes are read first, so a
/// failure changes nothing.
struct Creation {
    id: Id,
    branch: String,
    /// The commit the branch starts at.
    base: gix::ObjectId,
    /// The session's recorded base: `base`, or with `--carry` a
    /// stash-shaped commit on it holding the carried changes.
    start: gix::ObjectId,
    /// With `--carry`: the trees to check out (working tree, index).
    carried: Option<(gix::ObjectId, gix::ObjectId)>,
    /// Where session worktrees go (`agent.worktreeDir`).
    root: PathBuf,
}

impl Creation {
    /// The session's first metadata: `active`, claimed by this process
    /// (`pending = new`) until its worktree is complete.
    fn meta(
        &self,
        path: PathBuf,
        origin: PathBuf,
        scope: Vec<String>,
        now: String,
        clone: String,
    ) -> Meta {
        Meta {
            version: 1,
            id: self.id.to_string(),
            state: State::Active,
            branch: self.branch.clone(),
            worktree: path,
            base: self.start.to_string(),
            origin,
            created: now.clone(),
            updated: now,
            scope,
            agent: None,
            command: None,
            prompt: None,
            run: None,
            changes: None,
            pending: Some(session::Pending {
                op: "new".into(),
                pid: std::process::id(),
            }),
            clone: Some(clone),
            review: None,
            task: None,
            fixes: 0,
            land: None,
        }
    }

    /// What `new` says on stderr once the session exists.
    fn summary(&self) -> String {
        let id = &self.id;
        format!(
            "Created session {id} on branch {} from {}{}; work in it with: cd \"$(git agent path {id})\"",
            self.branch,
            &self.base.to_string()[..7],
            if self.carried.is_some() {
                " with your uncommitted changes"
            } else {
                ""
            }
        )
    }
}

/// Check everything `new` needs before creating anything: the base, a free
/// id, branch name and path, and with `--carry` the trees to carry.
fn decide(repo: &Repo, args: &NewArgs) -> Result<Creation> {
    let base = match &args.base {
        Some(rev) => repo.resolve_commit(rev)?,
        None => head_commit(repo)?,
    };
    let id = match &args.id {
        Some(id) => Id::parse(id)?,
        None => session::generate_id(repo)?,
    };
    if let Some(existing) = session::resolve_exact(repo, &id)? {
        return Err(Error::refused(format!(
            "a session named '{id}' already exists (state: {})",
            existing.state(repo)
        ))
        .with_hint("pick another id, or omit it to get a generated one"));
    }
    let branch = branch_name(repo, &id)?;
    if repo.branch_exists(&branch) {
        return Err(
            Error::refused(format!("a branch named '{branch}' already exists"))
                .with_hint("pick another session id, or delete that branch first"),
        );
    }
    let root = repo.worktree_root();
    refuse_taken_path(&root, &id)?;
    // Read what to carry before anything is created, so a failure changes nothing.
    let carried = if args.carry {
        Some(carry_trees(repo, base)?)
    } else {
        None
    };
    let start = match &carried {
        Some(trees) => carry_commit(repo, &id, base, trees)?,
        None => base,
    };
    Ok(Creation {
        id,
        branch,
        base,
        start,
        carried,
        root,
    })
}

/// HEAD's commit, refused when the branch has none yet.
fn head_commit(repo: &Repo) -> Result<gix::ObjectId> {
    repo.head_commit()?.ok_or_else(|| {
        let branch = repo
            .gix
            .head_name()
            .ok()
            .flatten()
            .map(|n| n.shorten().to_string());
        match branch {
            Some(b) if has_any_branch(repo) => {
                Error::refused(format!("the current branch '{b}' has no commits yet"))
                    .with_hint("start from another commit with --base <rev>")
            }
            _ => Error::refused("this repository has no commits yet")
                .with_hint("make a first commit, then start a session"),
        }
    })
}

/// Refuse a worktree directory that is not one, or a session path that is
/// taken.
fn refuse_taken_path(root: &Path, id: &Id) -> Result<()> {
    if root.exists() && !root.is_dir() {
        return Err(Error::refused(format!(
            "agent.worktreeDir points at {}, which is not a directory",
            root.display()
        ))
        .with_hint("git config agent.worktreeDir <directory>"));
    }
    let path = root.join(id.as_str());
    if path.exists() {
        return Err(Error::refused(format!("{} already exists", path.display()))
            .with_hint("pick another session id, or remove that directory"));
    }
    Ok(())
}

/// With --carry the session starts from the carried state: its base is a
/// stash-shaped commit on top of `base` holding it (parents: `base`, the
/// carried index), so diff, counts, overlap and keep see only the
/// session's own work, not the caller's changes it brought along. The
/// branch still starts at `base`; the carried changes are uncommitted.
fn carry_commit(
    repo: &Repo,
    id: &Id,
    base: gix::ObjectId,
    (full_tree, index_tree): &(gix::ObjectId, gix::ObjectId),
) -> Result<gix::ObjectId> {
    snapshot::commit(
        repo,
        &snapshot::WorktreeState {
            head: base,
            index_tree: *index_tree,
            full_tree: *full_tree,
        },
        &format!(
            "{} {id} from {}",
            session::CARRY_MESSAGE,
            repo.current_worktree.display()
        ),
    )
}

/// Make the session: its refs (claiming the id), then its worktree (rolled
/// back if that fails), the copied files and submodules, the finished
/// record, and `agent.postCreate`.
fn create(repo: &Repo, args: &NewArgs, creation: &Creation) -> Result<Session> {
    let Creation { id, branch, .. } = creation;
    let root = &creation.root;
    crate::worktree::exclude_root(repo, root)?;
    std::fs::create_dir_all(root)
        .map_err(|e| Error::refused(format!("cannot create {}: {e}", root.display())))?;
    let path = crate::git::tidy(root).join(id.as_str());
    let now = session::now();
    let meta = creation.meta(
        path.clone(),
        repo.current_worktree.clone(),
        args.scope.clone(),
        now,
        repo.clone_id_or_create()?,
    );
    let mut session = session::create(repo, id, &meta, creation.start)?;
    crate::fault::point("new:refs-created");
    if let Err(e) = add_worktree(
        repo,
        id,
        branch,
        &path,
        creation.base,
        creation.carried.as_ref(),
    ) {
        undo(repo, &session, branch, &path);
        return Err(e);
    }
    crate::fault::point("new:checked-out");
    crate::copy::ignored_files(repo, &crate::copy::patterns(repo), &path).map_err(|e| {
        Error::refused(e.message).with_hint(format!(
            "the session exists; `git agent discard {id}` removes it"
        ))
    })?;
    for warning in crate::submodule::init(repo, &repo.current_worktree, &path, None) {
        crate::output::warn(&warning);
    }
    crate::fault::point("new:copied");
    let mut done = session.meta.clone();
    done.pending = None;
    session::update(repo, &mut session, done, None)?;
    // From here the session is complete; a kill during `agent.postCreate`
    // leaves it `active`, as a failing `agent.postCreate` does.
    crate::fault::point("new:recorded");
    post_create(repo, id, creation.start, &path)?;
    Ok(session)
}

/// Run `agent.postCreate` in the new worktree; the session exists either way.
fn post_create(repo: &Repo, id: &Id, start: gix::ObjectId, path: &Path) -> Result<()> {
    crate::copy::post_create(repo, id, start, path).map_err(|e| {
        Error::refused(format!(
            "agent.postCreate failed in session '{id}': {}",
            e.message
        ))
        .with_hint(format!(
            "the session exists; fix it in {} or `git agent discard {id}`",
            path.display()
        ))
    })
}

/// The session's branch, `<agent.branchPrefix><id>`, refused (before
/// anything is made) unless git takes it as a branch name, as `git
/// check-ref-format --branch` says: a prefix such as `-` or `a..b/` would
/// only fail later, inside `git worktree add`.
fn branch_name(repo: &Repo, id: &Id) -> Result<String> {
    let prefix = repo.config.branch_prefix();
    let branch = format!("{prefix}{id}");
    let out = repo
        .git()
        .output(["check-ref-format", "--branch", &branch])?;
    // `--branch` also expands `@{-1}`: only the name itself, unchanged, will do.
    if out.status.success() && out.stdout.strip_suffix(b"\n") == Some(branch.as_bytes()) {
        return Ok(branch);
    }
    Err(Error::refused(format!(
        "agent.branchPrefix '{prefix}' gives the branch name '{branch}', which git does not allow"
    ))
    .with_hint("set a prefix that makes a valid branch name: git config agent.branchPrefix agent/ (see `git help check-ref-format`)"))
}

/// Does any local branch exist (is this an unborn branch in a repository
/// with history)?
fn has_any_branch(repo: &Repo) -> bool {
    let Ok(refs) = repo.shared.references() else {
        return false;
    };
    refs.local_branches()
        .is_ok_and(|mut branches| branches.next().is_some())
}

/// The trees to put in the new worktree when carrying the caller's changes:
/// (working tree, index), moved onto `base` when it differs from HEAD.
fn carry_trees(repo: &Repo, base: gix::ObjectId) -> Result<(gix::ObjectId, gix::ObjectId)> {
    let mut state = snapshot::capture(repo, &repo.current_worktree)?;
    // An untracked repository inside the checkout cannot be carried (the
    // session would get an empty directory and show it deleted): left out.
    let (full_tree, left_out) =
        crate::merge::without_untracked_repositories(repo, state.index_tree, state.full_tree)?;
    state.full_tree = full_tree;
    for path in left_out {
        crate::output::warn(&format!(
            "{path} is a repository of its own, untracked here; it is not carried into the session"
        ));
    }
    if state.head == base {
        return Ok((state.full_tree, state.index_tree));
    }
    let onto = |tree: gix::ObjectId| -> Result<gix::ObjectId> {
        let out = repo.git().output([
            "merge-tree".to_string(),
            "--write-tree".into(),
            format!("--merge-base={}", state.head),
            base.to_string(),
            tree.to_string(),
        ])?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            return Err(Error::refused(format!(
                "your uncommitted changes do not apply cleanly onto {base}; nothing was created"
            ))
            .with_hint("commit or stash them, or use --carry without --base"));
        }
        snapshot::parse_oid(text.lines().next().unwrap_or_default())
    };
    Ok((onto(state.full_tree)?, onto(state.index_tree)?))
}

/// `git worktree add`, serialized between git-agent processes (concurrent
/// adds race on `.git/worktrees/*/commondir`), then the checkout outside the
/// lock so parallel `new`s check out in parallel. git runs in the caller's
/// worktree, so the session inherits its sparse-checkout patterns.
fn add_worktree(
    repo: &Repo,
    id: &Id,
    branch: &str,
    path: &Path,
    base: gix::ObjectId,
    carried: Option<&(gix::ObjectId, gix::ObjectId)>,
) -> Result<()> {
    // A spare from the warm pool when there is one; the refill (or the
    // first fill) starts in the background either way, once the checkout
    // it would slow down is done.
    let pooled = crate::pool::take(repo, path, &crate::restore::lock_reason(id));
    let refill = || {
        if crate::pool::size(repo).unwrap_or(0) > 0 {
            crate::pool::finish_in_background(repo);
        }
    };
    if let Ok(Some(_)) = pooled {
        let checked_out = crate::pool::check_out(path, branch, base);
        refill();
        checked_out?;
        crate::fault::point("new:worktree-added");
        return match carried {
            None => Ok(()),
            Some((work, index)) => carry_into(&Git::new(path), *work, *index),
        };
    }
    {
        let _lock = repo.lock("worktree")?;
        Git::new(&repo.current_worktree).run([
            "worktree".as_ref(),
            "add".as_ref(),
            "--no-checkout".as_ref(),
            "--lock".as_ref(),
            "--reason".as_ref(),
            crate::restore::lock_reason(id).as_ref(),
            "-b".as_ref(),
            branch.as_ref(),
            path.as_os_str(),
            base.to_string().as_ref(),
        ] as [&std::ffi::OsStr; 10])?;
    }
    crate::fault::point("new:worktree-added");
    let git = Git::new(path).config("checkout.workers=0");
    let checked_out = match carried {
        None => git.run(["reset", "--hard", "--quiet"]).map(drop),
        Some((work, index)) => carry_into(&git, *work, *index),
    };
    refill();
    checked_out
}

/// Put the carried trees in a worktree checked out at the base: the
/// working tree's files, then the carried index.
fn carry_into(git: &Git, work: gix::ObjectId, index: gix::ObjectId) -> Result<()> {
    git.run(["read-tree", "--reset", "-u", &work.to_string()])?;
    git.run(["read-tree", &index.to_string()])?;
    git.output(["update-index", "-q", "--refresh"]).map(drop)
}

/// Best-effort roll back of a half-made session.
fn undo(repo: &Repo, session: &session::Session, branch: &str, path: &Path) {
    let git = repo.git();
    let _ = git.output([
        "worktree".as_ref(),
        "remove".as_ref(),
        "-f".as_ref(),
        "-f".as_ref(),
        path.as_os_str(),
    ]);
    let _ = git.output(["branch", "-D", branch]);
    let _ = session::delete(repo, session);
}

/// What `new` prints on stdout: the session's JSON, or its id and path.
fn print_session(repo: &Repo, session: &session::Session, json: bool) -> Result<()> {
    if json {
        let report = Report::measure(repo, session)?;
        anstream::println!(
            "{}",
            serde_json::to_string_pretty(&report.to_json()).unwrap_or_default()
        );
    } else {
        anstream::println!("{}\t{}", session.id, session.meta.worktree.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creation(carried: bool) -> Creation {
        let base = gix::ObjectId::from_hex(b"1234567890123456789012345678901234567890").unwrap();
        let start = gix::ObjectId::from_hex(b"abcdefabcdefabcdefabcdefabcdefabcdefabcd").unwrap();
        Creation {
            id: Id::parse("fix").unwrap(),
            branch: "agent/fix".into(),
            base,
            start: if carried { start } else { base },
            carried: carried.then_some((start, start)),
            root: PathBuf::from("/repo/.worktrees"),
        }
    }

    #[test]
    fn a_new_session_is_recorded_active_and_claimed() {
        let plan = creation(true);
        let meta = plan.meta(
            PathBuf::from("/repo/.worktrees/fix"),
            PathBuf::from("/repo"),
            vec!["src/".into()],
            "2026-01-02T03:04:05Z".into(),
            "clone-1".into(),
        );
        assert_eq!(meta.state, State::Active);
        assert_eq!(meta.id, "fix");
        assert_eq!(meta.branch, "agent/fix");
        // The recorded base is the carried commit, not where the branch starts.
        assert_eq!(meta.base, plan.start.to_string());
        assert_eq!(
            (meta.created.as_str(), meta.updated.as_str()),
            ("2026-01-02T03:04:05Z", "2026-01-02T03:04:05Z")
        );
        let pending = meta.pending.expect("claimed until the worktree is made");
        assert_eq!(
            (pending.op.as_str(), pending.pid),
            ("new", std::process::id())
        );
        assert_eq!(meta.clone.as_deref(), Some("clone-1"));
        assert_eq!(meta.scope, ["src/"]);
    }

    #[test]
    fn the_summary_names_branch_base_and_carry() {
        assert_eq!(
            creation(false).summary(),
            "Created session fix on branch agent/fix from 1234567; work in it with: cd \"$(git agent path fix)\""
        );
        assert!(
            creation(true)
                .summary()
                .contains("from 1234567 with your uncommitted changes;")
        );
    }
}
