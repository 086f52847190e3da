//! `review` and `fix` with the real Codex CLI (the `codex` preset, under its
//! own `workspace-write` sandbox), driven offline by the scripted model
//! server in `../shared/tools/codex-e2e/`: an implementer run, then a
//! reviewer whose final message is the JSON verdict (and one that writes it
//! to `GIT_AGENT_REVIEW_FILE`), and a reviewer that tries to edit a file
//! and is caught. Skipped, with a note, where codex is missing; in CI (or
//! with `GIT_AGENT_REQUIRE_CODEX=1`) a missing codex fails.

use std::path::{Path, PathBuf};

use crate::codex::{Server, codex_or_skip, start_server};
use crate::common::{BIN, Run, TestRepo, files, hermetic};

/// A scripted model server for one codex run and a `CODEX_HOME` pointing
/// codex at it; `name` keeps the files of several runs apart.
struct Model {
    _server: Server,
    home: PathBuf,
    requests: PathBuf,
}

fn model(repo: &TestRepo, name: &str, turns: serde_json::Value) -> Model {
    let dir = repo.base().join(format!("codex-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("script.json");
    std::fs::write(
        &script,
        serde_json::json!({"turns": turns, "on_exhausted": "message"}).to_string(),
    )
    .unwrap();
    let requests = dir.join("requests.jsonl");
    let (server, port) = start_server(&script, &requests);
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(
        home.join("config.toml"),
        format!(
            "model = \"gpt-5.5\"\nmodel_provider = \"e2e_scripted\"\napproval_policy = \"never\"\n\n\
             [model_providers.e2e_scripted]\nname = \"scripted local model\"\n\
             base_url = \"http://127.0.0.1:{port}/v1\"\nwire_api = \"responses\"\n\
             env_key = \"CODEX_E2E_API_KEY\"\nrequest_max_retries = 0\nstream_max_retries = 0\n"
        ),
    )
    .unwrap();
    Model {
        _server: server,
        home,
        requests,
    }
}

/// `git agent <args>` with codex on PATH and pointed at `model`.
fn agent(repo: &TestRepo, codex: &Path, model: &Model, args: &[&str]) -> Run {
    let path = format!(
        "{}:{}:{}",
        Path::new(BIN).parent().unwrap().display(),
        codex.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = hermetic(BIN, &repo.home)
        .current_dir(&repo.root)
        .env("PATH", path)
        .env("CODEX_HOME", &model.home)
        .env("CODEX_E2E_API_KEY", "dummy")
        .args(args)
        .output()
        .unwrap();
    Run::from(out)
}

fn verdict(v: &str, blocking: &[&str]) -> String {
    serde_json::json!({"verdict": v, "blocking": blocking, "should_fix": [],
                       "nits": ["say hello louder"], "scope_violations": []})
    .to_string()
}

#[test]
fn codex_implements_then_codex_reviews_with_a_json_verdict() {
    let Some(codex) = codex_or_skip() else { return };
    let repo = TestRepo::new();
    let implementer = model(
        &repo,
        "implement",
        serde_json::json!([
            {"write_file": {"path": "hello.txt", "content": "hello from codex\n"}},
            {"message": "done"}
        ]),
    );
    let run = agent(
        &repo,
        &codex,
        &implementer,
        &["new", "cx", "-a", "codex", "-m", "Create hello.txt"],
    );
    let run = run.success();
    assert!(
        repo.path(".worktrees/cx/hello.txt").exists(),
        "{}",
        run.stderr
    );
    // The reviewer's final message (codex exec's stdout) is the verdict.
    let reviewer = model(
        &repo,
        "review",
        serde_json::json!([{"message": format!("Reviewed.\n{}", verdict("changes_requested", &["hello.txt lacks a trailing period"]))}]),
    );
    let run = agent(&repo, &codex, &reviewer, &["review", "cx", "-a", "codex"]).success();
    assert!(
        run.stdout.contains("cx\tchanges_requested"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    let review = &repo.json(&["show", "cx", "--json"])["review"];
    assert_eq!(review["verdict"], "changes_requested");
    assert_eq!(review["agent"], "codex");
    assert_eq!(review["blocking"][0], "hello.txt lacks a trailing period");
    // Codex was given the composed prompt: the task, the diff fenced as data.
    let requests = std::fs::read_to_string(&reviewer.requests).unwrap();
    for part in [
        "Create hello.txt",
        "hello from codex",
        "never instructions to follow",
        "Output contract",
    ] {
        assert!(requests.contains(part), "{part} not in the request");
    }
    // A reviewer that writes its verdict to GIT_AGENT_REVIEW_FILE from its
    // sandboxed shell, with a final message that is no verdict.
    let to_file = model(
        &repo,
        "review-file",
        serde_json::json!([
            {"shell": format!("printf '%s' '{}' > \"$GIT_AGENT_REVIEW_FILE\"", verdict("approved", &[]))},
            {"message": "I wrote the verdict to the file."}
        ]),
    );
    let run = agent(&repo, &codex, &to_file, &["review", "cx", "-a", "codex"]);
    let run = run.success();
    assert!(
        run.stdout.contains("cx\tapproved"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    assert_eq!(
        repo.json(&["show", "cx", "--json"])["review"]["verdict"],
        "approved"
    );
}

#[test]
fn a_codex_reviewer_that_edits_a_file_is_caught_and_undone() {
    let Some(codex) = codex_or_skip() else { return };
    let repo = TestRepo::new();
    let wt = repo.new_session(&["ed"]);
    crate::common::write(&wt.join("a.txt"), "alpha\nBETA\ngamma\n");
    let before = files(&wt);
    let reviewer = model(
        &repo,
        "vandal",
        serde_json::json!([
            {"apply_patch": "*** Begin Patch\n*** Update File: a.txt\n@@\n-BETA\n+beta, fixed by the reviewer\n*** End Patch\n"},
            {"write_file": {"path": "notes.txt", "content": "the reviewer was here\n"}},
            {"message": verdict("approved", &[])}
        ]),
    );
    let run = agent(&repo, &codex, &reviewer, &["review", "ed", "-a", "codex"]).fails(1);
    assert!(
        run.stderr.contains("read-only run changed"),
        "{}",
        run.stderr
    );
    assert_eq!(
        files(&wt),
        before,
        "the worktree is as it was before the review"
    );
    let review = &repo.json(&["show", "ed", "--json"])["review"];
    assert_eq!(review["verdict"], "violation");
    let requests = std::fs::read_to_string(&reviewer.requests).unwrap();
    // The edit did happen inside codex's sandbox (codex reported its patch
    // applied), so what was caught is a real write.
    assert!(
        requests.contains("Success. Updated the following files") && requests.contains("M a.txt"),
        "codex applied the patch"
    );
    repo.fsck_clean("after a violating review");
}
