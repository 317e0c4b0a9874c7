//! `site.yaml`: the typed configuration of a site.

use std::path::Path;
use std::sync::Arc;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::diagnostics::{Diagnostic, Location, did_you_mean_hint};
use crate::yaml::yaml_diagnostic;

pub const CONFIG_FILE: &str = "site.yaml";

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub title: Localized,
    #[serde(default)]
    pub description: Option<Localized>,
    pub base_url: String,
    pub default_language: String,
    pub languages: IndexMap<String, LanguageConfig>,
    #[serde(default = "default_theme")]
    pub theme: String,
    /// Items per page of a section or tag list.
    #[serde(default = "default_pagination")]
    pub pagination: usize,
    /// Items in a feed (used by the feeds of a later stage; accepted here so sites can set it).
    #[serde(default = "default_feed_limit")]
    pub feed_limit: usize,
    #[serde(default)]
    pub menus: IndexMap<String, Vec<MenuEntry>>,
    #[serde(default)]
    pub funding: Option<FundingConfig>,
    /// The project's logo: a path under `static/` (`/images/logo.svg`) or a URL.
    #[serde(default)]
    pub logo: Option<String>,
    /// What visitors see where an item is not translated into their language.
    #[serde(default)]
    pub untranslated: UntranslatedConfig,
    /// Free-form values for themes.
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub extra: Option<serde_yaml::Value>,
    /// The accessibility statement, published in every language at `/<lang>/accessibility/`
    /// and linked from every page's footer.
    #[serde(default)]
    pub accessibility: Option<AccessibilityConfig>,
    /// Hosts other than the site's own that pages may load from (`herald check --privacy`).
    #[serde(default)]
    pub privacy: PrivacyConfig,
    /// Where `herald deploy NAME` publishes the site, by name.
    #[serde(default)]
    pub deploy: IndexMap<String, DeployTarget>,
}

fn default_theme() -> String {
    "default".to_string()
}
fn default_pagination() -> usize {
    10
}
fn default_feed_limit() -> usize {
    20
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LanguageConfig {
    pub name: String,
    /// BCP 47 locale used for dates, `en-GB`; defaults to the language code.
    #[serde(default)]
    pub locale: Option<String>,
    #[serde(default)]
    pub direction: Direction,
    /// Every published item must exist in this language: `herald check` reports those that
    /// do not (a funder may require the project's languages).
    #[serde(default)]
    pub required: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    #[default]
    Ltr,
    Rtl,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ltr => "ltr",
            Direction::Rtl => "rtl",
        }
    }
}

/// A text given once for all languages, or per language.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Localized {
    Same(String),
    PerLanguage(IndexMap<String, String>),
}

impl Localized {
    /// The text in `lang`, else in `fallback`.
    pub fn get<'a>(&'a self, lang: &str, fallback: &str) -> Option<&'a str> {
        match self {
            Localized::Same(text) => Some(text),
            Localized::PerLanguage(map) => map
                .get(lang)
                .or_else(|| map.get(fallback))
                .map(String::as_str),
        }
    }

    fn languages(&self) -> Vec<&str> {
        match self {
            Localized::Same(_) => Vec::new(),
            Localized::PerLanguage(map) => map.keys().map(String::as_str).collect(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MenuEntry {
    pub name: String,
    /// A section of the site: `news`, `meetings`, `partners`.
    #[serde(default)]
    pub section: Option<String>,
    /// A page, by its file name under `content/pages/` without language: `about`.
    #[serde(default)]
    pub page: Option<String>,
    /// Any other address.
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UntranslatedConfig {
    /// Where the language switcher (and internal links) lead for a missing translation.
    #[serde(default)]
    pub switcher: UntranslatedTarget,
    /// Whether lists of a language also show items that exist only in other languages.
    #[serde(default)]
    pub in_lists: bool,
}

impl Default for UntranslatedConfig {
    fn default() -> Self {
        UntranslatedConfig {
            switcher: UntranslatedTarget::Fallback,
            in_lists: false,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum UntranslatedTarget {
    /// A page in the visitor's language with the original text and a notice.
    #[default]
    Fallback,
    /// The section list in the visitor's language.
    Section,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FundingConfig {
    /// A programme preset that gives the statement and the disclaimer in each language:
    /// `horizon-europe`, `erasmus-plus`, `interreg`, `digital-europe`,
    /// `single-market-programme`, `creative-europe`, `life`.
    #[serde(default)]
    pub programme: Option<String>,
    /// With a `programme`: `funded` or `co-funded` (the default). Otherwise the statement's
    /// text, per language: "Co-funded by the European Union".
    #[serde(default)]
    pub statement: Option<Localized>,
    /// The disclaimer's text per language (a `programme` writes it).
    #[serde(default)]
    pub disclaimer: Option<Localized>,
    /// The agency that signed the grant, for the disclaimer: `EISMEA`, `REA`, `HaDEA`…
    #[serde(default)]
    pub granting_authority: Option<String>,
    #[serde(default)]
    pub grant_number: Option<String>,
    /// The EU emblem's image, a path under the site's or the theme's static files (default
    /// `/images/eu-emblem.svg`, the default theme's).
    #[serde(default)]
    pub emblem: Option<String>,
}

/// The facts of an accessibility statement, following the model statement of the EU Web
/// Accessibility Directive (Commission Implementing Decision (EU) 2018/1523).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessibilityConfig {
    /// How far the site meets the standard.
    pub status: ConformanceStatus,
    /// The standard assessed against (default: the theme's words for WCAG 2.1 level AA,
    /// EN 301 549, in each language).
    #[serde(default)]
    pub standard: Option<String>,
    /// Content that is not accessible yet, and why, per language.
    #[serde(default)]
    pub exceptions: IndexMap<String, Vec<String>>,
    /// Where visitors report problems or ask for content in another format: an email address
    /// or a web address.
    pub contact: String,
    /// The date the statement was prepared (YYYY-MM-DD).
    #[schemars(with = "String")]
    pub prepared: chrono::NaiveDate,
    /// The date of the last review (YYYY-MM-DD).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub reviewed: Option<chrono::NaiveDate>,
    /// How the site was assessed.
    #[serde(default)]
    pub method: AssessmentMethod,
    /// The web page of the enforcement procedure (the national body visitors can turn to).
    pub enforcement_url: String,
    /// The enforcement body's name, per language.
    #[serde(default)]
    pub enforcement_body: Option<Localized>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ConformanceStatus {
    FullyCompliant,
    PartiallyCompliant,
    NonCompliant,
}

impl ConformanceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConformanceStatus::FullyCompliant => "fully-compliant",
            ConformanceStatus::PartiallyCompliant => "partially-compliant",
            ConformanceStatus::NonCompliant => "non-compliant",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AssessmentMethod {
    #[default]
    SelfAssessment,
    ThirdParty,
}

impl AssessmentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AssessmentMethod::SelfAssessment => "self-assessment",
            AssessmentMethod::ThirdParty => "third-party",
        }
    }
}

/// What `herald check --privacy` allows: requests a visitor's browser makes to other hosts.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivacyConfig {
    /// Hosts pages may load from (`www.youtube-nocookie.com`); `*.example.eu` for its
    /// subdomains.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
}

/// A place `herald deploy` publishes to, chosen by `type`. Secrets are never written here:
/// passwords come from the environment variables the target names, keys from files or an
/// SSH agent.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum DeployTarget {
    /// A folder on this machine, such as a web server's root: atomic releases.
    Directory(DirectoryTarget),
    /// A server reached over SSH, with the system's `rsync` and `ssh`.
    Rsync(RsyncTarget),
    /// Shared hosting with SFTP only: files uploaded one by one, each renamed into place.
    Sftp(SftpTarget),
    /// Shared hosting with plain FTP (password in the clear: prefer `ftps`).
    Ftp(FtpTarget),
    /// Shared hosting with FTP over TLS (explicit, `AUTH TLS`).
    Ftps(FtpTarget),
    /// S3-compatible object storage (not supported yet).
    S3(RemoteLogin),
}

fn default_keep() -> usize {
    5
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectoryTarget {
    /// The folder the web server serves (relative paths are relative to the site's folder);
    /// herald makes it a symbolic link to the live release.
    pub path: std::path::PathBuf,
    /// Releases kept for `--rollback`, the live one included.
    #[serde(default = "default_keep")]
    pub keep: usize,
    /// Refuse a deploy that would delete more files than this.
    #[serde(default)]
    pub max_deletes: Option<usize>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RsyncTarget {
    pub host: String,
    /// The SSH user (default: ssh's own choice, from `~/.ssh/config` or the local user).
    #[serde(default)]
    pub user: Option<String>,
    /// The folder on the server the web server serves; nothing outside it is touched.
    pub path: String,
    /// The SSH port (default 22).
    #[serde(default)]
    pub port: Option<u16>,
    /// A private key file (default: the SSH agent and ssh's own defaults).
    #[serde(default)]
    pub key: Option<std::path::PathBuf>,
    /// A known_hosts file to check the server's key against (default: ssh's own); with it,
    /// an unknown server key is refused.
    #[serde(default)]
    pub known_hosts: Option<std::path::PathBuf>,
    /// Upload a new release folder (hard-linking unchanged files) and swap a symbolic link.
    #[serde(default)]
    pub atomic: bool,
    /// With `atomic`: releases kept for `--rollback`, the live one included.
    #[serde(default = "default_keep")]
    pub keep: usize,
    /// Refuse a deploy that would delete more files than this.
    #[serde(default)]
    pub max_deletes: Option<usize>,
}

/// An SFTP login. Authentication: `key`, else the SSH agent (`SSH_AUTH_SOCK`), and the
/// password in the environment variable `password_env` when that is set.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SftpTarget {
    pub host: String,
    /// The SSH user.
    pub user: String,
    /// The folder on the server the web server serves; herald deletes only files it
    /// published there.
    pub path: String,
    /// The SSH port (default 22).
    #[serde(default)]
    pub port: Option<u16>,
    /// A private key file without a passphrase (for a key with one, use an SSH agent).
    #[serde(default)]
    pub key: Option<std::path::PathBuf>,
    /// The known_hosts file to check the server's key against (default `~/.ssh/known_hosts`);
    /// a server whose key is not in it is refused.
    #[serde(default)]
    pub known_hosts: Option<std::path::PathBuf>,
    /// The environment variable that holds the password, e.g. `HERALD_SFTP_PASSWORD`.
    #[serde(default)]
    pub password_env: Option<String>,
    /// Refuse a deploy that would delete more files than this.
    #[serde(default)]
    pub max_deletes: Option<usize>,
}

/// An FTP or FTPS login.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FtpTarget {
    pub host: String,
    pub user: String,
    /// The folder on the server the web server serves, e.g. `/public_html`; herald deletes
    /// only files it published there.
    pub path: String,
    /// The port (default 21).
    #[serde(default)]
    pub port: Option<u16>,
    /// The environment variable that holds the password, e.g. `HERALD_FTP_PASSWORD`.
    pub password_env: String,
    /// FTPS: a PEM file of certificates to trust besides the usual authorities (a host's
    /// own certificate authority, or its self-signed certificate).
    #[serde(default)]
    pub ca_certificate: Option<std::path::PathBuf>,
    /// Refuse a deploy that would delete more files than this.
    #[serde(default)]
    pub max_deletes: Option<usize>,
}

/// A login on a server without a shell.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoteLogin {
    pub host: String,
    #[serde(default)]
    pub user: Option<String>,
    /// The folder on the server the web server serves.
    pub path: String,
    #[serde(default)]
    pub port: Option<u16>,
    /// The environment variable that holds the password, e.g. `HERALD_FTP_PASSWORD`.
    #[serde(default)]
    pub password_env: Option<String>,
    /// A private key file (SFTP).
    #[serde(default)]
    pub key: Option<std::path::PathBuf>,
    /// Refuse a deploy that would delete more files than this.
    #[serde(default)]
    pub max_deletes: Option<usize>,
}

/// The configuration with its source text, so that later stages can point into it.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: SiteConfig,
    pub source: Arc<str>,
}

impl LoadedConfig {
    /// The 1-based line of the first line that starts with `key:` (after indentation), to
    /// point at a setting that is wrong as a whole.
    pub fn line_of(&self, key: &str) -> usize {
        crate::yaml::line_of_key(&self.source, key).unwrap_or(0)
    }

    pub fn location_of(&self, key: &str) -> Location {
        Location::at(CONFIG_FILE, self.line_of(key), 1)
    }
}

/// Reads and checks `site.yaml` in `root`.
pub fn load_config(root: &Path) -> Result<LoadedConfig, Vec<Diagnostic>> {
    let path = root.join(CONFIG_FILE);
    let bytes = std::fs::read(&path).map_err(|err| {
        vec![
            Diagnostic::error(
                Location::file(CONFIG_FILE),
                format!("cannot read the site configuration: {err}"),
            )
            .with_hint("run herald in the folder that holds site.yaml"),
        ]
    })?;
    let text = crate::load::decode_text(&bytes, Path::new(CONFIG_FILE)).map_err(|d| vec![d])?;
    let source: Arc<str> = Arc::from(text);
    let config: SiteConfig = serde_yaml::from_str(&source)
        .map_err(|err| vec![yaml_diagnostic(&err, Path::new(CONFIG_FILE), &source, 0)])?;
    let loaded = LoadedConfig { config, source };
    let problems = validate(&loaded);
    if problems.is_empty() {
        Ok(loaded)
    } else {
        Err(problems)
    }
}

fn validate(loaded: &LoadedConfig) -> Vec<Diagnostic> {
    let config = &loaded.config;
    let mut problems = crate::funding::validate_funding(loaded);
    let source = loaded.source.clone();
    let mut error = |key: &str, message: String, hint: Option<String>| {
        problems.push(
            Diagnostic::error(loaded.location_of(key), message)
                .with_hint_opt(hint)
                .with_source(source.clone()),
        );
    };
    let codes: Vec<&str> = config.languages.keys().map(String::as_str).collect();
    if config.languages.is_empty() {
        error(
            "languages",
            "the site lists no languages".into(),
            Some("add at least one, e.g. `en: {name: English}`".into()),
        );
    }
    for code in &codes {
        if !is_language_code(code) {
            error(
                code,
                format!("`{code}` is not a language code"),
                Some("use a code like `en`, `es`, `ca` or `pt-BR`".into()),
            );
        }
    }
    if !config.languages.is_empty() && !config.languages.contains_key(&config.default_language) {
        error(
            "default_language",
            format!(
                "the default language `{}` is not one of the site's languages",
                config.default_language
            ),
            did_you_mean_hint(&config.default_language, codes.iter().copied()),
        );
    }
    if !(config.base_url.starts_with("http://") || config.base_url.starts_with("https://")) {
        error(
            "base_url",
            format!("base_url `{}` is not an http(s) address", config.base_url),
            Some("write the full address, e.g. `https://project.example.eu`".into()),
        );
    }
    if let Some(a11y) = &config.accessibility {
        if !(a11y.enforcement_url.starts_with("https://")
            || a11y.enforcement_url.starts_with("http://"))
        {
            error(
                "enforcement_url",
                format!(
                    "enforcement_url `{}` is not an http(s) address",
                    a11y.enforcement_url
                ),
                Some("give the web page of the enforcement procedure, e.g. `https://…`".into()),
            );
        }
        let contact = a11y.contact.trim();
        let is_web = contact.starts_with("https://") || contact.starts_with("http://");
        let is_email = !contact.contains(char::is_whitespace)
            && contact
                .split_once('@')
                .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'));
        if !is_web && !is_email {
            error(
                "contact",
                format!("the accessibility contact `{contact}` is neither an email address nor a web address"),
                Some("write an address visitors can use: `accessibility@project.example.eu` or `https://…/contact/`".into()),
            );
        }
    }
    if config.pagination == 0 {
        error("pagination", "pagination must be at least 1".into(), None);
    }
    let mut localized: Vec<(&str, &Localized)> = vec![("title", &config.title)];
    if let Some(description) = &config.description {
        localized.push(("description", description));
    }
    if let Some(funding) = &config.funding {
        if let Some(statement) = &funding.statement {
            localized.push(("statement", statement));
        }
        if let Some(disclaimer) = &funding.disclaimer {
            localized.push(("disclaimer", disclaimer));
        }
    }
    for (key, text) in localized {
        for lang in text.languages() {
            if !config.languages.contains_key(lang) {
                error(
                    key,
                    format!(
                        "`{key}` has a text for `{lang}`, which is not one of the site's languages"
                    ),
                    did_you_mean_hint(lang, codes.iter().copied()),
                );
            }
        }
    }
    for (lang, entries) in &config.menus {
        if !config.languages.contains_key(lang) {
            error(
                "menus",
                format!("there is a menu for `{lang}`, which is not one of the site's languages"),
                did_you_mean_hint(lang, codes.iter().copied()),
            );
        }
        for entry in entries {
            let targets = [&entry.section, &entry.page, &entry.url]
                .iter()
                .filter(|t| t.is_some())
                .count();
            if targets != 1 {
                error(
                    "menus",
                    format!(
                        "the menu entry `{}` must have exactly one of `section`, `page` or `url`",
                        entry.name
                    ),
                    None,
                );
            }
            if let Some(section) = &entry.section
                && crate::load::Section::from_folder(section).is_none()
            {
                error(
                    "menus",
                    format!(
                        "the menu entry `{}` names an unknown section `{section}`",
                        entry.name
                    ),
                    did_you_mean_hint(section, crate::load::Section::FOLDERS.iter().copied()),
                );
            }
        }
    }
    problems
}

/// `en`, `ca`, `pt-BR`, `zh-Hant`: letters, optionally a subtag.
pub fn is_language_code(code: &str) -> bool {
    let mut parts = code.split('-');
    let primary = parts.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_lowercase())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_codes() {
        assert!(is_language_code("en"));
        assert!(is_language_code("pt-BR"));
        assert!(!is_language_code("English"));
        assert!(!is_language_code("e"));
    }

    #[test]
    fn localized_falls_back() {
        let text: Localized = serde_yaml::from_str("{en: Hello, es: Hola}").unwrap();
        assert_eq!(text.get("es", "en"), Some("Hola"));
        assert_eq!(text.get("ca", "en"), Some("Hello"));
    }
}
