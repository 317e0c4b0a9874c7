//! The command-line side of `herald deploy`: its arguments, and what it prints. The list of
//! files of a dry run goes to standard output; progress, summaries and problems to standard
//! error.

use std::path::Path;
use std::process::ExitCode;

use super::manifest::Change;
use super::{DeployError, DeployOptions, DeployReport, RollbackReport};
use crate::diagnostics::{Diagnostic, MAX_REPORTED};

#[derive(Debug, clap::Args)]
pub struct DeployArgs {
    /// The target, as named under `deploy:` in site.yaml.
    pub target: String,
    /// Print what would be uploaded and deleted; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Make the previous release live again (directory targets, atomic rsync targets).
    #[arg(long, conflicts_with = "no_build")]
    pub rollback: bool,
    /// Publish public/ as it is, without building it first.
    #[arg(long)]
    pub no_build: bool,
}

/// `herald deploy`.
pub fn deploy_command(root: &Path, args: DeployArgs) -> ExitCode {
    let described = super::describe_target(root, &args.target).unwrap_or_default();
    if args.rollback {
        return match super::rollback(root, &args.target, args.dry_run) {
            Ok(report) => {
                print_rollback(&report, &described);
                ExitCode::SUCCESS
            }
            Err(err) => print_error(&err),
        };
    }
    let options = DeployOptions {
        dry_run: args.dry_run,
        no_build: args.no_build,
    };
    match super::deploy(root, &args.target, options) {
        Ok(report) => {
            print_report(&report, &described);
            ExitCode::SUCCESS
        }
        Err(err) => print_error(&err),
    }
}

fn print_report(report: &DeployReport, described: &str) {
    if let Some(build) = &report.build {
        print_diagnostics(build.warnings.iter());
        eprintln!(
            "built {} pages ({} files, {} KB)",
            build.pages,
            build.files,
            build.bytes / 1024
        );
    }
    let plan = &report.plan;
    if report.dry_run {
        for upload in &plan.uploads {
            let change = match upload.change {
                Change::Added => "new",
                Change::Changed => "changed",
            };
            println!("upload {} ({change}, {})", upload.path, size(upload.size));
        }
        for path in &plan.deletes {
            println!("delete {path}");
        }
    }
    let summary = format!(
        "{} file{} {} ({}), {} {}, {} unchanged",
        plan.uploads.len(),
        plural(plan.uploads.len()),
        if report.dry_run {
            "to upload"
        } else {
            "uploaded"
        },
        size(plan.upload_bytes()),
        plan.deletes.len(),
        if report.dry_run {
            "to delete"
        } else {
            "deleted"
        },
        plan.unchanged,
    );
    if report.dry_run {
        eprintln!(
            "dry run of `{}` ({described}): {summary}; nothing was changed",
            report.target
        );
    } else if plan.is_empty() {
        eprintln!(
            "`{}` ({described}) is up to date: nothing to upload or delete",
            report.target
        );
    } else {
        let release = report
            .release
            .as_ref()
            .map(|r| format!("; release {r} is live"))
            .unwrap_or_default();
        eprintln!(
            "deployed to `{}` ({described}): {summary}{release}",
            report.target
        );
    }
}

fn print_rollback(report: &RollbackReport, described: &str) {
    if report.dry_run {
        eprintln!(
            "dry run: rolling back `{}` ({described}) would make release {} live again (now {})",
            report.target, report.to, report.from
        );
    } else {
        eprintln!(
            "rolled back `{}` ({described}): release {} is live again (was {})",
            report.target, report.to, report.from
        );
    }
}

fn print_error(err: &DeployError) -> ExitCode {
    match err {
        DeployError::Config(diagnostics) => {
            print_diagnostics(diagnostics.iter());
            return ExitCode::from(1);
        }
        DeployError::Build(diagnostics) => {
            let errors = diagnostics.errors().count();
            print_diagnostics(diagnostics.warnings());
            print_diagnostics(diagnostics.errors().take(MAX_REPORTED));
            if errors > MAX_REPORTED {
                eprintln!("… and {} more errors", errors - MAX_REPORTED);
            }
        }
        _ => {}
    }
    eprintln!("error: {err}");
    if let Some(hint) = err.hint() {
        eprintln!("hint: {hint}");
    }
    match err {
        DeployError::UnknownTarget { .. } => ExitCode::from(2),
        _ => ExitCode::from(1),
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

fn size(bytes: u64) -> String {
    if bytes < 10 * 1024 {
        format!("{bytes} B")
    } else if bytes < 10 * 1024 * 1024 {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{} MB", bytes / (1024 * 1024))
    }
}

fn print_diagnostics<'a>(diagnostics: impl Iterator<Item = &'a Diagnostic>) {
    crate::diagnostics::print_to_stderr(diagnostics);
}
