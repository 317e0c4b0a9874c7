//! Stage timings for benchmarks and profiling: printed to stderr when `HERALD_TIMINGS` is set,
//! with the CPU time the process spent meanwhile (all threads), so that a stage that leaves
//! cores idle shows.

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("HERALD_TIMINGS").is_some())
}

pub struct Timer(Option<(Instant, Option<f64>)>);

impl Timer {
    pub fn start() -> Timer {
        Timer(enabled().then(|| (Instant::now(), cpu_seconds())))
    }

    /// Prints the time since `start` under `stage`.
    pub fn lap(&self, stage: &str) {
        if let Some((started, cpu)) = self.0 {
            let wall = started.elapsed().as_secs_f64() * 1000.0;
            match (cpu, cpu_seconds()) {
                (Some(before), Some(now)) => eprintln!(
                    "timing: {stage:<24} {wall:>8.1} ms (CPU {:.0} ms)",
                    (now - before) * 1000.0
                ),
                _ => eprintln!("timing: {stage:<24} {wall:>8.1} ms"),
            }
        }
    }
}

/// User and system time of the whole process, from `/proc/self/stat` (Linux; in clock ticks
/// of 10 ms, enough for stages of large builds).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}
