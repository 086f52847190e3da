//! The shape of the code, checked: commands are leaves (no verb imports
//! another), the modules below them import each other without cycles, and
//! no function grows past what a reader takes in at once. The import graph
//! is read from `crate::…` paths in `src/` (the same graph `rustc` sees for
//! items named that way; a `super::` path stays inside its module).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Longest function body, in lines, outside the files of data below.
const LONGEST: usize = 80;

/// Files that are data tables or generated text, not logic.
const DATA: &[&str] = &["src/cli.rs", "src/manpage.rs", "src/completion.rs"];

fn sources() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    walk(&root.join("src"), &mut out);
    out.sort();
    out.into_iter()
        .map(|p| p.strip_prefix(root).unwrap().to_path_buf())
        .collect()
}

/// The node a file belongs to: `commands::<verb>` for a verb, else its
/// top-level module (`session/store.rs` → `session`).
fn node(path: &Path) -> String {
    let parts: Vec<String> = path
        .strip_prefix("src")
        .unwrap()
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    match parts.as_slice() {
        [first, verb, ..] if first == "commands" && verb != "mod" => format!("commands::{verb}"),
        [first, ..] => first.clone(),
        [] => unreachable!(),
    }
}

/// The code of a file without its `#[cfg(test)]` module and comments.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => &text[..],
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The nodes a file's code names through `crate::…`, `use crate::{a, b}`
/// included.
fn imports(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let names: Vec<String> = if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            group[..end]
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        } else {
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            vec![rest[..end].to_owned()]
        };
        for name in names {
            let mut segments = name.split("::").filter(|s| !s.is_empty());
            let Some(first) = segments.next() else {
                continue;
            };
            let first = first.trim_start_matches('{').to_owned();
            found.insert(match (first.as_str(), segments.next()) {
                ("commands", Some(verb)) if verb.chars().all(|c| c.is_lowercase() || c == '_') => {
                    format!("commands::{verb}")
                }
                _ => first,
            });
        }
    }
    found
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in sources() {
        let from = node(&path);
        let to = imports(&code(&path));
        let entry = graph.entry(from.clone()).or_default();
        entry.extend(to.into_iter().filter(|t| *t != from));
    }
    graph
}

#[test]
fn no_command_imports_another() {
    let mut wrong = Vec::new();
    for (from, to) in graph() {
        if !from.starts_with("commands::") {
            continue;
        }
        for t in to.iter().filter(|t| t.starts_with("commands::")) {
            wrong.push(format!("{from} → {t}"));
        }
    }
    assert!(wrong.is_empty(), "commands import commands: {wrong:?}");
}

#[test]
fn the_modules_below_the_commands_import_each_other_without_cycles() {
    // `lib` (dispatch), `main` and `commands` (the verbs' index) sit above
    // everything; the rest must form a DAG.
    let top = |n: &str| n.starts_with("commands") || n == "lib" || n == "main";
    let graph: BTreeMap<String, BTreeSet<String>> = graph()
        .into_iter()
        .filter(|(n, _)| !top(n))
        .map(|(n, to)| (n, to.into_iter().filter(|t| !top(t)).collect()))
        .collect();
    // Depth-first search for a back edge, reporting the cycle found.
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == n) {
            let mut cycle = path[at..].to_vec();
            cycle.push(n.to_owned());
            return Some(cycle);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_owned());
        for next in graph.get(n).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(n.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for n in graph.keys() {
        if let Some(cycle) = visit(n, &graph, &mut Vec::new(), &mut done) {
            panic!("an import cycle: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn no_function_is_longer_than_a_reader_takes_in_at_once() {
    let mut long = Vec::new();
    for path in sources() {
        if DATA.iter().any(|d| Path::new(d) == path) {
            continue;
        }
        let code = code(&path);
        let lines: Vec<&str> = code.lines().collect();
        for (at, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            let is_fn = ["fn ", "pub fn ", "pub(crate) fn ", "pub(super) fn "]
                .iter()
                .any(|p| trimmed.starts_with(p));
            if !is_fn || trimmed.ends_with(';') {
                continue;
            }
            let indent = &line[..line.len() - trimmed.len()];
            let close = format!("{indent}}}");
            let Some(len) = lines[at + 1..].iter().position(|l| *l == close) else {
                continue;
            };
            if len > LONGEST {
                let name = trimmed.split('(').next().unwrap_or(trimmed);
                long.push(format!(
                    "{}:{} {name} ({len} lines)",
                    path.display(),
                    at + 1
                ));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over {LONGEST} lines:\n{}",
        long.join("\n")
    );
}
