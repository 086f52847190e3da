//! `agent.notify`: run when a run ends, with the session's id, state, exit
//! code and reason in its environment; a failing one is reported and
//! changes nothing else.

use crate::common::{TestRepo, fake_agent};

/// `agent.notify` appending its environment to `notified.txt` in the
/// repository's base directory.
fn notify_to_file(repo: &TestRepo) -> std::path::PathBuf {
    let out = repo.base().join("notified.txt");
    repo.git(&[
        "config",
        "agent.notify",
        &format!(
            "printf '%s|%s|%s|%s\\n' \"$GIT_AGENT_ID\" \"$GIT_AGENT_STATE\" \"$GIT_AGENT_EXIT_CODE\" \"$GIT_AGENT_REASON\" >> '{}'",
            out.display()
        ),
    ]);
    out
}

#[test]
fn notify_runs_with_the_run_s_outcome_in_foreground_and_detached_runs() {
    let repo = TestRepo::new();
    let out = notify_to_file(&repo);
    let fa = fake_agent();
    repo.agent(&["new", "ok", "--", &fa, "write", "f.txt", "x"])
        .success();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "ok|done|0|\n");
    repo.agent(&["new", "bad", "--detach", "--", &fa, "exit", "3"])
        .success();
    assert_eq!(repo.agent(&["wait", "bad"]).code, 1);
    repo.agent(&[
        "new",
        "slow",
        "--detach",
        "--timeout",
        "1s",
        "--",
        &fa,
        "sleep",
        "30",
    ])
    .success();
    assert_eq!(repo.agent(&["wait", "slow"]).code, 1);
    let lines = std::fs::read_to_string(&out).unwrap();
    assert!(lines.contains("bad|failed|3|\n"), "{lines}");
    assert!(lines.contains("slow|failed|"), "{lines}");
    assert!(lines.contains("|timeout\n"), "{lines}");
    assert_eq!(lines.lines().count(), 3, "one notification a run: {lines}");
}

#[test]
fn a_failing_notify_is_reported_and_changes_nothing_else() {
    let repo = TestRepo::new();
    repo.git(&["config", "agent.notify", "echo notifying >&2; exit 7"]);
    let run = repo
        .agent(&["new", "n", "--", &fake_agent(), "write", "f.txt", "x"])
        .success();
    assert!(run.stderr.contains("notifying"), "{}", run.stderr);
    assert!(run.stderr.contains("agent.notify"), "{}", run.stderr);
    assert_eq!(repo.state("n"), "done");
    let s = repo.json(&["show", "n", "--json"]);
    assert_eq!(s["run"]["exit_code"], 0);
    assert_eq!(s["changes"]["files"], 1);
    repo.fsck_clean("after a failing agent.notify");
}
