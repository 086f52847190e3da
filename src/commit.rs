//! Commits made on a person's branch (`keep --squash`/`--commit`), made as
//! `git commit` would make them in that checkout: its `pre-commit` and
//! `commit-msg` hooks run first (unless `--no-verify`), each commit is
//! signed when `commit.gpgSign` says so, and `post-commit` runs once the
//! branch has moved.
//!
//! Keep stays all or nothing: the hooks that may refuse run before any file,
//! index entry or ref of the target is written. `pre-commit` sees the commit
//! to be made through `GIT_INDEX_FILE`, a temporary index holding its tree
//! (as git gives hooks its own temporary index for `git commit <paths>`);
//! the checkout's files are still the old ones then, and its real index is
//! locked by keep. Replayed commits (`--commit`) are taken as `git rebase`
//! takes them: their messages are the agent's, already through
//! `commit-msg` where the agent committed, so only the messages keep
//! writes itself go through it.

use std::path::{Path, PathBuf};

use crate::error::{Error, IoContext, Result};
use crate::git::Git;
use crate::repo::Repo;
use crate::snapshot::parse_oid;

/// How commits are made in one target checkout.
pub struct Committer {
    target: PathBuf,
    state_dir: PathBuf,
    /// Run `pre-commit` and `commit-msg` (false with `--no-verify`).
    verify: bool,
    /// `commit.gpgSign` as the target's config has it.
    sign: bool,
}

impl Committer {
    /// The committer for `target`, reading its `commit.gpgSign`.
    pub fn new(repo: &Repo, target: &Path, verify: bool) -> Result<Committer> {
        let out = Git::new(target).output(["config", "--type=bool", "--get", "commit.gpgSign"])?;
        let sign = String::from_utf8_lossy(&out.stdout).trim() == "true";
        Ok(Committer {
            target: target.to_path_buf(),
            state_dir: repo.state_dir()?,
            verify,
            sign,
        })
    }

    /// Run `pre-commit` with an index holding `tree`, the tree about to be
    /// committed; its failure refuses the keep.
    pub fn pre_commit(&self, tree: gix::ObjectId) -> Result<()> {
        if !self.verify {
            return Ok(());
        }
        let index = self.temp(crate::paths::TEMP_PRE_COMMIT)?;
        let git = Git::new(&self.target).env("GIT_INDEX_FILE", index.path());
        git.run(["read-tree", &tree.to_string()])?;
        self.hook(&git, "pre-commit", &[])
    }

    /// `message` after the `commit-msg` hook, which may edit or refuse it.
    pub fn message(&self, message: &str) -> Result<String> {
        if !self.verify {
            return Ok(message.to_owned());
        }
        let file = self.temp(crate::paths::TEMP_MESSAGE)?;
        std::fs::write(file.path(), format!("{}\n", message.trim_end()))
            .doing(|| "cannot write the commit message".to_string())?;
        let path = file.path().to_string_lossy().into_owned();
        self.hook(&Git::new(&self.target), "commit-msg", &[&path])?;
        let edited = std::fs::read_to_string(file.path())
            .doing(|| "cannot read the commit message back".to_string())?;
        let edited = edited.trim_end();
        if edited.is_empty() {
            return Err(Error::refused(
                "the commit-msg hook left an empty commit message; nothing was changed",
            ));
        }
        Ok(edited.to_owned())
    }

    /// Write a commit object (no ref moves): `tree` on `parent`, signed
    /// when configured; `git` carries the author's environment.
    pub fn commit(
        &self,
        git: Git,
        tree: gix::ObjectId,
        parent: gix::ObjectId,
        message: &str,
    ) -> Result<gix::ObjectId> {
        let (tree, parent) = (tree.to_string(), parent.to_string());
        let mut args = vec!["commit-tree", &tree, "-p", &parent];
        if self.sign {
            args.push("-S");
        }
        let out = git.run_stdin(&args, message.as_bytes()).map_err(|e| {
            let signing = if self.sign {
                " (signing it, as commit.gpgSign asks)"
            } else {
                ""
            };
            Error::refused(format!(
                "cannot make the commit{signing}: {}; nothing was changed",
                e.message
            ))
            .with_hint("fix the cause (for signing: gpg.program, user.signingKey), or keep without --squash/--commit")
        })?;
        parse_oid(&out)
    }

    /// Run `post-commit` after the branch moved; as in git, its outcome
    /// changes nothing.
    pub fn post_commit(&self) {
        let _ = self.hook(&Git::new(&self.target), "post-commit", &[]);
    }

    /// Run one hook in the target (its top directory, as git runs hooks),
    /// its output shown on stderr; a failure is a refusal naming it.
    fn hook(&self, git: &Git, name: &str, args: &[&str]) -> Result<()> {
        let mut all = vec!["hook", "run", "--ignore-missing", name, "--"];
        all.extend_from_slice(args);
        // As `git commit -m` runs them: no editor to open.
        let out = git.clone().env("GIT_EDITOR", ":").output(&all)?;
        use std::io::Write;
        let mut err = std::io::stderr();
        let _ = err.write_all(&out.stdout);
        let _ = err.write_all(&out.stderr);
        if out.status.success() {
            return Ok(());
        }
        Err(Error::refused(format!(
            "the {name} hook failed ({}); nothing was changed",
            out.status
        ))
        .with_hint(
            "fix what it reports, or keep with --no-verify to skip pre-commit and commit-msg",
        ))
    }

    fn temp(&self, prefix: &str) -> Result<tempfile::NamedTempFile> {
        tempfile::Builder::new()
            .prefix(prefix)
            .tempfile_in(&self.state_dir)
            .doing(|| "cannot create a temporary file".to_string())
    }
}
