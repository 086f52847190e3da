//! Generated files: the man pages in man/man1 and the scripts in completions/
//! are rendered from the clap definition and must match the committed copies.
//! `GIT_AGENT_UPDATE_GENERATED=1 cargo test generated` rewrites them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Parser;
use git_agent::cli::Cli;
use git_agent::completion;

use crate::common::{BIN, TestRepo, hermetic, succeeds};
use crate::manpage;

const UPDATE: &str = "GIT_AGENT_UPDATE_GENERATED";
const DIRS: [&str; 2] = ["man/man1", "completions"];

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every generated file, by its path relative to the crate root.
fn generated() -> BTreeMap<PathBuf, String> {
    let mut files = BTreeMap::new();
    for page in manpage::render_all().expect("render the man pages") {
        files.insert(Path::new("man/man1").join(page.file_name), page.roff);
    }
    for shell in completion::shells() {
        let path = Path::new("completions").join(completion::file_name(shell));
        files.insert(path, completion::render(shell));
    }
    files
}

/// Files in the generated directories that nothing generates any more (a
/// verb was renamed or removed).
fn leftovers(files: &BTreeMap<PathBuf, String>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in DIRS {
        let Ok(entries) = std::fs::read_dir(crate_root().join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let rel = Path::new(dir).join(entry.file_name());
            if !files.contains_key(&rel) {
                out.push(rel);
            }
        }
    }
    out
}

#[test]
fn generated_files_are_up_to_date() {
    let files = generated();
    let root = crate_root();
    if std::env::var_os(UPDATE).is_some_and(|v| v == "1") {
        for (rel, content) in &files {
            let path = root.join(rel);
            if std::fs::read_to_string(&path).ok().as_deref() != Some(content.as_str()) {
                crate::common::write(&path, content);
            }
        }
        for rel in leftovers(&files) {
            std::fs::remove_file(root.join(rel)).expect("remove a stale generated file");
        }
        return;
    }
    let mut problems = Vec::new();
    for (rel, content) in &files {
        match std::fs::read_to_string(root.join(rel)) {
            Ok(committed) if committed == *content => {}
            Ok(_) => problems.push(format!("{} is out of date", rel.display())),
            Err(_) => problems.push(format!("{} is missing", rel.display())),
        }
    }
    for rel in leftovers(&files) {
        problems.push(format!("{} is no longer generated", rel.display()));
    }
    assert!(
        problems.is_empty(),
        "{}\nRun `{UPDATE}=1 cargo test generated` and commit the result.",
        problems.join("\n")
    );
}

#[test]
fn there_is_a_page_for_every_visible_verb() {
    let pages: Vec<String> = manpage::render_all()
        .unwrap()
        .into_iter()
        .map(|p| p.file_name)
        .collect();
    let cmd = completion::command();
    let mut expected = vec!["git-agent.1".to_owned()];
    expected.extend(completion::verbs(&cmd).map(|v| format!("git-agent-{}.1", v.get_name())));
    assert_eq!(pages, expected);
    assert!(expected.contains(&"git-agent-diff.1".to_owned()));
}

fn page(name: &str) -> String {
    manpage::render_all()
        .unwrap()
        .into_iter()
        .find(|p| p.file_name == name)
        .unwrap_or_else(|| panic!("no page {name}"))
        .roff
}

#[test]
fn the_main_page_documents_exit_status_configuration_and_verbs() {
    let main = page("git-agent.1");
    for section in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "OPTIONS",
        "COMMANDS",
        "\"EXIT STATUS\"",
        "CONFIGURATION",
        "EXAMPLES",
        "\"SEE ALSO\"",
    ] {
        assert!(
            main.contains(&format!(".SH {section}\n")),
            "no {section}:\n{main}"
        );
    }
    for key in git_agent::config::KEYS {
        // roff escapes '-' as '\-'.
        assert!(
            main.contains(&key.name.replace('-', "\\-")),
            "{} missing",
            key.name
        );
        if let Some(default) = key.default {
            assert!(
                main.contains(&default.replace('-', "\\-")),
                "default of {}",
                key.name
            );
        }
    }
    assert!(
        main.contains("git\\-agent\\-discard(1)"),
        "verbs cross-referenced"
    );
}

#[test]
fn verbs_with_json_output_document_its_fields() {
    let cmd = completion::command();
    for verb in completion::verbs(&cmd) {
        let text = page(&format!("git-agent-{}.1", verb.get_name()));
        assert!(
            text.contains(".SH \"EXIT STATUS\"\n"),
            "{}",
            verb.get_name()
        );
        let has_json = manpage::json_output(verb).is_some();
        assert_eq!(
            text.contains(".SH \"JSON OUTPUT\""),
            has_json,
            "{}",
            verb.get_name()
        );
    }
    let show = page("git-agent-show.1");
    for (field, _) in manpage::SESSION_FIELDS {
        assert!(show.contains(&format!("\\fB{}\\fR", field)), "{field}");
    }
    assert!(page("git-agent-list.1").contains("JSON array"));
}

/// Every field `show --json` prints is documented, and every documented
/// top-level field is printed.
#[test]
fn documented_json_fields_match_what_show_prints() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["doc", "--scope", "src/**"]);
    crate::common::write(&wt.join("a.txt"), "changed\n");
    let json = repo.json(&["show", "doc", "--json"]);
    let mut printed = Vec::new();
    for (key, value) in json.as_object().unwrap() {
        printed.push(key.clone());
        if let Some(inner) = value.as_object() {
            printed.extend(inner.keys().map(|k| format!("{key}.{k}")));
        }
    }
    let documented: Vec<&str> = manpage::SESSION_FIELDS.iter().map(|(f, _)| *f).collect();
    for field in &printed {
        assert!(
            documented.contains(&field.as_str()),
            "`{field}` is printed but not documented in manpage::SESSION_FIELDS"
        );
    }
    for field in documented.iter().filter(|f| !f.contains('.')) {
        assert!(
            printed.iter().any(|p| p == field),
            "`{field}` is documented but not printed"
        );
    }
}

/// Split an example line the way the shell would, for the simple quoting the
/// examples use.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, ' ') => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

#[test]
fn examples_are_valid_command_lines() {
    let cmd = completion::command();
    let mut pages = vec![""];
    pages.extend(completion::verbs(&cmd).map(|v| v.get_name()));
    let mut checked = 0;
    for verb in pages {
        for (_, lines) in manpage::examples(verb) {
            for line in *lines {
                // `cd "$(git agent path x)"`, `git agent list --json | jq …`
                let line = line.split(['|', '>']).next().unwrap().trim_end();
                let Some(start) = line.find("git agent ") else {
                    continue;
                };
                let line = line[start..].trim_end_matches(['"', ')']);
                let words = shell_words(line);
                let args = std::iter::once("git-agent".to_owned()).chain(words.into_iter().skip(2));
                if let Err(e) = Cli::try_parse_from(args) {
                    panic!("example `{line}` on the {verb:?} page does not parse:\n{e}");
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 10, "only {checked} examples checked");
}

/// `man` is man-db's (.ci/run installs it); without it there is nothing to check.
fn have_man() -> bool {
    let found = std::process::Command::new("man")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    crate::common::have_tool(found, "man (man-db)")
}

/// The rendered pages in a temporary `<dir>/man1`, for MANPATH.
fn pages_in_temp_manpath() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for page in manpage::render_all().unwrap() {
        crate::common::write(&dir.path().join("man1").join(&page.file_name), &page.roff);
    }
    dir
}

#[test]
fn man_renders_every_page_without_warnings() {
    if !have_man() {
        return;
    }
    let dir = pages_in_temp_manpath();
    for page in manpage::render_all().unwrap() {
        let path = dir.path().join("man1").join(&page.file_name);
        let out = std::process::Command::new("man")
            .args(["--warnings", "-l"])
            .arg(&path)
            .env("MANWIDTH", "80")
            .env("MANPAGER", "cat")
            .env("LC_ALL", "C")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.is_empty(),
            "{}: {stderr}",
            page.file_name
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("EXIT STATUS") && text.contains("git agent"),
            "{}:\n{text}",
            page.file_name
        );
    }
}

#[test]
fn git_help_opens_the_pages_through_manpath() {
    if !have_man() {
        return;
    }
    let dir = pages_in_temp_manpath();
    let repo = TestRepo::new();
    let help = |args: &[&str]| {
        let out = hermetic("git", &repo.home)
            .current_dir(&repo.root)
            .args(args)
            .env("MANPATH", dir.path())
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "80")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    };
    // `git agent --help` is turned into `git help agent` by git itself.
    for args in [&["help", "agent"][..], &["agent", "--help"]] {
        let text = help(args);
        assert!(
            text.contains("git-agent - Give every AI coding agent"),
            "{args:?}:\n{text}"
        );
    }
    assert!(help(&["help", "git-agent-diff"]).contains("git-agent-diff - Show a session"));
}

/// `git agent <verb> --help` opens the verb's page as git's own commands do,
/// on a terminal or not (into a pipe man prints it as text); without an
/// installed page it prints the built-in long help, and `-h` is always the
/// short help.
#[test]
fn verb_help_opens_the_verb_s_manual_page_when_one_is_installed() {
    if !have_man() {
        return;
    }
    let repo = TestRepo::new();
    let man = Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let out = hermetic("script", &repo.home)
        .current_dir(&repo.root)
        .env("SHELL", "/bin/sh")
        .env("MANPATH", &man)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .args(["-qec", "git agent keep --help", "/dev/null"])
        .output()
        .expect("script(1)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("GIT-AGENT-KEEP(1)"),
        "not the manual page:\n{text}"
    );
    let agent = |args: &[&str], manpath: Option<&Path>| {
        let mut cmd = hermetic(BIN, &repo.home);
        cmd.current_dir(&repo.root).args(args).env("MANWIDTH", "80");
        if let Some(dir) = manpath {
            cmd.env("MANPATH", dir);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        assert!(out.stderr.is_empty(), "{args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    for args in [
        &["keep", "--help"][..],
        &["--color", "never", "keep", "--help"],
    ] {
        let piped = agent(args, Some(&man));
        assert!(
            piped.contains("GIT-AGENT-KEEP(1)") && !piped.contains("Usage:"),
            "{args:?}: {piped}"
        );
    }
    let top = agent(&["--help"], Some(&man));
    assert!(top.contains("GIT-AGENT(1)"), "{top}");
    let short = agent(&["keep", "-h"], Some(&man));
    assert!(
        short.contains("Usage:") && !short.contains("GIT-AGENT-KEEP(1)"),
        "{short}"
    );
    let no_page = repo.base().join("no-pages");
    std::fs::create_dir_all(&no_page).unwrap();
    for manpath in [None, Some(no_page.as_path())] {
        let piped = agent(&["keep", "--help"], manpath);
        assert!(
            piped.contains("Usage:") && !piped.contains("GIT-AGENT-KEEP(1)"),
            "{manpath:?}: {piped}"
        );
    }
}

#[test]
fn the_completions_verb_prints_the_generated_scripts_outside_a_repository() {
    let repo = TestRepo::bare_dir();
    for shell in completion::shells() {
        let out = succeeds(
            hermetic(BIN, &repo.home)
                .current_dir(repo.base())
                .args(["completions", &shell.to_string()]),
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            completion::render(shell),
            "{shell}"
        );
    }
    let out = hermetic(BIN, &repo.home)
        .current_dir(repo.base())
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
