//! One integration test binary; every test builds its own repository with
//! the real git.

mod bad_input;
mod codex;
mod common;
mod core;
mod faults;
mod gc;
mod keep;
mod restore;
mod runs;
