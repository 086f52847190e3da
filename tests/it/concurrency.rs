//! Races on one session: several processes at once running `discard`,
//! `keep` and `discard`, or `restore`, of the same id. Exactly one wins;
//! every other exits 1 with an `error:` line saying why; nothing is lost,
//! nothing is done twice, and the repository stays valid.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::{BIN, Run, TestRepo, hermetic, write};

/// How long one racing command may take before the test calls it hung.
const DEADLINE: Duration = Duration::from_secs(60);

/// Start every argument list at once in the main worktree; wait for all.
fn race(repo: &TestRepo, runs: &[&[&str]]) -> Vec<Run> {
    let children: Vec<_> = runs
        .iter()
        .map(|args| {
            hermetic(BIN, &repo.home)
                .current_dir(&repo.root)
                .args(*args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn git-agent")
        })
        .collect();
    let start = Instant::now();
    children
        .into_iter()
        .zip(runs)
        .map(|(mut child, args)| {
            while child.try_wait().expect("wait").is_none() {
                if start.elapsed() > DEADLINE {
                    let _ = child.kill();
                    panic!("{args:?} hung");
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Run::from(child.wait_with_output().expect("output"))
        })
        .collect()
}

/// Exactly one run succeeded; the others were refused cleanly. Returns the
/// index of the winner.
fn one_winner(runs: &[Run], what: &str) -> usize {
    let winners: Vec<usize> = (0..runs.len()).filter(|&i| runs[i].code == 0).collect();
    assert_eq!(winners.len(), 1, "{what}: exactly one must win: {runs:#?}");
    for (i, run) in runs.iter().enumerate() {
        assert!(!run.stderr.contains("panicked"), "{what}: {run:?}");
        if i == winners[0] {
            continue;
        }
        assert_eq!(run.code, 1, "{what}: {run:?}");
        let line = run
            .stderr
            .lines()
            .find(|l| l.starts_with("error: "))
            .unwrap_or_else(|| panic!("{what}: no error line: {run:?}"));
        let clear = [
            "is busy: ",
            "is already ",
            "at the same time",
            "not kept or discarded",
            // A keep that waited for a discard to finish.
            "no worktree or branch left to keep",
        ];
        assert!(
            clear.iter().any(|c| line.contains(c)),
            "{what}: unclear refusal: {line}"
        );
    }
    winners[0]
}

fn fsck_clean(repo: &TestRepo, what: &str) {
    let fsck = repo.git_out(&repo.root, &["fsck", "--strict", "--no-progress"]);
    assert!(
        fsck.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&fsck.stderr)
    );
}

fn state(repo: &TestRepo, id: &str) -> String {
    let show = repo.json(&["show", id, "--json"]);
    show["state"].as_str().unwrap_or_default().to_owned()
}

/// No claim is left in the stored metadata.
fn settled(repo: &TestRepo, id: &str, what: &str) {
    let meta = repo.git(&["cat-file", "-p", &format!("refs/agents/{id}/meta")]);
    assert!(!meta.contains("[pending]"), "{what}: {meta}");
}

/// A session with a commit, a staged edit of a.txt and an untracked file.
fn busy(repo: &TestRepo, id: &str) -> (PathBuf, String) {
    let wt = repo.new_session(&[id]);
    write(&wt.join("committed.txt"), "c\n");
    repo.git_in(&wt, &["add", "committed.txt"]);
    repo.git_in(&wt, &["commit", "-qm", "agent commit"]);
    let commit = repo.git_in(&wt, &["rev-parse", "HEAD"]);
    write(&wt.join("a.txt"), "alpha\nbeta\ngamma\nsession line\n");
    repo.git_in(&wt, &["add", "a.txt"]);
    write(&wt.join("untracked.txt"), "u\n");
    (wt, commit)
}

fn work_in_snapshot(repo: &TestRepo, id: &str, commit: &str, what: &str) {
    let snap = format!("refs/agents/{id}/snapshot");
    assert_eq!(
        repo.git(&["rev-parse", &format!("{snap}^1")]),
        commit,
        "{what}"
    );
    assert_eq!(repo.git(&["show", &format!("{snap}:untracked.txt")]), "u");
    assert!(
        repo.git(&["show", &format!("{snap}:a.txt")])
            .ends_with("session line")
    );
}

#[test]
fn six_discards_of_one_session_at_once_have_one_winner() {
    for round in 0..3 {
        let what = format!("round {round}");
        let repo = TestRepo::new();
        let (wt, commit) = busy(&repo, "s");
        let runs = race(&repo, &[&["discard", "s"][..]; 6]);
        one_winner(&runs, &what);
        fsck_clean(&repo, &what);
        assert_eq!(state(&repo, "s"), "discarded", "{what}");
        settled(&repo, "s", &what);
        assert!(!wt.exists(), "{what}");
        assert_eq!(repo.git(&["branch", "--list", "agent/s"]), "", "{what}");
        work_in_snapshot(&repo, "s", &commit, &what);
        repo.agent(&["list", "--all", "--json"]).success();
        // And it comes back whole.
        repo.agent(&["restore", "s"]).success();
        let a = std::fs::read_to_string(wt.join("a.txt")).unwrap();
        assert!(a.ends_with("session line\n"), "{what}: {a}");
    }
}

#[test]
fn keep_racing_discard_of_one_session_has_one_winner() {
    for round in 0..4 {
        let what = format!("round {round}");
        let repo = TestRepo::new();
        let (wt, commit) = busy(&repo, "s");
        let before = repo.fingerprint(&repo.root);
        // Alternate who starts first; add a second of each now and then.
        let runs: Vec<&[&str]> = match round {
            0 => vec![&["keep", "s"], &["discard", "s"]],
            1 => vec![&["discard", "s"], &["keep", "s"]],
            2 => vec![&["keep", "s"], &["discard", "s"], &["keep", "s"]],
            _ => vec![&["discard", "s"], &["keep", "s"], &["discard", "s"]],
        };
        let results = race(&repo, &runs);
        let winner = runs[one_winner(&results, &what)][0];
        fsck_clean(&repo, &what);
        settled(&repo, "s", &what);
        assert!(!wt.exists(), "{what}");
        work_in_snapshot(&repo, "s", &commit, &what);
        if winner == "keep" {
            assert_eq!(state(&repo, "s"), "kept", "{what}");
            let a = repo.read("a.txt");
            assert_eq!(a.matches("session line").count(), 1, "{what}: {a}");
            assert_eq!(repo.read("untracked.txt"), "u\n", "{what}");
            assert_eq!(
                repo.git(&["diff", "--cached", "--name-only"]),
                "a.txt\ncommitted.txt\nuntracked.txt",
                "{what}"
            );
        } else {
            assert_eq!(state(&repo, "s"), "discarded", "{what}");
            assert_eq!(repo.fingerprint(&repo.root), before, "{what}: untouched");
        }
    }
}

#[test]
fn restores_of_one_session_at_once_have_one_winner() {
    for round in 0..3 {
        let what = format!("round {round}");
        let repo = TestRepo::new();
        let (wt, commit) = busy(&repo, "s");
        let before = repo.fingerprint(&wt);
        repo.agent(&["discard", "s"]).success();
        let runs = race(&repo, &[&["restore", "s"][..]; 4]);
        one_winner(&runs, &what);
        fsck_clean(&repo, &what);
        settled(&repo, "s", &what);
        assert_eq!(state(&repo, "s"), "active", "{what}");
        assert_eq!(repo.fingerprint(&wt), before, "{what}: restored exactly");
        assert_eq!(repo.git_in(&wt, &["rev-parse", "HEAD"]), commit);
        assert_eq!(repo.agent(&["gc"]).success().stdout, "", "{what}");
    }
}
