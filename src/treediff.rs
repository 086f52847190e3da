//! What differs between two trees, in process: the entries `git diff-tree
//! -r --no-renames` lists (files, symlinks and submodule commits; never
//! trees), with their old and new mode and id.

use gix::ObjectId;
use gix::bstr::BString;
use gix::objs::tree::EntryMode;

use crate::error::{Error, Result};

/// One path that differs: `None` on the side where it does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub path: BString,
    pub old: Option<(EntryMode, ObjectId)>,
    pub new: Option<(EntryMode, ObjectId)>,
}

/// The changed paths from tree `from` to tree `to`, sorted by path.
pub fn between(repo: &gix::Repository, from: ObjectId, to: ObjectId) -> Result<Vec<Change>> {
    if from == to {
        return Ok(Vec::new());
    }
    let fail = |e: &dyn std::fmt::Display| {
        Error::internal(format!("cannot compare the trees {from} and {to}: {e}"))
    };
    let old = repo.find_tree(from).map_err(|e| fail(&e))?;
    let new = repo.find_tree(to).map_err(|e| fail(&e))?;
    let mut options = gix::diff::Options::default().with_rewrites(None);
    options.track_path();
    let changes = repo
        .diff_tree_to_tree(&old, &new, options)
        .map_err(|e| fail(&e))?;
    let leaf = |mode: EntryMode, id: ObjectId| (!mode.is_tree()).then_some((mode, id));
    let mut out = Vec::new();
    for change in changes {
        use gix::object::tree::diff::ChangeDetached as C;
        // A tree that appears, goes or replaces a file comes with an entry
        // for each file in it; only the files are listed, as by `-r`.
        let (path, old, new) = match change {
            C::Addition {
                location,
                entry_mode,
                id,
                ..
            } => (location, None, leaf(entry_mode, id)),
            C::Deletion {
                location,
                entry_mode,
                id,
                ..
            } => (location, leaf(entry_mode, id), None),
            C::Modification {
                location,
                previous_entry_mode,
                previous_id,
                entry_mode,
                id,
            } => (
                location,
                leaf(previous_entry_mode, previous_id),
                leaf(entry_mode, id),
            ),
            C::Rewrite { .. } => return Err(fail(&"a rename was reported with renames off")),
        };
        if old.is_some() || new.is_some() {
            out.push(Change { path, old, new });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;

    use super::*;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .args(args)
            .output()
            .expect("git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
    }

    fn write(dir: &Path, rel: &str, content: &str) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    /// The same list as `git diff-tree -r --no-renames`: files and
    /// directories trading places, modes, symlinks, a submodule commit.
    #[test]
    fn lists_what_git_diff_tree_lists() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        git(dir, &["init", "-q", "-b", "main"]);
        write(dir, "a.txt", "a\n");
        write(dir, "dir/one.txt", "1\n");
        write(dir, "dir/sub/two.txt", "2\n");
        write(dir, "file-to-dir", "f\n");
        write(dir, "tool.sh", "#!/bin/sh\n");
        write(dir, "same/kept.txt", "k\n");
        std::os::unix::fs::symlink("a.txt", dir.join("link")).unwrap();
        git(dir, &["add", "-A"]);
        let sub = "1234567890123456789012345678901234567890";
        git(
            dir,
            &[
                "update-index",
                "--add",
                "--cacheinfo",
                &format!("160000,{sub},module"),
            ],
        );
        let from = git(dir, &["write-tree"]);

        write(dir, "a.txt", "changed\n");
        std::fs::remove_dir_all(dir.join("dir")).unwrap();
        write(dir, "dir", "now a file\n");
        std::fs::remove_file(dir.join("file-to-dir")).unwrap();
        write(dir, "file-to-dir/inside/x.txt", "x\n");
        write(dir, "new/deep/y.txt", "y\n");
        std::fs::remove_file(dir.join("link")).unwrap();
        std::os::unix::fs::symlink("tool.sh", dir.join("link")).unwrap();
        git(dir, &["add", "-A"]);
        git(dir, &["update-index", "--chmod=+x", "tool.sh"]);
        let other = "abcdefabcdefabcdefabcdefabcdefabcdefabcd";
        git(
            dir,
            &[
                "update-index",
                "--add",
                "--cacheinfo",
                &format!("160000,{other},module"),
            ],
        );
        let to = git(dir, &["write-tree"]);

        let expected: Vec<String> = git(dir, &["diff-tree", "-r", "--no-renames", &from, &to])
            .lines()
            .map(str::to_owned)
            .collect();
        let repo = gix::open(dir).unwrap();
        let hex = |side: Option<(EntryMode, ObjectId)>| match side {
            Some((mode, id)) => (format!("{:06o}", mode.value()), id.to_string()),
            None => ("000000".to_owned(), "0".repeat(40)),
        };
        let got: Vec<String> = between(
            &repo,
            ObjectId::from_hex(from.as_bytes()).unwrap(),
            ObjectId::from_hex(to.as_bytes()).unwrap(),
        )
        .unwrap()
        .into_iter()
        .map(|c| {
            let status = match (&c.old, &c.new) {
                (None, _) => "A",
                (_, None) => "D",
                _ => "M",
            };
            let ((old_mode, old_id), (new_mode, new_id)) = (hex(c.old), hex(c.new));
            format!(
                ":{old_mode} {new_mode} {old_id} {new_id} {status}\t{}",
                c.path
            )
        })
        .collect();
        assert_eq!(got, expected);
    }
}
