//! The terminal view of a fleet as lines of text that fit a screen: one
//! header, one line per session (those that need someone first), the last
//! log line filling what the columns leave.

use std::time::SystemTime;

use serde_json::Value;

use super::{Fleet, Row};

/// The lines of a `width`×`height` screen (at most `height` lines, none
/// longer than `width` characters, no colour: the caller adds it).
pub fn lines(fleet: &Fleet, width: usize, height: usize) -> Vec<String> {
    let mut rows: Vec<&Row> = fleet.rows.values().collect();
    rows.sort_by_key(|r| (rank(r.state()), r.session.id.as_str().to_owned()));
    let id_width = rows
        .iter()
        .map(|r| r.session.id.as_str().chars().count())
        .max()
        .unwrap_or(2)
        .clamp(2, 16);
    let mut out = vec![fit(&header(fleet), width)];
    out.push(fit(
        &format!(
            "{:<id_width$} {:<9} {:>5} {:<7} {:>5} {:>11} {:<8} {:>7} {}",
            "ID", "STATE", "TIME", "AGENT", "FILES", "+/-", "REVIEW", "TOKENS", "LAST LOG LINE"
        ),
        width,
    ));
    let room = height.saturating_sub(out.len());
    let shown = if rows.len() > room {
        room.saturating_sub(1)
    } else {
        rows.len()
    };
    for row in &rows[..shown] {
        out.push(fit(&line(row, id_width), width));
    }
    if shown < rows.len() && room > 0 {
        out.push(fit(
            &format!("… {} more (a taller window shows them)", rows.len() - shown),
            width,
        ));
    }
    if rows.is_empty() && height > out.len() {
        out.push("No live sessions. Start one with: git agent new [<id>]".into());
    }
    out.truncate(height);
    out
}

/// Which sessions come first: those that need someone.
pub fn rank(state: &str) -> u8 {
    match state {
        "failed" | "broken" => 0,
        "done" => 1,
        "running" => 2,
        "active" => 3,
        _ => 4,
    }
}

fn header(fleet: &Fleet) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for row in fleet.rows.values() {
        match counts.iter_mut().find(|(s, _)| s == row.state()) {
            Some((_, n)) => *n += 1,
            None => counts.push((row.state().to_owned(), 1)),
        }
    }
    counts.sort_by_key(|(s, _)| rank(s));
    let states: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
    let tokens: u64 = fleet
        .rows
        .values()
        .filter_map(|r| r.json["run"]["usage"]["tokens"].as_u64())
        .sum();
    format!(
        "{} session{}{}{} · {} tokens · q quits",
        fleet.rows.len(),
        if fleet.rows.len() == 1 { "" } else { "s" },
        if states.is_empty() { "" } else { ": " },
        states.join(", "),
        crate::usage::grouped(tokens),
    )
}

/// One session's line.
pub fn line(row: &Row, id_width: usize) -> String {
    let json = &row.json;
    let changes = &json["changes"];
    let plus_minus = format!(
        "+{}/-{}",
        changes["insertions"].as_u64().unwrap_or(0),
        changes["deletions"].as_u64().unwrap_or(0)
    );
    let tokens = json["run"]["usage"]["tokens"]
        .as_u64()
        .map_or("-".to_owned(), short_count);
    let review = json["review"]["verdict"]
        .as_str()
        .map_or("-", |v| v.split('_').next().unwrap_or(v));
    let last = row.tail.last().map(|l| clean(l)).unwrap_or_default();
    format!(
        "{:<id_width$} {:<9} {:>5} {:<7} {:>5} {:>11} {:<8} {:>7} {}",
        cut(row.session.id.as_str(), id_width),
        row.state(),
        elapsed(json),
        cut(&clean(json["agent"].as_str().unwrap_or("-")), 7),
        changes["files"].as_u64().unwrap_or(0),
        plus_minus,
        cut(review, 8),
        tokens,
        last
    )
}

/// How long the last run took (or has been running); the session's age
/// when it had no run.
pub fn elapsed(json: &Value) -> String {
    let run = &json["run"];
    let parse = |v: &Value| v.as_str().and_then(crate::time::parse);
    let from = parse(&run["started"]).or_else(|| parse(&json["created"]));
    let to = parse(&run["ended"]).unwrap_or_else(SystemTime::now);
    match from {
        Some(from) => {
            crate::time::compact(to.duration_since(from).map(|d| d.as_secs()).unwrap_or(0))
        }
        None => "?".into(),
    }
}

/// `48,851`, then `1.2M` where seven columns are too few.
fn short_count(n: u64) -> String {
    let grouped = crate::usage::grouped(n);
    if grouped.len() <= 7 {
        grouped
    } else {
        format!("{:.1}M", n as f64 / 1e6)
    }
}

/// Control characters (escapes an agent printed) as spaces.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A line cut to the screen's width.
pub fn fit(text: &str, width: usize) -> String {
    cut(text, width)
}
