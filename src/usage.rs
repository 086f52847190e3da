//! What an agent reported it used, read from the end of a run's log.
//!
//! - Codex (`codex exec`) ends its transcript with a line `tokens used`
//!   and the count on the next line, with thousands separators
//!   (`tokens used` / `12,345`); older versions print `tokens used: 12345`.
//! - Claude Code reports usage and cost only in its JSON output
//!   (`--output-format json`: one object; `stream-json`: one object a line,
//!   the last of `"type": "result"`), as `usage.{input,output,
//!   cache_creation_input,cache_read_input}_tokens` and `total_cost_usd`.
//!   The `claude` preset keeps the plain text output, whose log people read;
//!   who configures `agent.claude.command` with a JSON output format gets
//!   the usage recorded.
//!
//! Only the log's tail is read: both report at the very end.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::session::Usage;

/// How much of a log's end is read.
const TAIL: u64 = 256 * 1024;

/// The usage reported at the end of the log at `path`, if any.
pub fn from_log(path: &Path) -> Option<Usage> {
    let mut file = std::fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    file.seek(SeekFrom::Start(len.saturating_sub(TAIL))).ok()?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    parse(&String::from_utf8_lossy(&bytes))
}

/// The usage in a log's text: the last report found, Codex's or Claude's.
pub fn parse(text: &str) -> Option<Usage> {
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate().rev() {
        let line = line.trim();
        if let Some(usage) = claude_result(line) {
            return Some(usage);
        }
        if let Some(rest) = line.strip_prefix("tokens used") {
            let rest = rest.trim_start_matches(':').trim();
            let count = if rest.is_empty() {
                lines.get(i + 1).map_or("", |l| l.trim())
            } else {
                rest
            };
            if let Some(tokens) = count_of(count) {
                return Some(Usage {
                    tokens,
                    cost_usd: None,
                });
            }
        }
    }
    None
}

/// A count with thousands separators (`12,345`, `12 345`, `12.345`,
/// `12_345`, `12'345`): digits and separators only.
fn count_of(text: &str) -> Option<u64> {
    let separators = [',', '.', '_', '\'', ' ', '\u{a0}', '\u{202f}'];
    if text.is_empty()
        || !text.chars().next()?.is_ascii_digit()
        || !text
            .chars()
            .all(|c| c.is_ascii_digit() || separators.contains(&c))
    {
        return None;
    }
    text.chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

/// Claude Code's result object (`"type": "result"` with `usage`).
fn claude_result(line: &str) -> Option<Usage> {
    if !line.starts_with('{') || !line.contains("\"usage\"") {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    if value.get("type").and_then(|t| t.as_str()) != Some("result") {
        return None;
    }
    let usage = value.get("usage")?;
    let tokens = [
        "input_tokens",
        "output_tokens",
        "cache_creation_input_tokens",
        "cache_read_input_tokens",
    ]
    .iter()
    .filter_map(|k| usage.get(k).and_then(serde_json::Value::as_u64))
    .sum();
    let cost_usd = value
        .get("total_cost_usd")
        .or_else(|| value.get("cost_usd"))
        .and_then(serde_json::Value::as_f64);
    Some(Usage { tokens, cost_usd })
}

/// `48,851 tokens, $0.0871` (the cost where reported).
pub fn describe(usage: &Usage) -> String {
    match usage.cost_usd {
        Some(cost) => format!("{} tokens, {}", grouped(usage.tokens), dollars(cost)),
        None => format!("{} tokens", grouped(usage.tokens)),
    }
}

/// A cost in dollars with four decimals: `$0.0871`.
pub fn dollars(cost: f64) -> String {
    format!("${cost:.4}")
}

/// The tokens and cost of many runs together (`None`: none reported any).
pub fn total<'a>(usages: impl IntoIterator<Item = &'a Usage>) -> Option<Usage> {
    usages.into_iter().fold(None, |sum: Option<Usage>, u| {
        let sum = sum.unwrap_or(Usage {
            tokens: 0,
            cost_usd: None,
        });
        Some(Usage {
            tokens: sum.tokens + u.tokens,
            cost_usd: match (sum.cost_usd, u.cost_usd) {
                (Some(a), Some(b)) => Some(a + b),
                (a, b) => a.or(b),
            },
        })
    })
}

/// A count with thousands separators: `12,345`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codex_counts_with_separators_and_the_older_one_line_form() {
        let log = "codex\ndone\ntokens used\n12,345\n";
        assert_eq!(parse(log).map(|u| u.tokens), Some(12345));
        assert_eq!(parse("tokens used: 987").map(|u| u.tokens), Some(987));
        assert_eq!(
            parse("tokens used\n1 234 567\n").map(|u| u.tokens),
            Some(1234567)
        );
        assert_eq!(parse("the tokens used were many\n"), None);
        assert_eq!(parse("tokens used\nmany\n"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn the_last_report_counts() {
        let log = "tokens used\n10\nmore work\ntokens used\n2,000\n";
        assert_eq!(parse(log).map(|u| u.tokens), Some(2000));
    }

    #[test]
    fn grouped_counts() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1234567), "1,234,567");
    }
}
