//! `herald serve`: a live preview. Builds the site in memory (drafts and future items included),
//! serves it on loopback, rebuilds on every save and tells open pages to reload, or shows them
//! the error while the last good site stays up.

mod http;
pub mod state;
mod watch;

use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};

pub use http::{inject_client, request_path};
pub use state::{Preview, PreviewEvent};

use crate::BuildOptions;

pub struct ServeOptions {
    pub bind: IpAddr,
    pub port: u16,
}

/// How many ports after the requested one are tried when it is taken.
const PORT_ATTEMPTS: u16 = 20;

/// Runs the preview server until the process is stopped. Errors are only those that stop the
/// server from starting; content and template errors never end it.
pub fn serve(root: &Path, options: ServeOptions) -> Result<(), String> {
    let root: PathBuf = root
        .canonicalize()
        .map_err(|e| format!("cannot open the site folder {}: {e}", root.display()))?;
    if !options.bind.is_loopback() {
        eprintln!(
            "warning: serving on {} makes the preview (drafts included) reachable from other machines",
            options.bind
        );
    }
    let listener = bind(options.bind, options.port)?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    if options.port != 0 && address.port() != options.port {
        eprintln!(
            "port {} is taken; using {} instead",
            options.port,
            address.port()
        );
    }
    let host = if address.ip().is_unspecified() {
        IpAddr::from([127, 0, 0, 1])
    } else {
        address.ip()
    };
    let url = format!("http://{}", SocketAddr::new(host, address.port()));
    let build_options = BuildOptions {
        drafts: true,
        future: true,
        base_url: Some(url.clone()),
        ..BuildOptions::default()
    };

    let preview = Preview::new();
    let mut cache = crate::BuildCache::for_serve();
    match preview.rebuild(&root, &build_options, &mut cache, &[], false) {
        (PreviewEvent::BuildError { message }, _) => eprint!("{message}"),
        (_, elapsed) => eprintln!("built the preview in {} ms", elapsed.as_millis()),
    }
    println!(
        "Serving {} at {url}/ (drafts and future items shown). Press Ctrl+C to stop.",
        root.display()
    );

    let (mut watcher, changes) = watch::SiteWatcher::start(&root)?;
    let watch_preview = preview.clone();
    let watch_root = root.clone();
    std::thread::spawn(move || {
        for batch in changes {
            let Some(change) = watcher.relevant(batch) else {
                continue;
            };
            watcher.watch_new_dirs();
            let mut options = build_options.clone();
            options.now = chrono::Utc::now();
            let (event, elapsed) = watch_preview.rebuild(
                &watch_root,
                &options,
                &mut cache,
                &change.paths,
                change.touched_static,
            );
            match event {
                PreviewEvent::Reload { changed, .. } => {
                    let what = match changed.as_slice() {
                        [] => "nothing changed".to_string(),
                        [one] => one.clone(),
                        [first, rest @ ..] => format!("{first} and {} more", rest.len()),
                    };
                    eprintln!("rebuilt in {} ms: {what}", elapsed.as_millis())
                }
                PreviewEvent::BuildError { message } => eprint!("{message}"),
            }
        }
    });

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    runtime.block_on(async move {
        listener.set_nonblocking(true).map_err(|e| e.to_string())?;
        let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| e.to_string())?;
        axum::serve(listener, http::router(preview))
            .await
            .map_err(|e| format!("the server stopped: {e}"))
    })
}

/// Binds `port`, or the next free one when it is taken (port 0 lets the system choose).
fn bind(ip: IpAddr, port: u16) -> Result<TcpListener, String> {
    if port == 0 {
        return TcpListener::bind((ip, 0)).map_err(|e| format!("cannot listen on {ip}: {e}"));
    }
    let mut last_error = None;
    for candidate in port..port.saturating_add(PORT_ATTEMPTS) {
        match TcpListener::bind((ip, candidate)) {
            Ok(listener) => return Ok(listener),
            Err(err) => last_error = Some(err),
        }
    }
    Err(format!(
        "cannot listen on {ip}, ports {port} to {}: {}",
        port.saturating_add(PORT_ATTEMPTS - 1),
        last_error.map(|e| e.to_string()).unwrap_or_default()
    ))
}
