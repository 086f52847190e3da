//! Bash completion for real: bash with the system's bash-completion and git's
//! own completion loaded, plus ours, completing `git agent …` command lines
//! the way bash does when TAB is pressed.

use std::path::Path;

use git_agent::completion;

use crate::common::{TestRepo, hermetic, succeeds};

const BASH_COMPLETION: &str = "/usr/share/bash-completion/bash_completion";

/// Where distributions put git's completion script.
const GIT_COMPLETION: &[&str] = &[
    "/usr/share/bash-completion/completions/git",
    "/usr/share/git/completion/git-completion.bash",
    "/usr/share/git-core/contrib/completion/git-completion.bash",
    "/etc/bash_completion.d/git",
];

fn git_completion() -> &'static str {
    GIT_COMPLETION
        .iter()
        .find(|p| Path::new(p).exists())
        .expect("git's bash completion script (the git package ships it)")
}

/// Whether bash-completion and git's bash completion script are installed.
/// Outside CI a test that needs them is skipped with a note when they are
/// not; in CI that fails (see `common::have_tool`).
fn have_bash_completion() -> bool {
    let found =
        Path::new(BASH_COMPLETION).exists() && GIT_COMPLETION.iter().any(|p| Path::new(p).exists());
    crate::common::have_tool(
        found,
        &format!("bash-completion ({BASH_COMPLETION}, with git's completion script)"),
    )
}

/// How our script gets loaded.
#[derive(Clone, Copy)]
enum Load {
    /// `source <(git agent completions bash)`, as the README says for ~/.bashrc.
    Source,
    /// Not at all: bash-completion finds it in
    /// ~/.local/share/bash-completion/completions/git-agent on first use.
    OnDemand,
}

/// Split a command line into COMP_WORDS the way bash does with the default
/// COMP_WORDBREAKS: at blanks, and around `=` and `:`, which are words of
/// their own. A line ending in a blank completes a new, empty word.
fn comp_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    for token in line.split(' ').filter(|t| !t.is_empty()) {
        let mut rest = token;
        while let Some(i) = rest.find(['=', ':']) {
            if i > 0 {
                words.push(rest[..i].to_owned());
            }
            words.push(rest[i..i + 1].to_owned());
            rest = &rest[i + 1..];
        }
        if !rest.is_empty() {
            words.push(rest.to_owned());
        }
    }
    if line.ends_with(' ') {
        words.push(String::new());
    }
    words
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Press TAB at the end of `line` in `dir`; returns COMPREPLY in order.
/// `git …` lines go through git's completion, `git-agent …` through the
/// function registered for git-agent.
fn complete_with(repo: &TestRepo, dir: &Path, line: &str, load: Load) -> Vec<String> {
    let words = comp_words(line);
    let quoted: Vec<String> = words.iter().map(|w| quote(w)).collect();
    let loader = match load {
        Load::Source => "source <(git-agent completions bash) || exit 1".to_owned(),
        Load::OnDemand => {
            let dir = repo.home.join(".local/share/bash-completion/completions");
            crate::common::write(
                &dir.join("git-agent"),
                &completion::render(clap_complete::Shell::Bash),
            );
            String::new()
        }
    };
    let entry = if words[0] == "git" {
        "__git_wrap__git_main".to_owned()
    } else {
        // What `complete -p git-agent` registered (`-F <function>`).
        r#"if ! complete -p git-agent >/dev/null 2>&1; then _completion_loader git-agent; fi
        f=$(complete -p git-agent); f=${f##*-F }; f=${f%% *}; "$f" git-agent"#
            .to_owned()
    };
    let script = format!(
        r#"source {bash_completion} || exit 1
source {git_completion} || exit 1
{loader}
COMP_WORDS=({words})
COMP_CWORD={cword}
COMP_LINE={line}
COMP_POINT=${{#COMP_LINE}}
COMPREPLY=()
{entry}
printf '%s\n' "${{COMPREPLY[@]}}"
"#,
        bash_completion = quote(BASH_COMPLETION),
        git_completion = quote(git_completion()),
        words = quoted.join(" "),
        cword = words.len() - 1,
        line = quote(line),
    );
    let out = hermetic("bash", &repo.home)
        .current_dir(dir)
        .args(["--norc", "--noprofile", "-c", &script])
        .output()
        .expect("run bash");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.is_empty(),
        "completing {line:?}: {stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// COMPREPLY for `line` in the main worktree, without the trailing space
/// every candidate carries (completion runs with -o nospace, like git's).
fn complete(repo: &TestRepo, line: &str) -> Vec<String> {
    complete_in(repo, &repo.root, line)
}

fn complete_in(repo: &TestRepo, dir: &Path, line: &str) -> Vec<String> {
    trimmed(complete_with(repo, dir, line, Load::Source))
}

fn trimmed(reply: Vec<String>) -> Vec<String> {
    for r in &reply {
        assert!(r.ends_with(' '), "{r:?} has no trailing space");
    }
    reply.into_iter().map(|r| r.trim_end().to_owned()).collect()
}

fn verbs() -> Vec<String> {
    let cmd = completion::command();
    completion::verbs(&cmd)
        .map(|v| v.get_name().to_owned())
        .collect()
}

/// A repository with live sessions alpha-one, alpha-two and beta, and a
/// discarded one, gone.
fn repo_with_sessions() -> TestRepo {
    let repo = TestRepo::new();
    for id in ["alpha-one", "alpha-two", "beta", "gone"] {
        repo.new_session(&[id]);
    }
    repo.agent(&["discard", "gone"]).success();
    repo
}

#[test]
fn verbs_complete_after_git_agent() {
    if !have_bash_completion() {
        return;
    }
    let repo = TestRepo::new();
    assert_eq!(complete(&repo, "git agent "), verbs());
    assert_eq!(complete(&repo, "git agent d"), ["diff", "discard"]);
    assert_eq!(complete(&repo, "git agent k"), ["keep"]);
    assert_eq!(complete(&repo, "git agent --color=never sh"), ["show"]);
    assert_eq!(complete(&repo, "git --no-pager agent li"), ["list"]);
}

#[test]
fn flags_and_their_values_complete_after_a_verb() {
    if !have_bash_completion() {
        return;
    }
    let repo = TestRepo::new();
    let new = complete(&repo, "git agent new --");
    for flag in [
        "--base", "--carry", "--scope", "--json", "--color", "--help",
    ] {
        assert!(new.contains(&flag.to_owned()), "{flag}: {new:?}");
    }
    assert_eq!(complete(&repo, "git agent list --a"), ["--all"]);
    assert_eq!(complete(&repo, "git agent show --j"), ["--json"]);
    assert_eq!(
        complete(&repo, "git agent --color "),
        ["auto", "always", "never"]
    );
    assert_eq!(
        complete(&repo, "git agent list --color=a"),
        ["auto", "always"]
    );
    assert_eq!(
        complete(&repo, "git agent completions "),
        ["bash", "elvish", "fish", "powershell", "zsh"]
    );
}

/// `--base` offers branches and tags; `-a` the built-in and configured agents.
#[test]
fn revisions_and_agents_complete_from_the_repository() {
    if !have_bash_completion() {
        return;
    }
    let repo = TestRepo::new();
    repo.git(&["branch", "feature"]);
    repo.git(&["tag", "v1"]);
    repo.git(&["config", "agent.reviewer.command", "reviewer --strict"]);
    assert_eq!(
        complete(&repo, "git agent new --base "),
        ["feature", "main", "v1"]
    );
    assert_eq!(complete(&repo, "git agent new --base f"), ["feature"]);
    let agents = complete(&repo, "git agent new -a ");
    for agent in ["codex", "claude", "opencode", "aider", "gemini", "reviewer"] {
        assert!(agents.contains(&agent.to_owned()), "{agent}: {agents:?}");
    }
    assert_eq!(complete(&repo, "git agent run x --agent rev"), ["reviewer"]);
}

#[test]
fn live_session_ids_complete_for_verbs_that_take_one() {
    if !have_bash_completion() {
        return;
    }
    let repo = repo_with_sessions();
    let live = ["alpha-one", "alpha-two", "beta"];
    for verb in [
        "keep", "show", "path", "diff", "discard", "run", "stop", "logs", "wait",
    ] {
        assert_eq!(
            complete(&repo, &format!("git agent {verb} ")),
            live,
            "{verb}"
        );
    }
    assert_eq!(complete(&repo, "git agent show alpha-t"), ["alpha-two"]);
    assert_eq!(
        complete(&repo, "git agent show --json a"),
        ["alpha-one", "alpha-two"]
    );
    assert_eq!(complete(&repo, "git agent --color always path b"), ["beta"]);
    // Not for `new` (a new id), not a second id, not once a value is there.
    assert_eq!(complete(&repo, "git agent new "), Vec::<String>::new());
    assert_eq!(
        complete(&repo, "git agent show beta "),
        Vec::<String>::new()
    );
    assert_eq!(
        complete(&repo, "git agent diff beta -- "),
        Vec::<String>::new()
    );
}

#[test]
fn ids_complete_from_subdirectories_session_worktrees_and_git_dash_c() {
    if !have_bash_completion() {
        return;
    }
    let repo = repo_with_sessions();
    let live = ["alpha-one", "alpha-two", "beta"];
    assert_eq!(
        complete_in(&repo, &repo.path("src"), "git agent show "),
        live
    );
    let wt = repo.path(".worktrees/beta");
    assert_eq!(complete_in(&repo, &wt.join("src"), "git agent diff "), live);
    let elsewhere = repo.base();
    let line = format!("git -C {} agent show al", repo.root.display());
    assert_eq!(
        complete_in(&repo, &elsewhere, &line),
        ["alpha-one", "alpha-two"]
    );
}

/// Many sessions, written straight into refs, with metadata that tries to
/// fool the parser: a prompt holding a `state = …` line and a ref name.
#[test]
fn ids_are_read_from_each_session_s_own_state_line() {
    if !have_bash_completion() {
        return;
    }
    let repo = TestRepo::new();
    let meta = |id: &str, state: &str| {
        format!(
            "version = 1\nid = \"{id}\"\nstate = \"{state}\"\nbranch = \"agent/{id}\"\n\
             prompt = \"\"\"\nstate = \"active\"\nrefs/agents/evil/meta\n\"\"\"\n"
        )
    };
    let mut refs = String::new();
    let mut expected = Vec::new();
    let states = [
        "active",
        "running",
        "done",
        "failed",
        "broken",
        "kept",
        "discarded",
    ];
    for i in 0..140 {
        let id = format!("s{i:03}");
        let state = states[i % states.len()];
        let path = repo.base().join(format!("meta-{id}"));
        crate::common::write(&path, &meta(&id, state));
        let blob = repo.git(&["hash-object", "-w", path.to_str().unwrap()]);
        refs.push_str(&format!("create refs/agents/{id}/meta {blob}\n"));
        if !matches!(state, "kept" | "discarded") {
            expected.push(id);
        }
    }
    let refs_file = repo.base().join("refs.txt");
    crate::common::write(&refs_file, &refs);
    succeeds(
        hermetic("git", &repo.home)
            .current_dir(&repo.root)
            .args(["update-ref", "--stdin"])
            .stdin(std::fs::File::open(&refs_file).unwrap()),
    );
    assert_eq!(complete(&repo, "git agent show "), expected);
    let s00: Vec<String> = expected
        .iter()
        .filter(|id| id.starts_with("s00"))
        .cloned()
        .collect();
    assert_eq!(complete(&repo, "git agent show s00"), s00);
}

#[test]
fn a_git_alias_for_a_verb_runs_and_completes_ids() {
    let repo = repo_with_sessions();
    repo.git(&["config", "alias.ak", "agent show"]);
    repo.git(&["config", "alias.ag", "agent"]);
    let out = succeeds(
        hermetic("git", &repo.home)
            .current_dir(&repo.root)
            .args(["ak", "beta"]),
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("session   beta"));
    if !have_bash_completion() {
        return;
    }
    assert_eq!(
        complete(&repo, "git ak "),
        ["alpha-one", "alpha-two", "beta"]
    );
    assert_eq!(complete(&repo, "git ak --j"), ["--json"]);
    assert_eq!(complete(&repo, "git ag d"), ["diff", "discard"]);
    assert_eq!(complete(&repo, "git ag path b"), ["beta"]);
}

/// The README's own example: `alias.ak = agent keep`.
#[test]
fn an_alias_for_keep_keeps_and_completes_ids() {
    let repo = repo_with_sessions();
    let wt = repo.path(".worktrees/beta");
    crate::common::write(&wt.join("kept.txt"), "from beta\n");
    repo.git(&["config", "alias.ak", "agent keep"]);
    let completes = have_bash_completion();
    if completes {
        assert_eq!(
            complete(&repo, "git ak "),
            ["alpha-one", "alpha-two", "beta"]
        );
        assert_eq!(complete(&repo, "git ak --sq"), ["--squash"]);
    }
    succeeds(
        hermetic("git", &repo.home)
            .current_dir(&repo.root)
            .args(["ak", "beta"]),
    );
    assert_eq!(repo.git(&["diff", "--cached", "--name-only"]), "kept.txt");
    assert_eq!(repo.read("kept.txt"), "from beta\n");
    if completes {
        assert_eq!(complete(&repo, "git ak "), ["alpha-one", "alpha-two"]);
    }
}

#[test]
fn git_agent_on_its_own_completes_too() {
    if !have_bash_completion() {
        return;
    }
    let repo = repo_with_sessions();
    assert_eq!(complete(&repo, "git-agent "), verbs());
    assert_eq!(
        complete(&repo, "git-agent show al"),
        ["alpha-one", "alpha-two"]
    );
    assert_eq!(complete(&repo, "git-agent list --color=ne"), ["never"]);
}

#[test]
fn bash_completion_loads_the_installed_script_on_first_use() {
    if !have_bash_completion() {
        return;
    }
    let repo = repo_with_sessions();
    let reply = complete_with(&repo, &repo.root, "git agent show b", Load::OnDemand);
    assert_eq!(trimmed(reply), ["beta"]);
    let reply = complete_with(&repo, &repo.root, "git-agent sh", Load::OnDemand);
    assert_eq!(trimmed(reply), ["show"]);
}

/// Whether `shell` is installed; zsh and fish are optional (.ci/run installs them).
fn have(shell: &str) -> bool {
    let found = std::process::Command::new(shell)
        .args(["-c", "exit 0"])
        .output()
        .is_ok_and(|o| o.status.success());
    crate::common::have_tool(found, shell)
}

/// Drives an interactive zsh through a pseudo-terminal: types `$2` and TAB
/// with our script in fpath (`$1`) and compinit loaded, and prints every
/// match offered as `<<match>>`. A key bound after TAB prints __DONE__ once
/// completion has finished.
const ZSH_DRIVER: &str = r#"
zmodload zsh/zpty || exit 1
zpty z zsh -f -i
zpty -w z "PS1='' RPROMPT=''; unsetopt zle_bracketed_paste; fpath=(${(q)1} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z 'zstyle ":completion:*" insert-tab false'
zpty -w z 'compadd () { local -a m; builtin compadd -O m "$@"; (( $#m )) && print -r -- ${(j::)${(@)${(@)m/#/<<}/%/>>}}; builtin compadd "$@" }'
zpty -w z 'done-widget () { print -r -- __DONE__ }; zle -N done-widget; bindkey "^X" done-widget; bindkey "^I" complete-word'
zpty -w z 'print __READY__'
local line out=''
while zpty -r z line; do [[ $line == *__READY__* && $line != *print* ]] && break; done
zpty -w -n z "$2"$'\t\x18'
while zpty -r z line; do
  out+=$line
  [[ $line == *__DONE__* && $line != *print* ]] && break
done
zpty -d z
print -r -- "$out"
"#;

/// What zsh offers for `line` (in order, without repeats).
fn zsh_complete(repo: &TestRepo, line: &str) -> Vec<String> {
    let fpath = repo.home.join("zfunc");
    crate::common::write(
        &fpath.join("_git-agent"),
        &completion::render(clap_complete::Shell::Zsh),
    );
    let out = succeeds(
        hermetic("timeout", &repo.home)
            .current_dir(&repo.root)
            .args(["60", "zsh", "-f", "-c", ZSH_DRIVER, "zsh"])
            .arg(&fpath)
            .arg(line),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut matches: Vec<String> = Vec::new();
    for piece in text.split("<<").skip(1) {
        if let Some((m, _)) = piece.split_once(">>")
            && !matches.iter().any(|x| x == m)
        {
            matches.push(m.to_owned());
        }
    }
    matches
}

#[test]
fn zsh_completes_verbs_flags_and_ids_inside_git_s_completion() {
    if !have("zsh") {
        return;
    }
    let repo = repo_with_sessions();
    let mut all = zsh_complete(&repo, "git agent ");
    all.sort();
    let mut expected = verbs();
    expected.sort();
    assert_eq!(all, expected);
    assert_eq!(zsh_complete(&repo, "git agent sh"), ["show"]);
    assert_eq!(
        zsh_complete(&repo, "git agent show "),
        ["alpha-one", "alpha-two", "beta"]
    );
    assert_eq!(zsh_complete(&repo, "git agent path alpha-t"), ["alpha-two"]);
    assert_eq!(zsh_complete(&repo, "git-agent discard b"), ["beta"]);
    assert!(zsh_complete(&repo, "git agent list --").contains(&"--all".to_owned()));
}

/// What fish offers for `line` (`complete -C`), without descriptions.
fn fish_complete(repo: &TestRepo, line: &str) -> Vec<String> {
    let dir = repo.home.join(".config/fish/completions");
    crate::common::write(
        &dir.join("git-agent.fish"),
        &completion::render(clap_complete::Shell::Fish),
    );
    let out = succeeds(
        hermetic("fish", &repo.home)
            .current_dir(&repo.root)
            .args(["-c", &format!("complete -C {}", quote(line))]),
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').next().unwrap_or_default().to_owned())
        .collect()
}

/// `git agent …` in fish goes through fish's git completion, which forwards
/// to git-agent's from fish 3.6.1 on (3.6.0 broke it, fish-shell#9457); the
/// script itself is checked through `git-agent …`.
#[test]
fn fish_completes_verbs_flags_and_ids() {
    if !have("fish") {
        return;
    }
    let repo = repo_with_sessions();
    let mut verbs_offered = fish_complete(&repo, "git-agent ");
    verbs_offered.sort();
    let mut expected = verbs();
    expected.sort();
    assert_eq!(verbs_offered, expected);
    assert_eq!(
        fish_complete(&repo, "git-agent show "),
        ["alpha-one", "alpha-two", "beta"]
    );
    assert_eq!(
        fish_complete(&repo, "git-agent discard alpha-o"),
        ["alpha-one"]
    );
    assert!(fish_complete(&repo, "git-agent list --").contains(&"--all".to_owned()));
    assert_eq!(
        fish_complete(&repo, "git-agent --color="),
        ["--color=always", "--color=auto", "--color=never"]
    );
}

#[test]
fn restore_completes_the_sessions_that_are_not_live() {
    if !have_bash_completion() {
        return;
    }
    let repo = TestRepo::new();
    repo.new_session(&["alive"]);
    repo.new_session(&["gone"]);
    repo.agent(&["discard", "gone"]).success();
    assert_eq!(complete(&repo, "git agent restore "), ["gone"]);
    assert_eq!(complete(&repo, "git agent show "), ["alive"]);
}
