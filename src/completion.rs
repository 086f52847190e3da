//! Shell completion scripts, generated from the clap definition in
//! [`crate::cli`] so that new verbs and flags complete without touching this
//! file. Bash gets its own script (`completion.bash` with the verbs, options
//! and values filled in): it plugs into git's completion, so `git agent <TAB>`
//! and aliases of it work. Zsh and fish get clap_complete's scripts with the
//! same id completion added; elvish and powershell get clap_complete's as is.
//! Session ids are read from the repository by one `git for-each-ref`, never
//! by starting git-agent, so completion stays fast with many sessions.

use std::fmt::Write as _;

use clap::{Arg, Command, CommandFactory};
use clap_complete::Shell;

use crate::cli::Cli;
use crate::session::State;

/// The program name the scripts complete.
pub const BIN: &str = "git-agent";

/// The completion script for `shell`.
pub fn render(shell: Shell) -> String {
    match shell {
        Shell::Bash => bash(&command()),
        Shell::Zsh => zsh(),
        Shell::Fish => fish(),
        other => clap_script(other, unbuilt()),
    }
}

/// clap_complete's script for `cmd`, without its hidden verbs.
fn clap_script(shell: Shell, cmd: Command) -> String {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut without_hidden_verbs(cmd), BIN, &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// `cmd` with only the verbs users see: clap_complete completes hidden
/// subcommands too (such as an internal helper verb), and clap cannot remove
/// one, so the root is rebuilt from its arguments and visible verbs.
fn without_hidden_verbs(cmd: Command) -> Command {
    if !cmd.get_subcommands().any(|v| v.is_hide_set()) {
        return cmd;
    }
    let mut root = Command::new(BIN)
        .args(cmd.get_arguments().cloned())
        .subcommands(verbs(&cmd).cloned())
        .propagate_version(cmd.is_propagate_version_set())
        .disable_help_subcommand(cmd.is_disable_help_subcommand_set())
        .subcommand_required(cmd.is_subcommand_required_set());
    if cmd.get_version().is_some() {
        root = root.version(env!("CARGO_PKG_VERSION"));
    }
    if let Some(about) = cmd.get_about() {
        root = root.about(about.clone());
    }
    root
}

/// Where the script for `shell` is kept in the source tree, relative to
/// `completions/` (clap_complete's conventional names).
pub fn file_name(shell: Shell) -> String {
    use clap_complete::Generator;
    shell.file_name(BIN)
}

/// Every shell a script is generated for.
pub fn shells() -> impl Iterator<Item = Shell> {
    use clap::ValueEnum;
    Shell::value_variants().iter().copied()
}

/// The command line with global options propagated to every verb, and
/// without clap's `help` verb (`git agent -h` and `git help agent` cover it).
pub fn command() -> Command {
    let mut cmd = unbuilt();
    cmd.build();
    cmd
}

fn unbuilt() -> Command {
    Cli::command().disable_help_subcommand(true)
}

/// The verbs users see, in the order `-h` lists them.
pub fn verbs(cmd: &Command) -> impl Iterator<Item = &Command> {
    cmd.get_subcommands().filter(|v| !v.is_hide_set())
}

/// What a positional argument of a verb refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ids {
    /// Not a session.
    No,
    /// One existing session.
    One,
    /// An existing session, then other things: `diff <id> [<options>] [-- <paths>]`.
    First,
    /// Any number of existing sessions.
    Many,
}

/// Whether `arg` of `verb` names existing sessions. clap has no type for
/// that, so the CLI's naming convention decides: the field is `id` or `ids`,
/// except on `new`, whose id names the session to create; `diff` takes its id
/// as the first of its pass-through `args`. A new verb whose argument is
/// named `id` or `ids` completes ids with no change here.
pub fn session_ids(verb: &Command, arg: &Arg) -> Ids {
    match (verb.get_name(), arg.get_id().as_str()) {
        ("new", _) => Ids::No,
        (_, "id") => Ids::One,
        ("diff", "args") => Ids::First,
        (_, "ids") => Ids::Many,
        _ => Ids::No,
    }
}

/// The states `git agent list` shows by default; only their ids complete.
pub fn live_states() -> Vec<&'static str> {
    // The match makes the compiler point here when a state is added.
    let all = |s: State| match s {
        State::Active
        | State::Running
        | State::Done
        | State::Failed
        | State::Kept
        | State::Discarded
        | State::Broken => s,
    };
    [
        State::Active,
        State::Running,
        State::Done,
        State::Failed,
        State::Kept,
        State::Discarded,
        State::Broken,
    ]
    .map(all)
    .into_iter()
    .filter(|s| s.is_live())
    .map(State::as_str)
    .collect()
}

/// An awk program that reads `git for-each-ref --format='%(refname)%0a%(raw)'
/// 'refs/agents/*/meta'` and prints the ids of live sessions, each followed
/// by a space. A session's metadata is a TOML blob whose first `state = "…"`
/// line is its state (later lines may be a prompt's). It contains no single
/// quote, so every shell can hold it in one.
fn ids_awk() -> String {
    let live = live_states().join(" ");
    format!(
        r#"/^refs\/agents\/[^\/]+\/meta$/ {{ id = substr($0, 13, length($0) - 17); next }}
id != "" && /^state *= *"/ {{ s = $0; sub(/^state *= *"/, "", s); sub(/".*/, "", s); if (index(" {live} ", " " s " ")) printf "%s ", id; id = "" }}"#
    )
}

/// The shell pipeline (the same in bash, zsh and fish) that prints the ids
/// of live sessions, with one git process and no git-agent.
fn ids_pipeline() -> String {
    format!(
        "git for-each-ref --format='%(refname)%0a%(raw)' 'refs/agents/*/meta' 2>/dev/null | awk '{}'",
        ids_awk()
    )
}

/// Every (verb, argument) that takes session ids.
fn id_args(cmd: &Command) -> Vec<(String, String, Ids)> {
    verbs(cmd)
        .flat_map(|v| {
            v.get_positionals().map(move |a| {
                (
                    v.get_name().to_owned(),
                    a.get_id().to_string(),
                    session_ids(v, a),
                )
            })
        })
        .filter(|(_, _, ids)| *ids != Ids::No)
        .collect()
}

/// clap_complete's zsh script, with session ids completed by
/// `__git_agent_ids`. clap_complete has no hook for a custom completer, so
/// the id arguments get a value hint nothing else uses (hostname) and its
/// completer, `_hosts`, is replaced. `diff`'s pass-through arguments keep
/// zsh's default (paths).
fn zsh() -> String {
    let mut cmd = unbuilt();
    for (verb, arg, ids) in id_args(&command()) {
        if ids == Ids::First {
            continue;
        }
        cmd = cmd.mut_subcommand(verb, |v| {
            v.mut_arg(arg, |a| a.value_hint(clap::ValueHint::Hostname))
        });
    }
    let script = clap_script(Shell::Zsh, cmd).replace(":_hosts'", ":__git_agent_ids'");
    let ids = format!(
        r#"
# Live session ids, read from the repository (refs/agents/*/meta) by one git
# process, without starting git-agent.
(( $+functions[__git_agent_ids] )) ||
__git_agent_ids() {{
    local -a ids expl
    ids=(${{="$({pipeline})"}})
    _wanted sessions expl 'session id' compadd -a ids
}}
"#,
        pipeline = ids_pipeline()
    );
    match script.split_once('\n') {
        Some((compdef, rest)) => format!("{compdef}\n{ids}{rest}"),
        None => script + &ids,
    }
}

/// clap_complete's fish script, plus session ids for the verbs that take
/// them (fish has no per-position conditions: any argument of such a verb).
fn fish() -> String {
    let cmd = command();
    let mut script = clap_script(Shell::Fish, unbuilt());
    let _ = write!(
        script,
        "\n# Live session ids, read from the repository (refs/agents/*/meta) by one git\n\
         # process, without starting git-agent.\n\
         function __fish_git_agent_ids\n    {} | string split -n ' '\nend\n",
        ids_pipeline()
    );
    for (verb, _, ids) in id_args(&cmd) {
        // Only ids where the argument is nothing but ids.
        let files = if ids == Ids::First { "" } else { " -f" };
        let _ = writeln!(
            script,
            "complete -c {BIN} -n \"__fish_{}_using_subcommand {verb}\"{files} -a \"(__fish_git_agent_ids)\" -d 'Session'",
            BIN.replace('-', "_"),
        );
    }
    script
}

fn visible_options(cmd: &Command) -> impl Iterator<Item = &Arg> {
    cmd.get_arguments()
        .filter(|a| !a.is_positional() && !a.is_hide_set())
}

fn takes_value(arg: &Arg) -> bool {
    arg.get_action().takes_values()
}

fn possible_values(arg: &Arg) -> Vec<String> {
    arg.get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_owned())
        .collect()
}

/// `--long` and `-s` spellings of an option.
fn spellings(arg: &Arg) -> Vec<String> {
    let long = arg.get_long().map(|l| format!("--{l}"));
    let short = arg.get_short().map(|s| format!("-{s}"));
    long.into_iter().chain(short).collect()
}

fn bash(cmd: &Command) -> String {
    let verbs: Vec<&Command> = verbs(cmd).collect();
    let names: Vec<&str> = verbs.iter().map(|v| v.get_name()).collect();

    let long_options = |c: &Command| -> String {
        visible_options(c)
            .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut options = String::new();
    let _ = writeln!(
        options,
        "\t'') __git_agent_words='{}' ;;",
        long_options(cmd)
    );
    for verb in &verbs {
        let _ = writeln!(
            options,
            "\t{}) __git_agent_words='{}' ;;",
            verb.get_name(),
            long_options(verb)
        );
    }
    let _ = write!(options, "\t*) __git_agent_words='{}' ;;", long_options(cmd));

    // Global options are matched for any verb (and none) with `*" --x"`.
    let patterns = |c: &Command, arg: &Arg| -> Vec<String> {
        spellings(arg)
            .into_iter()
            .map(|s| {
                if arg.is_global_set() {
                    format!("*\" {s}\"")
                } else {
                    format!("\"{} {s}\"", c.get_name())
                }
            })
            .collect()
    };
    let mut takes = Vec::new();
    let mut values = Vec::new();
    let globals: Vec<&Arg> = visible_options(cmd).filter(|a| takes_value(a)).collect();
    let mut option_cases = |c: &Command, arg: &Arg| {
        let pats = patterns(c, arg).join("|");
        takes.push(format!("\t{pats}) return 0 ;;"));
        let candidates = possible_values(arg);
        if !candidates.is_empty() {
            values.push(format!(
                "\t{pats}) __git_agent_words='{}' ;;",
                candidates.join(" ")
            ));
        } else if let Some(reader) = dynamic_values(arg) {
            values.push(format!("\t{pats}) {reader} ;;"));
        }
    };
    for arg in &globals {
        option_cases(cmd, arg);
    }
    for verb in &verbs {
        for arg in visible_options(verb).filter(|a| takes_value(a) && !a.is_global_set()) {
            option_cases(verb, arg);
        }
    }

    let mut id_patterns = Vec::new();
    for verb in &verbs {
        let name = verb.get_name();
        for (n, arg) in verb.get_positionals().enumerate() {
            let position = n + 1;
            let candidates = possible_values(arg);
            if !candidates.is_empty() {
                values.push(format!(
                    "\t\"{name} {position}\") __git_agent_words='{}' ;;",
                    candidates.join(" ")
                ));
            }
            match session_ids(verb, arg) {
                Ids::No => {}
                // restore brings back what is no longer live.
                Ids::One if name == "restore" => values.push(format!(
                    "\t\"{name} {position}\") __git_agent_ids 'kept discarded' ;;"
                )),
                Ids::One | Ids::First => id_patterns.push(format!("\"{name} {position}\"")),
                Ids::Many => id_patterns.push(format!("\"{name} \"[{position}-9]*")),
            }
        }
    }
    if !id_patterns.is_empty() {
        values.push(format!("\t{}) __git_agent_ids ;;", id_patterns.join("|")));
    }

    include_str!("completion.bash")
        .replace("@VERBS@", &names.join(" "))
        .replace("@OPTIONS@", &options)
        .replace("@TAKES_VALUE@", &takes.join("\n"))
        .replace("@VALUES@", &values.join("\n"))
        .replace("@IDS_AWK@", &ids_awk_wanted())
        .replace("@LIVE@", &live_states().join(" "))
}

/// Values read from the repository when completing: branches and tags for
/// a revision (`--base`), the built-in and configured agents for `-a`.
fn dynamic_values(arg: &Arg) -> Option<String> {
    match arg.get_id().as_str() {
        "base" => Some(
            "__git_agent_words=$(__git_agent_git for-each-ref --format='%(refname:short)' refs/heads refs/tags refs/remotes | tr '\\n' ' ')"
                .to_owned(),
        ),
        "agent" => {
            let builtins: Vec<&str> = crate::runs::PRESETS.iter().map(|(name, _)| *name).collect();
            Some(format!(
                "__git_agent_words=\"{} $(__git_agent_git config --name-only --get-regexp '^agent\\..*\\.command$' | sed 's/^agent\\.//; s/\\.command$//' | tr '\\n' ' ')\"",
                builtins.join(" ")
            ))
        }
        _ => None,
    }
}

/// Like [`ids_awk`], with the wanted states in the awk variable `want`.
fn ids_awk_wanted() -> String {
    r#"/^refs\/agents\/[^\/]+\/meta$/ { id = substr($0, 13, length($0) - 17); next }
id != "" && /^state *= *"/ { s = $0; sub(/^state *= *"/, "", s); sub(/".*/, "", s); if (index(want, " " s " ")) printf "%s ", id; id = "" }"#
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bash_script_has_no_placeholders_left() {
        let script = render(Shell::Bash);
        let placeholder = script
            .split('@')
            .skip(1)
            .find(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()));
        assert_eq!(placeholder, None, "{script}");
        assert!(script.contains("__git_agent_verbs='new list show"));
    }

    #[test]
    fn only_existing_sessions_complete_to_ids() {
        let cmd = command();
        let ids: Vec<(&str, Ids)> = verbs(&cmd)
            .flat_map(|v| {
                v.get_positionals()
                    .map(move |a| (v.get_name(), session_ids(v, a)))
            })
            .filter(|(_, ids)| *ids != Ids::No)
            .collect();
        for verb in ["show", "path", "discard"] {
            assert!(ids.contains(&(verb, Ids::One)), "{verb}: {ids:?}");
        }
        assert!(ids.contains(&("diff", Ids::First)), "{ids:?}");
        assert!(!ids.iter().any(|(v, _)| *v == "new" || *v == "completions"));
    }

    #[test]
    fn hidden_verbs_are_not_completed() {
        let cmd = unbuilt().subcommand(Command::new("__internal").hide(true));
        for shell in [Shell::Zsh, Shell::Fish, Shell::Elvish, Shell::PowerShell] {
            let script = clap_script(shell, cmd.clone());
            assert!(!script.contains("__internal"), "{shell}: {script}");
            assert!(script.contains("discard"), "{shell}: {script}");
        }
        assert_eq!(
            clap_script(Shell::Zsh, unbuilt()),
            clap_script(Shell::Zsh, cmd),
            "the rebuilt root completes like the original"
        );
    }

    #[test]
    fn live_states_are_the_ones_list_shows() {
        assert_eq!(
            live_states(),
            ["active", "running", "done", "failed", "broken"]
        );
    }
}
