//! Real servers on 127.0.0.1 for the deploy tests: Debian's OpenSSH server (for `rsync` and
//! `sftp` targets) and a Python `pyftpdlib` FTP server, each started by the test in a
//! temporary folder with throwaway keys and passwords, on a free port, and stopped when the
//! value is dropped. Where the programs are missing, `start` returns `None` and says why, so
//! the test can print that it skipped. `.ci/run` installs them.
#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// Debian's path of the OpenSSH server; `HERALD_TEST_SSHD` names another.
const SSHD: &str = "/usr/sbin/sshd";

/// Whether `program --version`-like probing finds `program` on `PATH` (or as a path).
pub fn has_program(program: &str) -> bool {
    if program.contains('/') {
        return Path::new(program).is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// The programs of `programs` that are not installed, or `None` when all are.
pub fn missing(programs: &[&str]) -> Option<String> {
    let missing: Vec<&str> = programs
        .iter()
        .copied()
        .filter(|p| !has_program(p))
        .collect();
    (!missing.is_empty()).then(|| missing.join(", "))
}

/// A port on 127.0.0.1 that nothing listens on (a moment ago).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// Waits until something accepts connections on `port`, or `child` exits.
fn wait_for_port(port: u16, child: &mut Child, timeout: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

pub fn current_user() -> String {
    let output = Command::new("id").arg("-un").output().expect("run id -un");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "herald-test", "-f"])
        .arg(path)
        .stdin(Stdio::null())
        .status()
        .expect("run ssh-keygen");
    assert!(status.success(), "ssh-keygen failed");
}

/// The processes below `pid` (its children, theirs, …), from /proc.
pub fn descendants(pid: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.filter_map(Result::ok) {
            let Some(child) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // `pid (name) state ppid …`; the name may hold spaces and parentheses.
            let Some(after) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
                continue;
            };
            if let Some(ppid) = after.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
                parents.push((child, ppid));
            }
        }
    }
    let mut found = Vec::new();
    let mut frontier = vec![pid];
    while let Some(parent) = frontier.pop() {
        for (child, ppid) in &parents {
            if *ppid == parent && !found.contains(child) {
                found.push(*child);
                frontier.push(*child);
            }
        }
    }
    found
}

/// An OpenSSH server for the current user on 127.0.0.1, with its internal SFTP server.
pub struct Sshd {
    pub dir: TempDir,
    pub port: u16,
    pub user: String,
    child: Child,
}

impl Sshd {
    /// Starts the server, or prints that `test` is skipped and why.
    pub fn start_or_skip(test: &str) -> Option<Sshd> {
        Sshd::start()
            .map_err(|why| eprintln!("SKIPPED {test}: {why}"))
            .ok()
    }

    /// Starts the server, or says why it cannot (`Err`, for the skip message).
    pub fn start() -> Result<Sshd, String> {
        let sshd = std::env::var("HERALD_TEST_SSHD").unwrap_or_else(|_| SSHD.to_string());
        if let Some(missing) = missing(&[&sshd, "ssh-keygen", "ssh"]) {
            return Err(format!(
                "needs {missing} (Debian: apt-get install openssh-server openssh-client)"
            ));
        }
        if is_root() && !Path::new("/run/sshd").is_dir() {
            // The privilege separation folder that Debian's service makes at boot.
            std::fs::create_dir_all("/run/sshd")
                .map_err(|e| format!("cannot create /run/sshd for sshd: {e}"))?;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        keygen(&dir.path().join("host_key"));
        keygen(&dir.path().join("user_key"));
        std::fs::copy(
            dir.path().join("user_key.pub"),
            dir.path().join("authorized_keys"),
        )
        .expect("authorized_keys");
        let user = current_user();
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = free_port();
            let d = dir.path().display();
            let config = format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\n\
                 AuthorizedKeysFile {d}/authorized_keys\nStrictModes no\n\
                 PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n\
                 PermitRootLogin prohibit-password\nAllowUsers {user}\n\
                 PidFile {d}/sshd.pid\nSubsystem sftp internal-sftp\nLogLevel ERROR\n\
                 MaxStartups 50\nMaxSessions 50\n"
            );
            std::fs::write(dir.path().join("sshd_config"), config).expect("sshd_config");
            let log = std::fs::File::create(dir.path().join("sshd.log")).expect("sshd.log");
            let mut child = Command::new(&sshd)
                .args(["-D", "-e", "-f"])
                .arg(dir.path().join("sshd_config"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .map_err(|e| format!("cannot start {sshd}: {e}"))?;
            if wait_for_port(port, &mut child, Duration::from_secs(10)) {
                let host_key =
                    std::fs::read_to_string(dir.path().join("host_key.pub")).expect("host key");
                let mut fields = host_key.split_whitespace();
                let (kind, key) = (fields.next().unwrap(), fields.next().unwrap());
                std::fs::write(
                    dir.path().join("known_hosts"),
                    format!("[127.0.0.1]:{port} {kind} {key}\n"),
                )
                .expect("known_hosts");
                return Ok(Sshd {
                    dir,
                    port,
                    user,
                    child,
                });
            }
            let _ = child.kill();
            let _ = child.wait();
            last_error = std::fs::read_to_string(dir.path().join("sshd.log")).unwrap_or_default();
        }
        Err(format!("sshd did not start: {}", last_error.trim()))
    }

    pub fn key(&self) -> PathBuf {
        self.dir.path().join("user_key")
    }

    pub fn known_hosts(&self) -> PathBuf {
        self.dir.path().join("known_hosts")
    }

    /// The lines of a target in site.yaml (under `deploy:`, named `name`) that reach this
    /// server with its key and known_hosts; `extra` lines are indented by the caller.
    pub fn target_yaml(&self, name: &str, kind: &str, path: &Path, extra: &str) -> String {
        format!(
            "  {name}:\n    type: {kind}\n    host: 127.0.0.1\n    port: {}\n    user: {}\n    \
             path: {}\n    key: {}\n    known_hosts: {}\n{extra}",
            self.port,
            self.user,
            path.display(),
            self.key().display(),
            self.known_hosts().display()
        )
    }

    /// Stops the server at once, and the processes of its open connections.
    pub fn kill(&mut self) {
        let sessions = descendants(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
        for pid in sessions {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
    }

    /// Starts the server again, on the same port with the same keys.
    pub fn restart(&mut self) {
        self.kill();
        let sshd = std::env::var("HERALD_TEST_SSHD").unwrap_or_else(|_| SSHD.to_string());
        let log = std::fs::File::create(self.dir.path().join("sshd.log")).expect("sshd.log");
        let mut child = Command::new(&sshd)
            .args(["-D", "-e", "-f"])
            .arg(self.dir.path().join("sshd_config"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("restart sshd");
        assert!(
            wait_for_port(self.port, &mut child, Duration::from_secs(10)),
            "sshd did not start again: {}",
            self.log()
        );
        self.child = child;
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The FTP server: pyftpdlib with one user, optionally FTPS (explicit, TLS required on both
/// connections), optionally dying (`os._exit`) when the upload after `die_after` begins.
const FTP_SERVER: &str = r#"
import os, sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
port, root, user, password, cert, die_after = sys.argv[1:7]
die_after = int(die_after)
base = FTPHandler
if cert != "-":
    from pyftpdlib.handlers import TLS_FTPHandler
    base = TLS_FTPHandler
class Handler(base):
    stores = 0
    def ftp_STOR(self, file, mode="w"):
        Handler.stores += 1
        if die_after and Handler.stores > die_after:
            os._exit(3)
        return super().ftp_STOR(file, mode)
authorizer = DummyAuthorizer()
authorizer.add_user(user, password, root, perm="elradfmwMT")
Handler.authorizer = authorizer
Handler.banner = "herald test server"
if cert != "-":
    Handler.certfile = cert
    Handler.tls_control_required = True
    Handler.tls_data_required = True
server = FTPServer(("127.0.0.1", int(port)), Handler)
server.serve_forever()
"#;

/// A Python that has pyftpdlib (and, for FTPS, pyOpenSSL): `HERALD_TEST_PYTHON`, `python3`,
/// or Debian's own.
pub fn python_with(modules: &str) -> Option<String> {
    let candidates = std::env::var("HERALD_TEST_PYTHON")
        .ok()
        .into_iter()
        .chain(["python3".to_string(), "/usr/bin/python3".to_string()]);
    for python in candidates {
        let ok = Command::new(&python)
            .args(["-c", &format!("import {modules}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(python);
        }
    }
    None
}

/// An FTP (or FTPS) server on 127.0.0.1 serving the folder `root` to one user.
pub struct Ftpd {
    pub dir: TempDir,
    pub port: u16,
    pub user: String,
    pub password: String,
    /// FTPS: the server's self-signed certificate, to trust.
    pub certificate: Option<PathBuf>,
    python: String,
    root: PathBuf,
    child: Option<Child>,
}

impl Ftpd {
    /// Starts the server, or prints that `test` is skipped and why.
    pub fn start_or_skip(test: &str, root: &Path, tls: bool, die_after: usize) -> Option<Ftpd> {
        Ftpd::start(root, tls, die_after)
            .map_err(|why| eprintln!("SKIPPED {test}: {why}"))
            .ok()
    }

    /// Starts the server, or says why it cannot (`Err`, for the skip message).
    pub fn start(root: &Path, tls: bool, die_after: usize) -> Result<Ftpd, String> {
        let modules = if tls {
            "pyftpdlib, OpenSSL"
        } else {
            "pyftpdlib"
        };
        let Some(python) = python_with(modules) else {
            return Err(format!(
                "needs a python3 with {modules} (Debian: apt-get install python3-pyftpdlib python3-openssl)"
            ));
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let certificate = if tls {
            if let Some(missing) = missing(&["openssl"]) {
                return Err(format!("needs {missing} to make a certificate"));
            }
            let status = Command::new("openssl")
                .args([
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-days",
                    "2",
                    "-subj",
                    "/CN=127.0.0.1",
                    "-addext",
                    "subjectAltName=IP:127.0.0.1",
                    "-addext",
                    "basicConstraints=critical,CA:FALSE",
                    "-keyout",
                ])
                .arg(dir.path().join("server.pem"))
                .arg("-out")
                .arg(dir.path().join("server.pem"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map_err(|e| format!("cannot run openssl: {e}"))?;
            if !status.success() {
                return Err("openssl could not make a certificate".into());
            }
            // The certificate alone, for the client to trust.
            let pem = std::fs::read_to_string(dir.path().join("server.pem")).unwrap();
            let start = pem
                .find("-----BEGIN CERTIFICATE-----")
                .expect("a certificate");
            std::fs::write(dir.path().join("ca.pem"), &pem[start..]).unwrap();
            Some(dir.path().join("ca.pem"))
        } else {
            None
        };
        std::fs::write(dir.path().join("server.py"), FTP_SERVER).expect("server.py");
        let mut ftpd = Ftpd {
            port: 0,
            user: "deployer".into(),
            password: format!("pw-{}-{}", std::process::id(), free_port()),
            certificate,
            python,
            root: root.to_path_buf(),
            child: None,
            dir,
        };
        ftpd.spawn(die_after)?;
        Ok(ftpd)
    }

    fn spawn(&mut self, die_after: usize) -> Result<(), String> {
        self.kill();
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = if self.port == 0 {
                free_port()
            } else {
                self.port
            };
            let log = std::fs::File::create(self.dir.path().join("ftpd.log")).expect("log");
            let cert = if self.certificate.is_some() {
                self.dir.path().join("server.pem").display().to_string()
            } else {
                "-".to_string()
            };
            let mut child = Command::new(&self.python)
                .arg(self.dir.path().join("server.py"))
                .arg(port.to_string())
                .arg(&self.root)
                .arg(&self.user)
                .arg(&self.password)
                .arg(cert)
                .arg(die_after.to_string())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .map_err(|e| format!("cannot start {}: {e}", self.python))?;
            if wait_for_port(port, &mut child, Duration::from_secs(10)) {
                self.port = port;
                self.child = Some(child);
                return Ok(());
            }
            let _ = child.kill();
            let _ = child.wait();
            last_error = self.log();
        }
        Err(format!(
            "the FTP server did not start: {}",
            last_error.trim()
        ))
    }

    /// Starts the server again on the same port, without dying this time.
    pub fn restart(&mut self) {
        self.spawn(0).expect("restart the FTP server");
    }

    /// Whether the server process has ended (a server told to die), within a few seconds:
    /// its connections close a moment before it is gone.
    pub fn has_exited(&mut self) -> bool {
        let Some(child) = &mut self.child else {
            return true;
        };
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if matches!(child.try_wait(), Ok(Some(_))) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    /// The lines of a target in site.yaml (under `deploy:`) that reach this server; the
    /// password goes in the environment variable `HERALD_TEST_FTP_PASSWORD`.
    pub fn target_yaml(&self, name: &str, path: &str) -> String {
        let mut yaml = format!(
            "  {name}:\n    type: {}\n    host: 127.0.0.1\n    port: {}\n    user: {}\n    \
             path: {path}\n    password_env: HERALD_TEST_FTP_PASSWORD\n",
            if self.certificate.is_some() {
                "ftps"
            } else {
                "ftp"
            },
            self.port,
            self.user,
        );
        if let Some(certificate) = &self.certificate {
            yaml.push_str(&format!("    ca_certificate: {}\n", certificate.display()));
        }
        yaml
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("ftpd.log")).unwrap_or_default()
    }

    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Ftpd {
    fn drop(&mut self) {
        self.kill();
    }
}
