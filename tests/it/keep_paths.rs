//! keep and the shape of paths: files and directories trading places,
//! symlinks, names that are not UTF-8, attributes, repositories inside the
//! session. The target after keep is compared with the session's own
//! worktree and with what `git add -A` stages there, not with a written-out
//! expectation.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use crate::common::{TestRepo, git_add_all_tree, write};

/// One entry of a checkout as a person sees it.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Entry {
    File { bytes: String, executable: bool },
    Link(String),
    Dir,
}

/// Every entry under `dir` but `.git` and the sessions' worktrees, by path
/// (bytes escaped as in Rust); nothing is followed through a symlink. Empty directories are
/// listed (git has none, so they must not appear either).
fn checkout(dir: &Path) -> Vec<(String, Entry)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap();
            if name == ".git" || name == ".worktrees" {
                continue;
            }
            let rel = path
                .strip_prefix(dir)
                .unwrap()
                .as_os_str()
                .as_bytes()
                .escape_ascii()
                .to_string();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let entry = if meta.is_symlink() {
                Entry::Link(
                    std::fs::read_link(&path)
                        .unwrap()
                        .as_os_str()
                        .as_bytes()
                        .escape_ascii()
                        .to_string(),
                )
            } else if meta.is_dir() {
                stack.push(path.clone());
                if std::fs::read_dir(&path).unwrap().next().is_some() {
                    continue;
                }
                Entry::Dir
            } else {
                Entry::File {
                    bytes: std::fs::read(&path).unwrap().escape_ascii().to_string(),
                    executable: meta.permissions().mode() & 0o100 != 0,
                }
            };
            out.push((rel, entry));
        }
    }
    out.sort();
    out
}

/// For each way of keeping (staged, `--squash`, `--commit`), a fresh
/// repository made by `before` (then committed) and a session edited by
/// `edit`, kept into the clean main checkout: the target's files must be
/// the session's, and its index (or new HEAD) what `git add -A` stages in
/// the session's worktree.
fn keeps_as_in_session(before: fn(&TestRepo), edit: fn(&Path)) {
    for how in [None, Some("--squash"), Some("--commit")] {
        let repo = TestRepo::new();
        before(&repo);
        repo.git(&["add", "-A"]);
        repo.git(&["commit", "-q", "-m", "before"]);
        let wt = repo.new_session(&["s"]);
        edit(&wt);
        let want_files = checkout(&wt);
        let want_tree = git_add_all_tree(&repo, &wt);
        let mut args = vec!["keep", "s", "--keep-worktree"];
        args.extend(how);
        let run = repo.agent(&args).success();
        assert_eq!(checkout(&repo.root), want_files, "{how:?}: {}", run.stderr);
        let got_tree = match how {
            None => repo.git(&["write-tree"]),
            Some(_) => repo.git(&["rev-parse", "HEAD^{tree}"]),
        };
        assert_eq!(got_tree, want_tree, "{how:?}");
        // Nothing unstaged or untracked is left over.
        let status = repo.git(&["status", "--porcelain", "--untracked-files=all"]);
        assert!(
            status
                .lines()
                .all(|l| how.is_none() && l.as_bytes()[1] == b' '),
            "{how:?}: {status}"
        );
    }
}

fn odd(name: &[u8]) -> &OsStr {
    OsStr::from_bytes(name)
}

#[test]
fn a_directory_becomes_a_file_or_a_symlink_and_a_symlink_a_directory_k1() {
    keeps_as_in_session(
        |repo| {
            repo.write("bin/a", "x\n");
            repo.write("tools/run/a.sh", "echo\n");
            repo.write("real/inside.txt", "real\n");
            symlink("real", repo.path("link")).unwrap();
        },
        |wt| {
            std::fs::remove_dir_all(wt.join("bin")).unwrap();
            write(&wt.join("bin"), "now a file\n");
            std::fs::remove_dir_all(wt.join("tools/run")).unwrap();
            symlink("../bin", wt.join("tools/run")).unwrap();
            std::fs::remove_file(wt.join("link")).unwrap();
            write(&wt.join("link/inside.txt"), "a directory now\n");
        },
    );
}

#[test]
fn a_file_becomes_an_executable_directory_entry_and_back() {
    keeps_as_in_session(
        |repo| {
            repo.write("d/x", "x\n");
            repo.write("f", "f\n");
        },
        |wt| {
            std::fs::remove_dir_all(wt.join("d")).unwrap();
            write(&wt.join("d"), "#!/bin/sh\n");
            std::fs::set_permissions(wt.join("d"), std::fs::Permissions::from_mode(0o755)).unwrap();
            std::fs::remove_file(wt.join("f")).unwrap();
            write(&wt.join("f/inside"), "in\n");
        },
    );
}

#[test]
fn deleting_and_adding_files_whose_names_are_not_utf8_k2() {
    keeps_as_in_session(
        |repo| {
            std::fs::write(repo.root.join(odd(b"inv\xff")), "x\n").unwrap();
            std::fs::write(repo.root.join(odd(b"edit\xfe.txt")), "1\n").unwrap();
        },
        |wt| {
            std::fs::remove_file(wt.join(odd(b"inv\xff"))).unwrap();
            std::fs::write(wt.join(odd(b"edit\xfe.txt")), "2\n").unwrap();
            std::fs::write(wt.join(odd(b"new\xfd")), "new\n").unwrap();
        },
    );
}

#[test]
fn files_sorting_before_gitattributes_are_written_with_the_new_attributes_k3() {
    keeps_as_in_session(
        |repo| repo.write(".gitattributes", "*.md text\n"),
        |wt| {
            write(&wt.join(".gitattributes"), "*.txt text eol=crlf\n");
            write(&wt.join(" early.txt"), "one\r\ntwo\r\n");
            write(&wt.join("a.txt"), "alpha\r\nbeta\r\n");
            write(&wt.join("sub/ early.txt"), "three\r\n");
        },
    );
}

/// What a symlink of the target points at, outside the repository.
fn outside(repo: &TestRepo) -> Vec<(String, Entry)> {
    let dir = repo.base().join("elsewhere");
    if dir.exists() {
        checkout(&dir)
    } else {
        Vec::new()
    }
}

/// D2: whatever of the target's own stands where the session needs
/// something else — an untracked or ignored file where it needs a
/// directory, an untracked directory where it has a file, a symlink where
/// it needs a directory — refuses the keep, and nothing changes.
#[test]
fn an_untracked_ignored_or_symlinked_path_in_the_way_refuses_keep_d2() {
    type Setup = fn(&TestRepo, &Path);
    let cases: [(&str, Setup, &str); 5] = [
        (
            "file where the session needs a directory",
            |repo, wt| {
                write(&wt.join("notes/todo"), "agent\n");
                repo.write("notes", "my precious notes\n");
            },
            "notes",
        ),
        (
            "directory where the session has a file",
            |repo, wt| {
                write(&wt.join("notes"), "agent\n");
                repo.write("notes/mine.txt", "mine\n");
            },
            "notes",
        ),
        (
            "ignored file where the session needs a directory",
            |repo, wt| {
                write(&wt.join("build/out.txt"), "agent\n");
                repo.write("build", "ignored but mine\n");
                // Ignored in the target only (the session's file is not).
                repo.write(".gitignore", "build\n");
            },
            "build",
        ),
        (
            "symlink where the session needs a directory",
            |repo, wt| {
                write(&wt.join("cache/entry.txt"), "agent\n");
                std::fs::create_dir_all(repo.base().join("elsewhere")).unwrap();
                symlink(repo.base().join("elsewhere"), repo.path("cache")).unwrap();
            },
            "cache",
        ),
        (
            "file deep where the session needs a directory",
            |repo, wt| {
                write(&wt.join("docs/api/v1/index.md"), "agent\n");
                repo.write("docs/api", "mine\n");
            },
            "docs/api",
        ),
    ];
    for (what, setup, path) in cases {
        let repo = TestRepo::new();
        let wt = repo.new_session(&["s"]);
        write(&wt.join("other.txt"), "fine\n");
        setup(&repo, &wt);
        let before = (
            repo.fingerprint(&repo.root),
            checkout(&repo.root),
            outside(&repo),
        );
        for args in [
            &["keep", "s"][..],
            &["keep", "s", "--squash"],
            &["keep", "s", "--commit"],
        ] {
            let err = repo.agent(args).fails(1).stderr;
            assert!(
                err.contains(&format!("\n    {path}\n")),
                "{what} {args:?}: {err}"
            );
            assert_eq!(
                (
                    repo.fingerprint(&repo.root),
                    checkout(&repo.root),
                    outside(&repo)
                ),
                before,
                "{what} {args:?}"
            );
        }
        assert_eq!(
            repo.json(&["show", "s", "--json"])["state"],
            "active",
            "{what}"
        );
    }
}

/// D13: an untracked repository inside the checkout is not carried by
/// `new --carry` (the session could only have an empty directory there),
/// so the session shows no phantom deletion and keeps cleanly around it.
#[test]
fn an_untracked_nested_repository_is_not_carried_and_keep_leaves_it_alone_d13() {
    let repo = TestRepo::new();
    let sub = repo.path("sub");
    std::fs::create_dir_all(&sub).unwrap();
    repo.git_in(&sub, &["init", "-q", "-b", "main"]);
    write(&sub.join("s.txt"), "nested\n");
    repo.git_in(&sub, &["add", "s.txt"]);
    repo.git_in(&sub, &["commit", "-qm", "nested"]);
    repo.write("a.txt", "carried edit\n");
    let run = repo.agent(&["new", "s", "--carry"]).success();
    assert!(
        run.stderr.contains("sub is a repository of its own"),
        "{}",
        run.stderr
    );
    let wt = repo.root.join(".worktrees/s");
    assert_eq!(
        std::fs::read_to_string(wt.join("a.txt")).unwrap(),
        "carried edit\n"
    );
    assert_eq!(repo.agent(&["diff", "s"]).success().stdout, "");
    write(&wt.join("new.txt"), "agent\n");
    let sub_head = repo.git_in(&sub, &["rev-parse", "HEAD"]);
    repo.agent(&["keep", "s"]).success();
    assert_eq!(repo.git(&["diff", "--cached", "--name-only"]), "new.txt");
    assert_eq!(repo.git_in(&sub, &["rev-parse", "HEAD"]), sub_head);
    assert_eq!(
        std::fs::read_to_string(sub.join("s.txt")).unwrap(),
        "nested\n"
    );
    assert_eq!(repo.read("a.txt"), "carried edit\n");
}

/// K4: a repository of its own inside the session (an agent's `git init`
/// or `git clone`) would come home as a bare commit id whose commits go
/// with the worktree: keep refuses with a hint, changing nothing; with its
/// `.git` removed, its files keep as plain files.
#[test]
fn an_embedded_repository_in_the_session_refuses_keep_with_a_hint_k4() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["s"]);
    let web = wt.join("web");
    std::fs::create_dir_all(&web).unwrap();
    repo.git_in(&web, &["init", "-q", "-b", "main"]);
    write(&web.join("index.html"), "<p>hi</p>\n");
    repo.git_in(&web, &["add", "-A"]);
    repo.git_in(&web, &["commit", "-qm", "scaffold"]);
    write(&wt.join("other.txt"), "other\n");
    let before = (repo.fingerprint(&repo.root), checkout(&repo.root));
    for args in [
        &["keep", "s"][..],
        &["keep", "s", "--squash"],
        &["keep", "s", "--force"],
    ] {
        let err = repo.agent(args).fails(1).stderr;
        assert!(
            err.contains("repository of its own at web/") && err.contains("remove web/.git"),
            "{args:?}: {err}"
        );
        assert_eq!((repo.fingerprint(&repo.root), checkout(&repo.root)), before);
    }
    assert!(
        web.join(".git").exists(),
        "the session's repository is untouched"
    );
    std::fs::remove_dir_all(web.join(".git")).unwrap();
    let want = checkout(&wt);
    repo.agent(&["keep", "s", "--keep-worktree"]).success();
    assert_eq!(checkout(&repo.root), want);
    assert_eq!(
        repo.git(&["diff", "--cached", "--name-only"]),
        "other.txt\nweb/index.html"
    );
}
