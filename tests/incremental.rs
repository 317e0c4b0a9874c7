//! The rebuilds of `serve` reuse what an edit did not touch. After every edit of a sequence, the
//! incremental rebuild must give, file by file, what a fresh full build gives.

mod common;

use std::collections::BTreeMap;

use chrono::TimeZone;
use common::Fixture;
use herald::rebuild::{Rebuilt, rebuild_site};
use herald::render::OutputContents;
use herald::{BuildCache, BuildOptions, render_site};

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

fn bytes_of(contents: OutputContents) -> Vec<u8> {
    match contents {
        OutputContents::Bytes(bytes) => bytes.to_vec(),
        OutputContents::BuiltIn(bytes) => bytes.to_vec(),
        OutputContents::CopyOf(path) => std::fs::read(path).unwrap(),
    }
}

type Files = BTreeMap<String, Vec<u8>>;

fn errors(diagnostics: herald::diagnostics::Diagnostics) -> String {
    diagnostics
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn files(
    result: Result<herald::RenderedBuild, herald::diagnostics::Diagnostics>,
) -> Result<Files, String> {
    let build = result.map_err(errors)?;
    Ok(build
        .rendered
        .files
        .into_iter()
        .map(|file| (file.path, bytes_of(file.contents)))
        .collect())
}

/// How a rebuild was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    /// The whole site, reusing what did not change.
    Whole,
    /// Only what shows the edited texts.
    Outputs,
    Failed,
}

/// What `serve` holds: the site as the rebuilds left it.
struct Served {
    cache: BuildCache,
    files: Files,
}

impl Served {
    fn new() -> Served {
        Served {
            cache: BuildCache::for_serve(),
            files: Files::new(),
        }
    }

    /// Rebuilds as `serve` does after its watcher reported `changed`; returns the site served
    /// now (the last good one when the rebuild failed), how it was made, how many pages were
    /// rendered again and how many there are.
    fn rebuild(
        &mut self,
        fixture: &Fixture,
        changed: &[&str],
    ) -> (Result<(), String>, Path, usize, usize) {
        let changed: Vec<_> = changed.iter().map(|rel| fixture.path(rel)).collect();
        match rebuild_site(fixture.root(), options(), &mut self.cache, &changed) {
            Ok(Rebuilt::Whole(build)) => {
                let (rendered, pages) = (
                    build.rendered.pages - build.rendered.reused_pages,
                    build.rendered.pages,
                );
                self.files = files(Ok(build)).unwrap();
                (Ok(()), Path::Whole, rendered, pages)
            }
            Ok(Rebuilt::Outputs { update, .. }) => {
                let rendered = update.rendered_pages;
                for file in update.files {
                    let path = file.path.clone();
                    assert!(
                        self.files.contains_key(&path),
                        "an update of texts made a new file {path}"
                    );
                    self.files.insert(path, bytes_of(file.contents));
                }
                let pages = self.files.keys().filter(|p| p.ends_with(".html")).count();
                (Ok(()), Path::Outputs, rendered, pages)
            }
            Err(diagnostics) => (Err(errors(diagnostics)), Path::Failed, 0, 0),
        }
    }
}

/// Applies `edit`, rebuilds as `serve` does and from scratch, and compares. Returns how the
/// rebuild was made and how many pages it rendered again of how many.
fn step(
    fixture: &Fixture,
    served: &mut Served,
    what: &str,
    edit: impl FnOnce(&Fixture) -> Vec<&'static str>,
) -> (Path, usize, usize) {
    let touched = edit(fixture);
    let (result, path, rendered, pages) = served.rebuild(fixture, &touched);
    let full = files(render_site(fixture.root(), options()));
    match (result, full) {
        (Ok(()), Ok(full)) => {
            let paths = |m: &Files| m.keys().cloned().collect::<Vec<_>>();
            assert_eq!(
                paths(&served.files),
                paths(&full),
                "after {what}: different files"
            );
            for (path, bytes) in &full {
                assert!(
                    served.files[path] == *bytes,
                    "after {what}: {path} differs from a full build"
                );
            }
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "after {what}: different errors"),
        (a, b) => panic!(
            "after {what}: incremental {a:?} but full {:?}",
            b.map(|_| "ok")
        ),
    }
    (path, rendered, pages)
}

#[test]
fn incremental_rebuilds_equal_full_builds() {
    let f = Fixture::small();
    let mut served = Served::new();
    step(&f, &mut served, "the first build", |_| vec![]);
    let (_, rendered, _) = step(&f, &mut served, "nothing", |_| vec![]);
    assert_eq!(rendered, 0, "an unchanged site renders no page again");
    let (path, rendered, pages) = step(&f, &mut served, "editing a body", |f| {
        f.write(
            "content/news/later.en.md",
            "---\ntitle: Later news\ndate: 2024-05-01\n---\nA new body.\n",
        );
        vec!["content/news/later.en.md"]
    });
    // The item, its fallback pages in es and ca, the news lists and home pages that show its
    // summary: a few pages, not the site.
    assert_eq!(
        path,
        Path::Outputs,
        "an edit of a body re-renders what shows it"
    );
    assert!(
        rendered > 0 && rendered <= 12,
        "{rendered} of {pages} pages rendered again"
    );
    let (path, ..) = step(&f, &mut served, "editing text after the summary", |f| {
        f.write("content/news/results.en.md", "---\ntitle: First results\ndate: 2024-03-01\npartners: [citeve]\ntags: [textile]\n---\nIntro.\n\n<!-- more -->\n\nMore details.\n");
        vec!["content/news/results.en.md"]
    });
    assert_eq!(path, Path::Outputs);
    let (path, ..) = step(&f, &mut served, "editing a partner's body", |f| {
        f.write(
            "content/partners/aeiti.en.md",
            "---\ntitle: AEITI Textile Cluster\ncountry: ES\nrole: coordinator\n---\nThe cluster of Terrassa.\n",
        );
        vec!["content/partners/aeiti.en.md"]
    });
    assert_eq!(path, Path::Outputs);
    let (path, ..) = step(&f, &mut served, "editing a meeting's body", |f| {
        f.write(
            "content/meetings/assembly.en.md",
            "---\ntitle: General assembly\ndate: \"2099-06-01 10:00\"\ntimezone: Europe/Madrid\nlocation: Prato, Italy\npartners: [aeiti]\n---\nAgenda and minutes.\n",
        );
        vec!["content/meetings/assembly.en.md"]
    });
    assert_eq!(path, Path::Outputs);
    let (path, ..) = step(
        &f,
        &mut served,
        "recording what a translation was made from",
        |f| {
            let (loaded, _) = herald::load::load_site(f.root());
            let source = loaded
                .unwrap()
                .content
                .iter()
                .find(|file| file.path.ends_with("kick-off.en.md"))
                .map(|file| herald::workflow::digest::translation_digest(file))
                .unwrap();
            f.write(
            "content/news/kick-off.es.md",
            &format!("---\ntitle: Arranque en Terrassa\nslug: arranque\ndate: 2024-01-15\npartners: [aeiti]\ntags: [reuniones]\ntranslated_from:\n  lang: en\n  digest: {source}\n---\nEl proyecto empezó.\n\nVer [resultados](@/news/results.md).\n"),
        );
            vec!["content/news/kick-off.es.md"]
        },
    );
    assert_eq!(
        path,
        Path::Outputs,
        "what a translation was made from shapes nothing"
    );
    let translation = "es/news/arranque/index.html";
    let before = served.files[translation].clone();
    let (path, ..) = step(
        &f,
        &mut served,
        "editing the source of a translation",
        |f| {
            f.write("content/news/kick-off.en.md", "---\ntitle: Kick-off in Terrassa\ndate: 2024-01-15\npartners: [aeiti, citeve]\ntags: [meetings, textile]\n---\nThe project started in March.\n\nSecond paragraph with [a link](@/news/results.md).\n\n## Next steps\n\nMore.\n");
            vec!["content/news/kick-off.en.md"]
        },
    );
    assert_eq!(path, Path::Outputs);
    assert_ne!(
        served.files[translation], before,
        "the translation now says that it may be out of date"
    );
    let (path, ..) = step(&f, &mut served, "editing two bodies at once", |f| {
        f.write(
            "content/pages/about.en.md",
            "---\ntitle: About\n---\nAbout the project, again.\n",
        );
        f.write(
            "content/pages/about.es.md",
            "---\ntitle: Acerca de\nslug: acerca\n---\nSobre el proyecto, otra vez.\n",
        );
        vec!["content/pages/about.en.md", "content/pages/about.es.md"]
    });
    assert_eq!(path, Path::Outputs);
    let (path, ..) = step(&f, &mut served, "a save that changed nothing", |_| {
        vec!["content/pages/about.en.md"]
    });
    assert_eq!(path, Path::Outputs);
    let (path, ..) = step(&f, &mut served, "retitling a news item", |f| {
        f.write(
            "content/news/later.en.md",
            "---\ntitle: Even later news\ndate: 2024-05-01\nsummary: What came later.\nauthor: Ana\n---\nA new body.\n",
        );
        vec!["content/news/later.en.md"]
    });
    assert_eq!(
        path,
        Path::Outputs,
        "the list's order holds with the new title"
    );
    let (path, ..) = step(&f, &mut served, "moving a meeting", |f| {
        f.write(
            "content/meetings/assembly.en.md",
            "---\ntitle: General assembly in Porto\ndate: \"2099-06-01 10:00\"\ntimezone: Europe/Madrid\nlocation: Porto, Portugal\nonline: true\npartners: [aeiti]\n---\nAgenda and minutes.\n",
        );
        vec!["content/meetings/assembly.en.md"]
    });
    assert_eq!(path, Path::Outputs);
    let (path, ..) = step(&f, &mut served, "a partner's country", |f| {
        f.write(
            "content/partners/citeve.en.md",
            "---\ntitle: CITEVE\ncountry: ES\ncity: Vigo\n---\nA technology centre.\n",
        );
        vec!["content/partners/citeve.en.md"]
    });
    assert_eq!(path, Path::Outputs);
    let (path, ..) = step(
        &f,
        &mut served,
        "a partner's title (the partner list's order)",
        |f| {
            f.write(
                "content/partners/citeve.en.md",
                "---\ntitle: A CITEVE\ncountry: ES\ncity: Vigo\n---\nA technology centre.\n",
            );
            vec!["content/partners/citeve.en.md"]
        },
    );
    assert_eq!(path, Path::Whole);
    // A reference holds its country's name, a UI string that the site can change without
    // touching the partner's file.
    step(
        &f,
        &mut served,
        "a country's name in the site's UI strings",
        |f| {
            f.write("i18n/en.yaml", "country_es: Kingdom of Spain\n");
            vec!["i18n/en.yaml"]
        },
    );
    assert!(
        served
            .files
            .iter()
            .any(|(path, bytes)| path.starts_with("en/meetings/")
                && String::from_utf8_lossy(bytes).contains("Kingdom of Spain")),
        "a meeting page names its partner's country by the site's own string"
    );
    let (path, ..) = step(&f, &mut served, "a second item on one day", |f| {
        f.write(
            "content/news/same-day.en.md",
            "---\ntitle: Same day\ndate: 2024-05-01\n---\nAlso then.\n",
        );
        vec!["content/news/same-day.en.md"]
    });
    assert_eq!(path, Path::Whole, "a new file shapes the site");
    let (path, ..) = step(
        &f,
        &mut served,
        "retitling one of two items of a day, in the same order",
        |f| {
            f.write(
            "content/news/later.en.md",
            "---\ntitle: Afterwards\ndate: 2024-05-01\nsummary: What came later.\nauthor: Ana\n---\nA new body.\n",
        );
            vec!["content/news/later.en.md"]
        },
    );
    assert_eq!(
        path,
        Path::Outputs,
        "`Afterwards` still comes before `Same day`"
    );
    let (path, ..) = step(&f, &mut served, "retitling it past the other", |f| {
        f.write(
            "content/news/later.en.md",
            "---\ntitle: Zero hour\ndate: 2024-05-01\nsummary: What came later.\nauthor: Ana\n---\nA new body.\n",
        );
        vec!["content/news/later.en.md"]
    });
    assert_eq!(path, Path::Whole, "the new title puts it after the other");
    let (path, ..) = step(&f, &mut served, "a key a news item cannot have", |f| {
        f.write(
            "content/news/later.en.md",
            "---\ntitle: Afterwards\ndate: 2024-05-01\nsummary: What came later.\nlocation: Terrassa\n---\nA new body.\n",
        );
        vec!["content/news/later.en.md"]
    });
    assert_eq!(path, Path::Failed);
    step(&f, &mut served, "removing it", |f| {
        f.write(
            "content/news/later.en.md",
            "---\ntitle: Afterwards\ndate: 2024-05-01\nsummary: What came later.\n---\nA new body.\n",
        );
        vec!["content/news/later.en.md"]
    });
    let (path, ..) = step(&f, &mut served, "a broken link in a body", |f| {
        f.write(
            "content/pages/about.en.md",
            "---\ntitle: About\n---\nSee [the plan](@/pages/plan.md).\n",
        );
        vec!["content/pages/about.en.md"]
    });
    assert_eq!(path, Path::Failed);
    let (path, ..) = step(&f, &mut served, "mending the link", |f| {
        f.write(
            "content/pages/about.en.md",
            "---\ntitle: About\n---\nSee [the news](@/news/results.md).\n",
        );
        vec!["content/pages/about.en.md"]
    });
    assert_eq!(
        path,
        Path::Whole,
        "after a failed build, the next one is whole"
    );
    step(&f, &mut served, "renaming a partner", |f| {
        f.write(
            "content/partners/citeve.en.md",
            "---\ntitle: CITEVE Technology Centre\ncountry: PT\n---\nA technology centre.\n",
        );
        vec!["content/partners/citeve.en.md"]
    });
    step(&f, &mut served, "changing a date (list order)", |f| {
        f.write("content/news/results.en.md", "---\ntitle: First results\ndate: 2023-03-01\npartners: [citeve]\ntags: [textile]\n---\nIntro.\n\n<!-- more -->\n\nDetails.\n");
        vec!["content/news/results.en.md"]
    });
    step(&f, &mut served, "adding a news item", |f| {
        f.write("content/news/new.en.md", "---\ntitle: Brand new\ndate: 2024-06-01\ntags: [textile]\npartners: [aeiti]\n---\nSee [the kick-off](@/news/kick-off.md).\n");
        vec!["content/news/new.en.md"]
    });
    step(&f, &mut served, "translating it", |f| {
        f.write(
            "content/news/new.es.md",
            "---\ntitle: Muy nuevo\nslug: muy-nuevo\ndate: 2024-06-01\n---\nTexto.\n",
        );
        vec!["content/news/new.es.md"]
    });
    step(
        &f,
        &mut served,
        "changing a slug that others link to",
        |f| {
            f.write("content/news/kick-off.en.md", "---\ntitle: Kick-off in Terrassa\nslug: start\ndate: 2024-01-15\npartners: [aeiti, citeve]\ntags: [meetings, textile]\n---\nThe project started.\n");
            vec!["content/news/kick-off.en.md"]
        },
    );
    step(&f, &mut served, "deleting an item", |f| {
        f.remove("content/news/new.es.md");
        vec!["content/news/new.es.md"]
    });
    step(&f, &mut served, "breaking the YAML", |f| {
        f.write("content/news/later.en.md", "---\ntitle: [broken\n---\n");
        vec!["content/news/later.en.md"]
    });
    step(&f, &mut served, "fixing it", |f| {
        f.write(
            "content/news/later.en.md",
            "---\ntitle: Later news, fixed\ndate: 2024-05-01\n---\nFixed.\n",
        );
        vec!["content/news/later.en.md"]
    });
    step(
        &f,
        &mut served,
        "a page that ends with its front matter",
        |f| {
            f.write("content/pages/bare.en.md", "---\ntitle: Bare\n---");
            vec!["content/pages/bare.en.md"]
        },
    );
    let (path, ..) = step(&f, &mut served, "typing after its closing line", |f| {
        f.write("content/pages/bare.en.md", "---\ntitle: Bare\n---Text");
        vec!["content/pages/bare.en.md"]
    });
    assert_eq!(path, Path::Failed, "`---Text` closes no front matter");
    step(&f, &mut served, "a body below it", |f| {
        f.write("content/pages/bare.en.md", "---\ntitle: Bare\n---\nText.\n");
        vec!["content/pages/bare.en.md"]
    });
    step(&f, &mut served, "two items of one day", |f| {
        f.write(
            "content/news/twin-a.en.md",
            "---\ntitle: Alpha\ndate: 2024-07-01\n---\nOne.\n",
        );
        f.write(
            "content/news/twin-b.en.md",
            "---\ntitle: Beta\ndate: 2024-07-01\n---\nTwo.\n",
        );
        vec!["content/news/twin-a.en.md", "content/news/twin-b.en.md"]
    });
    let (path, ..) = step(
        &f,
        &mut served,
        "retitling both in one save, swapping their order",
        |f| {
            f.write(
                "content/news/twin-a.en.md",
                "---\ntitle: Bc\ndate: 2024-07-01\n---\nOne.\n",
            );
            f.write(
                "content/news/twin-b.en.md",
                "---\ntitle: Bb\ndate: 2024-07-01\n---\nTwo.\n",
            );
            vec!["content/news/twin-a.en.md", "content/news/twin-b.en.md"]
        },
    );
    assert_eq!(
        path,
        Path::Whole,
        "each title keeps its place only against the other's old one"
    );
    let (path, rendered, _) = step(&f, &mut served, "overriding a template", |f| {
        f.write("templates/news.html", "{% extends \"base.html\" %}{% block content %}<h1 class=\"custom\">{{ item.title }}</h1>{{ item.content | safe }}{% endblock content %}");
        vec!["templates/news.html"]
    });
    let news_pages = served
        .files
        .keys()
        .filter(|p| p.contains("/news/") && !p.contains("/page/") && p.ends_with("/index.html"))
        .count();
    assert_eq!(path, Path::Whole);
    assert!(
        rendered <= news_pages,
        "{rendered} pages rendered again, but only the {news_pages} news pages use news.html"
    );
    let (_, rendered, pages) = step(&f, &mut served, "overriding a partial of every page", |f| {
        f.write(
            "templates/partials/footer.html",
            "<footer class=\"site-footer\">Our own footer</footer>",
        );
        vec!["templates/partials/footer.html"]
    });
    assert!(
        rendered == pages,
        "{rendered} of {pages} pages rendered again"
    );
    step(&f, &mut served, "a component that every page calls", |f| {
        f.write(
            "templates/partials/stamp.html",
            "{% component stamp() %}<small>version one</small>{% endcomponent %}",
        );
        f.write(
            "templates/partials/footer.html",
            "<footer class=\"site-footer\">Our own footer {{ <stamp/> }}</footer>",
        );
        vec![
            "templates/partials/stamp.html",
            "templates/partials/footer.html",
        ]
    });
    let (_, rendered, pages) = step(&f, &mut served, "editing only the component", |f| {
        f.write(
            "templates/partials/stamp.html",
            "{% component stamp() %}<small>version two</small>{% endcomponent %}",
        );
        vec!["templates/partials/stamp.html"]
    });
    assert!(
        served.files["en/news/later/index.html"]
            .windows(11)
            .any(|w| w == b"version two"),
        "the page shows the new component"
    );
    assert_eq!(rendered, pages, "every page calls the component");
    step(&f, &mut served, "changing the configuration", |f| {
        let config = f
            .read("site.yaml")
            .replace("pagination: 2", "pagination: 3");
        f.write("site.yaml", &config);
        vec!["site.yaml"]
    });
    step(&f, &mut served, "adding a static file", |f| {
        f.write("static/robots-extra.txt", "hello");
        vec!["static/robots-extra.txt"]
    });
    let (path, ..) = step(&f, &mut served, "editing a static file", |f| {
        f.write("static/robots-extra.txt", "hello again");
        vec!["static/robots-extra.txt"]
    });
    assert_eq!(path, Path::Outputs, "a static file is only copied");
}
