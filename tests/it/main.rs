//! One integration test binary; every test builds its own repository with
//! the real git.

mod color;
mod common;
mod completion;
mod core;
mod generated;
