//! Building fixture sites and the demonstration site, and checking the produced files.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{Fixture, stderr};

fn built_small() -> Fixture {
    let fixture = Fixture::small();
    let output = fixture.build();
    assert!(
        output.status.success(),
        "build failed:\n{}",
        stderr(&output)
    );
    fixture
}

#[test]
fn output_files_of_a_small_site() {
    let fixture = built_small();
    let files: Vec<String> = fixture.output().into_keys().collect();
    insta::assert_snapshot!(files.join("\n"));
}

/// Pages are written while others are rendered; a previous output with a file where the site
/// now has a folder (and a folder where it has a file) cannot take them in place, and is
/// replaced as a whole by what a build into a fresh folder gives.
#[test]
fn a_rebuild_over_an_output_in_the_way_gives_a_fresh_build() {
    let fixture = built_small();
    let fresh = fixture.output();
    let page = fixture.path("public/en/news/kick-off");
    std::fs::remove_dir_all(&page).unwrap();
    std::fs::write(&page, "a file where a folder goes").unwrap();
    std::fs::remove_file(fixture.path("public/index.html")).unwrap();
    std::fs::create_dir_all(fixture.path("public/index.html/inside")).unwrap();
    let again = fixture.build();
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(fixture.output(), fresh);
}

#[test]
fn items_get_their_urls_and_translated_slugs() {
    let f = built_small();
    assert!(f.path("public/en/news/kick-off/index.html").is_file());
    assert!(f.path("public/es/news/arranque/index.html").is_file());
    assert!(
        f.path("public/es/acerca/index.html").is_file(),
        "pages live at /<lang>/<slug>/"
    );
    assert!(f.path("public/en/partners/aeiti/index.html").is_file());
}

#[test]
fn drafts_and_future_news_are_left_out_but_future_meetings_are_kept() {
    let f = built_small();
    assert!(!f.path("public/en/news/draft").exists());
    assert!(!f.path("public/en/news/future").exists());
    assert!(f.path("public/en/meetings/assembly/index.html").is_file());
    let home = f.read("public/en/index.html");
    assert!(
        home.contains("General assembly"),
        "upcoming meetings are on the home page"
    );
    let list = f.read("public/en/news/index.html");
    assert!(!list.contains("Draft news") && !list.contains("Future news"));
}

#[test]
fn drafts_and_future_flags_put_them_in() {
    let f = Fixture::small();
    let output = f.herald(&["build", "--drafts", "--future"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        f.read("public/en/news/draft/index.html").contains("Draft"),
        "drafts are marked"
    );
    assert!(
        f.read("public/en/news/future/index.html")
            .contains("Scheduled"),
        "future news are marked"
    );
}

#[test]
fn partners_without_a_country_are_listed_last() {
    let f = Fixture::small();
    f.write(
        "content/partners/nowhere.en.md",
        "---\ntitle: Nowhere Ltd\n---\nNo country given.\n",
    );
    let output = f.build();
    assert!(output.status.success(), "{}", stderr(&output));
    let list = f.read("public/en/partners/index.html");
    let other = list.find("Nowhere Ltd").expect("listed");
    assert!(
        list.find("AEITI").expect("listed") < other && list.find("CITEVE").expect("listed") < other
    );
}

#[test]
fn countries_are_named_in_the_page_language_and_ordered_by_that_name() {
    let f = Fixture::small();
    // The EU writes UK for the United Kingdom: in Spanish "Reino Unido", before Sweden
    // ("Suecia") by name, where the code would put it after.
    for (file, text) in [
        ("lboro.en.md", "title: Loughborough University\ncountry: UK"),
        (
            "lboro.es.md",
            "title: Universidad de Loughborough\ncountry: uk",
        ),
        ("ri.es.md", "title: RISE\ncountry: SE"),
        ("far.es.md", "title: Far Away Inc\ncountry: XQ"),
    ] {
        f.write(
            &format!("content/partners/{file}"),
            &format!("---\n{text}\n---\nA partner.\n"),
        );
    }
    let output = f.build();
    assert!(output.status.success(), "{}", stderr(&output));
    let list = f.read("public/es/partners/index.html");
    let at = |text: &str| list.find(text).unwrap_or_else(|| panic!("{text}: {list}"));
    assert!(at(">Reino Unido<") < at(">Suecia<") && at(">Suecia<") < at(">XQ<"));
    let page = f.read("public/es/partners/lboro/index.html");
    assert!(page.contains("<dd>Reino Unido</dd>"), "{page}");
    assert!(
        f.read("public/es/partners/far/index.html")
            .contains("<dd>XQ</dd>")
    );
}

#[test]
fn pages_link_their_translations_with_hreflang() {
    let f = built_small();
    let en = f.read("public/en/news/kick-off/index.html");
    assert!(en.contains(r#"<html lang="en""#));
    assert!(
        en.contains(r#"hreflang="es" href="https://test.example.eu/es/news/arranque/""#),
        "{en}"
    );
    let es = f.read("public/es/news/arranque/index.html");
    assert!(es.contains(r#"<html lang="es""#));
    assert!(es.contains(r#"hreflang="en" href="https://test.example.eu/en/news/kick-off/""#));
    // Not translated into Catalan: the switcher leads to the Catalan fallback page.
    assert!(en.contains(r#"href="/ca/news/kick-off/""#), "{en}");
    assert!(!en.contains(r#"hreflang="ca" href="https://test.example.eu/ca/news/kick-off/""#));
}

/// The switcher marks the languages a page is not translated into and explains the mark once;
/// a fallback page, itself the missing translation, links only translations and has no note.
#[test]
fn the_switcher_explains_untranslated_languages_only_where_it_marks_one() {
    let f = built_small();
    let en = f.read("public/en/news/kick-off/index.html");
    assert!(
        en.contains(r#"<a class="untranslated" href="/ca/news/kick-off/" hreflang="ca""#),
        "{en}"
    );
    assert_eq!(
        en.matches(r#"aria-describedby="switcher-untranslated""#)
            .count(),
        1
    );
    assert_eq!(en.matches(r#"id="switcher-untranslated""#).count(), 1);
    let ca = f.read("public/ca/news/kick-off/index.html");
    assert!(ca.contains(r#"hreflang="ca" aria-current="true""#), "{ca}");
    assert!(!ca.contains("switcher-untranslated"), "{ca}");
}

/// The trail names the home page by the site title up to its first ` — `; the page's own
/// title keeps all of it.
#[test]
fn breadcrumbs_shorten_a_long_site_title() {
    let f = Fixture::small();
    let config = f.read("site.yaml").replace(
        "title: {en: Test Project,",
        "title: {en: Test Project — Textiles for tomorrow,",
    );
    f.write("site.yaml", &config);
    let output = f.build();
    assert!(output.status.success(), "{}", stderr(&output));
    let page = f.read("public/en/news/kick-off/index.html");
    assert!(
        page.contains(r#"<li><a href="/en/">Test Project</a></li>"#),
        "{page}"
    );
    assert!(
        page.contains("<title>Kick-off in Terrassa · Test Project — Textiles for tomorrow</title>")
    );
    let es = f.read("public/es/news/arranque/index.html");
    assert!(
        es.contains(r#"<li><a href="/es/">Proyecto de prueba</a></li>"#),
        "{es}"
    );
}

#[test]
fn partner_pages_list_the_items_that_name_them() {
    let f = built_small();
    let aeiti = f.read("public/en/partners/aeiti/index.html");
    assert!(aeiti.contains("Kick-off in Terrassa"));
    assert!(aeiti.contains("General assembly"));
    assert!(!aeiti.contains("First results"));
    let aeiti_es = f.read("public/es/partners/aeiti/index.html");
    assert!(
        aeiti_es.contains("Arranque en Terrassa"),
        "related items are in the partner page's language"
    );
    let citeve = f.read("public/en/partners/citeve/index.html");
    assert!(citeve.contains("First results") && citeve.contains("Kick-off in Terrassa"));
}

#[test]
fn news_name_their_partners() {
    let f = built_small();
    let news = f.read("public/en/news/kick-off/index.html");
    assert!(news.contains(r#"href="/en/partners/aeiti/""#));
    // The Spanish news names a partner that only the Spanish site has a page for in Spanish.
    let es = f.read("public/es/news/arranque/index.html");
    assert!(es.contains(r#"href="/es/partners/aeiti/""#));
}

#[test]
fn internal_links_lead_to_the_same_language() {
    let f = built_small();
    let en = f.read("public/en/news/kick-off/index.html");
    assert!(
        en.contains(r#"<a href="/en/news/results/">a link</a>"#),
        "{en}"
    );
    // `results` has no Spanish version: the link leads to its Spanish fallback page (the English
    // text under /es/), with a warning.
    let es = f.read("public/es/news/arranque/index.html");
    assert!(
        es.contains(r#"<a href="/es/news/results/">resultados</a>"#),
        "{es}"
    );
    let output = f.build();
    assert!(
        stderr(&output).contains("is not translated into es"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn markdown_gets_heading_ids_and_summaries() {
    let f = built_small();
    let page = f.read("public/en/news/kick-off/index.html");
    assert!(page.contains(r#"<h2 id="next-steps">Next steps</h2>"#));
    // The text before <!-- more -->, else the first paragraph.
    let first = f.read("public/en/news/index.html");
    assert!(first.contains("Intro.") && !first.contains("Details."));
    let second = f.read("public/en/news/page/2/index.html");
    assert!(second.contains("The project started.") && !second.contains("Second paragraph"));
}

#[test]
fn lists_paginate() {
    let f = built_small();
    // Three published English news items, two per page.
    let first = f.read("public/en/news/index.html");
    assert!(first.contains("Later news") && first.contains("First results"));
    assert!(first.contains(r#"href="/en/news/page/2/""#));
    let second = f.read("public/en/news/page/2/index.html");
    assert!(second.contains("Kick-off in Terrassa"));
    assert!(!f.path("public/en/news/page/3").exists());
}

#[test]
fn tags_per_language() {
    let f = built_small();
    let textile = f.read("public/en/tags/textile/index.html");
    assert!(textile.contains("Kick-off in Terrassa") && textile.contains("First results"));
    assert!(f.path("public/es/tags/reuniones/index.html").is_file());
    assert!(!f.path("public/es/tags/textile").exists());
    assert!(
        f.read("public/en/tags/index.html")
            .contains("/en/tags/meetings/")
    );
}

#[test]
fn an_item_shows_its_own_tags() {
    // Tags are sorted by name after items point at them: each item must keep its own.
    let f = Fixture::small();
    f.write(
        "content/news/zebra.en.md",
        "---\ntitle: Zebra\ndate: 2024-06-01\ntags: [zoo, animals]\n---\nBody.\n",
    );
    assert!(f.build().status.success());
    let tag_links = |page: &str| -> Vec<String> {
        let html = f.read(page);
        let mut links: Vec<String> = html
            .split("\" rel=\"tag\"")
            .filter_map(|before| before.rsplit("href=\"/en/tags/").next())
            .filter(|slug| slug.ends_with('/') && !slug.contains('"'))
            .map(|slug| slug.trim_end_matches('/').to_string())
            .collect();
        links.sort();
        links.dedup();
        links
    };
    assert_eq!(
        tag_links("public/en/news/zebra/index.html"),
        ["animals", "zoo"]
    );
    assert_eq!(
        tag_links("public/en/news/kick-off/index.html"),
        ["meetings", "textile"]
    );
    let feed = f.read("public/en/atom.xml");
    let zebra = &feed[feed
        .find("<title>Zebra</title>")
        .expect("zebra in the feed")..];
    let zebra = &zebra[..zebra.find("</entry>").unwrap()];
    assert!(
        zebra.contains("term=\"zoo\"") && zebra.contains("term=\"animals\""),
        "{zebra}"
    );
}

#[test]
fn dates_are_written_per_language() {
    let f = built_small();
    assert!(
        f.read("public/en/news/kick-off/index.html")
            .contains("15 January 2024")
    );
    assert!(
        f.read("public/es/news/arranque/index.html")
            .contains("15 de enero de 2024")
    );
    // Cards too, with the section's label on lists that mix sections.
    let tag = f.read("public/es/tags/reuniones/index.html");
    assert!(tag.contains(r#"<p class="kicker">Noticia</p>"#), "{tag}");
    assert!(
        tag.contains(r#"<time datetime="2024-01-15">15 de enero de 2024</time>"#),
        "{tag}"
    );
    let list = f.read("public/en/news/index.html");
    assert!(
        list.contains(r#"<time datetime="2024-03-01">1 March 2024</time>"#),
        "{list}"
    );
    assert!(!list.contains(r#"class="kicker""#), "{list}");
}

#[test]
fn root_page_chooses_a_language() {
    let f = built_small();
    let root = f.read("public/index.html");
    for lang in ["/en/", "/es/", "/ca/"] {
        assert!(
            root.contains(&format!(r#"href="{lang}""#)),
            "plain link to {lang}:\n{root}"
        );
    }
    assert!(
        root.contains("navigator.languages"),
        "a script picks the browser's language"
    );
    assert!(f.path("public/404.html").is_file());
    assert!(f.path("public/es/404.html").is_file());
}

#[test]
fn bom_crlf_and_editor_leftovers() {
    let f = Fixture::small();
    f.write(
        "content/news/windows.en.md",
        "\u{feff}---\r\ntitle: Saved on Windows\r\ndate: 2024-02-01\r\n---\r\nBody with CRLF.\r\n",
    );
    f.write("content/news/.windows.en.md.swp", "binary junk \u{0}");
    f.write("content/news/windows.en.md~", "---\nnot: front matter\n");
    f.write("content/news/.#windows.en.md", "lock");
    let output = f.build();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        f.read("public/en/news/windows/index.html")
            .contains("Body with CRLF.")
    );
}

#[test]
fn bundles_carry_their_files_to_every_language() {
    let f = Fixture::small();
    f.write("content/news/visit/index.en.md", "---\ntitle: Visit\ndate: 2024-02-01\nimage: {src: photo.png, alt: A loom}\n---\n![A loom](photo.png)\n");
    f.write("content/news/visit/index.es.md", "---\ntitle: Visita\nslug: visita\ndate: 2024-02-01\nimage: {src: photo.png, alt: Un telar}\n---\n![Un telar](photo.png)\n");
    f.write_bytes("content/news/visit/photo.png", b"\x89PNG fake");
    let output = f.build();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(f.path("public/en/news/visit/photo.png").is_file());
    assert!(f.path("public/es/news/visita/photo.png").is_file());
    assert!(
        f.read("public/en/news/visit/index.html")
            .contains(r#"src="/en/news/visit/photo.png""#)
    );
}

#[test]
fn translation_key_links_files_with_different_names() {
    let f = Fixture::small();
    f.write(
        "content/news/reunion.es.md",
        "---\ntitle: Reunión\ndate: 2024-05-01\ntranslation_key: later\n---\nCuerpo.\n",
    );
    let output = f.build();
    assert!(output.status.success(), "{}", stderr(&output));
    let en = f.read("public/en/news/later/index.html");
    assert!(
        en.contains(r#"hreflang="es" href="https://test.example.eu/es/news/reunion/""#),
        "{en}"
    );
}

#[test]
fn aliases_redirect() {
    let f = Fixture::small();
    f.write(
        "content/news/moved.en.md",
        "---\ntitle: Moved\ndate: 2024-02-01\naliases: [/old/moved-news/]\n---\nBody.\n",
    );
    assert!(f.build().status.success());
    let alias = f.read("public/old/moved-news/index.html");
    assert!(alias.contains("https://test.example.eu/en/news/moved/"));
}

#[test]
fn a_site_without_themes_folder_uses_the_built_in_theme() {
    let f = built_small();
    assert!(!f.path("themes").exists());
    assert!(f.path("public/css/style.css").is_file());
}

#[test]
fn site_templates_override_the_theme() {
    let f = Fixture::small();
    f.write("templates/page.html", "{% extends \"base.html\" %}{% block content %}<p class=\"custom\">{{ item.title }}</p>{% endblock content %}");
    assert!(f.build().status.success());
    assert!(
        f.read("public/en/about/index.html")
            .contains(r#"<p class="custom">About</p>"#)
    );
}

#[test]
fn base_url_with_a_path_prefixes_every_url() {
    let f = Fixture::small();
    let output = f.herald(&["build", "--base-url", "https://host.example.org/project/"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let page = f.read("public/en/news/kick-off/index.html");
    assert!(page.contains(r#"href="/project/en/partners/aeiti/""#));
    assert!(page.contains(r#"href="https://host.example.org/project/en/news/kick-off/""#));
    assert!(page.contains(r#"<link rel="stylesheet" href="/project/css/style.css">"#));
}

/// Every `href` and `src` inside the site must lead to a file that exists.
fn broken_links(public: &Path, base_url: &str) -> Vec<String> {
    let mut broken = Vec::new();
    for entry in walkdir::WalkDir::new(public)
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.path().extension().is_none_or(|e| e != "html") {
            continue;
        }
        let html = std::fs::read_to_string(entry.path()).unwrap();
        for attr in ["href=\"", "src=\""] {
            for part in html.split(attr).skip(1) {
                let link = part.split('"').next().unwrap_or_default();
                let link = link.strip_prefix(base_url).unwrap_or(link);
                if link.is_empty() {
                    broken.push(format!("{}: empty link", entry.path().display()));
                    continue;
                }
                if link.contains("://")
                    || link.starts_with('#')
                    || link.starts_with("mailto:")
                    || link.starts_with("data:")
                {
                    continue;
                }
                let path = link.split(['#', '?']).next().unwrap_or_default();
                let target = if let Some(abs) = path.strip_prefix('/') {
                    public.join(abs)
                } else {
                    entry.path().parent().unwrap().join(path)
                };
                let target = if target.is_dir() {
                    target.join("index.html")
                } else {
                    target
                };
                if !target.is_file() {
                    broken.push(format!("{}: {link}", entry.path().display()));
                }
            }
        }
    }
    broken
}

#[test]
fn the_demonstration_site_builds_completely() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["build", "--output"])
        .arg(&public)
        .current_dir(repo)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        !stderr(&output).contains("warning"),
        "the demonstration site builds without warnings:\n{}",
        stderr(&output)
    );
    assert_eq!(
        broken_links(&public, "https://circuweave.example.eu"),
        Vec::<String>::new()
    );

    let mut html_pages = 0;
    for entry in walkdir::WalkDir::new(&public)
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.path().extension().is_none_or(|e| e != "html") {
            continue;
        }
        let html = std::fs::read_to_string(entry.path()).unwrap();
        if html.contains("http-equiv=\"refresh\"") {
            continue; // alias redirects
        }
        html_pages += 1;
        assert!(html.contains("<html lang=\""), "{}", entry.path().display());
        if entry.path() != public.join("index.html") {
            assert!(
                html.contains("class=\"language-switcher\""),
                "no switcher: {}",
                entry.path().display()
            );
        }
    }
    assert!(html_pages > 150, "only {html_pages} pages");

    // The demonstration site has what the issue asks for.
    let langs: BTreeSet<&str> = ["en", "es", "ca"].into();
    for lang in &langs {
        assert!(
            public.join(lang).join("news/page/2/index.html").is_file(),
            "news paginate in {lang}"
        );
    }
    let partner = std::fs::read_to_string(public.join("en/partners/actev/index.html")).unwrap();
    assert!(
        partner.contains("/en/news/") && partner.contains("/en/meetings/"),
        "partner pages list related news and meetings"
    );
}

#[test]
fn stale_translations_say_so() {
    let f = Fixture::small();
    // A Spanish translation that records a digest the English source no longer has.
    f.write(
        "content/news/later.es.md",
        "---\ntitle: Noticia posterior\ndate: 2024-05-01\ntranslated_from: {lang: en, digest: \"0000000000000000\"}\n---\nCuerpo.\n",
    );
    let output = f.build();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        f.read("public/es/news/later/index.html")
            .contains("notice-stale")
    );
    assert!(
        !f.read("public/en/news/later/index.html")
            .contains("notice-stale")
    );
}
