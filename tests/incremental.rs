//! The rebuilds of `serve` reuse what an edit did not touch. After every edit of a sequence, the
//! incremental rebuild must give, file by file, what a fresh full build gives.

mod common;

use std::collections::BTreeMap;

use chrono::TimeZone;
use common::Fixture;
use herald::render::OutputContents;
use herald::{BuildCache, BuildOptions, render_site, render_site_with};

fn options() -> BuildOptions {
    BuildOptions {
        drafts: true,
        future: true,
        base_url: Some("http://127.0.0.1:1111".into()),
        now: chrono::Utc
            .with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
            .unwrap(),
    }
}

fn files(
    result: Result<herald::RenderedBuild, herald::diagnostics::Diagnostics>,
) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let build = result.map_err(|d| {
        d.iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    Ok(build
        .rendered
        .files
        .into_iter()
        .map(|file| {
            let bytes = match file.contents {
                OutputContents::Bytes(bytes) => bytes.to_vec(),
                OutputContents::BuiltIn(bytes) => bytes.to_vec(),
                OutputContents::CopyOf(path) => std::fs::read(path).unwrap(),
            };
            (file.path, bytes)
        })
        .collect())
}

/// Applies `edit`, rebuilds incrementally and from scratch, and compares. Returns how many
/// pages of how many the incremental build reused.
fn step(
    fixture: &Fixture,
    cache: &mut BuildCache,
    what: &str,
    edit: impl FnOnce(&Fixture) -> Vec<&'static str>,
) -> (usize, usize) {
    let touched = edit(fixture);
    // As `serve` does with the paths its watcher reports.
    let touched: Vec<_> = touched.iter().map(|rel| fixture.path(rel)).collect();
    cache.content.forget(&touched);
    let incremental = render_site_with(fixture.root(), options(), cache);
    let reuse = incremental
        .as_ref()
        .map_or((0, 0), |b| (b.rendered.reused_pages, b.rendered.pages));
    let incremental = files(incremental);
    let full = files(render_site(fixture.root(), options()));
    match (incremental, full) {
        (Ok(incremental), Ok(full)) => {
            let paths = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
            assert_eq!(
                paths(&incremental),
                paths(&full),
                "after {what}: different files"
            );
            for (path, bytes) in &full {
                assert!(
                    incremental[path] == *bytes,
                    "after {what}: {path} differs from a full build"
                );
            }
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "after {what}: different errors"),
        (a, b) => panic!(
            "after {what}: incremental {:?} but full {:?}",
            a.map(|_| "ok"),
            b.map(|_| "ok")
        ),
    }
    reuse
}

#[test]
fn incremental_rebuilds_equal_full_builds() {
    let f = Fixture::small();
    let mut cache = BuildCache::default();
    step(&f, &mut cache, "the first build", |_| vec![]);
    let (reused, pages) = step(&f, &mut cache, "nothing", |_| vec![]);
    assert_eq!(reused, pages, "an unchanged site renders no page again");
    let (reused, pages) = step(&f, &mut cache, "editing a body", |f| {
        f.write(
            "content/news/later.en.md",
            "---\ntitle: Later news\ndate: 2024-05-01\n---\nA new body.\n",
        );
        vec!["content/news/later.en.md"]
    });
    // The item, its fallback pages in es and ca, the news lists and home pages that show its
    // summary, the feeds: a few pages, not the site.
    assert!(
        reused > 0 && pages - reused <= 12,
        "{} of {pages} pages rendered again",
        pages - reused
    );
    step(&f, &mut cache, "renaming a partner", |f| {
        f.write(
            "content/partners/citeve.en.md",
            "---\ntitle: CITEVE Technology Centre\ncountry: PT\n---\nA technology centre.\n",
        );
        vec!["content/partners/citeve.en.md"]
    });
    step(&f, &mut cache, "changing a date (list order)", |f| {
        f.write("content/news/results.en.md", "---\ntitle: First results\ndate: 2023-03-01\npartners: [citeve]\ntags: [textile]\n---\nIntro.\n\n<!-- more -->\n\nDetails.\n");
        vec!["content/news/results.en.md"]
    });
    step(&f, &mut cache, "adding a news item", |f| {
        f.write("content/news/new.en.md", "---\ntitle: Brand new\ndate: 2024-06-01\ntags: [textile]\npartners: [aeiti]\n---\nSee [the kick-off](@/news/kick-off.md).\n");
        vec!["content/news/new.en.md"]
    });
    step(&f, &mut cache, "translating it", |f| {
        f.write(
            "content/news/new.es.md",
            "---\ntitle: Muy nuevo\nslug: muy-nuevo\ndate: 2024-06-01\n---\nTexto.\n",
        );
        vec!["content/news/new.es.md"]
    });
    step(&f, &mut cache, "changing a slug that others link to", |f| {
        f.write("content/news/kick-off.en.md", "---\ntitle: Kick-off in Terrassa\nslug: start\ndate: 2024-01-15\npartners: [aeiti, citeve]\ntags: [meetings, textile]\n---\nThe project started.\n");
        vec!["content/news/kick-off.en.md"]
    });
    step(&f, &mut cache, "deleting an item", |f| {
        f.remove("content/news/new.es.md");
        vec!["content/news/new.es.md"]
    });
    step(&f, &mut cache, "breaking the YAML", |f| {
        f.write("content/news/later.en.md", "---\ntitle: [broken\n---\n");
        vec!["content/news/later.en.md"]
    });
    step(&f, &mut cache, "fixing it", |f| {
        f.write(
            "content/news/later.en.md",
            "---\ntitle: Later news, fixed\ndate: 2024-05-01\n---\nFixed.\n",
        );
        vec!["content/news/later.en.md"]
    });
    step(&f, &mut cache, "overriding a template", |f| {
        f.write("templates/news.html", "{% extends \"base.html\" %}{% block content %}<h1 class=\"custom\">{{ item.title }}</h1>{{ item.content | safe }}{% endblock content %}");
        vec!["templates/news.html"]
    });
    step(&f, &mut cache, "changing the configuration", |f| {
        let config = f
            .read("site.yaml")
            .replace("pagination: 2", "pagination: 3");
        f.write("site.yaml", &config);
        vec!["site.yaml"]
    });
    step(&f, &mut cache, "adding a static file", |f| {
        f.write("static/robots-extra.txt", "hello");
        vec!["static/robots-extra.txt"]
    });
}
