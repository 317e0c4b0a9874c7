//! What one build hands to the next, so that `serve` re-renders only what an edit touched.
//!
//! Every cached piece carries a fingerprint of what it was made from: the file's text (by
//! identity: the load cache hands unchanged files on as the same `Arc`), where its links led,
//! the URLs and fingerprints of the items it shows. A piece is reused only when its fingerprint
//! is the same, so an incremental build produces exactly what a full build would.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;
use std::sync::Arc;

use tera::Value;

use super::markdown::RenderedMarkdown;
use super::templates::Templates;
use crate::resolve::{ItemId, LangId, ResolvedSite};

/// An item across builds: its file and language (item ids change from build to build).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ItemKey {
    pub path: PathBuf,
    pub lang: LangId,
    pub fallback: bool,
}

impl ItemKey {
    pub fn of(site: &ResolvedSite, id: ItemId) -> ItemKey {
        let item = &site.items[id];
        ItemKey {
            path: site.file(id).path.clone(),
            lang: item.lang,
            fallback: item.fallback_of.is_some(),
        }
    }
}

pub struct CachedMarkdown {
    /// The text it was rendered from; compared by identity.
    pub source: Arc<str>,
    pub rendered: RenderedMarkdown,
    pub version: u64,
}

pub struct CachedRefs {
    pub base_fingerprint: u64,
    pub base: Value,
    pub full_fingerprint: u64,
    pub full: Value,
}

#[derive(Default)]
pub struct RenderCache {
    pub markdown: HashMap<ItemKey, CachedMarkdown>,
    pub refs: HashMap<ItemKey, CachedRefs>,
    /// Output path → fingerprint and bytes of the page.
    pub pages: HashMap<String, (u64, Arc<Vec<u8>>)>,
    pub templates: Option<(u64, Arc<Templates>)>,
    /// Whether to keep Markdown, values and pages for a next build (a one-shot build has none).
    pub keep_pieces: bool,
    /// Whether to keep [`RenderCache::last`] (only `serve` re-renders edited texts alone).
    pub keep_state: bool,
    /// What the last render without errors worked out, for [`super::rerender_texts`].
    pub last: Option<super::RenderState>,
    /// What a render no longer needs, left to be freed with the cache.
    pub retired: Vec<Box<dyn std::any::Any + Send>>,
    next_version: u64,
}

impl RenderCache {
    pub fn new() -> RenderCache {
        RenderCache::default()
    }

    /// A number no earlier rendering of this cache has.
    pub fn next_version(&mut self) -> u64 {
        self.next_version += 1;
        self.next_version
    }
}

/// Fingerprint of anything hashable.
pub fn fingerprint(value: &impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// A hasher to feed several values into.
pub fn hasher() -> DefaultHasher {
    DefaultHasher::new()
}

pub fn finish(hasher: DefaultHasher) -> u64 {
    hasher.finish()
}
