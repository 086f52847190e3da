//! `git agent watch [--json] [--until-done]`: the sessions, live. On a
//! terminal a full-screen view redrawn in place when a session's refs or
//! log change (`q` quits); otherwise, and with `--json`, one JSON line per
//! change. Changes come from the kernel (see [`crate::fleet::changes`]):
//! while nothing happens, nothing runs.

use std::io::{IsTerminal, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use crate::cli::WatchArgs;
use crate::error::{Error, Result};
use crate::fleet::{Change, Fleet, HEARTBEAT, Watcher, removed_event, screen};
use crate::repo::Repo;

pub fn run(repo: &Repo, args: &WatchArgs) -> Result<i32> {
    let mut watcher = Watcher::start(&repo.common_dir);
    let fleet = Fleet::load(repo)?;
    let terminal = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
    if args.json || !terminal {
        return stream(repo, &mut watcher, fleet, args.until_done);
    }
    full_screen(repo, &mut watcher, fleet, args.until_done)
}

/// One JSON line per change (the current sessions first), until nothing
/// is running with `--until-done`, else until interrupted.
fn stream(repo: &Repo, watcher: &mut Watcher, mut fleet: Fleet, until_done: bool) -> Result<i32> {
    let mut out = std::io::stdout().lock();
    let lines: Vec<String> = fleet.rows.values().map(|r| r.event().to_string()).collect();
    if emit(&mut out, &lines).is_err() {
        return Ok(0); // The reader went away.
    }
    loop {
        if until_done && !fleet.any_running() {
            return Ok(0);
        }
        let timeout = fleet.any_running().then_some(HEARTBEAT);
        let (dirty, _) = watcher.wait(&[], timeout);
        if dirty.is_empty() {
            fleet.settle(repo);
            continue;
        }
        let mut lines = Vec::new();
        for change in fleet.refresh(repo, &dirty)? {
            match &change {
                Change::Session(id) => {
                    lines.extend(fleet.rows.get(id).map(|r| r.event().to_string()))
                }
                Change::Removed(id) => lines.push(removed_event(id).to_string()),
                Change::Log(_) => {}
            }
        }
        if emit(&mut out, &lines).is_err() {
            return Ok(0);
        }
    }
}

fn emit(out: &mut impl Write, lines: &[String]) -> std::io::Result<()> {
    for line in lines {
        writeln!(out, "{line}")?;
    }
    out.flush()
}

/// The full-screen view: redrawn when something changes, every second
/// while a run is live (its time), and when the window is resized.
fn full_screen(
    repo: &Repo,
    watcher: &mut Watcher,
    mut fleet: Fleet,
    until_done: bool,
) -> Result<i32> {
    // Each signal writes a byte to its socket: a resize to one, the
    // signals that end the view to the other.
    let resized = signal_socket(&[signal_hook::consts::SIGWINCH])?;
    let ended = signal_socket(&[
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGHUP,
    ])?;
    let screen = Screen::enter()?;
    let stdin = std::io::stdin();
    let mut since_settle = std::time::Instant::now();
    loop {
        screen.draw(&fleet);
        if until_done && !fleet.any_running() {
            return Ok(0);
        }
        let tick = fleet.any_running().then_some(Duration::from_secs(1));
        let fds = [stdin.as_fd(), resized.as_fd(), ended.as_fd()];
        let (dirty, woken) = watcher.wait(&fds, tick);
        match woken {
            Some(0) if quits(&mut stdin.lock()) => return Ok(0),
            Some(1) => drain(&resized),
            Some(2) => return Ok(0),
            _ => {}
        }
        if since_settle.elapsed() >= HEARTBEAT {
            fleet.settle(repo);
            since_settle = std::time::Instant::now();
        }
        if !dirty.is_empty() {
            fleet.refresh(repo, &dirty)?;
        }
    }
}

/// Read what was typed: `q`, Ctrl-C or Ctrl-D quits.
fn quits(stdin: &mut impl Read) -> bool {
    let mut buf = [0u8; 64];
    match stdin.read(&mut buf) {
        Ok(0) | Err(_) => true,
        Ok(n) => buf[..n].iter().any(|b| matches!(b, b'q' | b'Q' | 3 | 4)),
    }
}

/// A socket that receives a byte whenever one of `signals` comes.
fn signal_socket(signals: &[i32]) -> Result<UnixStream> {
    let fail = |e| Error::io("cannot watch for signals", e);
    let (read, write) = UnixStream::pair().map_err(fail)?;
    read.set_nonblocking(true).map_err(fail)?;
    for signal in signals {
        let writer = write.try_clone().map_err(fail)?;
        signal_hook::low_level::pipe::register(*signal, writer).map_err(fail)?;
    }
    Ok(read)
}

/// Take what the signals wrote, so the next wait sleeps again.
fn drain(mut socket: &UnixStream) {
    let mut buf = [0u8; 64];
    while socket.read(&mut buf).is_ok_and(|n| n > 0) {}
}

/// The terminal in the alternate screen, raw (keys come one at a time,
/// unechoed), cursor hidden; put back as it was when dropped.
struct Screen {
    saved: nix::sys::termios::Termios,
}

impl Screen {
    fn enter() -> Result<Screen> {
        use nix::sys::termios::{LocalFlags, SetArg, tcgetattr, tcsetattr};
        let stdin = std::io::stdin();
        let fail = |e: nix::Error| Error::io("cannot set up the terminal", e.into());
        let saved = tcgetattr(stdin.as_fd()).map_err(fail)?;
        let mut raw = saved.clone();
        raw.local_flags
            .remove(LocalFlags::ICANON | LocalFlags::ECHO | LocalFlags::ISIG);
        tcsetattr(stdin.as_fd(), SetArg::TCSANOW, &raw).map_err(fail)?;
        let mut out = std::io::stdout();
        let _ = out.write_all(b"\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J");
        let _ = out.flush();
        Ok(Screen { saved })
    }

    /// Redraw in place: home, each line over the old one, the rest
    /// cleared — one write, so the screen never blinks.
    fn draw(&self, fleet: &Fleet) {
        let (width, height) = terminal_size::terminal_size_of(std::io::stdout().as_fd())
            .map_or((80, 24), |(w, h)| (usize::from(w.0), usize::from(h.0)));
        let lines = screen::lines(fleet, width, height);
        let mut frame = String::from("\x1b[H");
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                frame.push_str("\r\n");
            }
            frame.push_str(&styled(i, line));
            frame.push_str("\x1b[K");
        }
        frame.push_str("\x1b[J");
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(frame.as_bytes());
        let _ = out.flush();
    }
}

/// The header lines bold; a session line's state in its colour.
fn styled(index: usize, line: &str) -> String {
    use anstyle::Style;
    if anstream::ColorChoice::global() == anstream::ColorChoice::Never {
        return line.to_owned();
    }
    if index < 2 {
        let bold = Style::new().bold();
        return format!("{bold}{line}{bold:#}");
    }
    for state in [
        "running",
        "done",
        "failed",
        "broken",
        "active",
        "kept",
        "discarded",
    ] {
        let needle = format!(" {state} ");
        if let Some(at) = line.find(&needle) {
            let parsed = serde_json::from_value(serde_json::json!(state));
            let Ok(parsed) = parsed else { break };
            let style = crate::view::state_style(parsed);
            let (head, tail) = line.split_at(at + 1);
            let tail = &tail[state.len()..];
            return format!("{head}{style}{state}{style:#}{tail}");
        }
    }
    line.to_owned()
}

impl Drop for Screen {
    fn drop(&mut self) {
        use nix::sys::termios::{SetArg, tcsetattr};
        let mut out = std::io::stdout();
        let _ = out.write_all(b"\x1b[?25h\x1b[?1049l");
        let _ = out.flush();
        let _ = tcsetattr(std::io::stdin().as_fd(), SetArg::TCSANOW, &self.saved);
    }
}
