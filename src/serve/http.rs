//! The preview's HTTP side: files of the built site from memory, the reload script, and the
//! event stream. Only paths of the built site are ever served.

use std::convert::Infallible;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

use super::state::{Preview, PreviewEvent};
use crate::render::OutputContents;

const CLIENT_SCRIPT: &str = include_str!("client.js");
const EVENTS_PATH: &str = "/__herald/events";
const SCRIPT_PATH: &str = "/__herald/client.js";

pub fn router(preview: Preview) -> Router {
    Router::new()
        .route(EVENTS_PATH, get(events))
        .route(SCRIPT_PATH, get(client_script))
        .fallback(site_file)
        .with_state(preview)
}

async fn client_script() -> Response {
    with_headers(
        StatusCode::OK,
        "text/javascript; charset=utf-8",
        CLIENT_SCRIPT.as_bytes().to_vec(),
        false,
    )
}

async fn events(State(preview): State<Preview>) -> impl IntoResponse {
    // A page that connects while the site is broken sees the error at once.
    let current = preview.site.read().ok().and_then(|site| site.error.clone());
    let first = match current {
        Some(message) => event_for(&PreviewEvent::BuildError { message }),
        None => Event::default().event("ok").data("{}"),
    };
    let updates = BroadcastStream::new(preview.events.subscribe())
        .filter_map(|event| event.ok().map(|e| event_for(&e)));
    let stream = tokio_stream::once(first)
        .chain(updates)
        .map(Ok::<_, Infallible>);
    Sse::new(stream).keep_alive(KeepAlive::default())
}

fn event_for(event: &PreviewEvent) -> Event {
    match event {
        PreviewEvent::Reload { changed, css_only } => Event::default()
            .event("reload")
            .data(serde_json::json!({"changed": changed, "css_only": css_only}).to_string()),
        PreviewEvent::BuildError { message } => Event::default()
            .event("build-error")
            .data(serde_json::json!({"message": message}).to_string()),
    }
}

async fn site_file(State(preview): State<Preview>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return with_headers(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            b"method not allowed".to_vec(),
            false,
        );
    }
    let head = method == Method::HEAD;
    let Some(path) = request_path(uri.path()) else {
        return not_found(&preview, "", head);
    };
    let lookup = {
        let Ok(site) = preview.site.read() else {
            return with_headers(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain",
                Vec::new(),
                head,
            );
        };
        let candidates = if path.is_empty() || path.ends_with('/') {
            vec![format!("{path}index.html")]
        } else {
            vec![path.clone(), format!("{path}/index.html")]
        };
        candidates
            .into_iter()
            .enumerate()
            .find_map(|(n, candidate)| {
                site.files
                    .get(&candidate)
                    .map(|c| (n, candidate, c.clone()))
            })
    };
    match lookup {
        // `/en/news` → `/en/news/`, as web servers do for folders.
        Some((1, _, _)) => {
            let mut response = with_headers(
                StatusCode::MOVED_PERMANENTLY,
                "text/plain",
                Vec::new(),
                head,
            );
            if let Ok(location) = HeaderValue::from_str(&format!("/{path}/")) {
                response.headers_mut().insert(header::LOCATION, location);
            }
            response
        }
        Some((_, name, contents)) => match read_contents(&contents) {
            Some(bytes) => file_response(StatusCode::OK, &name, bytes, head),
            None => not_found(&preview, &path, head),
        },
        None => not_found(&preview, &path, head),
    }
}

/// The site's own 404 page: the language's when the path starts with one.
fn not_found(preview: &Preview, path: &str, head: bool) -> Response {
    let page = preview.site.read().ok().and_then(|site| {
        let lang = path.split('/').next().unwrap_or_default();
        site.files
            .get(&format!("{lang}/404.html"))
            .or_else(|| site.files.get("404.html"))
            .and_then(read_contents)
    });
    match page {
        Some(bytes) => file_response(StatusCode::NOT_FOUND, "404.html", bytes, head),
        None => with_headers(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            b"not found".to_vec(),
            head,
        ),
    }
}

fn read_contents(contents: &OutputContents) -> Option<Vec<u8>> {
    match contents {
        OutputContents::Bytes(bytes) => Some(bytes.to_vec()),
        OutputContents::BuiltIn(bytes) => Some(bytes.to_vec()),
        OutputContents::CopyOf(path) => {
            // Never follow a link that was put in place after the build.
            let meta = std::fs::symlink_metadata(path).ok()?;
            if meta.file_type().is_symlink() {
                return None;
            }
            std::fs::read(path).ok()
        }
    }
}

fn file_response(status: StatusCode, name: &str, mut bytes: Vec<u8>, head: bool) -> Response {
    let mime = mime_guess::from_path(name).first_or_octet_stream();
    let is_html = mime.essence_str() == "text/html";
    let content_type = if mime.type_() == "text"
        || mime.essence_str() == "application/javascript"
        || mime.essence_str() == "application/json"
    {
        format!("{}; charset=utf-8", mime.essence_str())
    } else {
        mime.essence_str().to_string()
    };
    if is_html {
        bytes = inject_client(bytes);
    }
    with_headers(status, &content_type, bytes, head)
}

fn with_headers(status: StatusCode, content_type: &str, body: Vec<u8>, head: bool) -> Response {
    let length = body.len();
    let mut response = Response::new(if head {
        Body::empty()
    } else {
        Body::from(body)
    });
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    response
}

/// Adds the reload script to an HTML page, before `</body>` when there is one.
pub fn inject_client(html: Vec<u8>) -> Vec<u8> {
    let tag = format!("<script src=\"{SCRIPT_PATH}\" defer></script>");
    let text = String::from_utf8_lossy(&html);
    match text.rfind("</body>") {
        Some(at) => {
            let mut out = String::with_capacity(text.len() + tag.len());
            out.push_str(&text[..at]);
            out.push_str(&tag);
            out.push_str(&text[at..]);
            out.into_bytes()
        }
        None => {
            let mut out = html;
            out.extend_from_slice(tag.as_bytes());
            out
        }
    }
}

/// The site-relative path a request asks for, or `None` for anything that tries to leave the
/// site: `..`, encoded slashes or dots, backslashes, NUL bytes.
pub fn request_path(raw: &str) -> Option<String> {
    let lower = raw.to_ascii_lowercase();
    if lower.contains("%2f") || lower.contains("%5c") || lower.contains("%00") {
        return None;
    }
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .ok()?;
    if !decoded.starts_with('/') || decoded.contains(['\\', '\0']) {
        return None;
    }
    let mut parts = Vec::new();
    let trailing_slash = decoded.ends_with('/');
    for segment in decoded.split('/').skip(1) {
        match segment {
            "" => continue,
            "." | ".." => return None,
            s if s.contains(':') => return None,
            s => parts.push(s),
        }
    }
    let mut path = parts.join("/");
    if trailing_slash && !path.is_empty() {
        path.push('/');
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths() {
        assert_eq!(request_path("/").as_deref(), Some(""));
        assert_eq!(request_path("/en/news/").as_deref(), Some("en/news/"));
        assert_eq!(
            request_path("/css/style.css").as_deref(),
            Some("css/style.css")
        );
        assert_eq!(
            request_path("/es/news/reuni%C3%B3n/").as_deref(),
            Some("es/news/reunión/")
        );
    }

    #[test]
    fn nothing_outside_the_site() {
        for attack in [
            "/../etc/passwd",
            "/en/../../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/%2E%2E/%2E%2E/etc/passwd",
            "/en%2f..%2f..%2fetc%2fpasswd",
            "/en/..%5c..%5cetc",
            "/en\\..\\etc",
            "/en/%00.html",
            "/C:/Windows/win.ini",
            "/./en/",
        ] {
            assert_eq!(request_path(attack), None, "{attack}");
        }
    }

    #[test]
    fn absolute_paths_stay_inside() {
        // `//etc/passwd` is the site path `etc/passwd`, which the site does not have.
        assert_eq!(request_path("//etc/passwd").as_deref(), Some("etc/passwd"));
    }

    #[test]
    fn the_script_goes_before_the_end_of_body() {
        let html = inject_client(b"<html><body><p>x</p></body></html>".to_vec());
        assert_eq!(
            String::from_utf8(html).unwrap(),
            "<html><body><p>x</p><script src=\"/__herald/client.js\" defer></script></body></html>"
        );
    }
}
