//! Colour: `--color` (before or after the verb), `NO_COLOR`, `color.ui` and
//! `color.agent` decide whether git-agent's own output carries escapes.

use crate::common::{BIN, TestRepo, hermetic};

const ESC: char = '\x1b';

fn session_line(list: &str) -> &str {
    list.lines()
        .find(|l| l.contains("painted"))
        .unwrap_or_else(|| panic!("no session line in {list:?}"))
}

fn repo_with_a_session() -> TestRepo {
    let repo = TestRepo::new();
    repo.new_session(&["painted"]);
    repo
}

#[test]
fn color_always_colours_the_state_column_before_or_after_the_verb() {
    let repo = repo_with_a_session();
    for args in [
        &["--color=always", "list"][..],
        &["list", "--color=always"],
        &["list", "--color", "always"],
    ] {
        let list = repo.agent(args).success().stdout;
        let line = session_line(&list);
        // The id is plain, the state is wrapped in an escape sequence and a reset.
        assert!(line.starts_with("painted "), "{args:?}: {line:?}");
        let state = line.find("active").expect("state");
        assert!(
            line[..state].ends_with('m') && line[..state].contains(ESC),
            "{args:?}: {line:?}"
        );
        assert!(line[state..].contains("\x1b[0m"), "{args:?}: {line:?}");
    }
    let show = repo
        .agent(&["show", "painted", "--color=always"])
        .success()
        .stdout;
    assert!(
        show.lines()
            .any(|l| l.starts_with("state") && l.contains(ESC)),
        "{show:?}"
    );
}

#[test]
fn color_never_and_no_color_give_plain_output() {
    let repo = repo_with_a_session();
    // color.ui=always would colour even into a pipe; these must win over it.
    repo.git(&["config", "color.ui", "always"]);
    let coloured = repo.agent(&["list"]).success().stdout;
    assert!(
        coloured.contains(ESC),
        "color.ui=always colours: {coloured:?}"
    );
    for args in [
        &["--color=never", "list"][..],
        &["list", "--color=never"],
        &["show", "painted", "--color", "never"],
    ] {
        let run = repo.agent(args).success();
        assert!(
            !run.stdout.contains(ESC) && !run.stderr.contains(ESC),
            "{args:?}: {run:?}"
        );
    }
    let run = repo.agent_env(&[("NO_COLOR", "1")], &["list"]).success();
    assert!(!run.stdout.contains(ESC), "NO_COLOR: {:?}", run.stdout);
    assert!(run.stdout.contains("painted") && run.stdout.contains("active"));
    // An explicit --color=always still wins over NO_COLOR.
    let run = repo
        .agent_env(&[("NO_COLOR", "1")], &["list", "--color=always"])
        .success();
    assert!(run.stdout.contains(ESC), "{:?}", run.stdout);
}

#[test]
fn color_agent_overrides_color_ui_and_auto_is_plain_into_a_pipe() {
    let repo = repo_with_a_session();
    assert!(
        !repo.agent(&["list"]).success().stdout.contains(ESC),
        "a pipe is not a terminal"
    );
    repo.git(&["config", "color.ui", "always"]);
    repo.git(&["config", "color.agent", "never"]);
    assert!(!repo.agent(&["list"]).success().stdout.contains(ESC));
    repo.git(&["config", "color.ui", "never"]);
    repo.git(&["config", "color.agent", "always"]);
    assert!(repo.agent(&["list"]).success().stdout.contains(ESC));
}

#[test]
fn errors_colour_the_error_label_only_when_asked() {
    let repo = repo_with_a_session();
    let err = repo
        .agent(&["--color=always", "show", "nope"])
        .fails(1)
        .stderr;
    let label = err.find("error:").expect("error label");
    assert!(err[..label].contains(ESC), "{err:?}");
    assert!(
        err[label..].starts_with("error:\x1b[0m "),
        "only the label: {err:?}"
    );
    for args in [&["--color=never", "show", "nope"][..], &["show", "nope"]] {
        let err = repo.agent(args).fails(1).stderr;
        assert!(
            !err.contains(ESC) && err.starts_with("error: "),
            "{args:?}: {err:?}"
        );
    }
    let err = repo
        .agent_env(&[("NO_COLOR", "1")], &["show", "nope"])
        .fails(1)
        .stderr;
    assert!(!err.contains(ESC), "{err:?}");
}

#[test]
fn color_flag_values_are_checked_by_the_parser() {
    let repo = repo_with_a_session();
    let run = repo.agent(&["list", "--color=sometimes"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("sometimes"), "{}", run.stderr);
    repo.agent(&["--color"]).fails(2);
}

#[test]
fn diff_passes_color_on_to_git_diff() {
    let repo = repo_with_a_session();
    crate::common::write(&repo.path(".worktrees/painted/a.txt"), "changed\n");
    let plain = repo.agent(&["diff", "painted"]).success().stdout;
    assert!(
        plain.contains("+changed") && !plain.contains(ESC),
        "{plain:?}"
    );
    let coloured = repo
        .agent(&["diff", "painted", "--color=always"])
        .success()
        .stdout;
    assert!(
        coloured.contains(ESC) && coloured.contains("changed"),
        "{coloured:?}"
    );
}

#[test]
fn a_color_flag_before_the_verb_or_the_id_reaches_git_diff() {
    let repo = repo_with_a_session();
    crate::common::write(&repo.path(".worktrees/painted/a.txt"), "changed\n");
    for args in [
        &["--color=always", "diff", "painted"][..],
        &["diff", "--color=always", "painted"],
    ] {
        let out = repo.agent(args).success().stdout;
        assert!(out.contains(ESC), "{args:?}: {out:?}");
    }
}

#[test]
fn errors_outside_a_repository_honour_color_always() {
    let repo = TestRepo::bare_dir();
    let out = hermetic(BIN, &repo.home)
        .current_dir(repo.base())
        .args(["--color=always", "list"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error:") && err.contains(ESC), "{err:?}");
}

/// Text from a session's metadata or an agent (prompt, agent name, file
/// names) never reaches the terminal raw: control characters are quoted as
/// git quotes paths, even with colour forced on (which is when nothing
/// strips escapes on the way).
#[test]
fn prompts_and_file_names_are_printed_with_control_characters_quoted() {
    let repo = TestRepo::new();
    let prompt = "hi\x1b]0;pwned\x07 \x1b[31mred";
    let script =
        "printf x > \"$(printf 'esc\\033[31m.txt')\"; printf y > \"$(printf 'new\\nline')\"";
    repo.agent(&[
        "new", "evil", "--scope", "src/**", "-m", prompt, "--", "sh", "-c", script,
    ])
    .success();
    // An agent name as a fetched session could carry it.
    let meta = repo.git(&["cat-file", "-p", "refs/agents/evil/meta"]);
    let meta = meta.replace(
        "version = 1",
        "version = 1\nagent = \"\\u001B]2;owned\\u0007\"",
    );
    crate::common::set_meta(&repo, "evil", &meta);
    let raw = [
        "\x1b]0;pwned",
        "\x1b[31mred",
        "esc\x1b",
        "new\nline",
        "\x1b]2;owned",
    ];
    let clean = |what: &str, text: &str| {
        for bad in raw {
            assert!(!text.contains(bad), "{what} printed {bad:?} raw:\n{text}");
        }
    };

    let show = repo.agent(&["--color=always", "show", "evil"]).success();
    clean("show", &show.stdout);
    assert!(
        show.stdout
            .contains(r#"prompt    "hi\033]0;pwned\a \033[31mred""#),
        "{}",
        show.stdout
    );
    assert!(
        show.stdout
            .contains(r#"          "esc\033[31m.txt"  (out of scope)"#)
    );
    assert!(
        show.stdout
            .contains(r#"          "new\nline"  (out of scope)"#)
    );
    assert!(show.stdout.contains(r#"agent     "\033]2;owned\a""#));

    // JSON carries the text exactly, escaped by the JSON encoder.
    let json = repo.agent(&["show", "evil", "--json"]).success();
    clean("show --json", &json.stdout);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json["prompt"], prompt);
    assert_eq!(json["agent"], "\x1b]2;owned\x07");

    let list = repo.agent(&["--color=always", "list"]).success();
    clean("list", &list.stdout);
    assert!(
        list.stdout.contains(r#""\033]2;owned\a""#),
        "{}",
        list.stdout
    );

    let diff = repo
        .agent(&["--color=always", "diff", "evil", "--stat"])
        .success();
    clean("diff --stat", &diff.stdout);
    clean("diff's warning", &diff.stderr);
    assert!(
        diff.stdout.contains(r#""esc\033[31m.txt""#),
        "{}",
        diff.stdout
    );
    assert!(
        diff.stderr
            .contains(r#"outside the session's scope (src/**): "esc\033[31m.txt", "new\nline""#),
        "{}",
        diff.stderr
    );

    // An error that names them: keep into a checkout with its own such file.
    repo.write("esc\x1b[31m.txt", "mine\n");
    let keep = repo
        .agent(&["--color=always", "keep", "evil", "--force"])
        .fails(1);
    clean("keep's error", &keep.stderr);
    assert!(keep.stderr.contains(r"esc\033[31m.txt"), "{}", keep.stderr);
    let bad_id = repo
        .agent(&["--color=always", "show", "x\x1b]0;pwned\x07"])
        .fails(1);
    clean("an id's error", &bad_id.stderr);
}
