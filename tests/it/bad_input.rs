//! Bad input, as a table: each scenario sets up a repository (or not), then
//! runs its own invocations and then every verb, and expects an exit code
//! for each. Every failure must be an `error:` line with exit 1 or 2 —
//! never a panic, a hang (each invocation has a deadline) or a half-done
//! state (refs, worktrees, branches and the checkout's status are as they
//! were before a refused command).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::{BIN, Run, TestRepo, hermetic, succeeds, write};

/// Every verb, in the order they run; `ID` is replaced by the case's id.
const VERBS: &[&[&str]] = &[
    &["show", "ID"],
    &["path", "ID"],
    &["diff", "ID"],
    &["logs", "ID"],
    &["wait", "ID"],
    &["stop", "ID"],
    &["run", "ID", "--", "true"],
    &["overlap"],
    &["list"],
    &["gc"],
    &["push"],
    &["fetch"],
    &["completions", "bash"],
    &["keep", "ID"],
    &["discard", "ID"],
    &["restore", "ID"],
    &["new"],
];

/// Verbs that take a session id.
fn takes_id(args: &[&str]) -> bool {
    args.get(1) == Some(&"ID")
}

struct Case {
    name: &'static str,
    /// Prepare the scenario; returns the directory to run in.
    setup: fn(&TestRepo) -> PathBuf,
    /// Invocations of the case's own, run first: (arguments, exit code).
    runs: &'static [(&'static [&'static str], i32)],
    /// The id every verb of [`VERBS`] gets.
    id: &'static str,
    /// The exit code of every verb of [`VERBS`], unless `except` names it.
    every: i32,
    except: &'static [(&'static str, i32)],
    /// What a refusal of a verb that names the case's id must say:
    /// `(verb, texts)`, where the verb `None` means every verb.
    says: &'static [(Option<&'static str>, &'static [&'static str])],
    /// Further checks once everything ran.
    check: fn(&TestRepo, &Path),
}

fn nothing_more(_: &TestRepo, _: &Path) {}

/// How long one invocation may take before the test calls it a hang.
const DEADLINE: Duration = Duration::from_secs(60);

/// Run git-agent in `dir`, killing it (and failing) if it hangs.
fn agent(repo: &TestRepo, dir: &Path, args: &[&str]) -> Run {
    let mut child = hermetic(BIN, &repo.home)
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn git-agent");
    // Read the pipes while waiting, so a chatty command cannot block on them.
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut buf).map(|_| buf)
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut buf).map(|_| buf)
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?} in {} hung for {DEADLINE:?}", dir.display());
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run::from(std::process::Output {
        status,
        stdout: out.join().expect("stdout reader").unwrap_or_default(),
        stderr: err.join().expect("stderr reader").unwrap_or_default(),
    })
}

/// Everything a refused command must leave as it was: every ref (session
/// refs and branches), git's worktree records, the status of the checkout
/// and the worktree directory's entries.
fn fingerprint(repo: &TestRepo, dir: &Path) -> String {
    let git = |args: &[&str]| {
        let out = repo.git_out(dir, args);
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    let mut entries: Vec<String> = std::fs::read_dir(dir.join(".worktrees"))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    entries.sort();
    format!(
        "{}\n--\n{}\n--\n{}\n--\n{entries:?}",
        git(&["for-each-ref"]),
        git(&["worktree", "list", "--porcelain"]),
        git(&["status", "--porcelain=v2", "--untracked-files=all"]),
    )
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
    repo.diverge_on_a_txt();
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
    let out = hermetic(BIN, &repo.home)
        .current_dir(&dir)
        .args(["new", "sp ace"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "an id with a space is invalid");
    succeeds(
        hermetic(BIN, &repo.home)
            .current_dir(&dir)
            .args(["new", "uni"]),
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
    repo.add_submodule("subrepo", "sub");
    let wt = repo.new_session(&["sm"]);
    write(&wt.join("top.txt"), "t\n");
    repo.root.clone()
}

fn unknown_id(repo: &TestRepo) -> PathBuf {
    repo.new_session(&["real-one"]);
    repo.root.clone()
}

fn mid_rebase(repo: &TestRepo) -> PathBuf {
    let wt = repo.new_session(&["rb"]);
    write(&wt.join("r.txt"), "r\n");
    repo.diverge_on_a_txt();
    let out = repo.git_out(&repo.root, &["rebase", "side"]);
    assert!(
        !out.status.success(),
        "the rebase must stop on its conflict"
    );
    assert!(repo.path(".git/rebase-merge").exists());
    repo.root.clone()
}

/// `new` during the rebase started from the committed HEAD (the rebase's).
fn new_started_from_head(repo: &TestRepo, _: &Path) {
    let head = repo.git(&["rev-parse", "HEAD"]);
    let during = repo.path(".worktrees/during");
    assert_eq!(repo.git_in(&during, &["rev-parse", "HEAD"]), head);
    assert_eq!(repo.git_in(&during, &["status", "--porcelain"]), "");
}

/// A worktree directory git-agent cannot write to. As root, permissions do
/// not stop writes, so the directory sits under a file instead.
fn unwritable_worktree_dir(repo: &TestRepo) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = repo.path(".worktrees");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    if std::fs::write(dir.join("probe"), "").is_ok() {
        println!(
            "running as root, where mode 555 does not stop writes: agent.worktreeDir goes under a file instead"
        );
        std::fs::remove_file(dir.join("probe")).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        repo.write("blocker", "a file\n");
        repo.git(&["config", "agent.worktreeDir", "blocker/worktrees"]);
    }
    repo.root.clone()
}

fn restore_permissions(repo: &TestRepo, _: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(
        repo.path(".worktrees"),
        std::fs::Permissions::from_mode(0o755),
    );
}

/// Without a usable repository every verb but `completions` refuses.
const NO_REPOSITORY: &[(&str, i32)] = &[("completions", 0)];
/// What the verbs that take no id do in a repository with no remote.
const NO_REMOTE: &[(&str, i32)] = &[
    ("overlap", 0),
    ("list", 0),
    ("gc", 0),
    ("push", 1),
    ("fetch", 1),
    ("completions", 0),
    ("new", 0),
];

const CASES: &[Case] = &[
    Case {
        name: "not a repository",
        setup: plain_dir,
        runs: &[],
        id: "x",
        every: 1,
        except: NO_REPOSITORY,
        says: &[],
        check: nothing_more,
    },
    Case {
        name: "bare repository",
        setup: bare,
        runs: &[],
        id: "x",
        every: 1,
        except: NO_REPOSITORY,
        says: &[],
        check: nothing_more,
    },
    Case {
        name: "no commits yet",
        setup: no_commits,
        runs: &[(&["new", "x", "--", "true"], 1)],
        id: "x",
        every: 1,
        except: &[("overlap", 0), ("list", 0), ("gc", 0), ("completions", 0)],
        says: &[],
        check: nothing_more,
    },
    Case {
        name: "unknown id",
        setup: unknown_id,
        runs: &[],
        id: "nope",
        every: 1,
        except: NO_REMOTE,
        says: &[(
            None,
            &[
                "no session 'nope'",
                "hint: sessions here: real-one (active)",
            ],
        )],
        check: nothing_more,
    },
    Case {
        name: "ambiguous id",
        setup: ambiguous,
        runs: &[],
        id: "amb",
        every: 1,
        except: NO_REMOTE,
        says: &[(None, &["amb-1", "amb-2"])],
        check: nothing_more,
    },
    Case {
        name: "unborn branch",
        setup: unborn_branch,
        runs: &[(&["new", "b", "--base", "main"], 0)],
        id: "b",
        every: 0,
        // keep needs a commit to merge onto; so the session is still there
        // for discard.
        except: &[
            ("wait", 1),
            ("stop", 1),
            ("push", 1),
            ("fetch", 1),
            ("keep", 1),
            ("new", 1),
        ],
        says: &[],
        check: nothing_more,
    },
    Case {
        name: "detached HEAD",
        setup: detached,
        runs: &[
            (&["keep", "det", "--squash"], 1),
            (&["keep", "det", "--commit"], 1),
        ],
        id: "det",
        every: 0,
        except: &[
            ("wait", 1),
            ("stop", 1),
            ("push", 1),
            ("fetch", 1),
            ("discard", 1),
        ],
        says: &[],
        check: nothing_more,
    },
    Case {
        name: "mid-merge",
        setup: mid_merge,
        runs: &[(&["new", "during"], 0)],
        id: "mm",
        every: 0,
        except: &[
            ("wait", 1),
            ("stop", 1),
            ("push", 1),
            ("fetch", 1),
            ("keep", 1),
        ],
        says: &[],
        check: nothing_more,
    },
    Case {
        name: "mid-rebase",
        setup: mid_rebase,
        runs: &[(&["new", "during"], 0)],
        id: "rb",
        every: 0,
        except: &[
            ("wait", 1),
            ("stop", 1),
            ("push", 1),
            ("fetch", 1),
            ("keep", 1),
        ],
        says: &[(Some("keep"), &["in the middle of a rebase"])],
        check: new_started_from_head,
    },
    Case {
        name: "worktreeDir is a file",
        setup: worktree_dir_is_a_file,
        runs: &[(&["new", "w"], 1)],
        id: "w",
        every: 1,
        except: &[("overlap", 0), ("list", 0), ("gc", 0), ("completions", 0)],
        says: &[],
        check: nothing_more,
    },
    Case {
        name: "worktree directory not writable",
        setup: unwritable_worktree_dir,
        runs: &[(&["new", "w"], 1)],
        id: "w",
        every: 1,
        except: &[("overlap", 0), ("list", 0), ("gc", 0), ("completions", 0)],
        says: &[],
        check: restore_permissions,
    },
    Case {
        name: "spaces and non-ASCII",
        setup: spaces_and_unicode,
        runs: &[(&["diff", "uni", "--stat"], 0)],
        id: "uni",
        every: 0,
        except: &[("wait", 1), ("stop", 1), ("discard", 1)],
        says: &[],
        check: nothing_more,
    },
    Case {
        name: "file replaced by a directory",
        setup: a_file_replaced_by_a_directory,
        runs: &[(&["diff", "fd", "--stat"], 0)],
        id: "fd",
        every: 0,
        except: &[
            ("wait", 1),
            ("stop", 1),
            ("push", 1),
            ("fetch", 1),
            ("discard", 1),
        ],
        says: &[],
        check: nothing_more,
    },
    Case {
        name: "submodule",
        setup: with_a_submodule,
        runs: &[(&["diff", "sm", "--stat"], 0)],
        id: "sm",
        every: 0,
        except: &[
            ("wait", 1),
            ("stop", 1),
            ("push", 1),
            ("fetch", 1),
            ("discard", 1),
        ],
        says: &[],
        check: nothing_more,
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
        id: "x",
        every: 1,
        except: NO_REMOTE,
        says: &[],
        check: nothing_more,
    },
];

#[test]
fn every_verb_meets_bad_input_with_an_error_line() {
    let mut wrong = Vec::new();
    for case in CASES {
        let repo = TestRepo::new();
        let dir = (case.setup)(&repo);
        let mut runs: Vec<(Vec<&str>, i32)> =
            case.runs.iter().map(|(a, c)| (a.to_vec(), *c)).collect();
        for verb in VERBS {
            let code = case
                .except
                .iter()
                .find(|(v, _)| *v == verb[0])
                .map_or(case.every, |(_, c)| *c);
            let args = verb
                .iter()
                .map(|a| if *a == "ID" { case.id } else { a })
                .collect();
            runs.push((args, code));
        }
        runs.extend(
            VERBS
                .iter()
                .filter(|v| takes_id(v) && v[0] != "wait")
                .map(|v| (with_id(v, "bad/id"), 1)),
        );
        for (args, code) in runs {
            let before = fingerprint(&repo, &dir);
            let run = agent(&repo, &dir, &args);
            let what = format!("{}: {args:?}", case.name);
            assert!(!run.stderr.contains("panicked"), "{what} panicked: {run:?}");
            assert!(!run.stderr.contains("RUST_BACKTRACE"), "{what}: {run:?}");
            if run.code != code {
                wrong.push(format!(
                    "{what}: exit {} (expected {code}): {}",
                    run.code,
                    run.stderr.trim()
                ));
                continue;
            }
            if code == 0 {
                continue;
            }
            assert!(
                run.stderr.lines().any(|l| l.starts_with("error: ")),
                "{what} gave no error line: {}",
                run.stderr
            );
            // `push` snapshots live sessions before it talks to the remote:
            // their snapshot refs may move even when the push fails.
            let after = fingerprint(&repo, &dir);
            let (after, before) = if args[0] == "push" {
                (without_session_refs(&after), without_session_refs(&before))
            } else {
                (after, before)
            };
            assert_eq!(
                after, before,
                "{what}: a refused command left something behind: {}",
                run.stderr
            );
            let named_id = args.get(1) == Some(&case.id) && takes_id(&[args[0], "ID"]);
            for (verb, texts) in case.says {
                if named_id && verb.is_none_or(|v| v == args[0]) {
                    for text in *texts {
                        assert!(run.stderr.contains(text), "{what}: {}", run.stderr);
                    }
                }
            }
        }
        (case.check)(&repo, &dir);
        if repo
            .git_out(&dir, &["rev-parse", "--verify", "-q", "HEAD"])
            .status
            .success()
        {
            repo.fsck_clean_in(&dir, case.name);
        }
    }
    assert!(
        wrong.is_empty(),
        "unexpected exit codes:\n{}",
        wrong.join("\n")
    );
}

fn without_session_refs(fingerprint: &str) -> String {
    let lines = fingerprint.lines();
    lines
        .filter(|l| !l.contains("\trefs/agents/"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn with_id<'a>(verb: &[&'a str], id: &'a str) -> Vec<&'a str> {
    verb.iter()
        .map(|a| if *a == "ID" { id } else { a })
        .collect()
}

/// An `agent.branchPrefix` that makes no valid branch name is refused by
/// `new` before anything is made, naming the key (not git's usage text).
#[test]
fn a_branch_prefix_that_makes_no_branch_name_is_refused_naming_the_key() {
    let repo = TestRepo::new();
    let before = repo.fingerprint(&repo.root);
    for prefix in ["-", "a..b/", "x.lock/", "@{-1}"] {
        repo.git(&["config", "agent.branchPrefix", prefix]);
        let run = repo.agent(&["new", "p1"]).fails(1);
        assert!(
            run.stderr.contains("agent.branchPrefix"),
            "{prefix}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("hint:"), "{prefix}: {}", run.stderr);
        assert!(!run.stderr.contains("usage:"), "{prefix}: {}", run.stderr);
        assert_eq!(repo.git(&["for-each-ref", "refs/agents/"]), "", "{prefix}");
        assert!(!repo.path(".worktrees/p1").exists(), "{prefix}");
        assert_eq!(repo.fingerprint(&repo.root), before, "{prefix}");
    }
    repo.git(&["config", "agent.branchPrefix", "ok-"]);
    repo.new_session(&["p1"]);
    repo.git(&["rev-parse", "--verify", "-q", "refs/heads/ok-p1"]);
}

/// `--scope ''` names no path at all: a usage error, no session made.
#[test]
fn an_empty_scope_is_a_usage_error() {
    let repo = TestRepo::new();
    for args in [
        &["new", "s", "--scope", ""][..],
        &["new", "s", "--scope="],
        &["new", "s", "--scope", "src/**", "--scope", ""],
    ] {
        let run = repo.agent(args).fails(2);
        assert!(run.stderr.contains("--scope"), "{args:?}: {}", run.stderr);
        assert_eq!(repo.git(&["for-each-ref", "refs/agents/"]), "", "{args:?}");
    }
}
