//! Runs: foreground and detached, logs, wait, stop, timeouts, read-only,
//! agents from config, vanished processes.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::{BIN, TestRepo, fake_agent, hermetic, write};

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            !s.rsplit_once(')')
                .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

fn wait_until(mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn foreground_exit_codes_are_propagated_and_recorded() {
    let repo = TestRepo::new();
    let fa = fake_agent();
    let ok = repo
        .agent(&[
            "new", "ok", "--", &fa, "write", "x.txt", "hi", "print", "out",
        ])
        .success();
    assert!(ok.stdout.contains("out"));
    let s = repo.json(&["show", "ok", "--json"]);
    assert_eq!(s["state"], "done");
    assert_eq!(s["run"]["exit_code"], 0);
    assert!(s["run"]["ended"].is_string() && s["run"]["reason"].is_null());
    assert_eq!(s["command"][0], fa.as_str());
    assert_eq!(s["changes"]["files"], 1);
    // The run's end snapshotted the worktree.
    let snap = repo.git(&["rev-parse", "refs/agents/ok/snapshot"]);
    assert_eq!(repo.git(&["show", &format!("{snap}:x.txt")]), "hi");

    let bad = repo.agent(&["run", "ok", "--", &fa, "exit", "7"]);
    assert_eq!(bad.code, 7);
    let s = repo.json(&["show", "ok", "--json"]);
    assert_eq!(s["state"], "failed");
    assert_eq!(s["run"]["exit_code"], 7);
    repo.agent(&["run", "ok"]).fails(2);
}

#[test]
fn the_run_sees_its_environment_and_not_the_callers_git_dir() {
    let repo = TestRepo::new();
    let out = hermetic(BIN, &repo.home)
        .current_dir(&repo.root)
        .env("GIT_DIR", repo.path(".git"))
        .env("GIT_INDEX_FILE", "/tmp/nonsense")
        .args(["new", "env", "-m", "do things", "--", &fake_agent(), "env"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let wt = repo.path(".worktrees/env");
    assert!(stdout.contains("GIT_AGENT_ID=env"), "{stdout}");
    assert!(
        stdout.contains(&format!("GIT_AGENT_WORKTREE={}", wt.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "GIT_AGENT_BASE={}",
            repo.git(&["rev-parse", "HEAD"])
        )),
        "{stdout}"
    );
    assert!(stdout.contains("GIT_AGENT_PROMPT=do things"), "{stdout}");
    assert!(
        !stdout.contains("GIT_DIR=") && !stdout.contains("GIT_INDEX_FILE="),
        "{stdout}"
    );
    assert!(
        !stdout.contains("prompt: do things"),
        "a command gets the prompt in its environment, not as an argument: {stdout}"
    );
}

#[test]
fn agents_come_from_config_with_the_prompt_appended() {
    let repo = TestRepo::new();
    repo.git(&[
        "config",
        "agent.fake.command",
        &format!("'{}' write by-agent.txt done", fake_agent()),
    ]);
    let run = repo
        .agent(&["new", "ag", "-a", "fake", "-m", "Fix the bug"])
        .success();
    assert!(run.stdout.contains("prompt: Fix the bug"), "{}", run.stdout);
    let s = repo.json(&["show", "ag", "--json"]);
    assert_eq!(s["agent"], "fake");
    assert_eq!(s["prompt"], "Fix the bug");
    assert_eq!(
        s["command"].as_array().unwrap().last().unwrap(),
        "Fix the bug"
    );
    assert!(repo.path(".worktrees/ag/by-agent.txt").exists());
    // agent.default for -m without -a.
    repo.git(&["config", "agent.default", "fake"]);
    repo.agent(&["new", "ag2", "-m", "again"]).success();
    assert_eq!(repo.json(&["show", "ag2", "--json"])["agent"], "fake");
    // A missing binary names the key to set, and creates nothing.
    let err = repo
        .agent(&["new", "ag3", "-a", "codex", "-m", "x"])
        .fails(1)
        .stderr;
    assert!(
        err.contains("codex") && err.contains("agent.codex.command"),
        "{err}"
    );
    assert_eq!(repo.git(&["for-each-ref", "refs/agents/ag3"]), "");
    let err = repo
        .agent(&["new", "ag4", "-a", "nosuch", "-m", "x"])
        .fails(1)
        .stderr;
    assert!(err.contains("agent.nosuch.command"), "{err}");
}

#[test]
fn detach_returns_at_once_then_wait_logs_and_notes() {
    let repo = TestRepo::new();
    let fa = fake_agent();
    let start = Instant::now();
    repo.agent(&[
        "new",
        "bg",
        "--detach",
        "--",
        &fa,
        "print",
        "hello from the agent",
        "sleep",
        "2",
        "write",
        "f.txt",
        "x",
        "commit",
        "agent commit",
    ])
    .success();
    assert!(
        start.elapsed() < Duration::from_millis(1500),
        "detach must not wait for the agent"
    );
    assert_eq!(repo.json(&["show", "bg", "--json"])["state"], "running");
    repo.agent(&["wait", "bg"]).success();
    let s = repo.json(&["show", "bg", "--json"]);
    assert_eq!(s["state"], "done");
    let log = repo.agent(&["logs", "bg"]).success().stdout;
    assert!(log.contains("hello from the agent"), "{log}");
    assert!(Path::new(s["run"]["log"].as_str().unwrap()).starts_with(repo.path(".git")));
    // The run's commit carries a provenance note.
    let note = repo.git(&["notes", "--ref=agents", "show", "agent/bg"]);
    assert!(note.contains("session = \"bg\""), "{note}");
}

#[test]
fn logs_follow_returns_when_the_run_ends() {
    let repo = TestRepo::new();
    repo.agent(&[
        "new",
        "fol",
        "--detach",
        "--",
        &fake_agent(),
        "print",
        "one",
        "sleep",
        "1",
        "print",
        "two",
    ])
    .success();
    let out = repo.agent(&["logs", "fol", "-f"]).success().stdout;
    assert!(out.contains("one") && out.contains("two"), "{out}");
}

#[test]
fn timeout_kills_the_whole_process_group() {
    let repo = TestRepo::new();
    let pidfile = repo.base().join("child.pid");
    let out = new_with_grandchild(&repo, "slow", &["--timeout", "1s"], &pidfile);
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: the run in session 'slow' timed out after 1s"),
        "a timeout is said, not only recorded: {stderr}"
    );
    let s = repo.json(&["show", "slow", "--json"]);
    assert_eq!(s["state"], "failed");
    assert_eq!(s["run"]["reason"], "timeout");
    let grandchild: u32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    wait_until(|| !alive(grandchild));
    // Detached, too.
    let pidfile = repo.base().join("child2.pid");
    let out = new_with_grandchild(&repo, "slow2", &["--detach", "--timeout", "1s"], &pidfile);
    assert!(out.status.success());
    assert_eq!(repo.agent(&["wait", "slow2"]).code, 1);
    let s = repo.json(&["show", "slow2", "--json"]);
    assert_eq!(s["run"]["reason"], "timeout");
    let grandchild = pid_in(&pidfile).expect("the agent started its child");
    let child = s["run"]["pid"].as_u64().unwrap() as u32;
    wait_until(|| !alive(grandchild) && !alive(child));
}

#[test]
fn stop_ends_a_detached_run() {
    let repo = TestRepo::new();
    let pidfile = repo.base().join("child.pid");
    let out = new_with_grandchild(&repo, "st", &["--detach"], &pidfile);
    assert!(out.status.success());
    let pid = || repo.json(&["show", "st", "--json"])["run"]["pid"].as_u64();
    wait_until(|| pid().is_some() && pid_in(&pidfile).is_some());
    let pid = pid().unwrap() as u32;
    let grandchild = pid_in(&pidfile).unwrap();
    assert!(alive(grandchild));
    repo.agent(&["stop", "st"]).success();
    wait_until(|| !alive(pid) && !alive(grandchild));
    let s = repo.json(&["show", "st", "--json"]);
    assert_eq!(s["state"], "failed");
    assert_eq!(s["run"]["reason"], "stopped");
    repo.agent(&["stop", "st"]).fails(1);
    // A live run refuses discard and keep without --force.
    repo.agent(&["run", "st", "--detach", "--", &fake_agent(), "sleep", "30"])
        .success();
    repo.agent(&["discard", "st"]).fails(1);
    repo.agent(&["keep", "st"]).fails(1);
    repo.agent(&["discard", "st", "--force"]).success();
    assert_eq!(repo.json(&["show", "st", "--json"])["state"], "discarded");
}

#[test]
fn a_killed_detached_run_is_reconciled_to_failed() {
    let repo = TestRepo::new();
    repo.agent(&["new", "k", "--detach", "--", &fake_agent(), "sleep", "30"])
        .success();
    let run = || repo.json(&["show", "k", "--json"])["run"].clone();
    wait_until(|| run()["pid"].is_u64());
    let json = repo.json(&["show", "k", "--json"]);
    let pid = json["run"]["pid"].as_u64().unwrap() as i32;
    // Kill the agent and its supervisor without letting anyone record it.
    let meta = repo.git(&["cat-file", "-p", "refs/agents/k/meta"]);
    let sup: i32 = meta
        .lines()
        .find(|l| l.starts_with("supervisor"))
        .unwrap()
        .split('=')
        .nth(1)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    for p in [sup, pid] {
        std::process::Command::new("kill")
            .args(["-KILL", &p.to_string()])
            .status()
            .unwrap();
    }
    wait_until(|| !alive(pid as u32) && !alive(sup as u32));
    let s = repo.json(&["show", "k", "--json"]);
    assert_eq!(s["state"], "failed");
    assert_eq!(s["run"]["reason"], "vanished");
    assert!(
        repo.git(&["cat-file", "-p", "refs/agents/k/meta"])
            .contains("state = \"failed\""),
        "persisted"
    );
}

#[test]
fn a_read_only_run_that_changes_things_fails_and_is_undone() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["ro"]);
    write(&wt.join("pre-existing-untracked.txt"), "keep me\n");
    write(&wt.join("a.txt"), "staged edit\n");
    repo.git_in(&wt, &["add", "a.txt"]);
    let before = repo.fingerprint(&wt);
    let clean = repo.agent(&[
        "run",
        "ro",
        "--read-only",
        "--",
        &fake_agent(),
        "print",
        "looked",
    ]);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    let run = repo.agent(&[
        "run",
        "ro",
        "--read-only",
        "--",
        &fake_agent(),
        "write",
        "a.txt",
        "mess",
        "write",
        "new/file.txt",
        "x",
        "rm",
        "src/lib.rs",
        "commit",
        "sneaky",
    ]);
    let run = run.fails(1);
    assert!(
        run.stderr.contains("a.txt")
            && run.stderr.contains("new/file.txt")
            && run.stderr.contains("HEAD"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.fingerprint(&wt), before);
    assert_eq!(
        std::fs::read_to_string(wt.join("pre-existing-untracked.txt")).unwrap(),
        "keep me\n"
    );
    assert!(!wt.join("new").exists());
    let s = repo.json(&["show", "ro", "--json"]);
    assert_eq!(s["state"], "failed");
    // It ended by itself: no reason; the exit code says it failed.
    assert!(s["run"]["reason"].is_null(), "{s}");
    assert_eq!(s["run"]["exit_code"], 1);
}

#[test]
fn a_read_only_run_may_not_switch_branches_or_detach_head() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["rv"]);
    let head = repo.git_in(&wt, &["rev-parse", "HEAD"]);
    let on_branch = |repo: &TestRepo| {
        assert_eq!(
            repo.git_in(&wt, &["symbolic-ref", "HEAD"]),
            "refs/heads/agent/rv"
        );
        assert_eq!(repo.git_in(&wt, &["rev-parse", "HEAD"]), head);
        assert_eq!(repo.git_in(&wt, &["status", "--porcelain"]), "");
    };
    // Same commit, detached.
    let run = repo
        .agent(&[
            "run",
            "rv",
            "--read-only",
            "--",
            "git",
            "checkout",
            "-q",
            "--detach",
        ])
        .fails(1);
    assert!(
        run.stderr.contains("HEAD (was agent/rv at"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("now a detached HEAD"), "{}", run.stderr);
    on_branch(&repo);
    // Same commit, another branch: it is named and left in place.
    let run = repo
        .agent(&[
            "run",
            "rv",
            "--read-only",
            "--",
            "git",
            "switch",
            "-q",
            "-c",
            "other",
        ])
        .fails(1);
    assert!(run.stderr.contains("now other at"), "{}", run.stderr);
    assert!(
        run.stderr.contains("created branch 'other'"),
        "{}",
        run.stderr
    );
    on_branch(&repo);
    assert_eq!(repo.git(&["rev-parse", "other"]), head);
    // A commit on a new branch: HEAD comes back, the commit stays on it.
    let run = repo
        .agent(&[
            "run",
            "rv",
            "--read-only",
            "--",
            "sh",
            "-c",
            "git switch -q -c sneaky && echo x > x.txt && git add x.txt && git commit -q -m sneaky",
        ])
        .fails(1);
    assert!(run.stderr.contains("x.txt"), "{}", run.stderr);
    on_branch(&repo);
    assert!(!wt.join("x.txt").exists());
    assert_eq!(repo.git(&["log", "-1", "--format=%s", "sneaky"]), "sneaky");
    assert_eq!(repo.git(&["rev-parse", "sneaky~1"]), head);
    assert_eq!(repo.git(&["rev-parse", "agent/rv"]), head);
    let s = repo.json(&["show", "rv", "--json"]);
    assert_eq!(s["state"], "failed");
    assert!(s["run"]["reason"].is_null(), "{s}");
}

#[test]
fn a_command_that_cannot_start_is_recorded_as_exit_127() {
    let repo = TestRepo::new();
    repo.new_session(&["ns"]);
    // Executable, so it is found, but its interpreter does not exist.
    let bad = repo.base().join("bad-interpreter");
    write(&bad, "#!/nonexistent/interpreter\n");
    std::process::Command::new("chmod")
        .args(["+x", &bad.display().to_string()])
        .status()
        .unwrap();
    let run = repo
        .agent(&["run", "ns", "--", &bad.display().to_string()])
        .fails(1);
    assert!(run.stderr.contains("cannot start"), "{}", run.stderr);
    let s = repo.json(&["show", "ns", "--json"]);
    assert_eq!(s["state"], "failed");
    assert_eq!(s["run"]["exit_code"], 127);
    assert!(s["run"]["reason"].is_null(), "{s}");
}

#[test]
fn auto_commit_commits_leftovers_with_a_note() {
    let repo = TestRepo::new();
    repo.git(&["config", "agent.autoCommit", "true"]);
    let wt = repo.new_session(&["ac"]);
    let base = repo.git(&["rev-parse", "HEAD"]);
    repo.agent(&[
        "run",
        "ac",
        "--",
        &fake_agent(),
        "write",
        "left.txt",
        "over",
    ])
    .success();
    assert_eq!(repo.git_in(&wt, &["status", "--porcelain"]), "");
    assert_eq!(repo.git_in(&wt, &["rev-parse", "HEAD~1"]), base);
    assert!(
        repo.git(&["notes", "--ref=agents", "show", "agent/ac"])
            .contains("session = \"ac\"")
    );
}

#[test]
fn twenty_detached_runs_in_parallel_are_all_recorded() {
    let repo = TestRepo::new();
    let fa = fake_agent();
    let runs: Vec<Vec<String>> = (0..20usize)
        .map(|i| {
            let code = if i.is_multiple_of(4) { "3" } else { "0" };
            [
                &format!("p{i}"),
                "--detach",
                "--",
                &fa,
                "write",
                &format!("f{i}.txt"),
                "x",
                "sleep",
                "1",
                "exit",
                code,
            ]
            .iter()
            .fold(vec!["new".to_owned()], |mut v, a| {
                v.push(a.to_string());
                v
            })
        })
        .collect();
    crate::common::all_at_once(&repo, &runs);
    // By id: under load a run may have failed before `wait` starts, and
    // `wait` without ids waits only for those still running.
    let ids: Vec<String> = (0..20).map(|i| format!("p{i}")).collect();
    let mut wait = vec!["wait", "--timeout", "60s"];
    wait.extend(ids.iter().map(String::as_str));
    assert_eq!(repo.agent(&wait).code, 1, "some runs failed on purpose");
    let list = repo.json(&["list", "--json"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 20);
    for s in list {
        let i: usize = s["id"].as_str().unwrap()[1..].parse().unwrap();
        let (state, code) = if i.is_multiple_of(4) {
            ("failed", 3)
        } else {
            ("done", 0)
        };
        assert_eq!(s["state"], state, "{s}");
        assert_eq!(s["run"]["exit_code"], code, "{s}");
        assert_eq!(s["changes"]["files"], 1, "{s}");
    }
}

#[test]
fn an_interrupted_foreground_run_ends_its_group_and_is_recorded() {
    // Ctrl-C, a terminal hanging up, and a plain `kill`.
    for signal in ["-INT", "-HUP", "-TERM"] {
        interrupt_foreground_run(signal);
    }
}

fn interrupt_foreground_run(signal: &str) {
    let repo = TestRepo::new();
    let child = hermetic(BIN, &repo.home)
        .current_dir(&repo.root)
        .args(["new", "ctrlc", "--", &fake_agent(), "sleep", "30"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = || {
        let show = repo.agent(&["show", "ctrlc", "--json"]);
        serde_json::from_str::<serde_json::Value>(&show.stdout).ok()?["run"]["pid"].as_u64()
    };
    wait_until(|| pid().is_some());
    let agent_pid = pid().unwrap() as u32;
    std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_ne!(out.status.code(), Some(0));
    wait_until(|| !alive(agent_pid));
    let s = repo.json(&["show", "ctrlc", "--json"]);
    assert_eq!(s["state"], "failed", "{signal}");
    assert_eq!(s["run"]["reason"], "interrupted", "{signal}");
}

#[test]
fn new_json_with_a_run_prints_the_session_and_post_create_talk_stays_off_stdout() {
    let repo = TestRepo::new();
    let fa = fake_agent();
    repo.git(&["config", "agent.postCreate", "echo post-create-talk"]);
    // Detached: the session object, now running.
    let run = repo
        .agent(&["new", "bg", "--json", "--detach", "--", &fa, "sleep", "0.2"])
        .success();
    let json: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout));
    assert_eq!(json["id"], "bg");
    assert_eq!(json["state"], "running");
    assert!(run.stderr.contains("post-create-talk"), "{}", run.stderr);
    repo.agent(&["wait", "bg"]).success();
    // Foreground: the session object first, then the run's own output.
    let run = repo
        .agent(&["new", "fg", "--json", "--", &fa, "print", "agent-says"])
        .success();
    let (object, rest) = run.stdout.split_at(run.stdout.find("\n}\n").unwrap() + 3);
    let json: serde_json::Value = serde_json::from_str(object).unwrap();
    assert_eq!(json["id"], "fg");
    assert_eq!(rest.trim(), "agent-says");
    // Plain `new`: id and path alone on stdout.
    let run = repo.agent(&["new", "plain"]).success();
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
}

#[test]
fn wait_without_a_run_and_a_zero_timeout_are_refused_plainly() {
    let repo = TestRepo::new();
    repo.new_session(&["idle"]);
    let run = repo.agent(&["wait", "idle"]).fails(1);
    assert!(
        run.stderr.contains("has had no run to wait for"),
        "{}",
        run.stderr
    );
    let run = repo
        .agent(&[
            "run",
            "idle",
            "--timeout",
            "0",
            "--",
            &fake_agent(),
            "exit",
            "0",
        ])
        .fails(2);
    assert!(run.stderr.contains("longer than zero"), "{}", run.stderr);
    assert_eq!(repo.json(&["show", "idle", "--json"])["state"], "active");
}

/// A number from the `[run]` table of a session's metadata blob (what
/// `show --json` leaves out, such as the supervisor's pid).
fn run_field(repo: &TestRepo, id: &str, key: &str) -> Option<u32> {
    let meta = repo.git(&["cat-file", "-p", &format!("refs/agents/{id}/meta")]);
    let mut in_run = false;
    for line in meta.lines() {
        if line.starts_with('[') {
            in_run = line == "[run]";
        } else if let Some((_, v)) = line
            .split_once('=')
            .filter(|(k, _)| in_run && k.trim() == key)
        {
            return v.trim().parse().ok();
        }
    }
    None
}

/// The pid a run wrote into a file, if it got that far.
/// `git agent new <id> <flags> -- fake-agent spawn 30 sleep 30`: an agent
/// that starts a child of its own, whose pid lands in `pidfile`.
fn new_with_grandchild(
    repo: &TestRepo,
    id: &str,
    flags: &[&str],
    pidfile: &Path,
) -> std::process::Output {
    let agent = fake_agent();
    let mut args = vec!["new", id];
    args.extend_from_slice(flags);
    args.extend_from_slice(&["--", &agent, "spawn", "30", "sleep", "30"]);
    hermetic(BIN, &repo.home)
        .current_dir(&repo.root)
        .env("FAKE_AGENT_PIDFILE", pidfile)
        .args(args)
        .output()
        .unwrap()
}

fn pid_in(path: &Path) -> Option<u32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// `stop` or `discard --force` straight after `new --detach`, before the
/// supervisor has recorded (or even started) the agent: nothing survives.
#[test]
fn stop_or_discard_right_after_detach_leaves_nothing_running() {
    let repo = TestRepo::new();
    let script = "sleep 30 & echo $! > grandchild.pid; echo $$ > child.pid; wait";
    for (i, how) in ["stop", "discard", "stop", "discard"].iter().enumerate() {
        let id = format!("race{i}");
        repo.agent(&["new", &id, "--detach", "--", "sh", "-c", script])
            .success();
        let wt = repo.path(&format!(".worktrees/{id}"));
        match *how {
            "stop" => repo.agent(&["stop", &id]).success(),
            _ => repo.agent(&["discard", &id, "--force"]).success(),
        };
        let sup = run_field(&repo, &id, "supervisor");
        let pids: Vec<u32> = [
            sup,
            run_field(&repo, &id, "pid"),
            pid_in(&wt.join("child.pid")),
            pid_in(&wt.join("grandchild.pid")),
        ]
        .into_iter()
        .flatten()
        .collect();
        assert!(sup.is_some(), "{how}: the supervisor was recorded");
        wait_until(|| pids.iter().all(|p| !alive(*p)));
        // Nothing started late either, once the supervisor is gone.
        std::thread::sleep(Duration::from_millis(200));
        for name in ["child.pid", "grandchild.pid"] {
            if let Some(p) = pid_in(&wt.join(name)) {
                assert!(!alive(p), "{how}: {name} {p} survived");
            }
        }
        let s = repo.json(&["show", &id, "--json"]);
        let state = if *how == "stop" {
            "failed"
        } else {
            "discarded"
        };
        assert_eq!(s["state"], state, "{how}: {s}");
        assert_eq!(s["run"]["reason"], "stopped", "{how}: {s}");
    }
}

#[test]
fn show_ends_with_the_tail_of_the_run_log() {
    let repo = TestRepo::new();
    repo.new_session(&["tail"]);
    let out = repo.agent(&["show", "tail"]).success().stdout;
    assert!(!out.contains("log "), "no log yet: {out}");
    repo.agent(&[
        "run",
        "tail",
        "--detach",
        "--",
        "sh",
        "-c",
        "for i in $(seq 1 15); do echo line$i; done",
    ])
    .success();
    repo.agent(&["wait", "tail"]).success();
    let out = repo.agent(&["show", "tail"]).success().stdout;
    let log = repo.path(".git/agents/tail/run.log");
    assert!(
        out.contains(&format!("log       {}", log.display())),
        "{out}"
    );
    let shown: Vec<&str> = out
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("line"))
        .collect();
    let expected: Vec<String> = (6..=15).map(|i| format!("line{i}")).collect();
    assert_eq!(shown, expected, "{out}");
}

/// The built-in agents, run as fakes (first on PATH) that record their argv.
#[test]
fn built_in_agents_run_their_documented_command_lines() {
    let repo = TestRepo::new();
    let fakes = repo.base().join("fakes");
    let argv = repo.base().join("argv");
    std::fs::create_dir_all(&argv).unwrap();
    let cases: [(&str, &[&str]); 5] = [
        (
            "codex",
            &[
                "exec",
                "--sandbox",
                "workspace-write",
                "-c",
                "approval_policy=never",
            ],
        ),
        ("claude", &["-p", "--permission-mode", "acceptEdits"]),
        ("opencode", &["run"]),
        (
            "aider",
            &[
                "--yes-always",
                "--no-check-update",
                "--no-analytics",
                "--no-show-release-notes",
                "--message",
            ],
        ),
        (
            "gemini",
            &["--skip-trust", "--approval-mode", "auto_edit", "-p"],
        ),
    ];
    for (name, _) in &cases {
        let fake = fakes.join(name);
        write(
            &fake,
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$ARGV_DIR/${0##*/}\"\n",
        );
        std::process::Command::new("chmod")
            .arg("+x")
            .arg(&fake)
            .status()
            .unwrap();
    }
    let path = format!(
        "{}:{}",
        fakes.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let prompt = "Fix the 'login' bug";
    for (name, args) in &cases {
        let out = hermetic(BIN, &repo.home)
            .current_dir(&repo.root)
            .env("PATH", &path)
            .env("ARGV_DIR", &argv)
            .args(["new", &format!("pre-{name}"), "-a", name, "-m", prompt])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = std::fs::read_to_string(argv.join(name)).unwrap();
        let mut expected: Vec<&str> = args.to_vec();
        expected.push(prompt);
        assert_eq!(got.lines().collect::<Vec<_>>(), expected, "{name}");
    }
}

#[test]
fn agent_timeout_from_config_applies_and_the_flag_overrides_it() {
    let repo = TestRepo::new();
    repo.git(&["config", "agent.timeout", "1s"]);
    let start = Instant::now();
    let run = repo.agent(&["new", "cfg", "--", &fake_agent(), "sleep", "30"]);
    assert_ne!(run.code, 0);
    assert!(start.elapsed() < Duration::from_secs(20));
    let s = repo.json(&["show", "cfg", "--json"]);
    assert_eq!(s["run"]["reason"], "timeout", "{s}");
    // --timeout wins over agent.timeout.
    repo.agent(&[
        "run",
        "cfg",
        "--timeout",
        "30s",
        "--",
        &fake_agent(),
        "sleep",
        "1.5",
    ])
    .success();
    let s = repo.json(&["show", "cfg", "--json"]);
    assert_eq!(s["state"], "done", "{s}");
    assert!(s["run"]["reason"].is_null(), "{s}");
}

#[test]
fn the_prompt_comes_from_a_file_and_bare_dash_a_uses_agent_default() {
    let repo = TestRepo::new();
    repo.git(&[
        "config",
        "agent.fake.command",
        &format!("'{}'", fake_agent()),
    ]);
    // Without agent.default, a bare -a is a usage error that says what to set.
    let err = repo.agent(&["new", "pf0", "-a", "-m", "x"]).fails(2).stderr;
    assert!(err.contains("agent.default"), "{err}");
    repo.git(&["config", "agent.default", "fake"]);
    repo.write("prompt.txt", "Fix the login bug\nand say so\n\n");
    let out = repo
        .agent(&["new", "pf", "-a", "--prompt-file", "prompt.txt"])
        .success()
        .stdout;
    assert!(
        out.contains("prompt: Fix the login bug\nand say so\n"),
        "{out}"
    );
    let s = repo.json(&["show", "pf", "--json"]);
    assert_eq!(s["agent"], "fake");
    // Trailing newlines go; the text is the last argument, whole.
    assert_eq!(s["prompt"], "Fix the login bug\nand say so");
    assert_eq!(
        s["command"].as_array().unwrap().last().unwrap(),
        "Fix the login bug\nand say so"
    );
    let err = repo
        .agent(&["run", "pf", "-a", "--prompt-file", "missing.txt"])
        .fails(1)
        .stderr;
    assert!(err.contains("missing.txt"), "{err}");
}

#[test]
fn wait_gives_up_at_its_timeout_with_exit_1() {
    let repo = TestRepo::new();
    repo.agent(&[
        "new",
        "long",
        "--detach",
        "--",
        &fake_agent(),
        "sleep",
        "30",
    ])
    .success();
    let start = Instant::now();
    let run = repo.agent(&["wait", "long", "--timeout", "1s"]).fails(1);
    assert!(start.elapsed() < Duration::from_secs(10));
    assert!(
        run.stderr.contains("timed out; still running: long"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.json(&["show", "long", "--json"])["state"], "running");
    repo.agent(&["stop", "long"]).success();
}

#[test]
fn logs_without_a_log_says_why() {
    let repo = TestRepo::new();
    repo.new_session(&["quiet"]);
    let run = repo.agent(&["logs", "quiet"]).success();
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("has had no run"), "{}", run.stderr);
    repo.agent(&["run", "quiet", "--", &fake_agent(), "print", "hi"])
        .success();
    let run = repo.agent(&["logs", "quiet"]).success();
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains("in the foreground") && run.stderr.contains("--detach"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_relative_command_is_the_one_in_the_session_worktree() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["rel"]);
    let tool = wt.join("tools/tool.sh");
    write(&tool, "#!/bin/sh\necho \"tool ran in $(pwd) with $1\"\n");
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&tool)
        .status()
        .unwrap();
    // Neither the main worktree nor this subdirectory has it.
    let out = repo
        .agent_in(
            &repo.path("src"),
            &["run", "rel", "--", "./tools/tool.sh", "x"],
        )
        .success()
        .stdout;
    assert_eq!(out.trim(), format!("tool ran in {} with x", wt.display()));
    let out = repo
        .agent(&["run", "rel", "--detach", "--", "tools/tool.sh", "y"])
        .success();
    assert!(out.stderr.contains("Started"), "{}", out.stderr);
    repo.agent(&["wait", "rel"]).success();
    let log = repo.agent(&["logs", "rel"]).success().stdout;
    assert!(log.contains("with y"), "{log}");
    // One that is not there is refused before anything is recorded.
    let err = repo
        .agent(&["run", "rel", "--", "./nope.sh"])
        .fails(1)
        .stderr;
    assert!(
        err.contains("'./nope.sh'") && err.contains("session worktree"),
        "{err}"
    );
    assert_eq!(repo.json(&["show", "rel", "--json"])["state"], "done");
}

/// `wait` with no ids waits for what is running; it says when that is
/// nothing, and names live sessions whose run failed before it started.
#[test]
fn wait_without_ids_names_runs_that_failed_before_it_started() {
    let repo = TestRepo::new();
    repo.agent(&["new", "quick", "--", "false"]);
    repo.agent(&["new", "fine", "--", "true"]).success();
    let run = repo.agent(&["wait"]).success();
    assert!(run.stderr.contains("Nothing is running."), "{}", run.stderr);
    assert!(
        run.stderr.contains("already failed: quick") && !run.stderr.contains("fine"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.agent(&["wait", "quick", "fine"]).code, 1);
}

/// Run options without a run are a usage error, and create nothing.
#[test]
fn new_refuses_run_options_without_a_run() {
    let repo = TestRepo::new();
    for flag in [&["--detach"][..], &["--timeout", "5s"]] {
        let mut args = vec!["new", "lonely"];
        args.extend_from_slice(flag);
        let run = repo.agent(&args).fails(2);
        assert!(run.stderr.contains("is for a run"), "{}", run.stderr);
    }
    assert_eq!(repo.git(&["for-each-ref", "refs/agents/"]), "");
}

/// With its watcher killed, a detached run's timeout is still kept: the next
/// command that reads the session ends the agent's group and records it.
#[test]
fn a_timeout_outlives_a_killed_watcher() {
    let repo = TestRepo::new();
    repo.agent(&[
        "new",
        "orphan",
        "--detach",
        "--timeout",
        "1s",
        "--",
        "sleep",
        "30",
    ])
    .success();
    let field = |name: &str| -> Option<u32> {
        let meta = repo.git(&["cat-file", "-p", "refs/agents/orphan/meta"]);
        meta.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} = ")))
            .and_then(|v| v.trim().parse().ok())
    };
    wait_until(|| field("pid").is_some() && field("supervisor").is_some());
    let (child, watcher) = (field("pid").unwrap(), field("supervisor").unwrap());
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(watcher as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    wait_until(|| !alive(watcher));
    assert!(alive(child), "the agent outlives its watcher");
    std::thread::sleep(Duration::from_millis(1200));
    repo.agent(&["list"]).success();
    wait_until(|| !alive(child));
    let s = repo.json(&["show", "orphan", "--json"]);
    assert_eq!(s["state"], "failed");
    assert_eq!(s["run"]["reason"], "timeout");
}

/// A timeout too long for any clock is refused plainly, from the flag (a
/// usage error) and from `agent.timeout` (exit 1, the key named); the run
/// never starts.
#[test]
fn an_enormous_timeout_is_refused_not_a_panic() {
    let repo = TestRepo::new();
    repo.new_session(&["huge"]);
    for dur in ["100000000h", "1000000000000000h", "99999999999999999999"] {
        for verb in ["run", "wait"] {
            let args: Vec<&str> = match verb {
                "run" => vec!["run", "huge", "--timeout", dur, "--", "true"],
                _ => vec!["wait", "--timeout", dur],
            };
            let run = repo.agent(&args).fails(2);
            assert!(run.stderr.contains("invalid duration"), "{}", run.stderr);
            if dur == "100000000h" {
                assert!(
                    run.stderr.contains("at most a year (8760h)"),
                    "{}",
                    run.stderr
                );
            }
        }
    }
    repo.git(&["config", "agent.timeout", "100000000h"]);
    let run = repo.agent(&["run", "huge", "--", "true"]).fails(1);
    assert!(
        run.stderr.contains("invalid agent.timeout '100000000h'"),
        "{}",
        run.stderr
    );
    let s = repo.json(&["show", "huge", "--json"]);
    assert_eq!(s["state"], "active", "{s}");
    assert!(s["run"].is_null(), "{s}");
}

/// `--timeout 120` means 120 seconds, as `timeout(1)` reads it; so does
/// `agent.timeout = 1`, which ends a long run.
#[test]
fn a_bare_number_timeout_is_seconds() {
    let repo = TestRepo::new();
    repo.new_session(&["bare"]);
    repo.agent(&["run", "bare", "--timeout", "120", "--", "true"])
        .success();
    let s = repo.json(&["show", "bare", "--json"]);
    assert_eq!(s["state"], "done", "{s}");
    let run = repo.agent(&[
        "run",
        "bare",
        "--timeout",
        "0.5",
        "--",
        &fake_agent(),
        "sleep",
        "30",
    ]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    let s = repo.json(&["show", "bare", "--json"]);
    assert_eq!(s["run"]["reason"], "timeout", "{s}");
    repo.git(&["config", "agent.timeout", "1"]);
    let start = Instant::now();
    let run = repo.agent(&["run", "bare", "--", &fake_agent(), "sleep", "30"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(start.elapsed() < Duration::from_secs(20));
    let s = repo.json(&["show", "bare", "--json"]);
    assert_eq!(s["run"]["reason"], "timeout", "{s}");
    assert!(run.stderr.contains("timed out after 1s"), "{}", run.stderr);
}

/// A run that leaves a path git refuses (`.GIT/config`) is recorded as it
/// ended — its own exit code, no reason — whatever becomes of the
/// end-of-run snapshot; a snapshot failure is only a warning.
#[test]
fn a_run_is_recorded_as_it_ended_even_when_its_snapshot_fails() {
    let repo = TestRepo::new();
    repo.new_session(&["odd"]);
    let script =
        "mkdir .GIT .Git && echo x > .GIT/config && mkdir .Git/hooks && echo y > .Git/hooks/x";
    let run = repo.agent(&["run", "odd", "--", "sh", "-c", script]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("error:"), "{}", run.stderr);
    let s = repo.json(&["show", "odd", "--json"]);
    assert_eq!(s["state"], "done", "{s}");
    assert_eq!(s["run"]["exit_code"], 0, "{s}");
    assert!(s["run"]["reason"].is_null(), "{s}");
    // Detached too, and with an exit code of its own.
    repo.agent(&[
        "run",
        "odd",
        "--detach",
        "--",
        "sh",
        "-c",
        "echo z > .GIT/more; exit 3",
    ])
    .success();
    assert_eq!(repo.agent(&["wait", "odd"]).code, 1);
    let s = repo.json(&["show", "odd", "--json"]);
    assert_eq!(s["state"], "failed", "{s}");
    assert_eq!(s["run"]["exit_code"], 3, "{s}");
    assert!(s["run"]["reason"].is_null(), "{s}");
}

/// When `new --detach` or `run --detach` returns, the agent's pid is
/// recorded: `show --json` right after has it, and it is the agent's.
#[test]
fn detach_returns_with_the_agents_pid_recorded() {
    let repo = TestRepo::new();
    let check = |id: &str, how: &str| {
        let s = repo.json(&["show", id, "--json"]);
        assert_eq!(s["state"], "running", "{how} {id}: {s}");
        let pid = s["run"]["pid"]
            .as_u64()
            .unwrap_or_else(|| panic!("{how} {id}: no pid right after it returned: {s}"));
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        assert!(
            String::from_utf8_lossy(&cmdline).starts_with("sleep"),
            "{how} {id}: pid {pid} is not the agent"
        );
    };
    for i in 0..10 {
        let id = format!("d{i}");
        let out = repo
            .agent(&["new", &id, "--json", "--detach", "--", "sleep", "30"])
            .success();
        let printed: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert!(printed["run"]["pid"].is_u64(), "new --json: {printed}");
        check(&id, "new");
        repo.agent(&["stop", &id]).success();
        repo.agent(&["run", &id, "--detach", "--", "sleep", "30"])
            .success();
        check(&id, "run");
        repo.agent(&["stop", &id]).success();
    }
}

/// A read-only run is held to the whole repository: a ref it moves,
/// creates or deletes, a hook, the config or `info/` it writes are named
/// and put back; a change to the global config is named and left alone.
#[test]
fn a_read_only_run_that_changes_the_repository_fails_and_is_undone() {
    let repo = TestRepo::new();
    repo.git(&["branch", "side"]);
    repo.git(&["branch", "gone"]);
    repo.git(&["tag", "v1"]);
    let wt = repo.new_session(&["rr"]);
    let git_dir = repo.path(".git");
    let refs = |repo: &TestRepo| {
        repo.git(&[
            "for-each-ref",
            "--format=%(refname) %(objectname)",
            "refs/heads/main",
            "refs/heads/side",
            "refs/heads/gone",
            "refs/tags/",
        ])
    };
    let files = || {
        ["config", "info/exclude", "hooks/pre-commit.sample"]
            .map(|f| std::fs::read_to_string(git_dir.join(f)).unwrap())
    };
    // What git-agent itself sets in the config before a read-only run.
    repo.git(&["config", "notes.rewriteRef", "refs/notes/agents"]);
    let (refs_before, files_before) = (refs(&repo), files());
    let wt_before = repo.fingerprint(&wt);
    write(&repo.home.join(".gitconfig"), "[user]\n\tname = Me\n");
    let script = r#"set -e
c=$(git commit-tree -m evil 'HEAD^{tree}' -p HEAD)
git update-ref refs/heads/main "$c"
git branch -f side "$c"
git branch -D -q gone
git tag evil
git tag -d v1 >/dev/null
common=$(git rev-parse --git-common-dir)
printf '#!/bin/sh\necho hooked\n' > "$common/hooks/post-checkout"
chmod +x "$common/hooks/post-checkout"
echo broken > "$common/hooks/pre-commit.sample"
mkdir -p "$common/hooks/more" && echo x > "$common/hooks/more/x"
git config core.hooksPath /nowhere
echo secret >> "$common/info/exclude"
echo '[alias] x = status' >> "$HOME/.gitconfig"
"#;
    let run = repo
        .agent(&["run", "rr", "--read-only", "--", "sh", "-c", script])
        .fails(1);
    for named in [
        "refs/heads/main (moved from",
        "refs/heads/side (moved from",
        "refs/heads/gone (deleted at",
        "refs/tags/evil (created at",
        "refs/tags/v1 (deleted at",
        ".git/hooks/post-checkout (created; removed)",
        ".git/hooks/more/x (created; removed)",
        ".git/hooks/pre-commit.sample (changed; put back)",
        ".git/config (changed; put back)",
        ".git/info/exclude (changed; put back)",
        "~/.gitconfig (changed; outside the repository, so left as it is)",
    ] {
        assert!(run.stderr.contains(named), "{named}: {}", run.stderr);
    }
    assert_eq!(refs(&repo), refs_before);
    assert_eq!(files(), files_before);
    assert!(!git_dir.join("hooks/post-checkout").exists());
    assert!(!git_dir.join("hooks/more").exists());
    assert_eq!(repo.fingerprint(&wt), wt_before);
    assert!(
        std::fs::read_to_string(repo.home.join(".gitconfig"))
            .unwrap()
            .contains("[alias]"),
        "the global config is not the run's to undo"
    );
    let s = repo.json(&["show", "rr", "--json"]);
    assert_eq!(s["state"], "failed", "{s}");
    assert_eq!(s["run"]["exit_code"], 1, "{s}");
    assert!(s["run"]["reason"].is_null(), "{s}");
    // The worktree's own git dir (config.worktree, info/) is covered too.
    let run = repo
        .agent(&[
            "run",
            "rr",
            "--read-only",
            "--",
            "sh",
            "-c",
            "echo '[core]' > \"$(git rev-parse --git-dir)/config.worktree\"",
        ])
        .fails(1);
    assert!(
        run.stderr
            .contains(".git/worktrees/rr/config.worktree (created; removed)"),
        "{}",
        run.stderr
    );
    assert!(!git_dir.join("worktrees/rr/config.worktree").exists());
}

/// What other sessions do meanwhile — new sessions, their runs, commits,
/// notes and snapshots — is theirs: a read-only run that only looks
/// succeeds.
#[test]
fn a_read_only_run_is_not_blamed_for_other_sessions_work() {
    let repo = TestRepo::new();
    repo.new_session(&["look"]);
    repo.agent(&[
        "run",
        "look",
        "--detach",
        "--read-only",
        "--",
        &fake_agent(),
        "sleep",
        "3",
    ])
    .success();
    let wt = repo.new_session(&["busy"]);
    repo.agent(&[
        "run",
        "busy",
        "--",
        "sh",
        "-c",
        "echo x > x.txt && git add x.txt && git commit -q -m busy",
    ])
    .success();
    repo.agent(&["run", "busy", "--", &fake_agent(), "write", "y.txt", "y"])
        .success();
    assert_eq!(repo.git_in(&wt, &["log", "-1", "--format=%s"]), "busy");
    let waited = repo.agent(&["wait", "look"]);
    let log = std::fs::read_to_string(repo.path(".git/agents/look/run.log")).unwrap();
    assert_eq!(waited.code, 0, "{log}");
    let s = repo.json(&["show", "look", "--json"]);
    assert_eq!(s["state"], "done", "{s}");
    assert_eq!(
        repo.git(&["log", "-1", "--format=%s", "agent/busy"]),
        "busy"
    );
}
