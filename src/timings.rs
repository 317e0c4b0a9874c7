//! Stage timings for benchmarks and profiling: printed to stderr when `HERALD_TIMINGS` is set,
//! with the CPU time the process spent meanwhile (all threads), so that a stage that leaves
//! cores idle shows, and the memory the process holds after it, with the page faults the stage
//! took (at 10 000 items per language the kernel's first touches of pages take a fifth or more
//! of a build's CPU time: memory a build holds is time).

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("HERALD_TIMINGS").is_some())
}

pub struct Timer(Option<(Instant, Option<ProcessUsage>)>);

impl Timer {
    pub fn start() -> Timer {
        Timer(enabled().then(|| (Instant::now(), ProcessUsage::now())))
    }

    /// Prints the time since `start` under `stage`.
    pub fn lap(&self, stage: &str) {
        if let Some((started, before)) = self.0 {
            let wall = started.elapsed().as_secs_f64() * 1000.0;
            match (before, ProcessUsage::now()) {
                (Some(before), Some(now)) => eprintln!(
                    "timing: {stage:<24} {wall:>8.1} ms (CPU {:.0} ms; {} MiB held, {} faults)",
                    (now.cpu_seconds - before.cpu_seconds) * 1000.0,
                    now.resident_bytes >> 20,
                    now.minor_faults.saturating_sub(before.minor_faults),
                ),
                _ => eprintln!("timing: {stage:<24} {wall:>8.1} ms"),
            }
        }
    }
}

#[derive(Clone, Copy)]
struct ProcessUsage {
    /// User and system time of all threads (in clock ticks of 10 ms, enough for stages of
    /// large builds).
    cpu_seconds: f64,
    minor_faults: u64,
    resident_bytes: u64,
}

impl ProcessUsage {
    /// From `/proc/self/stat` and `/proc/self/statm` (Linux).
    fn now() -> Option<ProcessUsage> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        // The fields after the command name, which is in parentheses and may hold spaces.
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let field = |n: usize| fields.get(n)?.parse::<u64>().ok();
        // Pages of 4 KiB, as on x86-64 Linux; 0 where statm cannot be read.
        let resident_pages: u64 = std::fs::read_to_string("/proc/self/statm")
            .ok()
            .and_then(|statm| statm.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0);
        Some(ProcessUsage {
            cpu_seconds: (field(11)? + field(12)?) as f64 / 100.0,
            minor_faults: field(7)?,
            resident_bytes: resident_pages * 4096,
        })
    }
}
