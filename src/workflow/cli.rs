//! The command-line side of the workflow commands: their arguments, and what they print.
//! Paths and data go to standard output (so that `herald new … | xargs $EDITOR` works),
//! explanations and problems to standard error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;

use super::CommandError;
use super::new::{ContentType, NewItem, create_item};
use super::schema::write_schemas;
use super::status::translation_status;
use super::status_output::{StatusFormat, format_matrix};
use super::translate::{TODO_MARK, refresh, translate};
use crate::diagnostics::{Diagnostic, MAX_REPORTED};
use crate::load::load_site;

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The folder of the new site (made if missing; default: this one).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The project's name.
    #[arg(long, default_value = "Our project")]
    pub title: String,
    /// The site's languages, the default one first.
    #[arg(long, value_delimiter = ',', default_value = "en")]
    pub languages: Vec<String>,
}

/// `herald init`.
pub fn init(root: &Path, args: InitArgs) -> ExitCode {
    let dir = if args.dir.is_absolute() {
        args.dir.clone()
    } else {
        root.join(&args.dir)
    };
    let request = super::init::InitRequest {
        title: args.title,
        languages: args.languages,
        today: chrono::Local::now()
            .date_naive()
            .format("%Y-%m-%d")
            .to_string(),
    };
    match super::init::init_site(&dir, &request) {
        Ok(files) => {
            for file in &files {
                println!("{}", dir.join(file).display());
            }
            eprintln!(
                "a new site is in {}: edit site.yaml (title, base_url, funding), then `herald serve` there to see it",
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(err) => fail(err),
    }
}

#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// What to create.
    #[arg(value_enum)]
    pub kind: ContentType,
    /// Its title; the file name is made from it ("Reunión en Bruselas" → reunion-en-bruselas).
    pub title: String,
    /// Its language (default: the site's default language).
    #[arg(long, short = 'l')]
    pub lang: Option<String>,
    /// Its date, YYYY-MM-DD (default: today).
    #[arg(long, value_parser = parse_date)]
    pub date: Option<NaiveDate>,
}

#[derive(Debug, clap::Args)]
pub struct TranslateArgs {
    /// The content file to translate; with --refresh, the translation.
    pub file: PathBuf,
    /// The language to translate into.
    #[arg(long, required_unless_present = "refresh", conflicts_with = "refresh")]
    pub to: Option<String>,
    /// Record that the translation is up to date with its source again.
    #[arg(long)]
    pub refresh: bool,
    /// With --refresh: the language it was translated from, when the file does not say.
    #[arg(long, requires = "refresh")]
    pub from: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// How to print the matrix.
    #[arg(long, value_enum, default_value_t)]
    pub format: StatusFormat,
}

#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// The folder to write the schemas into (relative to the site's folder).
    #[arg(long, short = 'o', default_value = "schemas")]
    pub output: PathBuf,
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date; write it as YYYY-MM-DD, e.g. 2025-06-30"))
}

/// `herald new`.
pub fn new(root: &Path, args: NewArgs) -> ExitCode {
    let request = NewItem {
        kind: args.kind,
        title: args.title,
        lang: args.lang,
        date: args.date,
    };
    match create_item(root, &request) {
        Ok(created) => {
            println!("{}", created.path.display());
            eprintln!(
                "created {} from {}; it is a draft until you remove its `draft: true` line",
                created.path.display(),
                created.archetype
            );
            for other in &created.translation_of {
                eprintln!(
                    "note: {} has the same name, so the new file is its translation (to start from its text instead: herald translate {} --to …)",
                    other.display(),
                    other.display()
                );
            }
            ExitCode::SUCCESS
        }
        Err(err) => fail(err),
    }
}

/// `herald translate` and `herald translate --refresh`.
pub fn translate_command(root: &Path, args: TranslateArgs) -> ExitCode {
    if args.refresh {
        return match refresh(root, &args.file, args.from.as_deref()) {
            Ok(refreshed) => {
                if refreshed.changed {
                    eprintln!(
                        "recorded that {} is up to date with {} ({})",
                        refreshed.path.display(),
                        refreshed.source.display(),
                        refreshed.digest
                    );
                } else {
                    eprintln!(
                        "{} was already up to date with {}",
                        refreshed.path.display(),
                        refreshed.source.display()
                    );
                }
                if refreshed.todo_left > 0 {
                    eprintln!(
                        "note: {} line{} still say{} `{TODO_MARK}`",
                        refreshed.todo_left,
                        if refreshed.todo_left == 1 { "" } else { "s" },
                        if refreshed.todo_left == 1 { "s" } else { "" }
                    );
                }
                println!("{}", refreshed.path.display());
                ExitCode::SUCCESS
            }
            Err(err) => fail(err),
        };
    }
    let Some(to) = args.to else {
        eprintln!("error: name the language to translate into with --to");
        return ExitCode::from(2);
    };
    match translate(root, &args.file, &to) {
        Ok(created) => {
            println!("{}", created.path.display());
            eprintln!(
                "created {} from {}: translate the lines marked `{TODO_MARK}` and the text below the front matter, then remove `draft: true`",
                created.path.display(),
                created.source.display()
            );
            ExitCode::SUCCESS
        }
        Err(err) => fail(err),
    }
}

/// `herald status`.
pub fn status(root: &Path, args: StatusArgs) -> ExitCode {
    let (site, diagnostics) = load_site(root);
    let site = match site {
        Some(site) if !diagnostics.has_errors() => site,
        _ => {
            print_diagnostics(diagnostics.errors());
            eprintln!("fix these errors first: files herald cannot read would show as missing");
            return ExitCode::from(1);
        }
    };
    let matrix = translation_status(&site);
    print!("{}", format_matrix(&matrix, args.format));
    ExitCode::SUCCESS
}

/// `herald schema`.
pub fn schema(root: &Path, args: SchemaArgs) -> ExitCode {
    let output = root.join(&args.output);
    match write_schemas(&output) {
        Ok(files) => {
            for file in files {
                println!("{}", file.display());
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!(
                "error: cannot write the schemas into {}: {err}",
                output.display()
            );
            ExitCode::from(1)
        }
    }
}

fn fail(err: CommandError) -> ExitCode {
    match err {
        CommandError::Usage(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        CommandError::Site(mut diagnostics) => {
            diagnostics.sort();
            print_diagnostics(diagnostics.warnings());
            print_diagnostics(diagnostics.errors().take(MAX_REPORTED));
            ExitCode::from(1)
        }
    }
}

fn print_diagnostics<'a>(diagnostics: impl Iterator<Item = &'a Diagnostic>) {
    crate::diagnostics::print_to_stderr(diagnostics);
}
