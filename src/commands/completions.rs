//! `git agent completions <shell>`: print the completion script.

use std::io::Write;

use crate::cli::CompletionsArgs;
use crate::completion;
use crate::error::{Error, Result};

pub fn run(args: &CompletionsArgs) -> Result<i32> {
    let script = completion::render(args.shell);
    match std::io::stdout().lock().write_all(script.as_bytes()) {
        Ok(()) => Ok(0),
        // `git agent completions bash | head` is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(Error::refused(format!("cannot write the script: {e}"))),
    }
}
