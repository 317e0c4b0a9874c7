//! Front matter as the editor wrote it, cut into its top-level entries, so that commands that
//! change one key keep every other line (comments, quoting, order) exactly as it was.

/// One top-level entry: its key line and every line up to the next key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    /// `None` for comments and blank lines before the first key.
    pub key: Option<String>,
    /// The entry's lines, each with its line end.
    pub text: &'a str,
}

impl Entry<'_> {
    /// Whether the value continues below the key line (a list, a mapping, a long text).
    pub fn is_multiline(&self) -> bool {
        self.text
            .split_inclusive('\n')
            .skip(1)
            .any(|line| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
    }

    /// The entry with `comment` at the end of its key line, when YAML allows one there:
    /// after a complete one-line value, after a bare `key:`, or after a block scalar's `|`/`>`.
    /// `None` when the value starts on the key line and goes on below it.
    pub fn with_comment_on_key_line(&self, comment: &str) -> Option<String> {
        let mut lines = self.text.split_inclusive('\n');
        let first = lines.next()?;
        let content = first.trim_end_matches(['\n', '\r']);
        let ending = &first[content.len()..];
        let value = content
            .split_once(':')
            .map(|(_, value)| value.trim())
            .unwrap_or("");
        let comment_allowed = !self.is_multiline()
            || value.is_empty()
            || value.starts_with('#')
            || value.starts_with(['|', '>']);
        if !comment_allowed {
            return None;
        }
        let mut text = format!("{content}  # {comment}");
        text.push_str(if ending.is_empty() { "\n" } else { ending });
        for line in lines {
            text.push_str(line);
        }
        Some(text)
    }
}

/// The top-level key a line starts, if it starts one: `title: …` at the first column.
fn key_of_line(line: &str) -> Option<String> {
    let first = line.chars().next()?;
    if first.is_whitespace() || matches!(first, '#' | '-' | '[' | '{' | '?' | '&' | '*' | '!') {
        return None;
    }
    let (key, _) = line.split_once(':')?;
    let key = key.trim_end();
    let unquoted = key
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .or_else(|| key.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')))
        .unwrap_or(key);
    unquoted
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        .then(|| unquoted.to_string())
        .filter(|k| !k.is_empty())
}

/// Cuts `front_matter` (the text between the `---` lines) into its entries.
pub fn split_entries(front_matter: &str) -> Vec<Entry<'_>> {
    let mut entries = Vec::new();
    let mut start = 0;
    let mut key: Option<String> = None;
    let mut offset = 0;
    for line in front_matter.split_inclusive('\n') {
        if let Some(next_key) = key_of_line(line) {
            if offset > start {
                entries.push(Entry {
                    key: key.take(),
                    text: &front_matter[start..offset],
                });
            }
            start = offset;
            key = Some(next_key);
        }
        offset += line.len();
    }
    if offset > start {
        entries.push(Entry {
            key,
            text: &front_matter[start..offset],
        });
    }
    entries
}

/// The keys of a front matter's top-level mapping, as YAML reads them; `None` when it is not
/// a mapping.
pub fn mapping_keys(front_matter: &str) -> Option<Vec<String>> {
    let value: serde_yaml::Value = serde_yaml::from_str(front_matter).ok()?;
    let mapping = value.as_mapping()?;
    mapping
        .keys()
        .map(|k| k.as_str().map(str::to_string))
        .collect()
}

/// Whether [`split_entries`] found exactly the keys YAML reads, so that editing entries as
/// text is safe (it is not for a front matter written as one `{…}` mapping, say).
pub fn entries_match_yaml(front_matter: &str, entries: &[Entry]) -> bool {
    let Some(mut yaml_keys) = mapping_keys(front_matter) else {
        return false;
    };
    let mut text_keys: Vec<String> = entries.iter().filter_map(|e| e.key.clone()).collect();
    yaml_keys.sort();
    text_keys.sort();
    yaml_keys == text_keys
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRONT_MATTER: &str = "# a comment\ntitle: \"Kick-off\"\nagenda:\n  - One\n  - Two\n\nsummary: >\n  A long\n  text\nlocation: Terrassa,\n  Spain\ntags: [a, b]\n";

    #[test]
    fn cuts_at_top_level_keys() {
        let entries = split_entries(FRONT_MATTER);
        let keys: Vec<Option<&str>> = entries.iter().map(|e| e.key.as_deref()).collect();
        assert_eq!(
            keys,
            [
                None,
                Some("title"),
                Some("agenda"),
                Some("summary"),
                Some("location"),
                Some("tags")
            ]
        );
        assert_eq!(entries[2].text, "agenda:\n  - One\n  - Two\n\n");
        assert!(entries_match_yaml(FRONT_MATTER, &entries));
        let joined: String = entries.iter().map(|e| e.text).collect();
        assert_eq!(joined, FRONT_MATTER);
    }

    #[test]
    fn puts_comments_where_yaml_allows_them() {
        let entries = split_entries(FRONT_MATTER);
        let marked = |i: usize| entries[i].with_comment_on_key_line("TODO translate");
        assert_eq!(
            marked(1).as_deref(),
            Some("title: \"Kick-off\"  # TODO translate\n")
        );
        assert!(
            marked(2)
                .unwrap()
                .starts_with("agenda:  # TODO translate\n  - One")
        );
        assert!(
            marked(3)
                .unwrap()
                .starts_with("summary: >  # TODO translate\n")
        );
        assert_eq!(marked(4), None, "a plain text that goes on below its key");
        for text in [marked(1), marked(2), marked(3)].into_iter().flatten() {
            assert!(
                serde_yaml::from_str::<serde_yaml::Value>(&text).is_ok(),
                "{text}"
            );
        }
    }

    #[test]
    fn flow_mappings_are_not_cut() {
        let text = "{title: A, date: 2024-01-01}\n";
        assert!(!entries_match_yaml(text, &split_entries(text)));
    }
}
