//! Races on one session: several processes at once running `discard`,
//! `keep` and `discard`, or `restore`, of the same id. Exactly one wins;
//! every other exits 1 with an `error:` line saying why; nothing is lost,
//! nothing is done twice, and the repository stays valid.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::{BIN, Run, TestRepo, hermetic};

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

/// No claim is left in the stored metadata.
fn settled(repo: &TestRepo, id: &str, what: &str) {
    let meta = repo.git(&["cat-file", "-p", &format!("refs/agents/{id}/meta")]);
    assert!(!meta.contains("[pending]"), "{what}: {meta}");
}

/// What a session's staged `a.txt` holds.
const A_TXT: &str = "alpha\nbeta\ngamma\nsession line\n";

#[test]
fn six_discards_of_one_session_at_once_have_one_winner() {
    for round in 0..3 {
        let what = format!("round {round}");
        let repo = TestRepo::new();
        let (wt, commit) = repo.session_with_work("s", A_TXT);
        let runs = race(&repo, &[&["discard", "s"][..]; 6]);
        one_winner(&runs, &what);
        repo.fsck_clean(&what);
        assert_eq!(repo.state("s"), "discarded", "{what}");
        settled(&repo, "s", &what);
        assert!(!wt.exists(), "{what}");
        assert_eq!(repo.git(&["branch", "--list", "agent/s"]), "", "{what}");
        repo.assert_work_saved("s", &commit, A_TXT, &what);
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
        let (wt, commit) = repo.session_with_work("s", A_TXT);
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
        repo.fsck_clean(&what);
        settled(&repo, "s", &what);
        assert!(!wt.exists(), "{what}");
        repo.assert_work_saved("s", &commit, A_TXT, &what);
        if winner == "keep" {
            assert_eq!(repo.state("s"), "kept", "{what}");
            let a = repo.read("a.txt");
            assert_eq!(a.matches("session line").count(), 1, "{what}: {a}");
            assert_eq!(repo.read("untracked.txt"), "u\n", "{what}");
            assert_eq!(
                repo.git(&["diff", "--cached", "--name-only"]),
                "a.txt\ncommitted.txt\nuntracked.txt",
                "{what}"
            );
        } else {
            assert_eq!(repo.state("s"), "discarded", "{what}");
            assert_eq!(repo.fingerprint(&repo.root), before, "{what}: untouched");
        }
    }
}

#[test]
fn restores_of_one_session_at_once_have_one_winner() {
    for round in 0..3 {
        let what = format!("round {round}");
        let repo = TestRepo::new();
        let (wt, commit) = repo.session_with_work("s", A_TXT);
        let before = repo.fingerprint(&wt);
        repo.agent(&["discard", "s"]).success();
        let runs = race(&repo, &[&["restore", "s"][..]; 4]);
        one_winner(&runs, &what);
        repo.fsck_clean(&what);
        settled(&repo, "s", &what);
        assert_eq!(repo.state("s"), "active", "{what}");
        assert_eq!(repo.fingerprint(&wt), before, "{what}: restored exactly");
        assert_eq!(repo.git_in(&wt, &["rev-parse", "HEAD"]), commit);
        assert_eq!(repo.agent(&["gc"]).success().stdout, "", "{what}");
    }
}
