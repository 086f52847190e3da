//! `git agent diff <id> [git diff options…] [-- paths…]`: the whole change
//! against the base, printed by `git diff` itself so options, pager and
//! colours behave exactly like git. The session's index and files are only
//! read (the snapshot goes through a temporary index).

use std::path::PathBuf;

use crate::cli::{ColorWhen, DiffArgs};
use crate::error::{Error, Result};
use crate::git::Git;
use crate::repo::Repo;
use crate::session::{self, Session};
use crate::snapshot;

pub fn run(repo: &Repo, args: &DiffArgs, color: ColorWhen) -> Result<i32> {
    let (id, options, paths) = parse(repo, &args.args)?;
    let session = session::resolve(repo, id.as_deref())?;
    let (dir, target) = source(repo, &session)?;
    if let Some(path) = session.path() {
        for sub in crate::submodule::dirty(path) {
            crate::output::warn(&format!(
                "submodule '{sub}' has uncommitted changes of its own, which this diff does not show (keep and discard refuse until they are committed)"
            ));
        }
    }
    warn_out_of_scope(repo, &session, target)?;
    let argv = git_diff_args(color, &options, session.base, target, paths);
    // git already printed any complaint; keep its 0/1 (`--exit-code`) and
    // map its usage error (129) to ours.
    let mut git = Git::new(subdirectory(repo, dir));
    if crate::pager::disabled(&repo.config) {
        git = git.env("GIT_PAGER", "cat");
    }
    let (code, stderr) = git.run_inherit_stderr(&argv)?;
    Ok(exit_code(code, &stderr, &options))
}

/// The session id (if given), the `git diff` options and the paths, from
/// the words after `diff`; refused when a word is a revision or an option
/// would write a file or show less than the whole change.
fn parse<'a>(
    repo: &Repo,
    given: &'a [String],
) -> Result<(Option<String>, Vec<String>, &'a [String])> {
    let (before, paths) = match given.iter().position(|a| a == "--") {
        Some(i) => (&given[..i], &given[i + 1..]),
        None => (given, &[][..]),
    };
    let (options, mut words) = split_words(before);
    // The id comes first; after options it is still taken when it names a
    // session exactly (`diff --stat x`). Any other word is a revision,
    // which makes no sense here.
    let id_at = words.iter().position(|(at, _)| *at == 0).or_else(|| {
        words.iter().position(|(_, w)| {
            session::Id::parse(w)
                .is_ok_and(|id| session::resolve_exact(repo, &id).is_ok_and(|s| s.is_some()))
        })
    });
    let id = id_at.map(|i| words.remove(i).1);
    if let Some((_, word)) = words.first() {
        return Err(Error::usage(format!(
            "unexpected '{word}': git agent diff compares a session with its base, so it takes no revisions"
        ))
        .with_hint("put paths after `--`: git agent diff <id> [<options>] -- <paths>"));
    }
    // git diff runs in the session's worktree (a relative `--output` would
    // land there, in the change being shown), and `diff` promises to write
    // nothing: its output is for stdout alone.
    if let Some(output) = options
        .iter()
        .find(|a| *a == "--output" || a.starts_with("--output="))
    {
        return Err(Error::usage(format!(
            "git agent diff only prints, it never writes a file: {output} is not taken"
        ))
        .with_hint("redirect instead: git agent diff <id> > file.patch"));
    }
    if let Some(staged) = options
        .iter()
        .find(|a| matches!(a.as_str(), "--cached" | "--staged" | "--merge-base"))
    {
        return Err(Error::usage(format!(
            "{staged} does not apply: git agent diff always shows the whole change — commits, staged, unstaged and untracked files"
        )));
    }
    Ok((id, options, paths))
}

/// Options (with the value of one that takes it as the next word, as
/// `-S text`, `--diff-filter M`) and other words, each word with the number
/// of options before it.
fn split_words(before: &[String]) -> (Vec<String>, Vec<(usize, String)>) {
    let mut options: Vec<String> = Vec::new();
    let mut words: Vec<(usize, String)> = Vec::new();
    let mut given = before.iter();
    while let Some(arg) = given.next() {
        if arg.starts_with('-') {
            options.push(arg.clone());
            if TAKES_VALUE.contains(&arg.as_str())
                && let Some(value) = given.next()
            {
                options.push(value.clone());
            }
        } else {
            words.push((options.len(), arg.clone()));
        }
    }
    (options, words)
}

/// Where git diff runs and the tree it compares the base with: the live
/// worktree's state, or the snapshot when the worktree is gone (or broken).
fn source(repo: &Repo, session: &Session) -> Result<(PathBuf, gix::ObjectId)> {
    match session.path() {
        Some(path) if session.state(repo) != session::State::Broken => {
            Ok((path.to_path_buf(), snapshot::capture(repo, path)?.full_tree))
        }
        _ => {
            let snap = session.snapshot.ok_or_else(|| {
                Error::refused(format!(
                    "session '{}' has no worktree and no snapshot to diff",
                    session.id
                ))
            })?;
            Ok((repo.main_worktree.clone(), snap))
        }
    }
}

/// Warn when the change reaches outside the session's `--scope`.
fn warn_out_of_scope(repo: &Repo, session: &Session, target: gix::ObjectId) -> Result<()> {
    if session.meta.scope.is_empty() {
        return Ok(());
    }
    let paths = snapshot::changes(repo, session.base, target)?.paths;
    let outside = crate::view::out_of_scope(&session.meta.scope, &paths);
    if !outside.is_empty() {
        let quote = |paths: &[String]| {
            let quoted: Vec<_> = paths.iter().map(|p| crate::output::quote_path(p)).collect();
            quoted.join(", ")
        };
        anstream::eprintln!(
            "warning: {} changed path{} outside the session's scope ({}): {}",
            outside.len(),
            if outside.len() == 1 { "" } else { "s" },
            quote(&session.meta.scope),
            quote(&outside)
        );
    }
    Ok(())
}

/// The `git diff` command line: `--color` given to git-agent (before the
/// verb, or taken as ours before the id) is passed on; git decides
/// everything else as it always does.
fn git_diff_args(
    color: ColorWhen,
    options: &[String],
    base: gix::ObjectId,
    target: gix::ObjectId,
    paths: &[String],
) -> Vec<String> {
    let mut argv: Vec<String> = vec!["diff".into()];
    let has_color = options
        .iter()
        .any(|o| o.starts_with("--color") || o == "--no-color");
    match color {
        ColorWhen::Always if !has_color => argv.push("--color=always".into()),
        ColorWhen::Never if !has_color => argv.push("--color=never".into()),
        _ => {}
    }
    argv.extend(options.iter().cloned());
    argv.push(base.to_string());
    argv.push(target.to_string());
    argv.push("--".into());
    argv.extend(paths.iter().cloned());
    argv
}

/// Paths are relative to where you are, as in `git diff`: run it in the
/// same subdirectory of `dir` (the session's worktree).
fn subdirectory(repo: &Repo, dir: PathBuf) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| {
            let prefix = crate::git::tidy(&cwd);
            let prefix = prefix.strip_prefix(&repo.current_worktree).ok()?;
            Some(dir.join(prefix))
        })
        .filter(|sub| sub.is_dir())
        .unwrap_or(dir)
}

/// Pass on what git said and its 0/1; its usage error (129) becomes ours.
fn exit_code(code: i32, stderr: &[u8], options: &[String]) -> i32 {
    // git's complaint, without the forty lines of `git diff` usage after it.
    let said = String::from_utf8_lossy(stderr);
    let said = if code == 129 {
        said.lines()
            .filter(|l| l.starts_with("error:") || l.starts_with("fatal:"))
            .map(|l| format!("{l}\n"))
            .collect()
    } else {
        said.into_owned()
    };
    if said.trim() != "" {
        anstream::eprint!("{said}");
    }
    match code {
        code @ (0 | 1) => code,
        129 => {
            let given = options.join(" ");
            crate::output::report(
                &Error::usage(format!("git diff did not accept the options '{given}'"))
                    .with_hint("git agent diff <id> takes the options of `git diff`"),
            );
            2
        }
        _ => 1,
    }
}

/// `git diff` options whose value may come as the next word.
const TAKES_VALUE: &[&str] = &[
    "-S",
    "-G",
    "-O",
    "-I",
    "-l",
    "--diff-filter",
    "--find-object",
    "--anchored",
    "--diff-algorithm",
    "--output",
    "--output-indicator-new",
    "--output-indicator-old",
    "--output-indicator-context",
    "--line-prefix",
    "--src-prefix",
    "--dst-prefix",
    "--word-diff-regex",
    "--ignore-matching-lines",
    "--inter-hunk-context",
    "--stat-width",
    "--stat-name-width",
    "--stat-graph-width",
    "--stat-count",
    "--color-moved-ws",
    "--ws-error-highlight",
    "--skip-to",
    "--rotate-to",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn option_values_are_not_words() {
        let (options, words) = split_words(&words("--stat x -S text --diff-filter M y"));
        assert_eq!(options, ["--stat", "-S", "text", "--diff-filter", "M"]);
        assert_eq!(words, [(1, "x".to_owned()), (5, "y".to_owned())]);
    }

    #[test]
    fn the_git_diff_line_compares_base_with_the_change() {
        let base = gix::ObjectId::from_hex(&[b'1'; 40]).unwrap();
        let target = gix::ObjectId::from_hex(&[b'2'; 40]).unwrap();
        let paths = words("src");
        let argv = git_diff_args(ColorWhen::Always, &words("--stat"), base, target, &paths);
        assert_eq!(
            argv,
            [
                "diff",
                "--color=always",
                "--stat",
                &base.to_string(),
                &target.to_string(),
                "--",
                "src"
            ]
        );
        // A colour option given to git diff itself wins.
        let argv = git_diff_args(ColorWhen::Never, &words("--no-color"), base, target, &[]);
        assert_eq!(argv[1], "--no-color");
    }
}
