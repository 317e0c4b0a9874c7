//! herald: a static site generator for the multilingual websites of multi-partner projects.
//!
//! The pipeline flows one way: [`load`] → [`resolve`] → [`render`] → [`write`]. Each stage has
//! one boundary type ([`load::LoadedSite`], [`resolve::ResolvedSite`],
//! [`render::RenderedSite`]) and reports editors' mistakes as [`diagnostics::Diagnostic`]s.

pub mod check;
pub mod config;
pub mod deploy;
pub mod diagnostics;
pub mod funding;
pub mod load;
pub mod rebuild;
pub mod render;
pub mod report;
pub mod resolve;
pub mod serve;
pub mod timings;
pub mod workflow;
pub mod write;
mod yaml;

use std::path::{Path, PathBuf};

use diagnostics::Diagnostics;
pub use resolve::BuildOptions;

/// What a successful build did.
#[derive(Debug)]
pub struct BuildReport {
    pub output: PathBuf,
    pub pages: usize,
    pub files: usize,
    pub bytes: u64,
    pub warnings: Diagnostics,
    /// What the build no longer needs, handed to the caller to free.
    pub leftovers: Leftovers,
}

/// The resolved site, item values and rendered pieces of a finished build. Dropping them frees
/// millions of small allocations (a tenth of a large build's time on one thread), which a
/// process that is about to exit can skip with [`Leftovers::leak`].
#[derive(Default)]
pub struct Leftovers {
    _cache: BuildCache,
    _rendered: render::RenderedSite,
}

impl Leftovers {
    /// Leaves the memory to the operating system, which takes it back at once when the
    /// process exits: only for a process that exits right after the build.
    pub fn leak(self) {
        std::mem::forget(self);
    }
}

impl std::fmt::Debug for Leftovers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Leftovers")
    }
}

/// Loads and resolves the site in `root`: everything a build checks, without rendering.
/// Returns the resolved site (when loading succeeded) and all diagnostics so far.
pub fn resolve_site(
    root: &Path,
    options: BuildOptions,
) -> (Option<resolve::ResolvedSite>, Diagnostics) {
    resolve_site_with(root, options, &mut load::ContentCache::new())
}

/// [`resolve_site`], re-reading only the content files that changed since `cache` was filled.
pub fn resolve_site_with(
    root: &Path,
    options: BuildOptions,
    cache: &mut load::ContentCache,
) -> (Option<resolve::ResolvedSite>, Diagnostics) {
    let timer = timings::Timer::start();
    let (loaded, mut diagnostics) = load::load_site_with(root, cache);
    timer.lap("load");
    let Some(loaded) = loaded else {
        return (None, diagnostics);
    };
    if diagnostics.has_errors() {
        return (None, diagnostics);
    }
    let timer = timings::Timer::start();
    let site = resolve::resolve_site(loaded, options, &mut diagnostics);
    timer.lap("resolve");
    (Some(site), diagnostics)
}

/// A site rendered in memory, with the warnings of the run.
pub struct RenderedBuild {
    pub rendered: render::RenderedSite,
    pub warnings: Diagnostics,
}

/// Loads, resolves and renders the site in `root`, without writing anything. On error, every
/// diagnostic of the run, sorted by file.
pub fn render_site(root: &Path, options: BuildOptions) -> Result<RenderedBuild, Diagnostics> {
    render_site_with(root, options, &mut BuildCache::default())
}

/// What one build keeps for the next one in the same process (`serve`): the content files read
/// and the pieces rendered. A build with a cache gives exactly what a build without one gives.
#[derive(Default)]
pub struct BuildCache {
    pub content: load::ContentCache,
    pub render: render::cache::RenderCache,
    /// The site of the last build without errors, kept by [`BuildCache::for_serve`] caches
    /// for [`rebuild::rebuild_site`].
    pub last_site: Option<LastSite>,
}

impl BuildCache {
    /// A cache that also keeps the last site and what its render worked out, so that an edit
    /// of item texts re-renders only what shows them.
    pub fn for_serve() -> BuildCache {
        let mut cache = BuildCache::default();
        cache.content.keep = true;
        cache.render.keep_pieces = true;
        cache.render.keep_state = true;
        cache
    }
}

/// A resolved site kept between rebuilds, with its content files by path.
pub struct LastSite {
    pub site: resolve::ResolvedSite,
    /// Site-relative path → index into the site's content files.
    pub file_index: std::collections::HashMap<PathBuf, usize>,
}

/// [`render_site`], reusing what did not change since `cache` was filled.
pub fn render_site_with(
    root: &Path,
    options: BuildOptions,
    cache: &mut BuildCache,
) -> Result<RenderedBuild, Diagnostics> {
    render_site_into(root, options, cache, None)
}

/// [`render_site_with`], handing each page to `sink` as soon as it is rendered.
fn render_site_into(
    root: &Path,
    options: BuildOptions,
    cache: &mut BuildCache,
    sink: Option<&dyn render::PageSink>,
) -> Result<RenderedBuild, Diagnostics> {
    let (site, diagnostics) = resolve_for_render(root, options, cache)?;
    render_resolved(site, diagnostics, cache, sink)
}

/// Loads and resolves the site for a render, or returns the diagnostics when nothing could be
/// loaded.
fn resolve_for_render(
    root: &Path,
    options: BuildOptions,
    cache: &mut BuildCache,
) -> Result<(resolve::ResolvedSite, Diagnostics), Diagnostics> {
    // The kept site is this build's to replace, whether it succeeds or not.
    cache.last_site = None;
    let (site, mut diagnostics) = resolve_site_with(root, options, &mut cache.content);
    match site {
        Some(site) => Ok((site, diagnostics)),
        None => {
            diagnostics.sort();
            Err(diagnostics)
        }
    }
}

/// Renders a resolved site, handing each page to `sink`; keeps the site in `cache` when it
/// keeps state for serve.
fn render_resolved(
    site: resolve::ResolvedSite,
    mut diagnostics: Diagnostics,
    cache: &mut BuildCache,
    sink: Option<&dyn render::PageSink>,
) -> Result<RenderedBuild, Diagnostics> {
    let rendered = render::render_site_into(&site, &mut diagnostics, &mut cache.render, sink);
    diagnostics.sort();
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    if cache.render.last.is_none() {
        // Freed with the cache, by whoever drops it (see `Leftovers`).
        cache.render.retired.push(Box::new(site));
    } else {
        let file_index = site
            .loaded
            .content
            .iter()
            .enumerate()
            .map(|(index, file)| (file.path.clone(), index))
            .collect();
        cache.last_site = Some(LastSite { site, file_index });
    }
    Ok(RenderedBuild {
        rendered,
        warnings: diagnostics,
    })
}

/// Builds the site in `root` into `output`. On error, `output` is left as it was and every
/// diagnostic of the run is returned, sorted by file.
pub fn build_site(
    root: &Path,
    options: BuildOptions,
    output: &Path,
) -> Result<BuildReport, Diagnostics> {
    let one = |diagnostic| -> Diagnostics { std::iter::once(diagnostic).collect() };
    let mut cache = BuildCache::default();
    // Pages are written while the others are rendered, into a place from which they become the
    // output only when all of them are rendered: a large site's pages are not all held at once.
    // What the previous output holds is read beside load and resolve (resolve keeps one core
    // busy only).
    let (resolved, writer) = std::thread::scope(|scope| {
        let scan = scope.spawn(|| write::OutputWriter::prepare(output));
        let resolved = resolve_for_render(root, options.clone(), &mut cache);
        let writer = scan
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (resolved, writer)
    });
    let (site, diagnostics) = resolved?;
    let writer = writer.map_err(one)?;
    // On error the writer is dropped, which removes what it wrote.
    let RenderedBuild {
        rendered,
        mut warnings,
    } = render_resolved(site, diagnostics, &mut cache, Some(&writer))?;
    let timer = timings::Timer::start();
    let committed = writer.commit(&rendered);
    timer.lap("write");
    // The build's warnings, with the reason the output could not be committed.
    let failed = |mut warnings: Diagnostics, diagnostic| {
        warnings.push(diagnostic);
        warnings.sort();
        Err(warnings)
    };
    let (summary, rendered) = match committed {
        Ok(summary) => (summary, rendered),
        Err(write::CommitError::Failed(diagnostic)) => return failed(warnings, diagnostic),
        Err(write::CommitError::NeedsWhole) => {
            // The previous output has a file where this one has a folder (or the other way
            // round), which shows only as the pages are written: render again, into a fresh
            // folder that replaces the output whole. Rare, and the render is the same.
            drop(rendered);
            cache = BuildCache::default();
            let writer = write::OutputWriter::whole(output).map_err(one)?;
            let again = render_site_into(root, options, &mut cache, Some(&writer))?;
            warnings = again.warnings;
            match writer.commit(&again.rendered) {
                Ok(summary) => (summary, again.rendered),
                Err(write::CommitError::Failed(diagnostic)) => return failed(warnings, diagnostic),
                Err(write::CommitError::NeedsWhole) => {
                    unreachable!("a fresh folder has nothing in the way")
                }
            }
        }
    };
    Ok(BuildReport {
        output: output.to_path_buf(),
        pages: rendered.pages,
        files: summary.files,
        bytes: summary.bytes,
        warnings,
        leftovers: Leftovers {
            _cache: cache,
            _rendered: rendered,
        },
    })
}
