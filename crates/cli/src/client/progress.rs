//! What a person watches on stderr: a byte bar for uploads (bytes, rate, time left) and a
//! one-line live status while waiting. Shown on a terminal unless `--json`; `--progress`
//! forces it anywhere (a pipe or a CI log then gets plain lines, a few a second).

use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

/// Whether progress is drawn: forced, or on a terminal without `--json`.
pub fn visible(json: bool, forced: bool) -> bool {
    forced || (!json && std::io::stderr().is_terminal())
}

fn target(visible: bool) -> ProgressDrawTarget {
    if !visible {
        ProgressDrawTarget::hidden()
    } else if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::term_like_with_hz(Box::new(PlainLines), 2)
    }
}

/// The upload bar of `total` bytes.
pub fn bytes_bar(total: u64, visible: bool, label: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), target(visible));
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec}, {eta} left",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    bar.set_message(label.to_string());
    bar
}

/// A spinner with a message, for waiting.
pub fn spinner(visible: bool, message: String) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, target(visible));
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("a valid template"),
    );
    bar.set_message(message);
    // A terminal's spinner turns; a log gets a line only when the message changes.
    if std::io::stderr().is_terminal() {
        bar.enable_steady_tick(Duration::from_millis(250));
    }
    bar
}

/// A terminal that is not one: each redraw becomes a line on stderr, without cursor moves.
#[derive(Debug)]
struct PlainLines;

impl TermLike for PlainLines {
    fn width(&self) -> u16 {
        100
    }

    fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }

    fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }

    fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }

    fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }

    fn write_line(&self, line: &str) -> std::io::Result<()> {
        if line.trim().is_empty() {
            return Ok(());
        }
        writeln!(std::io::stderr(), "{line}")
    }

    fn write_str(&self, text: &str) -> std::io::Result<()> {
        self.write_line(text)
    }

    fn clear_line(&self) -> std::io::Result<()> {
        Ok(())
    }

    fn flush(&self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
