//! The accessibility statement generated from site.yaml: in every language, linked from every
//! page, after the EU's model statement.

mod common;

use common::{Fixture, SITE_YAML, stderr};

const ACCESSIBILITY: &str = "\
accessibility:
  status: partially-compliant
  prepared: 2026-06-30
  reviewed: 2026-11-20
  contact: access@test.example.eu
  enforcement_url: https://enforcement.example.eu/
  enforcement_body: {en: the monitoring body, es: el organismo de seguimiento}
  exceptions:
    en: [Old PDF reports are not tagged.]
    es: [Los informes PDF antiguos no están etiquetados.]
";

fn site() -> Fixture {
    let site = Fixture::small();
    site.write("site.yaml", &format!("{SITE_YAML}{ACCESSIBILITY}"));
    site
}

#[test]
fn the_statement_is_published_in_every_language_and_linked_from_every_page() {
    let site = site();
    let build = site.build();
    assert!(build.status.success(), "{}", stderr(&build));
    let en = site.read("public/en/accessibility/index.html");
    assert!(en.contains("<h1>Accessibility statement</h1>"), "{en}");
    assert!(en.contains("in accordance with Directive (EU) 2016/2102"));
    assert!(en.contains("This website is partially compliant with WCAG 2.1 level AA (EN 301 549), due to the non-compliances listed below."));
    assert!(en.contains("<li>Old PDF reports are not tagged.</li>"));
    assert!(en.contains("This statement was prepared on 30 June 2026."));
    assert!(en.contains("The statement was last reviewed on 20 November 2026."));
    assert!(en.contains("href=\"mailto:access@test.example.eu\""));
    assert!(en.contains("<a href=\"https://enforcement.example.eu/\">the monitoring body</a>"));
    let es = site.read("public/es/accessibility/index.html");
    assert!(es.contains("<html lang=\"es\""));
    assert!(es.contains("Este sitio web es parcialmente conforme con las WCAG 2.1, nivel AA"));
    assert!(es.contains("La presente declaración se preparó el 30 de junio de 2026."));
    assert!(es.contains("<li>Los informes PDF antiguos no están etiquetados.</li>"));
    // No Catalan exceptions in site.yaml: the default language's, rather than none.
    let ca = site.read("public/ca/accessibility/index.html");
    assert!(ca.contains("<li>Old PDF reports are not tagged.</li>"));
    assert!(
        ca.contains("<ul lang=\"en\">"),
        "the English list is marked as English"
    );
    assert!(!en.contains("<ul lang="));
    assert!(ca.contains("hreflang=\"es\""));
    for (path, bytes) in site.output() {
        if !path.ends_with(".html") || path == "index.html" || path == "404.html" {
            continue;
        }
        let html = String::from_utf8(bytes).unwrap();
        if html.contains("http-equiv=\"refresh\"") {
            continue;
        }
        let lang = &path[..2];
        assert!(
            html.contains(&format!("href=\"/{lang}/accessibility/\"")),
            "{path} has no link to the statement"
        );
    }
    let check = site.herald(&["check"]);
    assert!(check.status.success(), "{}", stderr(&check));
}

#[test]
fn without_accessibility_in_site_yaml_there_is_no_statement() {
    let site = Fixture::small();
    assert!(site.build().status.success());
    assert!(!site.path("public/en/accessibility").exists());
    assert!(
        !site
            .read("public/en/index.html")
            .contains("/en/accessibility/")
    );
}

#[test]
fn a_page_at_the_statements_address_is_an_error() {
    let site = site();
    site.write(
        "content/pages/accessibility.en.md",
        "---\ntitle: Accessibility\n---\nOur own words.\n",
    );
    let build = site.build();
    assert_eq!(build.status.code(), Some(1));
    let err = stderr(&build);
    assert!(err.contains("content/pages/accessibility.en.md:2"), "{err}");
    assert!(
        err.contains("/en/accessibility/ is the address of the accessibility statement"),
        "{err}"
    );
}

#[test]
fn a_wrong_status_names_the_line() {
    let site = Fixture::small();
    site.write(
        "site.yaml",
        &format!(
            "{SITE_YAML}{}",
            ACCESSIBILITY.replace("partially-compliant", "partly")
        ),
    );
    let build = site.build();
    assert_eq!(build.status.code(), Some(1));
    let err = stderr(&build);
    assert!(err.contains("site.yaml:"), "{err}");
    assert!(err.contains("partly"), "{err}");
}

#[test]
fn a_contact_that_is_no_address_names_the_line() {
    let site = Fixture::small();
    site.write(
        "site.yaml",
        &format!(
            "{SITE_YAML}{}",
            ACCESSIBILITY.replace("access@test.example.eu", "the webmaster")
        ),
    );
    let build = site.build();
    assert_eq!(build.status.code(), Some(1));
    let err = stderr(&build);
    assert!(err.contains("site.yaml:"), "{err}");
    assert!(
        err.contains("is neither an email address nor a web address"),
        "{err}"
    );
}
