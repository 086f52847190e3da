//! Hermetic real-git fixtures: a temp HOME, no global or system config,
//! pinned identity and dates, and the git-agent binary on PATH so that
//! `git agent …` dispatches to it like it does for users.

#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

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

    /// Run `git-agent` in the main worktree with `env` added to the
    /// hermetic environment (`GIT_AGENT_FAULT`, `NO_COLOR`…).
    pub fn agent_env(&self, env: &[(&str, &str)], args: &[&str]) -> Run {
        let mut cmd = hermetic(BIN, &self.home);
        cmd.current_dir(&self.root).args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        Run::from(cmd.output().expect("spawn git-agent"))
    }

    pub fn agent_in(&self, dir: &Path, args: &[&str]) -> Run {
        let out = hermetic(BIN, &self.home)
            .current_dir(dir)
            .args(args)
            .output()
            .expect("spawn git-agent");
        Run::from(out)
    }

    /// Start `git-agent` in the main worktree, stdout and stderr piped.
    /// With `pause`, (point, file), it stops at that point
    /// (`GIT_AGENT_PAUSE`) once it created the file, until the file is
    /// removed; see [`wait_for_pause`].
    pub fn spawn_agent(&self, pause: Option<(&str, &Path)>, args: &[&str]) -> Child {
        let mut cmd = hermetic(BIN, &self.home);
        if let Some((point, file)) = pause {
            cmd.env("GIT_AGENT_PAUSE", point)
                .env("GIT_AGENT_PAUSE_FILE", file);
        }
        cmd.current_dir(&self.root)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn git-agent")
    }

    /// `git agent new <args>`, asserting success; returns the worktree path.
    pub fn new_session(&self, args: &[&str]) -> PathBuf {
        let mut all = vec!["new"];
        all.extend_from_slice(args);
        let run = self.agent(&all).success();
        let line = run.stdout.lines().next().expect("new prints id and path");
        PathBuf::from(line.split('\t').nth(1).expect("tab-separated"))
    }

    /// A session's `state` as `show --json` prints it.
    pub fn state(&self, id: &str) -> String {
        self.json(&["show", id, "--json"])["state"]
            .as_str()
            .expect("show --json prints a state")
            .to_owned()
    }

    /// `git fsck --strict` of the main worktree's repository passes;
    /// `what` says which step the check follows.
    pub fn fsck_clean(&self, what: &str) {
        self.fsck_clean_in(&self.root, what);
    }

    pub fn fsck_clean_in(&self, dir: &Path, what: &str) {
        let fsck = self.git_out(dir, &["fsck", "--strict", "--no-progress", "--no-dangling"]);
        assert!(
            fsck.status.success(),
            "{what}: git fsck --strict in {}: {}",
            dir.display(),
            String::from_utf8_lossy(&fsck.stderr)
        );
    }

    /// A repository `upstream` beside the checkout with one commit
    /// (`x.txt`), added as the submodule at `path` and committed.
    pub fn add_submodule(&self, upstream: &str, path: &str) -> PathBuf {
        let upstream = self.base().join(upstream);
        self.git_in(
            &self.base(),
            &["init", "-q", "-b", "main", upstream.to_str().unwrap()],
        );
        write(&upstream.join("x.txt"), "x\n");
        self.git_in(&upstream, &["add", "."]);
        self.git_in(&upstream, &["commit", "-qm", "x"]);
        self.git(&[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            upstream.to_str().unwrap(),
            path,
        ]);
        self.git(&["commit", "-qm", &format!("add {path}")]);
        upstream
    }

    /// A session `id` with a commit (`committed.txt`), `a_txt` staged as
    /// `a.txt` and an untracked `untracked.txt`; returns its worktree and
    /// the commit.
    pub fn session_with_work(&self, id: &str, a_txt: &str) -> (PathBuf, String) {
        let wt = self.new_session(&[id]);
        write(&wt.join("committed.txt"), "c\n");
        self.git_in(&wt, &["add", "committed.txt"]);
        self.git_in(&wt, &["commit", "-qm", "agent commit"]);
        let commit = self.git_in(&wt, &["rev-parse", "HEAD"]);
        write(&wt.join("a.txt"), a_txt);
        self.git_in(&wt, &["add", "a.txt"]);
        write(&wt.join("untracked.txt"), "u\n");
        (wt, commit)
    }

    /// The session's snapshot holds what [`TestRepo::session_with_work`]
    /// made: the commit, `a.txt` as `a_txt` and the untracked file.
    pub fn assert_work_saved(&self, id: &str, commit: &str, a_txt: &str, what: &str) {
        let snap = self.git(&["rev-parse", &format!("refs/agents/{id}/snapshot")]);
        assert_eq!(
            self.git(&["rev-parse", &format!("{snap}^1")]),
            commit,
            "{what}"
        );
        assert_eq!(
            self.git(&["show", &format!("{snap}:untracked.txt")]),
            "u",
            "{what}"
        );
        assert_eq!(
            self.git(&["show", &format!("{snap}:a.txt")]),
            a_txt.trim_end(),
            "{what}"
        );
    }

    /// A second clone of this repository, at `name` beside it, through a
    /// bare `remote.git` both share (this repository's `origin`).
    pub fn clone_through_origin(&self, name: &str) -> PathBuf {
        let remote = self.base().join("remote.git");
        self.git_in(
            &self.base(),
            &["init", "-q", "--bare", remote.to_str().unwrap()],
        );
        self.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
        self.git(&["push", "-q", "origin", "main"]);
        let other = self.base().join(name);
        self.git_in(
            &self.base(),
            &[
                "clone",
                "-q",
                "-b",
                "main",
                remote.to_str().unwrap(),
                other.to_str().unwrap(),
            ],
        );
        other
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

    /// A copy of the index of the worktree `dir`, beside the repository,
    /// for an oracle's `git add -A`: with the index's own time, since git
    /// takes entries as racily clean (and reads their files) by comparing
    /// with it, and so must the oracle.
    pub fn oracle_index(&self, dir: &Path) -> PathBuf {
        let index = self.git_in(
            dir,
            &["rev-parse", "--path-format=absolute", "--git-path", "index"],
        );
        let copy = self.base().join("oracle-index");
        std::fs::copy(&index, &copy).expect("copy the index");
        let modified = std::fs::metadata(&index).unwrap().modified().unwrap();
        std::fs::File::options()
            .write(true)
            .open(&copy)
            .and_then(|f| f.set_modified(modified))
            .expect("keep the index's time");
        copy
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

/// Run `cmd` to its end and return its output; panic with its stderr
/// unless it succeeded.
pub fn succeeds(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{:?} {:?}: {}",
        cmd.get_program(),
        cmd.get_args().collect::<Vec<_>>(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Wait until a git-agent started with a pause point reached it (its
/// pause file exists); fail after a minute.
pub fn wait_for_pause(file: &Path) {
    let start = std::time::Instant::now();
    while !file.exists() {
        assert!(
            start.elapsed().as_secs() < 60,
            "never paused at {}",
            file.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Wait for a spawned command and return its output; panic with its
/// stderr unless it succeeded.
pub fn finishes_ok(child: Child) -> Output {
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The scripted agent in `tests/fixtures/fake-agent` (see its header for
/// what it can be told to do).
pub fn fake_agent() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fake-agent")
        .display()
        .to_string()
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
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
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

/// Every file under `dir` (its `.git` file aside): path, kind, executable
/// bit and bytes (or link target), sorted. Directories are not listed: git
/// records no empty ones, so neither does a snapshot.
pub fn files(dir: &Path) -> Vec<(String, String)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if rel == ".git" {
                continue;
            }
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                out.push((rel, format!("link -> {}", target.display())));
            } else if meta.is_dir() {
                walk(root, &path, out);
            } else {
                let exec = meta.permissions().mode() & 0o111 != 0;
                let bytes = std::fs::read(&path).unwrap();
                out.push((rel, format!("file exec={exec} {bytes:?}")));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// A session worktree with every kind of change: a commit, staged,
/// staged-then-edited, unstaged, deleted (staged and not), untracked in a
/// new directory, binary, symlink, mode change, odd names.
pub fn busy_session(repo: &TestRepo, id: &str) -> std::path::PathBuf {
    let wt = repo.new_session(&[id]);
    write(&wt.join("committed.txt"), "committed\n");
    repo.git_in(&wt, &["add", "committed.txt"]);
    repo.git_in(&wt, &["commit", "-qm", "agent commit"]);
    write(&wt.join("staged.txt"), "staged\n");
    write(&wt.join("both.txt"), "staged version\n");
    repo.git_in(&wt, &["add", "staged.txt", "both.txt"]);
    write(&wt.join("both.txt"), "working version\n");
    write(&wt.join("a.txt"), "alpha\nBETA\ngamma\n");
    std::fs::remove_file(wt.join("src/lib.rs")).unwrap();
    repo.git_in(&wt, &["rm", "-q", "docs/guide.md"]);
    write(&wt.join("new dir/untracked é.txt"), "untracked\n");
    std::fs::write(wt.join("blob.bin"), [0u8, 159, 146, 150, 0, 255]).unwrap();
    std::os::unix::fs::symlink("a.txt", wt.join("link")).unwrap();
    write(&wt.join("tool.sh"), "#!/bin/sh\n");
    std::fs::set_permissions(wt.join("tool.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    wt
}

/// Point `refs/agents/<id>/meta` at a blob holding `meta`.
pub fn set_meta(repo: &TestRepo, id: &str, meta: &str) {
    let blob = hermetic("git", &repo.home)
        .args([
            "-C",
            repo.root.to_str().unwrap(),
            "hash-object",
            "-w",
            "--stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(meta.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    let blob = String::from_utf8(blob.stdout).unwrap();
    // As git-agent itself would: the blob is recorded as this clone's
    // before the ref points at it (else the session reads as fetched).
    let ledger = repo.root.join(".git/agents").join(id);
    std::fs::create_dir_all(&ledger).unwrap();
    let mut owned = std::fs::read_to_string(ledger.join("owned")).unwrap_or_default();
    owned.push_str(&format!("{}\n", blob.trim()));
    std::fs::write(ledger.join("owned"), owned).unwrap();
    repo.git(&["update-ref", &format!("refs/agents/{id}/meta"), blob.trim()]);
}

/// The tree `git add -A` stages in `wt`, into a copy of its index.
pub fn git_add_all_tree(repo: &TestRepo, wt: &Path) -> String {
    let index = repo.git_in(
        wt,
        &["rev-parse", "--path-format=absolute", "--git-path", "index"],
    );
    let copy = repo.base().join("oracle-index");
    std::fs::copy(&index, &copy).unwrap();
    let run = |args: &[&str]| {
        let out = succeeds(
            hermetic("git", &repo.home)
                .current_dir(wt)
                .env("GIT_INDEX_FILE", &copy)
                .args(args),
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    run(&["add", "-A"]);
    let tree = run(&["write-tree"]);
    std::fs::remove_file(&copy).unwrap();
    tree
}
