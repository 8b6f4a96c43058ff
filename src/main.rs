//! The `trafsim` binary: parses the command line, runs the command through the library, and
//! turns a failure into one `error: …` message per line on standard error and an exit code
//! (0 success, 1 runtime failure, 2 invalid input). The commands live in [`cli`].
#![warn(missing_docs)]

mod cli;

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run(cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            let mut stderr = std::io::stderr().lock();
            for line in e.to_string().lines() {
                let _ = writeln!(stderr, "error: {line}");
            }
            ExitCode::from(e.exit_code())
        }
    }
}
