//! gc: expiry, dry runs and JSON, broken sessions, vanished runs,
//! interrupted restores, leftovers — and never a live session or lost work.

use std::path::Path;

use crate::common::{
    TestRepo, busy_session, fake_agent, files, finishes_ok, set_meta, wait_for_pause, write,
};

/// Every directory under `dir`, empty ones included.
fn dirs(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            out.push(entry.path().display().to_string());
            dirs(&entry.path(), out);
        }
    }
}

/// Every ref, worktree record, file and directory gc could touch.
fn everything(repo: &TestRepo) -> String {
    let mut tree = Vec::new();
    let mut folders = Vec::new();
    for dir in [
        repo.path(".worktrees"),
        repo.path(".git/refs"),
        repo.path(".git/worktrees"),
    ] {
        if dir.exists() {
            tree.extend(files(&dir));
            dirs(&dir, &mut folders);
        }
    }
    folders.sort();
    tree.retain(|(path, _)| !path.ends_with("index") && !path.ends_with(".lock"));
    format!(
        "{}\n--\n{}\n--\n{tree:?}\n--\n{folders:?}",
        repo.git(&["for-each-ref"]),
        repo.git(&["worktree", "list", "--porcelain"]),
    )
}

/// A session with one commit on its branch; returns (worktree, commit).
fn committed_session(repo: &TestRepo, id: &str) -> (std::path::PathBuf, String) {
    let wt = repo.new_session(&[id]);
    write(&wt.join(format!("{id}.txt")), id);
    repo.git_in(&wt, &["add", "-A"]);
    repo.git_in(&wt, &["commit", "-qm", id]);
    let commit = repo.git_in(&wt, &["rev-parse", "HEAD"]);
    (wt, commit)
}

/// One of each kind of work for gc: discarded, kept, worktree deleted,
/// branch deleted, an empty leftover directory.
fn messy(repo: &TestRepo) {
    let wt = repo.new_session(&["thrown"]);
    write(&wt.join("x.txt"), "x\n");
    repo.agent(&["discard", "thrown"]).success();
    let wt = repo.new_session(&["taken"]);
    write(&wt.join("y.txt"), "y\n");
    repo.agent(&["keep", "taken"]).success();
    let (wt, _) = committed_session(repo, "lost-tree");
    std::fs::remove_dir_all(wt).unwrap();
    committed_session(repo, "lost-branch");
    repo.git(&["update-ref", "-d", "refs/heads/agent/lost-branch"]);
    // What a killed removal may leave of a discarded session's worktree.
    std::fs::create_dir_all(repo.path(".worktrees/thrown/sub")).unwrap();
}

#[test]
fn dry_run_changes_nothing_and_json_has_the_documented_fields() {
    let repo = TestRepo::new();
    messy(&repo);
    let before = everything(&repo);

    let text = repo
        .agent(&["gc", "--dry-run", "--expire", "now"])
        .success()
        .stdout;
    for line in [
        "forget thrown: discarded",
        "forget taken: kept",
        "mark-broken lost-tree: ",
        "repair lost-branch: ",
        "prune thrown: empty directory ",
    ] {
        assert!(text.contains(line), "{line:?} missing from:\n{text}");
    }
    let doc = repo.json(&["gc", "--dry-run", "--expire", "now", "--json"]);
    assert_eq!(doc["dry_run"], true);
    let actions = doc["actions"].as_array().unwrap();
    for a in actions {
        assert!(a["session"].is_string() || a["session"].is_null(), "{a}");
        assert!(a["reason"].as_str().is_some_and(|r| !r.is_empty()), "{a}");
    }
    let kinds: Vec<(&str, &str)> = actions
        .iter()
        .map(|a| {
            (
                a["session"].as_str().unwrap_or("-"),
                a["action"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("lost-branch", "repair"),
            ("lost-tree", "mark-broken"),
            ("taken", "forget"),
            ("thrown", "forget"),
            ("thrown", "prune"),
        ]
    );
    assert_eq!(everything(&repo), before, "a dry run changes nothing");

    // The real run does what the dry run said.
    let real = repo.json(&["gc", "--expire", "now", "--json"]);
    assert_eq!(real["dry_run"], false);
    let what = |doc: &serde_json::Value| -> Vec<(serde_json::Value, serde_json::Value)> {
        doc["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["session"].clone(), a["action"].clone()))
            .collect()
    };
    assert_eq!(what(&real), what(&doc));
    assert_ne!(everything(&repo), before);
    assert!(!repo.path(".worktrees/thrown").exists());
    // Nothing left to do.
    let again = repo.json(&["gc", "--expire", "now", "--json"]);
    assert_eq!(again["actions"], serde_json::json!([]));
    repo.fsck_clean("at the end");
}

#[test]
fn expire_now_forgets_kept_and_discarded_sessions_but_never_live_ones() {
    let repo = TestRepo::new();
    let live = busy_session(&repo, "live");
    let live_before = repo.fingerprint(&live);
    let live_files = files(&live);
    let live_refs = repo.git(&["for-each-ref", "refs/agents/live", "refs/heads/agent/live"]);
    let wt = repo.new_session(&["gone"]);
    write(&wt.join("g.txt"), "g\n");
    repo.agent(&["discard", "gone"]).success();
    repo.new_session(&["done"]);
    repo.agent(&["keep", "done"]).success();

    let out = repo.agent(&["gc", "--expire", "now"]).success().stdout;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with("forget done: kept "), "{out}");
    assert!(lines[1].starts_with("forget gone: discarded "), "{out}");
    assert_eq!(
        repo.git(&["for-each-ref", "--format=%(refname)", "refs/agents/"]),
        "refs/agents/live/base\nrefs/agents/live/meta"
    );
    assert!(!repo.path(".git/refs/agents/gone").exists());
    assert_eq!(repo.fingerprint(&live), live_before);
    assert_eq!(files(&live), live_files);
    assert_eq!(
        repo.git(&["for-each-ref", "refs/agents/live", "refs/heads/agent/live"]),
        live_refs
    );
    assert_eq!(repo.state("live"), "active");
    repo.agent(&["restore", "gone"]).fails(1);
    repo.git(&["gc", "-q", "--prune=now"]);
    repo.fsck_clean("at the end");
}

#[test]
fn the_default_expiry_keeps_recent_sessions_and_config_can_change_it() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["recent"]);
    write(&wt.join("r.txt"), "r\n");
    repo.agent(&["discard", "recent"]).success();
    repo.new_session(&["kept"]);
    repo.agent(&["keep", "kept"]).success();
    let before = everything(&repo);

    let run = repo.agent(&["gc"]).success();
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("Nothing to do"), "{}", run.stderr);
    repo.agent(&["gc", "--expire", "1.hour.ago"]).success();
    repo.agent(&["gc", "--expire", "never"]).success();
    assert_eq!(everything(&repo), before);
    assert_eq!(repo.state("recent"), "discarded");

    let err = repo.agent(&["gc", "--expire", "someday"]).fails(2).stderr;
    assert!(err.contains("someday"), "{err}");
    repo.git(&["config", "agent.gcExpire", "garbage"]);
    let err = repo.agent(&["gc"]).fails(1).stderr;
    assert!(err.contains("agent.gcExpire"), "{err}");
    assert_eq!(everything(&repo), before);

    repo.git(&["config", "agent.gcExpire", "now"]);
    let out = repo.agent(&["gc"]).success().stdout;
    assert!(
        out.contains("forget kept:") && out.contains("forget recent:"),
        "{out}"
    );
    assert_eq!(repo.git(&["for-each-ref", "refs/agents/"]), "");
}

#[test]
fn a_worktree_deleted_by_hand_is_marked_broken_and_its_commits_stay_reachable() {
    let repo = TestRepo::new();
    let (wt, commit) = committed_session(&repo, "rmrf");
    std::fs::remove_dir_all(&wt).unwrap();

    let out = repo.agent(&["gc"]).success().stdout;
    assert!(out.starts_with("mark-broken rmrf: "), "{out}");
    assert_eq!(repo.state("rmrf"), "broken");
    let meta = repo.git(&["cat-file", "-p", "refs/agents/rmrf/meta"]);
    assert!(meta.contains("state = \"broken\""), "{meta}");
    // The branch stays; git forgot the worktree; the tip is in the snapshot.
    assert_eq!(repo.git(&["rev-parse", "agent/rmrf"]), commit);
    assert!(!repo.git(&["worktree", "list"]).contains("rmrf"));
    assert_eq!(
        repo.git(&["rev-parse", "refs/agents/rmrf/snapshot^1"]),
        commit
    );
    // Reachable from refs/agents alone: survives the branch and git gc.
    repo.git(&["branch", "-D", "agent/rmrf"]);
    repo.git(&["gc", "-q", "--prune=now"]);
    assert_eq!(
        repo.git(&["show", "refs/agents/rmrf/snapshot:rmrf.txt"]),
        "rmrf"
    );
    repo.fsck_clean("at the end");
    // Settled: another gc has nothing to do, and the session can be discarded.
    assert_eq!(repo.agent(&["gc"]).success().stdout, "");
    repo.agent(&["discard", "rmrf"]).success();
    assert_eq!(
        repo.git(&["rev-parse", "refs/agents/rmrf/snapshot^1"]),
        commit
    );
}

#[test]
fn mark_broken_keeps_an_older_snapshot_reachable() {
    let repo = TestRepo::new();
    let wt = busy_session(&repo, "twice");
    repo.agent(&["discard", "twice"]).success();
    let old = repo.git(&["rev-parse", "refs/agents/twice/snapshot"]);
    repo.agent(&["restore", "twice"]).success();
    write(&wt.join("later.txt"), "later\n");
    repo.git_in(&wt, &["add", "later.txt"]);
    repo.git_in(&wt, &["commit", "-qm", "later"]);
    std::fs::remove_dir_all(&wt).unwrap();

    repo.agent(&["gc"]).success();
    let new = repo.git(&["rev-parse", "refs/agents/twice/snapshot"]);
    assert_ne!(new, old);
    assert_eq!(repo.git(&["rev-parse", &format!("{new}^3")]), old);
    assert_eq!(
        repo.git(&["show", &format!("{new}^3:new dir/untracked é.txt")]),
        "untracked"
    );
    repo.fsck_clean("at the end");
}

#[test]
fn a_deleted_branch_is_re_created_where_the_worktree_was() {
    let repo = TestRepo::new();
    // Deleted under an attached HEAD: found through the HEAD reflog.
    let (wt, commit) = committed_session(&repo, "reflog");
    write(&wt.join("dirty.txt"), "dirty\n");
    let before = repo.fingerprint(&wt);
    repo.git(&["update-ref", "-d", "refs/heads/agent/reflog"]);
    assert_eq!(repo.state("reflog"), "broken");
    // Detached first, then deleted with git branch -D.
    let (wt2, commit2) = committed_session(&repo, "detached");
    repo.git_in(&wt2, &["checkout", "-q", "--detach"]);
    repo.git(&["branch", "-D", "agent/detached"]);

    let out = repo.agent(&["gc"]).success().stdout;
    assert!(
        out.contains("repair reflog: branch agent/reflog was deleted"),
        "{out}"
    );
    assert!(out.contains("repair detached: "), "{out}");
    assert_eq!(repo.git(&["rev-parse", "agent/reflog"]), commit);
    assert_eq!(repo.fingerprint(&wt), before);
    assert_eq!(repo.state("reflog"), "active");
    assert_eq!(repo.git(&["rev-parse", "agent/detached"]), commit2);
    assert_eq!(
        repo.git_in(&wt2, &["symbolic-ref", "HEAD"]),
        "refs/heads/agent/detached"
    );
    assert_eq!(repo.state("detached"), "active");
    repo.fsck_clean("at the end");
}

#[test]
fn a_run_whose_process_vanished_is_recorded_as_failed() {
    let repo = TestRepo::new();
    repo.new_session(&["ghost"]);
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    let meta = repo.git(&["cat-file", "-p", "refs/agents/ghost/meta"]);
    assert!(!meta.contains("[run]"), "{meta}");
    let meta = meta.replace("state = \"active\"", "state = \"running\"")
        + &format!("\n[run]\npid = {pid}\nstarted = \"2026-01-01T00:00:00Z\"\n");
    set_meta(&repo, "ghost", &meta);
    // Stored as running (any other command's read would reconcile it).
    let stored = repo.git(&["cat-file", "-p", "refs/agents/ghost/meta"]);
    assert!(stored.contains("state = \"running\""), "{stored}");

    let out = repo.agent(&["gc"]).success().stdout;
    assert!(
        out.contains(&format!("repair ghost: its run (pid {pid}) vanished")),
        "{out}"
    );
    let show = repo.json(&["show", "ghost", "--json"]);
    assert_eq!(show["state"], "failed");
    assert_eq!(show["run"]["reason"], "vanished");
    assert!(show["run"]["ended"].is_string(), "{show}");
}

#[test]
fn a_run_whose_agent_ended_is_not_vanished_while_its_watcher_lives() {
    // The agent has exited; the git-agent process watching it is about to
    // record the end. Neither gc nor list may call that run vanished.
    let repo = TestRepo::new();
    repo.new_session(&["ending"]);
    let mut agent = std::process::Command::new("true").spawn().unwrap();
    let pid = agent.id();
    agent.wait().unwrap();
    let mut watcher = std::process::Command::new("sleep")
        .arg("60")
        .spawn()
        .unwrap();
    let meta = repo.git(&["cat-file", "-p", "refs/agents/ending/meta"]);
    let meta = meta.replace("state = \"active\"", "state = \"running\"")
        + &format!(
            "\n[run]\npid = {pid}\nsupervisor = {}\nstarted = \"{}\"\n",
            watcher.id(),
            humantime::format_rfc3339_seconds(std::time::SystemTime::now())
        );
    set_meta(&repo, "ending", &meta);

    let out = repo.agent(&["gc"]).success().stdout;
    assert!(!out.contains("vanished"), "{out}");
    assert_eq!(repo.state("ending"), "running");

    watcher.kill().unwrap();
    watcher.wait().unwrap();
    let out = repo.agent(&["gc"]).success().stdout;
    assert!(out.contains("repair ending: its run"), "{out}");
    assert_eq!(repo.state("ending"), "failed");
}

#[test]
fn gc_and_list_leave_a_session_alone_while_keep_or_discard_removes_it() {
    for (verb, point, end) in [
        ("keep", "keep:worktree-removed", "kept"),
        ("discard", "discard:worktree-removed", "discarded"),
    ] {
        let repo = TestRepo::new();
        let (_, commit) = committed_session(&repo, "going");
        let pause = repo.home.join("paused");
        let child = repo.spawn_agent(Some((point, &pause)), &[verb, "going"]);
        wait_for_pause(&pause);
        // Worktree gone, state not yet recorded: neither broken nor repaired.
        assert!(!repo.path(".worktrees/going").exists());
        assert_eq!(repo.state("going"), "active", "{verb}");
        let out = repo.agent(&["gc"]).success().stdout;
        assert!(!out.contains("going"), "{verb}: {out}");

        std::fs::remove_file(&pause).unwrap();
        finishes_ok(child);
        assert_eq!(repo.state("going"), end);
        let snap = repo.git(&["rev-parse", "refs/agents/going/snapshot^"]);
        assert_eq!(snap, commit, "{verb}");
        let out = repo.agent(&["gc"]).success().stdout;
        assert!(!out.contains("going"), "{verb}: {out}");
        repo.fsck_clean(verb);
    }
}

#[test]
fn gc_finishes_an_interrupted_restore_instead_of_forgetting_it() {
    let repo = TestRepo::new();
    let wt = busy_session(&repo, "half");
    let before = repo.fingerprint(&wt);
    repo.agent(&["discard", "half"]).success();
    // Killed right after step 1 of restore.
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "--detach",
        "--no-checkout",
        "--lock",
        "--reason",
        "git-agent half",
        wt.to_str().unwrap(),
        "refs/agents/half/snapshot^1",
    ]);
    let out = repo.agent(&["gc", "--expire", "now"]).success().stdout;
    assert_eq!(
        out,
        format!(
            "repair half: its restore into {} was interrupted; finished it\n",
            wt.display()
        )
    );
    assert_eq!(repo.state("half"), "active");
    assert_eq!(repo.fingerprint(&wt), before);
    repo.fsck_clean("at the end");
}

#[test]
fn gc_prunes_empty_directories_and_stale_records_but_nothing_with_content() {
    let repo = TestRepo::new();
    repo.new_session(&["keepme"]);
    repo.new_session(&["gone"]);
    repo.agent(&["discard", "gone"]).success();
    std::fs::create_dir_all(repo.path(".worktrees/gone/a/b")).unwrap();
    // Not git-agent's: a directory it did not make, even an empty one.
    std::fs::create_dir_all(repo.path(".worktrees/hollow/a/b")).unwrap();
    write(&repo.path(".worktrees/junk/deep/file.txt"), "mine\n");
    std::fs::create_dir_all(repo.path(".worktrees/junk/empty")).unwrap();
    std::fs::create_dir_all(repo.path(".git/refs/agents/ghost/x")).unwrap();
    // A session's worktree deleted by hand, after a gc-less discard left
    // its record: pruned.
    let lost = repo.new_session(&["lost"]);
    std::fs::remove_dir_all(&lost).unwrap();
    // A plain worktree (not a session) whose directory is away for now,
    // and one locked by another tool: not git-agent's, left to git.
    let plain = repo.base().join("plain");
    repo.git(&["worktree", "add", "-q", "--detach", plain.to_str().unwrap()]);
    let away = repo.base().join("plain-away");
    std::fs::rename(&plain, &away).unwrap();
    let locked = repo.base().join("locked");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "--detach",
        "--lock",
        "--reason",
        "other tool",
        locked.to_str().unwrap(),
    ]);
    std::fs::remove_dir_all(&locked).unwrap();

    let out = repo.agent(&["gc"]).success().stdout;
    assert!(!out.contains("plain"), "{out}");
    assert!(out.contains("prune gone: empty directory"), "{out}");
    assert!(out.contains("prune: empty ref directory"), "{out}");
    assert!(!repo.path(".worktrees/gone").exists());
    assert!(repo.path(".worktrees/hollow/a/b").is_dir());
    assert!(!repo.path(".git/refs/agents/ghost").exists());
    assert_eq!(
        std::fs::read_to_string(repo.path(".worktrees/junk/deep/file.txt")).unwrap(),
        "mine\n"
    );
    assert!(repo.path(".worktrees/junk/empty").is_dir());
    assert!(repo.path(".worktrees/keepme/a.txt").exists());
    let list = repo.git(&["worktree", "list"]);
    assert!(list.contains("plain") && list.contains("locked"), "{list}");
    assert!(!list.contains(".worktrees/lost"), "{list}");
    // The user's worktree works again once its directory is back.
    std::fs::rename(&away, &plain).unwrap();
    repo.git_in(&plain, &["status", "--short"]);
    assert_eq!(repo.state("keepme"), "active");
    assert!(Path::new(&repo.path(".git/refs/agents/keepme")).is_dir());
    repo.fsck_clean("at the end");
}

#[test]
fn gc_with_the_worktree_dir_beside_the_repository_removes_no_sibling() {
    let repo = TestRepo::new();
    repo.git(&["config", "agent.worktreeDir", ".."]);
    std::fs::create_dir_all(repo.base().join("empty-sibling/deeper")).unwrap();
    let wt = repo.new_session(&["beside"]);
    assert_eq!(wt, repo.base().join("beside"));
    repo.agent(&["discard", "beside"]).success();
    std::fs::create_dir_all(repo.base().join("beside/left")).unwrap();
    let out = repo.agent(&["gc"]).success().stdout;
    assert!(out.contains("prune beside: empty directory"), "{out}");
    assert!(!out.contains("empty-sibling"), "{out}");
    assert!(repo.base().join("empty-sibling/deeper").is_dir());
    assert!(repo.home.is_dir());
}

/// Rewrite the `updated` time in a session's stored metadata, as if its
/// last change had been then.
fn age_session(repo: &TestRepo, id: &str, updated: &str) {
    let meta = repo.git(&["cat-file", "-p", &format!("refs/agents/{id}/meta")]);
    let meta: Vec<String> = meta
        .lines()
        .map(|l| {
            if l.starts_with("updated = ") {
                format!("updated = \"{updated}\"")
            } else {
                l.to_owned()
            }
        })
        .collect();
    set_meta(repo, id, &meta.join("\n"));
}

#[test]
fn the_default_expiry_forgets_a_session_older_than_two_weeks_with_its_logs() {
    // gc dates a session by its metadata's `updated`, against the clock.
    let repo = TestRepo::new();
    let fake = fake_agent();
    repo.agent(&["new", "old", "--detach", "--", &fake, "write", "o.txt", "o"])
        .success();
    repo.agent(&["wait", "old", "--timeout", "60s"]).success();
    let logs = repo.path(".git/agents/old");
    assert!(logs.join("run.log").exists(), "a detached run logs there");
    write(&logs.join("extra/notes.txt"), "more\n");
    repo.agent(&["discard", "old"]).success();
    let three_weeks = humantime::format_rfc3339_seconds(
        std::time::SystemTime::now() - std::time::Duration::from_secs(21 * 24 * 3600),
    )
    .to_string();
    age_session(&repo, "old", &three_weeks);
    // Thirteen days: not yet.
    let wt = repo.new_session(&["young"]);
    write(&wt.join("y.txt"), "y\n");
    repo.agent(&["discard", "young"]).success();
    let thirteen_days = humantime::format_rfc3339_seconds(
        std::time::SystemTime::now() - std::time::Duration::from_secs(13 * 24 * 3600),
    )
    .to_string();
    age_session(&repo, "young", &thirteen_days);

    let out = repo.agent(&["gc"]).success().stdout;
    assert!(out.contains("forget old: discarded 3 weeks ago"), "{out}");
    assert!(!out.contains("young"), "{out}");
    assert!(
        !logs.exists(),
        "its logs directory, contents and all, is gone"
    );
    assert_eq!(
        repo.git(&["for-each-ref", "--format=%(refname)", "refs/agents/"]),
        "refs/agents/young/base\nrefs/agents/young/meta\nrefs/agents/young/snapshot"
    );
    assert_eq!(repo.state("young"), "discarded");
    repo.agent(&["restore", "young"]).success();
    assert_eq!(std::fs::read_to_string(wt.join("y.txt")).unwrap(), "y\n");
    repo.fsck_clean("at the end");
}

#[test]
fn a_branch_deleted_the_way_a_user_can_is_reported_and_repaired() {
    let repo = TestRepo::new();
    let (wt, commit) = committed_session(&repo, "x");
    // git itself refuses: the branch is checked out in the session's worktree.
    let refused = repo.git_out(&repo.root, &["branch", "-D", "agent/x"]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("used by worktree"), "{err}");
    assert_eq!(repo.state("x"), "active");
    // What a user can do: switch the worktree away, then delete it.
    repo.git_in(&wt, &["switch", "-q", "--detach"]);
    repo.git(&["branch", "-D", "agent/x"]);
    let list = repo.agent(&["list"]).success().stdout;
    assert!(list.contains("broken"), "{list}");
    let show = repo.agent(&["show", "x"]).success();
    assert!(
        show.stderr
            .contains("hint: session x is broken: its worktree or branch is gone"),
        "{}",
        show.stderr
    );
    let plan = repo.agent(&["gc", "--dry-run"]).success().stdout;
    assert!(
        plan.contains(&format!(
            "repair x: branch agent/x was deleted; to be re-created at {} from the worktree's HEAD",
            &commit[..7]
        )),
        "a dry run speaks of what it would do: {plan}"
    );
    let out = repo.agent(&["gc"]).success().stdout;
    assert!(
        out.contains(&format!(
            "repair x: branch agent/x was deleted; re-created at {} from the worktree's HEAD",
            &commit[..7]
        )),
        "{out}"
    );
    assert_eq!(repo.git(&["rev-parse", "agent/x"]), commit);
    assert_eq!(
        repo.git_in(&wt, &["symbolic-ref", "HEAD"]),
        "refs/heads/agent/x"
    );
    assert_eq!(repo.state("x"), "active");
    repo.fsck_clean("at the end");
}

#[test]
fn a_hand_run_worktree_prune_is_reported_and_settled() {
    let repo = TestRepo::new();
    let (wt, commit) = committed_session(&repo, "x");
    std::fs::remove_dir_all(&wt).unwrap();
    // The lock keeps git's own prune off the record.
    repo.git(&["worktree", "prune"]);
    assert!(repo.git(&["worktree", "list"]).contains(".worktrees/x"));
    assert_eq!(repo.state("x"), "broken");
    // Unlocked and pruned by hand: the record goes, the branch stays.
    repo.git(&["worktree", "unlock", wt.to_str().unwrap()]);
    repo.git(&["worktree", "prune"]);
    assert!(!repo.git(&["worktree", "list"]).contains(".worktrees/x"));
    let show = repo.agent(&["show", "x"]).success();
    assert!(
        show.stderr.contains("hint: session x is broken"),
        "{}",
        show.stderr
    );
    assert!(show.stdout.contains("(none; was "), "{}", show.stdout);
    let out = repo.agent(&["gc"]).success().stdout;
    assert!(
        out.contains(&format!(
            "mark-broken x: its worktree {} is gone; branch agent/x remains; its tip {} is saved in refs/agents/x/snapshot",
            wt.display(),
            &commit[..7]
        )),
        "{out}"
    );
    assert_eq!(repo.git(&["rev-parse", "refs/agents/x/snapshot^1"]), commit);
    assert_eq!(repo.agent(&["gc"]).success().stdout, "");
    repo.agent(&["discard", "x"]).success();
    assert_eq!(repo.git(&["rev-parse", "refs/agents/x/snapshot^1"]), commit);
    repo.fsck_clean("at the end");
}

#[test]
fn a_keep_killed_in_flight_is_reported_and_finished_by_keeping_again() {
    for point in [
        "keep:applied",
        "keep:worktree-removed",
        "keep:branch-deleted",
    ] {
        let repo = TestRepo::new();
        let (wt, commit) = committed_session(&repo, "k");
        write(&wt.join("u.txt"), "u\n");
        let out = repo.agent_env(&[("GIT_AGENT_FAULT", point)], &["keep", "k"]);
        assert_eq!(out.code, 137, "{point}");
        repo.fsck_clean(point);
        repo.agent(&["list", "--all"]).success();
        let gc = repo.agent(&["gc"]).success();
        if point != "keep:applied" {
            // Claimed, then killed: gc says what happened and what to do.
            assert!(
                gc.stderr
                    .contains("hint: session k was left half-done by a keep (pid ")
                    && gc
                        .stderr
                        .contains("run `git agent keep k` again to finish it"),
                "{point}: {}",
                gc.stderr
            );
            assert_eq!(repo.state("k"), "broken", "{point}");
        }
        assert!(!gc.stdout.contains("mark-broken"), "{point}: {}", gc.stdout);
        // Nothing is lost: the whole change is in the session's snapshot.
        let snap = repo.git(&["rev-parse", "refs/agents/k/snapshot"]);
        assert_eq!(repo.git(&["rev-parse", &format!("{snap}^1")]), commit);
        assert_eq!(repo.git(&["show", &format!("{snap}:u.txt")]), "u");
        repo.agent(&["keep", "k"]).success();
        assert_eq!(repo.state("k"), "kept", "{point}");
        assert_eq!(repo.read("u.txt"), "u\n", "{point}");
        assert_eq!(repo.read("k.txt"), "k", "{point}");
        assert_eq!(
            repo.git(&["diff", "--cached", "--name-only"]),
            "k.txt\nu.txt",
            "{point}"
        );
        repo.fsck_clean(point);
    }
}

#[test]
fn a_bad_expire_is_bad_usage() {
    let repo = TestRepo::new();
    let run = repo.agent(&["gc", "--expire", "bogus"]).fails(2);
    assert!(run.stderr.contains("not a date"), "{}", run.stderr);
    // A bad configured value is the repository's problem: exit 1.
    repo.git(&["config", "agent.gcExpire", "bogus"]);
    repo.agent(&["gc"]).fails(1);
}

#[test]
fn a_session_with_an_unreadable_update_time_can_still_be_forgotten() {
    let repo = TestRepo::new();
    repo.new_session(&["odd"]);
    repo.agent(&["discard", "odd"]).success();
    age_session(&repo, "odd", "yesterday-ish");
    let out = repo.agent(&["gc", "--expire", "now"]).success().stdout;
    assert!(out.contains("forget odd: discarded"), "{out}");
    assert_eq!(repo.git(&["for-each-ref", "refs/agents/odd/"]), "");
}

#[test]
fn a_discard_that_fails_leaves_no_claim_that_reads_as_killed() {
    let repo = TestRepo::new();
    repo.new_session(&["s"]);
    // The trash cannot be made: removing the worktree fails.
    std::fs::create_dir_all(repo.path(".git/agents")).unwrap();
    std::fs::write(repo.path(".git/agents/trash"), "in the way\n").unwrap();
    repo.agent(&["discard", "s"]).fails(1);
    std::fs::remove_file(repo.path(".git/agents/trash")).unwrap();
    let show = repo.agent(&["show", "s"]).success();
    assert!(!show.stdout.contains("killed"), "{}", show.stdout);
    assert!(!show.stderr.contains("killed"), "{}", show.stderr);
    let gc = repo.agent(&["gc"]).success();
    assert!(!gc.stderr.contains("killed"), "{}", gc.stderr);
    assert_eq!(repo.state("s"), "active");
    repo.agent(&["discard", "s"]).success();
}
