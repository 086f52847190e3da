//! One integration test binary; every test builds its own repository with
//! the real git.

mod architecture;
mod bad_input;
mod codex;
mod color;
mod common;
mod completion;
mod concurrency;
mod core;
mod differential;
mod faults;
mod gc;
mod generated;
mod head_moves;
mod keep;
mod keep_hooks;
mod keep_paths;
mod manpage;
mod overlap;
mod ownership;
mod pager;
mod pool;
mod restore;
mod runs;
mod share;
mod snapshot;
mod stress;
mod submodule;
mod untrusted;
