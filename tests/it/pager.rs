//! Paging follows git's rules: only on a terminal, through the pager git
//! would pick (`GIT_PAGER`, `core.pager`), never twice, and not at all with
//! `pager.agent = false` or `git --no-pager`. A terminal comes from
//! `script(1)`; the "pager" copies what it is given into a file.

use std::path::{Path, PathBuf};

use crate::common::{TestRepo, hermetic};

/// Run `command` (a shell line) in the main worktree on a pseudo-terminal,
/// with `env` added; returns what reached the terminal.
fn on_terminal(repo: &TestRepo, command: &str, env: &[(&str, &str)]) -> String {
    let mut cmd = hermetic("script", &repo.home);
    cmd.current_dir(&repo.root)
        .env("SHELL", "/bin/sh")
        .env("TERM", "dumb")
        .args(["-qec", command, "/dev/null"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("script(1) from util-linux");
    assert!(
        out.status.success(),
        "{command}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A pager that writes its input to a file; returns (command, file).
fn recording_pager(repo: &TestRepo, name: &str) -> (String, PathBuf) {
    let file = repo.base().join(format!("{name}.paged"));
    (format!("cat > '{}'", file.display()), file)
}

fn paged(file: &Path) -> Option<String> {
    std::fs::read_to_string(file).ok()
}

fn repo_with_a_change() -> TestRepo {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["s"]);
    crate::common::write(&wt.join("a.txt"), "changed by the agent\n");
    repo
}

#[test]
fn list_show_and_logs_page_through_git_pager_on_a_terminal_only() {
    let repo = repo_with_a_change();
    let (pager, file) = recording_pager(&repo, "list");
    let screen = on_terminal(&repo, "git agent list", &[("GIT_PAGER", &pager)]);
    let text = paged(&file).expect("list went through the pager");
    assert!(text.contains("ID") && text.contains("s "), "{text}");
    assert!(
        !screen.contains("active"),
        "printed past the pager: {screen}"
    );
    // Colours were chosen for the terminal behind the pager.
    assert!(
        text.contains('\u{1b}'),
        "no colour through the pager: {text:?}"
    );

    let (pager, file) = recording_pager(&repo, "show");
    on_terminal(&repo, "git agent show s", &[("GIT_PAGER", &pager)]);
    assert!(paged(&file).expect("show paged").contains("agent/s"));

    repo.agent(&[
        "new",
        "l",
        "--detach",
        "--",
        "sh",
        "-c",
        "echo hello-from-the-log",
    ])
    .success();
    repo.agent(&["wait", "l"]).success();
    let (pager, file) = recording_pager(&repo, "logs");
    on_terminal(&repo, "git agent logs l", &[("GIT_PAGER", &pager)]);
    assert!(
        paged(&file)
            .expect("logs paged")
            .contains("hello-from-the-log")
    );

    // Not a terminal: never paged, whatever the pager setting.
    let (pager, file) = recording_pager(&repo, "pipe");
    let out = hermetic("git", &repo.home)
        .current_dir(&repo.root)
        .env("GIT_PAGER", &pager)
        .args(["agent", "list"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("active"));
    assert!(paged(&file).is_none(), "paged into a pipe");

    // --json is for programs: printed straight.
    let (pager, file) = recording_pager(&repo, "json");
    let screen = on_terminal(&repo, "git agent list --json", &[("GIT_PAGER", &pager)]);
    assert!(screen.contains("\"id\""), "{screen}");
    assert!(paged(&file).is_none(), "--json was paged");
}

/// `color.pager = false`: paged output has no colour, as in git.
#[test]
fn color_pager_false_pages_without_colour() {
    let repo = repo_with_a_change();
    repo.git(&["config", "color.pager", "false"]);
    let (pager, file) = recording_pager(&repo, "plain");
    on_terminal(&repo, "git agent list", &[("GIT_PAGER", &pager)]);
    let text = paged(&file).expect("paged");
    assert!(text.contains("ID") && !text.contains('\u{1b}'), "{text:?}");
}

#[test]
fn core_pager_is_used_when_git_pager_is_unset() {
    let repo = repo_with_a_change();
    let (pager, file) = recording_pager(&repo, "core");
    repo.git(&["config", "core.pager", &pager]);
    on_terminal(&repo, "git agent list", &[]);
    assert!(paged(&file).expect("core.pager used").contains("ID"));
}

#[test]
fn pager_agent_false_and_no_pager_turn_paging_off() {
    let repo = repo_with_a_change();
    let (pager, file) = recording_pager(&repo, "off");
    let env = [("GIT_PAGER", pager.as_str())];
    // Through git, which hands git-agent GIT_PAGER=cat ...
    let screen = on_terminal(&repo, "git -c pager.agent=false agent list", &env);
    assert!(screen.contains("active"), "{screen}");
    let screen = on_terminal(&repo, "git --no-pager agent show s", &env);
    assert!(screen.contains("agent/s"), "{screen}");
    // ... and run directly, where git-agent reads pager.agent itself,
    // for diff (paged by git diff) too.
    repo.git(&["config", "pager.agent", "false"]);
    let screen = on_terminal(&repo, "git-agent list", &env);
    assert!(screen.contains("active"), "{screen}");
    let screen = on_terminal(&repo, "git-agent diff s", &env);
    assert!(screen.contains("changed by the agent"), "{screen}");
    assert!(paged(&file).is_none(), "paged although turned off");
}

#[test]
fn diff_pages_like_git_diff_and_is_never_paged_twice() {
    let repo = repo_with_a_change();
    let (pager, file) = recording_pager(&repo, "diff");
    let screen = on_terminal(&repo, "git agent diff s", &[("GIT_PAGER", &pager)]);
    let text = paged(&file).expect("diff went through the pager");
    assert!(text.contains("+changed by the agent"), "{text}");
    assert!(!screen.contains("changed by the agent"), "{screen}");

    // pager.agent = true: git pages git-agent's output itself; git-agent
    // sees GIT_PAGER_IN_USE and must not start a second pager (which would
    // write the file a second time, after git's).
    let (pager, file) = recording_pager(&repo, "git-pages");
    let counter = repo.base().join("pager-starts");
    let pager = format!("echo start >> '{}'; {pager}", counter.display());
    on_terminal(
        &repo,
        "git -c pager.agent=true agent list",
        &[("GIT_PAGER", &pager)],
    );
    assert!(paged(&file).expect("git paged it").contains("ID"));
    let starts = std::fs::read_to_string(&counter).unwrap();
    assert_eq!(starts.lines().count(), 1, "pager started {starts:?}");
}
