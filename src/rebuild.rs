//! The rebuilds of `serve`: after an edit of item texts only (bodies, and front matter keys
//! whose values pages show, such as a news item's title or a meeting's location), re-render
//! what shows them (`render::rerender_texts`); after anything else, a full build that reuses
//! what did not change (`render_site_with`). Both give what a fresh `herald build` gives.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostics::Diagnostics;
use crate::load::StaticSource;
use crate::render::{self, OutputContents, OutputFile, RenderedUpdate, TextEdits};
use crate::resolve::{self, ResolvedSite};
use crate::{BuildCache, BuildOptions, LastSite, RenderedBuild, render_site_with};

/// What a rebuild made.
pub enum Rebuilt {
    /// The whole site.
    Whole(RenderedBuild),
    /// The outputs an edit of texts or of static files may have changed; every other output
    /// is as it was.
    Outputs {
        update: RenderedUpdate,
        warnings: Diagnostics,
    },
}

/// Rebuilds the site in `root` after the files `changed` (absolute paths, as a watcher reports
/// them) changed on disk; with none, the whole site (reusing what it can). `cache` must come
/// from [`BuildCache::for_serve`] and every earlier rebuild of this site.
pub fn rebuild_site(
    root: &Path,
    options: BuildOptions,
    cache: &mut BuildCache,
    changed: &[PathBuf],
) -> Result<Rebuilt, Diagnostics> {
    // Time stamps can miss an edit made within their resolution: what changed is read again.
    cache.content.forget(changed);
    if let Some(rebuilt) = rebuild_static(&options, cache, changed) {
        return Ok(rebuilt);
    }
    if let Some(rebuilt) = rebuild_texts(root, &options, cache, changed) {
        return Ok(rebuilt);
    }
    cache.render.last = None;
    cache.last_site = None;
    render_site_with(root, options, cache).map(Rebuilt::Whole)
}

/// The rebuild of edits of static files the site already copies: they are copied again (the
/// outputs read them), nothing is rendered. `None` when a changed path is anything else.
fn rebuild_static(
    options: &BuildOptions,
    cache: &BuildCache,
    changed: &[PathBuf],
) -> Option<Rebuilt> {
    let LastSite { site, .. } = cache.last_site.as_ref()?;
    if changed.is_empty() || !same_moment(site, options) {
        return None;
    }
    let mut files = Vec::with_capacity(changed.len());
    for path in changed {
        let copied =
            site.loaded.theme.static_files.iter().find(
                |file| matches!(&file.source, StaticSource::Disk(source) if source == path),
            )?;
        if !path.is_file() {
            return None;
        }
        files.push(OutputFile {
            path: copied.output_path.clone(),
            contents: OutputContents::CopyOf(path.clone()),
        });
    }
    Some(Rebuilt::Outputs {
        update: RenderedUpdate {
            files,
            rendered_pages: 0,
        },
        warnings: Diagnostics::new(),
    })
}

/// The rebuild of an edit of texts, or `None` when the change is anything else.
fn rebuild_texts(
    root: &Path,
    options: &BuildOptions,
    cache: &mut BuildCache,
    changed: &[PathBuf],
) -> Option<Rebuilt> {
    let LastSite { site, file_index } = cache.last_site.as_mut()?;
    let timer = crate::timings::Timer::start();
    if changed.is_empty() || !same_moment(site, options) {
        return None;
    }
    // Each accepted file goes into the site at once: a title is checked against the titles
    // the other files of the same save have now, not the ones they had.
    // Any `None` from here on is followed by a full build, which drops this site.
    let mut edits = TextEdits::default();
    let mut files = Vec::new();
    for path in changed {
        let relative = path.strip_prefix(root).ok()?;
        let &index = file_index.get(relative)?;
        let old = &site.loaded.content[index];
        let (new, front_matter_changed) =
            crate::load::read_again(root, old, &site.loaded.config.config)?;
        if front_matter_changed {
            let (new_fm, old_fm) = (&new.front_matter, &old.front_matter);
            if !new_fm.same_shape(old_fm)
                || (new_fm.title != old_fm.title
                    && !resolve::order_holds_with_title(site, index, &new_fm.title))
            {
                return None;
            }
        }
        if new.source != old.source {
            let new = Arc::new(new);
            site.loaded.content[index] = new.clone();
            edits.files.push(index);
            if front_matter_changed {
                edits.front_matter.push(index);
            }
            files.push((path.clone(), new));
        }
    }
    timer.lap("texts: read");
    let mut warnings = Diagnostics::new();
    let update = render::rerender_texts(site, &mut cache.render, &edits, &mut warnings)?;
    for (path, file) in files {
        cache.content.update(path, file);
    }
    Some(Rebuilt::Outputs { update, warnings })
}

/// Whether resolving at `options.now` would decide what the site was resolved with: no news
/// item became past and no meeting ended since.
fn same_moment(site: &ResolvedSite, options: &BuildOptions) -> bool {
    // Without `future`, news dated later are no items at all: nothing to compare them with.
    options.future
        && site.options.future
        && site.options.drafts == options.drafts
        && site.options.base_url == options.base_url
        && site.items.iter().all(|item| {
            let future = item.section == crate::load::Section::News
                && item.date.is_some_and(|d| d.is_after(options.now));
            let upcoming = item.section == crate::load::Section::Meetings
                && item
                    .end_date
                    .or(item.date)
                    .is_some_and(|d| d.not_over(options.now));
            future == item.future && upcoming == item.upcoming
        })
}
