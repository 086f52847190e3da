//! Session ids: what a valid one is, and short generated ones.

use crate::error::{Context, Error, Result};
use crate::repo::Repo;

use super::{REF_ROOT, list};

/// A validated session id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Id(String);

impl Id {
    /// `[A-Za-z0-9][A-Za-z0-9._-]{0,63}` that is also a valid ref name component.
    pub fn parse(s: &str) -> Result<Id> {
        let invalid = |why: &str| {
            Error::refused(format!("invalid session id '{s}': {why}")).with_hint(
                "ids are 1 to 64 characters: letters, digits, '.', '_' and '-', starting with a letter or digit",
            )
        };
        let mut chars = s.chars();
        match chars.next() {
            None => return Err(invalid("it is empty")),
            Some(c) if !c.is_ascii_alphanumeric() => {
                return Err(invalid("it must start with a letter or digit"));
            }
            _ => {}
        }
        if s.len() > 64 {
            return Err(invalid("it is longer than 64 characters"));
        }
        if let Some(c) =
            chars.find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        {
            return Err(invalid(&format!("'{c}' is not allowed")));
        }
        if s.contains("..") || s.ends_with('.') || s.ends_with(".lock") {
            return Err(invalid(
                "it is not a valid git ref name component ('..', a trailing '.' or '.lock')",
            ));
        }
        Ok(Id(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn meta_ref(&self) -> String {
        format!("{REF_ROOT}{}/meta", self.0)
    }
    pub fn base_ref(&self) -> String {
        format!("{REF_ROOT}{}/base", self.0)
    }
    pub fn snapshot_ref(&self) -> String {
        format!("{REF_ROOT}{}/snapshot", self.0)
    }
    /// The history of the session's reviews (see `review::history`).
    pub fn reviews_ref(&self) -> String {
        format!("{REF_ROOT}{}/reviews", self.0)
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A short, easy-to-type id not used by any session yet.
pub fn generate_id(repo: &Repo) -> Result<Id> {
    const FIRST: &[&str] = &[
        "amber", "brisk", "calm", "dapper", "eager", "fuzzy", "gentle", "happy", "icy", "jolly",
        "keen", "lucky", "merry", "nimble", "olive", "proud", "quick", "rapid", "sunny", "tidy",
        "upbeat", "vivid", "witty", "zesty",
    ];
    const SECOND: &[&str] = &[
        "badger", "bison", "crane", "dingo", "eagle", "ferret", "gecko", "heron", "ibis", "jackal",
        "koala", "lemur", "marten", "newt", "otter", "panda", "quail", "raven", "stoat", "tapir",
        "urchin", "vole", "walrus", "yak",
    ];
    let taken: std::collections::HashSet<String> =
        list(repo)?.into_iter().map(|s| s.id.0).collect();
    let next = || getrandom::u64().context(|| "cannot read random bytes".to_string());
    for attempt in 0..200u32 {
        let a = FIRST[(next()? % FIRST.len() as u64) as usize];
        let b = SECOND[(next()? % SECOND.len() as u64) as usize];
        let candidate = if attempt < 50 {
            format!("{a}-{b}")
        } else {
            format!("{a}-{b}-{}", next()? % 1000)
        };
        let branch_taken =
            repo.branch_exists(&format!("{}{candidate}", repo.config.branch_prefix()));
        if !taken.contains(&candidate)
            && !branch_taken
            && !repo.worktree_root().join(&candidate).exists()
        {
            return Id::parse(&candidate);
        }
    }
    Err(Error::refused("could not generate a free session id")
        .with_hint("give one: git agent new <id>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_spec() {
        for ok in ["a", "fix-login", "A1.b_c-d", &"x".repeat(64)] {
            assert!(Id::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-x",
            ".x",
            "a/b",
            "a..b",
            "a.",
            "x.lock",
            "a b",
            "é",
            &"x".repeat(65),
            "a@{b",
        ] {
            assert!(Id::parse(bad).is_err(), "{bad}");
        }
    }
}
