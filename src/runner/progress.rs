//! The one place progress bars are made, so that every command hides them the same way.
//!
//! Bars draw on standard error. They are hidden when the user asked for quiet or when standard
//! error is not a terminal (a CI log or a file would otherwise fill with redraws); a hidden bar
//! accepts every call and draws nothing, so callers never branch on visibility.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar of `len` replications for the scenario `label`, with elapsed time and ETA; hidden when
/// `quiet` is set or standard error is not a terminal.
pub fn progress_bar(len: u64, label: &str, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template(
        "{prefix:.bold} [{bar:30.cyan/blue}] {pos}/{len} replications  {elapsed} (ETA {eta}) {msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr())
        .with_style(style)
        .with_prefix(label.to_string());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}
