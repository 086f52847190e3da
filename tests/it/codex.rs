//! The `codex` preset with the real Codex CLI, driven offline by the scripted
//! model server in `../shared/tools/codex-e2e/`. Runs when a codex binary is
//! found (`CODEX_BIN`, PATH, or where `.ci/run` installs it); in CI (`CI`
//! set) or with `GIT_AGENT_REQUIRE_CODEX=1` a missing codex fails.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::{BIN, TestRepo, hermetic};

pub(crate) fn codex_bin() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("CODEX_BIN") {
        return Some(PathBuf::from(bin));
    }
    let cached = PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
        .join(".cache/git-agent-codex/node_modules/.bin/codex");
    if cached.exists() {
        return Some(cached);
    }
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("codex"))
            .find(|c| c.exists())
    })
}

pub(crate) fn server_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tools/codex-e2e/server.py")
}

pub(crate) struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn start_server(script: &Path, log: &Path) -> (Server, u16) {
    let mut child = Command::new("python3")
        .arg(server_script())
        .arg("--script")
        .arg(script)
        .arg("--log")
        .arg(log)
        .arg("0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the scripted model server");
    let stdout = child.stdout.take().expect("server stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("server prints its port");
    let port = line
        .trim()
        .strip_prefix("PORT ")
        .and_then(|p| p.parse().ok())
        .expect("PORT <n>");
    (Server(child), port)
}

/// Codex and the scripted model server, or `None` (the test then returns
/// early, with a note) where they are not here; with
/// `GIT_AGENT_REQUIRE_CODEX=1` (or in CI) a missing one fails.
pub(crate) fn codex_or_skip() -> Option<PathBuf> {
    let required = std::env::var_os("GIT_AGENT_REQUIRE_CODEX").is_some_and(|v| v == "1");
    let found = codex_bin().filter(|_| server_script().exists());
    if found.is_none() {
        assert!(
            !required,
            "codex or ../shared/tools/codex-e2e is missing but GIT_AGENT_REQUIRE_CODEX=1"
        );
        crate::common::have_tool(false, "the codex CLI (or ../shared/tools/codex-e2e)");
    }
    found
}

#[test]
fn the_codex_preset_edits_a_session_through_the_real_codex_cli() {
    let Some(codex) = codex_or_skip() else {
        return;
    };
    let repo = TestRepo::new();
    let script = repo.base().join("script.json");
    std::fs::write(
        &script,
        serde_json::json!({"turns": [
            {"write_file": {"path": "hello.txt", "content": "hello from codex\n"}},
            {"apply_patch": "*** Begin Patch\n*** Update File: a.txt\n@@\n-beta\n+BETA\n*** End Patch\n"},
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
    let codex_dir = codex.parent().unwrap().to_path_buf();
    let mut cmd = hermetic(BIN, &repo.home);
    let path = format!(
        "{}:{}",
        codex_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = cmd
        .current_dir(&repo.root)
        .env(
            "PATH",
            format!("{}:{path}", Path::new(BIN).parent().unwrap().display()),
        )
        .env("CODEX_HOME", &codex_home)
        .env("CODEX_E2E_API_KEY", "dummy")
        .args([
            "new",
            "cx",
            "-a",
            "codex",
            "-m",
            "Create hello.txt and shout beta",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "codex run failed: {stderr}");
    let wt = repo.path(".worktrees/cx");
    assert_eq!(
        std::fs::read_to_string(wt.join("hello.txt")).unwrap(),
        "hello from codex\n",
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(wt.join("a.txt")).unwrap(),
        "alpha\nBETA\ngamma\n"
    );
    let s = repo.json(&["show", "cx", "--json"]);
    assert_eq!(s["state"], "done");
    assert_eq!(s["agent"], "codex");
    assert_eq!(s["command"][0], "codex");
    assert_eq!(s["command"][1], "exec");
    assert_eq!(s["changes"]["files"], 2);
    // The run's end snapshot holds codex's work even though codex could not commit.
    let snap = repo.git(&["rev-parse", "refs/agents/cx/snapshot"]);
    assert_eq!(
        repo.git(&["show", &format!("{snap}:hello.txt")]),
        "hello from codex"
    );
    repo.agent(&["keep", "cx"]).success();
    assert_eq!(
        repo.git(&["diff", "--cached", "--name-only"]),
        "a.txt\nhello.txt"
    );
}
