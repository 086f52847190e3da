//! Live change statistics of a worktree against a base commit, computed with `gix` only.
//!
//! [`change_stats()`] answers "how big is everything this worktree changed since `base`?",
//! including commits on its `HEAD`, staged, unstaged and untracked (not ignored) files. The result
//! equals what `git diff --numstat --no-renames <base> <tree>` reports, where `<tree>` is what
//! `git add -A && git write-tree` would produce on a *copy* of the worktree's index.
//!
//! How it works, without writing anything to disk:
//! 1. `gix` status compares `base^{tree}` with the index, and the index with the worktree (using the
//!    index stat data, so unchanged files are not read), listing untracked files individually.
//! 2. Every path reported by either comparison is "touched". Worktree files that changed are hashed
//!    through the filter pipeline (`core.autocrlf`, `.gitattributes`, ...) into an *in-memory*
//!    object overlay, exactly as `git add` would store them.
//! 3. For each touched path, the entry in `base` is compared with its final entry; differing
//!    paths are counted and their blobs line-diffed (binary files count as 0/0).
//!
//! Known deviations from `git`: filter *drivers* (`filter.<name>.clean/process`, e.g. git-lfs) and
//! diff drivers are deliberately ignored so no process is ever spawned; sparse indices are rejected.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use gix::ObjectId;
use gix::bstr::{BStr, BString, ByteSlice};
use gix::diff::blob::pipeline::{Mode, WorktreeRoots};
use gix::diff::blob::platform::prepare_diff::Operation;
use gix::diff::blob::{Diff, InternedInput, ResourceKind, sources};
use gix::object::tree::EntryKind;
use gix::status::index_worktree;
use gix::status::plumbing::index_as_worktree::{Change, EntryStatus};
use gix::worktree::stack::state::attributes::Source as AttributeSource;

/// The error type returned by [`change_stats()`].
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The size of all changes between a base commit and the full current state of a worktree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeStats {
    /// The number of changed paths (a rename counts as a deletion and an addition).
    pub files: usize,
    /// The number of added lines, not counting binary files.
    pub insertions: usize,
    /// The number of removed lines, not counting binary files.
    pub deletions: usize,
    /// The changed paths, repository-relative, `/`-separated and sorted.
    pub paths: Vec<String>,
}

/// A tree entry: its kind (mode) and object id.
type Entry = (EntryKind, ObjectId);

/// Compute the [`ChangeStats`] between the commit (or tree) `base` and the complete current state of
/// the worktree at `worktree` (its root): its `HEAD`, index, modified, deleted and untracked (not
/// ignored) files.
///
/// Nothing is written to the object database, the index or the worktree, and no process is spawned.
///
/// # Errors
///
/// If `worktree` is not the root of a git worktree, `base` can't be peeled to a tree, or reading
/// the repository or any worktree file fails.
pub fn change_stats(worktree: &Path, base: ObjectId) -> Result<ChangeStats, Error> {
    // Not trusting any config section for "sensitive" values turns off filter and diff drivers,
    // which would spawn programs. Content-affecting settings like `core.autocrlf` still apply.
    let options = gix::open::Options::default().filter_config_section(|_| false);
    let repo = gix::open_opts(worktree, options)?.with_object_memory();
    if repo.workdir().is_none() {
        return Err(format!("{}: not a repository with a worktree", worktree.display()).into());
    }
    let base_tree = repo.find_object(base)?.peel_to_tree()?.id;

    let (status, outcome) = status(&repo, base_tree)?;
    let base_index = outcome
        .tree_index
        .ok_or("status did not compare the base tree")?
        .tree_index;
    let index: &gix::index::State = &outcome.worktree_index;
    if index.is_sparse() {
        return Err("sparse indices are not supported".into());
    }
    let mut touched = status.touched;

    // Determine the final entries of paths that changed in the worktree, as `git add -A` would.
    let mut worktree_entries = BTreeMap::<BString, Option<Entry>>::new();
    if !status.from_worktree.is_empty() {
        let caps = repo.filesystem_options()?;
        let (mut pipeline, _) = repo.filter_pipeline(None)?;
        for (path, index_mode) in status.from_worktree {
            let entry = pipeline.worktree_file_to_object(path.as_ref(), index)?;
            let entry = entry.map(|(id, kind, _)| (git_add_kind(kind, index_mode, caps), id));
            worktree_entries.insert(path, entry);
        }
    }
    worktree_entries.extend(status.removed.into_iter().map(|path| (path, None)));
    touched.extend(worktree_entries.keys().cloned());

    // Compare base and final entries of all touched paths, and count changed lines.
    let mut stats = ChangeStats::default();
    let mut cache = None;
    for path in touched {
        let old = base_index
            .entry_by_path(path.as_ref())
            .and_then(index_entry);
        let new = match worktree_entries.get(&path) {
            Some(entry) => *entry,
            None => index
                .entry_by_path(path.as_ref())
                .filter(|e| {
                    e.stage_raw() == 0 && !e.flags.contains(gix::index::entry::Flags::INTENT_TO_ADD)
                })
                .and_then(index_entry),
        };
        if old == new {
            continue;
        }
        let cache = match &mut cache {
            Some(cache) => cache,
            None => cache.insert(diff_cache(&repo, index)?),
        };
        let (insertions, deletions) = line_counts(&repo, cache, path.as_ref(), old, new)?;
        stats.files += 1;
        stats.insertions += insertions;
        stats.deletions += deletions;
        stats.paths.push(path.to_str_lossy().into_owned());
    }
    Ok(stats)
}

/// What the status says about paths, before looking at worktree files.
#[derive(Default)]
struct Status {
    /// Paths that differ between the base tree and the index, or the index and the worktree.
    touched: BTreeSet<BString>,
    /// Paths that were removed from the worktree.
    removed: Vec<BString>,
    /// Worktree paths that have to be hashed, with the mode of their index entry, if tracked.
    from_worktree: Vec<(BString, Option<gix::index::entry::Mode>)>,
}

/// Run a `gix` status between `base_tree`, the index and the worktree, listing every untracked file.
fn status(
    repo: &gix::Repository,
    base_tree: ObjectId,
) -> Result<(Status, gix::status::Outcome), Error> {
    let mut out = Status::default();
    let mut iter = repo
        .status(gix::progress::Discard)?
        .head_tree(base_tree)
        .tree_index_track_renames(gix::status::tree_index::TrackRenames::Disabled)
        .index_worktree_rewrites(None)
        .untracked_files(gix::status::UntrackedFiles::Files)
        // Only the checked-out commit of submodules matters, like for `git add -A`.
        .index_worktree_submodules(gix::status::Submodule::Given {
            ignore: gix::submodule::config::Ignore::Dirty,
            check_dirty: false,
        })
        // Callers run many of these in parallel already.
        .index_worktree_options_mut(|opts| opts.thread_limit = Some(1))
        .into_iter(None)?;
    for item in iter.by_ref() {
        match item? {
            gix::status::Item::TreeIndex(change) => {
                if let gix::diff::index::ChangeRef::Rewrite {
                    source_location, ..
                } = &change
                {
                    out.touched.insert(source_location.clone().into_owned());
                }
                out.touched.insert(change.location().to_owned());
            }
            gix::status::Item::IndexWorktree(index_worktree::Item::Modification {
                entry,
                rela_path,
                status,
                ..
            }) => match status {
                // Only the stat data changed.
                EntryStatus::NeedsUpdate(_)
                | EntryStatus::Change(Change::Modification {
                    executable_bit_changed: false,
                    content_change: None,
                    ..
                }) => {}
                EntryStatus::Change(Change::Removed) => out.removed.push(rela_path),
                // Content, mode or type changes, submodule commits, conflicts, intent-to-add.
                _ => out.from_worktree.push((rela_path, Some(entry.mode))),
            },
            gix::status::Item::IndexWorktree(index_worktree::Item::DirectoryContents {
                entry,
                ..
            }) => {
                if entry.status == gix::dir::entry::Status::Untracked {
                    out.from_worktree.push((entry.rela_path, None));
                }
            }
            // Not produced as rewrite tracking is off, but handled for completeness.
            gix::status::Item::IndexWorktree(index_worktree::Item::Rewrite {
                source,
                dirwalk_entry,
                ..
            }) => {
                out.removed.push(source.rela_path().to_owned());
                out.from_worktree.push((dirwalk_entry.rela_path, None));
            }
        }
    }
    let outcome = iter
        .into_outcome()
        .ok_or("status iteration did not complete")?;
    Ok((out, outcome))
}

/// Convert an index entry into a tree entry, or `None` for entries that can't be in a tree.
fn index_entry(entry: &gix::index::Entry) -> Option<Entry> {
    Some((entry.mode.to_tree_entry_mode()?.kind(), entry.id))
}

/// Return the kind `git add` would record for a worktree file of `kind` (`ce_mode_from_stat()`),
/// honouring `core.symlinks` and `core.filemode` by looking at the mode of the index entry, if any.
fn git_add_kind(
    kind: EntryKind,
    index_mode: Option<gix::index::entry::Mode>,
    caps: gix::fs::Capabilities,
) -> EntryKind {
    let is_file = matches!(kind, EntryKind::Blob | EntryKind::BlobExecutable);
    let index_kind = index_mode
        .and_then(|mode| mode.to_tree_entry_mode())
        .map(|mode| mode.kind());
    match index_kind {
        Some(EntryKind::Link) if is_file && !caps.symlink => EntryKind::Link,
        Some(index @ (EntryKind::Blob | EntryKind::BlobExecutable))
            if is_file && !caps.executable_bit =>
        {
            index
        }
        _ if is_file && !caps.executable_bit => EntryKind::Blob,
        _ => kind,
    }
}

/// A cache for diffing blobs from the object database, reading `.gitattributes` from the worktree
/// first and then the `index`, like `git diff` does.
fn diff_cache(
    repo: &gix::Repository,
    index: &gix::index::State,
) -> Result<gix::diff::blob::Platform, Error> {
    let attributes = repo
        .attributes_only(index, AttributeSource::WorktreeThenIdMapping)?
        .detach();
    Ok(gix::diff::resource_cache(
        repo,
        Mode::ToGit,
        attributes,
        WorktreeRoots::default(),
    )?)
}

/// Count `(insertions, deletions)` between `old` and `new` at `path` like `git diff --numstat` does.
/// Binary files count as `(0, 0)`, submodule commits as one line each (`Subproject commit <id>`).
fn line_counts(
    repo: &gix::Repository,
    cache: &mut gix::diff::blob::Platform,
    path: &BStr,
    old: Option<Entry>,
    new: Option<Entry>,
) -> Result<(usize, usize), Error> {
    let is_blob = |e: &Entry| {
        matches!(
            e.0,
            EntryKind::Blob | EntryKind::BlobExecutable | EntryKind::Link
        )
    };
    let is_commit = |e: Option<Entry>| usize::from(e.is_some_and(|e| e.0 == EntryKind::Commit));
    let (mut insertions, mut deletions) = (is_commit(new), is_commit(old));
    let (old_blob, new_blob) = (old.filter(is_blob), new.filter(is_blob));
    // A missing side is a null id with the kind of the other side.
    let Some(kind) = new_blob.or(old_blob).map(|e| e.0) else {
        return Ok((insertions, deletions));
    };
    let null = ObjectId::null(repo.object_hash());
    let (old_kind, old_id) = old_blob.unwrap_or((kind, null));
    let (new_kind, new_id) = new_blob.unwrap_or((kind, null));
    cache.set_resource(
        old_id,
        old_kind,
        path,
        ResourceKind::OldOrSource,
        &repo.objects,
    )?;
    cache.set_resource(
        new_id,
        new_kind,
        path,
        ResourceKind::NewOrDestination,
        &repo.objects,
    )?;
    let prepared = cache.prepare_diff()?;
    // Anything else is binary (or an external diff, impossible without diff drivers): 0/0.
    if let Operation::InternalDiff { algorithm } = prepared.operation {
        // Lines keep their terminator, so `\r\n` vs `\n` and a missing final newline are changes,
        // as for git (`prepared.interned_input()` would strip them).
        let old = prepared.old.data.as_slice().unwrap_or_default();
        let new = prepared.new.data.as_slice().unwrap_or_default();
        let input = InternedInput::new(sources::byte_lines(old), sources::byte_lines(new));
        let diff = Diff::compute(algorithm, &input);
        insertions += diff.count_additions() as usize;
        deletions += diff.count_removals() as usize;
    }
    cache.clear_resource_cache_keep_allocation();
    Ok((insertions, deletions))
}
