//! Submodules in sessions: set up from the local module repositories (no
//! network), their commits kept reachable when the session's worktree goes,
//! their uncommitted changes never thrown away silently.

use crate::common::{TestRepo, write};

/// A repository with submodule `lib` whose upstream then disappears, so
/// only the clone's own module repository can provide it.
fn with_submodule() -> TestRepo {
    let repo = TestRepo::new();
    let upstream = repo.add_submodule("upstream-lib", "lib");
    std::fs::remove_dir_all(&upstream).unwrap();
    repo
}

#[test]
fn a_session_gets_the_submodules_from_the_local_module_repositories() {
    let repo = with_submodule();
    let wt = repo.new_session(&["sub"]);
    assert_eq!(
        std::fs::read_to_string(wt.join("lib/x.txt")).unwrap(),
        "x\n"
    );
    let status = repo.git_in(&wt, &["submodule", "status"]);
    assert!(
        status.starts_with(' '),
        "initialised at the recorded commit: {status}"
    );
    // The main checkout's configuration is left as it was.
    let url = repo.git(&["config", "submodule.lib.url"]);
    assert!(url.ends_with("upstream-lib"), "{url}");
    assert_eq!(repo.git_in(&wt, &["status", "--porcelain"]), "");
}

#[test]
fn submodule_commits_survive_discard_and_restore_and_keep_stages_them() {
    let repo = with_submodule();
    let wt = repo.new_session(&["sub"]);
    let lib = wt.join("lib");
    write(&lib.join("y.txt"), "y\n");
    repo.git_in(&lib, &["add", "y.txt"]);
    repo.git_in(&lib, &["commit", "-qm", "agent commit in lib"]);
    let commit = repo.git_in(&lib, &["rev-parse", "HEAD"]);

    // Uncommitted work in the submodule: diff warns, keep and discard
    // refuse, nothing touched.
    write(&lib.join("x.txt"), "dirty\n");
    let run = repo.agent(&["diff", "sub", "--stat"]).success();
    assert!(
        run.stderr
            .contains("warning: submodule 'lib' has uncommitted"),
        "{}",
        run.stderr
    );
    let run = repo.agent(&["discard", "sub"]).fails(1);
    assert!(run.stderr.contains("submodule 'lib'"), "{}", run.stderr);
    assert!(run.stderr.contains("uncommitted changes"), "{}", run.stderr);
    assert_eq!(repo.state("sub"), "active");
    assert_eq!(
        std::fs::read_to_string(lib.join("x.txt")).unwrap(),
        "dirty\n"
    );
    let run = repo.agent(&["keep", "sub"]).fails(1);
    assert!(run.stderr.contains("uncommitted changes"), "{}", run.stderr);
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    repo.git_in(&lib, &["checkout", "-q", "x.txt"]);

    repo.agent(&["discard", "sub"]).success();
    assert!(!wt.exists());
    // The commit lives on in the clone's own module repository.
    let module = repo.path(".git/modules/lib");
    assert_eq!(
        repo.git_in(&module, &["rev-parse", "refs/agents/sub/lib"]),
        commit
    );

    repo.agent(&["restore", "sub"]).success();
    assert_eq!(repo.git_in(&lib, &["rev-parse", "HEAD"]), commit);
    assert_eq!(std::fs::read_to_string(lib.join("y.txt")).unwrap(), "y\n");
    assert_eq!(repo.git_in(&wt, &["status", "--porcelain"]), " M lib");

    repo.agent(&["keep", "sub"]).success();
    let staged = repo.git(&["ls-files", "-s", "lib"]);
    assert!(staged.starts_with(&format!("160000 {commit} ")), "{staged}");
    // And the main checkout's submodule can move there: the commit is local.
    repo.git(&["submodule", "update", "--", "lib"]);
    assert_eq!(repo.read("lib/y.txt"), "y\n");
    repo.fsck_clean("at the end");
}
