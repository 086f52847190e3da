//! Differential test of snapshots: seeded random repositories and sessions
//! (settings, ignore and attribute files in every place git reads them,
//! line endings and encodings, type changes between files, directories and
//! symlinks, names as raw bytes, modes, staged work, many new files for
//! the pack route, paths git refuses), each snapshotted by both routes
//! (`GIT_AGENT_SNAPSHOT=gix` and `=git`) and compared with the oracle:
//! `git add -A` into a copy of the session's index, then `git write-tree`.
//! The in-process route may leave a case to git, never give another tree;
//! where git refuses, both routes must fail. Then `keep` into the clean
//! main checkout must give the session's tree there.
//!
//! `cargo test` runs the fixed seeds in [`SEEDS`] (every seed that ever
//! failed stays there). A long run:
//!
//! ```sh
//! GIT_AGENT_DIFF_SEEDS=500 cargo test --test it differential -- --ignored --nocapture
//! ```
//!
//! (`GIT_AGENT_DIFF_START` picks the first seed.) Keep is compared for
//! type changes and names that are not UTF-8 too (K1, K2), but not where
//! the session holds an embedded repository (keep refuses it, K4) or
//! deletes a `.gitattributes` (see seed 3074), unless
//! `GIT_AGENT_DIFF_KEEP=all` is set.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::common::{BIN, TestRepo, hermetic};

/// Seeds run in every `cargo test`: a few, and every one that ever failed
/// (1034 found a snapshot bug; 2123 keep's K2, since fixed; 3074 the
/// renormalisation keep is not compared for; the others the generator's
/// and the oracle's).
const SEEDS: &[u64] = &[
    1, 2, 3, 5, 8, 13, 21, 34, 1008, 1026, 1034, 1051, 1060, 1112, 1156, 1157, 1175, 1195, 1200,
    1201, 1204, 1210, 1224, 1235, 1263, 2123, 3074,
];

/// splitmix64: small, seedable, good enough to pick cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// File names, as bytes: plain, spaced, NFC and NFD, not UTF-8, dotted.
const NAMES: &[&[u8]] = &[
    b"a.txt",
    b"b.md",
    b"run.bat",
    b"data.raw",
    b"text.u16",
    b"latin.lat",
    b"with space.txt",
    b"caf\xc3\xa9.txt",
    b"cafe\xcc\x81.txt",
    b"inv\xff.txt",
    b"-dash",
    b" early.txt",
    b"tool.sh",
    b"keep.log",
    b"out.log",
];
const DIRS: &[&[u8]] = &[
    b"",
    b"src/",
    b"src/deep/",
    b"docs/",
    b"caf\xc3\xa9/",
    b"bin/",
];
const CONTENTS: &[&[u8]] = &[
    b"line\n",
    b"two\nlines\n",
    b"crlf\r\nlines\r\n",
    b"mixed\r\nends\n",
    b"no newline",
    b"",
    b"\x00\x01binary\x00",
    b"\xff\xfex\x00\n\x00",
    b"\xfe\xff\x00x\x00\n",
    b"\x93quoted\x94\n",
    b"lone\rcr\n",
];
const IGNORE_RULES: &[&str] = &[
    "*.log",
    "!keep.log",
    "build/",
    "*/",
    "**/",
    "/*/",
    "/top.txt",
    "deep/",
    "*.md",
    "src/*.txt",
];
const ATTRIBUTE_RULES: &[&str] = &[
    "*.txt text",
    "*.txt -text",
    "* text=auto",
    "*.bat text eol=crlf",
    "*.txt eol=lf",
    "*.raw binary",
    "*.u16 working-tree-encoding=UTF-16",
    "*.lat working-tree-encoding=ISO-8859-1",
    "*.md text",
];
const SETTINGS: &[(&str, &str)] = &[
    ("status.showUntrackedFiles", "no"),
    ("core.precomposeUnicode", "true"),
    ("core.autocrlf", "true"),
    ("core.autocrlf", "input"),
    ("core.fileMode", "false"),
    ("core.checkStat", "minimal"),
    ("feature.manyFiles", "true"),
    ("index.version", "4"),
    ("core.untrackedCache", "true"),
    ("core.safecrlf", "false"),
];

/// One case: the repository, the session worktree, what was done (for the
/// failure message), what git refuses, and whether keep is compared.
struct Case {
    repo: TestRepo,
    wt: PathBuf,
    log: Vec<String>,
    refused: Vec<&'static str>,
    keep_checked: bool,
}

fn os(bytes: &[u8]) -> &OsStr {
    OsStr::from_bytes(bytes)
}

/// Write a file, replacing a directory there; where a file or symlink
/// stands in for a parent directory the write is skipped.
fn write_bytes(path: &Path, content: &[u8]) {
    if let Some(parent) = path.parent()
        && std::fs::create_dir_all(parent).is_err()
    {
        return;
    }
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        std::fs::remove_dir_all(path).expect("rm dir");
    }
    let _ = std::fs::write(path, content);
}

fn remove(path: &Path) {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path).expect("rm -r"),
        Ok(_) => std::fs::remove_file(path).expect("rm"),
        Err(_) => {}
    }
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
}

fn random_path(rng: &mut Rng) -> Vec<u8> {
    let mut p = (rng.pick(DIRS)).to_vec();
    p.extend_from_slice(rng.pick(NAMES));
    p
}

fn random_rules(rng: &mut Rng, pool: &[&str]) -> String {
    (0..1 + rng.below(3))
        .map(|_| format!("{}\n", rng.pick(pool)))
        .collect()
}

/// The files of a worktree (not `.git`), as relative byte paths.
fn files_of(root: &Path) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path == root.join(".git") {
                continue;
            }
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                dirs.push(path.clone());
            }
            let rel = path.strip_prefix(root).unwrap();
            out.push(rel.as_os_str().as_bytes().to_vec());
        }
    }
    out.sort();
    out
}

/// Build a seeded repository, session and session edits.
fn build(seed: u64) -> Case {
    let mut rng = Rng(seed);
    let repo = TestRepo::bare_dir();
    std::fs::create_dir_all(&repo.root).unwrap();
    repo.git(&["init", "-q", "-b", "main"]);
    let mut log = vec![format!("seed {seed}")];
    let mut keep_checked = true;

    // The first commit: files, modes, symlinks, rule files.
    write_bytes(&repo.root.join("a.txt"), b"a\n");
    for _ in 0..2 + rng.below(8) {
        let path = random_path(&mut rng);
        let content = rng.pick(CONTENTS);
        write_bytes(&repo.root.join(os(&path)), content);
        if rng.chance(20) {
            chmod(&repo.root.join(os(&path)), 0o755);
        }
    }
    if rng.chance(30) {
        std::os::unix::fs::symlink("a.txt", repo.root.join("link")).unwrap();
    }
    if rng.chance(20) {
        std::fs::create_dir_all(repo.root.join("src")).unwrap();
        std::os::unix::fs::symlink("src", repo.root.join("dirlink")).unwrap();
    }
    if rng.chance(40) {
        let rules = random_rules(&mut rng, IGNORE_RULES);
        log.push(format!(".gitignore: {rules:?}"));
        write_bytes(&repo.root.join(".gitignore"), rules.as_bytes());
    }
    if rng.chance(40) {
        let rules = random_rules(&mut rng, ATTRIBUTE_RULES);
        log.push(format!(".gitattributes: {rules:?}"));
        write_bytes(&repo.root.join(".gitattributes"), rules.as_bytes());
    }
    let first = repo.git_out(&repo.root, &["add", "-A"]);
    if !first.status.success() {
        // git refused something of the first commit (an encoding): start plain.
        log.push("first add refused; plain start".into());
        remove(&repo.root.join(".gitattributes"));
        repo.git(&["add", "-A"]);
    }
    repo.git(&["commit", "-q", "--allow-empty", "-m", "initial"]);
    // What the rules kept out of the commit goes: keep starts from a clean
    // checkout.
    repo.git(&["clean", "-ffdxq"]);

    // Settings and rules outside the tree.
    for _ in 0..rng.below(3) {
        let (key, value) = rng.pick(SETTINGS);
        log.push(format!("config {key}={value}"));
        repo.git(&["config", key, value]);
    }
    let info = repo.root.join(".git/info");
    if rng.chance(25) {
        let rules = random_rules(&mut rng, IGNORE_RULES);
        log.push(format!("info/exclude: {rules:?}"));
        write_bytes(&info.join("exclude"), rules.as_bytes());
    }
    if rng.chance(15) {
        let rules = random_rules(&mut rng, ATTRIBUTE_RULES);
        log.push(format!("info/attributes: {rules:?}"));
        write_bytes(&info.join("attributes"), rules.as_bytes());
    }
    if rng.chance(15) {
        let rules = random_rules(&mut rng, IGNORE_RULES);
        log.push(format!("XDG ignore: {rules:?}"));
        write_bytes(&repo.home.join(".config/git/ignore"), rules.as_bytes());
    }
    if rng.chance(15) {
        let rules = random_rules(&mut rng, ATTRIBUTE_RULES);
        log.push(format!("XDG attributes: {rules:?}"));
        write_bytes(&repo.home.join(".config/git/attributes"), rules.as_bytes());
    }
    if rng.chance(10) {
        let rules = random_rules(&mut rng, IGNORE_RULES);
        log.push(format!("core.excludesFile: {rules:?}"));
        let file = repo.home.join("excludes");
        write_bytes(&file, rules.as_bytes());
        repo.git(&["config", "core.excludesFile", &file.display().to_string()]);
    }

    let wt = repo.new_session(&["s"]);
    let tracked = files_of(&wt);
    let existing = |rng: &mut Rng| -> Vec<u8> {
        if tracked.is_empty() {
            b"a.txt".to_vec()
        } else {
            tracked[rng.below(tracked.len())].clone()
        }
    };

    // The session's edits.
    for _ in 0..2 + rng.below(10) {
        let op = rng.below(16);
        match op {
            0..=2 => {
                let path = random_path(&mut rng);
                log.push(format!("write {}", String::from_utf8_lossy(&path)));
                write_bytes(&wt.join(os(&path)), rng.pick(CONTENTS));
            }
            3 => {
                let path = existing(&mut rng);
                if path.ends_with(b".gitattributes") {
                    // Not keep's doing (seed 3074): git does not hash a
                    // stat-clean file again when its attributes go, so
                    // `git add -A` over the session and over the checkout
                    // keep wrote (the same bytes, a fresh index) differ.
                    keep_checked = false;
                }
                log.push(format!("rm {}", String::from_utf8_lossy(&path)));
                remove(&wt.join(os(&path)));
            }
            4 => {
                let path = existing(&mut rng);
                log.push(format!("chmod {}", String::from_utf8_lossy(&path)));
                chmod(
                    &wt.join(os(&path)),
                    if rng.chance(50) { 0o755 } else { 0o644 },
                );
            }
            5 => {
                // A file or symlink becomes a directory, or the reverse.
                let path = existing(&mut rng);
                let at = wt.join(os(&path));
                if at.is_dir() && !at.is_symlink() {
                    log.push(format!("dir->file {}", String::from_utf8_lossy(&path)));
                    remove(&at);
                    write_bytes(&at, b"was a directory\n");
                } else {
                    log.push(format!("->dir {}", String::from_utf8_lossy(&path)));
                    remove(&at);
                    write_bytes(&at.join("inside.txt"), b"inside\n");
                }
            }
            6 => {
                let path = existing(&mut rng);
                let at = wt.join(os(&path));
                log.push(format!("->symlink {}", String::from_utf8_lossy(&path)));
                remove(&at);
                std::os::unix::fs::symlink(if rng.chance(50) { "a.txt" } else { "src" }, &at)
                    .unwrap_or(());
            }
            7 => {
                let dir = rng.pick(DIRS);
                let rules = random_rules(&mut rng, IGNORE_RULES);
                log.push(format!(
                    "{}.gitignore: {rules:?}",
                    String::from_utf8_lossy(dir)
                ));
                write_bytes(&wt.join(os(dir)).join(".gitignore"), rules.as_bytes());
            }
            8 => {
                let dir = rng.pick(DIRS);
                let rules = random_rules(&mut rng, ATTRIBUTE_RULES);
                log.push(format!(
                    "{}.gitattributes: {rules:?}",
                    String::from_utf8_lossy(dir)
                ));
                write_bytes(&wt.join(os(dir)).join(".gitattributes"), rules.as_bytes());
            }
            9 => {
                keep_checked = false; // as for op 3: seed 3074
                log.push("rm .gitattributes".into());
                remove(&wt.join(".gitattributes"));
            }
            10 => {
                let path = existing(&mut rng);
                log.push(format!("stage {}", String::from_utf8_lossy(&path)));
                let _ = hermetic("git", &repo.home)
                    .current_dir(&wt)
                    .args([OsStr::new("add"), OsStr::new("--"), os(&path)])
                    .output();
            }
            11 if rng.chance(30) => {
                log.push("many files".into());
                for i in 0..120 {
                    write_bytes(
                        &wt.join(format!("gen/{}/f{i}.txt", i % 5)),
                        format!("seed {seed} file {i}\n").as_bytes(),
                    );
                }
            }
            12 if rng.chance(30) => {
                log.push("refused path .GIT/config".into());
                write_bytes(&wt.join(".GIT/config"), b"[core]\n");
            }
            13 => {
                log.push("fifo".into());
                let _ = std::process::Command::new("mkfifo")
                    .arg(wt.join("pipe"))
                    .stderr(std::process::Stdio::null())
                    .status();
            }
            14 => {
                let path = existing(&mut rng);
                log.push(format!("append crlf {}", String::from_utf8_lossy(&path)));
                let at = wt.join(os(&path));
                if at.is_file() {
                    let mut data = std::fs::read(&at).unwrap_or_default();
                    data.extend_from_slice(b"more\r\n");
                    std::fs::write(&at, data).unwrap();
                }
            }
            15 if rng.chance(20) => {
                log.push("embedded repository".into());
                keep_checked = false; // keep refuses an embedded repository (K4)
                let inner = wt.join("inner");
                std::fs::create_dir_all(&inner).unwrap();
                repo.git_in(&inner, &["init", "-q"]);
                write_bytes(&inner.join("x"), b"x\n");
            }
            _ => {
                let dir = rng.pick(DIRS);
                log.push(format!("empty dir {}new", String::from_utf8_lossy(dir)));
                let _ = std::fs::create_dir_all(wt.join(os(dir)).join("new"));
            }
        }
    }
    let refused = if refused_listed(&log) {
        vec![".GIT"]
    } else {
        Vec::new()
    };
    Case {
        repo,
        wt,
        log,
        refused,
        keep_checked,
    }
}

fn refused_listed(log: &[String]) -> bool {
    log.iter().any(|l| l.contains(".GIT/config"))
}

/// The oracle: `git add -A` into a copy of `dir`'s index (with its time),
/// then `write-tree`; `Err` with git's message where git refuses.
fn oracle(repo: &TestRepo, dir: &Path, excluded: &[&str]) -> Result<String, String> {
    let copy = repo.oracle_index(dir);
    let run = |args: &[String]| {
        let out = hermetic("git", &repo.home)
            .current_dir(dir)
            .env("GIT_INDEX_FILE", &copy)
            .args(["-c", "core.splitIndex=false"])
            .args(args)
            .output()
            .expect("spawn git");
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    };
    let mut add: Vec<String> = ["add", "-A", "--", ":/"].map(String::from).to_vec();
    let mut added = run(&add);
    // Paths git refuses fail the whole `add`: then without them (only
    // then: excluding an ignored path is an error of its own).
    if added.as_ref().is_err_and(|e| e.contains("invalid path")) && !excluded.is_empty() {
        add.extend(excluded.iter().map(|e| format!(":(exclude){e}")));
        added = run(&add);
    }
    let tree = added.and_then(|_| run(&["write-tree".to_owned()]));
    std::fs::remove_file(&copy).ok();
    tree
}

fn snapshot(repo: &TestRepo, dir: &Path, route: &str) -> crate::common::Run {
    let out = hermetic(BIN, &repo.home)
        .current_dir(&repo.root)
        .env("GIT_AGENT_SNAPSHOT", route)
        .arg("__snapshot")
        .arg(dir)
        .output()
        .expect("spawn git-agent");
    crate::common::Run::from(out)
}

/// What one case showed, for the long run's summary.
#[derive(Default, Debug)]
struct Outcome {
    in_process: bool,
    left_to_git: bool,
    git_refused: bool,
    keep_compared: bool,
}

/// Run one seeded case; panics with the case's log on a divergence.
fn run_case(seed: u64) -> Outcome {
    let case = build(seed);
    let Case { repo, wt, log, .. } = &case;
    let fail = |what: String| -> ! { panic!("{what}\ncase:\n  {}", log.join("\n  ")) };
    let mut outcome = Outcome::default();
    // In-process first, so it writes the new blobs itself.
    let fast = snapshot(repo, wt, "gix");
    let expected = oracle(repo, wt, &case.refused);
    let slow = snapshot(repo, wt, "git");
    let full = |run: &crate::common::Run| run.stdout.split_whitespace().nth(2).map(str::to_owned);
    match &expected {
        Ok(tree) => {
            if slow.code != 0 {
                fail(format!(
                    "git route failed where git add -A did not: {}",
                    slow.stderr
                ));
            }
            if full(&slow).as_ref() != Some(tree) {
                fail(format!("git route {:?} != oracle {tree}", full(&slow)));
            }
            if fast.code == 0 {
                outcome.in_process = true;
                if fast.stdout != slow.stdout {
                    fail(format!(
                        "gix route {} != git route {}",
                        fast.stdout, slow.stdout
                    ));
                }
            } else if fast.stderr.contains("leaves") && fast.stderr.contains("to git") {
                outcome.left_to_git = true;
            } else {
                fail(format!("gix route failed: {}", fast.stderr));
            }
        }
        Err(why) => {
            outcome.git_refused = true;
            if fast.code == 0 || slow.code == 0 {
                fail(format!(
                    "git add -A refuses ({why}) but a route stored a tree: gix {} {} / git {} {}",
                    fast.stdout, fast.stderr, slow.stdout, slow.stderr
                ));
            }
        }
    }
    let keep_all = std::env::var("GIT_AGENT_DIFF_KEEP").is_ok_and(|v| v == "all");
    // Keep starts from a clean checkout: settings and rules made after the
    // first commit can leave its files modified in git's eyes.
    let clean = repo
        .git(&["status", "--porcelain", "--untracked-files=all"])
        .is_empty();
    if let Ok(tree) = &expected
        && clean
        && (case.keep_checked || keep_all)
    {
        outcome.keep_compared = true;
        let keep = repo.agent(&["keep", "s"]);
        if keep.code != 0 {
            fail(format!("keep failed: {}", keep.stderr));
        }
        match oracle(repo, &repo.root, &case.refused) {
            Ok(main) if main == *tree => {}
            other => fail(format!(
                "after keep the main checkout holds {other:?}, the session held {tree}: {}",
                repo.git(&[
                    "diff-tree",
                    "-r",
                    "--name-status",
                    tree,
                    &other.clone().unwrap_or_default()
                ])
            )),
        }
    }
    outcome
}

/// Run the cases of `seeds` on two threads; the failed seeds (each one's
/// panic message names its case), and a summary line.
fn run_seeds(seeds: &[u64]) -> (Vec<u64>, String) {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    let began = std::time::Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                while let Some(&seed) =
                    seeds.get(next.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
                {
                    let result = std::panic::catch_unwind(|| run_case(seed));
                    results.lock().unwrap().push((seed, result));
                }
            });
        }
    });
    let results = results.into_inner().unwrap();
    let ok: Vec<&Outcome> = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .collect();
    let mut failed: Vec<u64> = results
        .iter()
        .filter(|(_, r)| r.is_err())
        .map(|(s, _)| *s)
        .collect();
    failed.sort();
    let count = |f: fn(&Outcome) -> bool| ok.iter().filter(|o| f(o)).count();
    let summary = format!(
        "{} cases in {:.0?}: {} in process, {} left to git, {} refused by git, \
         {} keeps compared; failed seeds: {failed:?}",
        results.len(),
        began.elapsed(),
        count(|o| o.in_process),
        count(|o| o.left_to_git),
        count(|o| o.git_refused),
        count(|o| o.keep_compared),
    );
    (failed, summary)
}

#[test]
fn fixed_seeds_agree_with_git_add_all() {
    let (failed, summary) = run_seeds(SEEDS);
    assert!(failed.is_empty(), "{summary}");
}

#[test]
#[ignore = "long: GIT_AGENT_DIFF_SEEDS=N cargo test --test it differential -- --ignored"]
fn many_seeds_agree_with_git_add_all() {
    let setting = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let start = setting("GIT_AGENT_DIFF_START", 1000);
    let seeds: Vec<u64> = (start..start + setting("GIT_AGENT_DIFF_SEEDS", 200)).collect();
    let (failed, summary) = run_seeds(&seeds);
    eprintln!("{summary}");
    assert!(failed.is_empty(), "{summary}");
}
