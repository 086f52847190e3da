//! audit: every commit of a range with its provenance, or `none`.

use crate::common::TestRepo;
use crate::land::done;

#[test]
fn audit_names_landed_reviewed_and_hand_made_commits() {
    let repo = TestRepo::new();
    done(&repo, "plain", "docs/plain.md", "plain");
    done(&repo, "checked", "docs/checked.md", "checked");
    let meta = repo.git(&["cat-file", "blob", "refs/agents/checked/meta"]);
    let snap = repo.git(&["rev-parse", "refs/agents/checked/snapshot"]);
    crate::common::set_meta(
        &repo,
        "checked",
        &format!(
            "{meta}\n\n[review]\nverdict = \"approved\"\nat = \"2026-01-01T00:00:00Z\"\nof = \"{snap}\"\n"
        ),
    );
    repo.agent(&["land"]).success();
    repo.write("hand.txt", "by hand\n");
    repo.git(&["add", "hand.txt"]);
    repo.git(&["commit", "-qm", "by hand"]);
    let json = repo.json(&["audit", "--json"]);
    let rows = json.as_array().unwrap();
    // No upstream: the last 50, here all four, newest first.
    assert_eq!(rows.len(), 4, "{json:#}");
    assert_eq!(rows[0]["subject"], "by hand");
    assert!(rows[0]["session"].is_null() && rows[0]["review"].is_null());
    let by = |id: &str| rows.iter().find(|r| r["session"] == id).unwrap().clone();
    assert_eq!(by("checked")["review"], "approved");
    assert!(by("plain")["review"].is_null());
    assert_eq!(by("plain")["agent"], serde_json::Value::Null);
    assert_eq!(by("plain")["commit"].as_str().unwrap().len(), 40);
    let text = repo.agent(&["audit"]).success().stdout;
    assert!(text.contains("by hand\n    none"), "{text}");
    assert!(
        text.contains("session checked") && text.contains("review approved"),
        "{text}"
    );
    // --require: the hand-made and the initial commit have none.
    let run = repo.agent(&["audit", "--require"]).fails(1);
    assert!(
        run.stderr.contains("2 of 4 commits have no provenance"),
        "{run:?}"
    );
    repo.agent(&["audit", "--require", "HEAD~3..HEAD~1"])
        .success();
    repo.agent(&["audit", "no-such-rev"]).fails(1);
}

#[test]
fn audit_defaults_to_the_commits_not_on_the_upstream() {
    let repo = TestRepo::new();
    let other = repo.clone_through_origin("other");
    let run = crate::common::hermetic(crate::common::BIN, &repo.home)
        .current_dir(&other)
        .args(["audit", "--json"])
        .output()
        .unwrap();
    assert!(run.status.success());
    assert_eq!(String::from_utf8_lossy(&run.stdout).trim(), "[]");
}

/// Notes arrive from remotes: an escape sequence in one is printed quoted,
/// never sent to the terminal.
#[test]
fn audit_quotes_what_a_fetched_note_says() {
    let repo = TestRepo::new();
    let head = repo.git(&["rev-parse", "HEAD"]);
    let note = "session = \"x\\u001b[2J\"\nreview = \"\\u001b]0;owned\\u0007\"\nran = \"\\u001b[31m\"\nprompt = \"p\\u001b[1m\"\n";
    repo.git(&["notes", "--ref=agents", "add", "-m", note, &head]);
    let text = repo.agent(&["audit"]).success().stdout;
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(text.contains("session "), "{text}");
}
