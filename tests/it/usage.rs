//! Token use: parsed from what the agent printed at the end of a detached
//! run's log into `run.usage`, shown by `list`, `show` and the notes.

use std::path::Path;

use crate::codex::start_server;
use crate::common::{BIN, TestRepo, fake_agent, hermetic};

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

/// A detached run of the fake agent printing `text` (a file's content).
fn run_printing(repo: &TestRepo, id: &str, file: &str) {
    let text = std::fs::read_to_string(fixture(file)).unwrap();
    repo.agent(&[
        "new",
        id,
        "--detach",
        "--",
        &fake_agent(),
        "write",
        "f.txt",
        id,
        "commit",
        "work",
        "print",
        &text,
    ])
    .success();
    repo.agent(&["wait", id]).success();
}

#[test]
fn codex_s_report_captured_from_the_real_cli_is_recorded() {
    let repo = TestRepo::new();
    // tests/fixtures/codex-exec.log: `run-codex.sh` output of codex-cli
    // 0.169.0 over three turns of the scripted model (20 tokens a turn).
    run_printing(&repo, "cx", "codex-exec.log");
    let s = repo.json(&["show", "cx", "--json"]);
    assert_eq!(s["run"]["usage"]["tokens"], 60, "{s}");
    assert!(
        s["run"]["usage"]
            .get("cost_usd")
            .is_none_or(|c| c.is_null())
    );
    let note = repo.git(&["notes", "--ref=agents", "show", "agent/cx"]);
    assert!(note.contains("tokens = 60"), "{note}");
}

#[test]
fn claude_s_json_result_is_recorded_with_its_cost() {
    let repo = TestRepo::new();
    run_printing(&repo, "cl", "claude-result.json");
    let s = repo.json(&["show", "cl", "--json"]);
    // input 12 + output 1,830 + cache creation 5,017 + cache read 41,992.
    assert_eq!(s["run"]["usage"]["tokens"], 48851, "{s}");
    assert_eq!(s["run"]["usage"]["cost_usd"], 0.0871);
    let human = repo.agent(&["show", "cl"]).success().stdout;
    assert!(human.contains("48,851 tokens"), "{human}");
    assert!(human.contains("$0.0871"), "{human}");
}

#[test]
fn list_shows_tokens_and_their_total() {
    let repo = TestRepo::new();
    run_printing(&repo, "a", "codex-exec.log");
    run_printing(&repo, "b", "claude-result.json");
    repo.new_session(&["c"]);
    let list = repo.agent(&["list"]).success().stdout;
    let header = list.lines().next().unwrap();
    assert!(header.contains("TOKENS"), "{list}");
    let row = |id: &str| {
        list.lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("no row {id}: {list}"))
            .to_owned()
    };
    assert!(row("a").contains(" 60"), "{list}");
    assert!(row("b").contains("48,851"), "{list}");
    assert!(row("c").trim_end().ends_with("  -"), "{list}");
    let total = list.lines().last().unwrap();
    assert!(total.contains("48,911"), "total: {list}");
    assert!(total.contains("$0.0871"), "total: {list}");
}

#[test]
fn the_real_codex_cli_s_usage_is_recorded_in_a_detached_run() {
    let Some(codex) = crate::codex::codex_or_skip() else {
        return;
    };
    let repo = TestRepo::new();
    let script = repo.base().join("script.json");
    std::fs::write(
        &script,
        serde_json::json!({"turns": [
            {"write_file": {"path": "hello.txt", "content": "hi\n"}},
            {"message": "done"}
        ], "on_exhausted": "message"})
        .to_string(),
    )
    .unwrap();
    let (_server, port) = start_server(&script, &repo.base().join("requests.jsonl"));
    let codex_home = repo.base().join("codex-home");
    std::fs::create_dir_all(&codex_home).unwrap();
    std::fs::write(
        codex_home.join("config.toml"),
        format!(
            "model = \"gpt-5.5\"\nmodel_provider = \"e2e_scripted\"\napproval_policy = \"never\"\n\n\
             [model_providers.e2e_scripted]\nname = \"scripted local model\"\n\
             base_url = \"http://127.0.0.1:{port}/v1\"\nwire_api = \"responses\"\n\
             env_key = \"CODEX_E2E_API_KEY\"\nrequest_max_retries = 0\nstream_max_retries = 0\n"
        ),
    )
    .unwrap();
    let path = format!(
        "{}:{}:{}",
        Path::new(BIN).parent().unwrap().display(),
        codex.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |args: &[&str]| {
        hermetic(BIN, &repo.home)
            .current_dir(&repo.root)
            .env("PATH", &path)
            .env("CODEX_HOME", &codex_home)
            .env("CODEX_E2E_API_KEY", "dummy")
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&[
        "new",
        "cx",
        "--detach",
        "-a",
        "codex",
        "-m",
        "Create hello.txt",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["wait", "cx"]);
    let log = repo.agent(&["logs", "cx"]).stdout;
    assert!(out.status.success(), "{log}");
    let s = repo.json(&["show", "cx", "--json"]);
    // Two turns of the scripted model, 20 tokens each.
    assert_eq!(s["run"]["usage"]["tokens"], 40, "{s}\n{log}");
}
