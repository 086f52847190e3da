//! `git agent new`: a session is a linked worktree on a new branch, locked,
//! with its refs under `refs/agents/<id>/`.
//!
//! Order matters for crash safety: the session refs are created first (that
//! claims the id atomically), then the worktree; if the worktree step fails
//! the refs are removed again, and if the process dies in between the
//! session shows as `broken` rather than vanishing.

use std::io::Write;
use std::path::Path;

use crate::cli::NewArgs;
use crate::error::{Error, Result};
use crate::git::Git;
use crate::repo::Repo;
use crate::session::{self, Id, Meta, State};
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
    let base = match &args.base {
        Some(rev) => repo.resolve_commit(rev)?,
        None => repo.head_commit()?.ok_or_else(|| {
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
        })?,
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
    // Read what to carry before anything is created, so a failure changes nothing.
    let carried = if args.carry {
        Some(carry_trees(repo, base)?)
    } else {
        None
    };
    // With --carry the session starts from the carried state: its base is a
    // stash-shaped commit on top of `base` holding it (parents: `base`, the
    // carried index), so diff, counts, overlap and keep see only the
    // session's own work, not the caller's changes it brought along. The
    // branch still starts at `base`; the carried changes are uncommitted.
    let start = match &carried {
        Some((full_tree, index_tree)) => snapshot::commit(
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
        )?,
        None => base,
    };

    exclude_worktree_dir(repo, &root)?;
    std::fs::create_dir_all(&root)
        .map_err(|e| Error::refused(format!("cannot create {}: {e}", root.display())))?;
    let path = crate::git::tidy(&root).join(id.as_str());
    let now = session::now();
    let meta = Meta {
        version: 1,
        id: id.to_string(),
        state: State::Active,
        branch: branch.clone(),
        worktree: path.clone(),
        base: start.to_string(),
        origin: repo.current_worktree.clone(),
        created: now.clone(),
        updated: now,
        scope: args.scope.clone(),
        agent: None,
        command: None,
        prompt: None,
        run: None,
        changes: None,
        pending: Some(session::Pending {
            op: "new".into(),
            pid: std::process::id(),
        }),
        clone: Some(repo.clone_id_or_create()?),
    };
    let mut session = session::create(repo, &id, &meta, start)?;
    crate::fault::point("new:refs-created");
    if let Err(e) = add_worktree(repo, &id, &branch, &path, base, carried.as_ref()) {
        undo(repo, &session, &branch, &path);
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
    if let Some(script) = repo.config.post_create() {
        crate::runs::env::git(&id, start, &path)
            .shell(&script)
            .map_err(|e| {
                Error::refused(format!(
                    "agent.postCreate failed in session '{id}': {}",
                    e.message
                ))
                .with_hint(format!(
                    "the session exists; fix it in {} or `git agent discard {id}`",
                    path.display()
                ))
            })?;
    }

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
            let session = session::resolve(repo, Some(id.as_str()))?;
            print_session(repo, &session, true)?;
        }
        return Ok(code);
    }
    print_session(repo, &session, args.json)?;
    if !args.json {
        anstream::eprintln!(
            "Created session {id} on branch {branch} from {}{}; work in it with: cd \"$(git agent path {id})\"",
            &base.to_string()[..7],
            if carried.is_some() {
                " with your uncommitted changes"
            } else {
                ""
            }
        );
    }
    Ok(0)
}

/// Does any local branch exist (is this an unborn branch in a repository
/// with history)?
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
    {
        let _lock = repo.lock("worktree")?;
        Git::new(&repo.current_worktree).run([
            "worktree".as_ref(),
            "add".as_ref(),
            "--no-checkout".as_ref(),
            "--lock".as_ref(),
            "--reason".as_ref(),
            format!("git-agent {id}").as_ref(),
            "-b".as_ref(),
            branch.as_ref(),
            path.as_os_str(),
            base.to_string().as_ref(),
        ] as [&std::ffi::OsStr; 10])?;
    }
    crate::fault::point("new:worktree-added");
    let git = Git::new(path).config("checkout.workers=0");
    match carried {
        None => git.run(["reset", "--hard", "--quiet"]).map(drop),
        Some((work, index)) => {
            git.run(["read-tree", "--reset", "-u", &work.to_string()])?;
            git.run(["read-tree", &index.to_string()])?;
            git.output(["update-index", "-q", "--refresh"]).map(drop)
        }
    }
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

/// Make sure the worktree directory never shows in `git status` when it lies
/// inside the main worktree: one line in the common dir's `info/exclude`.
fn exclude_worktree_dir(repo: &Repo, root: &Path) -> Result<()> {
    let main = &repo.main_worktree;
    let absolute = if root.exists() {
        crate::git::tidy(root)
    } else {
        root.to_path_buf()
    };
    let Ok(relative) = absolute.strip_prefix(main) else {
        return Ok(());
    };
    if relative.as_os_str().is_empty() {
        return Ok(());
    }
    let pattern = format!("/{}/", relative.to_string_lossy().replace('\\', "/"));
    let info = repo.common_dir.join("info");
    let file = info.join("exclude");
    let existing = std::fs::read_to_string(&file).unwrap_or_default();
    if existing.lines().any(|l| l.trim() == pattern) {
        return Ok(());
    }
    std::fs::create_dir_all(&info)
        .map_err(|e| Error::git(format!("cannot create {}: {e}", info.display())))?;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&file)
        .map_err(|e| Error::git(format!("cannot open {}: {e}", file.display())))?;
    let sep = if existing.is_empty() || existing.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    write!(f, "{sep}# git-agent session worktrees\n{pattern}\n")
        .map_err(|e| Error::git(format!("cannot write {}: {e}", file.display())))
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
