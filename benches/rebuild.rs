//! Incremental rebuild cost, as `herald serve` pays it after one saved edit.
//!
//! usage: cargo bench --bench rebuild -- SITE_DIR [EDITS]
//! Builds SITE_DIR once in memory, then edits the body of one news item EDITS times (default
//! 20), rebuilding after each edit with the build cache, and prints the median and the slowest
//! rebuild. The edited file is restored at the end.

use std::path::PathBuf;
use std::time::Instant;

use herald::{BuildCache, BuildOptions, render_site_with};

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let Some(root) = args.next().map(PathBuf::from) else {
        eprintln!("usage: cargo bench --bench rebuild -- SITE_DIR [EDITS]");
        std::process::exit(2);
    };
    let edits: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(20);
    let news = std::fs::read_dir(root.join("content/news"))
        .expect("content/news")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "md"))
        .expect("a news file");
    let original = std::fs::read_to_string(&news).expect("read");
    let options = BuildOptions {
        drafts: true,
        future: true,
        ..BuildOptions::default()
    };
    let mut cache = BuildCache::for_serve();
    let started = Instant::now();
    let first = render_site_with(&root, options.clone(), &mut cache)
        .unwrap_or_else(|d| panic!("{} errors", d.len()));
    println!(
        "first build: {} pages in {:.0} ms",
        first.rendered.pages,
        started.elapsed().as_secs_f64() * 1000.0
    );
    let mut times = Vec::new();
    for n in 0..edits {
        std::fs::write(&news, format!("{original}\nEdit number {n}.\n")).expect("write");
        cache.content.forget(std::slice::from_ref(&news));
        let started = Instant::now();
        let build = render_site_with(&root, options.clone(), &mut cache)
            .unwrap_or_else(|d| panic!("{} errors", d.len()));
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        assert!(build.rendered.reused_pages > 0);
    }
    std::fs::write(&news, original).expect("restore");
    times.sort_by(f64::total_cmp);
    println!(
        "incremental rebuild after one edit ({} edits of {}): median {:.1} ms, slowest {:.1} ms",
        edits,
        news.display(),
        times[times.len() / 2],
        times[times.len() - 1]
    );
}
