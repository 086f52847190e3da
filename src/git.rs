//! The one place that starts `git` processes.
//!
//! gix reads refs, objects and config in-process; everything that changes a
//! working tree (worktree add/remove, read-tree, add, diff for people) runs
//! the real `git` through [`Git`], with stdin closed, inherited `GIT_DIR`,
//! `GIT_WORK_TREE` and `GIT_INDEX_FILE` removed, and `LC_ALL=C` so output we
//! parse is never translated.

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::error::{Error, Result};

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

    fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new("git");
        for key in SCRUBBED {
            cmd.env_remove(key);
        }
        cmd.env("LC_ALL", "C");
        cmd.envs(self.envs.iter().map(|(k, v)| (k, v)));
        cmd.arg("-C").arg(&self.dir);
        for c in &self.configs {
            cmd.arg("-c").arg(c);
        }
        cmd.args(args);
        cmd
    }

    /// Run and return the raw output, whatever the exit status.
    pub fn output<I, S>(&self, args: I) -> Result<Output>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = self.command(args);
        cmd.stdin(Stdio::null());
        let start = std::time::Instant::now();
        let out = cmd.output().map_err(spawn_error);
        trace(&cmd, start);
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
        check(&args, out)
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
        let args: Vec<OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        let mut cmd = self.command(&args);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let start = std::time::Instant::now();
        let mut child = cmd.spawn().map_err(spawn_error)?;
        let writer = child.stdin.take().map(|mut stdin| {
            let input = input.to_vec();
            // A separate thread so a large input cannot deadlock on a full stdout pipe.
            std::thread::spawn(move || stdin.write_all(&input))
        });
        let out = child.wait_with_output().map_err(spawn_error)?;
        if let Some(writer) = writer {
            let _ = writer.join();
        }
        trace(&cmd, start);
        check(&args, out)
    }

    /// Run with the terminal inherited (pager, colours); return the exit code.
    pub fn run_inherit<I, S>(&self, args: I) -> Result<i32>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = self.command(args);
        // Let git translate and page as it would for the user.
        cmd.env_remove("LC_ALL");
        let status = cmd.status().map_err(spawn_error)?;
        Ok(status.code().unwrap_or(1))
    }

    /// Like [`Git::run_inherit`], but git's stderr is kept back and
    /// returned, for a caller that puts its own words on a usage error.
    pub fn run_inherit_stderr<I, S>(&self, args: I) -> Result<(i32, Vec<u8>)>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = self.command(args);
        cmd.env_remove("LC_ALL").stderr(Stdio::piped());
        let out = cmd
            .spawn()
            .and_then(|c| c.wait_with_output())
            .map_err(spawn_error)?;
        Ok((out.status.code().unwrap_or(1), out.stderr))
    }

    /// Run `sh -c <script>` in this directory (for `agent.postCreate`).
    pub fn shell(&self, script: &str) -> Result<()> {
        let mut cmd = Command::new("sh");
        for key in SCRUBBED {
            cmd.env_remove(key);
        }
        cmd.envs(self.envs.iter().map(|(k, v)| (k, v)));
        // Its output is talk for people: stdout stays for what scripts parse.
        cmd.arg("-c")
            .arg(script)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(std::io::stderr());
        let status = cmd
            .status()
            .map_err(|e| Error::git(format!("cannot run `{script}`: {e}")))?;
        if status.success() {
            Ok(())
        } else {
            Err(Error::refused(format!("`{script}` failed ({status})")))
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
fn trace(cmd: &Command, start: std::time::Instant) {
    if std::env::var_os("GIT_AGENT_TRACE").is_some_and(|v| v == "1") {
        let args: Vec<_> = cmd.get_args().map(|a| a.to_string_lossy()).collect();
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
        Error::git(format!("cannot run git: {e}"))
    }
}

fn check(args: &[OsString], out: Output) -> Result<Vec<u8>> {
    if out.status.success() {
        return Ok(out.stdout);
    }
    let verb = args
        .iter()
        .map(|a| a.to_string_lossy())
        .find(|a| !a.starts_with('-'))
        .unwrap_or_default()
        .into_owned();
    Err(Error::git(format!(
        "git {verb} failed: {}",
        one_line(&out.stderr)
    )))
}

/// What git said on stderr as one sentence: its lines joined, blank ones
/// and `fatal:`/`error:` labels dropped.
pub fn one_line(stderr: &[u8]) -> String {
    String::from_utf8_lossy(stderr)
        .lines()
        .map(|l| {
            l.trim_start_matches("fatal: ")
                .trim_start_matches("error: ")
                .trim()
        })
        .filter(|l| !l.is_empty())
        .fold(String::new(), |mut text, line| {
            if !text.is_empty() {
                // A line that goes on a wrapped sentence, or follows one that
                // ended, takes a space; a new message takes "; ".
                let goes_on = line.starts_with(|c: char| c.is_lowercase());
                let ended = text.ends_with(['.', '!', '?', ':', ';']);
                text += if goes_on || ended { " " } else { "; " };
            }
            text + line
        })
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
