//! The live web page of the sessions (`git agent board`): a small
//! synchronous HTTP server (tiny_http, no async runtime) on 127.0.0.1.
//!
//! - `GET /?token=…` — the page ([`page`]), its HTML listing the sessions
//!   as they are when it is served;
//! - `GET /events?token=…` — `text/event-stream`: one event per change, its
//!   data the session's JSON (as `watch --json` prints it, with `log_tail`).
//!
//! Anything without the token gets 403. One thread follows the changes
//! (a [`Fleet`] and its [`Watcher`]) and hands each event to every open
//! stream; each stream has a thread of its own. Nothing here writes to the
//! repository beyond what reading sessions does (recording vanished runs).

pub mod page;

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::fleet::{Change, Fleet, HEARTBEAT, Row, Watcher, removed_event};
use crate::repo::Repo;

/// What the page and the streams share: each session's latest event, and
/// the streams open now.
#[derive(Default)]
struct Shared {
    sessions: Mutex<BTreeMap<String, Value>>,
    streams: Mutex<Vec<Sender<String>>>,
}

/// A session's event as the board sends it: its JSON, the log's tail and
/// the paths it changes.
fn board_event(row: &Row) -> Value {
    let mut event = row.event_with_tail();
    event["changes"]["paths"] = serde_json::json!(row.paths);
    event
}

/// Serve until killed. Prints the URL (with its token) on stdout.
pub fn serve(repo: &Repo, port: Option<u16>) -> Result<i32> {
    let server = tiny_http::Server::http(("127.0.0.1", port.unwrap_or(0)))
        .map_err(|e| Error::refused(format!("cannot listen on 127.0.0.1: {e}")))?;
    let port = server
        .server_addr()
        .to_ip()
        .map(|a| a.port())
        .ok_or_else(|| Error::internal("the server has no port"))?;
    let token = new_token()?;
    let mut watcher = Watcher::start(&repo.common_dir);
    let fleet = Fleet::load(repo)?;
    let shared = Arc::new(Shared::default());
    publish_all(&shared, &fleet);
    println!("http://127.0.0.1:{port}/?token={token}");
    let _ = std::io::stdout().flush();
    let follower = Arc::clone(&shared);
    let repo_dir = repo.current_worktree.clone();
    std::thread::spawn(move || {
        // A repository of its own: gix's handles are not shared between threads.
        if let Ok(repo) = Repo::discover(&repo_dir) {
            follow(&repo, &mut watcher, fleet, &follower);
        }
    });
    for request in server.incoming_requests() {
        handle(request, &token, &shared, &repo.main_worktree);
    }
    Ok(0)
}

/// 32 random hex digits.
fn new_token() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| Error::internal(format!("no randomness: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn publish_all(shared: &Shared, fleet: &Fleet) {
    if let Ok(mut sessions) = shared.sessions.lock() {
        *sessions = fleet
            .rows
            .iter()
            .map(|(id, row)| (id.clone(), board_event(row)))
            .collect();
    }
}

/// Follow the changes forever: each one becomes the session's latest
/// event and is sent to every open stream.
fn follow(repo: &Repo, watcher: &mut Watcher, mut fleet: Fleet, shared: &Shared) {
    loop {
        let timeout = fleet.any_running().then_some(HEARTBEAT);
        let (dirty, _) = watcher.wait(&[], timeout);
        if dirty.is_empty() {
            fleet.settle(repo);
            continue;
        }
        let Ok(changes) = fleet.refresh(repo, &dirty) else {
            std::thread::sleep(Duration::from_millis(200));
            continue;
        };
        for change in changes {
            let event = match &change {
                Change::Removed(id) => removed_event(id),
                Change::Session(id) | Change::Log(id) => match fleet.rows.get(id) {
                    Some(row) => board_event(row),
                    None => continue,
                },
            };
            publish(shared, change.id(), event);
        }
    }
}

fn publish(shared: &Shared, id: &str, event: Value) {
    if let Ok(mut sessions) = shared.sessions.lock() {
        if event["removed"] == true {
            sessions.remove(id);
        } else {
            sessions.insert(id.to_owned(), event.clone());
        }
    }
    let text = event.to_string();
    if let Ok(mut streams) = shared.streams.lock() {
        streams.retain(|s| s.send(text.clone()).is_ok());
    }
}

/// The query parameter `token` of a request's URL, if present.
fn token_of(url: &str) -> Option<&str> {
    let query = url.split_once('?')?.1;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
}

fn handle(request: tiny_http::Request, token: &str, shared: &Arc<Shared>, main: &std::path::Path) {
    let url = request.url().to_owned();
    let path = url.split('?').next().unwrap_or("");
    let allowed = token_of(&url).is_some_and(|t| same(t.as_bytes(), token.as_bytes()));
    let text = |code: u16, body: &str| {
        tiny_http::Response::from_string(body)
            .with_status_code(code)
            .with_header(header("Content-Type", "text/plain; charset=utf-8"))
    };
    if !allowed {
        let _ = request.respond(text(
            403,
            "403 forbidden: the URL git agent board printed carries the token\n",
        ));
        return;
    }
    match (request.method(), path) {
        (tiny_http::Method::Get, "/") => {
            let sessions = shared
                .sessions
                .lock()
                .map(|s| s.clone())
                .unwrap_or_default();
            let html = page::render(&sessions, token, main);
            let response = tiny_http::Response::from_string(html)
                .with_header(header("Content-Type", "text/html; charset=utf-8"))
                .with_header(header("Cache-Control", "no-store"));
            let _ = request.respond(response);
        }
        (tiny_http::Method::Get, "/events") => {
            let (tx, rx) = channel();
            if let Ok(mut streams) = shared.streams.lock() {
                streams.push(tx);
            }
            std::thread::spawn(move || stream(request, rx));
        }
        _ => {
            let _ = request.respond(text(404, "404 not found\n"));
        }
    }
}

/// Compare without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
        .unwrap_or_else(|_| unreachable!("static header"))
}

/// One event stream: the header, then each event as it comes, flushed at
/// once (tiny_http's own responses buffer 8 KiB chunks), a comment every
/// 15 s so a closed page is noticed.
fn stream(request: tiny_http::Request, events: Receiver<String>) {
    let mut out = request.into_writer();
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n: live\n\n";
    if out
        .write_all(head.as_bytes())
        .and_then(|_| out.flush())
        .is_err()
    {
        return;
    }
    loop {
        let chunk = match events.recv_timeout(Duration::from_secs(15)) {
            Ok(event) => format!("data: {event}\n\n"),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => ": still here\n\n".into(),
            Err(_) => return,
        };
        if out
            .write_all(chunk.as_bytes())
            .and_then(|_| out.flush())
            .is_err()
        {
            return;
        }
    }
}
