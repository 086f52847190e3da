//! One integration test binary; every test builds its own repository with
//! the real git.

mod common;
mod core;
mod generated;
