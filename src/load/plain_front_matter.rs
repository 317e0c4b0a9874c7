//! A reader for front matter in the plain form that editors and `herald new` write: one
//! `key: value` per line, the values quoted or plain words, dates and numbers, lists in
//! brackets or as `- item` lines.
//!
//! serde_yaml (libyaml) spends about 8 000 instructions on a news item's front matter, an
//! eighth of a whole build; this reader a small part of that. It reads only what it is sure
//! of: anything else (nested keys, comments, block texts, escapes, anchors, words YAML may
//! read as something else than text, such as `no` or `~`) makes it give up, and so does a value
//! the front matter's types refuse. serde_yaml then reads the file as before, so that it
//! alone decides what anything unusual means, and every error (with its line) is its own.
//! The tests hold the two readers to the same result on every front matter this one reads.

use serde::Deserialize;
use serde_yaml::{Mapping, Value};

use super::front_matter::FrontMatter;

/// The front matter `text` holds, when it is in the plain form and its values fit.
pub fn read(text: &str) -> Option<FrontMatter> {
    FrontMatter::deserialize(Value::Mapping(mapping(text)?)).ok()
}

/// The keys and values of `text`, as serde_yaml would read them; `None` for anything outside
/// the plain form.
fn mapping(text: &str) -> Option<Mapping> {
    if has_special_characters(text) {
        return None;
    }
    // A key a line at most: the map never grows (and hashes its keys again) on the way.
    let mut mapping =
        Mapping::with_capacity(memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1);
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim_start_matches(' ').is_empty() {
            continue;
        }
        let (key, rest) = key_of(line)?;
        let value = if rest.is_empty() {
            // `key:` alone: `- item` lines follow, or indented `key: value` lines (or nothing,
            // which is null, left to serde_yaml).
            nested(&mut lines)?
        } else {
            line_value(rest)?
        };
        insert_new(&mut mapping, key, value)?;
    }
    // No keys at all is null to serde_yaml, not an empty mapping.
    (!mapping.is_empty()).then_some(mapping)
}

/// Whether `text` holds a character YAML gives rules of its own: tabs and carriage returns;
/// other control characters and the non-characters U+FFFE, U+FFFF, which libyaml refuses; NEL
/// and the line and paragraph separators, which it reads as line breaks; a byte order mark.
/// Byte by byte, as a character at a time costs ten times more on every front matter: in
/// UTF-8, 0xC2, 0xE2 and 0xEF only ever start a character.
fn has_special_characters(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.iter().any(|&b| (b < 0x20 && b != b'\n') || b == 0x7f) {
        return true;
    }
    memchr::memchr3_iter(0xC2, 0xE2, 0xEF, bytes).any(|at| {
        let next = &bytes[at + 1..];
        match bytes[at] {
            // U+0080 to U+009F, NEL among them.
            0xC2 => next.first().is_some_and(|b| (0x80..=0x9F).contains(b)),
            // U+2028, U+2029.
            0xE2 => next.starts_with(&[0x80, 0xA8]) || next.starts_with(&[0x80, 0xA9]),
            // U+FEFF, U+FFFE, U+FFFF.
            _ => [[0xBB, 0xBF], [0xBF, 0xBE], [0xBF, 0xBF]]
                .iter()
                .any(|tail| next.starts_with(tail)),
        }
    })
}

/// The value of a `key:` line: the `- item` lines (a list) or the more indented `key: value`
/// lines (a mapping of plain values) that follow, each at one indentation.
fn nested<'a>(lines: &mut std::iter::Peekable<impl Iterator<Item = &'a str>>) -> Option<Value> {
    let mut items = Vec::new();
    let mut entries = Mapping::new();
    let mut indent = None;
    while let Some(next) = lines.peek() {
        let text = next.trim_start_matches(' ');
        if text.is_empty() {
            lines.next();
            continue;
        }
        let this_indent = next.len() - text.len();
        let is_item = text.starts_with("- ");
        // A line at the left margin is the next key, unless the list is at the margin too.
        if this_indent == 0 && !(is_item && entries.is_empty() && indent.is_none_or(|i| i == 0)) {
            break;
        }
        if *indent.get_or_insert(this_indent) != this_indent {
            return None;
        }
        if let Some(item) = text.strip_prefix("- ") {
            if !entries.is_empty() {
                return None;
            }
            items.push(block_value(item)?);
        } else {
            let (key, rest) = key_of(text)?;
            if !items.is_empty() || rest.is_empty() {
                return None;
            }
            insert_new(&mut entries, key, line_value(rest)?)?;
        }
        lines.next();
    }
    match (items.is_empty(), entries.is_empty()) {
        (false, true) => Some(Value::Sequence(items)),
        (true, false) => Some(Value::Mapping(entries)),
        _ => None,
    }
}

/// The key of a `key: value` line at the start of the line, and the value's text (trimmed).
fn key_of(line: &str) -> Option<(&str, &str)> {
    let (key, rest) = line.split_once(':')?;
    let mut chars = key.chars();
    let first = chars.next()?;
    if !(first.is_ascii_lowercase() || first == '_')
        || !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        // `null: a` has a null key, `true: b` a boolean one (the key is lowercase by now).
        || matches!(key, "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n")
    {
        return None;
    }
    if !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    Some((key, rest.trim_matches(' ')))
}

/// The value written after `key: ` on its line: a list in brackets, or a single value.
fn line_value(rest: &str) -> Option<Value> {
    if rest.starts_with('[') {
        flow_sequence(rest)
    } else {
        block_value(rest)
    }
}

/// Adds `key` to `mapping`; `None` when it is there already (serde_yaml refuses that).
fn insert_new(mapping: &mut Mapping, key: &str, value: Value) -> Option<()> {
    mapping
        .insert(Value::String(key.to_string()), value)
        .is_none()
        .then_some(())
}

/// A value outside brackets: the rest of a line, trimmed.
fn block_value(text: &str) -> Option<Value> {
    let text = text.trim_matches(' ');
    match text.chars().next()? {
        '"' | '\'' => {
            let (value, after) = quoted(text)?;
            after.trim_start_matches(' ').is_empty().then_some(value)
        }
        _ => plain(text, false),
    }
}

/// A list in brackets on one line: `[a, "b c", d]`.
fn flow_sequence(text: &str) -> Option<Value> {
    let inner = text.strip_prefix('[')?.strip_suffix(']')?;
    let mut items = Vec::new();
    let mut rest = inner.trim_start_matches(' ');
    while !rest.is_empty() {
        let (item, after) = if rest.starts_with('"') || rest.starts_with('\'') {
            quoted(rest)?
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            (
                plain(rest[..end].trim_end_matches(' '), true)?,
                &rest[end..],
            )
        };
        items.push(item);
        let after = after.trim_start_matches(' ');
        rest = match after.strip_prefix(',') {
            // A comma must be followed by another item.
            Some(next) => {
                let next = next.trim_start_matches(' ');
                if next.is_empty() {
                    return None;
                }
                next
            }
            None if after.is_empty() => after,
            None => return None,
        };
    }
    Some(Value::Sequence(items))
}

/// A quoted text without escapes at the start of `text`, and what follows its closing quote.
fn quoted(text: &str) -> Option<(Value, &str)> {
    let quote = text.chars().next()?;
    let inner = &text[1..];
    let end = inner.find(quote)?;
    let value = &inner[..end];
    let after = &inner[end + 1..];
    // A backslash escapes in double quotes; a doubled quote is a quote in single ones.
    if (quote == '"' && value.contains('\\')) || (quote == '\'' && after.starts_with('\'')) {
        return None;
    }
    Some((Value::String(value.to_string()), after))
}

/// An unquoted value: a text that starts with a letter (or `/`), a date, a whole number, or
/// `true` / `false`. `in_brackets`: inside `[…]`, where `,[]{}` have meanings of their own.
fn plain(text: &str, in_brackets: bool) -> Option<Value> {
    if text.is_empty() || text.contains(" #") || text.contains(": ") || text.ends_with(':') {
        return None;
    }
    if in_brackets && text.contains(['[', ']', '{', '}', ',', ':']) {
        return None;
    }
    match text {
        "true" => return Some(Value::Bool(true)),
        "false" => return Some(Value::Bool(false)),
        _ => {}
    }
    if is_whole_number(text) {
        return text.parse::<u64>().ok().map(|n| Value::Number(n.into()));
    }
    if is_date(text) {
        return Some(Value::String(text.to_string()));
    }
    let first = text.chars().next()?;
    if !(first.is_alphabetic() || first == '/') || reads_as_other_than_text(text) {
        return None;
    }
    Some(Value::String(text.to_string()))
}

/// `0` or digits without a leading zero, short enough for any integer type.
fn is_whole_number(text: &str) -> bool {
    text.len() <= 18
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'))
}

/// `2020-06-30`, `2020-06-30 10:00`, `2020-06-30T10:00:00`, with `Z` or `+02:00` after a time.
fn is_date(text: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let shape = |s: &str, pattern: &str| {
        s.len() == pattern.len()
            && s.bytes().zip(pattern.bytes()).all(|(c, p)| match p {
                b'9' => c.is_ascii_digit(),
                _ => c == p,
            })
    };
    if text.len() < 10 || !text.is_char_boundary(10) || !shape(&text[..10], "9999-99-99") {
        return false;
    }
    let time = &text[10..];
    if time.is_empty() {
        return true;
    }
    let Some(time) = time.strip_prefix(' ').or_else(|| time.strip_prefix('T')) else {
        return false;
    };
    let (clock, zone) = match time.find(['Z', '+', '-']) {
        Some(at) => time.split_at(at),
        None => (time, ""),
    };
    let clock_ok = shape(clock, "99:99") || shape(clock, "99:99:99");
    let zone_ok = zone.is_empty() || zone == "Z" || {
        let offset = &zone[1..];
        shape(offset, "99:99") || (offset.len() == 4 && digits(offset))
    };
    clock_ok && zone_ok
}

/// Words that YAML (in one version or another) reads as a boolean or as nothing.
fn reads_as_other_than_text(text: &str) -> bool {
    const WORDS: [&str; 11] = [
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "nan", "inf",
    ];
    WORDS.iter().any(|word| word.eq_ignore_ascii_case(text))
}

#[cfg(test)]
mod tests {
    use super::{mapping, read};
    use crate::load::FrontMatter;

    /// What serde_yaml reads, when it reads a front matter at all.
    fn by_serde_yaml(text: &str) -> Option<FrontMatter> {
        serde_yaml::from_str(text).ok()
    }

    /// Whenever this reader reads a front matter, serde_yaml reads the same.
    fn agrees(text: &str) {
        if let Some(front_matter) = read(text) {
            assert_eq!(Some(front_matter), by_serde_yaml(text), "{text}");
        }
        if let Some(mapping) = mapping(text) {
            let by_yaml: serde_yaml::Value = serde_yaml::from_str(text).expect(text);
            assert_eq!(serde_yaml::Value::Mapping(mapping), by_yaml, "{text}");
        }
    }

    const PLAIN: &[&str] = &[
        "title: \"Dat lilféls palsnast\"\ndate: 2022-05-23\nsummary: \"Del la la, quantdepaprít: es ton.\"\ntags: [\"gestió de dades\", \"butlletí\"]\npartners: [crccg-026, jatz-006, jfm-036]\n",
        "title: \"Besras Agency\"\nshort_name: \"BAVS\"\ncountry: SK\nwebsite: \"https://www.bavs43.example.eu/\"\nrole: partner\n",
        "title: \"Fustpïst (Zagreb, 2022)\"\ndate: 2022-04-25\nlocation: \"Zagreb\"\nonline: false\npartners: [ckte-030, cnakl-041]\n",
        "title: Kick-off in Valencia\ndate: 2024-03-12 10:00\nend_date: 2024-03-13T17:30:00+01:00\nkind: workshop\nstatus: moved-online\nparticipants: 40\ntimezone: Europe/Madrid\nagenda:\n  - Welcome\n  - 'Work package 2'\n\n  - \"Next steps\"\naudience: []\n",
        "title: L'acord de Girona\nslug: acord-girona\ndraft: true\nweight: 0\nlogo: /images/logo.svg\ntags:\n- energia\n- clústers\n",
        "title: Open day\nimage:\n  src: \"photo.png\"\n  alt: \"Four cones of yarn, side by side\"\n  caption: \"Illustration: CIRCUWEAVE.\"\ntags: [open day]\n",
        "title: 'News: the second call'\ntranslation_key: call-2\naliases: [/old/call-2/]\ndate: 2024-05-01T09:00:00Z\nauthor: Ana Ruiz\n",
    ];

    #[test]
    fn finds_every_special_character_byte_by_byte() {
        let special = |c: char| {
            (c.is_control() && c != '\n')
                || matches!(
                    c,
                    '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
                )
        };
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let text = format!("title: a{c}b\n");
            assert_eq!(
                super::has_special_characters(&text),
                special(c),
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn reads_the_plain_form_as_serde_yaml_does() {
        for text in PLAIN {
            assert!(read(text).is_some(), "not read: {text}");
            agrees(text);
        }
    }

    #[test]
    fn leaves_anything_else_to_serde_yaml() {
        let unusual = [
            "title: ~\n",
            "title: null\n",
            "title: x\ndraft: yes\n",
            "title: x\ncountry: NO\n",
            "title: x\nonline: True\n",
            "title: a # a comment\n",
            "# a comment\ntitle: a\n",
            "title: \"a \\\"quoted\\\" word\"\n",
            "title: 'it''s'\n",
            "title: >\n  folded\n  text\n",
            "title: |\n  literal\n",
            "title: a\n  continued\n",
            "title: a\nimage: {src: a.png}\n",
            "title: a\ntags: [a, [b]]\n",
            "title: a\ntags: [a, ]\n",
            "title: a\ntags: [a b: c]\n",
            "title: a\ntags:\n  - a\n    - b\n",
            "title: a\ntags:\n",
            "title: a\ntitle: b\n",
            "title: &anchor a\n",
            "title: *alias\n",
            "title: !tag a\n",
            "title: a\nweight: -3\n",
            "title: a\nweight: 012\n",
            "title: a\nweight: 1_000\n",
            "title: a\nweight: 1.5\n",
            "title: 2024\n",
            "title: .inf\n",
            "title: a\tb\n",
            "title: a\r\ndate: 2024-01-01\r\n",
            "Title: a\n",
            "title:a\n",
            "title: \"unclosed\n",
            "title: \"a\" b\n",
            "title: a\nunknown_key: b\n",
            "title: a\ndate: 2024-13-45\n",
            "title: a\ndate: 2024-01-01 25:99\n",
            "title: a\nkind: party\n",
            "title: a\nparticipants: 99999999999\n",
            "title: a\ntags: [\"a\", 'b', c]\npartners: []\n",
            "title: a\nsummary: \"\"\n",
            "title: a\nimage:\n  src: a.png\n  alt:\n",
            "title: a\nimage:\n  src: a.png\n   alt: b\n",
            "title: a\nimage:\n  src: a.png\n  - b\n",
            "title: a\nimage:\n  src:\n    deeper: a.png\n",
            "title: a\nimage:\n  src: a.png\n  src: b.png\n",
            "title: a\nimage:\n  src: a.png\nalt: b\n",
            "title: a\nextra:\n  colour: red\n  count: 3\n  shown: true\n  list: [a, b]\n",
            "title: a\ntags:\n  - a\n- b\n",
            "title: a\ntags:\n- a\n  - b\n",
            "title: a: b\n",
            "title: a:\n",
            "title: -a\n",
            "title: a\ndate: 2024-01-01T10:00:00.5+02:00\n",
            "title: a\ndate: 2024-01-01 10:00 +0200\n",
        ];
        for text in unusual {
            agrees(text);
        }
        for text in &unusual[..30] {
            assert!(read(text).is_none(), "read: {text}");
        }
        // Found by comparing the two readers on generated texts: keys YAML reads as null or a
        // boolean, characters libyaml refuses or reads as line breaks, a colon in brackets.
        let refused = [
            "title: a\nextra:\n  null: a\n  true: b\n",
            "title: a\u{7f}b\n",
            "title: \"a\u{7}b\"\n",
            "title: a\u{0}b\n",
            "title: a\u{9f}b\n",
            "title: a\u{fffe}\n",
            "title: \"a\u{85}b\"\n",
            "title: 'a\u{85}b'\n",
            "title: a\u{2028}b\n",
            "title: a\u{85}b\n",
            "title: a\ntags: [a:?b]\n",
        ];
        for text in refused {
            assert!(mapping(text).is_none(), "read: {text:?}");
            agrees(text);
        }
    }

    /// Every front matter of the demonstration site, the archetypes and the test fixtures.
    #[test]
    fn agrees_with_serde_yaml_on_every_front_matter_of_the_project() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut read_here = 0;
        let mut seen = 0;
        for folder in ["content", "src/workflow/archetypes", "tests"] {
            for entry in walkdir::WalkDir::new(root.join(folder)) {
                let entry = entry.expect("the project's folders can be read");
                if entry.path().extension().is_none_or(|e| e != "md") {
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(entry.path()) else {
                    continue;
                };
                let Ok(doc) = crate::load::front_matter::split_front_matter(&text) else {
                    continue;
                };
                seen += 1;
                read_here += usize::from(read(doc.front_matter).is_some());
                agrees(doc.front_matter);
            }
        }
        // Most of them are in the plain form: the reader is not giving up on everything.
        assert!(seen > 20 && read_here * 2 > seen, "{read_here} of {seen}");
    }
}
