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

/// An OpenSSH server for the current user on 127.0.0.1, with its internal SFTP server.
pub struct Sshd {
    pub dir: TempDir,
    pub port: u16,
    pub user: String,
    child: Child,
}

impl Sshd {
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

    /// Stops the server at once (connections of its sessions too).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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
