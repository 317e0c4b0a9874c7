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
    let raw = err.to_string();
    let (message, marks) = without_marks(&raw);
    // A quote or bracket that is never closed is reported where the text ends; the editor
    // needs the place where it was opened, which libyaml gives as the context's mark.
    let opened_at = marks.last().filter(|_| {
        message.contains("while scanning a quoted scalar")
            || message.contains("while parsing a flow")
    });
    let (line, column) = match opened_at {
        Some(&(line, column)) => (line + line_offset, column),
        None => err
            .location()
            .map(|l| (l.line() + line_offset, l.column()))
            .unwrap_or((line_offset + 1, 0)),
    };
    let line_text = file_text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    let (message, hint) = explain(&message, line_text);
    Diagnostic::error(Location::at(path, line, column), message)
        .with_hint_opt(hint)
        .with_source(file_text.clone())
}

/// The message without its ` at line N column M` marks (their lines count from the start of
/// the YAML text, not of the file), and the marks.
fn without_marks(raw: &str) -> (String, Vec<(usize, usize)>) {
    let mut message = String::new();
    let mut marks = Vec::new();
    let mut rest = raw;
    while let Some(start) = rest.find(" at line ") {
        message.push_str(&rest[..start]);
        let after = &rest[start + " at line ".len()..];
        let line_digits = after.chars().take_while(char::is_ascii_digit).count();
        let line = after[..line_digits].parse().unwrap_or(0);
        let after_line = &after[line_digits..];
        let Some(column_part) = after_line.strip_prefix(" column ") else {
            message.push_str(" at line ");
            rest = after;
            continue;
        };
        let column_digits = column_part.chars().take_while(char::is_ascii_digit).count();
        let column = column_part[..column_digits].parse().unwrap_or(0);
        marks.push((line, column));
        rest = &column_part[column_digits..];
    }
    message.push_str(rest);
    (message, marks)
}

/// Splits serde's `key: message` (the path of the value that is wrong) into the key and the
/// message.
fn split_path(message: &str) -> (Option<&str>, &str) {
    const SERDE_MESSAGES: [&str; 6] = [
        "invalid type: ",
        "invalid value: ",
        "unknown field ",
        "unknown variant ",
        "missing field ",
        "duplicate field ",
    ];
    if let Some((path, rest)) = message.split_once(": ")
        && !path.is_empty()
        && path
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '[' | ']'))
        && SERDE_MESSAGES.iter().any(|m| rest.starts_with(m))
    {
        return (Some(path), rest);
    }
    (None, message)
}

/// What serde calls a kind of value, in editors' words.
fn plain_kind(kind: &str) -> String {
    let kind = kind.trim();
    match kind {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number, 0 or more".into(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "a boolean" => "`true` or `false`".into(),
        "a string" | "string" => "a text".into(),
        "a sequence" | "sequence" => "a list, such as `[one, two]`".into(),
        "a map" | "map" => "keys with values (`key: value` lines)".into(),
        "unit value" => "nothing".into(),
        _ if kind.starts_with("struct ") => "keys with values (`key: value` lines)".into(),
        _ => {
            if let Some(text) = kind.strip_prefix("string ") {
                format!("the text {text}")
            } else if let Some(number) = kind.strip_prefix("integer ") {
                format!("the number {}", number.trim_matches('`'))
            } else if let Some(number) = kind.strip_prefix("floating point ") {
                format!("the number {}", number.trim_matches('`'))
            } else if let Some(value) = kind.strip_prefix("boolean ") {
                value.to_string()
            } else {
                kind.to_string()
            }
        }
    }
}

/// Rewrites serde's wording into plain words, with a did-you-mean where it helps.
/// `line_text` is the line the error points at.
fn explain(message: &str, line_text: &str) -> (String, Option<String>) {
    let (path, message) = split_path(message);
    let in_key = |text: String| match path {
        Some(path) => format!("{text} in `{path}`"),
        None => text,
    };
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
        return (in_key(format!("unknown key `{key}`")), hint);
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
        let message = match path {
            Some(path) => format!("`{value}` is not an accepted value for `{path}`"),
            None => format!("`{value}` is not an accepted value here"),
        };
        return (message, hint);
    }
    if message.starts_with("missing field ") {
        let key = quoted.first().copied().unwrap_or("");
        return (
            in_key(format!("the required key `{key}` is missing")),
            Some(format!("add a line `{key}: …`")),
        );
    }
    if message.starts_with("duplicate field ") {
        let key = quoted.first().copied().unwrap_or("");
        return (
            in_key(format!("the key `{key}` is written twice")),
            Some("keep one of them".into()),
        );
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let (found, expected) = rest.rsplit_once(", expected ").unwrap_or((rest, ""));
            let subject = match path {
                Some(path) => format!("`{path}`"),
                None => "this value".to_string(),
            };
            let message = if expected.is_empty() {
                format!("wrong kind of value for {subject}: {}", plain_kind(found))
            } else {
                let found = plain_kind(found).replace(", such as `[one, two]`", "");
                format!("{subject} must be {}, not {found}", plain_kind(expected))
            };
            return (message, None);
        }
    }
    if message.contains("cannot start any token") && line_text.contains('\t') {
        return (
            "this is not valid YAML: a tab is used for indentation".into(),
            Some("YAML indents with spaces only: replace the tab with spaces".into()),
        );
    }
    if message.contains("while scanning a quoted scalar") {
        return (
            "this is not valid YAML: a quoted text is not closed".into(),
            Some("add the closing quote at the end of the text".into()),
        );
    }
    if message.contains("while parsing a flow sequence") {
        return (
            "this is not valid YAML: a list in `[…]` is not closed".into(),
            Some("add the closing `]` at the end of the list, on the same line".into()),
        );
    }
    if message.contains("while parsing a flow mapping") {
        return (
            "this is not valid YAML: a mapping in `{…}` is not closed".into(),
            Some("add the closing `}`".into()),
        );
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
        let (message, hint) = explain("unknown field `titel`, expected one of `title`, `date`", "");
        assert_eq!(message, "unknown key `titel`");
        assert_eq!(hint.as_deref(), Some("did you mean `title`?"));
        let (message, hint) = explain(
            "image: unknown field `alt_text`, expected one of `src`, `alt`, `caption`",
            "",
        );
        assert_eq!(message, "unknown key `alt_text` in `image`");
        assert_eq!(hint.as_deref(), Some("did you mean `alt`?"));
    }

    #[test]
    fn wrong_kinds_in_plain_words() {
        let (message, _) = explain(
            "participants: invalid type: string \"many\", expected u32",
            "",
        );
        assert_eq!(
            message,
            "`participants` must be a whole number, 0 or more, not the text \"many\""
        );
        let (message, _) = explain(
            "image: invalid type: string \"a.png\", expected struct ImageSpec",
            "",
        );
        assert_eq!(
            message,
            "`image` must be keys with values (`key: value` lines), not the text \"a.png\""
        );
        let (message, hint) = explain(
            "status: unknown variant `canceled`, expected one of `scheduled`, `cancelled`",
            "",
        );
        assert_eq!(message, "`canceled` is not an accepted value for `status`");
        assert_eq!(hint.as_deref(), Some("did you mean `cancelled`?"));
    }

    #[test]
    fn marks_are_taken_out_of_messages() {
        let (message, marks) = without_marks(
            "found unexpected end of stream at line 3 column 1, while scanning a quoted scalar at line 1 column 8",
        );
        assert_eq!(
            message,
            "found unexpected end of stream, while scanning a quoted scalar"
        );
        assert_eq!(marks, [(3, 1), (1, 8)]);
        let (message, _) = explain(&message, "");
        assert_eq!(
            message,
            "this is not valid YAML: a quoted text is not closed"
        );
    }
}
