//! `git agent board`: 127.0.0.1 only, the token required, the page listing
//! the sessions, server-sent events on change; and in a real browser
//! (headless Chromium driven over the DevTools protocol) the page's DOM
//! follows a run's end without a reload.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::common::{BIN, TestRepo, hermetic};
use crate::watch::gated_run;

/// A running board; killed when dropped.
pub struct Board {
    child: Child,
    pub port: u16,
    pub token: String,
    pub url: String,
}

impl Drop for Board {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_board(repo: &TestRepo) -> Board {
    let mut child = hermetic(BIN, &repo.home)
        .current_dir(&repo.root)
        .arg("board")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn board");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_owned();
    let rest = url
        .strip_prefix("http://127.0.0.1:")
        .unwrap_or_else(|| panic!("not a loopback URL: {url}"));
    let (port, query) = rest.split_once("/?token=").expect("port and token");
    Board {
        child,
        port: port.parse().unwrap(),
        token: query.to_owned(),
        url,
    }
}

/// `GET path` over plain HTTP/1.1: status and body.
fn get(port: u16, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// The local addresses listening on `port` (from /proc/net/tcp{,6}).
fn listening_on(port: u16) -> Vec<String> {
    let mut found = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let text = std::fs::read_to_string(table).unwrap_or_default();
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state)) = (cols.get(1), cols.get(3)) else {
                continue;
            };
            let (addr, p) = local.split_once(':').unwrap();
            if *state == "0A" && u16::from_str_radix(p, 16) == Ok(port) {
                found.push(addr.to_owned());
            }
        }
    }
    found
}

#[test]
fn the_board_answers_with_its_token_only_on_loopback_and_follows_changes() {
    let repo = TestRepo::new();
    let gate = repo.base().join("gate");
    repo.new_session(&["idle"]);
    gated_run(&repo, "w", &gate, 0);
    let board = start_board(&repo);
    assert_eq!(listening_on(board.port), ["0100007F"], "127.0.0.1 only");
    assert_eq!(get(board.port, "/").0, 403);
    assert_eq!(get(board.port, "/?token=wrong").0, 403);
    assert_eq!(get(board.port, "/events").0, 403);
    let (status, page) = get(board.port, &format!("/?token={}", board.token));
    assert_eq!(status, 200);
    assert!(
        page.contains(r#"id="s-idle" data-id="idle" data-state="active""#),
        "{page}"
    );
    assert!(
        page.contains(r#"id="s-w" data-id="w" data-state="running""#),
        "{page}"
    );
    assert!(
        page.contains("git agent keep w"),
        "the commands to run are shown"
    );
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "no CDN"
    );
    // The event stream: the run's end arrives as an event.
    let mut events = TcpStream::connect(("127.0.0.1", board.port)).unwrap();
    write!(
        events,
        "GET /events?token={} HTTP/1.1\r\nHost: x\r\n\r\n",
        board.token
    )
    .unwrap();
    let mut events = BufReader::new(events);
    let mut line = String::new();
    events.read_line(&mut line).unwrap();
    assert!(line.starts_with("HTTP/1.1 200"), "{line}");
    loop {
        line.clear();
        events.read_line(&mut line).unwrap();
        if line.trim() == ": live" {
            break; // Subscribed: changes from now on are sent.
        }
    }
    std::fs::write(&gate, "").unwrap();
    let done = loop {
        line.clear();
        assert!(events.read_line(&mut line).unwrap() > 0, "stream closed");
        let Some(data) = line.strip_prefix("data: ") else {
            continue;
        };
        let event: serde_json::Value = serde_json::from_str(data).unwrap();
        assert_eq!(event["session"], "w", "{event}");
        if event["state"] == "done" {
            break event;
        }
    };
    assert_eq!(done["changes"]["files"], 1);
    assert_eq!(done["changes"]["paths"][0], "f.txt");
    assert!(
        done["log_tail"].to_string().contains("finished w"),
        "{done}"
    );
    // A page served now shows the new state.
    let (_, page) = get(board.port, &format!("/?token={}", board.token));
    assert!(page.contains(r#"id="s-w" data-id="w" data-state="done""#));
}

#[test]
fn a_busy_port_is_refused() {
    let repo = TestRepo::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let run = repo.agent(&["board", "--port", &port]).fails(1);
    assert!(run.stderr.contains("127.0.0.1"), "{}", run.stderr);
}

/// Headless Chromium, spoken to over `--remote-debugging-pipe` (file
/// descriptors 3 and 4, given to it through two named pipes).
struct Browser {
    child: Child,
    to: std::fs::File,
    from: BufReader<std::fs::File>,
    next: u64,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Browser {
    fn start(chromium: &str, dir: &std::path::Path) -> Browser {
        let (input, output) = (dir.join("cdp-in"), dir.join("cdp-out"));
        for fifo in [&input, &output] {
            let ok = std::process::Command::new("mkfifo")
                .arg(fifo)
                .status()
                .unwrap();
            assert!(ok.success());
        }
        let child = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "exec '{chromium}' --headless --no-sandbox --disable-gpu --no-first-run \
                 --user-data-dir='{}' --remote-debugging-pipe about:blank 3<'{}' 4>'{}'",
                dir.join("profile").display(),
                input.display(),
                output.display()
            ))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Opening a FIFO blocks until the other end opens it: the shell
        // opens fd 3 (our write end) first, then fd 4.
        let to = std::fs::OpenOptions::new()
            .write(true)
            .open(&input)
            .unwrap();
        let from = BufReader::new(std::fs::File::open(&output).unwrap());
        Browser {
            child,
            to,
            from,
            next: 0,
        }
    }

    /// Send one command and return its result (events in between skipped).
    fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: serde_json::Value,
    ) -> serde_json::Value {
        self.next += 1;
        let mut msg = serde_json::json!({"id": self.next, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = s.into();
        }
        self.to.write_all(msg.to_string().as_bytes()).unwrap();
        self.to.write_all(b"\0").unwrap();
        self.to.flush().unwrap();
        loop {
            let mut buf = Vec::new();
            let n = self.from.read_until(0, &mut buf).unwrap();
            assert!(n > 0, "chromium closed the pipe");
            buf.pop();
            let reply: serde_json::Value = serde_json::from_slice(&buf).unwrap();
            if reply["id"] == self.next {
                assert!(reply.get("error").is_none(), "{method}: {reply}");
                return reply["result"].clone();
            }
        }
    }

    /// The value of a JavaScript expression in the page.
    fn eval(&mut self, session: &str, expr: &str) -> serde_json::Value {
        let r = self.call(
            Some(session),
            "Runtime.evaluate",
            serde_json::json!({"expression": expr, "returnByValue": true}),
        );
        r["result"]["value"].clone()
    }

    /// Evaluate `expr` until it is `want` (the browser works at its pace;
    /// a minute without it fails the test).
    fn until(&mut self, session: &str, expr: &str, want: serde_json::Value) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let got = self.eval(session, expr);
            if got == want {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{expr} stayed {got}, wanted {want}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn chromium() -> Option<String> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| which_in_path(name))
}

fn which_in_path(name: &str) -> Option<String> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .map(|p| p.display().to_string())
}

#[test]
fn in_a_real_browser_the_page_follows_a_run_s_end_without_a_reload() {
    let Some(chromium) = chromium() else {
        crate::common::have_tool(false, "chromium (headless, for the board's browser test)");
        return;
    };
    let repo = TestRepo::new();
    let gate = repo.base().join("gate");
    repo.new_session(&["idle"]);
    repo.agent(&["new", "failing", "--", "sh", "-c", "echo oops; exit 2"]);
    gated_run(&repo, "w", &gate, 0);
    let board = start_board(&repo);
    let mut browser = Browser::start(&chromium, &repo.base());
    let target = browser.call(
        None,
        "Target.createTarget",
        serde_json::json!({"url": board.url}),
    );
    let attached = browser.call(
        None,
        "Target.attachToTarget",
        serde_json::json!({"targetId": target["targetId"], "flatten": true}),
    );
    let session = attached["sessionId"].as_str().unwrap().to_owned();
    // Loaded, subscribed to the events, the three sessions as served.
    browser.until(
        &session,
        "document.getElementById('live')?.className",
        "on".into(),
    );
    let states =
        "[...document.querySelectorAll('.card')].map(c => c.id + '=' + c.dataset.state).join(' ')";
    browser.until(
        &session,
        states,
        "s-failing=failed s-w=running s-idle=active".into(),
    );
    browser.eval(&session, "window.loadedOnce = 'yes'");
    std::fs::write(&gate, "").unwrap();
    browser.until(
        &session,
        "document.querySelector('#s-w')?.dataset.state",
        "done".into(),
    );
    // The same document (no reload), updated in place.
    assert_eq!(browser.eval(&session, "window.loadedOnce"), "yes");
    browser.until(
        &session,
        "document.querySelector('#s-w .changes')?.textContent",
        "1 file +1 −0".into(),
    );
    let log = browser.eval(
        &session,
        "document.querySelector('#s-w pre.log').textContent",
    );
    assert!(log.as_str().unwrap().contains("finished w"), "{log}");
    browser.until(
        &session,
        states,
        "s-failing=failed s-w=done s-idle=active".into(),
    );
}
