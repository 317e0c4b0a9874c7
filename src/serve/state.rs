//! The site as `serve` holds it: the last good build in memory, the current error, and the
//! events that tell open pages what changed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use tokio::sync::broadcast;

use crate::diagnostics::Diagnostics;
use crate::rebuild::Rebuilt;
use crate::render::{OutputContents, OutputFile, RenderedSite};
use crate::{BuildCache, BuildOptions, RenderedBuild};

/// What open pages are told after a rebuild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviewEvent {
    /// The site changed; `css_only` when only stylesheets did.
    Reload {
        changed: Vec<String>,
        css_only: bool,
    },
    /// The rebuild failed; the message is what the terminal shows.
    BuildError { message: String },
}

#[derive(Default)]
pub struct PreviewSite {
    pub files: HashMap<String, OutputContents>,
    /// The error of the last rebuild, if it failed.
    pub error: Option<String>,
}

/// The shared state of a preview server.
#[derive(Clone)]
pub struct Preview {
    pub site: Arc<RwLock<PreviewSite>>,
    pub events: broadcast::Sender<PreviewEvent>,
}

impl Preview {
    pub fn new() -> Preview {
        let (events, _) = broadcast::channel(64);
        Preview {
            site: Arc::new(RwLock::new(PreviewSite::default())),
            events,
        }
    }

    /// Rebuilds the site after `changed` (absolute paths; none for the first build) and swaps
    /// it in; on failure keeps the last good site and records the error. Returns what
    /// happened, which is also broadcast to open pages.
    pub fn rebuild(
        &self,
        root: &Path,
        options: &BuildOptions,
        cache: &mut BuildCache,
        changed: &[PathBuf],
        touched_static: bool,
    ) -> (PreviewEvent, std::time::Duration) {
        let started = Instant::now();
        let result = crate::rebuild::rebuild_site(root, options.clone(), cache, changed);
        let elapsed = started.elapsed();
        let event = match result {
            Ok(Rebuilt::Whole(RenderedBuild { rendered, warnings })) => {
                if !warnings.is_empty() {
                    eprint!("{}", plain_report(&warnings));
                }
                self.swap_in(rendered, touched_static)
            }
            Ok(Rebuilt::Outputs { update, warnings }) => {
                if !warnings.is_empty() {
                    eprint!("{}", plain_report(&warnings));
                }
                self.apply(update.files)
            }
            Err(diagnostics) => {
                let message = plain_report(&diagnostics);
                if let Ok(mut site) = self.site.write() {
                    site.error = Some(message.clone());
                }
                PreviewEvent::BuildError { message }
            }
        };
        let _ = self.events.send(event.clone());
        (event, elapsed)
    }

    /// Replaces the files of `files`, keeping every other file.
    fn apply(&self, files: Vec<OutputFile>) -> PreviewEvent {
        let mut site = match self.site.write() {
            Ok(site) => site,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut changed = Vec::new();
        for file in files {
            let same = match (site.files.get(&file.path), &file.contents) {
                (Some(OutputContents::Bytes(old)), OutputContents::Bytes(new)) => old == new,
                _ => false,
            };
            if !same {
                changed.push(file.path.clone());
                site.files.insert(file.path, file.contents);
            }
        }
        changed.sort();
        site.error = None;
        let css_only = !changed.is_empty() && changed.iter().all(|p| p.ends_with(".css"));
        PreviewEvent::Reload { changed, css_only }
    }

    fn swap_in(&self, rendered: RenderedSite, touched_static: bool) -> PreviewEvent {
        let mut site = match self.site.write() {
            Ok(site) => site,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut changed = Vec::new();
        let mut files = HashMap::with_capacity(rendered.files.len());
        for file in rendered.files {
            let same = match (site.files.get(&file.path), &file.contents) {
                (Some(OutputContents::Bytes(old)), OutputContents::Bytes(new)) => old == new,
                (Some(OutputContents::BuiltIn(old)), OutputContents::BuiltIn(new)) => old == new,
                // Copied files are read at request time; a change under static/ counts.
                (Some(OutputContents::CopyOf(old)), OutputContents::CopyOf(new)) => {
                    old == new && !touched_static
                }
                _ => false,
            };
            if !same {
                changed.push(file.path.clone());
            }
            files.insert(file.path, file.contents);
        }
        changed.extend(
            site.files
                .keys()
                .filter(|path| !files.contains_key(*path))
                .cloned(),
        );
        changed.sort();
        site.files = files;
        site.error = None;
        let css_only = !changed.is_empty() && changed.iter().all(|p| p.ends_with(".css"));
        PreviewEvent::Reload { changed, css_only }
    }
}

impl Default for Preview {
    fn default() -> Self {
        Preview::new()
    }
}

/// Diagnostics as plain text, the same words the terminal shows.
pub fn plain_report(diagnostics: &Diagnostics) -> String {
    use codespan_reporting::term::termcolor::NoColor;
    let mut out = NoColor::new(Vec::new());
    for diagnostic in diagnostics.iter().take(crate::diagnostics::MAX_REPORTED) {
        let _ = diagnostic.emit(&mut out);
    }
    String::from_utf8_lossy(&out.into_inner()).into_owned()
}
