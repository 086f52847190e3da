//! keep --squash/--commit make their commits as `git commit` does in the
//! target: pre-commit and commit-msg hooks (skipped by --no-verify),
//! post-commit after the branch moved, and signatures when commit.gpgSign
//! is set (D10).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::{TestRepo, write};

fn hook(repo: &TestRepo, name: &str, body: &str) {
    let path = repo.path(".git/hooks").join(name);
    write(&path, &format!("#!/bin/sh\n{body}\n"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A session with one commit of its own ("add x") and an uncommitted file.
fn session_with_commit_and_leftover(repo: &TestRepo) -> std::path::PathBuf {
    let wt = repo.new_session(&["s"]);
    write(&wt.join("x.txt"), "x\n");
    repo.git_in(&wt, &["add", "x.txt"]);
    repo.git_in(&wt, &["commit", "-qm", "add x"]);
    write(&wt.join("left.txt"), "bad\n");
    wt
}

/// Everything in the checkout a refused keep must leave alone.
fn state(repo: &TestRepo) -> (String, Vec<u8>, String) {
    (
        repo.fingerprint(&repo.root),
        std::fs::read(repo.path(".git/index")).unwrap(),
        repo.git(&["for-each-ref", "refs/heads/main", "refs/notes"]),
    )
}

#[test]
fn a_failing_pre_commit_hook_refuses_keep_and_changes_nothing() {
    let repo = TestRepo::new();
    let seen = repo.base().join("seen");
    session_with_commit_and_leftover(&repo);
    // The hook sees the commit to be made through the index.
    hook(
        &repo,
        "pre-commit",
        &format!(
            "git write-tree > {0}; git diff --cached --name-only >> {0}\n\
             if git show :left.txt | grep -q bad; then echo 'left.txt is bad'; exit 1; fi",
            seen.display()
        ),
    );
    for how in ["--squash", "--commit"] {
        let before = state(&repo);
        let err = repo.agent(&["keep", "s", how]).fails(1).stderr;
        assert!(
            err.contains("left.txt is bad") && err.contains("pre-commit hook failed"),
            "{how}: {err}"
        );
        assert!(err.contains("--no-verify"), "{err}");
        assert_eq!(state(&repo), before, "{how}");
        assert_eq!(repo.json(&["show", "s", "--json"])["state"], "active");
        let seen = std::fs::read_to_string(&seen).unwrap();
        let mut lines = seen.lines();
        let tree = lines.next().unwrap();
        assert_eq!(
            repo.git(&["ls-tree", "-r", "--name-only", tree]),
            "a.txt\ndocs/guide.md\nleft.txt\nsrc/lib.rs\nx.txt"
        );
        assert_eq!(lines.collect::<Vec<_>>(), ["left.txt", "x.txt"]);
    }
    repo.agent(&["keep", "s", "--commit", "--no-verify"])
        .success();
    assert_eq!(repo.read("left.txt"), "bad\n");
    assert_eq!(
        repo.git(&["log", "--format=%s", "-2"]),
        "Uncommitted changes of session s\nadd x"
    );
}

#[test]
fn commit_msg_edits_the_messages_keep_writes_and_can_refuse_them() {
    let repo = TestRepo::new();
    session_with_commit_and_leftover(&repo);
    hook(&repo, "commit-msg", "echo 'Reviewed-by: hook' >> \"$1\"");
    let post = repo.base().join("post");
    hook(
        &repo,
        "post-commit",
        &format!("git rev-parse HEAD >> {}", post.display()),
    );
    repo.agent(&["keep", "s", "--commit"]).success();
    // The replayed commit keeps the agent's message (as git rebase does);
    // the commit keep writes went through commit-msg.
    assert_eq!(
        repo.git(&["log", "--format=%B%x00", "-2"]),
        "Uncommitted changes of session s\nReviewed-by: hook\u{0}\nadd x\u{0}"
    );
    // post-commit ran once, after the branch moved.
    assert_eq!(
        std::fs::read_to_string(&post).unwrap(),
        format!("{}\n", repo.git(&["rev-parse", "HEAD"]))
    );

    let wt = repo.new_session(&["t"]);
    write(&wt.join("t.txt"), "t\n");
    hook(&repo, "commit-msg", "echo 'no WIP allowed' >&2; exit 1");
    let before = state(&repo);
    let err = repo
        .agent(&["keep", "t", "--squash", "-m", "WIP"])
        .fails(1)
        .stderr;
    assert!(
        err.contains("no WIP allowed") && err.contains("commit-msg hook failed"),
        "{err}"
    );
    assert_eq!(state(&repo), before);
    repo.agent(&["keep", "t", "--squash", "-m", "WIP", "-n"])
        .success();
    assert_eq!(repo.git(&["log", "--format=%B", "-1"]), "WIP");
}

/// A stand-in for gpg, as git's own tests use: it signs anything.
fn fake_gpg(repo: &TestRepo, works: bool) -> String {
    let path = repo
        .base()
        .join(if works { "gpg-ok" } else { "gpg-broken" });
    let body = if works {
        "cat >/dev/null\necho '[GNUPG:] SIG_CREATED D 1 8 00 0 FAKE' >&2\nprintf -- '-----BEGIN PGP SIGNATURE-----\\n\\nfake\\n-----END PGP SIGNATURE-----\\n'"
    } else {
        "cat >/dev/null\necho 'gpg: no secret key' >&2\nexit 2"
    };
    write(&path, &format!("#!/bin/sh\n{body}\n"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

fn signed(repo: &TestRepo, rev: &str) -> bool {
    repo.git(&["cat-file", "commit", rev])
        .lines()
        .any(|l| l.starts_with("gpgsig "))
}

#[test]
fn commits_are_signed_when_commit_gpgsign_is_set() {
    let repo = TestRepo::new();
    session_with_commit_and_leftover(&repo);
    repo.git(&["config", "gpg.program", &fake_gpg(&repo, true)]);
    repo.git(&["config", "commit.gpgSign", "true"]);
    repo.agent(&["keep", "s", "--commit"]).success();
    assert!(signed(&repo, "HEAD") && signed(&repo, "HEAD~1"));
    assert!(
        !signed(&repo, "HEAD~2"),
        "the commit before keep is as it was"
    );

    let wt = repo.new_session(&["t"]);
    write(&wt.join("t.txt"), "t\n");
    repo.agent(&["keep", "t", "--squash"]).success();
    assert!(signed(&repo, "HEAD"));

    // Unset, nothing is signed.
    repo.git(&["config", "commit.gpgSign", "false"]);
    let wt = repo.new_session(&["u"]);
    write(&wt.join("u.txt"), "u\n");
    repo.agent(&["keep", "u", "--squash"]).success();
    assert!(!signed(&repo, "HEAD"));
}

#[test]
fn a_signature_that_cannot_be_made_refuses_keep_and_changes_nothing() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["s"]);
    write(&wt.join("t.txt"), "t\n");
    repo.git(&["config", "gpg.program", &fake_gpg(&repo, false)]);
    repo.git(&["config", "commit.gpgSign", "true"]);
    let before = state(&repo);
    let err = repo.agent(&["keep", "s", "--squash"]).fails(1).stderr;
    assert!(err.contains("commit.gpgSign"), "{err}");
    assert_eq!(state(&repo), before);
    assert!(!Path::new(&repo.path("t.txt")).exists());
    assert_eq!(repo.json(&["show", "s", "--json"])["state"], "active");
}
