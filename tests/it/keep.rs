//! keep: three-way, atomic, staged by default; --squash, --commit, notes.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::{TestRepo, fake_agent, finishes_ok, wait_for_pause, write};

/// The target's own work in `paths`: file bytes and index entries.
fn own_work(repo: &TestRepo, paths: &[&str]) -> String {
    let mut s = String::new();
    for p in paths {
        s.push_str(&format!("{p}: {:?}\n", std::fs::read(repo.path(p)).ok()));
        s.push_str(&repo.git(&["ls-files", "-s", "--", p]));
        s.push('\n');
    }
    s
}

#[test]
fn keep_stages_committed_uncommitted_and_untracked_work_into_a_moved_on_dirty_checkout() {
    let repo = TestRepo::new();
    repo.write("long.txt", "1\n2\n3\n4\n5\n6\n7\n8\n");
    repo.git(&["add", "long.txt"]);
    repo.git(&["commit", "-qm", "long"]);
    let wt = repo.new_session(&["work"]);
    write(&wt.join("long.txt"), "1\n2\n3\n4\n5\n6\n7\nEIGHT\n");
    write(&wt.join("committed.txt"), "c\n");
    repo.git_in(&wt, &["add", "committed.txt"]);
    repo.git_in(&wt, &["commit", "-qm", "agent commit"]);
    write(&wt.join("staged.txt"), "s\n");
    repo.git_in(&wt, &["add", "staged.txt"]);
    write(&wt.join("src/lib.rs"), "pub fn f() { changed() }\n");
    write(&wt.join("dir/untracked.txt"), "u\n");

    // The checkout moves on (an overlapping but mergeable edit) and has its own work.
    repo.write("long.txt", "ONE\n2\n3\n4\n5\n6\n7\n8\n");
    repo.git(&["commit", "-qam", "main moves on"]);
    repo.write("docs/guide.md", "# Guide, edited by me\n");
    repo.write("mine-staged.txt", "mine\n");
    repo.git(&["add", "mine-staged.txt"]);
    repo.write("mine-staged.txt", "mine, then unstaged\n");
    repo.write("mine-untracked.txt", "x\n");
    let own = own_work(
        &repo,
        &["docs/guide.md", "mine-staged.txt", "mine-untracked.txt"],
    );
    let head = repo.git(&["rev-parse", "HEAD"]);

    repo.agent(&["keep", "work"]).success();

    assert_eq!(
        repo.git(&["rev-parse", "HEAD"]),
        head,
        "default keep makes no commit"
    );
    assert_eq!(
        own_work(
            &repo,
            &["docs/guide.md", "mine-staged.txt", "mine-untracked.txt"]
        ),
        own
    );
    assert_eq!(repo.read("long.txt"), "ONE\n2\n3\n4\n5\n6\n7\nEIGHT\n");
    assert_eq!(repo.read("dir/untracked.txt"), "u\n");
    let cached = repo.git(&["diff", "--cached", "--name-status"]);
    assert_eq!(
        cached,
        "A\tcommitted.txt\nA\tdir/untracked.txt\nM\tlong.txt\nA\tmine-staged.txt\nM\tsrc/lib.rs\nA\tstaged.txt"
    );
    assert_eq!(
        repo.git(&["diff", "--name-only"]),
        "docs/guide.md\nmine-staged.txt",
        "own unstaged work stays unstaged"
    );
    // The session is kept: worktree and branch gone, refs kept.
    assert!(!wt.exists());
    assert_eq!(repo.git(&["branch", "--list", "agent/work"]), "");
    assert_eq!(repo.json(&["show", "work", "--json"])["state"], "kept");
    repo.git(&["rev-parse", "refs/agents/work/snapshot"]);
}

#[test]
fn keep_carries_deletions_renames_binaries_modes_and_symlinks() {
    let repo = TestRepo::new();
    repo.write("run.sh", "#!/bin/sh\necho hi\n");
    repo.write("old-name.txt", "same content\nlines\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "more files"]);
    let wt = repo.new_session(&["kinds"]);
    std::fs::remove_file(wt.join("a.txt")).unwrap();
    std::fs::rename(wt.join("old-name.txt"), wt.join("new-name.txt")).unwrap();
    std::fs::write(wt.join("blob.bin"), [0u8, 159, 146, 150, 0, 1, 2, 255]).unwrap();
    std::fs::set_permissions(wt.join("run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink("src/lib.rs", wt.join("link")).unwrap();
    // A file replaced by a directory.
    std::fs::remove_file(wt.join("docs/guide.md")).unwrap();
    write(&wt.join("docs/guide.md/index.md"), "now a directory\n");

    repo.agent(&["keep", "kinds"]).success();

    assert!(!repo.path("a.txt").exists());
    assert!(!repo.path("old-name.txt").exists());
    assert_eq!(repo.read("new-name.txt"), "same content\nlines\n");
    assert_eq!(
        std::fs::read(repo.path("blob.bin")).unwrap(),
        [0u8, 159, 146, 150, 0, 1, 2, 255]
    );
    assert_eq!(
        std::fs::metadata(repo.path("run.sh"))
            .unwrap()
            .permissions()
            .mode()
            & 0o111,
        0o111
    );
    assert_eq!(
        std::fs::read_link(repo.path("link")).unwrap(),
        Path::new("src/lib.rs")
    );
    assert_eq!(repo.read("docs/guide.md/index.md"), "now a directory\n");
    let staged = repo.git(&["diff", "--cached", "-M", "--name-status"]);
    assert!(staged.contains("D\ta.txt"), "{staged}");
    assert!(
        staged.contains("R100\told-name.txt\tnew-name.txt"),
        "{staged}"
    );
    assert!(staged.contains("M\trun.sh"), "{staged}");
    assert!(staged.contains("A\tlink"), "{staged}");
    assert_eq!(
        repo.git(&["ls-files", "-s", "link"]).split(' ').next(),
        Some("120000")
    );
    assert_eq!(
        repo.git(&["diff", "--name-only"]),
        "",
        "everything is staged, nothing left unstaged"
    );
}

#[test]
fn a_conflict_changes_nothing_in_the_target_and_keeps_the_session() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["clash"]);
    write(&wt.join("a.txt"), "alpha\nTHEIRS\ngamma\n");
    write(&wt.join("fine.txt"), "would merge fine\n");
    repo.write("a.txt", "alpha\nMINE\ngamma\n");
    repo.write("staged.txt", "s\n");
    repo.git(&["add", "staged.txt"]);
    let before = repo.fingerprint(&repo.root);
    let bytes_before = repo.read("a.txt");

    let err = repo.agent(&["keep", "clash"]).fails(1).stderr;

    assert!(err.contains("conflict") && err.contains("a.txt"), "{err}");
    // The clash is with this checkout's own unstaged edit: the hint says so.
    assert!(
        err.contains("hint: see the session's side with `git agent diff clash -- a.txt`")
            && err.contains("your uncommitted changes there are in the way")
            && err.contains("git stash -u"),
        "{err}"
    );
    assert_eq!(repo.fingerprint(&repo.root), before);
    assert_eq!(repo.read("a.txt"), bytes_before);
    assert!(!repo.path("fine.txt").exists());
    assert!(
        wt.join("fine.txt").exists(),
        "the session keeps its worktree"
    );
    assert_eq!(repo.json(&["show", "clash", "--json"])["state"], "active");
    assert!(
        repo.git(&["branch", "--list", "agent/clash"])
            .contains("agent/clash")
    );
}

#[test]
fn squash_makes_one_commit_with_the_message_and_a_note() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["sq"]);
    write(&wt.join("one.txt"), "1\n");
    repo.git_in(&wt, &["add", "one.txt"]);
    repo.git_in(&wt, &["commit", "-qm", "first"]);
    write(&wt.join("two.txt"), "2\n");
    let head = repo.git(&["rev-parse", "HEAD"]);
    repo.write("unstaged-mine.txt", "x\n");
    repo.agent(&["keep", "sq", "--squash", "-m", "Add one and two"])
        .success();
    assert_eq!(repo.git(&["rev-parse", "HEAD~1"]), head);
    assert_eq!(repo.git(&["log", "-1", "--format=%s"]), "Add one and two");
    assert_eq!(
        repo.git(&["show", "--name-only", "--format=", "HEAD"]),
        "one.txt\ntwo.txt"
    );
    assert_eq!(repo.git(&["status", "--porcelain"]), "?? unstaged-mine.txt");
    let note = repo.git(&["notes", "--ref=agents", "show", "HEAD"]);
    assert!(note.contains("session = \"sq\""), "{note}");
    assert!(
        repo.git(&["log", "-1", "--notes=agents"])
            .contains("session = \"sq\"")
    );
    assert_eq!(
        repo.git(&["config", "--get-all", "notes.rewriteRef"]),
        "refs/notes/agents"
    );
    // Without -m the message is the session id.
    let wt2 = repo.new_session(&["sq2"]);
    write(&wt2.join("three.txt"), "3\n");
    repo.agent(&["keep", "sq2", "--squash"]).success();
    assert_eq!(repo.git(&["log", "-1", "--format=%s"]), "sq2");
}

#[test]
fn commit_replays_the_session_commits_plus_leftovers() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["rp"]);
    for (file, msg) in [("x.txt", "add x"), ("y.txt", "add y")] {
        write(&wt.join(file), "content\n");
        repo.git_in(&wt, &["add", file]);
        repo.git_in(&wt, &["commit", "-qm", msg]);
    }
    write(&wt.join("left.txt"), "left over\n");
    repo.write("a.txt", "main moved\n");
    repo.git(&["commit", "-qam", "main moved"]);
    repo.agent(&["keep", "rp", "--commit"]).success();
    let log = repo.git(&["log", "--format=%s|%an", "-4"]);
    assert_eq!(
        log,
        "Uncommitted changes of session rp|Test Author\nadd y|Test Author\nadd x|Test Author\nmain moved|Test Author"
    );
    for rev in ["HEAD", "HEAD~1", "HEAD~2"] {
        assert!(
            repo.git(&["notes", "--ref=agents", "show", rev])
                .contains("session = \"rp\"")
        );
    }
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}

/// D4: an agent that reset its branch below where it started (and
/// committed again) ends with a state some of which is in no commit;
/// `--commit` still brings that whole final state home, as staged and
/// `--squash` do.
#[test]
fn commit_brings_home_a_branch_reset_below_its_start() {
    for more in [false, true] {
        let repo = TestRepo::new();
        repo.write("two", "two\n");
        repo.git(&["add", "two"]);
        repo.git(&["commit", "-qm", "two"]);
        let wt = repo.new_session(&["reset"]);
        repo.git_in(&wt, &["reset", "-q", "--hard", "HEAD~1"]);
        if more {
            write(&wt.join("three"), "3\n");
            repo.git_in(&wt, &["add", "three"]);
            repo.git_in(&wt, &["commit", "-qm", "three"]);
            write(&wt.join("a.txt"), "edited\n");
        }
        let want = crate::common::git_add_all_tree(&repo, &wt);
        let start = repo.git(&["rev-parse", "HEAD"]);
        let err = repo.agent(&["keep", "reset", "--commit"]).success().stderr;
        assert!(!err.contains("nothing new"), "{err}");
        assert_eq!(repo.git(&["rev-parse", "HEAD^{tree}"]), want, "{more}");
        assert!(!repo.path("two").exists());
        assert_eq!(repo.git(&["status", "--porcelain"]), "");
        let log = repo.git(&["log", "--format=%s", &format!("{start}..HEAD")]);
        let expected = if more {
            "Changes of session reset not in its commits\nthree"
        } else {
            "Changes of session reset not in its commits"
        };
        assert_eq!(log, expected);
    }
}

#[test]
fn squash_and_commit_refuse_staged_work_and_detached_heads() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["r"]);
    write(&wt.join("n.txt"), "n\n");
    repo.write("mine.txt", "m\n");
    repo.git(&["add", "mine.txt"]);
    let before = repo.fingerprint(&repo.root);
    assert!(
        repo.agent(&["keep", "r", "--squash"])
            .fails(1)
            .stderr
            .contains("staged changes")
    );
    repo.agent(&["keep", "r", "--commit"]).fails(1);
    assert_eq!(repo.fingerprint(&repo.root), before);
    repo.git(&["reset", "-q"]);
    repo.git(&["checkout", "-q", "--detach"]);
    assert!(
        repo.agent(&["keep", "r", "--squash"])
            .fails(1)
            .stderr
            .contains("detached")
    );
    // The default staged mode works on a detached HEAD.
    repo.agent(&["keep", "r"]).success();
    assert_eq!(repo.git(&["diff", "--cached", "--name-only"]), "n.txt");
    repo.agent(&["keep", "nope", "--squash", "--commit"])
        .fails(2);
}

#[test]
fn a_session_without_changes_keeps_as_nothing_to_keep() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["empty"]);
    let before = repo.fingerprint(&repo.root);
    let run = repo.agent(&["keep", "empty"]).success();
    assert!(run.stderr.contains("nothing to keep"), "{}", run.stderr);
    assert_eq!(repo.fingerprint(&repo.root), before);
    assert!(!wt.exists());
    assert!(run.stderr.contains("were removed"), "{}", run.stderr);
    assert_eq!(repo.json(&["show", "empty", "--json"])["state"], "kept");

    let wt = repo.new_session(&["still-empty"]);
    let run = repo
        .agent(&["keep", "still-empty", "--keep-worktree"])
        .success();
    assert!(
        run.stderr
            .contains("nothing to keep; its worktree and branch were left in place"),
        "{}",
        run.stderr
    );
    assert!(wt.exists());
    assert!(
        repo.git(&["branch", "--list", "agent/still-empty"])
            .contains("agent/still-empty")
    );
    assert_eq!(repo.fingerprint(&repo.root), before);
    assert_eq!(
        repo.json(&["show", "still-empty", "--json"])["state"],
        "kept"
    );
}

#[test]
fn keep_from_a_subdirectory_and_from_inside_the_session() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["sub"]);
    write(&wt.join("from-sub.txt"), "1\n");
    repo.agent_in(&repo.path("src"), &["keep", "sub"]).success();
    assert!(repo.path("from-sub.txt").exists());

    let linked = repo.base().join("linked");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "--detach",
        linked.to_str().unwrap(),
    ]);
    repo.agent_in(&linked, &["new", "inside"]).success();
    let wt = repo.path(".worktrees/inside");
    write(&wt.join("inside.txt"), "2\n");
    repo.agent_in(&wt.join("src"), &["keep"]).success();
    assert!(linked.join("inside.txt").exists(), "kept into the origin");
    assert!(!repo.path("inside.txt").exists());
}

#[test]
fn keep_worktree_leaves_worktree_and_branch_unlocked() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["kw"]);
    write(&wt.join("k.txt"), "k\n");
    repo.agent(&["keep", "kw", "--keep-worktree"]).success();
    assert!(wt.join("k.txt").exists() && repo.path("k.txt").exists());
    assert!(
        repo.git(&["branch", "--list", "agent/kw"])
            .contains("agent/kw")
    );
    assert!(
        !repo
            .git(&["worktree", "list", "--porcelain"])
            .contains("locked")
    );
    assert_eq!(repo.json(&["show", "kw", "--json"])["state"], "kept");
}

#[test]
fn keep_is_refused_mid_merge_and_for_out_of_scope_changes() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["scoped", "--scope", "src/**"]);
    write(&wt.join("src/ok.rs"), "ok\n");
    write(&wt.join("README.md"), "out of scope\n");
    let err = repo.agent(&["keep", "scoped"]).fails(1).stderr;
    assert!(
        err.contains("outside its scope") && err.contains("README.md"),
        "{err}"
    );
    assert!(!repo.path("src/ok.rs").exists());

    // A merge in progress in the target.
    repo.diverge_on_a_txt();
    let _ = repo.git_out(&repo.root, &["merge", "side"]);
    let err = repo.agent(&["keep", "scoped", "--force"]).fails(1).stderr;
    assert!(err.contains("merge"), "{err}");
    repo.git(&["merge", "--abort"]);
    repo.agent(&["keep", "scoped", "--force"]).success();
    assert!(repo.path("src/ok.rs").exists() && repo.path("README.md").exists());
}

fn eight_sessions(repo: &TestRepo) -> Vec<String> {
    (0..8)
        .map(|i| {
            let id = format!("s{i}");
            let wt = repo.new_session(&[&id]);
            write(&wt.join(format!("file{i}.txt")), &format!("{i}\n"));
            id
        })
        .collect()
}

#[test]
fn eight_sessions_kept_one_after_another_and_in_parallel_lose_nothing() {
    let repo = TestRepo::new();
    for id in eight_sessions(&repo) {
        repo.agent(&["keep", &id]).success();
    }
    assert_eq!(
        repo.git(&["diff", "--cached", "--name-only"])
            .lines()
            .count(),
        8
    );

    let repo = TestRepo::new();
    let ids = eight_sessions(&repo);
    let runs: Vec<Vec<String>> = ids
        .iter()
        .map(|id| vec!["keep".into(), id.clone()])
        .collect();
    crate::common::all_at_once(&repo, &runs);
    let staged = repo.git(&["diff", "--cached", "--name-only"]);
    for i in 0..8 {
        assert!(staged.contains(&format!("file{i}.txt")), "{staged}");
        assert_eq!(repo.read(&format!("file{i}.txt")), format!("{i}\n"));
    }
    let fsck = repo.git_out(&repo.root, &["fsck"]);
    assert!(fsck.status.success());
}

#[test]
fn an_unstaged_edit_in_the_same_file_merges_and_stays_unstaged() {
    let repo = TestRepo::new();
    repo.write("long.txt", "1\n2\n3\n4\n5\n6\n7\n8\n");
    repo.git(&["add", "long.txt"]);
    repo.git(&["commit", "-qm", "long"]);
    let wt = repo.new_session(&["same"]);
    write(&wt.join("long.txt"), "1\n2\n3\n4\n5\n6\n7\nEIGHT\n");
    repo.write("long.txt", "ONE\n2\n3\n4\n5\n6\n7\n8\n");
    repo.agent(&["keep", "same"]).success();
    assert_eq!(repo.read("long.txt"), "ONE\n2\n3\n4\n5\n6\n7\nEIGHT\n");
    assert_eq!(
        repo.git(&["show", ":long.txt"]),
        "1\n2\n3\n4\n5\n6\n7\nEIGHT",
        "the session's change is staged"
    );
    let unstaged = repo.git(&["diff", "--", "long.txt"]);
    assert!(
        unstaged.contains("-1\n+ONE"),
        "the checkout's own edit stays unstaged: {unstaged}"
    );
}

/// Every file under `dir` (but `.git` and the sessions' worktrees) with its bytes.
fn all_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap();
            if name == ".git" || name == ".worktrees" {
                continue;
            }
            if path.is_dir() && !path.is_symlink() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().display().to_string();
                out.push((rel, std::fs::read(&path).unwrap_or_default()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_held_index_lock_refuses_keep_before_any_file_is_touched() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["locked"]);
    std::fs::remove_file(wt.join("docs/guide.md")).unwrap();
    write(&wt.join("a.txt"), "session edit\n");
    write(&wt.join("new.txt"), "new\n");
    repo.write("src/lib.rs", "pub fn mine() {}\n");
    let lock = repo.path(".git/index.lock");
    for args in [&["keep", "locked"][..], &["keep", "locked", "--squash"]] {
        std::fs::write(&lock, "").unwrap();
        let before = (repo.fingerprint(&repo.root), all_files(&repo.root));

        let err = repo.agent(args).fails(1).stderr;

        assert!(
            err.contains("cannot lock the index") && err.contains(lock.to_str().unwrap()),
            "{args:?}: {err}"
        );
        assert!(err.contains("nothing was changed"), "{err}");
        assert!(lock.exists(), "someone else's lock is left alone");
        std::fs::remove_file(&lock).unwrap();
        assert_eq!(
            (repo.fingerprint(&repo.root), all_files(&repo.root)),
            before,
            "{args:?}"
        );
        assert_eq!(repo.json(&["show", "locked", "--json"])["state"], "active");
        assert!(!wt.join("docs/guide.md").exists() && wt.join("new.txt").exists());
    }
    // With the lock gone the same keep goes through.
    let head = repo.git(&["rev-parse", "HEAD"]);
    repo.agent(&["keep", "locked", "--squash", "-m", "kept"])
        .success();
    assert_eq!(repo.git(&["rev-parse", "HEAD~1"]), head);
    assert!(!repo.path("docs/guide.md").exists());
    assert_eq!(repo.read("a.txt"), "session edit\n");
    assert_eq!(repo.git(&["status", "--porcelain"]), " M src/lib.rs");
    assert!(!lock.exists());
}

#[test]
fn a_linked_worktree_target_is_locked_through_its_own_index() {
    let repo = TestRepo::new();
    let linked = repo.base().join("linked");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "side",
        linked.to_str().unwrap(),
    ]);
    repo.agent_in(&linked, &["new", "ln"]).success();
    let wt = repo.path(".worktrees/ln");
    std::fs::remove_file(wt.join("a.txt")).unwrap();
    write(&wt.join("n.txt"), "n\n");
    let own_lock = repo.path(".git/worktrees/linked/index.lock");
    std::fs::write(&own_lock, "").unwrap();
    let before = (repo.fingerprint(&linked), all_files(&linked));
    let err = repo.agent_in(&linked, &["keep", "ln"]).fails(1).stderr;
    assert!(err.contains(own_lock.to_str().unwrap()), "{err}");
    assert_eq!((repo.fingerprint(&linked), all_files(&linked)), before);
    std::fs::remove_file(&own_lock).unwrap();
    // The main worktree's lock is not the linked worktree's business.
    std::fs::write(repo.path(".git/index.lock"), "").unwrap();
    repo.agent_in(&linked, &["keep", "ln"]).success();
    assert_eq!(
        repo.git_in(&linked, &["diff", "--cached", "--name-status"]),
        "D\ta.txt\nA\tn.txt"
    );
    assert!(!linked.join("a.txt").exists() && !own_lock.exists());
}

#[test]
fn keep_into_a_branch_without_commits_is_refused_clearly() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["orphan"]);
    write(&wt.join("o.txt"), "o\n");
    let linked = repo.base().join("fresh");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "--orphan",
        "-b",
        "fresh",
        linked.to_str().unwrap(),
    ]);
    repo.git(&["switch", "-q", "--orphan", "empty"]);
    let state = |dir: &Path| {
        (
            repo.git_in(dir, &["status", "--porcelain=v2", "--untracked-files=all"]),
            repo.git_in(dir, &["ls-files", "-s"]),
            all_files(dir),
        )
    };
    for dir in [&repo.root, &linked] {
        for args in [&["keep", "orphan"][..], &["keep", "orphan", "--squash"]] {
            let before = state(dir);
            let err = repo.agent_in(dir, args).fails(1).stderr;
            assert!(err.contains("has no commits yet"), "{args:?}: {err}");
            assert!(err.contains("hint: commit something"), "{err}");
            assert!(!err.contains("rev-parse"), "{err}");
            assert_eq!(state(dir), before, "{args:?} in {}", dir.display());
        }
    }
    assert_eq!(repo.json(&["show", "orphan", "--json"])["state"], "active");
    assert!(wt.join("o.txt").exists());
}

#[test]
fn keep_is_refused_mid_rebase_cherry_pick_and_revert() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["mid"]);
    write(&wt.join("new.txt"), "from the session\n");
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write("a.txt", "alpha\nSIDE\ngamma\n");
    repo.git(&["commit", "-qam", "side"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.write("a.txt", "alpha\nMAIN\ngamma\n");
    repo.git(&["commit", "-qam", "main 1"]);
    repo.write("a.txt", "alpha\nMAIN 2\ngamma\n");
    repo.git(&["commit", "-qam", "main 2"]);
    let cases: [(&[&str], &str, &[&str]); 4] = [
        (
            &["cherry-pick", "side"],
            "a cherry-pick",
            &["cherry-pick", "--abort"],
        ),
        (
            &["revert", "--no-edit", "HEAD~1"],
            "a revert",
            &["revert", "--abort"],
        ),
        (&["rebase", "side"], "a rebase", &["rebase", "--abort"]),
        // Stopped without a conflict: only git's own marker says so.
        (
            &[
                "-c",
                "sequence.editor=sed -i 1s/^pick/edit/",
                "rebase",
                "-qi",
                "HEAD~1",
            ],
            "a rebase",
            &["rebase", "--abort"],
        ),
    ];
    for (start, what, abort) in cases {
        let _ = repo.git_out(&repo.root, start);
        let before = (repo.fingerprint(&repo.root), all_files(&repo.root));
        for args in [&["keep", "mid"][..], &["keep", "mid", "--squash"]] {
            let err = repo.agent(args).fails(1).stderr;
            assert!(
                err.contains(&format!("is in the middle of {what}"))
                    && err.contains("hint: finish or abort it first"),
                "{start:?} then {args:?}: {err}"
            );
            assert_eq!(
                (repo.fingerprint(&repo.root), all_files(&repo.root)),
                before,
                "{start:?} then {args:?}"
            );
        }
        repo.git(abort);
        assert_eq!(repo.json(&["show", "mid", "--json"])["state"], "active");
    }
    repo.agent(&["keep", "mid"]).success();
    assert_eq!(repo.read("new.txt"), "from the session\n");
}

/// `git agent keep <id>` started in the background; with `pause`, it stops
/// once it took its snapshot, until that file is removed.
fn spawn_keep(repo: &TestRepo, id: &str, pause: Option<&Path>) -> std::process::Child {
    repo.spawn_agent(pause.map(|file| ("keep:snapshotted", file)), &["keep", id])
}

#[test]
fn a_second_keep_waits_for_the_first_and_both_land_in_the_same_file() {
    let repo = TestRepo::new();
    repo.write("long.txt", "1\n2\n3\n4\n5\n6\n7\n8\n9\n");
    repo.git(&["add", "long.txt"]);
    repo.git(&["commit", "-qm", "long"]);
    for (id, text) in [
        ("first", "ONE\n2\n3\n4\n5\n6\n7\n8\n9\n"),
        ("second", "1\n2\n3\n4\n5\n6\n7\n8\nNINE\n"),
        ("third", "1\n2\n3\n4\nFIVE\n6\n7\n8\n9\n"),
        ("fourth", "1\n2\nTHREE\n4\n5\n6\n7\n8\n9\n"),
    ] {
        let wt = repo.new_session(&[id]);
        write(&wt.join("long.txt"), text);
    }
    let snapshot = || (repo.fingerprint(&repo.root), all_files(&repo.root));
    let before = snapshot();

    // The first keep holds the keep lock, paused; the second must wait.
    let pause = repo.home.join("paused");
    let first = spawn_keep(&repo, "first", Some(&pause));
    let start = std::time::Instant::now();
    while !pause.exists() {
        assert!(
            start.elapsed().as_secs() < 60,
            "the first keep never paused"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let mut second = spawn_keep(&repo, "second", None);
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert!(
        second.try_wait().unwrap().is_none(),
        "the second keep waits"
    );
    assert_eq!(snapshot(), before, "neither has written anything yet");
    std::fs::remove_file(&pause).unwrap();
    finishes_ok(first);
    finishes_ok(second);
    assert_eq!(repo.read("long.txt"), "ONE\n2\n3\n4\n5\n6\n7\n8\nNINE\n");

    // The same when the lock is held by any other process.
    let common = repo.path(".git/agents/keep.lock");
    let held = std::fs::OpenOptions::new()
        .write(true)
        .open(&common)
        .unwrap();
    held.lock().unwrap();
    let before = snapshot();
    let mut third = spawn_keep(&repo, "third", None);
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert!(third.try_wait().unwrap().is_none(), "the third keep waits");
    assert_eq!(snapshot(), before);
    // Past its patience a keep gives up as busy, having changed nothing.
    let busy = repo
        .agent_env(&[("GIT_AGENT_LOCK_WAIT", "1")], &["keep", "fourth"])
        .fails(1);
    assert!(
        busy.stderr
            .contains("another git-agent keep has been running"),
        "{}",
        busy.stderr
    );
    assert_eq!(snapshot(), before);
    held.unlock().unwrap();
    finishes_ok(third);

    let all = "ONE\n2\n3\n4\nFIVE\n6\n7\n8\nNINE\n";
    assert_eq!(repo.read("long.txt"), all);
    assert_eq!(repo.git(&["show", ":long.txt"]), all.trim_end());
    assert_eq!(repo.git(&["status", "--porcelain"]), "M  long.txt");
    for id in ["first", "second", "third"] {
        assert_eq!(repo.json(&["show", id, "--json"])["state"], "kept");
    }
    assert!(repo.git_out(&repo.root, &["fsck"]).status.success());
}

/// A session whose committed edit to a.txt conflicts with a later commit on main.
fn conflicting_session(repo: &TestRepo, id: &str) -> std::path::PathBuf {
    let wt = repo.new_session(&[id]);
    write(&wt.join("a.txt"), &format!("alpha\n{id}\ngamma\n"));
    write(&wt.join(format!("{id}.txt")), "own file\n");
    repo.git_in(&wt, &["add", "-A"]);
    repo.git_in(&wt, &["commit", "-qm", &format!("{id} edits a")]);
    wt
}

#[test]
fn a_conflict_resolved_in_the_session_by_a_merge_or_rebase_then_keeps() {
    let repo = TestRepo::new();
    let (merged, rebased) = (
        conflicting_session(&repo, "merged"),
        conflicting_session(&repo, "rebased"),
    );
    repo.write("a.txt", "alpha\nMAIN\ngamma\n");
    repo.write("main.txt", "main's own\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "main edits a"]);

    // Staged, the conflict is with main's commit: resolve it in the session.
    let err = repo.agent(&["keep", "merged"]).fails(1).stderr;
    assert!(
        err.contains("resolve it in the session")
            && err.contains("then keep again — after a merge, with --squash"),
        "{err}"
    );
    // Replaying the session's commit conflicts; the hint offers --squash.
    let err = repo.agent(&["keep", "merged", "--commit"]).fails(1).stderr;
    assert!(
        err.contains("conflicts when replayed; keep with --squash")
            && err.contains("git agent diff merged -- a.txt"),
        "{err}"
    );

    // Resolved by merging main into the session: --squash brings only the
    // resolution and the session's own file, not main's work again.
    let _ = repo.git_out(&merged, &["merge", "-q", "main"]);
    write(&merged.join("a.txt"), "alpha\nRESOLVED\ngamma\n");
    repo.git_in(&merged, &["commit", "-qam", "merge main"]);
    let err = repo.agent(&["keep", "merged", "--commit"]).fails(1).stderr;
    assert!(err.contains("--squash"), "{err}");
    let head = repo.git(&["rev-parse", "HEAD"]);
    repo.agent(&["keep", "merged", "--squash", "-m", "resolved"])
        .success();
    assert_eq!(repo.git(&["rev-parse", "HEAD~1"]), head);
    assert_eq!(
        repo.git(&["show", "--name-only", "--format=", "HEAD"]),
        "a.txt\nmerged.txt"
    );
    assert_eq!(repo.read("a.txt"), "alpha\nRESOLVED\ngamma\n");
    assert_eq!(repo.git(&["status", "--porcelain"]), "");

    // Resolved by a rebase onto main: --commit replays the rebased commit.
    let _ = repo.git_out(&rebased, &["rebase", "-q", "main"]);
    write(&rebased.join("a.txt"), "alpha\nRESOLVED\nREBASED\ngamma\n");
    repo.git_in(&rebased, &["add", "a.txt"]);
    repo.git_in(
        &rebased,
        &["-c", "core.editor=true", "rebase", "--continue"],
    );
    repo.agent(&["keep", "rebased", "--commit"]).success();
    assert_eq!(
        repo.git(&["log", "--format=%s", "-3"]),
        "rebased edits a\nresolved\nmain edits a"
    );
    assert_eq!(repo.read("a.txt"), "alpha\nRESOLVED\nREBASED\ngamma\n");
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}

#[test]
fn a_session_that_merged_the_target_branch_stages_only_its_own_change() {
    let repo = TestRepo::new();
    let wt = conflicting_session(&repo, "own");
    repo.write("a.txt", "alpha\nMAIN\ngamma\n");
    repo.write("main.txt", "main's own\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "main edits a"]);
    let _ = repo.git_out(&wt, &["merge", "-q", "main"]);
    write(&wt.join("a.txt"), "alpha\nRESOLVED\ngamma\n");
    repo.git_in(&wt, &["commit", "-qam", "merge main"]);
    // The checkout's own unstaged edit of main's file stays as it is.
    repo.write("main.txt", "main's own, edited\n");

    let run = repo.agent(&["keep", "own"]).success();

    assert!(run.stderr.contains("2 files staged"), "{}", run.stderr);
    assert_eq!(
        repo.git(&["diff", "--cached", "--name-status"]),
        "M\ta.txt\nA\town.txt"
    );
    assert_eq!(repo.read("a.txt"), "alpha\nRESOLVED\ngamma\n");
    assert_eq!(repo.read("main.txt"), "main's own, edited\n");
    assert_eq!(repo.git(&["diff", "--name-only"]), "main.txt");
}

#[test]
fn squash_without_a_message_takes_the_prompt_and_notes_agent_and_prompt() {
    let repo = TestRepo::new();
    repo.git(&[
        "config",
        "agent.fake.command",
        &format!("'{}' write by-agent.txt done", fake_agent()),
    ]);
    repo.agent(&["new", "pr", "-a", "fake", "-m", "Fix the login bug"])
        .success();
    repo.agent(&["keep", "pr", "--squash"]).success();
    assert_eq!(repo.git(&["log", "-1", "--format=%s"]), "Fix the login bug");
    assert_eq!(
        repo.git(&["show", "--name-only", "--format=", "HEAD"]),
        "by-agent.txt"
    );
    let note = repo.git(&["notes", "--ref=agents", "show", "HEAD"]);
    for line in [
        "session = \"pr\"",
        "agent = \"fake\"",
        "prompt = \"Fix the login bug\"",
        "how = \"keep --squash\"",
    ] {
        assert!(note.contains(line), "{line} in {note}");
    }
}

#[test]
fn an_untracked_file_where_the_session_adds_one_is_a_conflict() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["adds"]);
    write(&wt.join("new.txt"), "the session's\n");
    write(&wt.join("other.txt"), "fine\n");
    repo.write("new.txt", "mine, untracked\n");
    let before = (repo.fingerprint(&repo.root), all_files(&repo.root));
    for args in [&["keep", "adds"][..], &["keep", "adds", "--squash"]] {
        let err = repo.agent(args).fails(1).stderr;
        assert!(
            err.contains("would conflict in 1 path") && err.contains("\n    new.txt"),
            "{args:?}: {err}"
        );
        assert_eq!(
            (repo.fingerprint(&repo.root), all_files(&repo.root)),
            before,
            "{args:?}"
        );
    }
    assert_eq!(repo.read("new.txt"), "mine, untracked\n");
    assert!(!repo.path("other.txt").exists());
    assert_eq!(repo.json(&["show", "adds", "--json"])["state"], "active");
    // The same file with the same content is no conflict.
    repo.write("new.txt", "the session's\n");
    repo.agent(&["keep", "adds"]).success();
    assert_eq!(
        repo.git(&["diff", "--cached", "--name-only"]),
        "new.txt\nother.txt"
    );
}

#[test]
fn keep_is_refused_while_a_run_is_live_and_force_stops_it_first() {
    let repo = TestRepo::new();
    let fa = fake_agent();
    repo.agent(&[
        "new",
        "live",
        "--detach",
        "--",
        &fa,
        "write",
        "half.txt",
        "half done",
        "sleep",
        "30",
    ])
    .success();
    let wt = repo.path(".worktrees/live");
    let start = std::time::Instant::now();
    let pid = loop {
        let show = repo.json(&["show", "live", "--json"]);
        if let Some(pid) = show["run"]["pid"].as_u64()
            && wt.join("half.txt").exists()
        {
            break pid;
        }
        assert!(start.elapsed().as_secs() < 20, "the run never started");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let before = repo.fingerprint(&repo.root);
    let err = repo.agent(&["keep", "live"]).fails(1).stderr;
    assert!(
        err.contains("session 'live' has a live run") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(repo.fingerprint(&repo.root), before);
    assert_eq!(repo.json(&["show", "live", "--json"])["state"], "running");

    repo.agent(&["keep", "live", "--force"]).success();
    assert_eq!(repo.read("half.txt"), "half done\n");
    assert_eq!(repo.git(&["diff", "--cached", "--name-only"]), "half.txt");
    let show = repo.json(&["show", "live", "--json"]);
    assert_eq!(show["state"], "kept");
    assert_eq!(show["run"]["reason"], "stopped");
    assert!(!wt.exists());
    let gone = || {
        !Path::new(&format!("/proc/{pid}")).exists()
            || std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
                s.rsplit_once(')')
                    .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
            })
    };
    let start = std::time::Instant::now();
    while !gone() {
        assert!(
            start.elapsed().as_secs() < 10,
            "the agent outlived keep --force"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// keep counts what it changed in the checkout, not the session's whole
/// change: kept once, restored and kept again, nothing new is staged.
#[test]
fn keep_reports_what_it_changed_in_the_checkout() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["twice"]);
    write(&wt.join("a.txt"), "alpha\nbeta\ngamma\nagent\n");
    write(&wt.join("new.txt"), "new\n");
    let run = repo.agent(&["keep", "twice"]).success();
    assert!(run.stderr.contains("2 files staged"), "{}", run.stderr);
    assert!(!run.stderr.contains("changed while"), "{}", run.stderr);
    let staged = repo.git(&["ls-files", "-s"]);
    repo.agent(&["restore", "twice"]).success();
    let run = repo.agent(&["keep", "twice"]).success();
    assert!(
        run.stderr.contains("already in") && run.stderr.contains("nothing new to stage"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.git(&["ls-files", "-s"]), staged);
}

/// A run started while keep merges would write into a worktree about to be
/// removed: keep refuses before it changes the checkout.
#[test]
fn a_run_started_while_keeping_stops_the_keep_before_it_changes_anything() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["busy"]);
    write(&wt.join("first.txt"), "first\n");
    let before = repo.fingerprint(&repo.root);
    let pause = repo.home.join("paused");
    let keep = spawn_keep(&repo, "busy", Some(&pause));
    wait_for_pause(&pause);
    repo.agent(&[
        "run",
        "busy",
        "--detach",
        "--",
        "sh",
        "-c",
        "sleep 1; echo late > late.txt",
    ])
    .success();
    std::fs::remove_file(&pause).unwrap();
    let out = keep.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("a run started in session 'busy' meanwhile"),
        "{stderr}"
    );
    assert_eq!(
        repo.fingerprint(&repo.root),
        before,
        "the checkout is untouched"
    );
    repo.agent(&["wait", "busy"]).success();
    assert_eq!(
        std::fs::read_to_string(wt.join("late.txt")).unwrap(),
        "late\n"
    );
    repo.agent(&["keep", "busy"]).success();
    assert_eq!(repo.read("late.txt"), "late\n");
    assert_eq!(repo.read("first.txt"), "first\n");
}

/// Files written by hand while keep merges are not lost with the worktree:
/// they go into the session's snapshot, and keep says so — whatever the
/// change: a new file, an edit deep down, a new directory, a deletion, a
/// mode change, work staged in the session's index.
#[test]
fn changes_made_while_keeping_are_snapshotted_before_the_worktree_goes() {
    type Late = fn(&Path, &TestRepo);
    let cases: [(&str, Late, &str, &str); 6] = [
        (
            "new-file",
            |wt, _| write(&wt.join("second.txt"), "written meanwhile\n"),
            "second.txt",
            "written meanwhile",
        ),
        (
            "deep-edit",
            |wt, _| write(&wt.join("src/lib.rs"), "edited meanwhile\n"),
            "src/lib.rs",
            "edited meanwhile",
        ),
        (
            "new-dir",
            |wt, _| write(&wt.join("fresh/dir/x.txt"), "new dir\n"),
            "fresh/dir/x.txt",
            "new dir",
        ),
        (
            "deletion",
            |wt, _| std::fs::remove_file(wt.join("docs/guide.md")).unwrap(),
            "a.txt",
            "alpha\nbeta\ngamma",
        ),
        (
            "chmod",
            |wt, _| {
                std::fs::set_permissions(wt.join("a.txt"), std::fs::Permissions::from_mode(0o755))
                    .unwrap()
            },
            "a.txt",
            "alpha\nbeta\ngamma",
        ),
        (
            "staged",
            |wt, repo| {
                repo.git_in(wt, &["rm", "-q", "--cached", "a.txt"]);
            },
            "a.txt",
            "alpha\nbeta\ngamma",
        ),
    ];
    for (id, late, path, content) in cases {
        let repo = TestRepo::new();
        let wt = repo.new_session(&[id]);
        write(&wt.join("first.txt"), "first\n");
        let snapped = |repo: &TestRepo| {
            let snap = format!("refs/agents/{id}/snapshot");
            (
                repo.git(&["rev-parse", &format!("{snap}^{{tree}}")]),
                repo.git(&["rev-parse", &format!("{snap}^2^{{tree}}")]),
            )
        };
        let pause = repo.home.join("paused");
        let keep = spawn_keep(&repo, id, Some(&pause));
        wait_for_pause(&pause);
        let first = snapped(&repo);
        late(&wt, &repo);
        std::fs::remove_file(&pause).unwrap();
        let out = keep.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{id}: {stderr}");
        assert!(
            stderr.contains("changed while it was being kept"),
            "{id}: {stderr}"
        );
        assert!(!wt.exists(), "{id}");
        assert_eq!(repo.read("first.txt"), "first\n", "{id}");
        assert_ne!(
            snapped(&repo),
            first,
            "{id}: the late change is not in the snapshot"
        );
        let snap = repo.git(&["show", &format!("refs/agents/{id}/snapshot:{path}")]);
        assert_eq!(snap, content, "{id}");
    }
    // More directories than keep watches (4,096): file times tell instead.
    let repo = TestRepo::new();
    let wt = repo.new_session(&["wide"]);
    for i in 0..4100 {
        std::fs::create_dir_all(wt.join(format!("many/d{i}"))).unwrap();
    }
    write(&wt.join("many/d7/kept.txt"), "kept\n");
    let pause = repo.home.join("paused");
    let keep = spawn_keep(&repo, "wide", Some(&pause));
    wait_for_pause(&pause);
    write(&wt.join("many/d4000/late.txt"), "late\n");
    std::fs::remove_file(&pause).unwrap();
    let out = keep.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("changed while it was being kept"),
        "{stderr}"
    );
    assert_eq!(repo.read("many/d7/kept.txt"), "kept\n");
    let snap = repo.git(&["show", "refs/agents/wide/snapshot:many/d4000/late.txt"]);
    assert_eq!(snap, "late");

    // Nothing written meanwhile: no second snapshot, no warning.
    let repo = TestRepo::new();
    let wt = repo.new_session(&["quiet"]);
    for i in 0..30 {
        write(&wt.join(format!("d{}/f{i}.txt", i % 4)), "x\n");
    }
    let run = repo.agent(&["keep", "quiet"]).success();
    assert!(!run.stderr.contains("changed while"), "{}", run.stderr);
}
