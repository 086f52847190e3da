//! Hermetic real-git fixtures: a temp HOME, no global or system config,
//! pinned identity and dates, and the git-agent binary on PATH so that
//! `git agent …` dispatches to it like it does for users.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_git-agent");

pub struct TestRepo {
    _tmp: tempfile::TempDir,
    pub home: PathBuf,
    /// The main worktree.
    pub root: PathBuf,
}

/// A `Command` with the hermetic environment.
pub fn hermetic(program: &str, home: &Path) -> Command {
    let mut cmd = Command::new(program);
    let bin_dir = Path::new(BIN).parent().expect("binary has a directory");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    cmd.env_clear()
        .env("PATH", path)
        .env("HOME", home)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test Author")
        .env("GIT_AUTHOR_EMAIL", "author@example.com")
        .env("GIT_COMMITTER_NAME", "Test Committer")
        .env("GIT_COMMITTER_EMAIL", "committer@example.com")
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
        .env("LC_ALL", "C")
        .env("TZ", "UTC");
    cmd
}

impl TestRepo {
    /// An empty temp dir with HOME set up, no repository yet.
    pub fn bare_dir() -> TestRepo {
        let tmp = tempfile::tempdir().expect("tempdir");
        let base = std::fs::canonicalize(tmp.path()).expect("canonical tempdir");
        let home = base.join("home");
        std::fs::create_dir_all(&home).expect("home");
        let root = base.join("repo");
        TestRepo {
            _tmp: tmp,
            home,
            root,
        }
    }

    /// A repository with one commit: a.txt, src/lib.rs, docs/guide.md.
    pub fn new() -> TestRepo {
        let repo = TestRepo::bare_dir();
        std::fs::create_dir_all(&repo.root).expect("root");
        repo.git(&["init", "-q", "-b", "main"]);
        repo.write("a.txt", "alpha\nbeta\ngamma\n");
        repo.write("src/lib.rs", "pub fn f() {}\n");
        repo.write("docs/guide.md", "# Guide\n");
        repo.git(&["add", "-A"]);
        repo.git(&["commit", "-q", "-m", "initial"]);
        repo
    }

    pub fn base(&self) -> PathBuf {
        self.root.parent().expect("parent").to_path_buf()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub fn write(&self, rel: &str, content: &str) {
        write(&self.root.join(rel), content);
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).expect("read")
    }

    /// Run git in the main worktree; panic on failure; stdout trimmed.
    pub fn git(&self, args: &[&str]) -> String {
        self.git_in(&self.root, args)
    }

    pub fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        let out = self.git_out(dir, args);
        assert!(
            out.status.success(),
            "git {args:?} in {} failed: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
    }

    pub fn git_out(&self, dir: &Path, args: &[&str]) -> Output {
        hermetic("git", &self.home)
            .current_dir(dir)
            .args(args)
            .output()
            .expect("spawn git")
    }

    /// Run `git-agent` in the main worktree.
    pub fn agent(&self, args: &[&str]) -> Run {
        self.agent_in(&self.root, args)
    }

    pub fn agent_in(&self, dir: &Path, args: &[&str]) -> Run {
        let out = hermetic(BIN, &self.home)
            .current_dir(dir)
            .args(args)
            .output()
            .expect("spawn git-agent");
        Run::from(out)
    }

    /// `git agent new <args>`, asserting success; returns the worktree path.
    pub fn new_session(&self, args: &[&str]) -> PathBuf {
        let mut all = vec!["new"];
        all.extend_from_slice(args);
        let run = self.agent(&all).success();
        let line = run.stdout.lines().next().expect("new prints id and path");
        PathBuf::from(line.split('\t').nth(1).expect("tab-separated"))
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let run = self.agent(args).success();
        serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{args:?} printed invalid JSON ({e}): {}", run.stdout))
    }

    /// A branch `side` and `main` that both changed a.txt since they parted
    /// ("side" and "main"), with `main` checked out: merging, rebasing or
    /// cherry-picking `side` conflicts.
    pub fn diverge_on_a_txt(&self) {
        self.git(&["checkout", "-q", "-b", "side"]);
        self.write("a.txt", "side\n");
        self.git(&["commit", "-qam", "side"]);
        self.git(&["checkout", "-q", "main"]);
        self.write("a.txt", "main\n");
        self.git(&["commit", "-qam", "main"]);
    }

    /// `git status --porcelain=v2` plus `ls-files -s` plus HEAD: what must
    /// not change when git-agent promises not to touch a checkout.
    pub fn fingerprint(&self, dir: &Path) -> String {
        format!(
            "{}\n--\n{}\n--\n{}",
            self.git_in(dir, &["status", "--porcelain=v2", "--untracked-files=all"]),
            self.git_in(dir, &["ls-files", "-s"]),
            self.git_in(dir, &["rev-parse", "HEAD"]),
        )
    }
}

pub fn write(path: &Path, content: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, content).expect("write");
}

/// The outcome of one git-agent invocation.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn success(self) -> Run {
        assert_eq!(
            self.code, 0,
            "expected success; stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Exit `code`, an `error:` line, and never a panic or backtrace.
    pub fn fails(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "expected exit {code}; stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(
            self.stderr.contains("error:"),
            "no error line: {}",
            self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "panic: {}", self.stderr);
        assert!(
            !self.stderr.contains("RUST_BACKTRACE"),
            "backtrace: {}",
            self.stderr
        );
        self
    }
}

/// Run git-agent once per argument list, all at the same time, in the main
/// worktree; assert every one succeeded.
pub fn all_at_once(repo: &TestRepo, runs: &[Vec<String>]) {
    let children: Vec<_> = runs
        .iter()
        .map(|args| {
            hermetic(BIN, &repo.home)
                .current_dir(&repo.root)
                .args(args)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn git-agent")
        })
        .collect();
    for (child, args) in children.into_iter().zip(runs) {
        let out = child.wait_with_output().expect("wait for git-agent");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Whether an optional tool the tests use is here. Outside CI a missing one
/// skips the checks that need it, with a note; in CI (`CI` set, as `.ci/run`
/// runs, having installed them) it fails, so nothing is skipped unseen.
pub fn have_tool(found: bool, what: &str) -> bool {
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{what} is missing in CI: .ci/run should have installed it"
        );
        eprintln!("note: {what} is not installed; the checks that need it are skipped");
    }
    found
}
