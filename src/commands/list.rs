//! `git agent list`: live sessions (or all), with change counts measured now.

use anstream::println;
use anstyle::Style;

use crate::cli::ListArgs;
use crate::error::Result;
use crate::output;
use crate::repo::Repo;
use crate::session;
use crate::view::Report;

pub fn run(repo: &Repo, args: &ListArgs) -> Result<i32> {
    let sessions = session::list(repo)?;
    let mut reports = Vec::with_capacity(sessions.len());
    for s in &sessions {
        if !args.all && !s.meta.state.is_live() {
            continue;
        }
        reports.push(Report::measure(repo, s)?);
    }
    if args.json {
        let array: Vec<_> = reports.iter().map(Report::to_json).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&array).unwrap_or_default()
        );
        return Ok(0);
    }
    if reports.is_empty() {
        anstream::eprintln!(
            "No sessions{}. Start one with: git agent new [<id>]",
            if args.all { "" } else { " live" }
        );
        return Ok(0);
    }
    let width = reports
        .iter()
        .map(|r| r.session.id.as_str().len())
        .max()
        .unwrap_or(2)
        .max(2);
    let bold = Style::new().bold();
    println!(
        "{bold}{:<width$}  {:<9}  {:>4}  {:<8}  {:>5}  {:>7}  {:>7}{bold:#}",
        "ID", "STATE", "AGE", "AGENT", "FILES", "+", "-"
    );
    for r in &reports {
        let style = output::state_style(r.state);
        let flag = if r.out_of_scope.is_empty() {
            String::new()
        } else {
            format!("  ({} out of scope)", r.out_of_scope.len())
        };
        println!(
            "{:<width$}  {style}{:<9}{style:#}  {:>4}  {:<8}  {:>5}  {:>7}  {:>7}{flag}",
            r.session.id.as_str(),
            r.state.as_str(),
            output::age(&r.session.meta.created),
            r.session.meta.agent.as_deref().unwrap_or("-"),
            r.changes.files,
            format!("+{}", r.changes.insertions),
            format!("-{}", r.changes.deletions),
        );
    }
    Ok(0)
}
