//! `herald serve` end to end: a real server on a free port, a fixture site edited on disk.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Fixture;

struct Server {
    child: Child,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(fixture: &Fixture) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["serve", "--port", "0"])
        .current_dir(fixture.root())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start herald serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the server prints its address");
    let address = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    Server { child, address }
}

/// A minimal HTTP/1.1 request; returns status and body.
fn request(server: &Server, method: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(&server.address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        server.address
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read");
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// The event stream: waits for the next event named `name`, returns its data.
struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    fn connect(server: &Server) -> Events {
        let mut stream = TcpStream::connect(&server.address).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "GET /__herald/events HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n\r\n",
            server.address
        )
        .unwrap();
        Events {
            reader: BufReader::new(stream),
        }
    }

    fn wait_for(&mut self, name: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut current = String::new();
        while Instant::now() < deadline {
            let mut line = String::new();
            if self.reader.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            let line = line.trim_end();
            if let Some(event) = line.strip_prefix("event: ") {
                current = event.to_string();
            } else if let Some(data) = line.strip_prefix("data: ")
                && current == name
            {
                return data.to_string();
            }
        }
        panic!("no `{name}` event arrived");
    }
}

#[test]
fn edits_reload_errors_show_and_the_last_good_site_stays() {
    let fixture = Fixture::small();
    let server = start(&fixture);
    let (status, page) = request(&server, "GET", "/en/news/later/");
    assert_eq!(status, 200);
    assert!(page.contains("Body."));
    assert!(
        page.contains("/__herald/client.js"),
        "the reload script is injected"
    );

    let mut events = Events::connect(&server);
    events.wait_for("ok");

    fixture.write(
        "content/news/later.en.md",
        "---\ntitle: Later news\ndate: 2024-05-01\n---\nFreshly edited text.\n",
    );
    let data = events.wait_for("reload");
    assert!(data.contains("en/news/later/index.html"), "{data}");
    assert!(
        request(&server, "GET", "/en/news/later/")
            .1
            .contains("Freshly edited text.")
    );

    fixture.write(
        "content/news/later.en.md",
        "---\ntitle: [broken\ndate: 2024-05-01\n---\nBroken text.\n",
    );
    let error = events.wait_for("build-error");
    assert!(error.contains("content/news/later.en.md:2"), "{error}");
    let (status, page) = request(&server, "GET", "/en/news/later/");
    assert_eq!(status, 200);
    assert!(
        page.contains("Freshly edited text."),
        "the last good page is still served"
    );

    fixture.write(
        "content/news/later.en.md",
        "---\ntitle: Later news\ndate: 2024-05-01\n---\nFixed text.\n",
    );
    events.wait_for("reload");
    assert!(
        request(&server, "GET", "/en/news/later/")
            .1
            .contains("Fixed text.")
    );
}

#[test]
fn drafts_and_future_items_are_previewed() {
    let fixture = Fixture::small();
    let server = start(&fixture);
    assert_eq!(request(&server, "GET", "/en/news/draft/").0, 200);
    assert_eq!(request(&server, "GET", "/en/news/future/").0, 200);
}

#[test]
fn only_files_of_the_site_are_served() {
    let fixture = Fixture::small();
    fixture.write("secret.txt", "top secret");
    fixture.write("static/ok.txt", "fine");
    #[cfg(unix)]
    std::os::unix::fs::symlink(fixture.path("secret.txt"), fixture.path("static/passwd"))
        .expect("symlink");
    let server = start(&fixture);
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/en/%2e%2e/%2e%2e/secret.txt",
        "/en%2f..%2f..%2fsecret.txt",
        "/en/..%5c..%5csecret.txt",
        "/en\\..\\secret.txt",
        "/secret.txt",
        "//etc/passwd",
        "/en/%00",
        "/passwd",
        "/site.yaml",
        "/content/news/later.en.md",
        "/css/",
    ] {
        let (status, body) = request(&server, "GET", path);
        assert_eq!(status, 404, "{path} must not be served");
        assert!(
            !body.contains("top secret") && !body.contains("root:"),
            "{path}"
        );
    }
    assert_eq!(request(&server, "GET", "/ok.txt").1, "fine");
}

#[test]
fn http_details() {
    let fixture = Fixture::small();
    let server = start(&fixture);
    let mut stream = TcpStream::connect(&server.address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "HEAD /css/style.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut head = String::new();
    stream.read_to_string(&mut head).unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.to_lowercase().contains("content-type: text/css"));
    assert!(head.to_lowercase().contains("cache-control: no-store"));
    assert!(head.ends_with("\r\n\r\n"), "HEAD has no body");
    let (status, body) = request(&server, "GET", "/es/no-such-page/");
    assert_eq!(status, 404);
    assert!(
        body.contains(r#"<html lang="es""#),
        "the site's own 404 page, in the visitor's language"
    );
    let (status, _) = request(&server, "GET", "/en/news/");
    assert_eq!(status, 200);
    let (status, _) = request(&server, "GET", "/en/");
    assert_eq!(status, 200);
}

/// A real browser sees an edit without any action. Needs Chromium and playwright-core
/// (`.ci/run` installs both); skipped, saying so, where they are missing.
#[test]
fn a_browser_reloads_after_an_edit() {
    let browser_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let has_node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !std::path::Path::new(&chromium).exists()
        || !has_node
        || !browser_dir.join("node_modules/playwright-core").exists()
    {
        eprintln!(
            "SKIPPED a_browser_reloads_after_an_edit: needs {chromium}, node and tests/browser/node_modules \
             (apt-get install chromium; cd tests/browser && npm install)"
        );
        return;
    }
    let fixture = Fixture::small();
    let server = start(&fixture);
    let output = Command::new("node")
        .arg(browser_dir.join("reload.mjs"))
        .arg(format!("http://{}/en/news/later/", server.address))
        .arg(fixture.path("content/news/later.en.md"))
        .arg("Text written while the browser was watching")
        .current_dir(&browser_dir)
        .output()
        .expect("run node");
    assert!(
        output.status.success(),
        "the browser did not see the edit:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// How editors and tools really save: the preview follows all of them.
#[test]
fn the_watcher_copes_with_how_files_are_saved() {
    let fixture = Fixture::small();
    let server = start(&fixture);
    let mut events = Events::connect(&server);
    events.wait_for("ok");

    // Write to a temporary file, then rename over the original (vim, VS Code, JetBrains).
    let temp = fixture.path("content/news/.later.en.md.tmp123");
    std::fs::write(
        &temp,
        "---\ntitle: Later news\ndate: 2024-05-01\n---\nSaved by rename.\n",
    )
    .unwrap();
    std::fs::rename(&temp, fixture.path("content/news/later.en.md")).unwrap();
    events.wait_for("reload");
    assert!(
        request(&server, "GET", "/en/news/later/")
            .1
            .contains("Saved by rename.")
    );

    // A swap file alone changes nothing and triggers no rebuild that breaks anything.
    fixture.write("content/news/.later.en.md.swp", "binary swap junk");

    // Deleted, then created again.
    fixture.remove("content/news/later.en.md");
    events.wait_for("reload");
    assert_eq!(request(&server, "GET", "/en/news/later/").0, 404);
    fixture.write(
        "content/news/later.en.md",
        "---\ntitle: Later news\ndate: 2024-05-01\n---\nBack again.\n",
    );
    events.wait_for("reload");
    assert!(
        request(&server, "GET", "/en/news/later/")
            .1
            .contains("Back again.")
    );

    // A burst of files at once (a `git checkout` of another branch).
    for n in 0..200 {
        fixture.write(
            &format!("content/news/burst-{n:03}.en.md"),
            &format!("---\ntitle: Burst {n}\ndate: 2024-02-01\n---\nBody {n}.\n"),
        );
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while request(&server, "GET", "/en/news/burst-199/").0 != 200 {
        assert!(
            Instant::now() < deadline,
            "the burst never showed up completely"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        request(&server, "GET", "/en/news/burst-000/")
            .1
            .contains("Body 0.")
    );

    // A bundle folder renamed.
    fixture.write(
        "content/news/visit/index.en.md",
        "---\ntitle: Visit\ndate: 2024-02-01\n---\nA visit.\n",
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while request(&server, "GET", "/en/news/visit/").0 != 200 {
        assert!(Instant::now() < deadline, "the new bundle never showed up");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::fs::rename(
        fixture.path("content/news/visit"),
        fixture.path("content/news/tour"),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while request(&server, "GET", "/en/news/tour/").0 != 200 {
        assert!(
            Instant::now() < deadline,
            "the renamed bundle never showed up"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(request(&server, "GET", "/en/news/visit/").0, 404);
}
