//! Errors for people: every failure becomes one `error:` line, an optional
//! `hint:` line, and an exit code (1 refused or failed, 2 usage), decided
//! here at the boundary from what kind of failure it is.
//!
//! The kinds mean something to the code that meets them: a refusal is the
//! user's to fix, `Busy` is a race or a held lock (worth a retry), `Git`
//! carries the failed command, its exit status and what it said (so a
//! caller can tell git's "the ref moved" from a full disk without matching
//! message text), `Io` names what was being done, and `Internal` is a
//! broken invariant: a bug.

use std::ffi::OsString;
use std::fmt;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, for the user, with the cause kept as a source chain.
#[derive(Debug)]
pub struct Error {
    pub kind: Kind,
    pub message: String,
    pub hint: Option<String>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// What kind of failure, sorted by how the user (or the caller) should react.
#[derive(Debug)]
pub enum Kind {
    /// Refused: bad id, wrong state, conflict, unusable repository. Exit 1.
    Refused,
    /// Bad usage beyond what the argument parser catches. Exit 2.
    Usage,
    /// Someone else holds a lock we need, or changed what we were about to
    /// change: running the command again may succeed. Exit 1.
    Busy,
    /// A git command failed. Exit 1.
    Git(GitError),
    /// A file-system operation failed (the message says on what). Exit 1.
    Io(std::io::ErrorKind),
    /// A library call failed unexpectedly or an invariant broke. Exit 1.
    Internal,
}

/// A git command that failed: what ran, how it ended, what it said.
#[derive(Debug, Clone)]
pub struct GitError {
    /// The arguments after `git -C <dir>` (and any `-c` settings).
    pub args: Vec<OsString>,
    /// Its exit code; `None` when a signal ended it.
    pub status: Option<i32>,
    /// What it printed on stderr.
    pub stderr: Vec<u8>,
}

impl GitError {
    /// The git verb (the first argument that is not an option).
    pub fn verb(&self) -> String {
        self.args
            .iter()
            .map(|a| a.to_string_lossy())
            .find(|a| !a.starts_with('-'))
            .unwrap_or_default()
            .into_owned()
    }

    /// What git said, as text.
    pub fn said(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Did a ref update fail because the ref was not what it was expected
    /// to be (it exists, or moved, or another process holds its lock)?
    /// Anything else — a full disk, a corrupt object — is not a race.
    pub fn is_ref_race(&self) -> bool {
        let said = self.said();
        said.contains("cannot lock ref")
            || said.contains("reference already exists")
            || said.contains("but expected")
            || (said.contains("Unable to create") && said.contains(".lock"))
    }
}

impl fmt::Display for GitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "git {} failed: {}", self.verb(), one_line(&self.stderr))
    }
}

impl std::error::Error for GitError {}

impl Error {
    fn of(kind: Kind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            hint: None,
            source: None,
        }
    }
    pub fn refused(message: impl Into<String>) -> Self {
        Error::of(Kind::Refused, message)
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Error::of(Kind::Usage, message)
    }
    pub fn busy(message: impl Into<String>) -> Self {
        Error::of(Kind::Busy, message)
    }
    /// A broken invariant or an unexpected failure of a library (gix, toml…).
    pub fn internal(message: impl Into<String>) -> Self {
        Error::of(Kind::Internal, message)
    }
    /// A failed git command.
    pub fn command(failed: GitError) -> Self {
        let message = failed.to_string();
        Error::of(Kind::Git(failed), message)
    }
    /// A file-system operation on something failed: `doing` says what
    /// ("cannot write /x/y"), the cause is kept as the source.
    pub fn io(doing: impl Into<String>, e: std::io::Error) -> Self {
        let message = format!("{}: {e}", doing.into());
        Error::of(Kind::Io(e.kind()), message).caused_by(e)
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    /// Keep `cause` as this error's source.
    pub fn caused_by(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(cause));
        self
    }
    /// The failed git command, when this is one.
    pub fn git_failure(&self) -> Option<&GitError> {
        match &self.kind {
            Kind::Git(failed) => Some(failed),
            _ => None,
        }
    }
    /// Is this a race lost to another process (see [`GitError::is_ref_race`])?
    pub fn is_race(&self) -> bool {
        matches!(self.kind, Kind::Busy) || self.git_failure().is_some_and(GitError::is_ref_race)
    }
    /// This error, or — when it is a race lost to another process — the
    /// error `race` makes, which says so in the caller's words.
    pub fn race_as(self, race: impl FnOnce() -> Error) -> Error {
        if self.is_race() { race() } else { self }
    }
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            Kind::Usage => 2,
            Kind::Refused | Kind::Busy | Kind::Git(_) | Kind::Io(_) | Kind::Internal => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            Kind::Git(failed) => Some(failed),
            _ => self
                .source
                .as_deref()
                .map(|e| e as &(dyn std::error::Error + 'static)),
        }
    }
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

/// Wrap any library error (gix, toml…) as an unexpected failure, saying
/// what was being done and keeping the cause as the source.
pub trait Context<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T, E: std::error::Error + Send + Sync + 'static> Context<T> for std::result::Result<T, E> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| Error::internal(format!("{}: {e}", what())).caused_by(e))
    }
}

/// Wrap a file-system error with what was being done (see [`Error::io`]).
pub trait IoContext<T> {
    fn doing(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn doing(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| Error::io(what(), e))
    }
}

#[cfg(test)]
mod tests {
    use crate::git::Git;

    /// What the real git says when a ref update fails, and how it reads.
    #[test]
    fn only_a_ref_that_moved_or_exists_is_a_race() {
        let dir = tempfile::tempdir().unwrap();
        let git = Git::new(dir.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1");
        git.run(["init", "-q"]).unwrap();
        let blob = git
            .run_stdin(["hash-object", "-w", "--stdin"], b"x\n")
            .unwrap();
        let other = git
            .run_stdin(["hash-object", "-w", "--stdin"], b"y\n")
            .unwrap();
        let zero = "0".repeat(40);
        git.run(["update-ref", "refs/agents/a/meta", &blob, &zero])
            .unwrap();
        let update = |script: String| {
            git.run_stdin(["update-ref", "--stdin"], script.as_bytes())
                .unwrap_err()
        };
        // Created twice, and moved since it was read: races.
        let exists = update(format!("update refs/agents/a/meta {blob} {zero}\n"));
        assert!(exists.is_race(), "{exists}");
        let moved = update(format!("update refs/agents/a/meta {other} {other}\n"));
        assert!(moved.is_race(), "{moved}");
        assert_eq!(moved.git_failure().unwrap().verb(), "update-ref");
        // An object that is not there: not a race, and said as git said it.
        let missing = update(format!(
            "update refs/agents/a/meta {} {blob}\n",
            "1".repeat(40)
        ));
        assert!(!missing.is_race(), "{missing}");
        assert!(missing.message.starts_with("git update-ref failed: "));
        let named = missing.race_as(|| super::Error::busy("busy"));
        assert!(!matches!(named.kind, super::Kind::Busy));
    }
}
