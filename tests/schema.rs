//! The JSON Schemas of `herald schema` against real files: the demonstration site's front
//! matter and `site.yaml` validate; each broken input of the corpus marked `@schema-rejects`
//! is refused.

use std::path::{Path, PathBuf};

use herald::load::Section;
use herald::load::front_matter::split_front_matter;
use herald::workflow::schema::{front_matter_schema, site_config_schema};
use jsonschema::Validator;
use serde_json::Value;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn validator(schema: &Value) -> Validator {
    jsonschema::validator_for(schema).expect("a valid JSON Schema")
}

/// A YAML text as the JSON value a YAML language server validates.
fn yaml_to_json(text: &str) -> Result<Value, String> {
    let yaml: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
    serde_json::to_value(yaml).map_err(|e| e.to_string())
}

/// The section and the front matter (as JSON) of a content file at `rel` (`content/news/…`).
fn front_matter_of(rel: &Path, bytes: &[u8]) -> Result<(Section, Value), String> {
    let folder = rel
        .components()
        .nth(1)
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    let section = Section::from_folder(&folder).ok_or_else(|| format!("no section `{folder}`"))?;
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    let document = split_front_matter(text).map_err(|e| format!("{e:?}"))?;
    Ok((section, yaml_to_json(document.front_matter)?))
}

fn errors(validator: &Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.into_path())
        .collect();
    files.sort();
    files
}

#[test]
fn the_demonstration_site_validates() {
    let validators: Vec<(Section, Validator)> = Section::ALL
        .iter()
        .map(|&s| (s, validator(&front_matter_schema(s))))
        .collect();
    let files = markdown_files(&manifest_dir().join("content"));
    assert!(
        files.len() > 50,
        "the demonstration site has {} files",
        files.len()
    );
    let mut failures = Vec::new();
    for path in &files {
        let rel = path.strip_prefix(manifest_dir()).unwrap_or(path);
        let bytes = std::fs::read(path).expect("read");
        let (section, instance) = front_matter_of(rel, &bytes).expect("front matter");
        let (_, validator) = validators
            .iter()
            .find(|(s, _)| *s == section)
            .expect("section");
        let problems = errors(validator, &instance);
        if !problems.is_empty() {
            failures.push(format!("{}: {}", rel.display(), problems.join("; ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    let site = yaml_to_json(
        &std::fs::read_to_string(manifest_dir().join("site.yaml")).expect("site.yaml"),
    )
    .expect("YAML");
    let problems = errors(&validator(&site_config_schema()), &site);
    assert!(problems.is_empty(), "site.yaml: {problems:?}");
}

#[test]
fn every_schema_matter_of_the_corpus_is_rejected() {
    let corpus = manifest_dir().join("tests/corpus");
    let mut checked = 0;
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(&corpus)
        .expect("tests/corpus")
        .filter_map(Result::ok)
    {
        let case = entry.path();
        let expected = std::fs::read_to_string(case.join("expected.txt")).unwrap_or_default();
        if !expected
            .lines()
            .any(|line| line.trim() == "@schema-rejects")
        {
            continue;
        }
        let name = case
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let mut instances = Vec::new();
        for path in markdown_files(&case) {
            let rel = path.strip_prefix(&case).unwrap_or(&path).to_path_buf();
            let bytes = std::fs::read(&path).expect("read");
            match front_matter_of(&rel, &bytes) {
                Ok((section, instance)) => {
                    instances.push((rel, validator(&front_matter_schema(section)), instance))
                }
                Err(err) => failures.push(format!(
                    "{name}: {} is not a schema matter ({err}); remove @schema-rejects",
                    rel.display()
                )),
            }
        }
        if case.join("site.yaml").is_file() {
            let text = std::fs::read_to_string(case.join("site.yaml")).expect("site.yaml");
            match yaml_to_json(&text) {
                Ok(instance) => instances.push((
                    PathBuf::from("site.yaml"),
                    validator(&site_config_schema()),
                    instance,
                )),
                Err(err) => failures.push(format!("{name}: site.yaml is not YAML ({err})")),
            }
        }
        if instances.is_empty() {
            failures.push(format!("{name}: no file to validate"));
        }
        for (rel, validator, instance) in instances {
            checked += 1;
            if validator.is_valid(&instance) {
                failures.push(format!("{name}: the schema accepts {}", rel.display()));
            }
        }
    }
    assert!(
        checked >= 20,
        "only {checked} corpus files are schema matters"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
