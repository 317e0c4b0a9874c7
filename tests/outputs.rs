//! The machine-readable outputs of a build: feeds, calendars, sitemap, robots.txt, JSON-LD,
//! search indexes, and fallback pages for missing translations.

mod common;

use common::{Fixture, stderr};

fn built(fixture: Fixture) -> Fixture {
    let output = fixture.build();
    assert!(
        output.status.success(),
        "build failed:\n{}",
        stderr(&output)
    );
    fixture
}

/// Parses `xml` completely; returns how many elements named `name` it has.
fn count_elements(xml: &str, name: &str) -> usize {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut count = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e)) | Ok(quick_xml::events::Event::Empty(e))
                if e.name().as_ref() == name.as_bytes() =>
            {
                count += 1;
            }
            Ok(quick_xml::events::Event::Eof) => return count,
            Err(err) => panic!("not well-formed XML: {err}\n{xml}"),
            _ => {}
        }
    }
}

#[test]
fn atom_feeds_per_language_and_section() {
    let f = built(Fixture::small());
    let feed = f.read("public/en/atom.xml");
    assert!(feed.contains(r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">"#));
    // Three published English news items and one meeting; no draft, no future news.
    assert_eq!(count_elements(&feed, "entry"), 4);
    assert!(!feed.contains("Draft news") && !feed.contains("Future news"));
    // Full content, escaped, with a base for relative links.
    assert!(feed.contains("&lt;h2 id=&quot;next-steps&quot;&gt;Next steps&lt;/h2&gt;"));
    assert!(feed.contains(r#"<entry xml:base="https://test.example.eu/en/news/kick-off/">"#));
    assert!(feed.contains(r#"<link rel="self" type="application/atom+xml" href="https://test.example.eu/en/atom.xml"/>"#));
    let news = f.read("public/en/news/atom.xml");
    assert_eq!(count_elements(&news, "entry"), 3);
    let es = f.read("public/es/news/atom.xml");
    assert!(es.contains(r#"xml:lang="es""#));
    assert_eq!(count_elements(&es, "entry"), 1);
    assert!(f.path("public/ca/meetings/atom.xml").is_file());
}

#[test]
fn feeds_are_bounded_by_feed_limit() {
    let f = Fixture::small();
    let config = f
        .read("site.yaml")
        .replace("pagination: 2", "pagination: 2\nfeed_limit: 2");
    f.write("site.yaml", &config);
    let f = built(f);
    assert_eq!(
        count_elements(&f.read("public/en/news/atom.xml"), "entry"),
        2
    );
    assert_eq!(count_elements(&f.read("public/en/atom.xml"), "entry"), 2);
}

#[test]
fn icalendar_files_follow_rfc_5545() {
    let f = built(Fixture::small());
    let all = f.read("public/en/meetings/calendar.ics");
    let one = f.read("public/en/meetings/assembly/calendar.ics");
    for ics in [&all, &one] {
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "line longer than 75 octets: {line}");
            assert!(!line.contains('\n'), "bare LF in: {line}");
        }
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains("UID:meetings-assembly@test.example.eu\r\n"));
        assert!(unfolded.contains("DTSTART;TZID=Europe/Madrid:20990601T100000\r\n"));
        assert!(unfolded.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Madrid\r\n"));
        assert!(
            unfolded.contains("LOCATION:Prato\\, Italy\r\n"),
            "commas are escaped"
        );
        assert!(unfolded.contains("URL:https://test.example.eu/en/meetings/assembly/\r\n"));
    }
    // The same meeting keeps its UID in every build.
    let again = f.build();
    assert!(again.status.success());
    assert_eq!(f.read("public/en/meetings/calendar.ics"), all);
}

#[test]
fn all_day_meetings_use_dates() {
    let f = Fixture::small();
    f.write("content/meetings/workshop.en.md", "---\ntitle: Workshop; day one, two\ndate: 2024-04-10\nend_date: 2024-04-11\nonline: true\n---\nText.\n");
    let f = built(f);
    let ics = f
        .read("public/en/meetings/workshop/calendar.ics")
        .replace("\r\n ", "");
    assert!(ics.contains("DTSTART;VALUE=DATE:20240410\r\n"));
    assert!(
        ics.contains("DTEND;VALUE=DATE:20240412\r\n"),
        "DTEND is exclusive"
    );
    assert!(ics.contains("SUMMARY:Workshop\\; day one\\, two\r\n"));
}

#[test]
fn sitemap_lists_translations_as_alternates() {
    let f = built(Fixture::small());
    let sitemap = f.read("public/sitemap.xml");
    count_elements(&sitemap, "url");
    assert!(sitemap.contains(r#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">"#));
    let entry = sitemap
        .split("<url>")
        .find(|e| e.contains("<loc>https://test.example.eu/es/news/arranque/</loc>"))
        .expect("the Spanish news item is in the sitemap");
    assert!(entry.contains(r#"<xhtml:link rel="alternate" hreflang="en" href="https://test.example.eu/en/news/kick-off/"/>"#));
    assert!(entry.contains(r#"<xhtml:link rel="alternate" hreflang="es" href="https://test.example.eu/es/news/arranque/"/>"#));
    assert!(
        entry.contains(r#"hreflang="x-default" href="https://test.example.eu/en/news/kick-off/""#)
    );
    assert!(
        !entry.contains(r#"hreflang="ca""#),
        "no alternate for a missing translation"
    );
    assert!(
        !sitemap.contains("/ca/news/kick-off/"),
        "fallback pages are not in the sitemap"
    );
    assert!(!sitemap.contains("draft"));
    let robots = f.read("public/robots.txt");
    assert!(robots.contains("Sitemap: https://test.example.eu/sitemap.xml"));
}

/// The text of the first JSON-LD script of `html`.
fn json_ld(html: &str) -> serde_json::Value {
    let start = html
        .find(r#"<script type="application/ld+json">"#)
        .expect("a JSON-LD script")
        + 35;
    let end = start + html[start..].find("</script>").expect("closed");
    serde_json::from_str(&html[start..end])
        .unwrap_or_else(|e| panic!("JSON-LD does not parse: {e}\n{}", &html[start..end]))
}

#[test]
fn json_ld_survives_hostile_titles() {
    let f = Fixture::small();
    let title = "Results </script><script>alert(1)</script> & <!-- more";
    f.write(
        "content/news/hostile.en.md",
        &format!("---\ntitle: '{title}'\ndate: 2024-02-01\n---\nBody.\n"),
    );
    let f = built(f);
    let html = f.read("public/en/news/hostile/index.html");
    let value = json_ld(&html);
    assert_eq!(value["@type"], "NewsArticle");
    assert_eq!(value["headline"], title);
    assert!(!html.contains("<script>alert(1)</script>"));
}

#[test]
fn json_ld_for_events_and_organizations() {
    let f = built(Fixture::small());
    let event = json_ld(&f.read("public/en/meetings/assembly/index.html"));
    assert_eq!(event["@type"], "Event");
    assert_eq!(
        event["eventAttendanceMode"],
        "https://schema.org/OfflineEventAttendanceMode"
    );
    assert_eq!(event["startDate"], "2099-06-01T10:00:00+02:00");
    let org = json_ld(&f.read("public/en/partners/aeiti/index.html"));
    assert_eq!(org["@type"], "Organization");
    assert_eq!(org["address"]["addressCountry"], "ES");
    let home = json_ld(&f.read("public/en/index.html"));
    assert_eq!(home["@type"], "WebSite");
}

#[test]
fn fallback_pages_show_the_original_with_a_canonical_link() {
    let f = built(Fixture::small());
    let page = f.read("public/ca/news/kick-off/index.html");
    assert!(page.contains(r#"<html lang="ca""#));
    assert!(
        page.contains("The project started."),
        "the original text is shown"
    );
    assert!(
        page.contains(r#"<link rel="canonical" href="https://test.example.eu/en/news/kick-off/">"#)
    );
    assert!(page.contains(r#"<meta name="robots" content="noindex">"#));
    assert!(
        page.contains(r#"lang="en""#),
        "the English text is marked as English"
    );
    // The language switcher of the original leads there.
    let en = f.read("public/en/news/kick-off/index.html");
    assert!(en.contains(r#"href="/ca/news/kick-off/""#));
    // Not in the Catalan lists unless the site asks for it.
    assert!(
        !f.read("public/ca/news/index.html")
            .contains("Kick-off in Terrassa")
    );
}

#[test]
fn untranslated_items_in_lists_when_configured() {
    let f = Fixture::small();
    let config = f.read("site.yaml").replace(
        "pagination: 2",
        "pagination: 10\nuntranslated: {in_lists: true}",
    );
    f.write("site.yaml", &config);
    let f = built(f);
    let list = f.read("public/ca/news/index.html");
    assert!(list.contains("Kick-off in Terrassa"));
    assert!(list.contains("/ca/news/kick-off/"));
}

#[test]
fn switcher_can_lead_to_section_lists_instead() {
    let f = Fixture::small();
    let config = f.read("site.yaml").replace(
        "pagination: 2",
        "pagination: 2\nuntranslated: {switcher: section}",
    );
    f.write("site.yaml", &config);
    let f = built(f);
    assert!(!f.path("public/ca/news/kick-off").exists());
    assert!(
        f.read("public/en/news/kick-off/index.html")
            .contains(r#"href="/ca/news/""#)
    );
}

#[test]
fn open_graph_and_hreflang_x_default() {
    let f = built(Fixture::small());
    let page = f.read("public/es/news/arranque/index.html");
    assert!(
        page.contains(r#"hreflang="x-default" href="https://test.example.eu/en/news/kick-off/""#),
        "{page}"
    );
    assert!(page.contains(r#"<meta property="og:locale" content="es_ES">"#));
    assert!(page.contains(r#"<meta property="og:locale:alternate" content="en_GB">"#));
    assert!(page.contains(r#"<meta property="og:type" content="article">"#));
}

#[test]
fn search_index_per_language() {
    let f = built(Fixture::small());
    let index: serde_json::Value =
        serde_json::from_str(&f.read("public/en/search-index.json")).unwrap();
    let titles: Vec<&str> = index
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["t"].as_str().unwrap())
        .collect();
    assert!(titles.contains(&"Kick-off in Terrassa"));
    assert!(!titles.contains(&"Arranque en Terrassa"));
    assert!(f.path("public/en/search/index.html").is_file());
}
