//! `herald schema`: JSON Schemas of the front matter of each content type and of `site.yaml`,
//! generated from the types that parse them, for editors' validation and completion.
//!
//! One schema per section: the schema of [`FrontMatter`] without the keys that
//! [`FrontMatter::misplaced_keys`] refuses for that section, with `date` required where the
//! section needs one. Draft 7, which every YAML language server reads.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

use crate::config::SiteConfig;
use crate::load::front_matter::{DateSpec, ImageSpec, MeetingKind, MeetingStatus, PartnerRole};
use crate::load::{FrontMatter, Section};

/// One schema and the file it is written to.
#[derive(Debug, Clone)]
pub struct SchemaFile {
    /// `news.schema.json`, `site.schema.json`.
    pub file_name: String,
    pub schema: Value,
}

/// The file name of a section's schema: `news.schema.json`.
pub fn schema_file_name(section: Section) -> String {
    format!("{}.schema.json", section.folder())
}

/// A slug load accepts: not empty, no `/`, `\`, `?`, `#` or space, not starting with a dot.
const SLUG_PATTERN: &str = r"^[^/\\?# .][^/\\?# ]*$";

/// The schema of `site.yaml`'s file name.
pub const SITE_SCHEMA_FILE: &str = "site.schema.json";

fn generate<T: schemars::JsonSchema>() -> Value {
    SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value()
}

/// The schema of `site.yaml`.
pub fn site_config_schema() -> Value {
    let mut schema = generate::<SiteConfig>();
    schema["title"] = json!("herald site configuration (site.yaml)");
    schema
}

/// The schema of the front matter of the items of `section`.
pub fn front_matter_schema(section: Section) -> Value {
    let mut schema = generate::<FrontMatter>();
    let refused = every_section_key_set().misplaced_keys(section);
    if let Some(properties) = schema["properties"].as_object_mut() {
        for key in &refused {
            properties.remove(*key);
        }
        // What load checks beyond the types: a title with text, a slug that is one path
        // segment.
        if let Some(title) = properties.get_mut("title") {
            title["minLength"] = json!(1);
        }
        if let Some(slug) = properties.get_mut("slug") {
            slug["pattern"] = json!(SLUG_PATTERN);
        }
        if let Some(timezone) = properties.get_mut("timezone") {
            let mut names: Vec<Value> = chrono_tz::TZ_VARIANTS
                .iter()
                .map(|tz| Value::from(tz.name()))
                .collect();
            names.push(Value::Null);
            timezone["enum"] = Value::Array(names);
        }
    }
    if matches!(section, Section::News | Section::Meetings) {
        if let Some(required) = schema["required"].as_array_mut() {
            required.push(json!("date"));
        }
        // Required means a date, not an empty `date:` (which reads as null).
        let description = schema["properties"]["date"]["description"].clone();
        schema["properties"]["date"] =
            json!({"$ref": "#/definitions/Date", "description": description});
    }
    schema["title"] = json!(format!("herald front matter of {} items", section.folder()));
    remove_unused_definitions(&mut schema);
    schema
}

/// Every schema `herald schema` writes.
pub fn schema_files() -> Vec<SchemaFile> {
    let mut files: Vec<SchemaFile> = Section::ALL
        .iter()
        .map(|&section| SchemaFile {
            file_name: schema_file_name(section),
            schema: front_matter_schema(section),
        })
        .collect();
    files.push(SchemaFile {
        file_name: SITE_SCHEMA_FILE.to_string(),
        schema: site_config_schema(),
    });
    files
}

/// Writes every schema into `dir` (created when missing); returns the files written.
pub fn write_schemas(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for file in schema_files() {
        let path = dir.join(&file.file_name);
        let mut text = serde_json::to_string_pretty(&file.schema).map_err(std::io::Error::other)?;
        text.push('\n');
        std::fs::write(&path, text)?;
        written.push(path);
    }
    Ok(written)
}

/// A front matter with every section-specific key set, so that
/// [`FrontMatter::misplaced_keys`] names all those a section refuses.
fn every_section_key_set() -> FrontMatter {
    let day = NaiveDate::from_ymd_opt(2000, 1, 1).map(DateSpec::Day);
    FrontMatter {
        date: day,
        end_date: day,
        timezone: Some(String::new()),
        image: Some(ImageSpec {
            src: String::new(),
            alt: None,
            caption: None,
        }),
        partners: vec![String::new()],
        author: Some(String::new()),
        location: Some(String::new()),
        online: Some(true),
        online_url: Some(String::new()),
        agenda: vec![String::new()],
        kind: Some(MeetingKind::Meeting),
        status: Some(MeetingStatus::Scheduled),
        participants: Some(0),
        audience: vec![String::new()],
        short_name: Some(String::new()),
        country: Some(String::new()),
        website: Some(String::new()),
        logo: Some(String::new()),
        role: Some(PartnerRole::Partner),
        city: Some(String::new()),
        weight: Some(0),
        menu: Some(true),
        ..FrontMatter::default()
    }
}

/// Drops the definitions that no part of the schema refers to any more.
fn remove_unused_definitions(schema: &mut Value) {
    let Some(definitions) = schema
        .get("definitions")
        .and_then(Value::as_object)
        .cloned()
    else {
        return;
    };
    let mut body = schema.clone();
    if let Some(object) = body.as_object_mut() {
        object.remove("definitions");
    }
    let mut used = BTreeSet::new();
    let mut pending = vec![body];
    while let Some(value) = pending.pop() {
        let mut refs = Vec::new();
        collect_refs(&value, &mut refs);
        for name in refs {
            if used.insert(name.clone())
                && let Some(definition) = definitions.get(&name)
            {
                pending.push(definition.clone());
            }
        }
    }
    if let Some(object) = schema["definitions"].as_object_mut() {
        object.retain(|name, _| used.contains(name));
    }
}

fn collect_refs(value: &Value, refs: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            for (key, value) in object {
                if key == "$ref"
                    && let Some(name) = value
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/definitions/"))
                {
                    refs.push(name.to_string());
                }
                collect_refs(value, refs);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, refs)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys every section accepts; the others belong to some sections only.
    const COMMON_KEYS: [&str; 10] = [
        "title",
        "slug",
        "draft",
        "summary",
        "tags",
        "aliases",
        "translation_key",
        "template",
        "extra",
        "translated_from",
    ];

    fn properties(section: Section) -> BTreeSet<String> {
        front_matter_schema(section)["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    }

    #[test]
    fn every_key_is_common_or_belongs_to_some_sections() {
        let all = generate::<FrontMatter>();
        let every = every_section_key_set();
        for key in all["properties"].as_object().unwrap().keys() {
            let refused_somewhere = Section::ALL
                .iter()
                .any(|&s| every.misplaced_keys(s).contains(&key.as_str()));
            assert!(
                COMMON_KEYS.contains(&key.as_str()) || refused_somewhere,
                "`{key}` is neither common nor section-specific: set it in every_section_key_set"
            );
        }
    }

    #[test]
    fn sections_get_their_own_keys() {
        let news = properties(Section::News);
        assert!(news.contains("partners") && news.contains("image"));
        assert!(!news.contains("country") && !news.contains("agenda"));
        let partners = properties(Section::Partners);
        assert!(partners.contains("country") && !partners.contains("date"));
        for section in Section::ALL {
            assert!(
                properties(section)
                    .is_superset(&COMMON_KEYS.iter().map(|k| k.to_string()).collect())
            );
        }
    }

    #[test]
    fn unknown_keys_are_refused_and_dates_required() {
        let news = front_matter_schema(Section::News);
        assert_eq!(news["additionalProperties"], json!(false));
        assert!(
            news["required"]
                .as_array()
                .unwrap()
                .contains(&json!("date"))
        );
        assert_eq!(
            news["properties"]["date"]["$ref"],
            json!("#/definitions/Date")
        );
        let pages = front_matter_schema(Section::Pages);
        assert!(
            !pages["required"]
                .as_array()
                .unwrap()
                .contains(&json!("date"))
        );
        assert!(
            pages["definitions"].get("MeetingKind").is_none(),
            "unused definitions are dropped"
        );
        assert_eq!(site_config_schema()["additionalProperties"], json!(false));
    }
}
