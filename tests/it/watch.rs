//! `watch --json` (the event stream) and `wait --any`: woken by changes to
//! the sessions' refs, one line per change, in order.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};

use crate::common::{BIN, TestRepo, hermetic};

/// A detached run that waits for `gate` to exist, then writes a file and
/// exits with `code`. It gives up when the gate's directory is gone (a
/// test that failed before opening the gate leaves no process behind).
pub fn gated_run(repo: &TestRepo, id: &str, gate: &Path, code: i32) {
    let script = format!(
        "while [ ! -e '{gate}' ]; do [ -d '{dir}' ] || exit 9; sleep 0.05; done; \
         echo {id} > f.txt; echo 'finished {id}'; exit {code}",
        gate = gate.display(),
        dir = gate.parent().unwrap().display(),
    );
    repo.agent(&["new", id, "--detach", "--", "sh", "-c", &script])
        .success();
}

fn spawn(repo: &TestRepo, args: &[&str]) -> Child {
    hermetic(BIN, &repo.home)
        .current_dir(&repo.root)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn git-agent")
}

#[test]
fn the_event_stream_gives_states_in_order_one_line_per_change_and_ends_by_itself() {
    let repo = TestRepo::new();
    let gate = repo.base().join("gate");
    repo.new_session(&["idle"]);
    gated_run(&repo, "w", &gate, 0);
    let mut watch = spawn(&repo, &["watch", "--until-done"]);
    let mut lines = BufReader::new(watch.stdout.take().unwrap()).lines();
    // First the sessions as they are: one line each.
    let mut first: Vec<serde_json::Value> = (0..2)
        .map(|_| serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap())
        .collect();
    first.sort_by_key(|e| e["session"].as_str().unwrap().to_owned());
    assert_eq!(first[0]["session"], "idle");
    assert_eq!(first[0]["state"], "active");
    assert_eq!(first[1]["session"], "w");
    assert_eq!(first[1]["state"], "running");
    assert_eq!(first[1]["id"], "w", "the session's JSON fields come along");
    assert!(first[1]["at"].is_string());
    std::fs::write(&gate, "").unwrap();
    // The run ends; the stream says so and ends by itself.
    let rest: Vec<serde_json::Value> = lines
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect();
    let status = watch.wait().unwrap();
    assert!(status.success());
    assert!(!rest.is_empty(), "no change reported");
    assert!(rest.iter().all(|e| e["session"] == "w"), "{rest:?}");
    let last = rest.last().unwrap();
    assert_eq!(last["state"], "done", "{rest:?}");
    assert_eq!(last["changes"]["files"], 1);
    assert_eq!(last["run"]["exit_code"], 0);
    // One line per change: no line repeats the one before it.
    let strip = |e: &serde_json::Value| {
        let mut e = e.clone();
        e.as_object_mut().unwrap().remove("at");
        e
    };
    let mut all = vec![first[1].clone()];
    all.extend(rest.iter().cloned());
    for pair in all.windows(2) {
        assert_ne!(strip(&pair[0]), strip(&pair[1]), "a line repeated: {all:?}");
    }
    // States only move forward: running, then done.
    let states: Vec<&str> = all.iter().map(|e| e["state"].as_str().unwrap()).collect();
    let first_done = states.iter().position(|s| *s == "done").unwrap();
    assert!(
        states[..first_done].iter().all(|s| *s == "running"),
        "{states:?}"
    );
    assert!(
        states[first_done..].iter().all(|s| *s == "done"),
        "{states:?}"
    );
}

#[test]
fn until_done_with_nothing_running_ends_at_once() {
    let repo = TestRepo::new();
    repo.new_session(&["a"]);
    let out = repo.agent(&["watch", "--json", "--until-done"]).success();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", out.stdout);
    let e: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(e["session"], "a");
    assert_eq!(e["state"], "active");
}

#[test]
fn a_session_kept_or_discarded_while_watched_is_an_event() {
    let repo = TestRepo::new();
    let gate = repo.base().join("gate");
    repo.new_session(&["gone"]);
    gated_run(&repo, "w", &gate, 0);
    let mut watch = spawn(&repo, &["watch", "--json", "--until-done"]);
    let mut lines = BufReader::new(watch.stdout.take().unwrap()).lines();
    lines.next().unwrap().unwrap();
    lines.next().unwrap().unwrap();
    repo.agent(&["discard", "gone"]).success();
    // Read until the discard shows, then let the run end.
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let e: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        let done = e["session"] == "gone" && e["state"] == "discarded";
        seen.push(e);
        if done {
            break;
        }
    }
    std::fs::write(&gate, "").unwrap();
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    assert!(watch.wait().unwrap().success());
    assert!(rest.last().unwrap().contains("\"done\""), "{rest:?}");
}

#[test]
fn wait_any_returns_the_first_to_end_and_its_outcome() {
    let repo = TestRepo::new();
    let (gate_a, gate_b) = (repo.base().join("gate-a"), repo.base().join("gate-b"));
    gated_run(&repo, "a", &gate_a, 3);
    gated_run(&repo, "b", &gate_b, 0);
    let wait = spawn(&repo, &["wait", "--any"]);
    std::fs::write(&gate_b, "").unwrap();
    let out = wait.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "b\n");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(repo.state("a"), "running", "a is still running");
    // a ends failed: its id, exit 1.
    let wait = spawn(&repo, &["wait", "--any", "a"]);
    std::fs::write(&gate_a, "").unwrap();
    let out = wait.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "a\n");
    assert_eq!(out.status.code(), Some(1));
    // Already ended: at once.
    let run = repo.agent(&["wait", "--any", "b", "a"]);
    assert_eq!((run.stdout.as_str(), run.code), ("b\n", 0));
}

#[test]
fn wait_any_gives_up_at_its_timeout() {
    let repo = TestRepo::new();
    let gate = repo.base().join("gate");
    gated_run(&repo, "slow", &gate, 0);
    let run = repo.agent(&["wait", "--any", "--timeout", "1s"]).fails(1);
    assert!(run.stderr.contains("timed out"), "{}", run.stderr);
    std::fs::write(&gate, "").unwrap();
    repo.agent(&["wait", "slow"]).success();
}

/// What a terminal shows, read as it comes: a reader thread appends to it.
struct Screen {
    text: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Screen {
    fn follow(out: impl std::io::Read + Send + 'static) -> Screen {
        let text = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = std::sync::Arc::clone(&text);
        std::thread::spawn(move || {
            let mut out = out;
            let mut buf = [0u8; 4096];
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut text) = sink.lock() {
                    text.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        });
        Screen { text }
    }

    /// Wait until what was shown so far satisfies `seen` (a minute at most).
    fn until(&self, what: &str, seen: impl Fn(&str) -> bool) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !seen(&self.text.lock().unwrap()) {
            assert!(
                std::time::Instant::now() < deadline,
                "never shown: {what}\n{}",
                self.text.lock().unwrap()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

#[test]
fn on_a_terminal_watch_redraws_in_place_when_a_run_ends_and_q_quits() {
    use std::io::Write;
    let repo = TestRepo::new();
    let gate = repo.base().join("gate");
    repo.new_session(&["idle"]);
    gated_run(&repo, "w", &gate, 0);
    let mut child = hermetic("script", &repo.home)
        .current_dir(&repo.root)
        .env("SHELL", "/bin/sh")
        .env("TERM", "xterm")
        .args([
            "-qec",
            "stty cols 100 rows 20; git agent watch",
            "/dev/null",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script(1) from util-linux");
    let screen = Screen::follow(child.stdout.take().unwrap());
    let row = |text: &str, id: &str, state: &str| {
        plain(text)
            .split(['\n', '\r'])
            .any(|l| l.starts_with(&format!("{id:<4} {state} ")))
    };
    screen.until("the alternate screen, w running", |t| {
        t.contains("\x1b[?1049h") && row(t, "w", "running") && row(t, "idle", "active")
    });
    std::fs::write(&gate, "").unwrap();
    screen.until("w done", |t| row(t, "w", "done"));
    // Redrawn in place: from the top-left corner, never a clear of the screen.
    let shown = screen.text.lock().unwrap().clone();
    assert_eq!(
        shown.matches("\x1b[2J").count(),
        1,
        "cleared once, on entry"
    );
    assert!(shown.matches("\x1b[H").count() >= 2, "redrawn from home");
    child.stdin.as_mut().unwrap().write_all(b"q").unwrap();
    let status = child.wait().unwrap();
    assert!(status.success());
    screen.until("the terminal given back", |t| t.contains("\x1b[?1049l"));
}

/// Terminal output without its escape sequences (`ESC [ … letter`).
fn plain(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
