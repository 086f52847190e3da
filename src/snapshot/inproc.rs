//! A worktree's full tree read in process: what `git add -A` into a copy of
//! its index followed by `git write-tree` gives, found with gix's status
//! (a stat of every tracked file and a walk for untracked ones, both in
//! parallel) and with the new blobs written as one pack when there are many
//! of them, as `git fetch` keeps a pack of 100 objects or more — instead of
//! a loose file, a link and an unlink per blob.
//!
//! Whatever this does not do exactly as git does is left to git, decided
//! from the configuration, the index and the attribute files before the
//! walk: a worktree with submodules or an embedded repository, a sparse
//! checkout or skip-worktree entries, conflicts, intent-to-add or
//! assume-unchanged entries, a split index, any `filter.*` setting,
//! `core.symlinks` or `core.ignoreCase` set, `core.precomposeUnicode`
//! (which git ignores on Linux, gix does not), `core.checkStat`,
//! `core.protectNTFS`/`core.protectHFS`, a `working-tree-encoding`
//! attribute anywhere, `info/attributes` rules (which gix ranks below
//! `.gitattributes` files), a tracked `.gitattributes` not on disk as a
//! file (gix reads the index's copy), an ignore rule for every directory
//! outside `.gitignore` files (gix takes it to ignore the worktree's top
//! too), `core.excludesFile` not a file, configuration given on git's
//! command line, files that are neither regular nor symlinks, very large
//! changes, and any error. Then [`full_tree`] returns `None` and the
//! caller takes the git route, which also reports the error if there is
//! one. `GIT_AGENT_SNAPSHOT=git` forces that route and
//! `GIT_AGENT_SNAPSHOT=gix` makes leaving it to git an error: the tests
//! compare both routes.

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use gix::ObjectId;
use gix::bstr::{BString, ByteSlice};
use gix::objs::tree::EntryKind;

use super::scan::Scan;

/// New blobs at least this many go into one pack, fewer are written loose.
const PACK_AT: usize = 100;
/// More new content than this is left to git, which streams big files.
const MAX_BYTES: usize = 256 << 20;

enum Edit {
    Remove(BString),
    Read(BString),
}

/// The full tree of `worktree`: `index_tree` (its index as a tree) with the
/// working files' changes and the untracked, not ignored files on top, and
/// the paths left out because git refuses them (see [`super::verify`]).
pub fn full_tree(
    worktree: &Path,
    index_tree: ObjectId,
    scan: &Scan,
) -> Option<(ObjectId, Vec<Vec<u8>>)> {
    if std::env::var_os("GIT_AGENT_SNAPSHOT").is_some_and(|v| v == "git")
        || std::env::var_os("GIT_CONFIG_PARAMETERS").is_some()
        || std::env::var_os("GIT_CONFIG_COUNT").is_some()
    {
        return None;
    }
    let repo = gix::open(worktree).ok()?;
    if !same_dir(repo.workdir()?, worktree) || !plain_config(&repo) || !plain_rules(&repo, scan) {
        return None;
    }
    let (mut pipeline, index) = repo.filter_pipeline(None).ok()?;
    if !repo.index_path().exists() || !plain_index(&index) || !attributes_on_disk(worktree, &index)
    {
        return None;
    }
    let edits = changes(&repo, index.clone())?;
    let file_mode = repo
        .config_snapshot()
        .boolean("core.fileMode")
        .unwrap_or(true);

    let mut upserts: Vec<(BString, EntryKind, ObjectId)> = Vec::new();
    let mut removes: Vec<BString> = Vec::new();
    let mut new_blobs: Vec<(ObjectId, Vec<u8>)> = Vec::new();
    let mut new_ids = std::collections::HashSet::new();
    let mut new_bytes = 0usize;
    let mut refused: Vec<Vec<u8>> = Vec::new();
    for edit in edits {
        let path = match edit {
            Edit::Remove(path) => {
                removes.push(path);
                continue;
            }
            Edit::Read(path) => path,
        };
        let Some((kind, data)) = read(worktree, &path, &mut pipeline, &index, file_mode)? else {
            removes.push(path);
            continue;
        };
        if let Some(end) = super::verify::refused_prefix(&path, kind == EntryKind::Link) {
            // Only an untracked path can be one git refuses; it stays out.
            let prefix = &path[..end];
            if !refused.iter().any(|r| r == prefix) {
                refused.push(prefix.to_vec());
            }
            continue;
        }
        let id = gix::objs::compute_hash(repo.object_hash(), gix::objs::Kind::Blob, &data).ok()?;
        if !repo.objects.exists_without_refresh(&id) && new_ids.insert(id) {
            new_bytes += data.len();
            if new_bytes > MAX_BYTES {
                return None;
            }
            new_blobs.push((id, data));
        }
        upserts.push((path, kind, id));
    }
    write_blobs(&repo, worktree, new_blobs)?;

    let mut editor = repo.edit_tree(index_tree).ok()?;
    for path in &removes {
        editor.remove(path.as_bstr()).ok()?;
    }
    for (path, kind, id) in &upserts {
        editor.upsert(path.as_bstr(), *kind, *id).ok()?;
    }
    Some((editor.write().ok()?.detach(), refused))
}

/// The entry `git add` would make of the file at `path`: its kind and its
/// content as stored (filters applied), `Some(None)` when nothing is there
/// any more (gone, or a directory now), `None` for what is left to git.
fn read(
    worktree: &Path,
    path: &BString,
    pipeline: &mut gix::filter::Pipeline<'_>,
    index: &gix::index::State,
    file_mode: bool,
) -> Option<Option<(EntryKind, Vec<u8>)>> {
    let rela = gix::path::from_bstr(path.as_bstr()).ok()?;
    let on_disk = worktree.join(&rela);
    let meta = match std::fs::symlink_metadata(&on_disk) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some(None),
        Err(_) => return None,
    };
    if meta.file_type().is_symlink() {
        use std::os::unix::ffi::OsStrExt;
        let target = std::fs::read_link(&on_disk).ok()?;
        return Some(Some((
            EntryKind::Link,
            target.as_os_str().as_bytes().to_vec(),
        )));
    }
    if meta.is_dir() {
        // A tracked file became a directory: its files come as untracked.
        return Some(None);
    }
    if !meta.file_type().is_file() {
        return None; // a fifo, a socket: left to git
    }
    // git looks at the owner's execute bit only, and with core.fileMode off
    // keeps the mode the index has.
    let executable = if file_mode {
        meta.permissions().mode() & 0o100 != 0
    } else {
        index.entry_by_path(path.as_bstr()).map(|e| e.mode)
            == Some(gix::index::entry::Mode::FILE_EXECUTABLE)
    };
    let kind = if executable {
        EntryKind::BlobExecutable
    } else {
        EntryKind::Blob
    };
    let file = std::fs::File::open(&on_disk).ok()?;
    let mut data = Vec::with_capacity(meta.len() as usize);
    use gix::filter::plumbing::pipeline::convert::ToGitOutcome;
    match pipeline.convert_to_git(file, &rela, index).ok()? {
        ToGitOutcome::Unchanged(mut r) => r.read_to_end(&mut data).ok()?,
        ToGitOutcome::Process(mut r) => r.read_to_end(&mut data).ok()?,
        ToGitOutcome::Buffer(b) => {
            data.extend_from_slice(b);
            b.len()
        }
    };
    Some(Some((kind, data)))
}

/// What changed between the index and the working files, and the untracked
/// files; `None` for anything left to git.
fn changes(
    repo: &gix::Repository,
    index: gix::worktree::IndexPersistedOrInMemory,
) -> Option<Vec<Edit>> {
    use gix::status::index_worktree::Item;
    use gix::status::plumbing::index_as_worktree::{Change, EntryStatus};
    // Every untracked file, whatever status.showUntrackedFiles says (which
    // gix follows by leaving the walk out altogether for `no`).
    let walk = repo
        .dirwalk_options()
        .ok()?
        .emit_untracked(gix::dir::walk::EmissionMode::Matching);
    let iter = repo
        .status(gix::progress::Discard)
        .ok()?
        .index(index)
        .index_worktree_options_mut(|options| options.dirwalk_options = Some(walk))
        .index_worktree_rewrites(None)
        .index_worktree_submodules(gix::status::Submodule::Given {
            ignore: gix::submodule::config::Ignore::All,
            check_dirty: false,
        })
        .into_index_worktree_iter(Vec::<BString>::new())
        .ok()?;
    let mut edits = Vec::new();
    for item in iter {
        match item.ok()? {
            Item::Modification {
                rela_path, status, ..
            } => match status {
                EntryStatus::Change(Change::Removed) => edits.push(Edit::Remove(rela_path)),
                EntryStatus::Change(Change::Type { .. } | Change::Modification { .. }) => {
                    edits.push(Edit::Read(rela_path))
                }
                EntryStatus::NeedsUpdate(_) => {}
                _ => return None,
            },
            Item::DirectoryContents { entry, .. } => {
                use gix::dir::entry::{Kind, Status};
                match (entry.status, entry.disk_kind) {
                    (Status::Untracked, Some(Kind::File | Kind::Symlink)) => {
                        edits.push(Edit::Read(entry.rela_path))
                    }
                    (Status::Ignored(_) | Status::Pruned, _) => {}
                    _ => return None,
                }
            }
            Item::Rewrite { .. } => return None,
        }
    }
    Some(edits)
}

/// Blobs missing from the object database: one pack for many, loose for few.
fn write_blobs(
    repo: &gix::Repository,
    worktree: &Path,
    blobs: Vec<(ObjectId, Vec<u8>)>,
) -> Option<()> {
    if blobs.len() < PACK_AT {
        for (id, data) in &blobs {
            if repo.write_blob(data).ok()?.detach() != *id {
                return None;
            }
        }
        return Some(());
    }
    let pack = pack_of(&blobs)?;
    // gix's pack writer checks the stream and writes it with its index, as
    // `git index-pack` would (without fsync, like git's loose objects).
    let dir = repo.objects.store_ref().path().join("pack");
    let outcome = gix_pack::Bundle::write_to_directory(
        &mut pack.as_slice(),
        Some(&dir),
        &mut gix::progress::Discard,
        &std::sync::atomic::AtomicBool::new(false),
        None::<gix::objs::find::Never>,
        repo.object_hash(),
        gix_pack::bundle::write::Options::default(),
    )
    .ok()?;
    // The snapshot's refs are written next; a `.keep` would keep the pack
    // from ever being repacked.
    if let Some(keep) = outcome.keep_path {
        let _ = std::fs::remove_file(keep);
    }
    // As after `git fetch`: packs must not pile up. Usually a quick look
    // that finds nothing to do; otherwise git repacks in the background,
    // keeping unreachable new objects (this pack's, until the snapshot's
    // refs are written) for gc.pruneExpire.
    let _ = crate::git::Git::new(worktree).output(["gc", "--auto", "--quiet"]);
    Some(())
}

/// A version 2 pack stream of undeltified blobs.
fn pack_of(blobs: &[(ObjectId, Vec<u8>)]) -> Option<Vec<u8>> {
    use gix::zlib::stream::deflate::{Compress, FlushCompress};
    let mut out = Vec::with_capacity(blobs.iter().map(|(_, d)| d.len() + 32).sum::<usize>() + 32);
    out.extend_from_slice(b"PACK");
    out.extend_from_slice(&2u32.to_be_bytes());
    out.extend_from_slice(&u32::try_from(blobs.len()).ok()?.to_be_bytes());
    // One compressor for all: setting one up costs more than a small blob.
    let mut zlib = Compress::new(gix::zlib::Compression::default());
    let mut chunk = vec![0u8; 64 << 10];
    for (_, data) in blobs {
        // Type 3 (blob) and the size: four bits, then seven per byte.
        let mut size = data.len();
        let mut byte = (3u8 << 4) | (size & 0x0f) as u8;
        size >>= 4;
        while size != 0 {
            out.push(byte | 0x80);
            byte = (size & 0x7f) as u8;
            size >>= 7;
        }
        out.push(byte);
        zlib.reset();
        let mut input = data.as_slice();
        loop {
            let (read, written) = (zlib.total_in(), zlib.total_out());
            let status = zlib
                .compress(input, &mut chunk, FlushCompress::Finish)
                .ok()?;
            input = &input[(zlib.total_in() - read) as usize..];
            out.extend_from_slice(&chunk[..(zlib.total_out() - written) as usize]);
            if status == gix::zlib::Status::StreamEnd {
                break;
            }
        }
    }
    let mut hasher = gix::hash::hasher(gix::hash::Kind::Sha1);
    hasher.update(&out);
    out.extend_from_slice(hasher.try_finalize().ok()?.as_bytes());
    Some(out)
}

/// Settings under which git's `add` reads files in ways not done here.
fn plain_config(repo: &gix::Repository) -> bool {
    let config = repo.config_snapshot();
    if repo.object_hash() != gix::hash::Kind::Sha1
        || config.boolean("core.symlinks") == Some(false)
        || config.boolean("core.ignoreCase") == Some(true)
        || config.boolean("core.sparseCheckout") == Some(true)
        || config.boolean("core.precomposeUnicode") == Some(true)
        || config.boolean("core.protectNTFS") == Some(false)
        || config.boolean("core.protectHFS") == Some(true)
        || config.string("core.checkStat").is_some()
    {
        return false;
    }
    // Any filter setting: a driver, or `required` without one (git refuses).
    config
        .plumbing()
        .sections_by_name("filter")
        .is_none_or(|mut sections| sections.next().is_none())
}

/// Ignore and attribute rules read as git reads them: none that gix ranks
/// or matches otherwise (see the module's header), no
/// `working-tree-encoding`, no `core.excludesFile` git would refuse.
fn plain_rules(repo: &gix::Repository, scan: &Scan) -> bool {
    let config = repo.config_snapshot();
    let info = repo.common_dir().join("info");
    let xdg = |name: &str| {
        std::env::var_os("XDG_CONFIG_HOME")
            .filter(|d| !d.is_empty())
            .map(|d| Path::new(&d).join("git").join(name))
            .or_else(|| std::env::home_dir().map(|h| h.join(".config/git").join(name)))
    };
    // A setting's file, or git's default for it; `Err` when unreadable.
    let file = |key: &str, default: &str| match config.trusted_path(key) {
        Ok(Some(path)) => Ok(Some(path)),
        Ok(None) => Ok(xdg(default)),
        Err(_) => Err(()),
    };
    let (Ok(excludes), Ok(attributes)) = (
        file("core.excludesFile", "ignore"),
        file("core.attributesFile", "attributes"),
    ) else {
        return false;
    };
    if let Some(path) = &excludes
        && path.exists()
        && !path.is_file()
    {
        return false;
    }
    let text = |path: &Path| std::fs::read(path).unwrap_or_default();
    if rules(&text(&info.join("attributes"))).next().is_some() {
        return false;
    }
    for path in [Some(info.join("exclude")), excludes].into_iter().flatten() {
        if rules(&text(&path)).any(matches_every_directory) {
            return false;
        }
    }
    let encoding = |path: &Path| text(path).find(b"working-tree-encoding").is_some();
    !attributes.as_deref().is_some_and(encoding)
        && !scan.attribute_files.iter().any(|p| encoding(p))
}

/// The lines of an ignore or attributes file that hold a rule.
fn rules(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    text.lines()
        .map(|line| line.trim_end())
        .filter(|line| !line.is_empty() && !line.starts_with(b"#"))
}

/// Whether an ignore rule matches any directory by name alone (`*/`,
/// `**/`, `/*/`): gix applies such a rule from outside `.gitignore` files
/// to the worktree's top directory as well, and then loses its files.
fn matches_every_directory(rule: &[u8]) -> bool {
    let rule = rule.strip_prefix(b"!").unwrap_or(rule);
    rule.ends_with(b"/") && rule.contains(&b'*') && rule.iter().all(|b| matches!(b, b'*' | b'/'))
}

/// Whether every `.gitattributes` the index tracks is a regular file on
/// disk: git reads only the worktree's, gix falls back to the index's copy
/// of a deleted one.
fn attributes_on_disk(worktree: &Path, index: &gix::index::State) -> bool {
    index.entries().iter().all(|entry| {
        let path = entry.path(index);
        if path != ".gitattributes" && !path.ends_with(b"/.gitattributes") {
            return true;
        }
        gix::path::from_bstr(path).is_ok_and(|rela| {
            std::fs::symlink_metadata(worktree.join(rela)).is_ok_and(|m| m.is_file())
        })
    })
}

/// An index with only plain entries: no conflicts, submodules, sparse or
/// skip-worktree, intent-to-add or assume-unchanged entries; not split.
fn plain_index(index: &gix::index::File) -> bool {
    use gix::index::entry::{Flags, Mode, Stage};
    !index.is_sparse()
        && index.link().is_none()
        && index.entries().iter().all(|e| {
            e.stage() == Stage::Unconflicted
                && e.mode != Mode::COMMIT
                && !e
                    .flags
                    .intersects(Flags::SKIP_WORKTREE | Flags::INTENT_TO_ADD | Flags::ASSUME_VALID)
        })
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
