//! `herald check`: it finds each planted problem, and only those; it writes nothing.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use common::{Fixture, SITE_YAML, stderr};

fn check(site: &Fixture, args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let output = site.herald(&all);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)));
    (output.status.code(), json, stderr(&output))
}

/// `file:line message` of each entry of `list` ("errors" or "warnings").
fn entries(json: &serde_json::Value, list: &str) -> Vec<String> {
    json[list]
        .as_array()
        .expect("a list")
        .iter()
        .map(|d| {
            format!(
                "{}:{} {}",
                d["file"].as_str().unwrap(),
                d["line"],
                d["message"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn a_clean_site_passes_and_nothing_is_written() {
    let site = Fixture::small();
    let (code, json, _) = check(&site, &[]);
    assert_eq!(code, Some(0), "{json:#}");
    assert_eq!(entries(&json, "errors"), Vec::<String>::new());
    assert!(json["pages"].as_u64().unwrap() > 20);
    assert!(json["links"].as_u64().unwrap() > 100);
    assert!(!site.path("public").exists(), "check writes nothing");
}

#[test]
fn finds_each_planted_problem_and_only_those() {
    let site = Fixture::small();
    site.write(
        "content/news/visit/index.en.md",
        "---\ntitle: Visit to Prato\ndate: 2024-02-01\nimage:\n  src: photo.png\n---\n\
         Intro.\n\n\
         A [broken link](/en/nothing-here/).\n\n\
         A [missing anchor](@/news/kick-off.md#no-such-heading).\n\n\
         A [good anchor](@/news/kick-off.md#next-steps) and a [local one](#details).\n\n\
         ![](photo.png)\n\n\
         ![A missing picture](missing.jpg)\n\n\
         ## Details\n\nText.\n",
    );
    site.write_bytes("content/news/visit/photo.png", &png(40, 30));
    let (code, json, _) = check(&site, &[]);
    assert_eq!(code, Some(1), "{json:#}");
    let errors = entries(&json, "errors");
    let file = "content/news/visit/index.en.md";
    assert_eq!(
        errors,
        [
            format!("{file}:4 the image has no description (`alt`)"),
            format!(
                "{file}:9 broken link: `/en/nothing-here/` leads to no page or file of the site"
            ),
            format!(
                "{file}:11 broken anchor: the page `@/news/kick-off.md#no-such-heading` leads to has no `#no-such-heading`"
            ),
            format!("{file}:15 this image has no description (alt text)"),
            format!("{file}:17 missing image: `missing.jpg` is not a file of the site"),
        ],
        "{json:#}"
    );
    // Each with a hint.
    assert!(
        json["errors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["hint"].is_string())
    );
    assert_eq!(json["warnings"].as_array().unwrap().len(), 1, "{json:#}");
}

#[test]
fn text_output_shows_the_source_line_and_a_summary() {
    let site = Fixture::small();
    site.write(
        "content/pages/contact.en.md",
        "---\ntitle: Contact\n---\nWrite to [us](/en/contact-form/).\n",
    );
    let output = site.herald(&["check"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(text.contains("content/pages/contact.en.md:4:10"), "{text}");
    assert!(text.contains("Write to [us](/en/contact-form/)."), "{text}");
    assert!(text.contains("1 error, 1 warning"), "{text}");
    assert!(!text.contains("panicked"), "{text}");
}

#[test]
fn a_broken_link_in_a_template_is_reported_once_with_its_page_count() {
    let site = Fixture::small();
    site.write(
        "templates/partials/footer_extra.html",
        "<a href=\"/legal-notice/\">Legal</a>",
    );
    // The site's own base template: the theme's, with a broken link added.
    let base = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates/base.html"),
    )
    .unwrap();
    site.write(
        "templates/base.html",
        &base.replacen("</body>", "<a href=\"/legal-notice/\">Legal</a></body>", 1),
    );
    let (code, json, _) = check(&site, &[]);
    assert_eq!(code, Some(1));
    let errors = entries(&json, "errors");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with("templates:0 broken link: `/legal-notice/`"),
        "{errors:?}"
    );
    assert!(errors[0].contains(" pages, the first /"), "{errors:?}");
}

#[test]
fn duplicate_titles_in_one_language_are_warnings() {
    let site = Fixture::small();
    site.write(
        "content/news/again.en.md",
        "---\ntitle: First  results\ndate: 2024-04-01\n---\nBody.\n",
    );
    let (code, json, _) = check(&site, &[]);
    assert_eq!(code, Some(0), "{json:#}");
    let warnings = entries(&json, "warnings");
    assert!(
        warnings.contains(
            &"content/news/results.en.md:2 content/news/again.en.md has the same title in en"
                .to_string()
        ),
        "{warnings:#?}"
    );
}

#[test]
fn required_languages_name_each_item_missing_in_them() {
    let site = Fixture::small();
    site.write(
        "site.yaml",
        &SITE_YAML.replace(
            "es: {name: Español, locale: es-ES}",
            "es: {name: Español, locale: es-ES, required: true}",
        ),
    );
    let (code, json, _) = check(&site, &[]);
    assert_eq!(code, Some(1));
    let errors = entries(&json, "errors");
    // Translated into es: kick-off, aeiti, about. Not: results, later, citeve, assembly.
    let missing: Vec<&str> = errors
        .iter()
        .filter(|e| e.contains("not published in es"))
        .map(|e| e.split(':').next().unwrap())
        .collect();
    assert_eq!(
        missing,
        [
            "content/meetings/assembly.en.md",
            "content/news/later.en.md",
            "content/news/results.en.md",
            "content/partners/citeve.en.md",
        ],
        "{errors:#?}"
    );
    assert_eq!(errors.len(), 4);
}

#[test]
fn an_alias_that_would_replace_a_page_fails_the_build_and_the_check() {
    let site = Fixture::small();
    site.write(
        "content/news/later.en.md",
        "---\ntitle: Later news\ndate: 2024-05-01\naliases: [/en/news/results/, /old/later/]\n---\nBody.\n",
    );
    let (code, json, _) = check(&site, &[]);
    assert_eq!(code, Some(1));
    let errors = entries(&json, "errors");
    assert_eq!(
        errors,
        [
            "content/news/later.en.md:4 the alias `/en/news/results/` is the address of a page of the site; its redirect would replace that page"
        ],
    );
    let build = site.build();
    assert_eq!(build.status.code(), Some(1));
    assert!(stderr(&build).contains("content/news/later.en.md:4"));
}

#[test]
fn large_images_are_warnings() {
    let site = Fixture::small();
    site.write(
        "content/news/visit/index.en.md",
        "---\ntitle: Visit\ndate: 2024-02-01\n---\n![The whole consortium](huge.png)\n",
    );
    site.write_bytes("content/news/visit/huge.png", &png(4000, 3000));
    let (code, json, _) = check(&site, &[]);
    assert_eq!(code, Some(0), "{json:#}");
    let warnings = entries(&json, "warnings");
    assert!(
        warnings.iter().any(|w| w
            .starts_with("content/news/visit/huge.png:0 this image is large for a web page")
            && w.contains("4000×3000")),
        "{warnings:#?}"
    );
}

#[test]
fn external_links_are_checked_only_when_asked() {
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in server.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let status = if request.contains(" /ok ") {
                "200 OK"
            } else {
                "404 Not Found"
            };
            let _ = write!(
                reader.get_mut(),
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    let site = Fixture::small();
    site.write(
        "content/pages/links.en.md",
        &format!(
            "---\ntitle: Links\n---\n[Fine](http://127.0.0.1:{port}/ok)\n\n[Gone](http://127.0.0.1:{port}/gone)\n"
        ),
    );
    let (code, json, _) = check(&site, &[]);
    assert_eq!(code, Some(0), "{json:#}");
    assert_eq!(json["external"], 0);

    let (code, json, _) = check(&site, &["--external"]);
    assert_eq!(code, Some(1), "{json:#}");
    assert_eq!(json["external"], 2);
    assert_eq!(
        entries(&json, "errors"),
        [format!(
            "content/pages/links.en.md:6 the external link `http://127.0.0.1:{port}/gone` is broken: the server says it does not exist (404)"
        )]
    );
}

#[test]
fn a_site_with_build_errors_reports_them_without_panicking() {
    let site = Fixture::small();
    site.write(
        "content/news/bad.en.md",
        "---\ntitle: Bad\ndate: yesterday\npartners: [aeitt]\n---\nBody\n",
    );
    let (code, json, text) = check(&site, &[]);
    assert_eq!(code, Some(1));
    let errors = entries(&json, "errors");
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("content/news/bad.en.md:3")),
        "{errors:#?}"
    );
    assert!(!text.contains("panicked"));
}

/// A PNG's signature and header: enough for its size to be read.
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    bytes.extend_from_slice(&13u32.to_be_bytes());
    bytes.extend_from_slice(b"IHDR");
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&[8, 6, 0, 0, 0]);
    bytes.extend_from_slice(&[0, 0, 0, 0]);
    bytes
}

/// A site with every funder's text in place, partner logos no larger than the emblem, and
/// nothing loaded from other hosts.
fn compliant_site() -> Fixture {
    let site = Fixture::small();
    site.write(
        "site.yaml",
        &SITE_YAML.replace(
            "funding:\n  statement: {en: Co-funded by the European Union, es: Cofinanciado por la Unión Europea}\n",
            "funding:\n  statement: {en: Co-funded by the European Union, es: Cofinanciado por la Unión Europea, ca: Cofinançat per la Unió Europea}\n  \
             disclaimer: {en: Views are those of the authors only., es: Las opiniones son solo de los autores., ca: Les opinions són només dels autors.}\n",
        ),
    );
    site.write(
        "content/partners/citeve.en.md",
        "---\ntitle: CITEVE\ncountry: PT\nlogo: /images/citeve.png\n---\nA technology centre.\n",
    );
    site.write_bytes("static/images/citeve.png", &png(160, 48));
    site
}

#[test]
fn a_compliant_site_passes_compliance_and_privacy() {
    let site = compliant_site();
    let (code, json, text) = check(&site, &["--compliance", "--privacy"]);
    assert_eq!(code, Some(0), "{json:#} {text}");
    assert_eq!(json["requests"], serde_json::json!([]));
}

#[test]
fn compliance_and_privacy_find_exactly_the_planted_problems() {
    let site = compliant_site();
    // 1. No disclaimer in Catalan.
    let yaml = site.read("site.yaml");
    site.write(
        "site.yaml",
        &yaml.replace(", ca: Les opinions són només dels autors.", ""),
    );
    // 2. A partner logo taller than the emblem (80 px in the default theme).
    site.write_bytes("static/images/citeve.png", &png(400, 300));
    // 3. Google Fonts in the site's own base template.
    let base = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates/base.html"),
    )
    .unwrap();
    site.write(
        "templates/base.html",
        &base.replacen(
            "</head>",
            "<link rel=\"stylesheet\" href=\"https://fonts.googleapis.com/css2?family=Roboto\"></head>",
            1,
        ),
    );
    // 4. A YouTube player written into a page as HTML.
    site.write(
        "content/pages/about.en.md",
        "---\ntitle: About\n---\nAbout the project.\n\n<iframe src=\"https://www.youtube.com/embed/abc123\" title=\"Video\"></iframe>\n",
    );
    let (code, json, _) = check(&site, &["--compliance", "--privacy"]);
    assert_eq!(code, Some(1));
    let errors = entries(&json, "errors");
    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert!(
        errors[0].starts_with("content/pages/about.en.md:6 visitors' browsers contact www.youtube.com (iframe `https://www.youtube.com/embed/abc123`) on 2 pages, the first /en/about/"),
        "{errors:#?}"
    );
    assert!(
        errors[1].starts_with("site.yaml:")
            && errors[1].ends_with("site.yaml has no disclaimer in ca"),
        "{errors:#?}"
    );
    assert!(
        errors[2].starts_with("templates:0 the EU emblem (80 px high) is smaller than the partner logo `/images/citeve.png` (300 px high) on "),
        "{errors:#?}"
    );
    assert!(
        errors[3].starts_with("templates:0 visitors' browsers contact fonts.googleapis.com (stylesheet `https://fonts.googleapis.com/css2?family=Roboto`) on ")
            && errors[3].contains(" pages, the first "),
        "{errors:#?}"
    );
    let requests = json["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 2, "{requests:#?}");
    assert!(requests.iter().all(|r| r["allowed"] == false));

    // Allowing the two hosts leaves the compliance findings only.
    let yaml = site.read("site.yaml");
    site.write(
        "site.yaml",
        &format!("{yaml}privacy:\n  allowed_hosts: [fonts.googleapis.com, \"*.youtube.com\"]\n"),
    );
    let (_, json, _) = check(&site, &["--compliance", "--privacy"]);
    assert_eq!(entries(&json, "errors").len(), 2, "{json:#}");
    assert!(
        json["requests"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["allowed"] == true)
    );
}

#[test]
fn the_home_page_must_show_the_emblem_before_its_main_content() {
    let site = compliant_site();
    let home = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates/home.html"),
    )
    .unwrap();
    // The site's own home template without the emblem in its first block.
    let start = home
        .find("<div class=\"hero-funding\">")
        .expect("the hero's emblem");
    let end = start + home[start..].find("</div>").unwrap() + "</div>".len();
    site.write(
        "templates/home.html",
        &format!("{}{}", &home[..start], &home[end..]),
    );
    let (code, json, _) = check(&site, &["--compliance"]);
    assert_eq!(code, Some(1));
    let errors = entries(&json, "errors");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].contains("on the home page /en/, the EU emblem comes after the main content"),
        "{errors:#?}"
    );
}

#[test]
fn statements_must_name_the_union_in_full() {
    let site = compliant_site();
    let yaml = site.read("site.yaml");
    site.write(
        "site.yaml",
        &yaml.replace(
            "en: Co-funded by the European Union",
            "en: Co-funded by the EU",
        ),
    );
    let (code, json, _) = check(&site, &["--compliance"]);
    assert_eq!(code, Some(1));
    let errors = entries(&json, "errors");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].contains(
            "the funding statement in en must write the Union's name in full (“European Union”)"
        ),
        "{errors:#?}"
    );
}

#[test]
fn a_programme_preset_fills_in_every_language_and_warns_where_it_has_none() {
    let site = Fixture::small();
    site.write(
        "site.yaml",
        &SITE_YAML
            .replace(
                "funding:\n  statement: {en: Co-funded by the European Union, es: Cofinanciado por la Unión Europea}\n",
                "funding:\n  programme: erasmus-plus\n  statement: funded\n",
            )
            .replace("  ca: {name: Català, locale: ca-ES}\n", "  ca: {name: Català, locale: ca-ES}\n  fi: {name: Suomi, locale: fi-FI}\n"),
    );
    let build = site.build();
    assert!(build.status.success(), "{}", stderr(&build));
    // No Finnish in the preset: the English statement, marked as English.
    let fi = site.read("public/fi/index.html");
    assert!(
        fi.contains(
            "<strong class=\"funding-statement\" lang=\"en\">Funded by the European Union</strong>"
        ),
        "{fi}"
    );
    let es = site.read("public/es/index.html");
    assert!(!es.contains("funding-statement\" lang="));
    assert!(es.contains("Financiado por la Unión Europea"));
    assert!(es.contains("la Agencia Ejecutiva Europea de Educación y Cultura (EACEA)"));
    let (code, json, _) = check(&site, &["--compliance"]);
    assert_eq!(code, Some(0), "{json:#}");
    let warnings = entries(&json, "warnings");
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("the programme preset has no funding statement in fi")),
        "{warnings:#?}"
    );
    // An unknown preset fails every build.
    let yaml = site.read("site.yaml");
    site.write("site.yaml", &yaml.replace("erasmus-plus", "erasmus"));
    let build = site.build();
    assert_eq!(build.status.code(), Some(1));
    assert!(
        stderr(&build).contains("there is no programme preset `erasmus`"),
        "{}",
        stderr(&build)
    );
    assert!(
        stderr(&build).contains("did you mean `erasmus-plus`?"),
        "{}",
        stderr(&build)
    );
}

#[test]
fn the_demonstration_site_passes_every_check() {
    let root = env!("CARGO_MANIFEST_DIR");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_herald"))
        .args([
            "--root",
            root,
            "check",
            "--compliance",
            "--privacy",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{json:#}");
    assert_eq!(json["errors"], serde_json::json!([]));
    assert_eq!(json["warnings"], serde_json::json!([]));
}

#[test]
fn a_video_is_a_two_click_placeholder_that_loads_nothing_from_its_host() {
    let site = compliant_site();
    site.write(
        "content/news/later.en.md",
        "---\ntitle: Later news\ndate: 2024-05-01\n---\nWatch:\n\n{{ video(url=\"https://www.youtube.com/watch?v=abc123\", title=\"The kick-off in two minutes\") }}\n\nAfter.\n",
    );
    let (code, json, text) = check(&site, &["--compliance", "--privacy"]);
    assert_eq!(code, Some(0), "{json:#} {text}");
    assert_eq!(json["requests"], serde_json::json!([]));
    assert!(site.build().status.success());
    let page = site.read("public/en/news/later/index.html");
    assert!(
        page.contains("data-embed-src=\"https://www.youtube-nocookie.com/embed/abc123\""),
        "{page}"
    );
    assert!(page.contains("<button type=\"button\" class=\"video-load\">Play the video</button>"));
    assert!(page.contains("href=\"https://www.youtube.com/watch?v=abc123\""));
    assert!(page.contains("connects your browser to www.youtube-nocookie.com"));
    assert!(!page.contains("<iframe"), "no player before consent");
    assert!(page.contains("<p>After.</p>"));
    assert!(site.path("public/js/video-embed.js").is_file());
}

#[test]
fn problems_shown_on_lists_are_reported_once_at_their_line() {
    let site = Fixture::small();
    // A broken link in the first paragraph (the summary on lists), a footnote in it, a cover
    // picture that is missing, a link with accents, and an email address.
    site.write(
        "content/news/later.en.md",
        "---\ntitle: Later news\ndate: 2024-05-01\nimage: {src: cover.jpg, alt: The team}\n---\n\
         See [the report](/docs/informe-año.pdf) and write to <info@test.example.eu>.[^1]\n\n\
         [^1]: A note.\n",
    );
    let (code, json, _) = check(&site, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        entries(&json, "errors"),
        [
            "content/news/later.en.md:4 missing image: `cover.jpg` is not a file of the site",
            "content/news/later.en.md:6 broken link: `/docs/informe-año.pdf` leads to no page or file of the site",
        ],
        "{json:#}"
    );
    assert!(site.build().status.success());
    let page = site.read("public/en/news/later/index.html");
    assert!(
        page.contains("href=\"mailto:info@test.example.eu\""),
        "{page}"
    );
}

#[test]
fn an_error_in_one_file_does_not_hide_broken_links_in_another() {
    let site = Fixture::small();
    site.write(
        "content/news/later.en.md",
        "---\ntitle: Later news\ndate: 2024-05-01\n---\nSee [that](@/news/nope.md).\n",
    );
    site.write(
        "content/pages/contact.en.md",
        "---\ntitle: Contact\n---\nWrite to [us](/en/contact-form/).\n",
    );
    let (code, json, _) = check(&site, &[]);
    assert_eq!(code, Some(1));
    let errors = entries(&json, "errors");
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0].starts_with("content/news/later.en.md:5 broken internal link"),
        "{errors:#?}"
    );
    assert!(
        errors[1].starts_with("content/pages/contact.en.md:4 broken link"),
        "{errors:#?}"
    );
}

#[test]
fn a_static_file_where_a_page_goes_fails_the_check_as_it_fails_the_build() {
    let site = Fixture::small();
    site.write(
        "static/en/news/index.html",
        "<!doctype html><title>Old</title>",
    );
    let (code, json, _) = check(&site, &[]);
    assert_eq!(code, Some(1));
    assert!(
        entries(&json, "errors")
            .iter()
            .any(|e| e.contains("two things would be written to `en/news/index.html`")),
        "{json:#}"
    );
}

#[test]
fn german_statements_may_decline_the_unions_name() {
    let site = compliant_site();
    let yaml = site.read("site.yaml");
    site.write(
        "site.yaml",
        &yaml
            .replace(
                "ca: Cofinançat per la Unió Europea}",
                "ca: Cofinançat per la Unió Europea, de: Gefördert durch die Europäische Union}",
            )
            .replace(
                "ca: Les opinions són només dels autors.}",
                "ca: Les opinions són només dels autors., de: Die Meinungen sind die der Autoren.}",
            )
            .replace(
                "  ca: {name: Català, locale: ca-ES}\n",
                "  ca: {name: Català, locale: ca-ES}\n  de: {name: Deutsch, locale: de-DE}\n",
            ),
    );
    let (code, json, _) = check(&site, &["--compliance"]);
    assert_eq!(code, Some(0), "{json:#}");
}

#[test]
fn a_preset_wording_without_a_programme_is_a_build_error() {
    let site = Fixture::small();
    site.write(
        "site.yaml",
        &SITE_YAML.replace(
            "  statement: {en: Co-funded by the European Union, es: Cofinanciado por la Unión Europea}\n",
            "  statement: funded\n",
        ),
    );
    let build = site.build();
    assert_eq!(build.status.code(), Some(1));
    let err = stderr(&build);
    assert!(
        err.contains("`statement: funded` chooses the wording of a programme preset"),
        "{err}"
    );
}

#[test]
fn the_emblem_of_site_yaml_is_the_one_pages_show_and_check_looks_for() {
    let site = compliant_site();
    let yaml = site.read("site.yaml");
    site.write(
        "site.yaml",
        &yaml.replace("funding:\n", "funding:\n  emblem: /images/eu-flag.svg\n"),
    );
    site.write(
        "static/images/eu-flag.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"150\" height=\"100\"><rect width=\"150\" height=\"100\" fill=\"#039\"/></svg>",
    );
    let (code, json, _) = check(&site, &["--compliance"]);
    assert_eq!(code, Some(0), "{json:#}");
    assert!(site.build().status.success());
    assert!(
        site.read("public/en/index.html")
            .contains("src=\"/images/eu-flag.svg\"")
    );
}

#[test]
fn links_in_a_front_matter_summary_are_resolved_like_the_body_s() {
    let site = Fixture::small();
    site.write(
        "content/news/later.en.md",
        "---\ntitle: Later news\ndate: 2024-05-01\nsummary: \"After [the first results](@/news/results.md), more.\"\n---\nBody.\n",
    );
    let (code, json, _) = check(&site, &[]);
    assert_eq!(code, Some(0), "{json:#}");
    assert!(site.build().status.success());
    assert!(
        site.read("public/en/news/index.html")
            .contains("href=\"/en/news/results/\"")
    );

    site.write(
        "content/news/later.en.md",
        "---\ntitle: Later news\ndate: 2024-05-01\nsummary: \"After [the results](@/news/nope.md).\"\n---\nBody.\n",
    );
    let (code, json, _) = check(&site, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        entries(&json, "errors"),
        [
            "content/news/later.en.md:4 the summary links to `@/news/nope.md`, which is not a published item"
        ],
    );
}
