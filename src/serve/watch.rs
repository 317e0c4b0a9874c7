//! Watching the site's sources and rebuilding after each burst of changes.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use notify_debouncer_full::notify::{EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};

use crate::load::is_editor_leftover;

/// The folders under the site's root whose changes matter; `site.yaml` is watched through the
/// root itself (not recursively, so that `target/` or `public/` never flood the watcher).
pub const WATCHED_DIRS: [&str; 6] = [
    "content",
    "static",
    "i18n",
    "templates",
    "themes",
    "archetypes",
];

/// How long a burst of file events may last before a rebuild starts: long enough to see an
/// editor's write-then-rename as one change, short enough to feel instant.
const DEBOUNCE: Duration = Duration::from_millis(25);

/// What changed in one burst.
#[derive(Debug, Default)]
pub struct ChangeSet {
    pub paths: Vec<PathBuf>,
    /// Whether a file under a `static/` folder changed (copied files are served from disk).
    pub touched_static: bool,
}

pub struct SiteWatcher {
    debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    root: PathBuf,
    watched: Vec<PathBuf>,
}

impl SiteWatcher {
    pub fn start(
        root: &Path,
    ) -> Result<(SiteWatcher, mpsc::Receiver<DebounceEventResult>), String> {
        let (tx, rx) = mpsc::channel();
        let debouncer = new_debouncer(DEBOUNCE, None, tx)
            .map_err(|e| format!("cannot watch the site's files: {e}"))?;
        let mut watcher = SiteWatcher {
            debouncer,
            root: root.to_path_buf(),
            watched: Vec::new(),
        };
        watcher
            .debouncer
            .watch(root, RecursiveMode::NonRecursive)
            .map_err(|e| format!("cannot watch {}: {e}", root.display()))?;
        watcher.watch_new_dirs();
        Ok((watcher, rx))
    }

    /// Starts watching the folders of [`WATCHED_DIRS`] that exist now (a folder created while
    /// serving is picked up on the next change).
    pub fn watch_new_dirs(&mut self) {
        for name in WATCHED_DIRS {
            let dir = self.root.join(name);
            if dir.is_dir()
                && !self.watched.contains(&dir)
                && self.debouncer.watch(&dir, RecursiveMode::Recursive).is_ok()
            {
                self.watched.push(dir);
            }
        }
        self.watched.retain(|dir| dir.is_dir());
    }

    /// The relevant changes of one debounced batch, or `None` when it holds only noise
    /// (editor swap files, the output folder).
    pub fn relevant(&self, result: DebounceEventResult) -> Option<ChangeSet> {
        let events = result.ok()?;
        let mut changes = ChangeSet::default();
        for event in events {
            // Reading a file (as every rebuild does) is not a change.
            if matches!(event.kind, EventKind::Access(_) | EventKind::Other) {
                continue;
            }
            for path in &event.paths {
                let Ok(rel) = path.strip_prefix(&self.root) else {
                    continue;
                };
                let mut components = rel.components();
                let first = components
                    .next()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .unwrap_or_default();
                let relevant_place = WATCHED_DIRS.contains(&first.as_str())
                    || rel == Path::new(crate::config::CONFIG_FILE);
                let leftover = path.file_name().is_some_and(is_editor_leftover);
                if !relevant_place || leftover {
                    continue;
                }
                if rel.components().any(|c| c.as_os_str() == "static") {
                    changes.touched_static = true;
                }
                if !changes.paths.contains(path) {
                    changes.paths.push(path.clone());
                }
            }
        }
        (!changes.paths.is_empty()).then_some(changes)
    }
}
