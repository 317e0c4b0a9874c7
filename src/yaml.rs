//! Turning YAML errors into diagnostics an editor understands.

use std::path::Path;
use std::sync::Arc;

use crate::diagnostics::{Diagnostic, Location, did_you_mean_hint};

/// A diagnostic for a serde_yaml error in `source`, whose first line is line `line_offset + 1`
/// of the file `path` (front matter starts below the opening `---`).
pub fn yaml_diagnostic(
    err: &serde_yaml::Error,
    path: &Path,
    file_text: &Arc<str>,
    line_offset: usize,
) -> Diagnostic {
    let (line, column) = err
        .location()
        .map(|l| (l.line() + line_offset, l.column()))
        .unwrap_or((line_offset + 1, 0));
    let raw = err.to_string();
    let message = match raw.rfind(" at line ") {
        Some(i) => raw[..i].to_string(),
        None => raw,
    };
    let (message, hint) = explain(&message);
    Diagnostic::error(Location::at(path, line, column), message)
        .with_hint_opt(hint)
        .with_source(file_text.clone())
}

/// Rewrites serde's wording into plain words, with a did-you-mean where it helps.
fn explain(message: &str) -> (String, Option<String>) {
    let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let key = quoted.first().copied().unwrap_or(rest);
        let expected = &quoted[1.min(quoted.len())..];
        let hint = did_you_mean_hint(key, expected.iter().copied()).or_else(|| {
            (!expected.is_empty()).then(|| {
                format!(
                    "the keys allowed here are {}",
                    expected
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
        });
        return (format!("unknown key `{key}`"), hint);
    }
    if message.starts_with("unknown variant ") {
        let value = quoted.first().copied().unwrap_or("");
        let expected = &quoted[1.min(quoted.len())..];
        let hint = did_you_mean_hint(value, expected.iter().copied()).or_else(|| {
            Some(format!(
                "write one of {}",
                expected
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        });
        return (format!("`{value}` is not an accepted value here"), hint);
    }
    if message.starts_with("missing field ") {
        let key = quoted.first().copied().unwrap_or("");
        return (
            format!("the required key `{key}` is missing"),
            Some(format!("add a line `{key}: …`")),
        );
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        return (format!("wrong kind of value: {rest}"), None);
    }
    if message.starts_with("did not find expected")
        || message.contains("mapping values are not allowed")
        || message.contains("could not find expected")
        || message.contains("found character that cannot start")
    {
        return (
            format!("this is not valid YAML ({message})"),
            Some("check the indentation, and put a text that contains `: ` or starts with a special character in quotes".into()),
        );
    }
    (message.to_string(), None)
}

/// The 1-based line of the first line whose first word is `key:`.
pub fn line_of_key(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            let line = line.trim_start().trim_start_matches("- ");
            line.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|i| i + 1)
}

/// The 1-based line of `value` in the entry of `key`: the key's own line when it holds the
/// value inline, else the first later line that mentions it.
pub fn line_of_value(text: &str, key: &str, value: &str) -> Option<usize> {
    let start = line_of_key(text, key)?;
    text.lines()
        .enumerate()
        .skip(start - 1)
        .find(|(_, line)| line.contains(value))
        .map(|(i, _)| i + 1)
        .or(Some(start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_and_values() {
        let text = "title: A\npartners:\n  - aeiti\n  - citeve\n";
        assert_eq!(line_of_key(text, "partners"), Some(2));
        assert_eq!(line_of_value(text, "partners", "citeve"), Some(4));
        assert_eq!(line_of_key(text, "part"), None);
    }

    #[test]
    fn unknown_field_gets_a_suggestion() {
        let (message, hint) = explain("unknown field `titel`, expected one of `title`, `date`");
        assert_eq!(message, "unknown key `titel`");
        assert_eq!(hint.as_deref(), Some("did you mean `title`?"));
    }
}
