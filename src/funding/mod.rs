//! The funding acknowledgement of a site in each language: the texts `site.yaml` writes, or
//! those of a programme preset (`funding.programme`, `presets.yaml`) with the granting
//! authority and the "Funded"/"Co-funded" variant filled in.
//!
//! Templates show [`funding_texts`]; `check --compliance` also asks [`funding_problems`] which
//! languages lack a text of their own, and whether each statement names the Union in full.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::config::{FundingConfig, LoadedConfig, Localized};
use crate::diagnostics::{Diagnostic, did_you_mean_hint};

/// Where the EU emblem of the default theme is, when `funding.emblem` does not say.
pub const DEFAULT_EMBLEM: &str = "/images/eu-emblem.svg";

#[derive(Debug, Deserialize)]
struct Presets {
    statements: HashMap<String, HashMap<String, String>>,
    disclaimers: HashMap<String, String>,
    programmes: HashMap<String, Programme>,
    agencies: HashMap<String, HashMap<String, String>>,
    union_names: HashMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct Programme {
    authority: Option<String>,
}

fn presets() -> &'static Presets {
    static PRESETS: OnceLock<Presets> = OnceLock::new();
    PRESETS.get_or_init(|| {
        serde_yaml::from_str(include_str!("presets.yaml")).unwrap_or_else(|err| {
            // The file is part of herald and tested; this cannot happen in a release.
            panic!("src/funding/presets.yaml: {err}")
        })
    })
}

/// The programme presets, by name.
pub fn programme_names() -> Vec<&'static str> {
    let mut names: Vec<&str> = presets().programmes.keys().map(String::as_str).collect();
    names.sort_unstable();
    names
}

/// Where a text shown in one language comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextOrigin {
    /// `site.yaml` writes it for this language (or one text for all).
    Site,
    /// The programme preset's translation.
    Preset,
    /// Neither has this language: the default language's text is shown instead.
    Fallback,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingText {
    pub text: String,
    pub origin: TextOrigin,
}

/// The acknowledgement in one language.
#[derive(Debug, Clone, Default)]
pub struct FundingTexts {
    pub statement: Option<FundingText>,
    pub disclaimer: Option<FundingText>,
}

/// `funded` or `co-funded`: the preset variant that `statement` names, if it names one.
fn variant(funding: &FundingConfig) -> Option<&str> {
    match &funding.statement {
        Some(Localized::Same(text)) if matches!(text.as_str(), "funded" | "co-funded") => {
            Some(text)
        }
        _ => None,
    }
}

/// The statement as site.yaml writes it in `lang` (not a variant keyword).
fn own_text<'a>(text: Option<&'a Localized>, lang: &str) -> Option<&'a str> {
    match text? {
        Localized::Same(text) if matches!(text.as_str(), "funded" | "co-funded") => None,
        Localized::Same(text) => Some(text),
        Localized::PerLanguage(map) => map.get(lang).map(String::as_str),
    }
}

fn preset_statement(funding: &FundingConfig, lang: &str) -> Option<String> {
    funding.programme.as_ref()?;
    let variant = variant(funding).unwrap_or("co-funded");
    presets().statements.get(variant)?.get(lang).cloned()
}

/// The granting authority's acronym or name: site.yaml's, else the programme's usual one.
fn authority(funding: &FundingConfig) -> Option<String> {
    funding.granting_authority.clone().or_else(|| {
        presets()
            .programmes
            .get(funding.programme.as_deref()?)?
            .authority
            .clone()
    })
}

fn preset_disclaimer(funding: &FundingConfig, lang: &str, statement: &str) -> Option<String> {
    funding.programme.as_ref()?;
    let authority = authority(funding)?;
    let template = presets().disclaimers.get(lang)?;
    let named = presets()
        .agencies
        .get(&authority)
        .and_then(|names| names.get(lang))
        .cloned()
        .unwrap_or(authority);
    Some(
        template
            .replace("{statement}", statement.trim_end_matches('.'))
            .replace("{authority}", &named),
    )
}

/// The texts in `lang` without falling back to another language.
fn own_texts(funding: &FundingConfig, lang: &str) -> FundingTexts {
    let statement = own_text(funding.statement.as_ref(), lang)
        .map(|text| FundingText {
            text: text.to_string(),
            origin: TextOrigin::Site,
        })
        .or_else(|| {
            preset_statement(funding, lang).map(|text| FundingText {
                text,
                origin: TextOrigin::Preset,
            })
        });
    let disclaimer = own_text(funding.disclaimer.as_ref(), lang)
        .map(|text| FundingText {
            text: text.to_string(),
            origin: TextOrigin::Site,
        })
        .or_else(|| {
            let statement = statement.as_ref()?;
            preset_disclaimer(funding, lang, &statement.text).map(|text| FundingText {
                text,
                origin: TextOrigin::Preset,
            })
        });
    FundingTexts {
        statement,
        disclaimer,
    }
}

/// The acknowledgement shown to visitors reading `lang`: its own texts, else the default
/// language's (marked [`TextOrigin::Fallback`]).
pub fn funding_texts(funding: &FundingConfig, lang: &str, default: &str) -> FundingTexts {
    let own = own_texts(funding, lang);
    if lang == default {
        return own;
    }
    let default_texts = own_texts(funding, default);
    let fallback = |text: Option<FundingText>| {
        text.map(|t| FundingText {
            origin: TextOrigin::Fallback,
            ..t
        })
    };
    FundingTexts {
        statement: own.statement.or_else(|| fallback(default_texts.statement)),
        disclaimer: own
            .disclaimer
            .or_else(|| fallback(default_texts.disclaimer)),
    }
}

/// "European Union" in full in `lang`, in the forms a statement may use, when herald knows
/// them.
pub fn union_names(lang: &str) -> Option<&'static [String]> {
    let base = lang.split(['-', '_']).next().unwrap_or(lang);
    presets().union_names.get(base).map(Vec::as_slice)
}

/// Checks of site.yaml's `funding` that every build makes: a known programme.
pub fn validate_funding(loaded: &LoadedConfig) -> Vec<Diagnostic> {
    let Some(funding) = &loaded.config.funding else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    if funding.programme.is_none()
        && let Some(keyword) = variant(funding)
    {
        problems.push(
            Diagnostic::error(
                loaded.location_of("statement"),
                format!("`statement: {keyword}` chooses the wording of a programme preset, and `funding` names no `programme`"),
            )
            .with_hint(format!(
                "add the programme, e.g. `programme: horizon-europe` (the presets are: {}), or write the statement itself: `statement: {{en: \"Co-funded by the European Union\"}}`",
                programme_names().join(", ")
            ))
            .with_source(loaded.source.clone()),
        );
    }
    if let Some(programme) = &funding.programme
        && !presets().programmes.contains_key(programme)
    {
        let names = programme_names();
        problems.push(
            Diagnostic::error(
                loaded.location_of("programme"),
                format!("there is no programme preset `{programme}`"),
            )
            .with_hint_opt(
                did_you_mean_hint(programme, names.iter().copied())
                    .or_else(|| Some(format!("the presets are: {}", names.join(", ")))),
            )
            .with_source(loaded.source.clone()),
        );
    }
    problems
}

/// What `check --compliance` says of site.yaml's acknowledgement: languages without a text
/// of their own (an error, or a warning where only the preset lacks a translation), a
/// programme without a granting authority, and statements that abbreviate the Union's name.
pub fn funding_problems(loaded: &LoadedConfig) -> Vec<Diagnostic> {
    let config = &loaded.config;
    let source = loaded.source.clone();
    let at = |key: &str| loaded.location_of(key);
    let Some(funding) = &config.funding else {
        return vec![
            Diagnostic::error(
                at("title"),
                "site.yaml has no funding acknowledgement (`funding:`)",
            )
            .with_hint("name the programme and the grant, e.g.\n  funding:\n    programme: horizon-europe\n    statement: funded\n    granting_authority: REA\n    grant_number: \"101000000\"")
            .with_source(source),
        ];
    };
    let mut problems = Vec::new();
    let no_authority =
        funding.programme.is_some() && authority(funding).is_none() && funding.disclaimer.is_none();
    if no_authority {
        problems.push(
            Diagnostic::error(
                at("programme"),
                "the disclaimer names the granting authority, and this programme has several",
            )
            .with_hint("add `granting_authority:` under `funding:` (REA, EISMEA, HaDEA, CINEA, ERCEA, EACEA, or the managing authority's name)")
            .with_source(source.clone()),
        );
    }
    for lang in config.languages.keys() {
        let own = own_texts(funding, lang);
        for (key, text, what) in [
            ("statement", &own.statement, "funding statement"),
            ("disclaimer", &own.disclaimer, "disclaimer"),
        ] {
            let location = if config_has_key(loaded, key) {
                at(key)
            } else {
                at("funding")
            };
            match text {
                // Reported once above.
                None if key == "disclaimer" && no_authority => {}
                None if funding.programme.is_some() && preset_lacks(funding, key, lang) => {
                    problems.push(
                        Diagnostic::warning(
                            location,
                            format!("the programme preset has no {what} in {lang}; pages in {lang} show the {} one", config.default_language),
                        )
                        .with_hint(format!("write it under `funding:` → `{key}:` → `{lang}:`"))
                        .with_source(source.clone()),
                    );
                }
                None => problems.push(
                    Diagnostic::error(location, format!("site.yaml has no {what} in {lang}"))
                        .with_hint(format!(
                            "every page must carry it in its own language: add `{lang}: \"…\"` under `funding:` → `{key}:`, or use a programme preset (`programme: horizon-europe`)"
                        ))
                        .with_source(source.clone()),
                ),
                Some(_) => {}
            }
        }
        if let Some(statement) = &own.statement
            && let Some(names) = union_names(lang)
            && !names
                .iter()
                .any(|name| statement.text.to_lowercase().contains(&name.to_lowercase()))
        {
            let name = &names[0];
            problems.push(
                Diagnostic::error(
                    at("statement"),
                    format!(
                        "the funding statement in {lang} must write the Union's name in full (“{name}”): “{}”",
                        statement.text
                    ),
                )
                .with_hint("the EU's visibility rules do not allow “EU” in the statement beside the emblem")
                .with_source(source.clone()),
            );
        }
    }
    problems
}

/// Whether the preset leaves `key` (statement or disclaimer) untranslated in `lang` (as
/// opposed to site.yaml forgetting it).
fn preset_lacks(funding: &FundingConfig, key: &str, lang: &str) -> bool {
    let variant = variant(funding).unwrap_or("co-funded");
    match key {
        "statement" => presets()
            .statements
            .get(variant)
            .is_none_or(|texts| !texts.contains_key(lang)),
        _ => !presets().disclaimers.contains_key(lang) && authority(funding).is_some(),
    }
}

fn config_has_key(loaded: &LoadedConfig, key: &str) -> bool {
    crate::yaml::line_of_key(&loaded.source, key).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn funding(yaml: &str) -> FundingConfig {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn presets_parse_and_cover_their_languages() {
        let presets = presets();
        for variant in ["funded", "co-funded"] {
            for lang in ["en", "es", "ca", "fr", "de", "it", "pt"] {
                let statement = &presets.statements[variant][lang];
                assert!(
                    union_names(lang)
                        .unwrap()
                        .iter()
                        .any(|n| statement.contains(n.as_str())),
                    "{variant} {lang}: {statement}"
                );
                assert!(presets.disclaimers.contains_key(lang));
            }
        }
    }

    #[test]
    fn a_preset_fills_in_the_variant_and_the_authority() {
        let f = funding(
            "programme: single-market-programme\nstatement: co-funded\ngrant_number: \"1\"",
        );
        let es = funding_texts(&f, "es", "en");
        assert_eq!(
            es.statement.as_ref().unwrap().text,
            "Cofinanciado por la Unión Europea"
        );
        assert_eq!(es.statement.unwrap().origin, TextOrigin::Preset);
        let disclaimer = es.disclaimer.unwrap().text;
        assert!(
            disclaimer.starts_with("Cofinanciado por la Unión Europea. No obstante"),
            "{disclaimer}"
        );
        assert!(disclaimer.contains(
            "los de la Agencia Ejecutiva del Consejo Europeo de Innovación y de las Pymes (EISMEA)"
        ));
        let fr = funding_texts(&f, "fr", "en").disclaimer.unwrap().text;
        assert!(
            fr.contains("l’autorité chargée de l’octroi (EISMEA)"),
            "{fr}"
        );
        // No preset in Finnish: the default language's text, marked as such.
        let fi = funding_texts(&f, "fi", "en");
        assert_eq!(fi.statement.unwrap().origin, TextOrigin::Fallback);
    }

    #[test]
    fn site_texts_win_over_the_preset() {
        let f = funding(
            "programme: erasmus-plus\nstatement: {en: \"Funded by the European Union\", es: \"Financiado por la UE\"}",
        );
        assert_eq!(
            funding_texts(&f, "es", "en").statement.unwrap(),
            FundingText {
                text: "Financiado por la UE".into(),
                origin: TextOrigin::Site
            }
        );
        // The variant is not given as a keyword: the preset's default (co-funded) for ca.
        assert_eq!(
            funding_texts(&f, "ca", "en").statement.unwrap().text,
            "Cofinançat per la Unió Europea"
        );
    }
}
