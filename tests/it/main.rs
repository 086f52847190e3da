//! One integration test binary; every test builds its own repository with
//! the real git.

mod architecture;
mod audit;
mod bad_input;
mod codex;
mod codex_land;
mod codex_review;
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
mod land;
mod manpage;
mod overlap;
mod ownership;
mod pager;
mod restore;
mod review;
mod runs;
mod share;
mod snapshot;
mod stress;
mod submodule;
mod sync;
mod untrusted;
