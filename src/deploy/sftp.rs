//! The `sftp` target: shared hosting that offers SFTP and no shell, in Rust (`russh` for SSH,
//! `russh-sftp` for the file protocol). What is uploaded when, and the manifest, are
//! [`super::remote`]'s; this module only speaks SFTP.
//!
//! - The server's key is checked against `known_hosts` (the target's, or `~/.ssh/known_hosts`):
//!   an unknown or changed key is refused before anything is sent.
//! - Authentication: the `key` file, else the keys of the SSH agent (`SSH_AUTH_SOCK`); then
//!   the password in the environment variable `password_env`, when the target names one.
//!   Messages name the key file and the variable, never what they hold.
//! - A file goes up under a temporary name and is renamed over the old one with the
//!   `posix-rename@openssh.com` extension (OpenSSH and most hosts), which replaces it in one
//!   step. A server without it gets a plain SFTP rename, which cannot replace a file: the old
//!   one is removed first, and for that moment the file is missing.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::client;
use russh::keys::{HashAlg, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh_sftp::client::RawSftpSession;
use russh_sftp::client::error::Error as SftpError;
use russh_sftp::protocol::{FileAttributes, OpenFlags, Packet, StatusCode};

use super::DeployError;
use super::remote::RemoteFiles;
use crate::config::SftpTarget;

const POSIX_RENAME: &str = "posix-rename@openssh.com";
/// Bytes per write request; every SFTP server takes this much.
const CHUNK: usize = 32 * 1024;
/// Write requests of one file in flight at once.
const IN_FLIGHT: usize = 16;
/// Seconds without an answer before a request fails.
const TIMEOUT: u64 = 60;

/// SFTP to one server, connected at the first operation.
pub struct SftpFiles {
    config: SftpTarget,
    key: Option<PathBuf>,
    known_hosts: PathBuf,
    runtime: Option<tokio::runtime::Runtime>,
    connection: Option<Connection>,
}

struct Connection {
    /// The SSH connection the SFTP session runs in.
    ssh: client::Handle<HostKeyCheck>,
    sftp: Arc<RawSftpSession>,
    posix_rename: bool,
}

impl SftpFiles {
    pub fn new(config: SftpTarget, root: &std::path::Path) -> Result<SftpFiles, DeployError> {
        check_name("host", &config.host)?;
        check_name("user", &config.user)?;
        let known_hosts = match &config.known_hosts {
            Some(path) => super::site_relative(root, path),
            None => home_known_hosts().ok_or_else(|| {
                DeployError::Target(
                    "there is no home folder to find ~/.ssh/known_hosts in; set `known_hosts` \
                     for this target"
                        .into(),
                )
            })?,
        };
        Ok(SftpFiles {
            key: config.key.as_ref().map(|k| super::site_relative(root, k)),
            known_hosts,
            config,
            runtime: None,
            connection: None,
        })
    }

    pub fn describe(&self) -> String {
        format!(
            "sftp {}@{}:{}",
            self.config.user, self.config.host, self.config.path
        )
    }

    fn port(&self) -> u16 {
        self.config.port.unwrap_or(22)
    }

    /// The SFTP session (connecting first) and the runtime to drive it.
    fn session(&mut self) -> Result<(&tokio::runtime::Runtime, &Connection), DeployError> {
        if self.runtime.is_none() {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|source| DeployError::Io {
                    context: "cannot start the network runtime".into(),
                    source,
                })?;
            self.runtime = Some(runtime);
        }
        if self.connection.is_none() {
            let runtime = self.runtime.as_ref().expect("made above");
            let connection = runtime.block_on(self.connect())?;
            self.connection = Some(connection);
        }
        Ok((
            self.runtime.as_ref().expect("made above"),
            self.connection.as_ref().expect("made above"),
        ))
    }

    async fn connect(&self) -> Result<Connection, DeployError> {
        let where_ = format!("{}:{}", self.config.host, self.port());
        let problem = Arc::new(Mutex::new(None));
        let check = HostKeyCheck {
            host: self.config.host.clone(),
            port: self.port(),
            known_hosts: self.known_hosts.clone(),
            problem: problem.clone(),
        };
        let config = Arc::new(client::Config {
            inactivity_timeout: Some(Duration::from_secs(TIMEOUT)),
            ..client::Config::default()
        });
        let connected = tokio::time::timeout(
            Duration::from_secs(TIMEOUT),
            client::connect(config, (self.config.host.as_str(), self.port()), check),
        )
        .await;
        let mut ssh = match connected {
            Ok(Ok(ssh)) => ssh,
            Ok(Err(err)) => {
                let said = problem.lock().ok().and_then(|mut p| p.take());
                return Err(DeployError::Target(match said {
                    Some(said) => said,
                    None => format!("cannot connect to {where_} over SSH: {err}"),
                }));
            }
            Err(_) => {
                return Err(DeployError::Target(format!(
                    "{where_} did not answer within {TIMEOUT} s"
                )));
            }
        };
        self.authenticate(&mut ssh).await?;
        let failed = |err: russh::Error| {
            DeployError::Target(format!("{where_} would not start SFTP: {err}"))
        };
        let channel = ssh.channel_open_session().await.map_err(failed)?;
        channel
            .request_subsystem(true, "sftp")
            .await
            .map_err(failed)?;
        let sftp = Arc::new(RawSftpSession::new(channel.into_stream()));
        sftp.set_timeout(TIMEOUT);
        let version = sftp
            .init()
            .await
            .map_err(|err| DeployError::Target(format!("{where_} would not start SFTP: {err}")))?;
        let posix_rename = version
            .extensions
            .get(POSIX_RENAME)
            .is_some_and(|v| v == "1");
        Ok(Connection {
            ssh,
            sftp,
            posix_rename,
        })
    }

    /// Tries the key file (or the agent's keys), then the password; says which were tried.
    async fn authenticate(
        &self,
        ssh: &mut client::Handle<HostKeyCheck>,
    ) -> Result<(), DeployError> {
        let user = self.config.user.as_str();
        let broken = |err: russh::Error| {
            DeployError::Target(format!("the SSH connection failed while logging in: {err}"))
        };
        let rsa_hash = ssh
            .best_supported_rsa_hash()
            .await
            .map_err(broken)?
            .flatten();
        let mut tried = Vec::new();
        if let Some(path) = &self.key {
            let key = russh::keys::load_secret_key(path, None).map_err(|err| {
                DeployError::Target(format!(
                    "cannot use the key {}: {err} (a key with a passphrase goes into an SSH agent)",
                    path.display()
                ))
            })?;
            let with_hash = PrivateKeyWithHashAlg::new(Arc::new(key), rsa_hash);
            if ssh
                .authenticate_publickey(user, with_hash)
                .await
                .map_err(broken)?
                .success()
            {
                return Ok(());
            }
            tried.push(format!("the key {}", path.display()));
        } else if std::env::var_os("SSH_AUTH_SOCK").is_some() {
            match russh::keys::agent::client::AgentClient::connect_env().await {
                Ok(mut agent) => {
                    let identities = agent.request_identities().await.unwrap_or_default();
                    for identity in &identities {
                        let key = identity.public_key().into_owned();
                        let hash = if key.algorithm().is_rsa() {
                            rsa_hash.or(Some(HashAlg::Sha256))
                        } else {
                            None
                        };
                        if let Ok(result) = ssh
                            .authenticate_publickey_with(user, key, hash, &mut agent)
                            .await
                            && result.success()
                        {
                            return Ok(());
                        }
                    }
                    tried.push(format!("the SSH agent's {} keys", identities.len()));
                }
                Err(err) => tried.push(format!("the SSH agent (unreachable: {err})")),
            }
        }
        if let Some(variable) = &self.config.password_env {
            let password = std::env::var(variable).map_err(|_| {
                DeployError::Target(format!(
                    "the environment variable {variable}, which `password_env` names, is not set"
                ))
            })?;
            if ssh
                .authenticate_password(user, password)
                .await
                .map_err(broken)?
                .success()
            {
                return Ok(());
            }
            tried.push(format!("the password in {variable}"));
        }
        Err(DeployError::Target(if tried.is_empty() {
            format!(
                "no way to log in as {user}: set `key`, run an SSH agent, or name the environment \
                 variable of the password in `password_env`"
            )
        } else {
            format!(
                "{} refused {user} (tried {})",
                self.config.host,
                tried.join(", ")
            )
        }))
    }

    fn fail(&self, what: &str, path: &str, err: SftpError) -> DeployError {
        DeployError::Target(format!(
            "sftp {}: cannot {what} {path}: {err}",
            self.config.host
        ))
    }
}

impl RemoteFiles for SftpFiles {
    fn read(&mut self, path: &str) -> Result<Option<Vec<u8>>, DeployError> {
        let (runtime, connection) = self.session()?;
        let sftp = &connection.sftp;
        let result: Result<Option<Vec<u8>>, SftpError> =
            runtime.block_on(guarded(&connection.ssh, async {
                let handle = match sftp
                    .open(path, OpenFlags::READ, FileAttributes::empty())
                    .await
                {
                    Ok(handle) => handle.handle,
                    Err(err) if is_status(&err, StatusCode::NoSuchFile) => return Ok(None),
                    Err(err) => return Err(err),
                };
                let mut bytes = Vec::new();
                loop {
                    match sftp
                        .read(handle.as_str(), bytes.len() as u64, CHUNK as u32)
                        .await
                    {
                        Ok(data) if data.data.is_empty() => break,
                        Ok(data) => bytes.extend_from_slice(&data.data),
                        Err(err) if is_status(&err, StatusCode::Eof) => break,
                        Err(err) => return Err(err),
                    }
                }
                sftp.close(handle).await?;
                Ok(Some(bytes))
            }));
        result.map_err(|err| self.fail("read", path, err))
    }

    fn make_dir(&mut self, path: &str) -> Result<(), DeployError> {
        let (runtime, connection) = self.session()?;
        let sftp = &connection.sftp;
        let result = runtime.block_on(guarded(&connection.ssh, async {
            match sftp.mkdir(path, FileAttributes::empty()).await {
                Ok(_) => Ok(()),
                // Already there (or not ours to make, but there): a folder will do.
                Err(err) => match sftp.stat(path).await {
                    Ok(attrs) if attrs.attrs.is_dir() => Ok(()),
                    _ => Err(err),
                },
            }
        }));
        result.map_err(|err| self.fail("make the folder", path, err))
    }

    fn write(&mut self, path: &str, bytes: &[u8]) -> Result<(), DeployError> {
        let (runtime, connection) = self.session()?;
        let sftp = &connection.sftp;
        let result = runtime.block_on(guarded(&connection.ssh, async {
            let attrs = FileAttributes {
                permissions: Some(0o644),
                ..FileAttributes::empty()
            };
            let handle = sftp
                .open(
                    path,
                    OpenFlags::CREATE | OpenFlags::TRUNCATE | OpenFlags::WRITE,
                    attrs,
                )
                .await?
                .handle;
            // Several writes in flight at once, so that a large file does not wait for a
            // round trip per chunk.
            let mut writes = tokio::task::JoinSet::new();
            let mut outcome = Ok(());
            for (index, chunk) in bytes.chunks(CHUNK).enumerate() {
                if writes.len() >= IN_FLIGHT {
                    outcome = outcome.and(joined(writes.join_next().await));
                    if outcome.is_err() {
                        break;
                    }
                }
                let (sftp, handle) = (Arc::clone(sftp), handle.clone());
                let (offset, data) = ((index * CHUNK) as u64, chunk.to_vec());
                writes.spawn(async move { sftp.write(handle, offset, data).await.map(|_| ()) });
            }
            while let Some(result) = writes.join_next().await {
                outcome = outcome.and(joined(Some(result)));
            }
            let closed = sftp.close(handle).await.map(|_| ());
            outcome.and(closed)
        }));
        result.map_err(|err| self.fail("upload", path, err))
    }

    fn replace(&mut self, from: &str, to: &str) -> Result<(), DeployError> {
        let (runtime, connection) = self.session()?;
        let sftp = &connection.sftp;
        let posix = connection.posix_rename;
        let result = runtime.block_on(guarded(&connection.ssh, async {
            if posix {
                let mut data = Vec::with_capacity(8 + from.len() + to.len());
                for text in [from, to] {
                    data.extend_from_slice(&(text.len() as u32).to_be_bytes());
                    data.extend_from_slice(text.as_bytes());
                }
                return match sftp.extended(POSIX_RENAME, data).await? {
                    Packet::Status(status) if status.status_code == StatusCode::Ok => Ok(()),
                    Packet::Status(status) => Err(SftpError::Status(status)),
                    _ => Err(SftpError::UnexpectedPacket),
                };
            }
            match sftp.rename(from, to).await {
                Ok(_) => Ok(()),
                Err(_) => {
                    // SFTP version 3 does not replace: remove the old file, then rename.
                    let _ = sftp.remove(to).await;
                    sftp.rename(from, to).await.map(|_| ())
                }
            }
        }));
        result.map_err(|err| self.fail("rename into place", to, err))
    }

    fn remove_file(&mut self, path: &str) -> Result<(), DeployError> {
        let (runtime, connection) = self.session()?;
        let sftp = &connection.sftp;
        let result = runtime.block_on(guarded(&connection.ssh, async {
            match sftp.remove(path).await {
                Ok(_) => Ok(()),
                Err(err) if is_status(&err, StatusCode::NoSuchFile) => Ok(()),
                Err(err) => Err(err),
            }
        }));
        result.map_err(|err| self.fail("delete", path, err))
    }

    fn remove_dir(&mut self, path: &str) -> bool {
        let Ok((runtime, connection)) = self.session() else {
            return false;
        };
        runtime
            .block_on(guarded(&connection.ssh, connection.sftp.rmdir(path)))
            .is_ok()
    }
}

/// Runs an SFTP request, failing at once when the SSH connection is lost (the request
/// itself would wait for its time limit).
async fn guarded<T>(
    ssh: &client::Handle<HostKeyCheck>,
    request: impl std::future::Future<Output = Result<T, SftpError>>,
) -> Result<T, SftpError> {
    let lost = async {
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if ssh.is_closed() {
                break;
            }
        }
    };
    tokio::select! {
        result = request => result,
        () = lost => Err(SftpError::UnexpectedBehavior("the connection was lost".into())),
    }
}

/// The outcome of a finished write task.
fn joined(
    result: Option<Result<Result<(), SftpError>, tokio::task::JoinError>>,
) -> Result<(), SftpError> {
    match result {
        None => Ok(()),
        Some(Ok(outcome)) => outcome,
        Some(Err(err)) => Err(SftpError::UnexpectedBehavior(format!(
            "a write did not finish: {err}"
        ))),
    }
}

fn is_status(err: &SftpError, code: StatusCode) -> bool {
    matches!(err, SftpError::Status(status) if status.status_code == code)
}

/// A host or user name that cannot be taken for something else.
fn check_name(what: &str, value: &str) -> Result<(), DeployError> {
    if value.is_empty() || value.contains(['@', ' ', '\n', '/']) {
        Err(DeployError::Target(format!(
            "`{value}` is not a {what} name"
        )))
    } else {
        Ok(())
    }
}

fn home_known_hosts() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".ssh/known_hosts"))
}

/// Accepts the server only when its key is the one in the known_hosts file.
struct HostKeyCheck {
    host: String,
    port: u16,
    known_hosts: PathBuf,
    /// Why the server was refused, for the message.
    problem: Arc<Mutex<Option<String>>>,
}

impl HostKeyCheck {
    fn refuse(&self, why: String) -> Result<bool, russh::Error> {
        if let Ok(mut problem) = self.problem.lock() {
            *problem = Some(why);
        }
        Ok(false)
    }
}

impl client::Handler for HostKeyCheck {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        server_key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let PublicKeyOrCertificate::PublicKey { key, .. } = server_key else {
            return self.refuse(format!(
                "{} presents a host certificate; herald checks plain host keys from known_hosts",
                self.host
            ));
        };
        let fingerprint = key.fingerprint(HashAlg::Sha256);
        let known = self.known_hosts.display();
        let entry = if self.port == 22 {
            self.host.clone()
        } else {
            format!("[{}]:{}", self.host, self.port)
        };
        match russh::keys::check_known_hosts_path(&self.host, self.port, key, &self.known_hosts) {
            Ok(true) => Ok(true),
            Ok(false) => self.refuse(format!(
                "the host key of {entry} ({fingerprint}) is not in {known}: check the fingerprint \
                 with the host, then add it (ssh-keyscan -p {} {} >> {known})",
                self.port, self.host
            )),
            Err(russh::keys::Error::KeyChanged { line }) => self.refuse(format!(
                "the host key of {entry} ({fingerprint}) is NOT the one in {known} (line {line}): \
                 the server was replaced or someone is in between; nothing was sent"
            )),
            Err(err) => self.refuse(format!("cannot check the host key against {known}: {err}")),
        }
    }
}
