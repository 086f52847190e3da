//! One file per verb. Each exposes `run(&Repo, &Args) -> Result<exit code>`.

pub mod audit;
pub mod board;
pub mod completions;
pub mod diff;
pub mod discard;
pub mod fetch;
pub mod fix;
pub mod gc;
pub mod keep;
pub mod land;
pub mod list;
pub mod logs;
pub mod new;
pub mod overlap;
pub mod path;
pub mod pool;
pub mod push;
pub mod restore;
pub mod review;
pub mod run;
pub mod show;
pub mod stop;
pub mod sync;
pub mod wait;
pub mod watch;
