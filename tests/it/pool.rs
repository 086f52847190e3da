//! The warm pool (`agent.pool`): spare worktrees that `new` takes, `keep`
//! and `discard` give back, `pool` shows, fills and empties, `gc` trims.
//! Every session made from a spare must be exactly what a fresh `git
//! worktree add` of its base would be, and nothing of one session may
//! reach another.

use std::path::{Path, PathBuf};

use crate::common::{TestRepo, files, wait_for_pause, write};

/// `agent.pool = n` and `pool --fill`: n ready spares.
fn filled(repo: &TestRepo, n: usize) -> Vec<PathBuf> {
    repo.git(&["config", "agent.pool", &n.to_string()]);
    repo.agent(&["pool", "--fill"]).success();
    let spares = spares(repo);
    assert_eq!(spares.len(), n, "pool --fill makes {n} spares");
    assert!(
        spares.iter().all(|(_, _, ready)| *ready),
        "pool --fill returns when every spare is ready: {spares:?}"
    );
    spares.into_iter().map(|(path, _, _)| path).collect()
}

/// `pool --json`'s spares: (path, commit, ready).
fn spares(repo: &TestRepo) -> Vec<(PathBuf, String, bool)> {
    let json = repo.json(&["pool", "--json"]);
    json["spares"]
        .as_array()
        .expect("spares is an array")
        .iter()
        .map(|s| {
            (
                PathBuf::from(s["path"].as_str().expect("path")),
                s["commit"].as_str().unwrap_or_default().to_owned(),
                s["ready"].as_bool().expect("ready"),
            )
        })
        .collect()
}

/// The name of git's record of the worktree at `dir` (`.git/worktrees/<name>`).
fn record(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join(".git")).expect("a linked worktree");
    Path::new(text.trim().strip_prefix("gitdir: ").expect("gitdir"))
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// The session `id`'s worktree `wt` is exactly a fresh `git worktree add`
/// of `rev` on its branch: the same files (kinds, modes, bytes, link
/// targets), the same index entries (modes, blobs, stages, skip-worktree
/// tags), `HEAD` on `agent/<id>` at that commit, and nothing untracked,
/// ignored or modified.
fn same_as_fresh(repo: &TestRepo, id: &str, wt: &Path, rev: &str) {
    // A refill `new` started may be running `git worktree add`: git's own
    // `worktree add` can die reading its half-written record (a race between
    // concurrent adds in git), so let it finish first.
    if repo
        .git_out(&repo.root, &["config", "agent.pool"])
        .status
        .success()
    {
        repo.agent(&["pool", "--fill"]);
    }
    let oracle = repo.base().join(format!("oracle-{id}"));
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "--detach",
        oracle.to_str().unwrap(),
        rev,
    ]);
    assert_eq!(
        files(wt),
        files(&oracle),
        "{id}: the files of a fresh checkout"
    );
    let index = |dir: &Path| repo.git_in(dir, &["ls-files", "--stage", "-t"]);
    assert_eq!(
        index(wt),
        index(&oracle),
        "{id}: the index of a fresh checkout"
    );
    assert_eq!(
        repo.git_in(wt, &["symbolic-ref", "HEAD"]),
        format!("refs/heads/agent/{id}"),
        "{id}"
    );
    assert_eq!(
        repo.git_in(wt, &["rev-parse", "HEAD"]),
        repo.git(&["rev-parse", &format!("{rev}^{{commit}}")]),
        "{id}"
    );
    assert_eq!(
        repo.git_in(
            wt,
            &[
                "status",
                "--porcelain",
                "--ignored",
                "--untracked-files=all"
            ]
        ),
        "",
        "{id}: nothing untracked, ignored or changed"
    );
    repo.git(&["worktree", "remove", "--force", oracle.to_str().unwrap()]);
}

/// Main moves on in every way a checkout must follow: an edit, a deletion,
/// new files, a mode change, a symbolic link, and a file that became a
/// directory (the test's `--base` session goes back: a directory that
/// becomes a file).
fn move_main_on(repo: &TestRepo) {
    repo.write("a.txt", "alpha\nBETA\ngamma\n");
    std::fs::remove_file(repo.path("docs/guide.md")).unwrap();
    repo.write("new/deep/file.txt", "new\n");
    repo.write("tool.sh", "#!/bin/sh\n");
    std::os::unix::fs::symlink("a.txt", repo.path("link")).unwrap();
    std::fs::remove_file(repo.path("src/lib.rs")).unwrap();
    repo.write("src/lib.rs/inner.rs", "// was a file\n");
    repo.git(&["add", "-A"]);
    repo.git(&["update-index", "--chmod=+x", "tool.sh"]);
    repo.git(&["commit", "-qm", "main moves on"]);
}

#[test]
fn a_session_from_a_spare_is_a_fresh_checkout_of_its_base_after_main_moved_on() {
    let repo = TestRepo::new();
    let made_at = repo.git(&["rev-parse", "HEAD"]);
    let spare = filled(&repo, 1).remove(0);
    let spare_record = record(&spare);
    move_main_on(&repo);
    let wt = repo.new_session(&["s"]);
    assert!(!spare.exists(), "the spare was taken");
    assert_eq!(record(&wt), spare_record, "the session is the spare, moved");
    same_as_fresh(&repo, "s", &wt, "HEAD");
    // git's records are right: the worktree is listed at its new path, locked for the session.
    let list = repo.git(&["worktree", "list", "--porcelain"]);
    assert!(
        list.contains(&format!("worktree {}\n", wt.display())),
        "{list}"
    );
    assert!(list.lines().any(|l| l == "locked git-agent s"), "{list}");
    // --base: a spare at a newer commit goes back to an older base.
    filled(&repo, 1);
    let wt = repo.new_session(&["old", "--base", &made_at]);
    same_as_fresh(&repo, "old", &wt, &made_at);
    repo.fsck_clean("after new from spares");
}

#[test]
fn nothing_of_a_discarded_session_reaches_the_next_and_it_still_restores() {
    let repo = TestRepo::new();
    repo.write(".gitignore", "*.log\n");
    repo.git(&["add", ".gitignore"]);
    repo.git(&["commit", "-qm", "ignore logs"]);
    let wt = repo.new_session(&["s1"]);
    write(&wt.join("committed.txt"), "c\n");
    repo.git_in(&wt, &["add", "committed.txt"]);
    repo.git_in(&wt, &["commit", "-qm", "agent commit"]);
    write(&wt.join("a.txt"), "staged\n");
    repo.git_in(&wt, &["add", "a.txt"]);
    write(&wt.join("src/lib.rs"), "unstaged\n");
    write(&wt.join("notes/untracked.txt"), "u\n");
    write(&wt.join("build.log"), "ignored\n");
    write(&wt.join("target/deep/cache.log"), "ignored\n");
    repo.git_in(
        &wt,
        &["update-index", "--assume-unchanged", "docs/guide.md"],
    );
    repo.git_in(&wt, &["config", "extensions.worktreeConfig", "true"]);
    repo.git_in(&wt, &["config", "--worktree", "user.name", "Leaked Name"]);
    write(&wt.join("docs/guide.md"), "hidden change\n");
    // The pool has room: discard gives the worktree back.
    repo.git(&["config", "agent.pool", "1"]);
    repo.agent(&["discard", "s1"]).success();
    assert!(!wt.exists());
    assert_eq!(
        repo.git(&["branch", "--list", "agent/s1"]),
        "",
        "branch deleted"
    );
    repo.agent(&["pool", "--fill"]).success();
    let spares = spares(&repo);
    assert_eq!(spares.len(), 1, "{spares:?}");
    assert_eq!(
        record(&spares[0].0),
        "s1",
        "the given-back worktree is the spare"
    );
    let next = repo.new_session(&["s2"]);
    assert_eq!(record(&next), "s1", "s2 got s1's worktree");
    same_as_fresh(&repo, "s2", &next, "HEAD");
    for gone in ["build.log", "target", "notes", "committed.txt"] {
        assert!(!next.join(gone).exists(), "{gone} of s1 leaked into s2");
    }
    assert_eq!(
        repo.git_in(&next, &["ls-files", "-v", "docs/guide.md"]),
        "H docs/guide.md"
    );
    let name = repo.git_out(&next, &["config", "user.name"]);
    assert!(
        name.stdout.is_empty(),
        "s1's worktree config leaked into s2: {}",
        String::from_utf8_lossy(&name.stdout)
    );
    // s1 comes back whole, untracked files and all, beside s2.
    repo.agent(&["restore", "s1"]).success();
    let read = |rel: &str| std::fs::read_to_string(wt.join(rel)).unwrap();
    assert_eq!(read("notes/untracked.txt"), "u\n");
    assert_eq!(read("src/lib.rs"), "unstaged\n");
    assert_eq!(read("committed.txt"), "c\n");
    assert_eq!(repo.git_in(&wt, &["show", ":a.txt"]), "staged");
    assert_eq!(
        repo.git_in(&wt, &["log", "-1", "--format=%s"]),
        "agent commit"
    );
    same_as_fresh(&repo, "s2", &next, "HEAD");
    repo.fsck_clean("after give-back");
}

#[test]
fn keep_gives_the_worktree_back_and_deletes_the_branch() {
    let repo = TestRepo::new();
    let (wt, _) = repo.session_with_work("s", "staged\n");
    repo.git(&["config", "agent.pool", "1"]);
    repo.agent(&["keep", "s"]).success();
    assert_eq!(repo.state("s"), "kept");
    assert!(!wt.exists());
    assert_eq!(repo.git(&["branch", "--list", "agent/s"]), "");
    assert_eq!(repo.read("untracked.txt"), "u\n", "the change came home");
    repo.agent(&["pool", "--fill"]).success();
    let spare = &spares(&repo)[0].0;
    assert_eq!(record(spare), "s");
    let wt = repo.new_session(&["t"]);
    same_as_fresh(&repo, "t", &wt, "HEAD");
}

#[test]
fn twelve_parallel_news_with_a_pool_of_two_make_twelve_distinct_correct_sessions() {
    let repo = TestRepo::new();
    filled(&repo, 2);
    let ids: Vec<String> = (0..12).map(|i| format!("p{i}")).collect();
    let runs: Vec<Vec<String>> = ids
        .iter()
        .map(|id| vec!["new".into(), id.clone()])
        .collect();
    crate::common::all_at_once(&repo, &runs);
    let mut records = std::collections::BTreeSet::new();
    for id in &ids {
        let wt = repo.path(&format!(".worktrees/{id}"));
        assert!(records.insert(record(&wt)), "{id} shares a worktree record");
        same_as_fresh(&repo, id, &wt, "HEAD");
        assert_eq!(repo.state(id), "active");
    }
    let listed = repo.json(&["list", "--json"]);
    assert_eq!(
        listed.as_array().unwrap().len(),
        12,
        "spares are never listed"
    );
    repo.agent(&["pool", "--fill"]).success();
    assert_eq!(spares(&repo).len(), 2, "refilled");
    repo.fsck_clean("after 12 parallel news");
}

#[test]
fn spares_never_show_in_list_or_status_and_clear_removes_them() {
    let repo = TestRepo::new();
    let made = filled(&repo, 2);
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    assert_eq!(
        repo.json(&["list", "--all", "--json"]),
        serde_json::json!([])
    );
    let worktrees = repo.git(&["worktree", "list", "--porcelain"]);
    assert_eq!(
        worktrees.matches("locked git-agent pool").count(),
        2,
        "{worktrees}"
    );
    let human = repo.agent(&["pool"]).success().stdout;
    assert!(human.starts_with("2 of 2 spare worktrees ready"), "{human}");
    // gc leaves spares alone while they are within agent.pool.
    assert_eq!(repo.agent(&["gc"]).success().stdout, "");
    assert!(made.iter().all(|p| p.exists()));
    repo.agent(&["pool", "--clear"]).success();
    assert_eq!(spares(&repo), vec![]);
    assert!(made.iter().all(|p| !p.exists()));
    assert_eq!(repo.git(&["worktree", "list"]).lines().count(), 1);
    // With the pool off, --fill is refused; --fill and --clear together are bad usage.
    repo.git(&["config", "agent.pool", "0"]);
    repo.agent(&["pool", "--fill"]).fails(1);
    repo.agent(&["pool", "--fill", "--clear"]).fails(2);
    repo.git(&["config", "agent.pool", "many"]);
    repo.agent(&["pool"]).fails(1);
}

#[test]
fn gc_trims_spares_beyond_the_pool_size() {
    let repo = TestRepo::new();
    filled(&repo, 3);
    repo.git(&["config", "agent.pool", "1"]);
    let dry = repo.json(&["gc", "--dry-run", "--json"]);
    assert_eq!(dry["actions"].as_array().unwrap().len(), 2, "{dry}");
    assert_eq!(spares(&repo).len(), 3, "a dry run changes nothing");
    let done = repo.json(&["gc", "--json"]);
    let reasons: Vec<&str> = done["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons.len(), 2, "{done}");
    assert!(
        reasons.iter().all(|r| r.contains("beyond agent.pool = 1")),
        "{reasons:?}"
    );
    assert_eq!(spares(&repo).len(), 1);
    assert_eq!(repo.git(&["worktree", "list"]).lines().count(), 2);
    repo.fsck_clean("after gc trimmed the pool");
}

#[test]
fn a_sparse_checkout_gets_a_spare_with_its_patterns() {
    let repo = TestRepo::new();
    repo.git(&["sparse-checkout", "set", "--cone", "src"]);
    assert!(!repo.path("docs/guide.md").exists());
    filled(&repo, 1);
    let spare = spares(&repo).remove(0).0;
    assert!(
        !spare.join("docs/guide.md").exists(),
        "the spare is sparse too"
    );
    let wt = repo.new_session(&["s"]);
    assert!(!spare.exists(), "taken");
    same_as_fresh(&repo, "s", &wt, "HEAD");
    assert_eq!(
        repo.git_in(&wt, &["sparse-checkout", "list"]),
        repo.git(&["sparse-checkout", "list"])
    );
    // A checkout with other patterns does not take it: it checks out as without a pool.
    repo.git(&["sparse-checkout", "set", "--cone", "docs"]);
    filled(&repo, 1);
    repo.git(&["sparse-checkout", "set", "--cone", "src", "docs"]);
    let wt = repo.new_session(&["t"]);
    assert!(wt.join("docs/guide.md").exists() && wt.join("src/lib.rs").exists());
    assert_eq!(
        spares(&repo).len(),
        1,
        "the spare with other patterns stays"
    );
}

#[test]
fn submodules_are_set_up_in_a_session_from_a_spare_and_never_handed_on() {
    let repo = TestRepo::new();
    repo.add_submodule("upstream", "sub");
    repo.git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "update",
        "--init",
    ]);
    filled(&repo, 1);
    let wt = repo.new_session(&["s"]);
    assert_eq!(
        std::fs::read_to_string(wt.join("sub/x.txt")).unwrap(),
        "x\n"
    );
    let s_record = record(&wt);
    // Work committed in the submodule (discard keeps it reachable there).
    write(&wt.join("sub/mine.txt"), "mine\n");
    repo.git_in(&wt.join("sub"), &["add", "."]);
    repo.git_in(&wt.join("sub"), &["commit", "-qm", "sub work"]);
    // Given back (the pool, refilled, has room once it may hold two): the
    // submodule's files and git dir go with the session.
    repo.agent(&["pool", "--fill"]).success();
    repo.git(&["config", "agent.pool", "2"]);
    repo.agent(&["discard", "s"]).success();
    repo.agent(&["pool", "--fill"]).success();
    let spare = spares(&repo)
        .into_iter()
        .map(|s| s.0)
        .find(|p| record(p) == s_record)
        .expect("the given-back worktree is a spare");
    assert_eq!(
        std::fs::read_dir(spare.join("sub")).unwrap().count(),
        0,
        "an empty submodule directory"
    );
    assert!(
        !repo
            .path(&format!(".git/worktrees/{s_record}/modules"))
            .exists()
    );
    // Spares taken until the one that was s's is a session too (a refill
    // started by the first `new` may finish first and be taken instead).
    for id in ["t1", "t2", "t3", "t4"] {
        if !spare.exists() {
            break;
        }
        let wt = repo.new_session(&[id]);
        assert_eq!(
            std::fs::read_to_string(wt.join("sub/x.txt")).unwrap(),
            "x\n"
        );
        assert!(
            !wt.join("sub/mine.txt").exists(),
            "s's submodule work leaked into {id}"
        );
        assert_eq!(
            repo.git_in(&wt, &["status", "--porcelain", "--ignored"]),
            ""
        );
    }
    // Which ready spare `new` takes depends on their (random) names: if s's
    // was never taken, it is still pristine.
    if spare.exists() {
        assert_eq!(
            repo.git_in(&spare, &["status", "--porcelain", "--ignored", "-uall"]),
            ""
        );
    }
}

#[test]
fn a_spare_being_filled_is_never_handed_out() {
    let repo = TestRepo::new();
    repo.git(&["config", "agent.pool", "1"]);
    let pause = repo.base().join("paused");
    let filler = repo.spawn_agent(Some(("pool:added", &pause)), &["pool", "--fill"]);
    wait_for_pause(&pause);
    let filling = spares(&repo);
    assert_eq!(filling.len(), 1);
    assert!(!filling[0].2, "not ready while being filled");
    let wt = repo.new_session(&["s"]);
    assert_ne!(
        record(&wt),
        record(&filling[0].0),
        "took a spare being filled"
    );
    assert!(filling[0].0.exists());
    same_as_fresh(&repo, "s", &wt, "HEAD");
    std::fs::remove_file(&pause).unwrap();
    crate::common::finishes_ok(filler);
    repo.agent(&["pool", "--fill"]).success();
    assert!(spares(&repo).iter().all(|s| s.2));
}

/// A crash at each pool point (`GIT_AGENT_FAULT`): afterwards no session
/// ever gets a half-made spare, the next `pool --fill` leaves only whole,
/// ready spares, and the session involved is finished by running its
/// command again. Called by `faults::every_crash_point…` for each point.
pub fn crash_scenario(repo: &TestRepo, point: &str) {
    let crash = |args: &[&str]| {
        let run = repo.agent_env(&[("GIT_AGENT_FAULT", point)], args);
        assert_eq!(run.code, 137, "{point}: expected the crash; {run:?}");
    };
    match point {
        "pool:added" | "pool:cleaned" => {
            repo.git(&["config", "agent.pool", "1"]);
            crash(&["pool", "--fill"]);
            assert!(spares(repo).iter().all(|s| !s.2), "{point}: nothing ready");
            let wt = repo.new_session(&["s"]);
            same_as_fresh(repo, "s", &wt, "HEAD");
        }
        "pool:claimed" | "pool:moved" => {
            filled(repo, 1);
            crash(&["new", "s"]);
            assert_eq!(repo.state("s"), "broken", "{point}");
            let other = repo.new_session(&["t"]);
            same_as_fresh(repo, "t", &other, "HEAD");
            repo.agent(&["discard", "s"]).success();
            assert_eq!(repo.git(&["branch", "--list", "agent/s"]), "", "{point}");
        }
        _ => {
            // pool:detached, pool:returned: discard, killed while giving back.
            let (wt, commit) = repo.session_with_work("s", "staged\n");
            write(&wt.join("secret.log"), "x\n");
            repo.git(&["config", "agent.pool", "1"]);
            crash(&["discard", "s"]);
            repo.assert_work_saved("s", &commit, "staged\n", point);
            repo.agent(&["discard", "s"]).success();
            assert_eq!(repo.state("s"), "discarded", "{point}");
            assert_eq!(repo.git(&["branch", "--list", "agent/s"]), "", "{point}");
            repo.agent(&["restore", "s"]).success();
            assert_eq!(
                std::fs::read_to_string(wt.join("untracked.txt")).unwrap(),
                "u\n"
            );
        }
    }
    repo.agent(&["pool", "--fill"]).success();
    let after = spares(repo);
    assert!(after.iter().all(|s| s.2), "{point}: {after:?}");
    for (i, (spare, commit, _)) in after.iter().enumerate() {
        assert_eq!(
            repo.git_in(spare, &["rev-parse", "HEAD"]),
            *commit,
            "{point}"
        );
        assert_eq!(
            repo.git_in(
                spare,
                &[
                    "status",
                    "--porcelain",
                    "--ignored",
                    "--untracked-files=all"
                ]
            ),
            "",
            "{point}: spare {i} is pristine"
        );
    }
    let wt = repo.new_session(&["u"]);
    same_as_fresh(repo, "u", &wt, "HEAD");
    repo.fsck_clean(point);
}

#[test]
fn new_carry_from_a_spare_carries_the_changes() {
    let repo = TestRepo::new();
    filled(&repo, 1);
    repo.write("a.txt", "carried\n");
    repo.git(&["add", "a.txt"]);
    repo.write("src/lib.rs", "unstaged\n");
    repo.write("fresh.txt", "untracked\n");
    let spare = spares(&repo).remove(0).0;
    let wt = repo.new_session(&["s", "--carry"]);
    assert!(!spare.exists(), "the spare was taken");
    assert_eq!(repo.git_in(&wt, &["show", ":a.txt"]), "carried");
    assert_eq!(
        std::fs::read_to_string(wt.join("src/lib.rs")).unwrap(),
        "unstaged\n"
    );
    assert_eq!(
        std::fs::read_to_string(wt.join("fresh.txt")).unwrap(),
        "untracked\n"
    );
    assert_eq!(
        repo.git_in(&wt, &["status", "--porcelain"]),
        "M  a.txt\n M src/lib.rs\n?? fresh.txt"
    );
    assert_eq!(
        repo.read("a.txt"),
        "carried\n",
        "the checkout is left as it was"
    );
}

#[test]
fn gc_removes_a_spare_a_killed_filler_left_half_made() {
    let repo = TestRepo::new();
    repo.git(&["config", "agent.pool", "1"]);
    let run = repo.agent_env(&[("GIT_AGENT_FAULT", "pool:added")], &["pool", "--fill"]);
    assert_eq!(run.code, 137, "{run:?}");
    let half = spares(&repo);
    assert_eq!(half.len(), 1);
    assert!(!half[0].2, "a half-made spare is not ready");
    let dry = repo.json(&["gc", "--dry-run", "--json"]);
    assert!(half[0].0.exists(), "a dry run changes nothing");
    let done = repo.json(&["gc", "--json"]);
    assert_eq!(dry["actions"], done["actions"]);
    let actions = done["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{done}");
    assert!(
        actions[0]["reason"]
            .as_str()
            .unwrap()
            .contains("left unfinished by a process that is gone"),
        "{done}"
    );
    assert_eq!(actions[0]["session"], serde_json::Value::Null);
    assert!(!half[0].0.exists());
    assert_eq!(spares(&repo), vec![]);
    assert_eq!(repo.git(&["worktree", "list"]).lines().count(), 1);
    repo.fsck_clean("after gc removed a half-made spare");
}
