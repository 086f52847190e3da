//! overlap: pairs of live sessions changing the same paths, clean or not,
//! read without touching any worktree.

use crate::common::{TestRepo, write};

#[test]
fn overlap_names_the_pairs_that_share_paths_and_whether_they_merge() {
    let repo = TestRepo::new();
    let one = repo.new_session(&["one"]);
    let two = repo.new_session(&["two"]);
    let three = repo.new_session(&["three"]);
    let apart = repo.new_session(&["apart"]);
    let gone = repo.new_session(&["gone"]);
    // one and two edit different lines of a.txt (clean); three edits the
    // line one edits (conflict with one, clean with two), staged, and adds
    // an untracked file that only a discarded session also added.
    write(&one.join("a.txt"), "ALPHA\nbeta\ngamma\n");
    write(&two.join("a.txt"), "alpha\nbeta\nGAMMA\n");
    write(&three.join("a.txt"), "alpha3\nbeta\ngamma\n");
    repo.git_in(&three, &["add", "a.txt"]);
    write(&three.join("notes.txt"), "three\n");
    write(&apart.join("docs/guide.md"), "# Apart\n");
    write(&gone.join("notes.txt"), "gone\n");
    repo.agent(&["discard", "gone"]).success();

    let before: Vec<String> = [&one, &two, &three, &apart]
        .iter()
        .map(|wt| repo.fingerprint(wt))
        .collect();
    let json = repo.json(&["overlap", "--json"]);
    let pairs: Vec<(String, String, Vec<String>, bool)> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let object = p.as_object().unwrap();
            let mut keys: Vec<&String> = object.keys().collect();
            keys.sort();
            assert_eq!(keys, ["a", "b", "clean", "paths"], "{p}");
            (
                p["a"].as_str().unwrap().to_owned(),
                p["b"].as_str().unwrap().to_owned(),
                p["paths"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_owned())
                    .collect(),
                p["clean"].as_bool().unwrap(),
            )
        })
        .collect();
    let a = || vec!["a.txt".to_owned()];
    assert_eq!(
        pairs,
        [
            ("one".into(), "three".into(), a(), false),
            ("one".into(), "two".into(), a(), true),
            ("three".into(), "two".into(), a(), true),
        ]
    );
    let after: Vec<String> = [&one, &two, &three, &apart]
        .iter()
        .map(|wt| repo.fingerprint(wt))
        .collect();
    assert_eq!(before, after, "overlap touched a worktree");

    let text = repo.agent(&["overlap"]).success().stdout;
    let lines: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        lines,
        [
            ["one", "three", "conflict", "a.txt"],
            ["one", "two", "clean", "a.txt"],
            ["three", "two", "clean", "a.txt"],
        ]
    );

    // Nothing shared: an empty array, and a plain message for people.
    repo.agent(&["discard", "one"]).success();
    repo.agent(&["discard", "three"]).success();
    assert_eq!(repo.json(&["overlap", "--json"]), serde_json::json!([]));
    let run = repo.agent(&["overlap"]).success();
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains("No two live sessions"),
        "{}",
        run.stderr
    );
}
