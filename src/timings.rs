//! Stage timings for benchmarks and profiling: printed to stderr when `HERALD_TIMINGS` is set.

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("HERALD_TIMINGS").is_some())
}

pub struct Timer(Option<Instant>);

impl Timer {
    pub fn start() -> Timer {
        Timer(enabled().then(Instant::now))
    }

    /// Prints the time since `start` (or the previous lap) under `stage`.
    pub fn lap(&self, stage: &str) {
        if let Some(started) = self.0 {
            eprintln!(
                "timing: {stage:<24} {:>8.1} ms",
                started.elapsed().as_secs_f64() * 1000.0
            );
        }
    }
}
