//! The terminal hand-off of a foreground run: the run's process group is
//! made the terminal's foreground group for as long as it runs, so Ctrl-C
//! and reads from the terminal reach the agent, and git-agent takes the
//! terminal back when it ends.

use nix::sys::signal::{SigSet, SigmaskHow, Signal, killpg, sigprocmask};
use nix::unistd::Pid;

/// Hands the terminal to the run's process group and takes it back on drop.
pub(super) struct Terminal {
    tty: std::fs::File,
    ours: Pid,
}

impl Terminal {
    pub(super) fn give_to(pgid: u32) -> Option<Terminal> {
        use std::io::IsTerminal;
        if !std::io::stdin().is_terminal() {
            return None;
        }
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .ok()?;
        let ours = nix::unistd::tcgetpgrp(&tty).ok()?;
        block_ttou();
        let group = Pid::from_raw(pgid as i32);
        nix::unistd::tcsetpgrp(&tty, group).ok()?;
        // The child may have touched the terminal before it was its own and
        // been stopped for it (SIGTTIN/SIGTTOU): let it go on.
        let _ = killpg(group, Signal::SIGCONT);
        Some(Terminal { tty, ours })
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = nix::unistd::tcsetpgrp(&self.tty, self.ours);
    }
}

/// A background process group may only take the terminal back with SIGTTOU blocked.
fn block_ttou() {
    let mut set = SigSet::empty();
    set.add(Signal::SIGTTOU);
    let _ = sigprocmask(SigmaskHow::SIG_BLOCK, Some(&set), None);
}
