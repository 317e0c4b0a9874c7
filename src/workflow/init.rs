//! `herald init [dir]`: a new site that builds and passes every check at once, for an editor
//! to fill in: `site.yaml`, an about page in each language and a first news item. It uses the
//! default theme compiled into herald, so the folder holds only what the project writes.

use std::path::{Path, PathBuf};

use super::CommandError;
use crate::diagnostics::{Diagnostic, Location};

/// What `init` is asked for.
#[derive(Debug, Clone)]
pub struct InitRequest {
    /// The project's name, the site's title.
    pub title: String,
    /// Language codes, the default one first.
    pub languages: Vec<String>,
    /// The day of the first news item (YYYY-MM-DD).
    pub today: String,
}

/// Names of common languages, in themselves, for `site.yaml`.
fn language_name(code: &str) -> (&str, String) {
    let (name, locale) = match code {
        "en" => ("English", "en-GB"),
        "es" => ("Español", "es-ES"),
        "ca" => ("Català", "ca-ES"),
        "fr" => ("Français", "fr-FR"),
        "de" => ("Deutsch", "de-DE"),
        "it" => ("Italiano", "it-IT"),
        "pt" => ("Português", "pt-PT"),
        "nl" => ("Nederlands", "nl-NL"),
        "pl" => ("Polski", "pl-PL"),
        "el" => ("Ελληνικά", "el-GR"),
        "ro" => ("Română", "ro-RO"),
        "eu" => ("Euskara", "eu-ES"),
        "gl" => ("Galego", "gl-ES"),
        _ => ("", code),
    };
    (name, locale.to_string())
}

/// The texts of the first files, per language (English for languages herald has no words for).
fn starter_texts(code: &str) -> (&'static str, &'static str, &'static str, &'static str) {
    match code {
        "es" => (
            "El proyecto",
            "Presente aquí el proyecto: sus objetivos, sus socios y su calendario.",
            "Noticias",
            "Socios",
        ),
        "ca" => (
            "El projecte",
            "Presenteu aquí el projecte: els objectius, els socis i el calendari.",
            "Notícies",
            "Socis",
        ),
        "fr" => (
            "Le projet",
            "Présentez ici le projet : ses objectifs, ses partenaires et son calendrier.",
            "Actualités",
            "Partenaires",
        ),
        "de" => (
            "Das Projekt",
            "Stellen Sie hier das Projekt vor: Ziele, Partner und Zeitplan.",
            "Neuigkeiten",
            "Partner",
        ),
        "it" => (
            "Il progetto",
            "Presentate qui il progetto: obiettivi, partner e calendario.",
            "Notizie",
            "Partner",
        ),
        "pt" => (
            "O projeto",
            "Apresente aqui o projeto: objetivos, parceiros e calendário.",
            "Notícias",
            "Parceiros",
        ),
        _ => (
            "About",
            "Introduce the project here: its aims, its partners and its timetable.",
            "News",
            "Partners",
        ),
    }
}

fn yaml_text(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The files of a new site, by path relative to its folder.
pub fn starter_files(request: &InitRequest) -> Vec<(PathBuf, String)> {
    let default = &request.languages[0];
    let mut yaml = String::from(
        "# The site's configuration: every key is explained in herald's README.\n\
         # `herald schema` writes the schema below, for completion and checks in editors.\n\
         # yaml-language-server: $schema=schemas/site.schema.json\n",
    );
    yaml.push_str(&format!("title: {}\n", yaml_text(&request.title)));
    yaml.push_str("base_url: https://project.example.eu   # the address the site will have\n");
    yaml.push_str(&format!("default_language: {default}\nlanguages:\n"));
    for code in &request.languages {
        let (name, locale) = language_name(code);
        let name = if name.is_empty() { code.as_str() } else { name };
        yaml.push_str(&format!(
            "  {code}: {{name: {}, locale: {locale}}}\n",
            yaml_text(name)
        ));
    }
    yaml.push_str("menus:\n");
    for code in &request.languages {
        let (about, _, news, partners) = starter_texts(code);
        yaml.push_str(&format!(
            "  {code}:\n    - {{name: {}, section: news}}\n    - {{name: {}, section: partners}}\n    - {{name: {}, page: about}}\n",
            yaml_text(news),
            yaml_text(partners),
            yaml_text(about)
        ));
    }
    yaml.push_str(
        "funding:                      # the acknowledgement every page carries; check the grant agreement\n  \
         programme: horizon-europe   # or erasmus-plus, interreg, digital-europe, single-market-programme, creative-europe, life\n  \
         statement: funded           # or co-funded\n  \
         granting_authority: REA     # the agency that signed the grant\n  \
         grant_number: \"101000000\"   # your project's number\n",
    );
    let mut files = vec![(PathBuf::from("site.yaml"), yaml)];
    for code in &request.languages {
        let (about, text, _, _) = starter_texts(code);
        files.push((
            PathBuf::from(format!("content/pages/about.{code}.md")),
            format!("---\ntitle: {}\n---\n{text}\n", yaml_text(about)),
        ));
    }
    files.push((
        PathBuf::from(format!("content/news/website-online.{default}.md")),
        format!(
            "---\ntitle: {}\ndate: {}\nsummary: {}\n---\nWrite the project's news here: one file per item, in `content/news/`.\n",
            yaml_text(&format!("The {} website is online", request.title)),
            request.today,
            yaml_text("The project's website is online, with its news, meetings and partners."),
        ),
    ));
    files.push((
        PathBuf::from(".gitignore"),
        "/public/\n/public.*/\n/.public.herald-*\n".to_string(),
    ));
    files
}

/// Writes a new site into `dir` (made if missing). Refuses a folder that already holds a
/// site, and never replaces a file.
pub fn init_site(dir: &Path, request: &InitRequest) -> Result<Vec<PathBuf>, CommandError> {
    if request.languages.is_empty() {
        return Err(CommandError::Usage("name at least one language".into()));
    }
    for code in &request.languages {
        if !crate::config::is_language_code(code) {
            return Err(CommandError::Usage(format!(
                "`{code}` is not a language code (write codes like en, es, ca)"
            )));
        }
    }
    if dir.join(crate::config::CONFIG_FILE).exists() {
        return Err(CommandError::one(
            Diagnostic::error(
                Location::file(dir.join(crate::config::CONFIG_FILE)),
                "there is a site here already",
            )
            .with_hint("run `herald init` in an empty folder, or give it a new one: herald init my-project"),
        ));
    }
    let files = starter_files(request);
    for (rel, _) in &files {
        if dir.join(rel).exists() {
            return Err(CommandError::one(Diagnostic::error(
                Location::file(dir.join(rel)),
                "this file exists; herald init never replaces a file",
            )));
        }
    }
    let mut written = Vec::new();
    for (rel, text) in files {
        let path = dir.join(&rel);
        let io = |err: std::io::Error| {
            CommandError::one(Diagnostic::error(
                Location::file(&path),
                format!("cannot write the file: {err}"),
            ))
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io)?;
        file.write_all(text.as_bytes()).map_err(io)?;
        written.push(rel);
    }
    Ok(written)
}
