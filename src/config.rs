//! Every `agent.*` configuration key, declared once.
//!
//! Values come from git's own configuration files through gix, with the
//! `git -c key=value agent …` overrides (passed by git in
//! `GIT_CONFIG_PARAMETERS`, which gix does not read) applied on top.

use std::borrow::Cow;

/// One configuration key: its name as users write it, default and meaning.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    pub name: &'static str,
    pub default: Option<&'static str>,
    pub meaning: &'static str,
}

pub const WORKTREE_DIR: Key = Key {
    name: "agent.worktreeDir",
    default: Some(".worktrees"),
    meaning: "where session worktrees go (relative paths are relative to the main worktree)",
};
pub const BRANCH_PREFIX: Key = Key {
    name: "agent.branchPrefix",
    default: Some("agent/"),
    meaning: "prefix of session branch names",
};
pub const DEFAULT_AGENT: Key = Key {
    name: "agent.default",
    default: None,
    meaning: "agent used by -a without a name and by new -m",
};
pub const AGENT_COMMAND: Key = Key {
    name: "agent.<name>.command",
    default: None,
    meaning: "command line for that agent (built-ins for codex, claude, opencode, aider, gemini)",
};
pub const COPY: Key = Key {
    name: "agent.copy",
    default: None,
    meaning: "multi-valued: ignored files to copy into new worktrees (globs relative to the main worktree)",
};
pub const POST_CREATE: Key = Key {
    name: "agent.postCreate",
    default: None,
    meaning: "shell command run in a new worktree before any run",
};
pub const AUTO_COMMIT: Key = Key {
    name: "agent.autoCommit",
    default: Some("false"),
    meaning: "commit leftovers on the session branch when a run ends",
};
pub const TIMEOUT: Key = Key {
    name: "agent.timeout",
    default: None,
    meaning: "default run timeout (30s, 10m, 2h; a bare number is seconds)",
};
pub const GC_EXPIRE: Key = Key {
    name: "agent.gcExpire",
    default: Some("2.weeks.ago"),
    meaning: "how long kept and discarded sessions stay recoverable",
};
pub const REVIEWER: Key = Key {
    name: "agent.reviewer",
    default: None,
    meaning: "agent `review` runs (default: agent.default)",
};
pub const REVIEW_CHECKLIST: Key = Key {
    name: "agent.reviewChecklist",
    default: None,
    meaning: "file whose text replaces the reviewer's built-in checklist (relative paths are relative to the main worktree)",
};
pub const NOTIFY: Key = Key {
    name: "agent.notify",
    default: None,
    meaning: "shell command run when a run ends (GIT_AGENT_ID, GIT_AGENT_STATE, GIT_AGENT_EXIT_CODE, GIT_AGENT_REASON set)",
};

pub const POOL: Key = Key {
    name: "agent.pool",
    default: Some("0"),
    meaning: "spare worktrees kept checked out and ready, so new does not wait for a checkout",
};

/// All keys, in the order the README and man page list them.
pub const KEYS: &[Key] = &[
    WORKTREE_DIR,
    BRANCH_PREFIX,
    DEFAULT_AGENT,
    AGENT_COMMAND,
    COPY,
    POST_CREATE,
    AUTO_COMMIT,
    TIMEOUT,
    GC_EXPIRE,
    REVIEWER,
    REVIEW_CHECKLIST,
    NOTIFY,
    POOL,
];

/// Configuration as seen by one invocation.
pub struct Config {
    file: gix::config::File,
    overrides: Vec<(String, Option<String>)>,
}

impl Config {
    /// Read from `repo`, with `GIT_CONFIG_PARAMETERS` on top.
    pub fn load(repo: &gix::Repository) -> Config {
        let overrides = std::env::var("GIT_CONFIG_PARAMETERS")
            .map(|s| parse_parameters(&s))
            .unwrap_or_default();
        // A snapshot borrows the repository; keep an owned copy of the config.
        let file = repo.config_snapshot().plumbing().clone();
        Config { file, overrides }
    }

    /// The last value of `key`, `git -c` overrides winning.
    pub fn string(&self, key: &str) -> Option<String> {
        let wanted = normalize(key);
        if let Some((_, v)) = self.overrides.iter().rev().find(|(k, _)| *k == wanted) {
            return Some(v.clone().unwrap_or_default());
        }
        self.file.string(key).map(|v| v.to_string())
    }

    /// Every value of a multi-valued `key`, files first, then overrides.
    pub fn strings(&self, key: &str) -> Vec<String> {
        let wanted = normalize(key);
        let mut values: Vec<String> = self
            .file
            .strings(key)
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.to_string())
            .collect();
        values.extend(
            self.overrides
                .iter()
                .filter(|(k, _)| *k == wanted)
                .map(|(_, v)| v.clone().unwrap_or_default()),
        );
        values
    }

    /// A boolean the way git reads one (`true/yes/on/1`, a bare key is true).
    pub fn boolean(&self, key: &str) -> Result<Option<bool>, String> {
        let wanted = normalize(key);
        if let Some((_, v)) = self.overrides.iter().rev().find(|(k, _)| *k == wanted) {
            return match v.as_deref().map(str::to_ascii_lowercase).as_deref() {
                None | Some("true" | "yes" | "on" | "1") => Ok(Some(true)),
                Some("false" | "no" | "off" | "0" | "") => Ok(Some(false)),
                Some(other) => Err(format!("bad boolean value '{other}' for {key}")),
            };
        }
        self.file
            .boolean(key)
            .map_err(|e| format!("bad boolean value for {key}: {e}"))
    }

    pub fn worktree_dir(&self) -> String {
        self.string(WORKTREE_DIR.name)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| WORKTREE_DIR.default.unwrap_or(".worktrees").into())
    }

    pub fn branch_prefix(&self) -> String {
        self.string(BRANCH_PREFIX.name)
            .unwrap_or_else(|| BRANCH_PREFIX.default.unwrap_or("agent/").into())
    }

    pub fn post_create(&self) -> Option<String> {
        self.string(POST_CREATE.name)
            .filter(|s| !s.trim().is_empty())
    }

    pub fn gc_expire(&self) -> String {
        self.string(GC_EXPIRE.name)
            .unwrap_or_else(|| GC_EXPIRE.default.unwrap_or("2.weeks.ago").into())
    }
}

/// `Section.sub.Name` → `section.sub.name` (section and name are case-insensitive).
fn normalize(key: &str) -> String {
    let mut parts: Vec<Cow<str>> = key.split('.').map(Cow::Borrowed).collect();
    if let Some(first) = parts.first_mut() {
        *first = Cow::Owned(first.to_ascii_lowercase());
    }
    if parts.len() > 1
        && let Some(last) = parts.last_mut()
    {
        *last = Cow::Owned(last.to_ascii_lowercase());
    }
    parts.join(".")
}

/// Parse git's `GIT_CONFIG_PARAMETERS`: shell-single-quoted entries, either
/// `'key'='value'` (git ≥ 2.31) or `'key=value'` (older), separated by spaces.
pub fn parse_parameters(s: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(first) = dequote(&mut chars) else {
            break;
        };
        if chars.peek() == Some(&'=') {
            chars.next();
            let value = dequote(&mut chars).unwrap_or_default();
            out.push((normalize(&first), Some(value)));
        } else if let Some((k, v)) = first.split_once('=') {
            out.push((normalize(k), Some(v.to_owned())));
        } else {
            out.push((normalize(&first), None));
        }
    }
    out
}

/// One sq-quoted word: `'…'` segments joined by `\'`.
fn dequote(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<String> {
    if chars.peek() != Some(&'\'') {
        return None;
    }
    let mut word = String::new();
    while chars.peek() == Some(&'\'') {
        chars.next();
        for c in chars.by_ref() {
            if c == '\'' {
                break;
            }
            word.push(c);
        }
        // `'\''` continues the word with a literal quote.
        let mut look = chars.clone();
        if look.next() == Some('\\') && look.next() == Some('\'') {
            chars.next();
            chars.next();
            word.push('\'');
        }
    }
    Some(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_new_and_old_parameter_forms() {
        let p =
            parse_parameters("'agent.worktreeDir'='wt' 'Agent.BranchPrefix=x/' 'agent.autocommit'");
        assert_eq!(
            p,
            vec![
                ("agent.worktreedir".into(), Some("wt".into())),
                ("agent.branchprefix".into(), Some("x/".into())),
                ("agent.autocommit".into(), None),
            ]
        );
    }

    #[test]
    fn parses_quotes_inside_values_and_keeps_subsection_case() {
        let p = parse_parameters(r"'agent.Codex.command'='codex exec '\''x'\'''");
        assert_eq!(
            p,
            vec![("agent.Codex.command".into(), Some("codex exec 'x'".into()))]
        );
    }
}
