//! `git agent board [--port <n>]`: the sessions as a live, read-only web
//! page on 127.0.0.1 (see [`crate::board`]); its URL, with the access
//! token, on stdout. Ctrl-C stops it.

use crate::cli::BoardArgs;
use crate::error::Result;
use crate::repo::Repo;

pub fn run(repo: &Repo, args: &BoardArgs) -> Result<i32> {
    crate::board::serve(repo, args.port)
}
