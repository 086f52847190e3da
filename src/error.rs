//! Errors for people: every failure becomes one `error:` line, an optional
//! `hint:` line, and an exit code (1 refused or failed, 2 usage).

use std::fmt;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, sorted by how the user should react.
#[derive(Debug)]
pub struct Error {
    pub kind: Kind,
    pub message: String,
    pub hint: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Refused or failed: bad id, wrong state, conflict, unusable repository. Exit 1.
    Refused,
    /// Bad usage beyond what the argument parser catches. Exit 2.
    Usage,
    /// A git command or library call failed unexpectedly. Exit 1.
    Git,
    /// Someone else holds a lock we need. Exit 1.
    Busy,
}

impl Error {
    pub fn refused(message: impl Into<String>) -> Self {
        Error {
            kind: Kind::Refused,
            message: message.into(),
            hint: None,
        }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Error {
            kind: Kind::Usage,
            message: message.into(),
            hint: None,
        }
    }
    pub fn git(message: impl Into<String>) -> Self {
        Error {
            kind: Kind::Git,
            message: message.into(),
            hint: None,
        }
    }
    pub fn busy(message: impl Into<String>) -> Self {
        Error {
            kind: Kind::Busy,
            message: message.into(),
            hint: None,
        }
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            Kind::Usage => 2,
            Kind::Refused | Kind::Git | Kind::Busy => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Wrap any library error (gix, io, toml…) as a git-level failure with context.
pub trait Context<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T, E: fmt::Display> Context<T> for std::result::Result<T, E> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| Error::git(format!("{}: {e}", what())))
    }
}
