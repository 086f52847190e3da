//! Paging like git: long output for people (`list`, `show`, `logs`) goes
//! through the pager git would use, only when stdout is a terminal.
//!
//! The rules are git's own. `git var GIT_PAGER` picks the program
//! (`GIT_PAGER`, `core.pager`, `PAGER`, then `less`); `cat` or an empty
//! value means no pager. When git already pages git-agent (`pager.agent =
//! true`, `git -p agent …`) it sets `GIT_PAGER_IN_USE` and we do not page
//! again; `git --no-pager agent …` and `pager.agent = false` reach us as
//! `GIT_PAGER=cat`. `pager.agent = false` is also honoured when git-agent is
//! run directly, and then keeps `git agent diff` from paging too.

use std::io::{IsTerminal, Write};
use std::process::Child;
use std::sync::Mutex;

use crate::config::Config;
use crate::git::Git;

struct Paging {
    child: Child,
    /// Our own stdout before it was pointed at the pager.
    saved: std::os::fd::OwnedFd,
}

static PAGER: Mutex<Option<Paging>> = Mutex::new(None);

/// Whether `pager.agent` turns paging off.
pub fn disabled(config: &Config) -> bool {
    matches!(config.boolean("pager.agent"), Ok(Some(false)))
}

/// Start the pager for the rest of this process's stdout, if git would.
/// Any failure just means no pager: output still goes to the terminal.
pub fn start(git: &Git, config: &Config) {
    if !std::io::stdout().is_terminal()
        || std::env::var_os("GIT_PAGER_IN_USE").is_some()
        || disabled(config)
    {
        return;
    }
    let Ok(pager) = git.run(["var", "GIT_PAGER"]) else {
        return;
    };
    let pager = pager.trim();
    if pager.is_empty() || pager == "cat" {
        return;
    }
    // Colours were chosen for a terminal; the pager shows them, as git's
    // `color.pager` (default true) says. The choice is one for stdout and
    // stderr alike, so not when stderr goes to a file.
    let color_pager = !matches!(config.boolean("color.pager"), Ok(Some(false)));
    if anstream::ColorChoice::global() == anstream::ColorChoice::Auto
        && color_pager
        && std::io::stderr().is_terminal()
    {
        anstream::ColorChoice::Always.write_global();
    }
    let Ok((child, stdin)) = crate::git::spawn_pager(pager) else {
        return;
    };
    let _ = std::io::stdout().flush();
    let Ok(saved) = nix::unistd::dup(std::io::stdout()) else {
        return;
    };
    if nix::unistd::dup2_stdout(&stdin).is_err() {
        return;
    }
    drop(stdin);
    if let Ok(mut slot) = PAGER.lock() {
        *slot = Some(Paging { child, saved });
    }
}

/// Close the pager's input and wait until the user quits it.
pub fn finish() {
    let Some(mut paging) = PAGER.lock().ok().and_then(|mut slot| slot.take()) else {
        return;
    };
    let _ = std::io::stdout().flush();
    let _ = nix::unistd::dup2_stdout(&paging.saved);
    let _ = paging.child.wait();
}
