//! Shortcodes: a paragraph of Markdown that is only `{{ name(key="value", …) }}` becomes a
//! piece of HTML that Markdown cannot write.
//!
//! `{{ video(url="https://www.youtube.com/watch?v=…", title="…") }}` is a two-click embed:
//! the page shows a placeholder that names the video's host, and loads the host's player only
//! when the visitor asks for it (`js/video-embed.js` of the theme). Until then the visitor's
//! browser contacts no other site, so `check --privacy` has nothing to report.

use super::escape_attribute as escape;

/// A shortcode as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortcode {
    pub name: String,
    pub args: Vec<(String, String)>,
}

impl Shortcode {
    pub fn arg(&self, key: &str) -> Option<&str> {
        self.args
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

pub const KNOWN: [&str; 1] = ["video"];

/// Parses `text` when it is one shortcode and nothing else. `Err` when it looks like one
/// but cannot be read.
pub fn parse_shortcode(text: &str) -> Option<Result<Shortcode, String>> {
    let inner = text.trim().strip_prefix("{{")?.strip_suffix("}}")?.trim();
    if inner.contains("{{") || inner.contains("}}") {
        return Some(Err(
            "one shortcode per paragraph: leave an empty line between two of them".to_string(),
        ));
    }
    let open = inner.find('(')?;
    let name = inner[..open].trim();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let Some(body) = inner[open + 1..].trim_end().strip_suffix(')') else {
        return Some(Err(format!("`{name}(` is not closed with `)`")));
    };
    Some(parse_args(body).map(|args| Shortcode {
        name: name.to_string(),
        args,
    }))
}

/// `url="…", title='…'`.
fn parse_args(body: &str) -> Result<Vec<(String, String)>, String> {
    let mut args = Vec::new();
    let mut rest = body.trim();
    while !rest.is_empty() {
        let Some(eq) = rest.find('=') else {
            return Err(format!("`{rest}` is not written `key=\"value\"`"));
        };
        let key = rest[..eq].trim().to_string();
        let after = rest[eq + 1..].trim_start();
        let Some(quote) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            return Err(format!("the value of `{key}` must be in quotes"));
        };
        let Some(end) = after[1..].find(quote) else {
            return Err(format!("the value of `{key}` has no closing quote"));
        };
        args.push((key, after[1..1 + end].to_string()));
        rest = after[1 + end + 1..].trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    Ok(args)
}

/// Where a video's player lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoEmbed {
    /// The player's address, loaded after consent.
    pub player: String,
    /// `YouTube`, `Vimeo`, or the host.
    pub provider: String,
    /// The host the player is loaded from.
    pub host: String,
}

/// The player of a video page address: YouTube (through its no-cookie host) and Vimeo (with
/// do-not-track); any other `https` address is embedded as it is.
pub fn video_embed(url: &str) -> Option<VideoEmbed> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.to_ascii_lowercase();
    let bare = host.trim_start_matches("www.").trim_start_matches("m.");
    let youtube = |id: &str| {
        let id: String = id
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        (!id.is_empty()).then(|| VideoEmbed {
            player: format!("https://www.youtube-nocookie.com/embed/{id}"),
            provider: "YouTube".into(),
            host: "www.youtube-nocookie.com".into(),
        })
    };
    match bare {
        "youtube.com" | "youtube-nocookie.com" => {
            if let Some(query) = path.strip_prefix("watch?") {
                let id = query.split('&').find_map(|p| p.strip_prefix("v="))?;
                youtube(id)
            } else {
                youtube(
                    path.strip_prefix("embed/")
                        .or_else(|| path.strip_prefix("shorts/"))?,
                )
            }
        }
        "youtu.be" => youtube(path),
        "vimeo.com" | "player.vimeo.com" => {
            let id: String = path
                .trim_start_matches("video/")
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            (!id.is_empty()).then(|| VideoEmbed {
                player: format!("https://player.vimeo.com/video/{id}?dnt=1"),
                provider: "Vimeo".into(),
                host: "player.vimeo.com".into(),
            })
        }
        _ if url.starts_with("https://") => Some(VideoEmbed {
            player: url.to_string(),
            provider: host.clone(),
            host,
        }),
        _ => None,
    }
}

/// The texts of the placeholder, in the page's language.
pub struct VideoTexts {
    /// `This video is shown by {provider}: playing it connects your browser to {host}, which
    /// may record your visit.`
    pub notice: String,
    pub play: String,
    /// `Watch it on {provider}`
    pub watch_on: String,
}

/// The two-click placeholder of a video.
pub fn video_html(
    url: &str,
    title: &str,
    embed: &VideoEmbed,
    texts: &VideoTexts,
    script_url: &str,
) -> String {
    let fill = |text: &str| {
        escape(
            &text
                .replace("{provider}", &embed.provider)
                .replace("{host}", &embed.host),
        )
    };
    format!(
        "<figure class=\"video-embed\" data-embed-src=\"{player}\" data-embed-title=\"{title}\">\n\
         <div class=\"video-consent\">\n\
         <p class=\"video-title\">{title}</p>\n\
         <p class=\"video-notice\">{notice}</p>\n\
         <p><button type=\"button\" class=\"video-load\">{play}</button> <a href=\"{url}\">{watch_on}</a></p>\n\
         </div>\n\
         </figure>\n\
         <script src=\"{script}\" defer></script>\n",
        player = escape(&embed.player),
        title = escape(title),
        notice = fill(&texts.notice),
        play = fill(&texts.play),
        url = escape(url),
        watch_on = fill(&texts.watch_on),
        script = escape(script_url),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_shortcodes() {
        assert_eq!(
            parse_shortcode(r#"{{ video(url="https://youtu.be/abc", title='Kick-off, part 1') }}"#),
            Some(Ok(Shortcode {
                name: "video".into(),
                args: vec![
                    ("url".into(), "https://youtu.be/abc".into()),
                    ("title".into(), "Kick-off, part 1".into())
                ]
            }))
        );
        assert!(matches!(
            parse_shortcode(r#"{{ video(url="x) }}"#),
            Some(Err(_))
        ));
        assert_eq!(parse_shortcode("Some {{ text }}"), None);
        assert_eq!(parse_shortcode("{{ not a shortcode }}"), None);
    }

    #[test]
    fn video_players() {
        for url in [
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=10",
            "https://youtu.be/dQw4w9WgXcQ",
            "https://www.youtube.com/embed/dQw4w9WgXcQ",
        ] {
            assert_eq!(
                video_embed(url).unwrap().player,
                "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
                "{url}"
            );
        }
        assert_eq!(
            video_embed("https://vimeo.com/76979871").unwrap().player,
            "https://player.vimeo.com/video/76979871?dnt=1"
        );
        assert_eq!(
            video_embed("https://media.example.eu/v/1").unwrap().host,
            "media.example.eu"
        );
        assert_eq!(video_embed("ftp://example.eu/v"), None);
    }
}
