//! The command-line side of `herald check`: its arguments, and the report as text (warnings,
//! then errors, then a summary, on standard error) or as JSON for CI (on standard output).

use std::path::Path;
use std::process::ExitCode;

use serde_json::json;

use super::{CheckOptions, CheckReport, check_site};
use crate::diagnostics::{Diagnostic, MAX_REPORTED, Severity, print_to_stderr};
use crate::resolve::BuildOptions;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// Like a compiler: each problem with its source line, then a summary.
    #[default]
    Text,
    /// `{"errors": […], "warnings": […], …}`, for CI.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Also check links to other sites (asks each one over the network).
    #[arg(long)]
    pub external: bool,
    /// Check the funder's visibility rules on every built page: funding statement and
    /// disclaimer in each page's language, the EU emblem and its size.
    #[arg(long)]
    pub compliance: bool,
    /// List every request pages make to other hosts; fail on those site.yaml does not allow.
    #[arg(long)]
    pub privacy: bool,
    /// Check the site with drafts and news dated in the future, as `herald serve` shows it.
    #[arg(long)]
    pub drafts: bool,
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
}

/// `herald check`: exit status 1 when the site has errors.
pub fn check_command(root: &Path, args: CheckArgs) -> ExitCode {
    let options = CheckOptions {
        build: BuildOptions {
            drafts: args.drafts,
            future: args.drafts,
            ..BuildOptions::default()
        },
        external: args.external,
        compliance: args.compliance,
        privacy: args.privacy,
    };
    let report = check_site(root, options);
    match args.format {
        CheckFormat::Text => print_text(&report),
        CheckFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&to_json(&report)).unwrap_or_default()
        ),
    }
    if report.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn print_text(report: &CheckReport) {
    let errors: Vec<&Diagnostic> = report.diagnostics.errors().collect();
    let warnings: Vec<&Diagnostic> = report.diagnostics.warnings().collect();
    print_to_stderr(warnings.iter().copied());
    print_to_stderr(errors.iter().copied().take(MAX_REPORTED));
    if errors.len() > MAX_REPORTED {
        eprintln!("… and {} more errors", errors.len() - MAX_REPORTED);
    }
    let external = if report.external > 0 {
        format!(", {} external addresses", report.external)
    } else {
        String::new()
    };
    if !report.requests.is_empty() {
        eprintln!("requests to other hosts:");
        for request in &report.requests {
            let pages = match request.pages.len() {
                1 => request.pages[0].clone(),
                n => format!("{n} pages, the first {}", request.pages[0]),
            };
            eprintln!(
                "  {} {}: {} `{}` on {pages}",
                if request.allowed {
                    "allowed"
                } else {
                    "NOT ALLOWED"
                },
                request.host,
                request.element,
                request.url
            );
        }
    }
    eprintln!(
        "checked {} pages and {} links{external}: {} error{}, {} warning{}",
        report.pages,
        report.links,
        errors.len(),
        plural(errors.len()),
        warnings.len(),
        plural(warnings.len()),
    );
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The report as one JSON object: errors and warnings apart, each with file, line, column,
/// message and hint.
pub fn to_json(report: &CheckReport) -> serde_json::Value {
    let entry = |d: &Diagnostic| {
        json!({
            "file": d.location.file.to_string_lossy(),
            "line": d.location.line,
            "column": d.location.column,
            "message": d.message,
            "hint": d.hint,
        })
    };
    let of = |severity: Severity| -> Vec<serde_json::Value> {
        report
            .diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .map(entry)
            .collect()
    };
    json!({
        "errors": of(Severity::Error),
        "warnings": of(Severity::Warning),
        "pages": report.pages,
        "links": report.links,
        "external": report.external,
        "requests": report.requests,
    })
}
