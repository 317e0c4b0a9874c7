//! The translation matrix as text for a terminal, JSON or CSV.

use std::fmt::Write;

use super::status::{TranslationCell, TranslationMatrix, TranslationState};

/// How `herald status` prints the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum StatusFormat {
    /// A table, what needs doing, and a summary line per language.
    #[default]
    Text,
    /// The matrix and the summary as one JSON object.
    Json,
    /// One row per item, one column per language.
    Csv,
}

pub fn format_matrix(matrix: &TranslationMatrix, format: StatusFormat) -> String {
    match format {
        StatusFormat::Text => text(matrix),
        StatusFormat::Json => json(matrix),
        StatusFormat::Csv => csv(matrix),
    }
}

fn cell_text(cell: &TranslationCell) -> String {
    let mut text = cell.state.as_str().to_string();
    if cell.draft {
        text.push_str(" (draft)");
    }
    text
}

/// "ca: 41 ok, 3 missing, 2 stale" (orphans only when there are some).
pub fn summary_lines(matrix: &TranslationMatrix) -> Vec<String> {
    matrix
        .summary()
        .iter()
        .map(|summary| {
            let counts: Vec<String> = TranslationState::ALL
                .iter()
                .filter(|&&state| state != TranslationState::Orphan || summary.orphan > 0)
                .map(|&state| format!("{} {}", summary.count(state), state.as_str()))
                .collect();
            format!("{}: {}", summary.lang, counts.join(", "))
        })
        .collect()
}

fn text(matrix: &TranslationMatrix) -> String {
    let mut out = String::new();
    let key_width = matrix
        .rows
        .iter()
        .map(|r| r.key.chars().count())
        .chain(std::iter::once("item".len()))
        .max()
        .unwrap_or(4);
    let cells: Vec<Vec<String>> = matrix
        .rows
        .iter()
        .map(|row| row.cells.iter().map(cell_text).collect())
        .collect();
    let widths: Vec<usize> = matrix
        .languages
        .iter()
        .enumerate()
        .map(|(column, lang)| {
            cells
                .iter()
                .map(|row| row[column].len())
                .chain(std::iter::once(lang.len()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut line = format!("{:key_width$}", "item");
    for (lang, width) in matrix.languages.iter().zip(&widths) {
        let _ = write!(line, "  {lang:width$}");
    }
    out.push_str(line.trim_end());
    out.push('\n');
    for (row, texts) in matrix.rows.iter().zip(&cells) {
        let mut line = format!("{:key_width$}", row.key);
        for (text, width) in texts.iter().zip(&widths) {
            let _ = write!(line, "  {text:width$}");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }

    let mut todo = Vec::new();
    for row in &matrix.rows {
        for cell in &row.cells {
            let (Some(path), Some(from)) = (&cell.path, &cell.translated_from) else {
                continue;
            };
            match cell.state {
                TranslationState::Stale => todo.push(format!(
                    "stale: {} (the {from} version changed since; once it is updated: herald translate --refresh {})",
                    path.display(),
                    path.display()
                )),
                TranslationState::Orphan => todo.push(format!(
                    "orphan: {} (translated from {from}, but there is no {from} version any more)",
                    path.display()
                )),
                TranslationState::Ok | TranslationState::Missing => {}
            }
        }
    }
    if !todo.is_empty() {
        out.push('\n');
        for line in todo {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out.push('\n');
    for line in summary_lines(matrix) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn json(matrix: &TranslationMatrix) -> String {
    let items: Vec<serde_json::Value> = matrix
        .rows
        .iter()
        .map(|row| {
            let translations: serde_json::Map<String, serde_json::Value> = matrix
                .languages
                .iter()
                .zip(&row.cells)
                .map(|(lang, cell)| {
                    (
                        lang.clone(),
                        serde_json::to_value(cell).unwrap_or(serde_json::Value::Null),
                    )
                })
                .collect();
            serde_json::json!({
                "key": row.key,
                "section": row.section.folder(),
                "translations": translations,
            })
        })
        .collect();
    let value = serde_json::json!({
        "languages": matrix.languages,
        "items": items,
        "summary": matrix.summary(),
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

fn csv(matrix: &TranslationMatrix) -> String {
    let mut out = String::from("item");
    for lang in &matrix.languages {
        out.push(',');
        out.push_str(&csv_field(lang));
    }
    out.push('\n');
    for row in &matrix.rows {
        out.push_str(&csv_field(&row.key));
        for cell in &row.cells {
            out.push(',');
            out.push_str(cell.state.as_str());
        }
        out.push('\n');
    }
    out
}

/// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_csv_fields_only_when_needed() {
        assert_eq!(csv_field("news/kick-off"), "news/kick-off");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
