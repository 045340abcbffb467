//! A progress line on stderr while collecting, for a person at a terminal:
//! the stage, accounts done, calls made, calls failed. Nothing is printed when
//! stderr is not a terminal (CI logs, pipes), so output stays clean there.

use super::Collector;
use std::future::Future;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const TICK: Duration = Duration::from_millis(250);

/// Accounts finished so far in the current stage.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    pub(crate) done: AtomicUsize,
}

impl Progress {
    pub(crate) fn account_done(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }
}

/// The line shown: `total` = 0 when the stage is not counted in accounts.
pub(crate) fn line(stage: &str, done: usize, total: usize, calls: u64, errors: usize) -> String {
    let accounts = if total > 0 {
        format!(" {done}/{total} accounts ·")
    } else {
        String::new()
    };
    format!("trailwarden: {stage} ·{accounts} {calls} calls · {errors} failed")
}

/// Runs `work`, redrawing the progress line every tick while it runs, and
/// erases the line when it is done.
pub(crate) async fn show<F: Future>(
    cx: &Collector,
    stage: &str,
    total: usize,
    progress: &Progress,
    work: F,
) -> F::Output {
    if !std::io::stderr().is_terminal() || crate::log::quiet() {
        return work.await;
    }
    tokio::pin!(work);
    let mut width = 0;
    loop {
        tokio::select! {
            out = &mut work => {
                let _ = write!(std::io::stderr(), "\r{:width$}\r", "");
                return out;
            }
            _ = tokio::time::sleep(TICK) => {
                let text = line(
                    stage,
                    progress.done.load(Ordering::Relaxed),
                    total,
                    cx.plumbing.stats.snapshot().values().sum(),
                    cx.error_count(),
                );
                width = width.max(text.chars().count());
                let _ = write!(std::io::stderr(), "\r{text:width$}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_names_stage_accounts_calls_and_failures() {
        assert_eq!(
            line("accounts", 3, 100, 41, 2),
            "trailwarden: accounts · 3/100 accounts · 41 calls · 2 failed"
        );
        assert_eq!(
            line("trails and their resources", 0, 0, 7, 0),
            "trailwarden: trails and their resources · 7 calls · 0 failed"
        );
    }
}
