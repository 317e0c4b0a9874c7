//! `herald report`: the rows and the summary of a known period, in each format.

mod common;

use common::{Fixture, stderr};

fn report(site: &Fixture, args: &[&str]) -> String {
    let mut all = vec!["report"];
    all.extend_from_slice(args);
    let output = site.herald(&all);
    assert!(output.status.success(), "{}", stderr(&output));
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// The JSON report of the period `from`..`to`.
fn report_json(site: &Fixture, from: &str, to: &str) -> serde_json::Value {
    serde_json::from_str(&report(
        site,
        &["--from", from, "--to", to, "--format", "json"],
    ))
    .expect("JSON")
}

/// The small fixture with a past meeting that says who took part.
fn site() -> Fixture {
    let site = Fixture::small();
    site.write(
        "content/meetings/workshop.en.md",
        "---\ntitle: Recycling workshop\ndate: 2024-02-20\nend_date: 2024-02-21\nlocation: Prato, Italy\nonline: true\n\
         partners: [citeve, aeiti]\nparticipants: 31\naudience: [SMEs, cluster managers]\n---\nAgenda.\n",
    );
    site
}

#[test]
fn json_rows_and_summary_of_a_period() {
    let site = site();
    let json = report_json(&site, "2024-01-01", "2024-03-31");
    let items = json["items"].as_array().unwrap();
    let titles: Vec<&str> = items.iter().map(|i| i["title"].as_str().unwrap()).collect();
    // Oldest first; the draft, the news of 2999 and the items after March are left out.
    assert_eq!(
        titles,
        [
            "Kick-off in Terrassa",
            "Recycling workshop",
            "First results"
        ]
    );
    let kick_off = &items[0];
    assert_eq!(kick_off["type"], "news");
    assert_eq!(kick_off["date"], "2024-01-15");
    assert_eq!(kick_off["source_language"], "en");
    assert_eq!(kick_off["languages"], serde_json::json!(["en", "es"]));
    assert_eq!(
        kick_off["urls"],
        serde_json::json!({
            "en": "https://test.example.eu/en/news/kick-off/",
            "es": "https://test.example.eu/es/news/arranque/"
        })
    );
    assert_eq!(
        kick_off["partners"],
        serde_json::json!(["AEITI Textile Cluster", "CITEVE"])
    );
    assert_eq!(kick_off["tags"], serde_json::json!(["meetings", "textile"]));
    let workshop = &items[1];
    assert_eq!(workshop["type"], "meetings");
    assert_eq!(workshop["end_date"], "2024-02-21");
    assert_eq!(workshop["place"], "Prato, Italy + online");
    assert_eq!(workshop["participants"], 31);
    assert_eq!(
        workshop["audience"],
        serde_json::json!(["SMEs", "cluster managers"])
    );

    let summary = &json["summary"];
    assert_eq!(summary["items"], 3);
    assert_eq!(
        summary["per_type"],
        serde_json::json!({"meetings": 1, "news": 2})
    );
    assert_eq!(
        summary["per_month"],
        serde_json::json!({"2024-01": {"news": 1}, "2024-02": {"meetings": 1}, "2024-03": {"news": 1}})
    );
    // Quiet months of the period are listed too.
    let json = report_json(&site, "2023-11-01", "2024-02-29");
    assert_eq!(
        json["summary"]["per_month"],
        serde_json::json!({"2023-11": {}, "2023-12": {}, "2024-01": {"news": 1}, "2024-02": {"meetings": 1}})
    );
    assert_eq!(
        summary["languages"],
        serde_json::json!([
            {"language": "en", "items": 3, "percent": 100},
            {"language": "es", "items": 1, "percent": 33},
            {"language": "ca", "items": 0, "percent": 0}
        ])
    );
    assert_eq!(
        summary["partners"],
        serde_json::json!([
            {"partner": "CITEVE", "items": 3, "percent": 100},
            {"partner": "AEITI Textile Cluster", "items": 2, "percent": 67}
        ])
    );
    assert_eq!(summary["participants"], 31);
}

#[test]
fn csv_has_one_row_per_item() {
    let site = site();
    let csv = report(&site, &["--to", "2024-02-28", "--format", "csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "type,date,end_date,title,source_language,languages,urls,partners,place,tags,participants,audience,url"
    );
    assert_eq!(lines.len(), 3, "{csv}");
    assert_eq!(
        lines[2],
        "meetings,2024-02-20,2024-02-21,Recycling workshop,en,en,en: https://test.example.eu/en/meetings/workshop/,CITEVE; AEITI Textile Cluster,\"Prato, Italy + online\",,31,SMEs; cluster managers,https://test.example.eu/en/meetings/workshop/"
    );
}

#[test]
fn markdown_is_readable_as_it_is() {
    let site = site();
    let md = report(&site, &["--from", "2024-01-01", "--to", "2024-12-31"]);
    assert!(
        md.starts_with("# Communication activities: Test Project\n"),
        "{md}"
    );
    assert!(
        md.contains("Period: 2024-01-01 to 2024-12-31. Items: 4."),
        "{md}"
    );
    assert!(md.contains("| 2 | 2024-02-20 – 2024-02-21 | Meeting | Recycling workshop | [en](https://test.example.eu/en/meetings/workshop/) | CITEVE, AEITI Textile Cluster | Prato, Italy + online | 31 |"), "{md}");
    assert!(md.contains("| **All** | **4** |"), "{md}");
    assert!(md.contains("| es | 1 | 25 % |"), "{md}");
}

#[test]
fn a_period_without_items_says_so_and_bad_dates_are_usage_errors() {
    let site = site();
    let md = report(&site, &["--from", "2030-01-01", "--to", "2030-12-31"]);
    assert!(md.contains("No item is dated in this period."), "{md}");
    let output = site.herald(&["report", "--from", "yesterday"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("is not a date like 2025-01-31"));
    let output = site.herald(&["report", "--from", "2025-01-01", "--to", "2024-01-01"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_partner_is_counted_once_whatever_the_language_that_names_it() {
    let site = site();
    // An item written in Spanish names AEITI, whose Spanish name differs: the summary names
    // it in the default language, with the items in English that name it.
    site.write(
        "content/news/solo.es.md",
        "---\ntitle: Solo en español\ndate: 2024-03-10\npartners: [aeiti]\n---\nTexto.\n",
    );
    let json = report_json(&site, "2024-01-01", "2024-03-31");
    let names: Vec<&str> = json["summary"]["partners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["partner"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["AEITI Textile Cluster", "CITEVE"]);
    assert_eq!(json["summary"]["partners"][0]["items"], 3);
}

#[test]
fn a_meeting_that_starts_before_the_period_and_ends_in_it_is_listed() {
    let site = site();
    let json = report_json(&site, "2024-02-21", "2024-02-29");
    let titles: Vec<&str> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Recycling workshop"]);
}
