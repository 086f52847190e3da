//! The board's page: `assets/board.html` (HTML, CSS and the script that
//! follows `/events`, all in one file compiled into the binary: no CDN),
//! with the sessions filled in as cards when it is served. The script
//! builds the same cards from each event, so a page never needs a reload.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use serde_json::Value;

const TEMPLATE: &str = include_str!("../../assets/board.html");

/// The page for these sessions' latest events.
pub fn render(sessions: &BTreeMap<String, Value>, token: &str, main: &Path) -> String {
    // Those that need someone first, as `watch` shows them.
    let mut ordered: Vec<&Value> = sessions.values().collect();
    ordered.sort_by_key(|e| crate::fleet::screen::rank(e["state"].as_str().unwrap_or("")));
    let mut cards = String::new();
    for event in ordered {
        cards.push_str(&card(event));
    }
    let data: Vec<&Value> = sessions.values().collect();
    // In a <script>, "</" would end it early.
    let data = serde_json::to_string(&data)
        .unwrap_or_else(|_| "[]".into())
        .replace("</", "<\\/");
    let repo = main.display().to_string();
    fill(
        TEMPLATE,
        &[
            ("{{REPO}}", &escape(&repo)),
            ("{{TOKEN}}", &escape(token)),
            ("{{CARDS}}", &cards),
            ("{{DATA}}", &data),
        ],
    )
}

/// The template with its placeholders replaced in one pass: text put in
/// (a prompt or log line that reads `{{DATA}}`) is never read as one.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        match values.iter().find(|(key, _)| after.starts_with(key)) {
            Some((key, value)) => {
                out.push_str(value);
                rest = &after[key.len()..];
            }
            None => {
                out.push_str("{{");
                rest = &after[2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// HTML-escaped text.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// One session's card; the script's `card()` builds the same.
fn card(event: &Value) -> String {
    let id = event["session"].as_str().unwrap_or("");
    let state = event["state"].as_str().unwrap_or("?");
    let changes = &event["changes"];
    let mut html = String::new();
    let _ = write!(
        html,
        "<article class=\"card\" id=\"s-{id}\" data-id=\"{id}\" data-state=\"{state}\">\
         <header><span class=\"id\">{id}</span><span class=\"state\">{state}</span>\
         <span class=\"time\">{time}</span></header>",
        id = escape(id),
        state = escape(state),
        time = escape(&crate::fleet::screen::elapsed(event)),
    );
    let files = changes["files"].as_u64().unwrap_or(0);
    let facts = [
        ("agent", event["agent"].as_str().unwrap_or("-").to_owned()),
        (
            "changes",
            format!(
                "{files} file{} +{} −{}",
                if files == 1 { "" } else { "s" },
                changes["insertions"].as_u64().unwrap_or(0),
                changes["deletions"].as_u64().unwrap_or(0)
            ),
        ),
        (
            "review",
            event["review"]["verdict"]
                .as_str()
                .unwrap_or("-")
                .to_owned(),
        ),
        ("tokens", tokens(event)),
    ];
    html.push_str("<dl>");
    for (name, value) in facts {
        let _ = write!(
            html,
            "<div><dt>{name}</dt><dd class=\"{name}\">{}</dd></div>",
            escape(&value)
        );
    }
    html.push_str("</dl><ul class=\"paths\">");
    for path in changes["paths"].as_array().into_iter().flatten() {
        let _ = write!(html, "<li>{}</li>", escape(path.as_str().unwrap_or("")));
    }
    html.push_str("</ul>");
    let tail: Vec<&str> = event["log_tail"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let _ = write!(
        html,
        "<pre class=\"log\">{}</pre>",
        escape(&tail.join("\n"))
    );
    html.push_str("<div class=\"commands\">");
    for verb in ["diff", "review", "keep", "land", "discard"] {
        let _ = write!(html, "<code>git agent {verb} {}</code>", escape(id));
    }
    html.push_str("</div></article>");
    html
}

/// `48,851` or `48,851 · $0.0871`; `-` when the run reported none.
fn tokens(event: &Value) -> String {
    let usage = &event["run"]["usage"];
    match (usage["tokens"].as_u64(), usage["cost_usd"].as_f64()) {
        (Some(t), Some(c)) => format!(
            "{} · {}",
            crate::usage::grouped(t),
            crate::usage::dollars(c)
        ),
        (Some(t), None) => crate::usage::grouped(t),
        _ => "-".into(),
    }
}

#[cfg(test)]
mod fill_tests {
    /// A session's text that reads like a placeholder stays text: the
    /// page's JSON never lands unescaped in its HTML.
    #[test]
    fn placeholders_are_replaced_once_and_never_inside_what_was_put_in() {
        let page = super::fill(
            "<p>{{CARDS}}</p><script>{{DATA}}</script>{{x",
            &[("{{CARDS}}", "a {{DATA}} b"), ("{{DATA}}", "[\"<img>\"]")],
        );
        assert_eq!(page, "<p>a {{DATA}} b</p><script>[\"<img>\"]</script>{{x");
    }
}
