//! A fleet of two implementer sessions run by the real Codex CLI (the
//! `codex` preset, offline against the scripted model server), landed with
//! `land`, then `audit --require` over what landed.

use std::path::Path;

use crate::codex::start_server;
use crate::common::{BIN, TestRepo, hermetic};

/// A CODEX_HOME whose model provider is the scripted server on `port`.
fn codex_home(repo: &TestRepo, name: &str, port: u16) -> std::path::PathBuf {
    let home = repo.base().join(name);
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
    home
}

/// `git agent new <id> -a codex -m <prompt>` with codex scripted to write `file`.
fn implement(repo: &TestRepo, codex: &Path, id: &str, file: &str, prompt: &str) {
    let script = repo.base().join(format!("{id}.json"));
    std::fs::write(
        &script,
        serde_json::json!({"turns": [
            {"write_file": {"path": file, "content": format!("written by {id}\n")}},
            {"message": "done"}
        ], "on_exhausted": "message"})
        .to_string(),
    )
    .unwrap();
    let (_server, port) = start_server(&script, &repo.base().join(format!("{id}.jsonl")));
    let home = codex_home(repo, &format!("codex-{id}"), port);
    let path = format!(
        "{}:{}:{}",
        Path::new(BIN).parent().unwrap().display(),
        codex.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = hermetic(BIN, &repo.home)
        .current_dir(&repo.root)
        .env("PATH", path)
        .env("CODEX_HOME", &home)
        .env("CODEX_E2E_API_KEY", "dummy")
        .args(["new", id, "-a", "codex", "-m", prompt])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "codex run in {id} failed: {stderr}"
    );
    assert_eq!(repo.state(id), "done", "{stderr}");
}

#[test]
fn two_codex_implementers_land_and_every_landed_commit_has_provenance() {
    let Some(codex) = crate::codex::codex_or_skip() else {
        return;
    };
    let repo = TestRepo::new();
    let head = repo.git(&["rev-parse", "HEAD"]);
    implement(&repo, &codex, "a-greet", "greet.txt", "Add greet.txt");
    implement(
        &repo,
        &codex,
        "b-farewell",
        "docs/farewell.md",
        "Add the farewell page",
    );
    let run = repo.agent(&["land"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.starts_with("order: a-greet b-farewell\n"),
        "{run:?}"
    );
    assert_eq!(repo.read("greet.txt"), "written by a-greet\n");
    assert_eq!(repo.read("docs/farewell.md"), "written by b-farewell\n");
    assert_eq!(repo.git(&["rev-parse", "HEAD~2"]), head);
    assert_eq!(repo.state("a-greet"), "kept");
    assert_eq!(repo.state("b-farewell"), "kept");
    let range = format!("{head}..HEAD");
    repo.agent(&["audit", "--require", &range]).success();
    let audit = repo.json(&["audit", "--json", &range]);
    let rows = audit.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for (row, (id, prompt)) in rows.iter().zip([
        ("b-farewell", "Add the farewell page"),
        ("a-greet", "Add greet.txt"),
    ]) {
        assert_eq!(row["session"], id, "{audit:#}");
        assert_eq!(row["agent"], "codex", "{audit:#}");
        assert_eq!(row["prompt"], prompt, "{audit:#}");
        assert_eq!(row["subject"], prompt, "{audit:#}");
    }
    // The initial commit has none: audited with it, --require fails.
    repo.agent(&["audit", "--require"]).fails(1);
}
