//! land: many sessions home as commits on the current branch, in an order
//! that lands the most, each atomic, tested in a scratch checkout; the
//! caller's own work untouched.

use serde_json::Value;

use crate::common::{TestRepo, set_meta, write};

/// A `done` session `id` whose run wrote `text` to `file` (appended when
/// `append`), made with a foreground run.
pub(crate) fn done(repo: &TestRepo, id: &str, file: &str, text: &str) {
    let script = format!("mkdir -p \"$(dirname '{file}')\"; printf '%s\\n' '{text}' >> '{file}'");
    repo.agent(&["new", id, "--", "sh", "-c", &script])
        .success();
    assert_eq!(repo.state(id), "done");
}

fn land_json(repo: &TestRepo, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["land", "--json"];
    all.extend_from_slice(args);
    let run = repo.agent(&all);
    let json: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("land --json printed invalid JSON ({e}): {run:?}"));
    (run.code, json)
}

fn results(json: &Value) -> Vec<(String, String)> {
    json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["session"].as_str().unwrap().to_owned(),
                r["result"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn order(json: &Value) -> Vec<String> {
    json["order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn two_land_and_the_conflicting_one_stays_live_with_its_reason() {
    let repo = TestRepo::new();
    // b and c both append to a.txt (conflict); a touches its own file and
    // is created last, yet overlaps nothing, so it goes first.
    done(&repo, "b", "a.txt", "from b");
    done(&repo, "c", "a.txt", "from c");
    done(&repo, "a", "docs/a.md", "from a");
    let head = repo.git(&["rev-parse", "HEAD"]);
    let run = repo.agent(&["land"]);
    assert_eq!(run.code, 1, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], "order: a b c", "{run:?}");
    assert!(lines[1].starts_with("landed a "), "{run:?}");
    assert!(lines[2].starts_with("landed b "), "{run:?}");
    assert_eq!(lines[3], "conflict c: a.txt", "{run:?}");
    // Two commits, one per landed session, each with its note.
    assert_eq!(repo.git(&["rev-parse", "HEAD~2"]), head);
    assert_eq!(repo.read("a.txt"), "alpha\nbeta\ngamma\nfrom b\n");
    assert_eq!(repo.read("docs/a.md"), "from a\n");
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    let note = repo.git(&["notes", "--ref=refs/notes/agents", "show", "HEAD"]);
    assert!(note.contains("session = \"b\""), "{note}");
    assert!(note.contains("how = \"land\""), "{note}");
    assert_eq!(
        repo.git(&["config", "--get-all", "notes.rewriteRef"]),
        "refs/notes/agents",
        "set once, not once a landing"
    );
    assert_eq!(repo.state("a"), "kept");
    assert_eq!(repo.state("b"), "kept");
    assert!(!repo.path(".worktrees/a").exists());
    assert_eq!(repo.git(&["branch", "--list", "agent/b"]), "");
    // c stays live, with why.
    let c = repo.json(&["show", "c", "--json"]);
    assert_eq!(c["state"], "done");
    assert_eq!(c["land"]["result"], "conflict");
    assert_eq!(c["land"]["paths"], serde_json::json!(["a.txt"]));
    assert!(repo.path(".worktrees/c").exists());
    let listed = repo.json(&["list", "--json"]);
    assert_eq!(listed[0]["land"]["result"], "conflict");
    repo.fsck_clean("after land");
}

#[test]
fn a_fleet_of_twelve_lands_a_maximal_set() {
    let repo = TestRepo::new();
    // 4 conflicting pairs (each pair appends to its own shared file) and 4
    // sessions on files of their own.
    for pair in 0..4 {
        let file = format!("shared{pair}.txt");
        repo.write(&file, "start\n");
    }
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "shared files"]);
    for pair in 0..4 {
        let file = format!("shared{pair}.txt");
        done(&repo, &format!("p{pair}x"), &file, "x");
        done(&repo, &format!("p{pair}y"), &file, "y");
    }
    for alone in 0..4 {
        done(
            &repo,
            &format!("solo{alone}"),
            &format!("solo{alone}.txt"),
            "solo",
        );
    }
    let (code, json) = land_json(&repo, &[]);
    assert_eq!(code, 1);
    let order = order(&json);
    assert_eq!(order.len(), 12);
    // The disjoint ones first, then one of each pair, its rival last.
    assert_eq!(&order[..4], ["solo0", "solo1", "solo2", "solo3"]);
    assert_eq!(&order[4..8], ["p0x", "p1x", "p2x", "p3x"]);
    assert_eq!(&order[8..], ["p0y", "p1y", "p2y", "p3y"]);
    let results = results(&json);
    let landed = results.iter().filter(|(_, r)| r == "landed").count();
    let conflicts = results.iter().filter(|(_, r)| r == "conflict").count();
    assert_eq!((landed, conflicts), (8, 4), "{json:#}");
    for r in json["results"].as_array().unwrap() {
        if r["result"] == "landed" {
            assert_eq!(r["commit"].as_str().unwrap().len(), 40, "{r}");
        } else {
            assert!(r["commit"].is_null(), "{r}");
        }
    }
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]), "10");
}

#[test]
fn the_test_runs_on_the_exact_tree_in_a_scratch_checkout_and_a_failure_leaves_the_branch() {
    let repo = TestRepo::new();
    done(&repo, "good", "docs/good.md", "good");
    done(&repo, "bad", "docs/bad.md", "bad");
    // The caller's own untracked work, which the scratch checkout lacks.
    repo.write("mine.txt", "mine\n");
    let root = repo.root.display().to_string();
    // Passes for a tree with good.md and without bad.md, outside the caller's checkout.
    let test = format!(
        "test -f docs/good.md && ! test -f docs/bad.md && ! test -f mine.txt && test \"$(pwd -P)\" != '{root}' && git rev-parse HEAD >> '{root}/../tested'"
    );
    let head = repo.git(&["rev-parse", "HEAD"]);
    let run = repo.agent(&["land", "--test", &test]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("landed good "), "{run:?}");
    assert!(run.stdout.contains("test-failed bad"), "{run:?}");
    assert_eq!(repo.git(&["rev-parse", "HEAD~1"]), head);
    assert!(!repo.path("docs/bad.md").exists());
    // The commit tested is the one that landed.
    let tested = std::fs::read_to_string(repo.base().join("tested")).unwrap();
    assert_eq!(tested.trim(), repo.git(&["rev-parse", "HEAD"]));
    let bad = repo.json(&["show", "bad", "--json"]);
    assert_eq!(bad["land"]["result"], "test-failed");
    assert_eq!(bad["state"], "done");
    assert_eq!(repo.read("mine.txt"), "mine\n");
    // No scratch checkout is left behind.
    assert_eq!(
        repo.git(&["worktree", "list", "--porcelain"])
            .matches("worktree ")
            .count(),
        2
    );
}

#[test]
fn a_dry_run_changes_nothing_and_predicts_the_real_run() {
    let repo = TestRepo::new();
    done(&repo, "b", "a.txt", "from b");
    done(&repo, "c", "a.txt", "from c");
    done(&repo, "a", "docs/a.md", "from a");
    done(&repo, "t", "docs/t.md", "t");
    let test = "! test -f docs/t.md";
    let refs = || repo.git(&["for-each-ref"]);
    let (before, fp) = (refs(), repo.fingerprint(&repo.root));
    let (dry_code, dry) = land_json(&repo, &["--dry-run", "--test", test]);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(refs(), before, "dry run moved a ref");
    assert_eq!(repo.fingerprint(&repo.root), fp);
    assert_eq!(repo.state("a"), "done");
    let (code, real) = land_json(&repo, &["--test", test]);
    assert_eq!(real["dry_run"], false);
    assert_eq!((dry_code, order(&dry)), (code, order(&real)));
    assert_eq!(results(&dry), results(&real));
    assert_eq!(
        results(&real),
        [
            ("a".to_owned(), "landed".to_owned()),
            ("t".to_owned(), "test-failed".to_owned()),
            ("b".to_owned(), "landed".to_owned()),
            ("c".to_owned(), "conflict".to_owned()),
        ]
    );
}

#[test]
fn the_caller_s_unstaged_and_untracked_work_stays_byte_identical() {
    let repo = TestRepo::new();
    done(&repo, "s", "a.txt", "from s");
    done(&repo, "t", "docs/guide.md", "more");
    // Unstaged edit in a file the session also changes (a different line),
    // and an untracked file.
    repo.write("a.txt", "ALPHA\nbeta\ngamma\n");
    repo.write("notes/todo.txt", "todo\n");
    let diff_before = repo.git(&["diff", "-U0", "--no-prefix"]);
    repo.agent(&["land"]).success();
    // The landing merged under the unstaged edit, which is still exactly
    // the caller's (and still unstaged); the untracked file is untouched.
    assert_eq!(repo.read("a.txt"), "ALPHA\nbeta\ngamma\nfrom s\n");
    assert_eq!(repo.read("notes/todo.txt"), "todo\n");
    assert_eq!(
        repo.git(&["show", "HEAD~1:a.txt"]),
        "alpha\nbeta\ngamma\nfrom s"
    );
    let hunks = |d: &str| -> Vec<String> {
        d.lines()
            .filter(|l| l.starts_with('+') || l.starts_with('-'))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(
        hunks(&repo.git(&["diff", "-U0", "--no-prefix"])),
        hunks(&diff_before)
    );
    assert_eq!(repo.git(&["diff", "--cached", "--name-only"]), "");
    assert_eq!(
        repo.git(&["status", "--porcelain", "--untracked-files=all"]),
        " M a.txt\n?? notes/todo.txt"
    );
}

#[test]
fn the_caller_s_own_edit_in_the_way_is_a_conflict_and_nothing_changes() {
    let repo = TestRepo::new();
    done(&repo, "s", "a.txt", "from s");
    repo.write("a.txt", "alpha\nbeta\ngamma\nmine\n");
    let fp = repo.fingerprint(&repo.root);
    let run = repo.agent(&["land"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("conflict s: a.txt"), "{run:?}");
    assert_eq!(repo.fingerprint(&repo.root), fp);
    assert_eq!(repo.read("a.txt"), "alpha\nbeta\ngamma\nmine\n");
}

#[test]
fn staged_work_a_detached_head_or_a_merge_in_progress_are_refused_before_anything_lands() {
    let repo = TestRepo::new();
    done(&repo, "s", "docs/s.md", "s");
    let refs = || repo.git(&["for-each-ref"]);
    // Staged work.
    repo.write("a.txt", "staged\n");
    repo.git(&["add", "a.txt"]);
    let before = (refs(), repo.fingerprint(&repo.root));
    let run = repo.agent(&["land"]).fails(1);
    assert!(run.stderr.contains("staged changes"), "{run:?}");
    assert_eq!((refs(), repo.fingerprint(&repo.root)), before);
    repo.git(&["reset", "-q", "--hard"]);
    // Detached HEAD.
    repo.git(&["checkout", "-q", "--detach"]);
    let run = repo.agent(&["land"]).fails(1);
    assert!(run.stderr.contains("detached"), "{run:?}");
    repo.git(&["checkout", "-q", "main"]);
    // A merge in progress.
    repo.diverge_on_a_txt();
    assert!(
        !repo
            .git_out(&repo.root, &["merge", "side"])
            .status
            .success()
    );
    let before = refs();
    let run = repo.agent(&["land"]).fails(1);
    assert!(run.stderr.contains("middle of a merge"), "{run:?}");
    assert_eq!(refs(), before);
    assert_eq!(repo.state("s"), "done");
}

/// Give `id` a review with `verdict` of its current snapshot (or of
/// `of`), appended to its metadata.
fn review(repo: &TestRepo, id: &str, verdict: &str, of: Option<&str>) {
    let meta = repo.git(&["cat-file", "blob", &format!("refs/agents/{id}/meta")]);
    let snap = repo.git(&["rev-parse", &format!("refs/agents/{id}/snapshot")]);
    let of = of.unwrap_or(&snap);
    set_meta(
        repo,
        id,
        &format!(
            "{meta}\n\n[review]\nverdict = \"{verdict}\"\nat = \"2026-01-01T00:00:00Z\"\nof = \"{of}\"\n"
        ),
    );
}

#[test]
fn unapproved_or_stale_reviews_are_skipped_unless_named() {
    let repo = TestRepo::new();
    done(&repo, "ok", "docs/ok.md", "ok");
    done(&repo, "no", "docs/no.md", "no");
    done(&repo, "old", "docs/old.md", "old");
    review(&repo, "ok", "approved", None);
    review(&repo, "no", "changes_requested", None);
    review(
        &repo,
        "old",
        "approved",
        Some(&repo.git(&["rev-parse", "HEAD"])),
    );
    let (code, json) = land_json(&repo, &[]);
    assert_eq!(code, 0, "skipped ones are not failures: {json:#}");
    assert_eq!(order(&json), ["ok"]);
    let results = results(&json);
    assert!(
        results.contains(&("no".into(), "skipped".into())),
        "{json:#}"
    );
    assert!(
        results.contains(&("old".into(), "skipped".into())),
        "{json:#}"
    );
    let reasons: Vec<&str> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["reason"].as_str())
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("changes_requested")),
        "{reasons:?}"
    );
    assert!(reasons.iter().any(|r| r.contains("stale")), "{reasons:?}");
    // The review verdict travels in the note.
    let note = repo.git(&["notes", "--ref=refs/notes/agents", "show", "HEAD"]);
    assert!(note.contains("review = \"approved\""), "{note}");
    // Named, they land.
    let (code, json) = land_json(&repo, &["no", "old"]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(order(&json), ["no", "old"]);
}

#[test]
fn named_sessions_that_cannot_land_are_skipped_and_unknown_ids_refused() {
    let repo = TestRepo::new();
    done(&repo, "s", "docs/s.md", "s");
    let wt = repo.new_session(&["t-idle"]);
    write(&wt.join("docs/idle.md"), "idle\n");
    repo.agent(&["land", "nope"]).fails(1);
    assert_eq!(repo.state("s"), "done");
    // An active session lands when named (after the older one); a kept one
    // is skipped.
    let (code, json) = land_json(&repo, &["s", "t-idle"]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(order(&json), ["s", "t-idle"]);
    let (_, json) = land_json(&repo, &["s"]);
    assert_eq!(results(&json), [("s".to_owned(), "skipped".to_owned())]);
    assert!(
        json["results"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("already kept")
    );
}

#[test]
fn commit_replays_the_session_s_commits() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["s"]);
    write(&wt.join("one.txt"), "1\n");
    repo.git_in(&wt, &["add", "-A"]);
    repo.git_in(&wt, &["commit", "-qm", "first of s"]);
    write(&wt.join("two.txt"), "2\n");
    let head = repo.git(&["rev-parse", "HEAD"]);
    repo.agent(&["land", "s", "--commit"]).success();
    assert_eq!(repo.git(&["rev-parse", "HEAD~2"]), head);
    assert_eq!(
        repo.git(&["log", "-1", "--format=%s", "HEAD~1"]),
        "first of s"
    );
    let note = repo.git(&["notes", "--ref=refs/notes/agents", "show", "HEAD~1"]);
    assert!(note.contains("how = \"land --commit\""), "{note}");
}

#[test]
fn keep_and_land_refuse_a_session_with_unresolved_conflicts_naming_them() {
    let repo = TestRepo::new();
    done(&repo, "s", "a.txt", "from s");
    repo.write("a.txt", "alpha\nbeta\ngamma\nfrom main\n");
    repo.git(&["commit", "-qam", "main moves"]);
    let run = repo.agent(&["sync", "s"]);
    assert_eq!(run.code, 1, "{run:?}");
    let run = repo.agent(&["keep", "s"]).fails(1);
    assert!(
        run.stderr.contains("unresolved conflicts: a.txt"),
        "{run:?}"
    );
    let (code, json) = land_json(&repo, &["s"]);
    assert_eq!(code, 0);
    assert_eq!(results(&json), [("s".to_owned(), "skipped".to_owned())]);
    assert!(
        json["results"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("a.txt")
    );
}

#[test]
fn fetched_sessions_are_never_landed_or_synced() {
    let repo = TestRepo::new();
    done(&repo, "s", "docs/s.md", "s");
    let other = repo.clone_through_origin("other");
    repo.agent(&["push"]).success();
    repo.agent_in(&other, &["fetch"]).success();
    let head = repo.git_in(&other, &["rev-parse", "HEAD"]);
    let run = repo.agent_in(&other, &["land"]).success();
    assert_eq!(run.stdout, "order: nothing to land\n");
    let run = repo.agent_in(&other, &["land", "s"]).success();
    assert!(
        run.stdout.contains("skipped s: fetched from another clone"),
        "{run:?}"
    );
    repo.agent_in(&other, &["sync", "s"]).fails(1);
    assert_eq!(repo.git_in(&other, &["rev-parse", "HEAD"]), head);
    assert!(!other.join("docs/s.md").exists());
}

#[test]
fn what_is_written_in_a_session_while_it_lands_is_saved_before_its_worktree_goes() {
    let repo = TestRepo::new();
    done(&repo, "s", "docs/s.md", "s");
    let pause = repo.base().join("paused");
    let child = repo.spawn_agent(Some(("land:head-moved", &pause)), &["land"]);
    crate::common::wait_for_pause(&pause);
    write(&repo.path(".worktrees/s/late.txt"), "late\n");
    std::fs::remove_file(&pause).unwrap();
    let out = crate::common::finishes_ok(child);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("changed while it was being landed"),
        "{stderr}"
    );
    assert!(!repo.path("late.txt").exists());
    assert_eq!(repo.state("s"), "kept");
    assert_eq!(
        repo.git(&["show", "refs/agents/s/snapshot:late.txt"]),
        "late"
    );
}
