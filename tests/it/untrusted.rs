//! What arrives from a remote is untrusted: sessions crafted by anyone who
//! can push to a shared remote are foreign here whatever their metadata
//! says (a `clone` field missing, or copied from this clone's own
//! sessions), and no path, pid or branch in them is acted on. One
//! unreadable session is reported and skipped, never a denial of service.

use std::path::Path;

use crate::common::{TestRepo, write};

/// A session crafted by hand in `dir` and pushed to `origin`: `fields`
/// are extra TOML lines (`clone = …`, a `[run]` table).
fn craft(
    repo: &TestRepo,
    dir: &Path,
    id: &str,
    worktree: &Path,
    state: &str,
    branch: &str,
    fields: &str,
) {
    let base = repo.git_in(dir, &["rev-parse", "HEAD"]);
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now());
    // `fields` may name its own update time.
    let updated = if fields.contains("updated = ") {
        String::new()
    } else {
        format!("updated = \"{now}\"\n")
    };
    let meta = format!(
        "version = 1\nid = \"{id}\"\nstate = \"{state}\"\nbranch = \"{branch}\"\n\
         worktree = \"{}\"\nbase = \"{base}\"\norigin = \"/x\"\ncreated = \"{now}\"\n\
         {updated}scope = []\n{fields}",
        worktree.display()
    );
    plant(repo, dir, id, meta.as_bytes(), &base);
    repo.git_in(
        dir,
        &[
            "push",
            "-q",
            "-f",
            "origin",
            &format!("refs/agents/{id}/meta"),
            &format!("refs/agents/{id}/base"),
        ],
    );
}

/// A process of the victim's, in a group of its own (as a detached run's).
fn victim_process() -> std::process::Child {
    use std::os::unix::process::CommandExt;
    std::process::Command::new("sleep")
        .arg("60")
        .process_group(0)
        .spawn()
        .unwrap()
}

fn clone_id(repo: &TestRepo) -> String {
    std::fs::read_to_string(repo.root.join(".git/agents/.clone-id"))
        .unwrap()
        .trim()
        .to_owned()
}

/// The remote's refs under `refs/agents/<id>/`, as `<name> <oid>` lines.
fn remote_refs(repo: &TestRepo, id: &str) -> String {
    repo.git_in(
        &repo.base().join("remote.git"),
        &[
            "for-each-ref",
            "--format=%(refname) %(objectname)",
            &format!("refs/agents/{id}/"),
        ],
    )
}

/// The attack of the issue, for one way of getting the refs here (`git
/// agent fetch`, or a plain `git fetch` of `refs/agents/*`) and one
/// `clone` field (none, or the victim's own id read from a session it
/// pushed).
fn crafted_remote_sessions_act_on_nothing_here(plain_fetch: bool, copy_clone_id: bool) {
    let victim = TestRepo::new();
    let att = victim.clone_through_origin("att");
    // The victim has sessions of its own, so a clone id to copy.
    victim.new_session(&["mine"]);
    let clone = if copy_clone_id {
        format!("clone = \"{}\"\n", clone_id(&victim))
    } else {
        String::new()
    };
    let docs = victim.base().join("victim-docs");
    write(&docs.join("thesis.txt"), "thesis\n");
    let mut process = victim_process();
    let pid = process.id();
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now());

    craft(&victim, &att, "wipe", &docs, "active", "agent/wipe", &clone);
    craft(
        &victim,
        &att,
        "killer",
        Path::new("/nonexistent"),
        "running",
        "agent/killer",
        &format!(
            "{clone}[run]\npid = {pid}\nstarted = \"{now}\"\nsupervisor = 4000000\n\
             deadline = \"2000-01-01T00:00:00Z\"\n"
        ),
    );
    // The victim's checkout, on its own branch: a push would snapshot it.
    craft(
        &victim,
        &att,
        "exfil",
        &victim.root,
        "active",
        "main",
        &clone,
    );
    let pushed = remote_refs(&victim, "exfil");
    victim.write("secret.txt", "uncommitted secret\n");

    if plain_fetch {
        victim.git(&["fetch", "-q", "origin", "+refs/agents/*:refs/agents/*"]);
    } else {
        victim.agent(&["fetch"]).success();
    }
    let list = victim.agent(&["list", "--all"]).success().stdout;
    assert!(list.contains("killer"), "{list}");
    victim.agent(&["show", "killer"]).success();
    victim.agent(&["gc"]).success();
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        process.try_wait().unwrap().is_none(),
        "the victim's process was signalled"
    );

    // Foreign, whatever they claim: shown as fetched.
    for id in ["wipe", "killer", "exfil"] {
        let show = victim.json(&["show", id, "--json"]);
        assert_eq!(show["fetched"], true, "{id}: {show}");
        assert!(show["path"].is_null(), "{id}: {show}");
    }
    // Verbs that need the worktree or run refuse; nothing is touched.
    for verb in [
        &["keep", "exfil"][..],
        &["stop", "killer"],
        &["path", "wipe"],
    ] {
        victim.agent(verb).fails(1);
    }

    // discard adopts it; the directory it names stays.
    victim.agent(&["discard", "wipe"]).success();
    assert_eq!(
        std::fs::read_to_string(docs.join("thesis.txt")).unwrap(),
        "thesis\n"
    );
    let show = victim.json(&["show", "wipe", "--json"]);
    assert_eq!(show["state"], "discarded");
    assert_eq!(show["branch"], "agent/wipe");

    // push snapshots nothing of the victim's checkout ("wipe", adopted
    // here, differs from the remote's and is refused as another clone's).
    let run = victim.agent(&["push"]).fails(1);
    assert!(run.stderr.contains("wipe"), "{}", run.stderr);
    victim
        .agent(&["push", "origin", "mine", "exfil", "killer"])
        .success();
    assert_eq!(remote_refs(&victim, "exfil"), pushed);
    assert!(!remote_refs(&victim, "mine").is_empty());
    let snapshots = victim.git_in(
        &victim.base().join("remote.git"),
        &[
            "for-each-ref",
            "--format=%(objectname)",
            "refs/agents/*/snapshot",
        ],
    );
    for snap in snapshots.lines() {
        let names = victim.git_in(
            &victim.base().join("remote.git"),
            &["ls-tree", "-r", "--name-only", snap],
        );
        assert!(!names.contains("secret.txt"), "{names}");
    }
    // The victim's checkout is as it was.
    assert_eq!(victim.git(&["symbolic-ref", "HEAD"]), "refs/heads/main");
    assert!(victim.path("secret.txt").exists());

    let _ = process.kill();
    let _ = process.wait();
}

#[test]
fn a_crafted_session_without_a_clone_field_is_foreign() {
    crafted_remote_sessions_act_on_nothing_here(false, false);
}

#[test]
fn a_crafted_session_with_the_victim_s_clone_id_is_foreign() {
    crafted_remote_sessions_act_on_nothing_here(false, true);
}

#[test]
fn crafted_sessions_from_a_plain_git_fetch_are_foreign() {
    crafted_remote_sessions_act_on_nothing_here(true, true);
}

#[test]
fn a_plain_fetch_over_a_session_of_this_clone_makes_it_foreign_not_dangerous() {
    let victim = TestRepo::new();
    let att = victim.clone_through_origin("att");
    let wt = victim.new_session(&["mine"]);
    write(&wt.join("work.txt"), "precious\n");
    let docs = victim.base().join("victim-docs");
    write(&docs.join("thesis.txt"), "thesis\n");
    // The attacker replaces `mine` on the remote; a forced fetch brings it.
    let clone = format!("clone = \"{}\"\n", clone_id(&victim));
    craft(&victim, &att, "mine", &docs, "active", "main", &clone);
    victim.git(&["fetch", "-q", "origin", "+refs/agents/*:refs/agents/*"]);

    let show = victim.json(&["show", "mine", "--json"]);
    assert_eq!(show["fetched"], true, "{show}");
    // Neither the path it names nor the real worktree is removed: adopting
    // it would put it where this clone's own worktree still is.
    victim.agent(&["discard", "mine"]).fails(1);
    victim.agent(&["gc"]).success();
    assert!(docs.join("thesis.txt").exists());
    assert_eq!(
        std::fs::read_to_string(wt.join("work.txt")).unwrap(),
        "precious\n"
    );
    assert_eq!(victim.git(&["symbolic-ref", "HEAD"]), "refs/heads/main");
    assert!(victim.git(&["branch", "--list", "main"]).contains("main"));
}

#[test]
fn gc_does_not_recreate_a_branch_for_a_fetched_session_naming_a_user_worktree() {
    let victim = TestRepo::new();
    let att = victim.clone_through_origin("att");
    victim.new_session(&["mine"]);
    // The user's own linked worktree, on a branch of their own.
    let own = victim.base().join("feature");
    victim.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "feature",
        own.to_str().unwrap(),
    ]);
    write(&own.join("wip.txt"), "wip\n");
    let clone = format!("clone = \"{}\"\n", clone_id(&victim));
    craft(
        &victim,
        &att,
        "hijack",
        &own,
        "active",
        "agent/hijack",
        &clone,
    );
    victim.agent(&["fetch"]).success();

    let gc = victim.agent(&["gc"]).success();
    assert!(!gc.stdout.contains("hijack"), "{}", gc.stdout);
    assert!(victim.git(&["branch", "--list", "agent/hijack"]).is_empty());
    victim.agent(&["keep", "hijack"]).fails(1);
    victim.agent(&["discard", "hijack"]).success();
    assert_eq!(
        std::fs::read_to_string(own.join("wip.txt")).unwrap(),
        "wip\n"
    );
    assert!(victim.git(&["worktree", "list"]).contains("feature"));
    // It has no snapshot to restore from; the refusal touches nothing (it
    // was discarded, so adopted, above; a fetched one stays fetched).
    victim.agent(&["restore", "hijack"]).fails(1);
    craft(&victim, &att, "bare", &own, "active", "agent/bare", "");
    victim.agent(&["fetch"]).success();
    let run = victim.agent(&["restore", "bare"]).fails(1);
    assert!(run.stderr.contains("nothing was changed"), "{}", run.stderr);
    assert_eq!(victim.json(&["show", "bare", "--json"])["fetched"], true);
    assert_eq!(
        victim.git_in(&own, &["symbolic-ref", "HEAD"]),
        "refs/heads/feature"
    );
}

/// A meta blob that is not UTF-8, pushed by anyone.
fn plant_unreadable(repo: &TestRepo, dir: &Path, id: &str) {
    let base = repo.git_in(dir, &["rev-parse", "HEAD"]);
    plant(repo, dir, id, b"version = 1\nid = \"\xff\xfe\"\n", &base);
}

/// Session `id`'s refs in the repository at `dir`, made by hand: `meta`
/// as its metadata blob, `base` as its base commit.
fn plant(repo: &TestRepo, dir: &Path, id: &str, meta: &[u8], base: &str) {
    let file = repo.base().join(format!("meta-{id}"));
    std::fs::write(&file, meta).unwrap();
    let blob = repo.git_in(dir, &["hash-object", "-w", file.to_str().unwrap()]);
    repo.git_in(
        dir,
        &["update-ref", &format!("refs/agents/{id}/meta"), &blob],
    );
    repo.git_in(
        dir,
        &["update-ref", &format!("refs/agents/{id}/base"), base],
    );
}

#[test]
fn one_unreadable_session_is_reported_and_skipped() {
    let victim = TestRepo::new();
    let att = victim.clone_through_origin("att");
    let wt = victim.new_session(&["good"]);
    victim.new_session(&["other"]);
    write(&wt.join("x.txt"), "x\n");
    // Through `git agent fetch`: the good sessions still come.
    craft(&victim, &att, "fine", &att, "active", "agent/fine", "");
    plant_unreadable(&victim, &att, "bad");
    victim.git_in(
        &att,
        &["push", "-q", "origin", "refs/agents/*:refs/agents/*"],
    );
    let run = victim.agent(&["fetch"]).success();
    assert!(run.stdout.contains("new\tfine"), "{}", run.stdout);
    assert!(run.stderr.contains("'bad'"), "{}", run.stderr);
    assert!(run.stderr.contains("not imported"), "{}", run.stderr);

    // Through a plain fetch: list, discard of another and gc still work.
    victim.git(&[
        "fetch",
        "-q",
        "origin",
        "+refs/agents/bad/*:refs/agents/bad/*",
    ]);
    let list = victim.agent(&["list"]);
    let list = list.success();
    assert!(list.stdout.contains("good"), "{}", list.stdout);
    assert!(list.stderr.contains("warning:"), "{}", list.stderr);
    assert!(list.stderr.contains("refs/agents/bad/"), "{}", list.stderr);
    victim.agent(&["discard", "other"]).success();
    victim.agent(&["gc"]).success();
    victim.agent(&["list", "--json"]).success();
    // The hint's command removes it.
    victim.git(&["update-ref", "-d", "refs/agents/bad/meta"]);
    victim.git(&["update-ref", "-d", "refs/agents/bad/base"]);
    let list = victim.agent(&["list"]).success();
    assert!(!list.stderr.contains("warning:"), "{}", list.stderr);
}

#[test]
fn an_empty_id_names_no_session() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["real"]);
    for verb in ["discard", "keep", "show", "diff", "path", "stop", "restore"] {
        let run = repo.agent(&[verb, ""]).fails(1);
        assert!(run.stderr.contains("empty"), "{verb}: {}", run.stderr);
    }
    assert!(wt.is_dir());
    assert_eq!(repo.json(&["show", "real", "--json"])["state"], "active");
}

#[test]
fn gc_neither_restores_into_nor_forgets_a_session_a_forced_fetch_replaced() {
    let victim = TestRepo::new();
    let att = victim.clone_through_origin("att");
    let wt1 = victim.new_session(&["vs1"]);
    write(&wt1.join("vw.txt"), "victim work\n");
    victim.new_session(&["vs2"]);
    victim.git(&["branch", "feature"]);
    victim.git(&["push", "-q", "origin", "feature"]);
    victim.agent(&["push"]).success();
    victim.git_in(&att, &["fetch", "-q", "origin", "feature:feature"]);

    // vs1: "discarded", on the victim's branch, at the victim's worktree,
    // with a stash-shaped snapshot (what an interrupted restore finishes).
    let feature = victim.git_in(&att, &["rev-parse", "feature"]);
    let tree = victim.git_in(&att, &["rev-parse", "feature^{tree}"]);
    let index = victim.git_in(&att, &["commit-tree", "-p", &feature, "-m", "i", &tree]);
    let snap = victim.git_in(
        &att,
        &[
            "commit-tree",
            "-p",
            &feature,
            "-p",
            &index,
            "-m",
            "s",
            &tree,
        ],
    );
    craft(&victim, &att, "vs1", &wt1, "discarded", "feature", "");
    victim.git_in(&att, &["update-ref", "refs/agents/vs1/snapshot", &snap]);
    victim.git_in(
        &att,
        &["push", "-q", "-f", "origin", "refs/agents/vs1/snapshot"],
    );
    // vs2: "discarded" long ago, so gc would forget it.
    let old = "updated = \"2020-01-01T00:00:00Z\"\n";
    craft(
        &victim,
        &att,
        "vs2",
        Path::new("/nonexistent"),
        "discarded",
        "agent/vs2",
        old,
    );

    victim.git(&["fetch", "-q", "origin", "+refs/agents/*:refs/agents/*"]);
    let dry = victim.agent(&["gc", "--dry-run"]).success();
    assert!(!dry.stdout.contains("vs1"), "{}", dry.stdout);
    let gc = victim.agent(&["gc"]).success();
    assert!(!gc.stdout.contains("vs1"), "{}", gc.stdout);
    assert!(!gc.stdout.contains("forget vs2"), "{}", gc.stdout);
    assert!(
        gc.stderr.contains("replaced by a fetched one"),
        "{}",
        gc.stderr
    );

    // The victim's worktree is where it was, on its own branch, work and all.
    assert_eq!(
        victim.git_in(&wt1, &["symbolic-ref", "HEAD"]),
        "refs/heads/agent/vs1"
    );
    assert_eq!(victim.git_in(&wt1, &["status", "--porcelain"]), "?? vw.txt");
    assert!(victim.root.join(".git/agents/vs2/owned").exists());
    assert_eq!(victim.json(&["show", "vs1", "--json"])["fetched"], true);
    assert_eq!(victim.git(&["rev-parse", "feature"]), feature);
    // A refused stop signals nothing; a discard adopts nothing over the
    // worktree that is there.
    victim.agent(&["stop", "vs1"]).fails(1);
    victim.agent(&["discard", "vs1"]).fails(1);
    assert_eq!(victim.git(&["rev-parse", "feature"]), feature);
}

#[test]
fn a_read_only_run_that_deletes_another_session_s_refs_fails_and_they_are_put_back() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["k9"]);
    write(&wt.join("k.txt"), "k\n");
    let kept = repo.new_session(&["old"]);
    write(&kept.join("o.txt"), "o\n");
    repo.agent(&["discard", "old"]).success();
    repo.new_session(&["ro"]);
    let before = repo.git(&["for-each-ref", "refs/agents/k9/"]);
    let run = repo.agent(&[
        "run",
        "ro",
        "--read-only",
        "--",
        "sh",
        "-c",
        "git update-ref -d refs/agents/k9/meta && git update-ref -d refs/agents/k9/base",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("refs/agents/k9/meta"), "{}", run.stderr);
    assert_eq!(repo.git(&["for-each-ref", "refs/agents/k9/"]), before);
    assert_eq!(repo.json(&["show", "k9", "--json"])["state"], "active");
    // gc forgetting a discarded session while a read-only run goes on is
    // no violation: its refs go, as gc says.
    repo.agent(&[
        "run",
        "ro",
        "--read-only",
        "--",
        "sh",
        "-c",
        "git agent gc --expire now >/dev/null",
    ])
    .success();
    assert_eq!(repo.git(&["for-each-ref", "refs/agents/old/"]), "");
}
