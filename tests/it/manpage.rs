//! Manual pages: `git-agent(1)` and `git-agent-<verb>(1)` for every visible
//! verb, generated from the clap definition in [`git_agent::cli`] with
//! clap_mangen, plus the sections clap knows nothing about: exit status,
//! configuration (from [`git_agent::config::KEYS`]), JSON output and examples.
//!
//! The pages are checked in under `man/man1/`; the `generated` test fails
//! when they are stale and rewrites them with `GIT_AGENT_UPDATE_GENERATED=1`.
//! They are built here, in the test binary, not in the shipped library:
//! only that test renders them, through the library's public clap
//! definition ([`git_agent::completion::command`]).

use std::io;

use clap::{Arg, Command};
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, italic, roman};

use git_agent::completion;
use git_agent::config::KEYS;

/// One rendered page.
pub struct Page {
    /// `git-agent.1`, `git-agent-new.1`…
    pub file_name: String,
    pub roff: String,
}

/// Every page, the main one first.
pub fn render_all() -> io::Result<Vec<Page>> {
    let cmd = completion::command().subcommand_help_heading("COMMANDS");
    let mut pages = vec![render_page(&cmd, None)?];
    for verb in completion::verbs(&cmd) {
        pages.push(render_page(verb, Some(&cmd))?);
    }
    Ok(pages)
}

/// Rendered by clap_mangen's `render_*` calls: each starts with roff's
/// apostrophe preamble, which the page needs once.
const PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";

/// The page for `cmd`: the main page when `parent` is `None`, else a verb's.
fn render_page(cmd: &Command, parent: Option<&Command>) -> io::Result<Page> {
    let display = cmd.get_display_name().unwrap_or(cmd.get_name()).to_owned();
    let man = Man::new(cmd.clone())
        .title(display.to_uppercase())
        .manual("Git Manual")
        // No date, so the pages only change when what they say does; roff
        // would drop a bare empty argument and shift the others.
        .date("\"\"")
        .source(format!(
            "git-agent {}",
            cmd.get_version().unwrap_or_default()
        ));
    let verb = parent.map(|_| cmd.get_name());

    let mut out = String::from(PREAMBLE);
    out += &chunk(|w| man.render_title(w))?;
    // Like git's own pages: no hyphenation, ragged right.
    out += ".nh\n.ad l\n";
    out += &own(|r| name_section(r, &display, cmd))?;
    out += &own(|r| synopsis(r, cmd, parent.is_none()))?;
    out += &chunk(|w| man.render_description_section(w))?;
    if verb.is_none() {
        out += &own(main_description)?;
    }
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        out += &chunk(|w| man.render_options_section(w))?;
    }
    if completion::verbs(cmd).next().is_some() {
        out += &chunk(|w| man.render_subcommands_section(w))?;
    }
    if let Some(json) = json_output(cmd) {
        out += &own(|r| json_section(r, json))?;
    }
    out += &own(|r| exit_status(r, verb))?;
    if verb.is_none() {
        out += &own(configuration)?;
        out += &own(environment)?;
        out += &own(storage)?;
    }
    if verb.is_some()
        && let Some(notes) = cmd.get_after_long_help().or_else(|| cmd.get_after_help())
    {
        out += &own(|r| text_section(r, "NOTES", &notes.to_string()))?;
    }
    out += &own(|r| examples_section(r, verb.unwrap_or("")))?;
    out += &own(|r| see_also(r, verb))?;
    out += &chunk(|w| man.render_version_section(w))?;
    Ok(Page {
        file_name: format!("{display}.1"),
        roff: ascii(&out),
    })
}

/// The page in ASCII, so it renders in any locale (`man` in the C locale
/// formats for an ASCII device, which has no glyph for `…`).
fn ascii(roff: &str) -> String {
    let mut out = String::with_capacity(roff.len());
    for c in roff.chars() {
        match c {
            '…' => out.push_str("..."),
            '—' => out.push_str("\\(em"),
            '–' => out.push_str("\\(en"),
            '‘' | '’' => out.push_str("\\*(Aq"),
            '“' | '”' => out.push('"'),
            c if c.is_ascii() => out.push(c),
            c => out.push_str(&format!("\\[u{:04X}]", c as u32)),
        }
    }
    out
}

/// One of clap_mangen's sections, without its copy of the preamble.
fn chunk(render: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> io::Result<String> {
    let mut buf = Vec::new();
    render(&mut buf)?;
    let text = String::from_utf8_lossy(&buf);
    Ok(text.strip_prefix(PREAMBLE).unwrap_or(&text).to_owned())
}

/// Sections of our own, written with roff.
fn own(build: impl FnOnce(&mut Roff)) -> io::Result<String> {
    let mut roff = Roff::new();
    build(&mut roff);
    chunk(|w| roff.to_writer(w))
}

/// `git-agent-new - Create a session…`: the first sentence of the about line.
fn name_section(r: &mut Roff, display: &str, cmd: &Command) {
    let about = cmd.get_about().map(|a| a.to_string()).unwrap_or_default();
    let first = about.split([';', ':']).next().unwrap_or_default();
    let first = first.split(". ").next().unwrap_or_default();
    r.control("SH", ["NAME"]);
    r.text([roman(format!(
        "{display} - {}",
        first.trim_end_matches('.')
    ))]);
}

/// `git agent new [--base <REV>] [--carry] … [<ID>]`, the way git's pages
/// write it; `-h`, `-V` and global options are left to OPTIONS.
fn synopsis(r: &mut Roff, cmd: &Command, main: bool) {
    let name = cmd.get_bin_name().unwrap_or(cmd.get_name());
    let mut line = vec![bold(name)];
    let options = cmd.get_arguments().filter(|a| {
        !a.is_positional()
            && !a.is_hide_set()
            && (main || !a.is_global_set())
            && !matches!(a.get_id().as_str(), "help" | "version")
    });
    for arg in options {
        line.push(roman(" ["));
        line.extend(option_spelling(arg));
        line.push(roman("]"));
        if repeats(arg) {
            line.push(roman("..."));
        }
    }
    for arg in cmd.get_positionals().filter(|a| !a.is_hide_set()) {
        let value = format!("<{}>", value_name(arg));
        let dots = if repeats(arg) { "..." } else { "" };
        if arg.is_required_set() {
            line.extend([roman(" "), italic(value), roman(dots)]);
        } else {
            line.extend([roman(" ["), italic(value), roman(format!("]{dots}"))]);
        }
    }
    if main {
        line.extend([
            roman(" "),
            italic("<verb>"),
            roman(" ["),
            italic("<args>"),
            roman("]"),
        ]);
    }
    r.control("SH", ["SYNOPSIS"]);
    r.text(line);
}

fn option_spelling(arg: &Arg) -> Vec<clap_mangen::roff::Inline> {
    let flag = match (arg.get_short(), arg.get_long()) {
        (_, Some(long)) => format!("--{long}"),
        (Some(short), None) => format!("-{short}"),
        (None, None) => String::new(),
    };
    let mut out = vec![bold(flag)];
    if arg.get_action().takes_values() {
        out.extend([roman(" "), italic(format!("<{}>", value_name(arg)))]);
    }
    out
}

fn value_name(arg: &Arg) -> String {
    arg.get_value_names()
        .and_then(|names| names.first())
        .map(|n| n.to_string())
        .unwrap_or_else(|| arg.get_id().as_str().to_uppercase())
}

fn repeats(arg: &Arg) -> bool {
    arg.get_num_args().is_some_and(|n| n.max_values() > 1)
        || matches!(arg.get_action(), clap::ArgAction::Append)
}

/// What the main page says beyond the about line: the model in brief.
fn main_description(r: &mut Roff) {
    let paragraphs = [
        "A session is one task: an id, a base commit, a branch (agent/<id>), a \
         locked linked worktree (.worktrees/<id> in the main worktree, kept out of \
         git status) and a state. Every verb works from the main worktree, any \
         subdirectory, any linked worktree and inside the session's own worktree, \
         where the id may be left out.",
        "Ids are 1 to 64 characters, [A-Za-z0-9][A-Za-z0-9._-]*, and a valid ref \
         name component. Any verb that takes an id also takes a unique prefix of \
         one; an ambiguous prefix is an error that names the candidates.",
        "States: active (worktree ready, nothing running), running, done (the last \
         run exited 0), failed, kept, discarded, and broken (its worktree or \
         branch was removed behind git-agent's back).",
    ];
    for p in paragraphs {
        r.control("PP", []);
        r.text([roman(p)]);
    }
    r.text([roman(format!(
        "Live sessions ({}) have a worktree; list shows them, and completion \
         offers their ids.",
        completion::live_states().join(", ")
    ))]);
}

/// The JSON documents the `--json` option of a verb prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Json {
    /// One session object.
    Session,
    /// An array of session objects.
    Sessions,
    /// `overlap --json`.
    Overlap,
    /// `gc --json`.
    Gc,
    /// `land --json`.
    Land,
    /// `audit --json`.
    Audit,
    /// `pool --json`.
    Pool,
}

/// The JSON a verb prints with `--json`, if it has that option.
pub fn json_output(verb: &Command) -> Option<Json> {
    verb.get_arguments()
        .find(|a| a.get_long() == Some("json"))?;
    Some(match verb.get_name() {
        "list" => Json::Sessions,
        "overlap" => Json::Overlap,
        "gc" => Json::Gc,
        "land" => Json::Land,
        "audit" => Json::Audit,
        "pool" => Json::Pool,
        _ => Json::Session,
    })
}

/// A documented JSON field: its path (`run.pid`) and meaning.
pub type Field = (&'static str, &'static str);

/// The session object of `new`, `show` and `list` (in that order in SPEC).
/// More fields may be added; none are removed or renamed.
pub const SESSION_FIELDS: &[Field] = &[
    ("id", "the session id"),
    (
        "state",
        "active, running, done, failed, kept, discarded or broken",
    ),
    ("branch", "the short branch name, e.g. agent/fix-login"),
    (
        "path",
        "the absolute worktree path; null when the session has no local worktree \
         (kept, discarded, fetched)",
    ),
    (
        "base",
        "the full object id of the commit the session started from (with new \
         --carry, a stash-shaped commit on top of HEAD holding the carried \
         changes)",
    ),
    ("origin", "the absolute path of the worktree new ran in"),
    ("created", "when the session was created (RFC 3339, UTC)"),
    ("updated", "when its metadata last changed (RFC 3339, UTC)"),
    (
        "agent",
        "the agent of the last run; null when there was no run",
    ),
    (
        "command",
        "the last run's command line as an array; null when there was no run",
    ),
    (
        "prompt",
        "the prompt given to the agent; null when there was none",
    ),
    (
        "scope",
        "the globs the session may change (an empty array: no limit)",
    ),
    ("run", "the last run, or null when there was none:"),
    ("run.pid", "its process id"),
    ("run.started", "when it started (RFC 3339, UTC)"),
    ("run.ended", "when it ended, or null while it runs"),
    ("run.exit_code", "its exit code, or null"),
    (
        "run.reason",
        "why it ended if it did not exit by itself: \"timeout\", \"stopped\", \
         \"interrupted\" or \"vanished\"; else null",
    ),
    (
        "run.log",
        "the absolute path of its log, under the common git dir",
    ),
    (
        "run.usage",
        "what the agent reported it used, when it did (detached runs): \
         {\"tokens\": n, \"cost_usd\": x or null}; else null",
    ),
    (
        "snapshot",
        "the full object id of the latest snapshot commit, or null",
    ),
    (
        "fetched",
        "true when the session was made in another clone and fetched: its state \
         is as pushed, it has no worktree here until restored",
    ),
    (
        "changes",
        "the change against base, counted live from the worktree (from the latest \
         snapshot when there is none):",
    ),
    ("changes.files", "files changed"),
    ("changes.insertions", "lines added"),
    ("changes.deletions", "lines removed"),
    (
        "changes.out_of_scope",
        "changed paths outside scope (an array)",
    ),
    (
        "review",
        "the latest review (git agent review), or null when there was none:",
    ),
    (
        "review.verdict",
        "\"approved\" or \"changes_requested\" (the reviewer's), \"invalid\" \
         (no valid verdict after a retry) or \"violation\" (the reviewer changed \
         the worktree)",
    ),
    ("review.blocking", "what must change (an array of strings)"),
    ("review.should_fix", "worth fixing, not required"),
    ("review.nits", "cosmetic remarks"),
    (
        "review.scope_violations",
        "changes outside the task's scope",
    ),
    ("review.agent", "the reviewer agent, or null for a command"),
    ("review.at", "when the review ended (RFC 3339, UTC)"),
    (
        "review.of",
        "the full object id of the snapshot commit reviewed",
    ),
    (
        "review.stale",
        "true once the session's change is no longer the one reviewed (its \
         latest snapshot differs, or its live change counts or paths differ \
         from those recorded with that snapshot)",
    ),
    ("land", "why the last land left the session live, or null:"),
    ("land.result", "\"conflict\" or \"test-failed\""),
    ("land.paths", "the conflicting paths (an array)"),
    ("land.at", "when (RFC 3339, UTC)"),
];

/// `land --json`: one object.
pub const LAND_FIELDS: &[Field] = &[
    ("dry_run", "true when nothing was done (--dry-run)"),
    (
        "order",
        "the ids of the queue in landing order (skipped ones are not in it)",
    ),
    ("results", "one object per session, skipped ones first:"),
    ("results.session", "the session id"),
    (
        "results.result",
        "\"landed\", \"conflict\", \"test-failed\" or \"skipped\"",
    ),
    (
        "results.commit",
        "the full object id the branch moved to, null unless it landed with a commit",
    ),
    ("results.paths", "the conflicting paths (an array)"),
    (
        "results.reason",
        "why it was skipped (or what was in the way), or null",
    ),
];

/// `audit --json`: an array of these.
pub const AUDIT_FIELDS: &[Field] = &[
    ("commit", "the full object id"),
    ("subject", "its subject line"),
    (
        "session",
        "the session that made it, or null when it has no provenance",
    ),
    ("agent", "the agent of the session's run, or null"),
    ("prompt", "the session's prompt, or null"),
    (
        "review",
        "the review verdict the session had when it landed, or null",
    ),
];

/// `overlap --json`: an array of these.
pub const OVERLAP_FIELDS: &[Field] = &[
    ("a", "the id of one session"),
    ("b", "the id of the other"),
    ("paths", "the paths both change"),
    ("clean", "whether the two changes merge cleanly"),
];

/// `gc --json`: one object.
pub const GC_FIELDS: &[Field] = &[
    ("dry_run", "true when nothing was done (--dry-run)"),
    (
        "actions",
        "what was done, or would be, one object per action:",
    ),
    ("actions.session", "the session id"),
    (
        "actions.action",
        "\"forget\", \"mark-broken\", \"repair\" or \"prune\"",
    ),
    ("actions.reason", "why"),
];

/// `pool --json`: one object.
pub const POOL_FIELDS: &[Field] = &[
    ("size", "agent.pool: how many spares the pool keeps"),
    ("spares", "the spare worktrees, one object each:"),
    (
        "spares.path",
        "its absolute path, under <worktreeDir>/.pool/",
    ),
    (
        "spares.commit",
        "the full object id of the commit it is at (null when unknown)",
    ),
    (
        "spares.ready",
        "true when new may take it; false while it is being filled or cleaned",
    ),
];

fn json_section(r: &mut Roff, json: Json) {
    let (intro, fields) = match json {
        Json::Session => (
            "With --json the session is printed as one JSON object (UTF-8, absolute \
             paths, full object ids):",
            SESSION_FIELDS,
        ),
        Json::Sessions => (
            "With --json the sessions are printed as one JSON array of session \
             objects (UTF-8, absolute paths, full object ids), each with:",
            SESSION_FIELDS,
        ),
        Json::Overlap => (
            "With --json the pairs are printed as one JSON array of objects:",
            OVERLAP_FIELDS,
        ),
        Json::Gc => ("With --json one JSON object is printed:", GC_FIELDS),
        Json::Land => ("With --json one JSON object is printed:", LAND_FIELDS),
        Json::Audit => (
            "With --json the commits are printed as one JSON array of objects, newest first:",
            AUDIT_FIELDS,
        ),
        Json::Pool => ("With --json one JSON object is printed:", POOL_FIELDS),
    };
    r.control("SH", ["JSON OUTPUT"]);
    r.text([roman(intro)]);
    // `run.pid` and the like are indented under `run`.
    let mut nested = false;
    for (name, meaning) in fields {
        if name.contains('.') != nested {
            nested = !nested;
            r.control(if nested { "RS" } else { "RE" }, []);
        }
        r.control("TP", []);
        r.text([bold(*name)]);
        r.text([roman(*meaning)]);
    }
    if nested {
        r.control("RE", []);
    }
    r.control("PP", []);
    r.text([roman(
        "Fields may be added in later versions; none are removed or renamed.",
    )]);
}

fn exit_status(r: &mut Roff, verb: Option<&str>) {
    r.control("SH", ["EXIT STATUS"]);
    let codes = [
        ("0", "Success (and -h or --help)."),
        (
            "1",
            "The operation was refused or failed: an unknown, ambiguous or invalid \
             id, a session in the wrong state, a conflict, a scope or read-only \
             violation, a repository git-agent cannot work in.",
        ),
        (
            "2",
            "Bad usage, as the argument parser sees it: an unknown verb or option, a \
             missing value.",
        ),
    ];
    for (code, meaning) in codes {
        r.control("TP", []);
        r.text([bold(code)]);
        r.text([roman(meaning)]);
    }
    let note = match verb {
        Some("diff") => {
            "diff exits with git diff's own status (with --exit-code, 1 when there are differences)."
        }
        Some("new" | "run") => "A run in the foreground exits with the run's own exit code.",
        Some("wait") => "wait exits 0 only if every session it waited for ended done.",
        _ => "",
    };
    if !note.is_empty() {
        r.control("PP", []);
        r.text([roman(note)]);
    }
}

fn configuration(r: &mut Roff) {
    r.control("SH", ["CONFIGURATION"]);
    r.text([roman(
        "Read with git config (usually .git/config, section [agent]); git -c \
         key=value agent ... overrides for one command.",
    )]);
    for key in KEYS {
        let default = key
            .default
            .map(|d| format!(" (default: {d})"))
            .unwrap_or_default();
        r.control("TP", []);
        r.text([bold(key.name), roman(default)]);
        r.text([roman(key.meaning)]);
    }
}

fn environment(r: &mut Roff) {
    r.control("SH", ["ENVIRONMENT"]);
    r.control("TP", []);
    r.text([bold("NO_COLOR")]);
    r.text([roman(
        "When set and not empty, no colour unless --color=always. Otherwise \
         --color, then color.agent, then color.ui decide.",
    )]);
    r.control("TP", []);
    r.text([bold("GIT_PAGER"), roman(", "), bold("PAGER")]);
    r.text([roman(
        "On a terminal, list, show and logs (without -f) page their output \
         through the pager git would use (GIT_PAGER, core.pager, PAGER, \
         less), and diff pages as git diff does. Output that is not a terminal \
         and --json output are never paged; git --no-pager, pager.agent=false \
         and a pager of cat turn paging off, and pager.agent=true lets git \
         page instead.",
    )]);
}

fn storage(r: &mut Roff) {
    r.control("SH", ["STORAGE"]);
    r.text([roman(
        "All state lives in the common git dir, so every worktree sees the same \
         sessions and plain git can read, push and fetch it:",
    )]);
    let places = [
        (
            "refs/agents/<id>/meta",
            "the session's metadata, a TOML blob (git cat-file -p)",
        ),
        (
            "refs/agents/<id>/base",
            "the commit the session started from",
        ),
        (
            "refs/agents/<id>/snapshot",
            "the latest snapshot of the worktree's full state",
        ),
        (
            "refs/notes/agents",
            "notes naming the session on commits agents and keep made",
        ),
        ("<common git dir>/agents/", "run logs, pid files and locks"),
    ];
    for (place, what) in places {
        r.control("TP", []);
        r.text([bold(place)]);
        r.text([roman(what)]);
    }
}

fn text_section(r: &mut Roff, title: &str, text: &str) {
    r.control("SH", [title]);
    for line in text.lines() {
        if line.trim().is_empty() {
            r.control("PP", []);
        } else {
            r.text([roman(line)]);
        }
    }
}

/// An example for a page: what it does, then the command lines.
pub type Example = (&'static str, &'static [&'static str]);

/// Examples for the page of `verb` ("" for git-agent(1)). A verb's examples
/// appear once the verb exists; the `generated` test checks that every
/// `git agent …` line of them parses.
pub fn examples(verb: &str) -> &'static [Example] {
    match verb {
        "" => &[
            (
                "Give a task its own worktree and branch, work in it, look at the result, then throw it away:",
                &[
                    "git agent new fix-login",
                    "cd \"$(git agent path fix-login)\"",
                    "git agent list",
                    "git agent diff fix-login --stat",
                    "git agent discard fix-login",
                ],
            ),
            (
                "Read sessions with plain git:",
                &[
                    "git for-each-ref refs/agents/",
                    "git cat-file -p refs/agents/fix-login/meta",
                ],
            ),
            (
                "Share sessions through a remote:",
                &["git push origin 'refs/agents/*:refs/agents/*' refs/notes/agents"],
            ),
        ],
        "new" => &[
            (
                "A session from HEAD with a generated id:",
                &["git agent new"],
            ),
            (
                "A named session from another commit, allowed to change src/auth only:",
                &["git agent new fix-login --base origin/main --scope 'src/auth/**'"],
            ),
            (
                "Take this checkout's uncommitted changes along (they stay here too):",
                &["git agent new wip --carry"],
            ),
        ],
        "list" => &[
            ("Live sessions:", &["git agent list"]),
            ("Kept and discarded ones too:", &["git agent list --all"]),
            (
                "The ids of sessions whose run succeeded:",
                &["git agent list --json | jq -r '.[] | select(.state == \"done\") | .id'"],
            ),
        ],
        "show" => &[
            (
                "A session, by a unique prefix of its id:",
                &["git agent show fix"],
            ),
            (
                "Inside a session's worktree, as JSON:",
                &["git agent show --json"],
            ),
        ],
        "path" => &[(
            "Go to a session's worktree:",
            &["cd \"$(git agent path fix-login)\""],
        )],
        "diff" => &[
            (
                "Everything the session changed, untracked files included:",
                &["git agent diff fix-login"],
            ),
            ("A summary:", &["git agent diff fix-login --stat"]),
            (
                "Only under src/, names and status:",
                &["git agent diff fix-login --name-status -- src/"],
            ),
        ],
        "discard" => &[
            ("Throw a session away:", &["git agent discard fix-login"]),
            (
                "Its work stays reachable until gc:",
                &["git log -p refs/agents/fix-login/snapshot"],
            ),
        ],
        "keep" => &[
            (
                "Bring the change into this checkout as staged changes:",
                &["git agent keep fix-login"],
            ),
            (
                "As one commit on the current branch:",
                &["git agent keep fix-login --squash -m \"Fix the login bug\""],
            ),
        ],
        "run" => &[
            (
                "Run a reviewer that must not change anything:",
                &["git agent run fix-login --read-only -- claude -p \"Review this change\""],
            ),
            (
                "Run tests in the background with a timeout:",
                &["git agent run fix-login --detach --timeout 10m -- cargo test"],
            ),
        ],
        "logs" => &[("Follow a live run:", &["git agent logs fix-login -f"])],
        "wait" => &[(
            "Wait for every running session, at most an hour:",
            &["git agent wait --timeout 1h"],
        )],
        "stop" => &[("End a run:", &["git agent stop fix-login"])],
        "restore" => &[(
            "Bring a discarded session back:",
            &["git agent restore fix-login"],
        )],
        "overlap" => &[(
            "Which live sessions change the same files:",
            &["git agent overlap"],
        )],
        "gc" => &[("What gc would do:", &["git agent gc --dry-run"])],
        "pool" => &[(
            "Keep two spare worktrees ready, fill them now, and see them:",
            &[
                "git config agent.pool 2",
                "git agent pool --fill",
                "git agent pool --json",
            ],
        )],
        "push" => &[
            (
                "Every session, and the notes, to origin:",
                &["git agent push"],
            ),
            (
                "One session to another remote:",
                &["git agent push upstream fix-login"],
            ),
        ],
        "fetch" => &[(
            "Sessions pushed from another machine, then one of them here:",
            &[
                "git agent fetch",
                "git agent diff fix-login",
                "git agent restore fix-login",
            ],
        )],
        "review" => &[
            (
                "Review two sessions in parallel with Codex, then see the verdicts:",
                &[
                    "git agent review fix-login fix-logout -a codex",
                    "git agent list --json | jq '.[] | {id, review: .review.verdict}'",
                ],
            ),
            (
                "A scripted reviewer, and the history of a session's reviews:",
                &[
                    "git agent review fix-login -- ./review.sh",
                    "git log -p refs/agents/fix-login/reviews",
                ],
            ),
        ],
        "fix" => &[(
            "Correct what the review found, then review again:",
            &[
                "git agent fix fix-login -a codex",
                "git agent review fix-login -a codex",
            ],
        )],
        "completions" => &[
            (
                "Bash, for this shell (or put it in ~/.bashrc):",
                &["source <(git agent completions bash)"],
            ),
            (
                "Zsh and fish, installed where they look:",
                &[
                    "git agent completions zsh > ~/.zfunc/_git-agent",
                    "git agent completions fish > ~/.config/fish/completions/git-agent.fish",
                ],
            ),
        ],
        _ => &[],
    }
}

fn examples_section(r: &mut Roff, verb: &str) {
    let examples = examples(verb);
    if examples.is_empty() {
        return;
    }
    r.control("SH", ["EXAMPLES"]);
    for (what, lines) in examples {
        r.control("PP", []);
        r.text([roman(*what)]);
        r.control("RS", ["4"]);
        r.control("nf", []);
        for line in *lines {
            r.text([roman(*line)]);
        }
        r.control("fi", []);
        r.control("RE", []);
    }
}

fn see_also(r: &mut Roff, verb: Option<&str>) {
    let mut refs = Vec::new();
    if verb.is_some() {
        refs.push("git-agent(1)");
    }
    if verb == Some("diff") {
        refs.push("git-diff(1)");
    }
    refs.extend(["git-worktree(1)", "git-for-each-ref(1)"]);
    r.control("SH", ["SEE ALSO"]);
    r.text([roman(refs.join(", "))]);
}
