//! A cache of live change counts for `list`, keyed by a fingerprint of each
//! worktree's stat data, so that unchanged worktrees are not re-examined.
//!
//! The fingerprint hashes what any change to the worktree's state must
//! touch: every file's and directory's name, type, size, inode and change
//! and modification times (a walk of the worktree, `.git` excluded), the
//! worktree's `index` and `HEAD`, and the ref `HEAD` names. Any edit,
//! creation, deletion, rename, chmod, stage or commit changes it. A worktree
//! with more than [`MAX_ENTRIES`] entries (a copied `node_modules`…) is not
//! cached: walking it would cost as much as counting.
//!
//! The cache is one JSON file, `<common dir>/agents/list-cache.json`,
//! replaced atomically; a missing or unreadable cache only costs time.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::session::Changes;

pub const MAX_ENTRIES: usize = 5_000;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Cache {
    #[serde(default)]
    entries: BTreeMap<String, Entry>,
    #[serde(skip)]
    dirty: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    fingerprint: u64,
    base: String,
    changes: Changes,
}

impl Cache {
    fn path(common_dir: &Path) -> PathBuf {
        crate::paths::StateDir::new(common_dir).list_cache()
    }

    pub fn load(common_dir: &Path) -> Cache {
        std::fs::read(Cache::path(common_dir))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// The cached counts, if the worktree still has this fingerprint.
    pub fn get(&self, id: &str, base: gix::ObjectId, fingerprint: u64) -> Option<Changes> {
        let entry = self.entries.get(id)?;
        (entry.fingerprint == fingerprint && *entry.base == *base.to_hex().to_string())
            .then(|| entry.changes.clone())
    }

    pub fn put(&mut self, id: &str, base: gix::ObjectId, fingerprint: u64, changes: &Changes) {
        self.entries.insert(
            id.to_owned(),
            Entry {
                fingerprint,
                base: base.to_string(),
                changes: changes.clone(),
            },
        );
        self.dirty = true;
    }

    /// Drop entries of sessions that are gone.
    pub fn retain(&mut self, live: &[&str]) {
        let before = self.entries.len();
        self.entries.retain(|id, _| live.contains(&id.as_str()));
        self.dirty |= self.entries.len() != before;
    }

    /// Write the cache if it changed; failures are ignored (it is a cache).
    pub fn save(&self, common_dir: &Path) {
        if !self.dirty {
            return;
        }
        let path = Cache::path(common_dir);
        let Some(dir) = path.parent() else { return };
        let Ok(bytes) = serde_json::to_vec(self) else {
            return;
        };
        if let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir) {
            use std::io::Write;
            if tmp.write_all(&bytes).is_ok() {
                let _ = tmp.persist(&path);
            }
        }
    }
}

/// The worktree's fingerprint, or `None` when it is too large to be worth
/// caching or cannot be read.
pub fn fingerprint(worktree: &Path) -> Option<u64> {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    let dot_git = std::fs::read_to_string(worktree.join(".git")).ok()?;
    let git_dir = PathBuf::from(dot_git.strip_prefix("gitdir:")?.trim());
    let git_dir = if git_dir.is_absolute() {
        git_dir
    } else {
        worktree.join(git_dir)
    };
    let head = std::fs::read_to_string(git_dir.join("HEAD")).ok()?;
    head.hash(&mut hasher);
    stat(&git_dir.join("index"), &mut hasher);
    if let Some(name) = head.strip_prefix("ref:") {
        // The branch tip: a loose ref in the common dir, else packed-refs.
        let common = std::fs::read_to_string(git_dir.join("commondir"))
            .map(|c| git_dir.join(c.trim()))
            .unwrap_or_else(|_| git_dir.clone());
        std::fs::read_to_string(common.join(name.trim()))
            .ok()
            .hash(&mut hasher);
        stat(&common.join("packed-refs"), &mut hasher);
    }
    let mut budget = MAX_ENTRIES;
    walk(worktree, true, &mut hasher, &mut budget)?;
    Some(hasher.finish())
}

fn stat(path: &Path, hasher: &mut impl Hasher) {
    match std::fs::symlink_metadata(path) {
        Ok(m) => (
            m.size(),
            m.ino(),
            m.mode(),
            m.mtime(),
            m.mtime_nsec(),
            m.ctime(),
            m.ctime_nsec(),
        )
            .hash(hasher),
        Err(_) => 0u8.hash(hasher),
    }
}

fn walk(dir: &Path, top: bool, hasher: &mut impl Hasher, budget: &mut usize) -> Option<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        *budget = budget.checked_sub(1)?;
        let name = entry.file_name();
        if top && name == ".git" {
            continue;
        }
        let meta = entry.metadata().ok()?;
        name.hash(hasher);
        (
            meta.size(),
            meta.ino(),
            meta.mode(),
            meta.mtime(),
            meta.mtime_nsec(),
            meta.ctime(),
            meta.ctime_nsec(),
        )
            .hash(hasher);
        if meta.is_dir() {
            walk(&entry.path(), false, hasher, budget)?;
        }
    }
    Some(())
}
