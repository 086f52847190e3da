//! The in-process snapshot (gix status, new blobs in one pack) against the
//! git route it replaces (`git add -A` into a copy of the index, then
//! `git write-tree`): the same trees in every worktree state, and git's
//! route taken wherever the in-process one does not follow git exactly.

use std::path::Path;

use crate::common::{BIN, TestRepo, hermetic};

/// `git agent __snapshot <dir>` with GIT_AGENT_SNAPSHOT set to `route`.
fn snapshot(repo: &TestRepo, dir: &Path, route: &str) -> crate::common::Run {
    snapshot_with(repo, dir, route, None)
}

/// [`snapshot`] with a global git config file instead of none.
fn snapshot_with(
    repo: &TestRepo,
    dir: &Path,
    route: &str,
    global: Option<&Path>,
) -> crate::common::Run {
    let mut cmd = hermetic(BIN, &repo.home);
    if let Some(global) = global {
        cmd.env("GIT_CONFIG_GLOBAL", global);
    }
    let out = cmd
        .current_dir(&repo.root)
        .env("GIT_AGENT_SNAPSHOT", route)
        .arg("__snapshot")
        .arg(dir)
        .output()
        .expect("spawn git-agent");
    crate::common::Run::from(out)
}

/// What git itself stages with `add -A` into a copy of the index.
fn by_git(repo: &TestRepo, dir: &Path) -> String {
    by_git_without(repo, dir, &[])
}

/// [`by_git`] with more pathspecs after `:/` (exclusions).
fn by_git_without(repo: &TestRepo, dir: &Path, excluded: &[&str]) -> String {
    let copy = repo.oracle_index(dir);
    let run = |args: &[&str]| {
        // A split index in the copy reads back empty in git 2.47 under
        // feature.manyFiles (its index.skipHash): git's bug, not the oracle.
        let out = hermetic("git", &repo.home)
            .current_dir(dir)
            .env("GIT_INDEX_FILE", &copy)
            .args(["-c", "core.splitIndex=false"])
            .args(args)
            .output()
            .expect("spawn git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let mut add = vec!["add", "-A", "--", ":/"];
    add.extend_from_slice(excluded);
    run(&add);
    let tree = run(&["write-tree"]);
    std::fs::remove_file(&copy).ok();
    tree
}

/// Both routes agree with git, and the in-process one did the work.
fn same_as_git(repo: &TestRepo, dir: &Path) {
    // In-process first, so it writes the new blobs itself.
    let fast = snapshot(repo, dir, "gix").success();
    let expected = by_git(repo, dir);
    let slow = snapshot(repo, dir, "git").success();
    assert_eq!(fast.stdout, slow.stdout, "the two routes differ");
    let full = fast.stdout.split_whitespace().nth(2).expect("three trees");
    assert_eq!(full, expected, "not what `git add -A` stages");
    // Nothing of the worktree's own index was written.
    let status = repo.git_in(dir, &["status", "--porcelain"]);
    assert_eq!(status, repo.git_in(dir, &["status", "--porcelain"]));
}

/// The in-process route declines, the default route still gets git's tree.
fn left_to_git(repo: &TestRepo, dir: &Path) {
    let expected = by_git(repo, dir);
    snapshot(repo, dir, "gix").fails(1);
    let run = snapshot(repo, dir, "").success();
    assert_eq!(
        run.stdout.split_whitespace().nth(2),
        Some(expected.as_str())
    );
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[test]
fn edits_deletions_and_untracked_files() {
    let repo = TestRepo::new();
    repo.write("a.txt", "changed\n");
    std::fs::remove_file(repo.path("docs/guide.md")).unwrap();
    repo.write("new/deep/file.txt", "new\n");
    repo.write("new/other.txt", "other\n");
    repo.write("empty.txt", "");
    repo.write("with space/ünïcode.txt", "u\n");
    std::fs::create_dir_all(repo.path("empty-dir")).unwrap();
    std::fs::write(repo.path("binary.bin"), [0u8, 159, 146, 150, 0, 1]).unwrap();
    same_as_git(&repo, &repo.root);
}

#[test]
fn staged_and_unstaged_work_both_count() {
    let repo = TestRepo::new();
    repo.write("a.txt", "staged\n");
    repo.write("staged-new.txt", "s\n");
    repo.write("staged-then-gone.txt", "g\n");
    repo.git(&["add", "a.txt", "staged-new.txt", "staged-then-gone.txt"]);
    repo.git(&["rm", "-q", "--cached", "src/lib.rs"]);
    std::fs::remove_file(repo.path("staged-then-gone.txt")).unwrap();
    repo.write("a.txt", "staged, then edited again\n");
    same_as_git(&repo, &repo.root);
}

#[test]
fn modes_and_symlinks() {
    let repo = TestRepo::new();
    repo.write("tool.sh", "#!/bin/sh\n");
    std::os::unix::fs::symlink("a.txt", repo.path("link")).unwrap();
    std::os::unix::fs::symlink("a.txt", repo.path("becomes-file")).unwrap();
    repo.write("becomes-link", "plain\n");
    chmod(&repo.path("tool.sh"), 0o755);
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "modes"]);
    chmod(&repo.path("tool.sh"), 0o644);
    chmod(&repo.path("a.txt"), 0o755);
    repo.write("new-tool.sh", "#!/bin/sh\n");
    chmod(&repo.path("new-tool.sh"), 0o700);
    // git looks at the owner's bit only.
    repo.write("group-x.sh", "#!/bin/sh\n");
    chmod(&repo.path("group-x.sh"), 0o654);
    std::fs::remove_file(repo.path("link")).unwrap();
    std::os::unix::fs::symlink("src/lib.rs", repo.path("link")).unwrap();
    std::fs::remove_file(repo.path("becomes-file")).unwrap();
    repo.write("becomes-file", "now a file\n");
    std::fs::remove_file(repo.path("becomes-link")).unwrap();
    std::os::unix::fs::symlink("nowhere", repo.path("becomes-link")).unwrap();
    std::os::unix::fs::symlink("../a.txt", repo.path("docs/new-link")).unwrap();
    same_as_git(&repo, &repo.root);
}

#[test]
fn an_untracked_fifo_is_left_out_as_git_leaves_it_out() {
    let repo = TestRepo::new();
    let fifo = std::process::Command::new("mkfifo")
        .arg(repo.path("pipe"))
        .status()
        .unwrap();
    assert!(fifo.success());
    repo.write("a.txt", "edited\n");
    same_as_git(&repo, &repo.root);
}

#[test]
fn file_mode_off_keeps_the_recorded_modes() {
    let repo = TestRepo::new();
    repo.git(&["config", "core.fileMode", "false"]);
    chmod(&repo.path("a.txt"), 0o755);
    repo.write("src/lib.rs", "pub fn g() {}\n");
    chmod(&repo.path("src/lib.rs"), 0o755);
    repo.write("new.sh", "#!/bin/sh\n");
    chmod(&repo.path("new.sh"), 0o755);
    same_as_git(&repo, &repo.root);
}

#[test]
fn files_and_directories_trade_places() {
    let repo = TestRepo::new();
    std::fs::remove_file(repo.path("a.txt")).unwrap();
    repo.write("a.txt/inside.txt", "was a file\n");
    std::fs::remove_dir_all(repo.path("docs")).unwrap();
    repo.write("docs", "was a directory\n");
    same_as_git(&repo, &repo.root);
}

#[test]
fn ignored_files_stay_out() {
    let repo = TestRepo::new();
    repo.write(".gitignore", "*.log\nbuild/\n!keep.log\n");
    repo.write("out.log", "ignored\n");
    repo.write("keep.log", "not ignored\n");
    repo.write("build/artifact.o", "ignored dir\n");
    repo.write("only-ignored/x.log", "a directory of ignored files\n");
    repo.write("src/deep.log", "ignored deep\n");
    repo.write("excluded.tmp", "info/exclude\n");
    std::fs::write(repo.root.join(".git/info/exclude"), "*.tmp\n").unwrap();
    same_as_git(&repo, &repo.root);
}

#[test]
fn ignore_files_everywhere_git_reads_them() {
    // A nested .gitignore, the user's global ignore file (the XDG default)
    // and, instead of it, a core.excludesFile in the global config.
    let repo = TestRepo::new();
    repo.write("src/.gitignore", "*.gen\n");
    repo.write("src/out.gen", "ignored by src/.gitignore\n");
    repo.write("out.gen", "not ignored at the top\n");
    crate::common::write(&repo.home.join(".config/git/ignore"), "*.swp\n");
    repo.write("notes.swp", "ignored globally\n");
    let global = repo.home.join("gitconfig");
    std::fs::write(
        &global,
        format!(
            "[core]\n\texcludesFile = {}\n",
            repo.home.join("more-ignores").display()
        ),
    )
    .unwrap();
    std::fs::write(repo.home.join("more-ignores"), "*.bak\n").unwrap();
    repo.write("a.txt.bak", "ignored by core.excludesFile\n");
    for config in [None, Some(&global)] {
        let snapshot = |route: &str| {
            snapshot_with(&repo, &repo.root, route, config.map(|c| c.as_path()))
                .success()
                .stdout
        };
        let fast = snapshot("gix");
        assert_eq!(fast, snapshot("git"), "config {config:?}");
        let full = fast.split_whitespace().nth(2).unwrap().to_owned();
        let listed = repo.git(&["ls-tree", "-r", "--name-only", &full]);
        assert!(
            listed.contains("out.gen") && !listed.contains("src/out.gen"),
            "{listed}"
        );
        // core.excludesFile takes the place of the default file.
        assert_eq!(listed.contains("notes.swp"), config.is_some(), "{listed}");
        assert_eq!(listed.contains("a.txt.bak"), config.is_none(), "{listed}");
    }
}

#[test]
fn line_endings_follow_attributes_and_autocrlf() {
    let repo = TestRepo::new();
    repo.write(
        ".gitattributes",
        "*.txt text=auto\n*.bat text eol=crlf\n*.raw -text\n",
    );
    repo.git(&["add", ".gitattributes"]);
    repo.git(&["commit", "-q", "-m", "attributes"]);
    repo.write("a.txt", "crlf\r\nlines\r\n");
    repo.write("run.bat", "@echo off\r\n");
    repo.write("data.raw", "keep\r\nas is\r\n");
    same_as_git(&repo, &repo.root);

    let repo = TestRepo::new();
    repo.git(&["config", "core.autocrlf", "true"]);
    repo.write("a.txt", "crlf\r\nlines\r\n");
    repo.write("new.md", "also\r\n");
    same_as_git(&repo, &repo.root);
}

#[test]
fn a_same_size_edit_right_after_the_index_was_written_is_seen() {
    // The racily-clean case: the index and the file share a timestamp, so
    // only the file's content can tell the edit apart.
    let repo = TestRepo::new();
    repo.write("a.txt", "one\n");
    repo.git(&["add", "a.txt"]);
    repo.write("a.txt", "two\n");
    same_as_git(&repo, &repo.root);
}

/// How many files of the repository's pack directory end in `.<ext>`.
fn in_pack_dir(repo: &TestRepo, ext: &str) -> usize {
    std::fs::read_dir(repo.root.join(".git/objects/pack"))
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .filter(|e| e.path().extension().is_some_and(|x| x == ext))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn many_new_blobs_go_into_one_pack() {
    let repo = TestRepo::new();
    let before = in_pack_dir(&repo, "pack");
    for i in 0..300 {
        // Some contents twice: one blob each.
        repo.write(
            &format!("gen/{}/f{i}.txt", i % 7),
            &format!("content {}\n", i % 250),
        );
    }
    repo.write("a.txt", "alpha\nbeta\ngamma\n"); // an unchanged rewrite
    same_as_git(&repo, &repo.root);
    assert_eq!(
        in_pack_dir(&repo, "pack"),
        before + 1,
        "the new blobs were not packed"
    );
    // git can read everything the pack holds, and nothing is left to keep it.
    repo.git(&["fsck", "--no-dangling", "--strict"]);
    assert_eq!(in_pack_dir(&repo, "keep"), 0, "a .keep file pins the pack");
    // A second snapshot of the same state writes nothing new.
    same_as_git(&repo, &repo.root);
    assert_eq!(in_pack_dir(&repo, "pack"), before + 1);
}

#[test]
fn a_session_worktree_is_read_from_its_own_index() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["s1"]);
    crate::common::write(&wt.join("a.txt"), "session edit\n");
    crate::common::write(&wt.join("added.txt"), "added\n");
    repo.git_in(&wt, &["add", "added.txt"]);
    crate::common::write(&wt.join("untracked.txt"), "u\n");
    repo.write("a.txt", "an edit in the main worktree, not the session's\n");
    same_as_git(&repo, &wt);
}

#[test]
fn what_git_alone_handles_is_left_to_git() {
    // Intent to add.
    let repo = TestRepo::new();
    repo.write("later.txt", "later\n");
    repo.git(&["add", "-N", "later.txt"]);
    left_to_git(&repo, &repo.root);

    // A conflict in the index.
    let repo = TestRepo::new();
    repo.diverge_on_a_txt();
    let _ = repo.git_out(&repo.root, &["merge", "-q", "side"]);
    assert!(
        !repo.git(&["ls-files", "-u"]).is_empty(),
        "no conflict made"
    );
    left_to_git(&repo, &repo.root);

    // Skip-worktree entries of a sparse checkout.
    let repo = TestRepo::new();
    repo.git(&["sparse-checkout", "set", "src"]);
    repo.write("src/lib.rs", "sparse edit\n");
    left_to_git(&repo, &repo.root);

    // A filter driver.
    let repo = TestRepo::new();
    repo.git(&["config", "filter.upper.clean", "tr a-z A-Z"]);
    repo.write(".gitattributes", "*.txt filter=upper\n");
    repo.write("a.txt", "lower\n");
    left_to_git(&repo, &repo.root);

    // Settings the in-process route does not follow.
    for (key, value) in [("core.symlinks", "false"), ("core.ignoreCase", "true")] {
        let repo = TestRepo::new();
        repo.git(&["config", key, value]);
        repo.write("a.txt", "edited\n");
        left_to_git(&repo, &repo.root);
    }

    // An embedded repository among the untracked files.
    let repo = TestRepo::new();
    let inner = repo.path("inner");
    std::fs::create_dir_all(&inner).unwrap();
    repo.git_in(&inner, &["init", "-q"]);
    crate::common::write(&inner.join("x"), "x\n");
    repo.git_in(&inner, &["add", "x"]);
    repo.git_in(&inner, &["commit", "-q", "-m", "inner"]);
    left_to_git(&repo, &repo.root);
}

#[test]
fn packs_do_not_pile_up() {
    let repo = TestRepo::new();
    repo.git(&["config", "gc.autoPackLimit", "3"]);
    repo.git(&["config", "gc.autoDetach", "false"]);
    let mut most = 0;
    for round in 0..6 {
        for i in 0..120 {
            repo.write(
                &format!("gen/f{i}.txt"),
                &format!("round {round} file {i}\n"),
            );
        }
        same_as_git(&repo, &repo.root);
        most = most.max(in_pack_dir(&repo, "pack"));
    }
    assert!(most <= 4, "{most} packs: git's auto gc never ran");
    repo.git(&["fsck", "--no-dangling"]);
}

#[test]
fn settings_given_on_gits_command_line_are_followed() {
    // `git -c k=v agent …` reaches git-agent as GIT_CONFIG_PARAMETERS,
    // which gix does not read: the snapshot goes the git route.
    let repo = TestRepo::new();
    std::fs::write(repo.home.join("ignores"), "*.tmp\n").unwrap();
    repo.write("scratch.tmp", "ignored only through -c\n");
    repo.write("a.txt", "edited\n");
    let excludes = format!("core.excludesFile={}", repo.home.join("ignores").display());
    let out = hermetic("git", &repo.home)
        .current_dir(&repo.root)
        .args(["-c", &excludes, "agent", "__snapshot", "."])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let full = stdout.split_whitespace().nth(2).unwrap();
    let listed = repo.git(&["ls-tree", "-r", "--name-only", full]);
    assert!(!listed.contains("scratch.tmp"), "{listed}");
    assert!(listed.contains("a.txt"), "{listed}");
    // Without the setting the file is an untracked one like any other.
    let run = snapshot(&repo, &repo.root, "gix").success();
    let full = run.stdout.split_whitespace().nth(2).unwrap().to_owned();
    assert!(
        repo.git(&["ls-tree", "-r", "--name-only", &full])
            .contains("scratch.tmp")
    );
}

/// `git agent __snapshot` on the route given, failing the test instead of
/// hanging if it does not finish within a minute.
fn snapshot_or_hang(repo: &TestRepo, dir: &Path, route: &str) -> crate::common::Run {
    let mut child = hermetic(BIN, &repo.home)
        .current_dir(&repo.root)
        .env("GIT_AGENT_SNAPSHOT", route)
        .arg("__snapshot")
        .arg(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn git-agent");
    let start = std::time::Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > std::time::Duration::from_secs(60) {
            child.kill().ok();
            child.wait().ok();
            panic!("the snapshot ({route:?} route) hangs");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    crate::common::Run::from(child.wait_with_output().expect("output"))
}

/// The full tree (third field) `__snapshot` printed.
fn full_tree_of(run: &crate::common::Run) -> String {
    run.stdout
        .split_whitespace()
        .nth(2)
        .expect("three trees")
        .to_owned()
}

#[test]
fn untracked_files_count_whatever_status_show_untracked_files_says() {
    // S1: gix left its walk out for `no`, and the snapshot lost new files.
    let repo = TestRepo::new();
    repo.git(&["config", "status.showUntrackedFiles", "no"]);
    repo.write("new.txt", "new\n");
    repo.write("new-dir/deep.txt", "deep\n");
    same_as_git(&repo, &repo.root);
    let full = full_tree_of(&snapshot(&repo, &repo.root, "gix").success());
    assert!(
        repo.git(&["ls-tree", "-r", "--name-only", &full])
            .contains("new-dir/deep.txt")
    );
}

#[test]
fn a_rule_for_every_directory_outside_gitignore_is_left_to_git() {
    // S2: gix applied `*/` from info/exclude or excludesFile to the top
    // directory and lost the untracked files there.
    for rule in ["*/", "**/", "/*/"] {
        let repo = TestRepo::new();
        std::fs::write(repo.root.join(".git/info/exclude"), format!("{rule}\n")).unwrap();
        repo.write("new.txt", "new\n");
        repo.write("newdir/x.txt", "ignored by the rule\n");
        left_to_git(&repo, &repo.root);
    }
    let repo = TestRepo::new();
    crate::common::write(&repo.home.join(".config/git/ignore"), "*/\n");
    repo.write("new.txt", "new\n");
    left_to_git(&repo, &repo.root);
    // In a .gitignore gix reads it as git does.
    let repo = TestRepo::new();
    repo.write(".gitignore", "*/\n");
    repo.write("new.txt", "new\n");
    repo.write("newdir/x.txt", "ignored\n");
    same_as_git(&repo, &repo.root);
}

#[test]
fn precompose_unicode_is_left_to_git() {
    // S3: git ignores core.precomposeUnicode on Linux; gix lost files with
    // decomposed names.
    let repo = TestRepo::new();
    repo.git(&["config", "core.precomposeUnicode", "true"]);
    repo.write("cafe\u{301}.txt", "nfd\n");
    repo.write("src/cafe\u{301}.rs", "nfd\n");
    left_to_git(&repo, &repo.root);
}

#[test]
fn attributes_git_reads_otherwise_are_left_to_git() {
    // S4: a tracked .gitattributes deleted on disk (gix read the index's).
    let repo = TestRepo::new();
    repo.write(".gitattributes", "*.txt text\n");
    repo.git(&["add", ".gitattributes"]);
    repo.git(&["commit", "-q", "-m", "attributes"]);
    std::fs::remove_file(repo.path(".gitattributes")).unwrap();
    repo.write("a.txt", "x\r\n");
    left_to_git(&repo, &repo.root);
    // Edited on disk instead, both read the worktree's.
    repo.write(".gitattributes", "*.txt -text\n");
    same_as_git(&repo, &repo.root);

    // S5: info/attributes outranks every .gitattributes in git.
    let repo = TestRepo::new();
    std::fs::write(repo.root.join(".git/info/attributes"), "*.txt -text\n").unwrap();
    repo.write("d/.gitattributes", "*.txt text\n");
    repo.write("d/c.txt", "x\r\n");
    left_to_git(&repo, &repo.root);

    // S6: working-tree-encoding, in a nested file or the global one.
    let repo = TestRepo::new();
    repo.write("d/.gitattributes", "*.txt working-tree-encoding=UTF-16\n");
    std::fs::write(repo.path("d/be.txt"), b"\xfe\xff\x00x\x00\n").unwrap();
    left_to_git(&repo, &repo.root);
    let repo = TestRepo::new();
    crate::common::write(
        &repo.home.join(".config/git/attributes"),
        "*.lat working-tree-encoding=ISO-8859-1\n",
    );
    std::fs::write(repo.path("c.lat"), b"\x93quoted\x94\n").unwrap();
    left_to_git(&repo, &repo.root);

    // core.checkStat is not followed in process.
    let repo = TestRepo::new();
    repo.git(&["config", "core.checkStat", "minimal"]);
    repo.write("a.txt", "edited\n");
    left_to_git(&repo, &repo.root);
}

#[test]
fn what_git_refuses_to_stage_fails_the_snapshot_as_in_git() {
    // The in-process route stored trees where `git add -A` refuses: now
    // git's refusal is what the user gets, on every route.
    let refuses = |repo: &TestRepo, what: &str| {
        repo.git_out(&repo.root, &["add", "-A", "--dry-run"]);
        snapshot(repo, &repo.root, "gix").fails(1);
        let run = snapshot(repo, &repo.root, "").fails(1);
        assert!(run.stderr.contains(what), "{}", run.stderr);
    };
    // UTF-16 without a byte order mark.
    let repo = TestRepo::new();
    repo.write(".gitattributes", "*.u16 working-tree-encoding=UTF-16\n");
    std::fs::write(repo.path("no-bom.u16"), b"x\x00").unwrap();
    refuses(&repo, "BOM");
    // A required filter without a clean command.
    let repo = TestRepo::new();
    repo.git(&["config", "filter.x.required", "true"]);
    repo.write(".gitattributes", "*.txt filter=x\n");
    repo.write("a.txt", "edited\n");
    refuses(&repo, "filter");
    // core.excludesFile naming a directory.
    let repo = TestRepo::new();
    std::fs::create_dir_all(repo.home.join("ignores")).unwrap();
    repo.git(&[
        "config",
        "core.excludesFile",
        &repo.home.join("ignores").display().to_string(),
    ]);
    repo.write("a.txt", "edited\n");
    refuses(&repo, "exclude file");
}

#[test]
fn a_fifo_where_git_reads_rules_is_refused_not_waited_on() {
    for place in [
        ".gitattributes",
        ".gitignore",
        "src/.gitattributes",
        "new/.gitignore",
    ] {
        let repo = TestRepo::new();
        std::fs::create_dir_all(repo.path(place).parent().unwrap()).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(repo.path(place))
            .status()
            .unwrap();
        assert!(made.success());
        repo.write("a.txt", "edited\n");
        for route in ["gix", "git", ""] {
            let run = snapshot_or_hang(&repo, &repo.root, route).fails(1);
            assert!(run.stderr.contains(place), "{route}: {}", run.stderr);
        }
    }
}

#[test]
fn a_split_index_under_many_files_gives_the_full_tree() {
    // git 2.47 writes a split index it reads back as empty when
    // feature.manyFiles sets index.skipHash: the snapshot was an empty tree.
    let repo = TestRepo::new();
    repo.git(&["config", "feature.manyFiles", "true"]);
    repo.git(&["config", "core.splitIndex", "true"]);
    repo.write("a.txt", "edited\n");
    repo.write("new.txt", "new\n");
    // Not same_as_git: its `git status` would write such an index itself.
    let expected = by_git(&repo, &repo.root);
    for route in ["gix", "git"] {
        let full = full_tree_of(&snapshot(&repo, &repo.root, route).success());
        assert_eq!(full, expected, "{route}");
    }
    let full = expected;
    let listed = repo.git(&["ls-tree", "-r", "--name-only", &full]);
    assert!(
        listed.contains("src/lib.rs") && listed.contains("new.txt"),
        "{listed}"
    );
}

#[test]
fn paths_git_refuses_are_left_out_with_a_warning() {
    // D12: `.GIT/config` made by an agent failed every snapshot (`git add
    // failed: invalid path`), so diff, keep and discard all failed.
    let repo = TestRepo::new();
    let wt = repo.new_session(&["s"]);
    crate::common::write(&wt.join(".GIT/config"), "[core]\n");
    crate::common::write(&wt.join(".Git/hooks/x"), "#!/bin/sh\n");
    crate::common::write(&wt.join("src/git~1/y"), "y\n");
    crate::common::write(&wt.join("kept.txt"), "kept\n");
    let expected = by_git_without(
        &repo,
        &wt,
        &[":(exclude).GIT", ":(exclude).Git", ":(exclude)src/git~1"],
    );
    for route in ["gix", "git"] {
        let run = snapshot(&repo, &wt, route).success();
        assert_eq!(full_tree_of(&run), expected, "{route}");
        for path in [".GIT", ".Git", "src/git~1"] {
            assert!(
                run.stderr.contains(&format!(
                    "not snapshottable: git refuses this path: {path} "
                )),
                "{route}: {}",
                run.stderr
            );
        }
    }
    let diff = repo.agent(&["diff", "s"]).success();
    assert!(diff.stdout.contains("kept.txt"), "{}", diff.stdout);
    assert!(!diff.stdout.contains(".GIT"), "{}", diff.stdout);
    assert!(
        diff.stderr.contains("not part of the session's change"),
        "{}",
        diff.stderr
    );
    let keep = repo.agent(&["keep", "s"]).success();
    assert!(keep.stderr.contains("not snapshottable"), "{}", keep.stderr);
    assert_eq!(repo.read("kept.txt"), "kept\n");
    assert!(!repo.path(".GIT").exists());

    let wt = repo.new_session(&["d"]);
    crate::common::write(&wt.join(".GIT/config"), "[core]\n");
    repo.agent(&["discard", "d"]).success();
    assert!(!wt.exists());
}
