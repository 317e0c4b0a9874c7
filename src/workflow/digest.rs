//! The digest of an item's translatable text, which a translation records
//! (`translated_from: {lang, digest}`) so that `herald status` can tell when its source changed.
//!
//! It covers the body and the translatable front matter fields ([`TRANSLATABLE_KEYS`]), each
//! with its whitespace collapsed, so that re-wrapping a paragraph or re-indenting a list does
//! not make translations stale. Dates, partners, links and the other fields that a translation
//! copies as they are do not count.

use sha2::{Digest, Sha256};

use crate::load::{ContentFile, FrontMatter};

/// Front matter keys whose values are text in the item's language.
pub const TRANSLATABLE_KEYS: [&str; 7] = [
    "title", "summary", "tags", "image", "location", "agenda", "audience",
];

/// Hex digits kept of the SHA-256: enough to tell versions of one item apart.
const DIGEST_LENGTH: usize = 16;

/// The digest of `file`'s translatable text.
pub fn translation_digest(file: &ContentFile) -> String {
    digest_of(&file.front_matter, file.body())
}

/// The digest of a front matter's translatable fields and a body.
pub fn digest_of(front_matter: &FrontMatter, body: &str) -> String {
    let image_alt = front_matter.image.as_ref().and_then(|i| i.alt.as_deref());
    let image_caption = front_matter
        .image
        .as_ref()
        .and_then(|i| i.caption.as_deref());
    let fields: [(&str, Vec<&str>); 9] = [
        ("title", vec![front_matter.title.as_str()]),
        (
            "summary",
            front_matter.summary.as_deref().into_iter().collect(),
        ),
        (
            "tags",
            front_matter.tags.iter().map(String::as_str).collect(),
        ),
        ("image.alt", image_alt.into_iter().collect()),
        ("image.caption", image_caption.into_iter().collect()),
        (
            "location",
            front_matter.location.as_deref().into_iter().collect(),
        ),
        (
            "agenda",
            front_matter.agenda.iter().map(String::as_str).collect(),
        ),
        (
            "audience",
            front_matter.audience.iter().map(String::as_str).collect(),
        ),
        ("body", vec![body]),
    ];
    let mut hasher = Sha256::new();
    // Field names and separators keep "a" + "bc" apart from "ab" + "c".
    for (name, values) in fields {
        hasher.update(name.as_bytes());
        hasher.update([0x1d]);
        for value in values {
            for (i, word) in value.split_whitespace().enumerate() {
                if i > 0 {
                    hasher.update(b" ");
                }
                hasher.update(word.as_bytes());
            }
            hasher.update([0x1e]);
        }
        hasher.update([0x1f]);
    }
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect::<String>()[..DIGEST_LENGTH]
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::front_matter::ImageSpec;

    fn front_matter(title: &str) -> FrontMatter {
        FrontMatter {
            title: title.into(),
            ..Default::default()
        }
    }

    #[test]
    fn ignores_whitespace_only_changes() {
        let before = digest_of(&front_matter("Kick-off"), "One two\nthree.\n");
        let after = digest_of(&front_matter(" Kick-off "), "One  two three.\r\n\n");
        assert_eq!(before, after);
        assert_eq!(before.len(), DIGEST_LENGTH);
    }

    #[test]
    fn changes_with_the_text() {
        let base = digest_of(&front_matter("Kick-off"), "Body");
        assert_ne!(base, digest_of(&front_matter("Kick-off!"), "Body"));
        assert_ne!(base, digest_of(&front_matter("Kick-off"), "Body."));
        let with_caption = FrontMatter {
            image: Some(ImageSpec {
                src: "a.png".into(),
                alt: None,
                caption: Some("A caption".into()),
            }),
            ..front_matter("Kick-off")
        };
        assert_ne!(base, digest_of(&with_caption, "Body"));
    }

    #[test]
    fn ignores_fields_that_are_not_translated() {
        let base = digest_of(&front_matter("Kick-off"), "Body");
        let with_partners = FrontMatter {
            partners: vec!["aeiti".into()],
            author: Some("Ana".into()),
            ..front_matter("Kick-off")
        };
        assert_eq!(base, digest_of(&with_partners, "Body"));
    }

    #[test]
    fn keeps_list_items_apart() {
        let split = FrontMatter {
            agenda: vec!["a b".into(), "c".into()],
            ..front_matter("T")
        };
        let joined = FrontMatter {
            agenda: vec!["a".into(), "b c".into()],
            ..front_matter("T")
        };
        assert_ne!(digest_of(&split, ""), digest_of(&joined, ""));
    }
}
