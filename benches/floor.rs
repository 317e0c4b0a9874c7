//! The floor of a build: the work no static site generator can skip on a given corpus.
//!
//! Reads every content file (`content/**/*.md`) of a site, renders the Markdown after its front
//! matter to HTML with pulldown-cmark (the options herald uses), and writes `FILES` files holding
//! `BYTES` bytes in all (herald's output counts, taken as arguments) into `OUT`, one folder per
//! file as a site has. No front matter parsing, no templates, no links: what is left of a build
//! when everything a generator adds is free. Uses rayon like herald (all cores;
//! `RAYON_NUM_THREADS=1` for one).
//!
//! ```text
//! cargo bench --bench floor -- SITE OUT FILES BYTES
//! ```
//!
//! `bench/compare.sh` runs it next to herald and Hugo; see BENCHMARKS.md.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use pulldown_cmark::{Options, Parser, html};
use rayon::prelude::*;

fn main() -> ExitCode {
    // `cargo bench` appends `--bench` to a harness-less target's arguments.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [site, out, files, bytes] = args.as_slice() else {
        eprintln!("usage: floor SITE OUT FILES BYTES");
        return ExitCode::from(2);
    };
    let (Ok(files), Ok(bytes)) = (files.parse::<usize>(), bytes.parse::<u64>()) else {
        eprintln!("floor: FILES and BYTES must be numbers");
        return ExitCode::from(2);
    };
    match run(Path::new(site), Path::new(out), files, bytes) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("floor: {e}");
            ExitCode::from(1)
        }
    }
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// The text after a `---` front matter block (or all of it when there is none).
fn body(source: &str) -> &str {
    if let Some(rest) = source.strip_prefix("---\n")
        && let Some(end) = rest.find("\n---\n")
    {
        return &rest[end + 5..];
    }
    source
}

fn run(site: &Path, out: &Path, files: usize, bytes: u64) -> std::io::Result<()> {
    let started = Instant::now();
    let sources: Vec<PathBuf> = walkdir::WalkDir::new(site.join("content"))
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.into_path())
        .collect();
    let rendered: Vec<String> = sources
        .par_iter()
        .map(|path| {
            let source = fs::read_to_string(path)?;
            let text = body(&source);
            let mut html_out = String::with_capacity(text.len() * 3 / 2);
            html::push_html(&mut html_out, Parser::new_ext(text, options()));
            Ok(html_out)
        })
        .collect::<std::io::Result<_>>()?;
    let parsed = started.elapsed();
    let pool: Vec<u8> = rendered.concat().into_bytes();
    if pool.is_empty() && bytes > 0 {
        return Err(std::io::Error::other("the corpus has no Markdown to write"));
    }

    // File i gets BYTES / FILES bytes (one more for the first BYTES % FILES files), cut from the
    // rendered HTML in order, wrapping around when the output is larger than the HTML.
    let files = files.max(1);
    let base = bytes / files as u64;
    let extra = (bytes % files as u64) as usize;
    let size_of = |i: usize| base as usize + usize::from(i < extra);
    let offset_of = |i: usize| (base as u128 * i as u128 + i.min(extra) as u128) as usize;
    let path_of = |i: usize| out.join(format!("d{:03}", i / 1000)).join(format!("p{i}"));
    for group in 0..files.div_ceil(1000) {
        fs::create_dir_all(out.join(format!("d{group:03}")))?;
    }
    let written: u64 = (0..files)
        .into_par_iter()
        .map(|i| {
            let dir = path_of(i);
            match fs::create_dir(&dir) {
                Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(e),
                _ => {}
            }
            let mut file = fs::File::create(dir.join("index.html"))?;
            let mut left = size_of(i);
            let mut at = if pool.is_empty() {
                0
            } else {
                offset_of(i) % pool.len()
            };
            while left > 0 {
                let take = left.min(pool.len() - at);
                file.write_all(&pool[at..at + take])?;
                left -= take;
                at = 0;
            }
            Ok(size_of(i) as u64)
        })
        .try_reduce(|| 0, |a, b| Ok(a + b))?;
    eprintln!(
        "floor: {} content files ({} KB of HTML) read and rendered in {} ms; {} files, {} KB written; {} ms in all",
        sources.len(),
        pool.len() / 1024,
        parsed.as_millis(),
        files,
        written / 1024,
        started.elapsed().as_millis()
    );
    Ok(())
}
