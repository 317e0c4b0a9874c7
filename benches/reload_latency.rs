//! Save-to-reload latency of `herald serve`: the time from writing a Markdown file to the
//! moment the server tells open pages to reload (the watcher's debounce included).
//!
//! usage: cargo bench --bench reload_latency -- SITE_DIR [EDITS]
//! Starts `herald serve` on SITE_DIR (a free port), listens to its event stream like a browser,
//! edits the body of one news item EDITS times (default 20) and prints the median and the
//! slowest latency. The edited file is restored at the end.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let Some(root) = args.next().map(PathBuf::from) else {
        eprintln!("usage: cargo bench --bench reload_latency -- SITE_DIR [EDITS]");
        std::process::exit(2);
    };
    let edits: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(20);
    let news = std::fs::read_dir(root.join("content/news"))
        .expect("content/news")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .min()
        .expect("a news file");
    let original = std::fs::read_to_string(&news).expect("read");

    let mut server = Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["serve", "--port", "0"])
        .current_dir(&root)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start herald serve");
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("address");
    let address = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .expect("address")
        .to_string();

    let mut stream = TcpStream::connect(&address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    write!(
        stream,
        "GET /__herald/events HTTP/1.1\r\nHost: {address}\r\n\r\n"
    )
    .expect("request");
    let mut events = BufReader::new(stream);
    let mut wait_for = |name: &str| {
        let mut current = String::new();
        loop {
            let mut line = String::new();
            if events.read_line(&mut line).expect("event stream") == 0 {
                panic!("the event stream ended");
            }
            if let Some(event) = line.trim_end().strip_prefix("event: ") {
                current = event.to_string();
            } else if line.starts_with("data: ") && current == name {
                return;
            }
        }
    };
    wait_for("ok");

    let mut latencies = Vec::with_capacity(edits);
    for n in 0..edits {
        let started = Instant::now();
        std::fs::write(&news, format!("{original}\nEdit number {n}.\n")).expect("write");
        wait_for("reload");
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        std::thread::sleep(Duration::from_millis(150));
    }
    std::fs::write(&news, original).expect("restore");
    let _ = server.kill();
    let _ = server.wait();
    latencies.sort_by(f64::total_cmp);
    println!(
        "save-to-reload latency over {edits} edits of {}: median {:.1} ms, slowest {:.1} ms",
        news.display(),
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1]
    );
}
