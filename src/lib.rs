//! git-agent: one worktree and branch per AI coding agent, all state in the
//! repository. `main.rs` only calls [`main_with_args`].

pub mod board;
pub mod cli;
pub mod commands;
pub mod commit;
pub mod completion;
pub mod config;
pub mod copy;
pub mod error;
pub mod fault;
pub mod fleet;
pub mod git;
pub mod keeping;
pub mod land;
pub mod livestat;
pub mod merge;
pub mod notes;
pub mod notify;
pub mod output;
pub mod pager;
pub mod paths;
pub mod pool;
pub mod process;
pub mod repo;
pub mod restore;
pub mod review;
pub mod runs;
pub mod session;
pub mod snapshot;
pub mod statcache;
pub mod submodule;
pub mod time;
pub mod treediff;
pub mod usage;
pub mod verdict;
pub mod view;
pub mod worktree;

use std::ffi::OsString;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::Error;
use crate::repo::Repo;

/// Parse, run, report: returns the process exit code.
pub fn main_with_args(args: impl IntoIterator<Item = OsString>) -> i32 {
    let args: Vec<OsString> = args.into_iter().collect();
    if let Some(code) = manual_for_long_help(&args) {
        return code;
    }
    let tail = diff_tail(&args);
    let cli = match Cli::try_parse_from(args) {
        Ok(mut cli) => {
            // clap drops a `--` that comes first; `git agent diff -- <path>`
            // needs it, so diff gets its arguments exactly as given.
            if let (Command::Diff(diff), Some(tail)) = (&mut cli.command, tail) {
                diff.args = tail;
            }
            cli
        }
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) => {
            output::report(&e);
            e.exit_code()
        }
    };
    pager::finish();
    code
}

fn run(cli: Cli) -> Result<i32, Error> {
    if let Command::Completions(args) = &cli.command {
        return commands::completions::run(args);
    }
    if let Command::Purge(args) = &cli.command {
        // Only ever a trash directory git-agent made.
        if args.trash.ends_with("agents/trash") {
            worktree::purge(&args.trash);
        }
        return Ok(0);
    }
    output::init_color(cli.color, None);
    let cwd = std::env::current_dir()
        .map_err(|e| Error::refused(format!("cannot read the current directory: {e}")))?;
    let repo = Repo::discover(&cwd)?;
    output::init_color(cli.color, Some(&repo.config));
    if pages(&cli.command) {
        pager::start(&git::Git::new(&repo.current_worktree), &repo.config);
    }
    match &cli.command {
        Command::New(args) => commands::new::run(&repo, args),
        Command::List(args) => commands::list::run(&repo, args),
        Command::Show(args) => commands::show::run(&repo, args),
        Command::Path(args) => commands::path::run(&repo, args),
        Command::Diff(args) => commands::diff::run(&repo, args, cli.color),
        Command::Run(args) => commands::run::run(&repo, args),
        Command::Logs(args) => commands::logs::run(&repo, args),
        Command::Wait(args) => commands::wait::run(&repo, args),
        Command::Stop(args) => commands::stop::run(&repo, args),
        Command::Supervise(args) => commands::run::supervise(&repo, args),
        Command::Keep(args) => commands::keep::run(&repo, args),
        Command::Discard(args) => commands::discard::run(&repo, args),
        Command::Restore(args) => commands::restore::run(&repo, args),
        Command::Overlap(args) => commands::overlap::run(&repo, args),
        Command::Push(args) => commands::push::run(&repo, args),
        Command::Fetch(args) => commands::fetch::run(&repo, args),
        Command::Gc(args) => commands::gc::run(&repo, args),
        Command::Review(args) => commands::review::run(&repo, args),
        Command::ReviewWorker(args) => commands::review::worker(&repo, args),
        Command::Fix(args) => commands::fix::run(&repo, args),
        Command::Land(args) => commands::land::run(&repo, args),
        Command::Sync(args) => commands::sync::run(&repo, args),
        Command::Audit(args) => commands::audit::run(&repo, args),
        Command::Watch(args) => commands::watch::run(&repo, args),
        Command::Board(args) => commands::board::run(&repo, args),
        Command::Pool(args) => commands::pool::run(&repo, args),
        Command::PoolFill => crate::pool::fill(&repo, false).map(|()| 0),
        Command::Snapshot(args) => {
            let state = snapshot::capture(&repo, &args.worktree)?;
            println!("{} {} {}", state.head, state.index_tree, state.full_tree);
            Ok(0)
        }
        Command::Completions(_) | Command::Purge(_) => {
            unreachable!("handled before opening the repository")
        }
    }
}

/// The verbs whose output for people can be long; `--json` and followed
/// logs are never paged (`diff` pages through `git diff` itself).
fn pages(command: &Command) -> bool {
    match command {
        Command::List(args) => !args.json,
        Command::Show(args) => !args.json,
        Command::Logs(args) => !args.follow,
        _ => false,
    }
}

/// `git agent <verb> --help` opens the verb's manual page like git's own
/// commands do (`git help agent-<verb>`), whether or not output goes to a
/// terminal (into a pipe man prints the page as text), when the page is
/// installed where `man` finds it; otherwise clap prints its long help.
/// `-h` always gives clap's short help.
fn manual_for_long_help(args: &[OsString]) -> Option<i32> {
    use clap::CommandFactory;
    let words: Vec<&str> = args.iter().skip(1).filter_map(|a| a.to_str()).collect();
    let help_at = words.iter().position(|w| *w == "--help")?;
    if words[..help_at].contains(&"--") {
        return None;
    }
    let cli = Cli::command();
    let verb = words[..help_at]
        .iter()
        .find(|w| cli.find_subcommand(w).is_some());
    let page = verb.map_or("git-agent".to_owned(), |v| format!("git-agent-{v}"));
    if !manual_page_found(&page) {
        return None;
    }
    let cwd = std::env::current_dir().ok()?;
    match git::Git::new(cwd).run_inherit(["help", "--man", &page]) {
        Ok(0) => Some(0),
        _ => None,
    }
}

/// Whether `man` finds the page (`man -w`: where it is, nothing shown), so
/// a missing page falls back to the built-in help without man's complaint.
fn manual_page_found(page: &str) -> bool {
    std::process::Command::new("man")
        .args(["-w", page])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Everything after the `diff` verb, as given (global options may precede it).
fn diff_tail(args: &[OsString]) -> Option<Vec<String>> {
    let at = args
        .iter()
        .skip(1)
        .position(|a| a == "diff" || !a.to_string_lossy().starts_with('-'))?
        + 1;
    (args[at] == "diff").then(|| {
        args[at + 1..]
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    })
}
