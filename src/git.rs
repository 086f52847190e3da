//! The one place that starts `git` processes.
//!
//! gix reads refs, objects and config in-process; everything that changes a
//! working tree (worktree add/remove, read-tree, add, diff for people) runs
//! the real `git` through [`Git`], with stdin closed, inherited `GIT_DIR`,
//! `GIT_WORK_TREE` and `GIT_INDEX_FILE` removed, and `LC_ALL=C` so output we
//! parse is never translated.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::error::{Error, GitError, Result};

/// Variables that would make a child git act on another repository.
pub const SCRUBBED: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
    "GIT_PREFIX",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
];

/// A `git -C <dir>` invocation builder.
#[derive(Debug, Clone)]
pub struct Git {
    dir: PathBuf,
    envs: Vec<(OsString, OsString)>,
    configs: Vec<String>,
}

impl Git {
    /// Run git in `dir` (a worktree or git dir).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Git {
            dir: dir.into(),
            envs: Vec::new(),
            configs: Vec::new(),
        }
    }

    /// Set an environment variable for the child.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.envs
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Commit as `git-agent <git-agent@localhost>`: the identity of the
    /// commits and notes git-agent makes for itself.
    pub fn as_git_agent(self) -> Self {
        self.env("GIT_AUTHOR_NAME", "git-agent")
            .env("GIT_AUTHOR_EMAIL", "git-agent@localhost")
            .env("GIT_COMMITTER_NAME", "git-agent")
            .env("GIT_COMMITTER_EMAIL", "git-agent@localhost")
    }

    /// Pass `-c key=value` to the child.
    pub fn config(mut self, key_value: impl Into<String>) -> Self {
        self.configs.push(key_value.into());
        self
    }

    /// The full argument list: `-C <dir>`, the `-c` settings, then `args`.
    fn argv<I, S>(&self, args: I) -> (Vec<OsString>, usize)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut argv: Vec<OsString> = vec!["-C".into(), self.dir.clone().into()];
        for c in &self.configs {
            argv.push("-c".into());
            argv.push(c.into());
        }
        let own = argv.len();
        argv.extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        (argv, own)
    }

    /// The invocation (see the module docs); `parsed`: output git-agent
    /// reads, so never translated.
    fn expression(&self, argv: &[OsString], parsed: bool) -> duct::Expression {
        // duct applies an expression's settings from the outside in, so
        // the first one set wins: the caller's own variables first (a
        // `GIT_INDEX_FILE` it sets beats the scrubbing), then the rest.
        let mut expr = duct::cmd("git", argv);
        for (key, value) in &self.envs {
            expr = expr.env(key, value);
        }
        expr = if parsed {
            expr.env("LC_ALL", "C")
        } else {
            // Let git translate and page as it would for the user.
            expr.env_remove("LC_ALL")
        };
        for key in SCRUBBED {
            expr = expr.env_remove(key);
        }
        expr.unchecked()
    }

    /// Run and return the raw output, whatever the exit status.
    pub fn output<I, S>(&self, args: I) -> Result<Output>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let (argv, _) = self.argv(args);
        let start = std::time::Instant::now();
        let out = self
            .expression(&argv, true)
            .stdin_null()
            .stdout_capture()
            .stderr_capture()
            .run()
            .map_err(spawn_error);
        trace(&argv, start);
        out
    }

    /// Run, fail on a non-zero exit with git's own stderr, return stdout bytes.
    pub fn run_bytes<I, S>(&self, args: I) -> Result<Vec<u8>>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        let out = self.output(&args)?;
        succeeds(&args, out)
    }

    /// Like [`Git::run_bytes`], with stdout as text and the trailing newline trimmed.
    pub fn run<I, S>(&self, args: I) -> Result<String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let out = self.run_bytes(args)?;
        let mut s = String::from_utf8_lossy(&out).into_owned();
        while s.ends_with('\n') {
            s.pop();
        }
        Ok(s)
    }

    /// Run with `input` on stdin; fail on a non-zero exit.
    pub fn run_stdin<I, S>(&self, args: I, input: &[u8]) -> Result<String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let bytes = self.run_stdin_bytes(args, input)?;
        Ok(String::from_utf8_lossy(&bytes).trim_end().to_owned())
    }

    /// Like [`Git::run_stdin`] with raw bytes in and out.
    pub fn run_stdin_bytes<I, S>(&self, args: I, input: &[u8]) -> Result<Vec<u8>>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let (argv, own) = self.argv(args);
        let start = std::time::Instant::now();
        // duct writes stdin from a thread of its own, so a large input
        // cannot deadlock on a full stdout pipe.
        let out = self
            .expression(&argv, true)
            .stdin_bytes(input)
            .stdout_capture()
            .stderr_capture()
            .run()
            .map_err(spawn_error)?;
        trace(&argv, start);
        succeeds(&argv[own..], out)
    }

    /// Run with the terminal inherited (pager, colours); return the exit code.
    pub fn run_inherit<I, S>(&self, args: I) -> Result<i32>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let (argv, _) = self.argv(args);
        let out = self.expression(&argv, false).run().map_err(spawn_error)?;
        Ok(out.status.code().unwrap_or(1))
    }

    /// Like [`Git::run_inherit`], but git's stderr is kept back and
    /// returned, for a caller that puts its own words on a usage error.
    pub fn run_inherit_stderr<I, S>(&self, args: I) -> Result<(i32, Vec<u8>)>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let (argv, _) = self.argv(args);
        let out = self
            .expression(&argv, false)
            .stderr_capture()
            .run()
            .map_err(spawn_error)?;
        Ok((out.status.code().unwrap_or(1), out.stderr))
    }

    /// Run `sh -c <script>` in this directory (for `agent.postCreate`).
    pub fn shell(&self, script: &str) -> Result<()> {
        // The caller's variables first: the first setting wins in duct.
        let mut expr = duct::cmd("sh", ["-c", script]);
        for (key, value) in &self.envs {
            expr = expr.env(key, value);
        }
        for key in SCRUBBED {
            expr = expr.env_remove(key);
        }
        // Its output is talk for people: stdout stays for what scripts parse.
        let out = expr
            .dir(&self.dir)
            .stdin_null()
            .stdout_to_stderr()
            .unchecked()
            .run()
            .map_err(|e| Error::io(format!("cannot run `{script}`"), e))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(Error::refused(format!(
                "`{script}` failed ({})",
                out.status
            )))
        }
    }
}

/// Start the pager git chose (`git var GIT_PAGER`) the way git does: through
/// the shell, with `LESS=FRX` and `LV=-c` unless set, and `GIT_PAGER_IN_USE`
/// so the git commands it shows output of keep their colours.
pub fn spawn_pager(
    pager: &str,
) -> std::io::Result<(std::process::Child, std::process::ChildStdin)> {
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(pager).stdin(Stdio::piped());
    for (key, value) in [("LESS", "FRX"), ("LV", "-c")] {
        if std::env::var_os(key).is_none() {
            cmd.env(key, value);
        }
    }
    cmd.env("GIT_PAGER_IN_USE", "true");
    let mut child = cmd.spawn()?;
    let stdin = child
        .stdin
        .take()
        .ok_or_else(|| std::io::Error::other("the pager has no input"))?;
    Ok((child, stdin))
}

/// `GIT_AGENT_TRACE=1`: each git command and how long it took, on stderr.
fn trace(argv: &[OsString], start: std::time::Instant) {
    if std::env::var_os("GIT_AGENT_TRACE").is_some_and(|v| v == "1") {
        let args: Vec<_> = argv.iter().map(|a| a.to_string_lossy()).collect();
        eprintln!(
            "trace: {:>6.1} ms  git {}",
            start.elapsed().as_secs_f64() * 1000.0,
            args.join(" ")
        );
    }
}

fn spawn_error(e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        Error::refused("git is not installed or not on PATH")
    } else {
        Error::io("cannot run git", e)
    }
}

/// stdout of a command that exited 0; else a [`GitError`] holding `args`,
/// the status and git's stderr.
fn succeeds(args: &[OsString], out: Output) -> Result<Vec<u8>> {
    if out.status.success() {
        return Ok(out.stdout);
    }
    Err(Error::command(GitError {
        args: args.to_vec(),
        status: out.status.code(),
        stderr: out.stderr,
    }))
}

pub use crate::error::one_line;

/// The record under `<common dir>/worktrees/` that the linked worktree at
/// `path` names, when the two name each other as git makes them: `path` is
/// a directory (not a link) whose `.git` is a file `gitdir: <record>`, and
/// `<record>/gitdir` names that `.git` file back. A `.git` an agent
/// deleted, or replaced with a repository of its own, names none.
pub fn linked_record(path: &Path) -> Option<PathBuf> {
    if !path.symlink_metadata().is_ok_and(|m| m.is_dir()) {
        return None;
    }
    let link = path.join(".git");
    if !link.symlink_metadata().is_ok_and(|m| m.is_file()) {
        return None;
    }
    let text = std::fs::read_to_string(&link).ok()?;
    let record = PathBuf::from(text.strip_prefix("gitdir:")?.trim());
    let back = std::fs::read_to_string(record.join("gitdir")).ok()?;
    let back = Path::new(back.trim());
    // git writes both paths absolute: compare them as written first (as
    // `list` does this for every session), canonical only when they differ.
    (back == link || tidy(back) == tidy(&link)).then_some(record)
}

/// A path as git printed it, byte for byte.
pub fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(OsString::from_vec(bytes))
}

/// Canonical form of a path for comparing and printing (falls back to the input).
pub fn tidy(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::one_line;

    /// A variable the caller sets reaches git even when it is one of the
    /// scrubbed ones; parsed output is never translated.
    #[test]
    fn the_callers_variables_beat_the_scrubbing() {
        let dir = tempfile::tempdir().unwrap();
        let probe = |git: super::Git| {
            git.config("alias.probe=!printf '%s|%s' \"$GIT_INDEX_FILE\" \"$LC_ALL\"")
                .run(["probe"])
                .unwrap()
        };
        let chosen = super::Git::new(dir.path()).env("GIT_INDEX_FILE", "/chosen/index");
        assert_eq!(probe(chosen), "/chosen/index|C");
        assert_eq!(probe(super::Git::new(dir.path())), "|C");
    }

    #[test]
    fn git_s_messages_read_as_one_line() {
        let stderr = b"fatal: 'nowhere' does not appear to be a git repository\n\
            fatal: Could not read from remote repository.\n\n\
            Please make sure you have the correct access rights\n\
            and the repository exists.\n";
        assert_eq!(
            one_line(stderr),
            "'nowhere' does not appear to be a git repository; Could not read from remote \
             repository. Please make sure you have the correct access rights and the \
             repository exists."
        );
        assert_eq!(one_line(b"\n  \n"), "");
    }
}
