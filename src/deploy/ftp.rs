//! The `ftp` and `ftps` targets: shared hosting with FTP only, with `suppaftp` (and `rustls`
//! for FTPS). What is uploaded when, and the manifest, are [`super::remote`]'s; this module
//! only speaks FTP.
//!
//! - `ftps` is explicit FTPS: `AUTH TLS` before the login, so the password and every file go
//!   encrypted. The server's certificate is checked against the usual authorities (the
//!   `webpki-roots` list) and, when the target names one, its own `ca_certificate`.
//! - `ftp` sends the password in the clear; it is there for hosts that offer nothing else.
//! - The password comes from the environment variable `password_env`, never from site.yaml;
//!   messages name the variable, never its value.
//! - Transfers are binary (FTP's default would rewrite line endings), in passive mode, with
//!   the address the server gives replaced by its own when it is a private one behind NAT.
//! - A file goes up under a temporary name and `RNFR`/`RNTO` renames it over the old one,
//!   which Unix servers do in one step. A server that refuses to rename over a file gets the
//!   old one removed first, and for that moment the file is missing.

use std::io::Cursor;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use suppaftp::rustls;
use suppaftp::types::FileType;
use suppaftp::{FtpError, FtpStream, RustlsConnector, RustlsFtpStream, Status};

use super::DeployError;
use super::remote::RemoteFiles;
use crate::config::FtpTarget;

const TIMEOUT: Duration = Duration::from_secs(60);

/// FTP or FTPS to one server, connected at the first operation.
pub struct FtpFiles {
    config: FtpTarget,
    secure: bool,
    ca_certificate: Option<PathBuf>,
    stream: Option<Stream>,
    /// The login folder, to come back to after looking into a folder.
    home: String,
}

enum Stream {
    Plain(FtpStream),
    Tls(Box<RustlsFtpStream>),
}

/// Runs `$body` with `$s` bound to whichever stream it is.
macro_rules! with_stream {
    ($stream:expr, $s:ident => $body:expr) => {
        match $stream {
            Stream::Plain($s) => $body,
            Stream::Tls($s) => $body,
        }
    };
}

impl FtpFiles {
    pub fn new(config: FtpTarget, secure: bool, root: &Path) -> Result<FtpFiles, DeployError> {
        if config.host.is_empty() || config.host.contains(['@', ' ', '\n', '/']) {
            return Err(DeployError::Target(format!(
                "`{}` is not a host name",
                config.host
            )));
        }
        if config.user.is_empty() || config.user.contains(['\n', '\r']) {
            return Err(DeployError::Target(format!(
                "`{}` is not a user name",
                config.user
            )));
        }
        Ok(FtpFiles {
            ca_certificate: config
                .ca_certificate
                .as_ref()
                .map(|p| super::site_relative(root, p)),
            config,
            secure,
            stream: None,
            home: String::new(),
        })
    }

    pub fn describe(&self) -> String {
        format!(
            "{} {}@{}:{}",
            if self.secure { "ftps" } else { "ftp" },
            self.config.user,
            self.config.host,
            self.config.path
        )
    }

    fn port(&self) -> u16 {
        self.config.port.unwrap_or(21)
    }

    fn where_(&self) -> String {
        format!("{}:{}", self.config.host, self.port())
    }

    fn fail(&self, what: &str, path: &str, err: FtpError) -> DeployError {
        DeployError::Target(format!(
            "{}: cannot {what} {path}: {}",
            self.where_(),
            describe_ftp_error(&err)
        ))
    }

    fn password(&self) -> Result<String, DeployError> {
        let variable = &self.config.password_env;
        std::env::var(variable).map_err(|_| {
            DeployError::Target(format!(
                "the environment variable {variable}, which `password_env` names, is not set"
            ))
        })
    }

    fn socket(&self) -> Result<TcpStream, DeployError> {
        let unreachable = |err: std::io::Error| {
            DeployError::Target(format!("cannot connect to {}: {err}", self.where_()))
        };
        let addresses: Vec<_> = (self.config.host.as_str(), self.port())
            .to_socket_addrs()
            .map_err(unreachable)?
            .collect();
        let mut last = None;
        for address in addresses {
            match TcpStream::connect_timeout(&address, TIMEOUT) {
                Ok(socket) => {
                    let _ = socket.set_read_timeout(Some(TIMEOUT));
                    let _ = socket.set_write_timeout(Some(TIMEOUT));
                    return Ok(socket);
                }
                Err(err) => last = Some(err),
            }
        }
        Err(unreachable(last.unwrap_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, "no address")
        })))
    }

    fn tls_connector(&self) -> Result<RustlsConnector, DeployError> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(path) = &self.ca_certificate {
            use rustls::pki_types::CertificateDer;
            use rustls::pki_types::pem::PemObject;
            let bad = |why: String| {
                DeployError::Target(format!(
                    "cannot use the certificates in {}: {why}",
                    path.display()
                ))
            };
            let certificates =
                CertificateDer::pem_file_iter(path).map_err(|e| bad(e.to_string()))?;
            let mut added = 0;
            for certificate in certificates {
                let certificate = certificate.map_err(|e| bad(e.to_string()))?;
                roots.add(certificate).map_err(|e| bad(e.to_string()))?;
                added += 1;
            }
            if added == 0 {
                return Err(bad("it holds no PEM certificate".into()));
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| DeployError::Target(format!("TLS: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(RustlsConnector::from(Arc::new(config)))
    }

    fn connect(&mut self) -> Result<(), DeployError> {
        let password = self.password()?;
        let user = self.config.user.clone();
        let login_failed = |this: &Self, err: FtpError| {
            DeployError::Target(format!(
                "{} refused the login of {user} (password from {}): {}",
                this.where_(),
                this.config.password_env,
                describe_ftp_error(&err)
            ))
        };
        let socket = self.socket()?;
        let mut stream = if self.secure {
            let connector = self.tls_connector()?;
            let plain = RustlsFtpStream::connect_with_stream(socket)
                .map_err(|e| self.fail("connect to", "the server", e))?;
            let secure = plain
                .into_secure(connector, &self.config.host)
                .map_err(|e| {
                    DeployError::Target(format!(
                        "{} did not start TLS (AUTH TLS), or its certificate is not trusted: {}",
                        self.where_(),
                        describe_ftp_error(&e)
                    ))
                })?;
            Stream::Tls(Box::new(secure))
        } else {
            Stream::Plain(
                FtpStream::connect_with_stream(socket)
                    .map_err(|e| self.fail("connect to", "the server", e))?,
            )
        };
        with_stream!(&mut stream, s => {
            s.login(user.as_str(), password.as_str()).map_err(|e| login_failed(self, e))?;
            s.set_passive_nat_workaround(true);
            s.transfer_type(FileType::Binary)
                .map_err(|e| self.fail("switch to binary transfers on", "the server", e))?;
            self.home = s.pwd().map_err(|e| self.fail("find the login folder on", "the server", e))?;
        });
        self.stream = Some(stream);
        Ok(())
    }

    fn stream(&mut self) -> Result<&mut Stream, DeployError> {
        if self.stream.is_none() {
            self.connect()?;
        }
        Ok(self.stream.as_mut().expect("connected above"))
    }
}

impl Drop for FtpFiles {
    fn drop(&mut self) {
        if let Some(stream) = &mut self.stream {
            with_stream!(stream, s => { let _ = s.quit(); });
        }
    }
}

impl RemoteFiles for FtpFiles {
    fn read(&mut self, path: &str) -> Result<Option<Vec<u8>>, DeployError> {
        let stream = self.stream()?;
        let result = with_stream!(stream, s => s.retr_as_buffer(path));
        match result {
            Ok(buffer) => Ok(Some(buffer.into_inner())),
            Err(err) if is_unavailable(&err) => Ok(None),
            Err(err) => Err(self.fail("read", path, err)),
        }
    }

    fn make_dir(&mut self, path: &str) -> Result<(), DeployError> {
        let home = self.home.clone();
        let stream = self.stream()?;
        let result = with_stream!(stream, s => match s.mkdir(path) {
            Ok(()) => Ok(()),
            // Already there (or not ours to make, but there): a folder will do.
            Err(err) => match s.cwd(path) {
                Ok(()) => s.cwd(home.as_str()),
                Err(_) => Err(err),
            },
        });
        result.map_err(|err| self.fail("make the folder", path, err))
    }

    fn write(&mut self, path: &str, bytes: &[u8]) -> Result<(), DeployError> {
        let stream = self.stream()?;
        let result = with_stream!(stream, s => s.put_file(path, &mut Cursor::new(bytes)));
        match result {
            Ok(written) if written == bytes.len() as u64 => Ok(()),
            Ok(written) => Err(DeployError::Target(format!(
                "{}: {path} went up short ({written} of {} bytes)",
                self.where_(),
                bytes.len()
            ))),
            Err(err) => Err(self.fail("upload", path, err)),
        }
    }

    fn replace(&mut self, from: &str, to: &str) -> Result<(), DeployError> {
        let stream = self.stream()?;
        let result = with_stream!(stream, s => match s.rename(from, to) {
            Ok(()) => Ok(()),
            Err(_) => {
                // A server that does not rename over a file: remove it first.
                let _ = s.rm(to);
                s.rename(from, to)
            }
        });
        result.map_err(|err| self.fail("rename into place", to, err))
    }

    fn remove_file(&mut self, path: &str) -> Result<(), DeployError> {
        let stream = self.stream()?;
        let result = with_stream!(stream, s => s.rm(path));
        match result {
            Ok(()) => Ok(()),
            Err(err) if is_unavailable(&err) => Ok(()),
            Err(err) => Err(self.fail("delete", path, err)),
        }
    }

    fn remove_dir(&mut self, path: &str) -> bool {
        match self.stream() {
            Ok(stream) => with_stream!(stream, s => s.rmdir(path).is_ok()),
            Err(_) => false,
        }
    }
}

/// 550: no such file (or not allowed, which the next step reports).
fn is_unavailable(err: &FtpError) -> bool {
    matches!(err, FtpError::UnexpectedResponse(response) if response.status == Status::FileUnavailable)
}

/// What the server said, in one line.
fn describe_ftp_error(err: &FtpError) -> String {
    match err {
        FtpError::UnexpectedResponse(response) => {
            let text = String::from_utf8_lossy(&response.body);
            text.trim().to_string()
        }
        other => other.to_string(),
    }
}
