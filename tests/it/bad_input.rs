//! Bad input, as a table: each scenario sets up a repository (or not), then
//! runs verbs and expects an exit code. Every failure must be an `error:`
//! line with exit 1 or 2 — never a panic, a hang or a half-done state.

use std::path::PathBuf;

use crate::common::{TestRepo, write};

/// Verbs that take a session id, with any extra arguments they need.
const ID_VERBS: &[&[&str]] = &[
    &["show"],
    &["path"],
    &["diff"],
    &["logs"],
    &["wait"],
    &["stop"],
    &["keep"],
    &["discard"],
    &["restore"],
    &["run", "--", "true"],
];

struct Case {
    name: &'static str,
    /// Prepare the scenario; returns the directory to run in.
    setup: fn(&TestRepo) -> PathBuf,
    /// (arguments, expected exit code); `{}` in an argument is replaced by nothing.
    runs: &'static [(&'static [&'static str], i32)],
}

fn plain_dir(repo: &TestRepo) -> PathBuf {
    let dir = repo.base().join("plain");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn bare(repo: &TestRepo) -> PathBuf {
    let dir = repo.base().join("bare.git");
    repo.git_in(
        &repo.base(),
        &["init", "-q", "--bare", dir.to_str().unwrap()],
    );
    dir
}

fn no_commits(repo: &TestRepo) -> PathBuf {
    let dir = repo.base().join("empty");
    repo.git_in(&repo.base(), &["init", "-q", dir.to_str().unwrap()]);
    dir
}

fn normal(repo: &TestRepo) -> PathBuf {
    repo.root.clone()
}

fn ambiguous(repo: &TestRepo) -> PathBuf {
    repo.new_session(&["amb-1"]);
    repo.new_session(&["amb-2"]);
    repo.root.clone()
}

fn unborn_branch(repo: &TestRepo) -> PathBuf {
    repo.git(&["checkout", "-q", "--orphan", "fresh"]);
    repo.root.clone()
}

fn detached(repo: &TestRepo) -> PathBuf {
    repo.git(&["checkout", "-q", "--detach"]);
    let wt = repo.new_session(&["det"]);
    write(&wt.join("d.txt"), "d\n");
    repo.root.clone()
}

fn mid_merge(repo: &TestRepo) -> PathBuf {
    let wt = repo.new_session(&["mm"]);
    write(&wt.join("m.txt"), "m\n");
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write("a.txt", "side\n");
    repo.git(&["commit", "-qam", "side"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.write("a.txt", "main\n");
    repo.git(&["commit", "-qam", "main"]);
    let _ = repo.git_out(&repo.root, &["merge", "-q", "side"]);
    repo.root.clone()
}

fn worktree_dir_is_a_file(repo: &TestRepo) -> PathBuf {
    repo.write("not-a-dir", "x");
    repo.git(&["config", "agent.worktreeDir", "not-a-dir"]);
    repo.root.clone()
}

fn spaces_and_unicode(repo: &TestRepo) -> PathBuf {
    // The repository itself lives under a path with spaces and non-ASCII.
    let dir = repo.base().join("my répo ünïcode");
    repo.git_in(
        &repo.base(),
        &[
            "clone",
            "-q",
            repo.root.to_str().unwrap(),
            dir.to_str().unwrap(),
        ],
    );
    let out = crate::common::hermetic(crate::common::BIN, &repo.home)
        .current_dir(&dir)
        .args(["new", "sp ace"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "an id with a space is invalid");
    let out = crate::common::hermetic(crate::common::BIN, &repo.home)
        .current_dir(&dir)
        .args(["new", "uni"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let wt = dir.join(".worktrees/uni");
    write(&wt.join("dir with space/fïlé ñame.txt"), "x\n");
    dir
}

fn a_file_replaced_by_a_directory(repo: &TestRepo) -> PathBuf {
    let wt = repo.new_session(&["fd"]);
    std::fs::remove_file(wt.join("a.txt")).unwrap();
    write(&wt.join("a.txt/inner.txt"), "now a dir\n");
    repo.root.clone()
}

fn with_a_submodule(repo: &TestRepo) -> PathBuf {
    let sub = repo.base().join("subrepo");
    repo.git_in(
        &repo.base(),
        &["init", "-q", "-b", "main", sub.to_str().unwrap()],
    );
    write(&sub.join("s.txt"), "s\n");
    repo.git_in(&sub, &["add", "."]);
    repo.git_in(&sub, &["commit", "-qm", "s"]);
    repo.git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        sub.to_str().unwrap(),
        "sub",
    ]);
    repo.git(&["commit", "-qm", "submodule"]);
    let wt = repo.new_session(&["sm"]);
    write(&wt.join("top.txt"), "t\n");
    repo.root.clone()
}

const CASES: &[Case] = &[
    Case {
        name: "not a repository",
        setup: plain_dir,
        runs: &[
            (&["list"], 1),
            (&["new"], 1),
            (&["show", "x"], 1),
            (&["gc"], 1),
            (&["restore", "x"], 1),
        ],
    },
    Case {
        name: "bare repository",
        setup: bare,
        runs: &[(&["list"], 1), (&["new"], 1), (&["keep", "x"], 1)],
    },
    Case {
        name: "no commits yet",
        setup: no_commits,
        runs: &[
            (&["new"], 1),
            (&["new", "x", "--", "true"], 1),
            (&["list"], 0),
        ],
    },
    Case {
        name: "unknown id",
        setup: normal,
        runs: &[],
    },
    Case {
        name: "ambiguous id",
        setup: ambiguous,
        runs: &[],
    },
    Case {
        name: "unborn branch",
        setup: unborn_branch,
        runs: &[(&["new"], 1), (&["new", "b", "--base", "main"], 0)],
    },
    Case {
        name: "detached HEAD",
        setup: detached,
        runs: &[
            (&["keep", "det", "--squash"], 1),
            (&["keep", "det", "--commit"], 1),
            (&["keep", "det"], 0),
        ],
    },
    Case {
        name: "mid-merge",
        setup: mid_merge,
        runs: &[
            (&["keep", "mm"], 1),
            (&["new", "during"], 0),
            (&["discard", "mm"], 0),
        ],
    },
    Case {
        name: "worktreeDir is a file",
        setup: worktree_dir_is_a_file,
        runs: &[(&["new", "w"], 1), (&["list"], 0)],
    },
    Case {
        name: "spaces and non-ASCII",
        setup: spaces_and_unicode,
        runs: &[
            (&["diff", "uni", "--stat"], 0),
            (&["list"], 0),
            (&["keep", "uni"], 0),
        ],
    },
    Case {
        name: "file replaced by a directory",
        setup: a_file_replaced_by_a_directory,
        runs: &[(&["diff", "fd", "--stat"], 0), (&["keep", "fd"], 0)],
    },
    Case {
        name: "submodule",
        setup: with_a_submodule,
        runs: &[(&["diff", "sm", "--stat"], 0), (&["keep", "sm"], 0)],
    },
    Case {
        name: "usage",
        setup: normal,
        runs: &[
            (&["frobnicate"], 2),
            (&["new", "--base"], 2),
            (&["keep", "x", "-m", "m"], 2),
            (&["wait", "--timeout", "soon"], 2),
        ],
    },
];

#[test]
fn every_verb_meets_bad_input_with_an_error_line() {
    for case in CASES {
        let repo = TestRepo::new();
        let dir = (case.setup)(&repo);
        let mut runs: Vec<(Vec<&str>, i32)> =
            case.runs.iter().map(|(a, c)| (a.to_vec(), *c)).collect();
        match case.name {
            "unknown id" => runs.extend(ID_VERBS.iter().map(|v| (with_id(v, "nope"), 1))),
            "ambiguous id" => runs.extend(ID_VERBS.iter().map(|v| (with_id(v, "amb"), 1))),
            _ => {}
        }
        runs.extend(
            ID_VERBS
                .iter()
                .filter(|v| v[0] != "wait")
                .map(|v| (with_id(v, "bad/id"), 1)),
        );
        for (args, code) in runs {
            let refs_before = repo
                .git_out(&repo.root, &["for-each-ref", "refs/agents/"])
                .stdout;
            let run = repo.agent_in(&dir, &args);
            assert_eq!(run.code, code, "{}: {args:?}\n{run:?}", case.name);
            assert!(
                !run.stderr.contains("panicked"),
                "{}: {args:?} panicked",
                case.name
            );
            if code != 0 {
                assert!(
                    run.stderr.contains("error:"),
                    "{}: {args:?} gave no error line: {}",
                    case.name,
                    run.stderr
                );
                if args[0] != "new" || case.name != "worktreeDir is a file" {
                    continue;
                }
                let refs_after = repo
                    .git_out(&repo.root, &["for-each-ref", "refs/agents/"])
                    .stdout;
                assert_eq!(
                    refs_before, refs_after,
                    "{}: a refused new left refs behind",
                    case.name
                );
            }
            if case.name == "ambiguous id" && code == 1 {
                assert!(
                    run.stderr.contains("amb-1") && run.stderr.contains("amb-2"),
                    "{}",
                    run.stderr
                );
            }
        }
        let fsck = repo.git_out(&repo.root, &["fsck"]);
        assert!(
            fsck.status.success(),
            "{}: fsck {}",
            case.name,
            String::from_utf8_lossy(&fsck.stderr)
        );
    }
}

fn with_id<'a>(verb: &[&'a str], id: &'a str) -> Vec<&'a str> {
    let mut args = vec![verb[0], id];
    args.extend_from_slice(&verb[1..]);
    args
}
