//! One integration test binary; every test builds its own repository with
//! the real git.

mod codex;
mod common;
mod core;
mod faults;
mod keep;
mod runs;
