//! What people see: colour choice, error lines, small formatting helpers.
//! Data goes to stdout, status and errors to stderr.

use anstream::{ColorChoice, eprintln};
use anstyle::{AnsiColor, Style};

use crate::cli::ColorWhen;
use crate::config::Config;
use crate::error::Error;
use crate::session::State;

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
    eprintln!("{yellow}warning:{yellow:#} {message}");
}

/// Print `error: …` and `hint: …` to stderr.
pub fn report(e: &Error) {
    let red = Style::new().fg_color(Some(AnsiColor::Red.into())).bold();
    eprintln!("{red}error:{red:#} {}", e.message);
    if let Some(hint) = &e.hint {
        let yellow = Style::new().fg_color(Some(AnsiColor::Yellow.into()));
        eprintln!("{yellow}hint:{yellow:#} {hint}");
    }
}

/// The colour a state is shown in.
pub fn state_style(state: State) -> Style {
    let color = match state {
        State::Active => AnsiColor::Cyan,
        State::Running => AnsiColor::Blue,
        State::Done | State::Kept => AnsiColor::Green,
        State::Failed | State::Broken => AnsiColor::Red,
        State::Discarded => AnsiColor::BrightBlack,
    };
    Style::new().fg_color(Some(color.into()))
}

/// "5s", "12m", "3h", "4d" since an RFC 3339 time.
pub fn age(since: &str) -> String {
    let Ok(then) = humantime::parse_rfc3339(since) else {
        return "?".into();
    };
    let secs = std::time::SystemTime::now()
        .duration_since(then)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86400 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86400),
    }
}
