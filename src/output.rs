//! What people see: colour choice, error lines, small formatting helpers.
//! Data goes to stdout, status and errors to stderr.

use std::borrow::Cow;

use anstream::{ColorChoice, eprintln};
use anstyle::{AnsiColor, Style};

use crate::cli::ColorWhen;
use crate::config::Config;
use crate::error::Error;

/// Decide colours: `--color`, then `NO_COLOR`, then `color.agent` /
/// `color.ui` (once the repository's config is known: called first with
/// `None`, so errors before it follow the flag), then whether the stream is
/// a terminal (anstream does that).
pub fn init_color(flag: ColorWhen, config: Option<&Config>) {
    let choice = match flag {
        ColorWhen::Always => ColorChoice::Always,
        ColorWhen::Never => ColorChoice::Never,
        ColorWhen::Auto if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) => {
            ColorChoice::Never
        }
        ColorWhen::Auto => {
            let setting =
                config.and_then(|c| c.string("color.agent").or_else(|| c.string("color.ui")));
            match setting.map(|s| s.to_ascii_lowercase()).as_deref() {
                Some("always") => ColorChoice::Always,
                Some("never" | "false" | "off" | "no" | "0") => ColorChoice::Never,
                _ => ColorChoice::Auto,
            }
        }
    };
    choice.write_global();
}

/// Print `warning: …` to stderr.
pub fn warn(message: &str) {
    let yellow = Style::new().fg_color(Some(AnsiColor::Yellow.into())).bold();
    eprintln!("{yellow}warning:{yellow:#} {}", escape_controls(message));
}

/// Print `error: …` and `hint: …` to stderr.
pub fn report(e: &Error) {
    let red = Style::new().fg_color(Some(AnsiColor::Red.into())).bold();
    eprintln!("{red}error:{red:#} {}", escape_controls(&e.message));
    if let Some(hint) = &e.hint {
        let yellow = Style::new().fg_color(Some(AnsiColor::Yellow.into()));
        eprintln!("{yellow}hint:{yellow:#} {}", escape_controls(hint));
    }
}

/// A file name for people, quoted as git quotes paths (`core.quotePath`,
/// without the octal for printable non-ASCII): unchanged unless it holds a
/// control character, `"` or `\`; then in double quotes with C escapes
/// (`\t`, `\n`, `\033`, `\"`, `\\`).
pub fn quote_path(path: &str) -> Cow<'_, str> {
    if path.chars().any(|c| is_control(c) || c == '"' || c == '\\') {
        Cow::Owned(c_quote(path))
    } else {
        Cow::Borrowed(path)
    }
}

/// Free text from a session or an agent (a prompt, a command line, an
/// agent's name, a log line) for people: unchanged unless it holds a
/// control character, which could move the cursor, retitle the terminal or
/// fake a line of output; then C-quoted like [`quote_path`].
pub fn quoted(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_control) {
        Cow::Owned(c_quote(text))
    } else {
        Cow::Borrowed(text)
    }
}

/// A message of git-agent's own, which may span lines, with any other
/// control character in it (from a path or prompt it names) escaped, so an
/// error never carries a terminal escape sequence.
fn escape_controls(message: &str) -> Cow<'_, str> {
    if !message.chars().any(|c| c != '\n' && is_control(c)) {
        return Cow::Borrowed(message);
    }
    let mut out = String::with_capacity(message.len() + 8);
    for c in message.chars() {
        match c {
            '\n' => out.push(c),
            c if is_control(c) => push_escape(&mut out, c),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// C0, DEL and C1 control characters (ESC among them).
fn is_control(c: char) -> bool {
    c.is_control()
}

/// `"…"` with git's C escapes.
fn c_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if is_control(c) => push_escape(&mut out, c),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One control character as git writes it: `\a \b \t \n \v \f \r`, else
/// the octal of each of its UTF-8 bytes (`\033`, `\302\233`).
fn push_escape(out: &mut String, c: char) {
    let named = match c {
        '\x07' => "\\a",
        '\x08' => "\\b",
        '\t' => "\\t",
        '\n' => "\\n",
        '\x0b' => "\\v",
        '\x0c' => "\\f",
        '\r' => "\\r",
        _ => "",
    };
    if !named.is_empty() {
        out.push_str(named);
        return;
    }
    let mut bytes = [0; 4];
    for b in c.encode_utf8(&mut bytes).bytes() {
        out.push_str(&format!("\\{b:03o}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_quoted_as_git_quotes_paths() {
        assert_eq!(quote_path("src/a b.rs"), "src/a b.rs");
        assert_eq!(quote_path("caf\u{e9}"), "caf\u{e9}");
        assert_eq!(quote_path("new\nline"), r#""new\nline""#);
        assert_eq!(quote_path("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(
            quote_path("x\x1b[31m\x7f\u{9b}"),
            r#""x\033[31m\177\302\233""#
        );
        assert_eq!(quoted(r#"say "hi" \o/"#), r#"say "hi" \o/"#);
        assert_eq!(quoted("hi\x1b]0;pwned\x07 \t"), r#""hi\033]0;pwned\a \t""#);
        assert_eq!(
            escape_controls("conflict in:\n    a\x1b[2Jb"),
            "conflict in:\n    a\\033[2Jb"
        );
    }
}
