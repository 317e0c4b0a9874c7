//! The `herald` command line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

use herald::diagnostics::{Diagnostic, MAX_REPORTED};
use herald::workflow::cli as workflow;
use herald::{BuildOptions, build_site};

/// mimalloc rather than the system allocator: a build makes millions of small allocations
/// (template values, strings) from every thread, and glibc's malloc spent 15% of the
/// instructions of a build on them (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "herald",
    version,
    about = "Static sites for multilingual project communication"
)]
struct Cli {
    /// The site's folder (the one holding site.yaml).
    #[arg(long, short = 'r', global = true, default_value = ".")]
    root: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into public/.
    Build {
        /// Include drafts.
        #[arg(long)]
        drafts: bool,
        /// Include news dated in the future.
        #[arg(long)]
        future: bool,
        /// Use this base URL instead of the one in site.yaml.
        #[arg(long)]
        base_url: Option<String>,
        /// Write the site here instead of public/ (relative to the site's folder).
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
    },
    /// Preview the site with live reload (drafts and future items shown).
    Serve {
        /// The address to listen on; anything but loopback makes the preview public.
        #[arg(long)]
        bind: Option<std::net::IpAddr>,
        /// The port; when it is taken, the next free one is used (0: any free port).
        #[arg(long, short = 'p', default_value_t = 1111)]
        port: u16,
    },
    /// Start a new site (site.yaml, an about page per language, a first news item).
    Init(workflow::InitArgs),
    /// Create a content file from its type's archetype and print its path.
    New(workflow::NewArgs),
    /// Create the translation of a content file, or record that one is up to date (--refresh).
    Translate(workflow::TranslateArgs),
    /// Show which items are translated, missing or out of date, per language.
    Status(workflow::StatusArgs),
    /// Write JSON Schemas of the front matter and of site.yaml, for editors.
    Schema(workflow::SchemaArgs),
    /// Check the site without writing anything: links, anchors, images, references,
    /// translations (exit status 1 on errors).
    Check(herald::check::cli::CheckArgs),
    /// List the communication activities of a period, for a funder's report.
    Report(herald::report::cli::ReportArgs),
    /// Build the site and publish it to a target of site.yaml's `deploy:`.
    Deploy(herald::deploy::cli::DeployArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { bind, port } => serve(&cli.root, bind, port),
        Command::Init(args) => workflow::init(&cli.root, args),
        Command::New(args) => workflow::new(&cli.root, args),
        Command::Translate(args) => workflow::translate_command(&cli.root, args),
        Command::Status(args) => workflow::status(&cli.root, args),
        Command::Schema(args) => workflow::schema(&cli.root, args),
        Command::Check(args) => herald::check::cli::check_command(&cli.root, args),
        Command::Report(args) => herald::report::cli::report_command(&cli.root, args),
        Command::Deploy(args) => herald::deploy::cli::deploy_command(&cli.root, args),
        Command::Build {
            drafts,
            future,
            base_url,
            output,
        } => {
            let options = BuildOptions {
                drafts,
                future,
                base_url,
                ..BuildOptions::default()
            };
            let output = cli
                .root
                .join(output.unwrap_or_else(|| PathBuf::from("public")));
            stop_writing_on_ctrl_c();
            let started = Instant::now();
            match build_site(&cli.root, options, &output) {
                Ok(report) => {
                    print_diagnostics(report.warnings.iter());
                    eprintln!(
                        "built {} pages ({} files, {} KB) into {} in {} ms",
                        report.pages,
                        report.files,
                        report.bytes / 1024,
                        report.output.display(),
                        started.elapsed().as_millis()
                    );
                    // herald exits now: the system takes the memory back faster than freeing.
                    report.leftovers.leak();
                    ExitCode::SUCCESS
                }
                Err(_) if herald::write::stopped() => {
                    eprintln!("stopped; {} was left as it was", output.display());
                    // What a shell reports for a command stopped by Ctrl-C.
                    ExitCode::from(130)
                }
                Err(diagnostics) => {
                    let errors = diagnostics.errors().count();
                    print_diagnostics(diagnostics.warnings());
                    print_diagnostics(diagnostics.errors().take(MAX_REPORTED));
                    if errors > MAX_REPORTED {
                        eprintln!("… and {} more errors", errors - MAX_REPORTED);
                    }
                    eprintln!(
                        "the site has {errors} error{}; {} was left as it was",
                        if errors == 1 { "" } else { "s" },
                        output.display()
                    );
                    ExitCode::from(1)
                }
            }
        }
    }
}

/// On Ctrl-C (or SIGTERM, SIGHUP) a build stops writing, removes what it wrote and exits
/// with 130; a second Ctrl-C exits at once, except during the renames of the commit, which
/// all happen first.
fn stop_writing_on_ctrl_c() {
    // Without a handler (it cannot be set) Ctrl-C still stops herald, as it always did: the
    // next build removes what this one left.
    let _ = ctrlc::set_handler(|| {
        use herald::write::StopRequest;
        use std::io::Write;
        // Stop first: writing to a closed terminal or pipe fails, and must not keep the stop
        // from happening.
        let said = match herald::write::stop_writing() {
            StopRequest::Stopping => {
                "stopping: removing what this build wrote (Ctrl-C again to quit at once)"
            }
            StopRequest::AlreadyStopping => std::process::exit(130),
            StopRequest::Committing => "the new output is nearly in place: finishing first",
        };
        let _ = writeln!(std::io::stderr(), "{said}");
    });
}

fn serve(root: &std::path::Path, bind: Option<std::net::IpAddr>, port: u16) -> ExitCode {
    let options = herald::serve::ServeOptions {
        bind: bind.unwrap_or(std::net::IpAddr::from([127, 0, 0, 1])),
        port,
    };
    match herald::serve::serve(root, options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

fn print_diagnostics<'a>(diagnostics: impl Iterator<Item = &'a Diagnostic>) {
    herald::diagnostics::print_to_stderr(diagnostics);
}
