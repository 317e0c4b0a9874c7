//! The editors' workflow commands on fixture sites: `new`, `translate`, `status`, `schema`.

mod common;

use common::{Fixture, stderr};

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs herald, checks its exit status and that it did not panic; returns standard output
/// and standard error.
fn run(fixture: &Fixture, args: &[&str], status: i32) -> (String, String) {
    let output = fixture.herald(args);
    let (out, err) = (stdout(&output), stderr(&output));
    assert_eq!(
        output.status.code(),
        Some(status),
        "herald {args:?}: stdout:\n{out}\nstderr:\n{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    (out, err)
}

fn summary_line(status: &str, lang: &str) -> String {
    status
        .lines()
        .find(|line| line.starts_with(&format!("{lang}: ")))
        .unwrap_or_else(|| panic!("no summary line for {lang} in:\n{status}"))
        .to_string()
}

/// The state of `key` in the column of `lang`, from `herald status --format csv`.
fn state(fixture: &Fixture, key: &str, lang: &str) -> String {
    let (csv, _) = run(fixture, &["status", "--format", "csv"], 0);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let column = header
        .iter()
        .position(|h| *h == lang)
        .expect("language column");
    let row = lines
        .map(|line| line.split(',').collect::<Vec<_>>())
        .find(|row| row[0] == key)
        .unwrap_or_else(|| panic!("no row {key} in:\n{csv}"));
    row[column].to_string()
}

#[test]
fn new_then_build_succeeds_for_every_type() {
    let fixture = Fixture::small();
    let created = [
        (
            "news",
            "Reunión en Bruselas: ¿qué sigue?",
            "es",
            "content/news/reunion-en-bruselas-que-sigue.es.md",
        ),
        (
            "meeting",
            "Col·loqui a Girona",
            "ca",
            "content/meetings/colloqui-a-girona.ca.md",
        ),
        (
            "partner",
            "Εθνικό Μετσόβιο Πολυτεχνείο",
            "en",
            "content/partners/ethniko-metsovio-polytechneio.en.md",
        ),
        (
            "page",
            "Privacy \"policy\" # 2",
            "en",
            "content/pages/privacy-policy-2.en.md",
        ),
    ];
    for (kind, title, lang, path) in created {
        let (printed, _) = run(
            &fixture,
            &["new", kind, title, "--lang", lang, "--date", "2024-06-30"],
            0,
        );
        assert_eq!(printed.trim(), path);
        let text = fixture.read(path);
        let title_line = text.lines().nth(1).unwrap_or_default();
        assert!(title_line.starts_with("title: \""), "{text}");
    }
    assert!(
        fixture
            .read("content/news/reunion-en-bruselas-que-sigue.es.md")
            .contains("date: 2024-06-30")
    );
    run(&fixture, &["build"], 0);

    // New items are drafts until the editor removes the line; with --drafts they are built.
    // (Not the partner: it has no country yet, which the partner list does not take.)
    fixture.remove("content/partners/ethniko-metsovio-polytechneio.en.md");
    run(&fixture, &["build", "--drafts"], 0);
    for page in [
        "public/es/news/reunion-en-bruselas-que-sigue/index.html",
        "public/ca/meetings/colloqui-a-girona/index.html",
        "public/en/privacy-policy-2/index.html",
    ] {
        assert!(fixture.path(page).is_file(), "{page}");
    }
    let page = fixture.read("public/en/privacy-policy-2/index.html");
    assert!(
        page.contains("Privacy &quot;policy&quot; # 2") || page.contains("Privacy \"policy\" # 2")
    );
}

#[test]
fn new_never_overwrites() {
    let fixture = Fixture::small();
    let before = fixture.read("content/news/kick-off.en.md");
    let (_, err) = run(&fixture, &["new", "news", "Kick off"], 1);
    assert!(err.contains("content/news/kick-off.en.md"), "{err}");
    assert!(err.contains("never overwrites"), "{err}");
    assert_eq!(fixture.read("content/news/kick-off.en.md"), before);
    // A file without a language suffix is the default language's.
    fixture.write("content/pages/team.md", "---\ntitle: Team\n---\n");
    let (_, err) = run(&fixture, &["new", "page", "Team"], 1);
    assert!(err.contains("content/pages/team.md"), "{err}");
}

#[test]
fn new_refuses_unknown_languages_and_bad_dates() {
    let fixture = Fixture::small();
    let (_, err) = run(&fixture, &["new", "news", "Hello", "--lang", "cat"], 2);
    assert!(
        err.contains("`cat` is not one of the site's languages (en, es, ca)"),
        "{err}"
    );
    assert!(err.contains("did you mean `ca`?"), "{err}");
    let (_, err) = run(
        &fixture,
        &["new", "news", "Hello", "--date", "30/06/2024"],
        2,
    );
    assert!(err.contains("YYYY-MM-DD"), "{err}");
    run(&fixture, &["new", "event", "Hello"], 2);
    assert!(!fixture.path("content/news/hello.en.md").exists());
}

#[test]
fn new_uses_the_sites_archetype_then_the_themes() {
    let fixture = Fixture::small();
    fixture.write(
        "themes/default/archetypes/page.md",
        "---\ntitle: {{title}}\nmenu: true\n---\nFrom the theme.\n",
    );
    fixture.write(
        "archetypes/news.md",
        "---\ntitle: \"{{ title }}\"\ndate: {{date}}\ntags: [{{lang}}]\n---\n# {{title}}\n\nSee /{{lang}}/news/{{slug}}/\n",
    );
    run(
        &fixture,
        &[
            "new",
            "news",
            "Fast \"fashion\": a \\ test",
            "--date",
            "2024-02-03",
        ],
        0,
    );
    let text = fixture.read("content/news/fast-fashion-a-test.en.md");
    assert_eq!(
        text,
        "---\ntitle: \"Fast \\\"fashion\\\": a \\\\ test\"\ndate: 2024-02-03\ntags: [en]\n---\n# Fast \"fashion\": a \\ test\n\nSee /en/news/fast-fashion-a-test/\n"
    );
    run(&fixture, &["new", "page", "Legal notice"], 0);
    assert!(
        fixture
            .read("content/pages/legal-notice.en.md")
            .contains("From the theme.")
    );
}

#[test]
fn new_reports_a_broken_archetype() {
    let fixture = Fixture::small();
    fixture.write(
        "archetypes/meeting.md",
        "---\ntitle: {{title}}\ncountry: ES\n---\n",
    );
    let (_, err) = run(&fixture, &["new", "meeting", "Workshop"], 1);
    assert!(err.contains("archetypes/meeting.md"), "{err}");
    assert!(err.contains("no `date`"), "{err}");
    assert!(!fixture.path("content/meetings/workshop.en.md").exists());
}

#[test]
fn translate_then_status_stale_then_refresh() {
    let fixture = Fixture::small();
    assert_eq!(state(&fixture, "news/results", "es"), "missing");

    let (printed, err) = run(
        &fixture,
        &["translate", "content/news/results.en.md", "--to", "es"],
        0,
    );
    assert_eq!(printed.trim(), "content/news/results.es.md");
    assert!(err.contains("TODO translate"), "{err}");
    let copy = fixture.read("content/news/results.es.md");
    assert!(
        copy.contains("title: First results  # TODO translate\n"),
        "{copy}"
    );
    assert!(
        copy.contains("tags: [textile]  # TODO translate\n"),
        "{copy}"
    );
    assert!(copy.contains("partners: [citeve]\n"), "{copy}");
    assert!(copy.contains("date: 2024-03-01\n"), "{copy}");
    assert!(
        copy.contains("translated_from: {lang: \"en\", digest: \""),
        "{copy}"
    );
    assert!(
        copy.ends_with("---\nIntro.\n\n<!-- more -->\n\nDetails.\n"),
        "{copy}"
    );
    assert_eq!(state(&fixture, "news/results", "es"), "ok");
    let (status, _) = run(&fixture, &["status"], 0);
    assert!(
        status.contains("ok (draft)"),
        "the stub is a draft: {status}"
    );
    run(&fixture, &["build", "--drafts"], 0);
    assert!(fixture.path("public/es/news/results/index.html").is_file());

    // Whitespace-only changes to the source do not count.
    let source = fixture.read("content/news/results.en.md");
    fixture.write(
        "content/news/results.en.md",
        &source
            .replace("title: First results", "title:   First  results")
            .replace("Details.\n", "Details.\n\n\n"),
    );
    assert_eq!(state(&fixture, "news/results", "es"), "ok");

    // A real change makes the translation stale.
    fixture.write(
        "content/news/results.en.md",
        &source.replace("Details.", "More details."),
    );
    assert_eq!(state(&fixture, "news/results", "es"), "stale");
    let (status, _) = run(&fixture, &["status"], 0);
    assert!(
        status.contains("stale: content/news/results.es.md"),
        "{status}"
    );
    assert!(summary_line(&status, "es").contains("1 stale"), "{status}");

    // The translator catches up and says so.
    let translated = fixture
        .read("content/news/results.es.md")
        .replace("draft: true", "draft: false");
    fixture.write("content/news/results.es.md", &translated);
    let (_, err) = run(
        &fixture,
        &["translate", "--refresh", "content/news/results.es.md"],
        0,
    );
    assert!(err.contains("up to date"), "{err}");
    assert_eq!(state(&fixture, "news/results", "es"), "ok");
    let refreshed = fixture.read("content/news/results.es.md");
    assert_eq!(
        refreshed
            .lines()
            .filter(|l| !l.starts_with("translated_from"))
            .collect::<Vec<_>>(),
        translated
            .lines()
            .filter(|l| !l.starts_with("translated_from"))
            .collect::<Vec<_>>(),
        "--refresh changes only the translated_from line"
    );

    // The source goes: the translation is an orphan.
    fixture.remove("content/news/results.en.md");
    fixture.write(
        "content/news/kick-off.en.md",
        &fixture
            .read("content/news/kick-off.en.md")
            .replace("@/news/results.md", "@/news/later.md"),
    );
    assert_eq!(state(&fixture, "news/results", "es"), "orphan");
    assert_eq!(state(&fixture, "news/results", "en"), "missing");
}

#[test]
fn translate_copies_bundles_and_marks_nested_text() {
    let fixture = Fixture::small();
    fixture.write_bytes("content/news/pilot/photo.png", b"\x89PNG\r\n\x1a\n");
    fixture.write(
        "content/news/pilot/index.en.md",
        "---\ntitle: Pilot line\nslug: pilot-line\naliases: [/old/pilot/]\ndate: 2024-04-01\nimage:\n  src: photo.png\n  alt: Cones of yarn\n  caption: >\n    The first colours.\nsummary: A pilot line\n  that spans two lines.\n---\nBody.\n",
    );
    run(&fixture, &["build"], 0);
    let (printed, _) = run(
        &fixture,
        &["translate", "content/news/pilot/index.en.md", "--to", "ca"],
        0,
    );
    assert_eq!(printed.trim(), "content/news/pilot/index.ca.md");
    let copy = fixture.read("content/news/pilot/index.ca.md");
    assert!(
        copy.contains("image:  # TODO translate alt and caption\n  src: photo.png\n"),
        "{copy}"
    );
    assert!(
        copy.contains("# TODO translate: `summary` below\nsummary: A pilot line\n"),
        "{copy}"
    );
    assert!(copy.contains("# slug: pilot-line  # TODO"), "{copy}");
    assert!(
        !copy.contains("aliases"),
        "aliases are old URLs of the source: {copy}"
    );
    run(&fixture, &["build", "--drafts"], 0);
    assert!(fixture.path("public/ca/news/pilot/index.html").is_file());
}

#[test]
fn translate_refuses_what_it_cannot_do() {
    let fixture = Fixture::small();
    let (_, err) = run(
        &fixture,
        &["translate", "content/news/kick-off.en.md", "--to", "es"],
        1,
    );
    assert!(err.contains("content/news/kick-off.es.md"), "{err}");
    assert!(err.contains("already the `es` version"), "{err}");
    let (_, err) = run(
        &fixture,
        &["translate", "content/news/kick-off.en.md", "--to", "fr"],
        2,
    );
    assert!(
        err.contains("`fr` is not one of the site's languages"),
        "{err}"
    );
    let (_, err) = run(
        &fixture,
        &["translate", "content/news/nothing.en.md", "--to", "es"],
        2,
    );
    assert!(err.contains("there is no file"), "{err}");
    let (_, err) = run(&fixture, &["translate", "site.yaml", "--to", "es"], 2);
    assert!(err.contains("not a content file"), "{err}");
    let (_, err) = run(
        &fixture,
        &["translate", "--refresh", "content/news/kick-off.es.md"],
        2,
    );
    assert!(err.contains("--from en"), "{err}");
    // A translation made by hand can start being tracked.
    run(
        &fixture,
        &[
            "translate",
            "--refresh",
            "content/news/kick-off.es.md",
            "--from",
            "en",
        ],
        0,
    );
    assert!(
        fixture
            .read("content/news/kick-off.es.md")
            .contains("translated_from: {lang: \"en\"")
    );
    assert_eq!(state(&fixture, "news/kick-off", "es"), "ok");
    run(&fixture, &["build"], 0);
}

#[test]
fn translate_reports_a_broken_source() {
    let fixture = Fixture::small();
    fixture.write(
        "content/news/broken.en.md",
        "---\ntitel: Broken\ndate: 2024-01-01\n---\n",
    );
    let (_, err) = run(
        &fixture,
        &["translate", "content/news/broken.en.md", "--to", "es"],
        1,
    );
    assert!(err.contains("content/news/broken.en.md:2"), "{err}");
    assert!(err.contains("unknown key `titel`"), "{err}");
    assert!(!fixture.path("content/news/broken.es.md").exists());
}

#[test]
fn status_groups_by_translation_key_and_prints_every_format() {
    let fixture = Fixture::small();
    // A translation with its own file name, linked by translation_key.
    fixture.write(
        "content/news/resultados.es.md",
        "---\ntitle: Primeros resultados\ntranslation_key: results\ndate: 2024-03-01\n---\nTexto.\n",
    );
    let (text, _) = run(&fixture, &["status"], 0);
    assert!(
        text.lines().next().unwrap_or_default().starts_with("item"),
        "{text}"
    );
    assert!(text.contains("news/results"), "{text}");
    assert!(!text.contains("news/resultados"), "{text}");
    // Items: kick-off, results, later, draft, future; assembly; aeiti, citeve; about.
    assert_eq!(summary_line(&text, "en"), "en: 9 ok, 0 missing, 0 stale");
    assert_eq!(summary_line(&text, "es"), "es: 4 ok, 5 missing, 0 stale");
    assert_eq!(summary_line(&text, "ca"), "ca: 0 ok, 9 missing, 0 stale");

    let (json, _) = run(&fixture, &["status", "--format", "json"], 0);
    let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(value["languages"], serde_json::json!(["en", "es", "ca"]));
    let results = value["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["key"] == "news/results")
        .expect("news/results");
    assert_eq!(results["translations"]["es"]["state"], "ok");
    assert_eq!(
        results["translations"]["es"]["path"],
        "content/news/resultados.es.md"
    );
    assert_eq!(results["translations"]["ca"]["state"], "missing");
    assert_eq!(value["summary"][2]["missing"], 9);

    let (csv, _) = run(&fixture, &["status", "--format", "csv"], 0);
    assert!(
        csv.starts_with("item,en,es,ca\nnews/draft,ok,missing,missing\n"),
        "{csv}"
    );
}

#[test]
fn status_fails_on_a_site_with_errors() {
    let fixture = Fixture::small();
    fixture.write("content/news/bad.en.md", "---\ntitle: [unclosed\n---\n");
    let (_, err) = run(&fixture, &["status"], 1);
    assert!(err.contains("content/news/bad.en.md:2"), "{err}");
}

#[test]
fn status_is_a_library_function() {
    let fixture = Fixture::small();
    run(
        &fixture,
        &["translate", "content/news/results.en.md", "--to", "ca"],
        0,
    );
    let (site, diagnostics) = herald::load::load_site(fixture.root());
    assert!(!diagnostics.has_errors());
    let site = site.expect("loaded");
    let matrix = herald::workflow::translation_status(&site);
    let index = site
        .content
        .iter()
        .position(|f| f.path.ends_with("results.ca.md"))
        .expect("the translation");
    assert_eq!(
        matrix.state_of_file(index),
        Some(herald::workflow::TranslationState::Ok)
    );
    let summary = matrix.summary();
    assert_eq!(
        summary.iter().map(|s| s.lang.as_str()).collect::<Vec<_>>(),
        ["en", "es", "ca"]
    );
    assert_eq!(summary[2].ok, 1);
}

#[test]
fn schema_writes_one_schema_per_type_and_one_for_site_yaml() {
    let fixture = Fixture::small();
    let (printed, _) = run(&fixture, &["schema"], 0);
    for name in ["news", "meetings", "partners", "pages", "site"] {
        let path = format!("schemas/{name}.schema.json");
        assert!(printed.contains(&path), "{printed}");
        let schema: serde_json::Value = serde_json::from_str(&fixture.read(&path)).expect("JSON");
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
        assert_eq!(schema["additionalProperties"], false);
    }
    run(&fixture, &["schema", "--output", "editor/schemas"], 0);
    assert!(fixture.path("editor/schemas/news.schema.json").is_file());
}

#[test]
fn init_makes_a_site_that_builds_and_passes_every_check_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("temp dir");
    let site = dir.path().join("project");
    let herald = |args: &[&str], at: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_herald"))
            .args(args)
            .current_dir(at)
            .output()
            .expect("run herald")
    };
    let output = herald(
        &[
            "init",
            "project",
            "--title",
            "TEXMAP",
            "--languages",
            "en,es,ca",
        ],
        dir.path(),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(site.join("content/pages/about.ca.md").is_file());
    let build = herald(&["build"], &site);
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let about = std::fs::read_to_string(site.join("public/es/about/index.html")).unwrap();
    assert!(about.contains("El proyecto"));
    let check = herald(&["check", "--compliance", "--privacy"], &site);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );

    let again = herald(&["init"], &site);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("there is a site here already"));
    let bad = herald(&["init", "other", "--languages", "english"], dir.path());
    assert_eq!(bad.status.code(), Some(2));
}
