//! `check --external`: whether the other sites a built site links to answer. Never part of a
//! plain `check`, because it depends on the network and on other people's servers.
//!
//! Each address is asked once, however many pages link to it, by a bounded number of workers,
//! each request with a time limit; `HEAD` first, `GET` when a server refuses `HEAD`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Requests under way at once.
pub const CONCURRENCY: usize = 8;
/// The time limit of one request, connection included.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Why an external address failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExternalFailure {
    /// The server answered with an error status.
    Status(u16),
    /// No answer: the host is unknown, refused the connection or did not answer in time.
    Unreachable(String),
}

impl std::fmt::Display for ExternalFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExternalFailure::Status(404) => write!(f, "the server says it does not exist (404)"),
            ExternalFailure::Status(410) => write!(f, "the server says it is gone (410)"),
            ExternalFailure::Status(code) => write!(f, "the server answered with error {code}"),
            ExternalFailure::Unreachable(reason) => write!(f, "no answer: {reason}"),
        }
    }
}

/// Asks each of `urls` (without fragments); returns the failures, in the order of `urls`.
pub fn check_urls(urls: &[String]) -> Vec<(usize, ExternalFailure)> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .max_redirects(10)
        .user_agent(concat!("herald-link-check/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..CONCURRENCY.min(urls.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(url) = urls.get(i) else { break };
                    if let Err(failure) = ask(&agent, url) {
                        failures
                            .lock()
                            .unwrap_or_else(|poisoned| poisoned.into_inner())
                            .push((i, failure));
                    }
                }
            });
        }
    });
    let mut failures = failures
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    failures.sort_by_key(|(i, _)| *i);
    failures
}

fn ask(agent: &ureq::Agent, url: &str) -> Result<(), ExternalFailure> {
    let status = |result: Result<ureq::http::Response<ureq::Body>, ureq::Error>| {
        result
            .map(|response| response.status().as_u16())
            .map_err(|err| ExternalFailure::Unreachable(err.to_string()))
    };
    let mut code = status(agent.head(url).call())?;
    // Some servers refuse HEAD (405, 403, 501) but serve GET.
    if code >= 400 && code != 404 && code != 410 {
        code = status(agent.get(url).call())?;
    }
    if code >= 400 {
        Err(ExternalFailure::Status(code))
    } else {
        Ok(())
    }
}
