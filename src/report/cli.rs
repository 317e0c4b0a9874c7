//! The command-line side of `herald report`.

use std::path::Path;
use std::process::ExitCode;

use chrono::NaiveDate;

use super::output::{ReportFormat, format_report};
use super::{Period, activity_report};
use crate::diagnostics::{MAX_REPORTED, print_to_stderr};
use crate::resolve::BuildOptions;

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The first day of the period (YYYY-MM-DD), included.
    #[arg(long, value_parser = parse_day)]
    pub from: Option<NaiveDate>,
    /// The last day of the period (YYYY-MM-DD), included.
    #[arg(long, value_parser = parse_day)]
    pub to: Option<NaiveDate>,
    #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
    pub format: ReportFormat,
}

fn parse_day(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date like 2025-01-31"))
}

/// `herald report`: the report on standard output; exit status 1 when the site has errors.
pub fn report_command(root: &Path, args: ReportArgs) -> ExitCode {
    if let (Some(from), Some(to)) = (args.from, args.to)
        && from > to
    {
        eprintln!("error: --from {from} is after --to {to}");
        return ExitCode::from(2);
    }
    let (site, diagnostics) = crate::resolve_site(root, BuildOptions::default());
    let site = match site {
        Some(site) if !diagnostics.has_errors() => site,
        _ => {
            print_to_stderr(diagnostics.errors().take(MAX_REPORTED));
            eprintln!("the site has errors: fix them for a report of what it publishes");
            return ExitCode::from(1);
        }
    };
    let period = Period {
        from: args.from,
        to: args.to,
    };
    let report = activity_report(&site, period);
    print!("{}", format_report(&report, args.format));
    ExitCode::SUCCESS
}
