//! `herald deploy` to `sftp`, `ftp` and `ftps` targets against real servers on 127.0.0.1,
//! started by the tests (see `common/servers.rs`): Debian's OpenSSH server with its
//! internal-sftp, and a Python pyftpdlib server. Skipped, saying so, where they are missing
//! (`.ci/run` installs them).

mod common;
#[path = "common/servers.rs"]
mod servers;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{Fixture, SITE_YAML, rewritten, stamps, stderr, tree};
use herald::deploy::manifest::{MANIFEST_FILE, Manifest};
use servers::{Ftpd, Sshd};
use tempfile::TempDir;

const REVISED: &str = "---\ntitle: First results\ndate: 2024-03-01\npartners: [citeve]\ntags: [textile]\n---\nIntro, revised.\n\n<!-- more -->\n\nDetails.\n";

/// A site deployed to a folder `www` that a server serves.
struct Remote {
    site: Fixture,
    /// The server's side.
    target: TempDir,
    env: Vec<(String, String)>,
}

impl Remote {
    fn new(yaml_for: impl FnOnce(&Path) -> String) -> Remote {
        let site = Fixture::small();
        let target = tempfile::tempdir().expect("temp dir");
        let yaml = yaml_for(target.path());
        site.write("site.yaml", &format!("{SITE_YAML}deploy:\n{yaml}"));
        Remote {
            site,
            target,
            env: Vec::new(),
        }
    }

    fn served(&self) -> PathBuf {
        self.target.path().join("www")
    }

    fn herald(&self, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_herald"));
        command
            .args(args)
            .current_dir(self.site.root())
            .env("NO_COLOR", "1")
            .env_remove("SSH_AUTH_SOCK");
        for (key, value) in &self.env {
            command.env(key, value);
        }
        command.output().expect("run herald")
    }

    fn deploy_ok(&self) -> String {
        let output = self.herald(&["deploy", "prod"]);
        assert!(output.status.success(), "{}", stderr(&output));
        stderr(&output)
    }

    /// The files a deploy would upload, from `--dry-run`'s list.
    fn planned_uploads(&self) -> Vec<String> {
        let output = self.herald(&["deploy", "prod", "--dry-run"]);
        assert!(output.status.success(), "{}", stderr(&output));
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.strip_prefix("upload "))
            .filter_map(|rest| rest.split(" (").next())
            .map(str::to_string)
            .collect()
    }

    /// Checks that the served tree is exactly the built site plus its manifest (and the
    /// `.htaccess` that a test put there, which is not herald's), with no temporary file.
    fn assert_serves_the_build(&self) {
        let mut served = tree(&self.served());
        served.remove(".htaccess");
        let manifest = served
            .remove(MANIFEST_FILE)
            .expect("a manifest on the target");
        let manifest = Manifest::parse(&String::from_utf8(manifest).unwrap(), "test").unwrap();
        let output = self.site.output();
        assert_eq!(
            served.keys().collect::<Vec<_>>(),
            output.keys().collect::<Vec<_>>()
        );
        assert!(served == output, "the target serves exactly public/");
        assert_eq!(manifest.files.len(), output.len());
    }

    /// Deploy, again (nothing written), one change (only its pages written), a removed
    /// item (its page and folder gone, a file herald did not publish kept).
    fn check_redeploys(&self) {
        let message = self.deploy_ok();
        assert!(message.contains("deployed to `prod`"), "{message}");
        self.assert_serves_the_build();

        let before = stamps(&self.served());
        let message = self.deploy_ok();
        assert!(message.contains("is up to date"), "{message}");
        assert_eq!(
            rewritten(&before, &stamps(&self.served())),
            Vec::<String>::new()
        );

        self.site.write("content/news/results.en.md", REVISED);
        let before = stamps(&self.served());
        let mut planned = self.planned_uploads();
        self.deploy_ok();
        planned.push(MANIFEST_FILE.to_string());
        planned.sort();
        assert!(
            planned.contains(&"en/news/results/index.html".to_string()),
            "{planned:?}"
        );
        assert!(planned.len() < 25, "{planned:?}");
        assert_eq!(rewritten(&before, &stamps(&self.served())), planned);
        self.assert_serves_the_build();

        fs::write(self.served().join(".htaccess"), "Options -Indexes\n").unwrap();
        self.site.remove("content/news/later.en.md");
        self.deploy_ok();
        assert!(!self.served().join("en/news/later/index.html").exists());
        assert!(
            !self.served().join("en/news/later").exists(),
            "the emptied folder goes too"
        );
        assert_eq!(
            fs::read_to_string(self.served().join(".htaccess")).unwrap(),
            "Options -Indexes\n"
        );
        self.assert_serves_the_build();
    }
}

#[test]
fn sftp_uploads_only_what_changed_and_deletes_only_its_own_files() {
    let Some(sshd) =
        Sshd::start_or_skip("sftp_uploads_only_what_changed_and_deletes_only_its_own_files")
    else {
        return;
    };
    let remote = Remote::new(|target| sshd.target_yaml("prod", "sftp", &target.join("www"), ""));
    // A file of many write requests, which go several at a time.
    let big: Vec<u8> = (0..1_500_000u32).map(|i| (i * 7 % 251) as u8).collect();
    remote.site.write_bytes("static/files/report.bin", &big);
    remote.check_redeploys();
    assert_eq!(
        fs::read(remote.served().join("files/report.bin")).unwrap(),
        big
    );
}

#[test]
fn sftp_logs_in_with_the_keys_of_an_ssh_agent() {
    let test = "sftp_logs_in_with_the_keys_of_an_ssh_agent";
    let Some(sshd) = Sshd::start_or_skip(test) else {
        return;
    };
    if let Some(missing) = servers::missing(&["ssh-agent", "ssh-add"]) {
        eprintln!("SKIPPED {test}: needs {missing}");
        return;
    }
    let socket = sshd.dir.path().join("agent.sock");
    // Stopped when the test ends, passed or not: a left-over agent holds the test run's
    // output open, and whatever reads it waits.
    struct Agent(std::process::Child);
    impl Drop for Agent {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _agent = Agent(
        Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start ssh-agent"),
    );
    for _ in 0..200 {
        if socket.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let added = Command::new("ssh-add")
        .arg(sshd.key())
        .env("SSH_AUTH_SOCK", &socket)
        .output()
        .expect("ssh-add");
    assert!(added.status.success(), "{}", stderr(&added));
    let remote = Remote::new(|target| {
        format!(
            "  prod:\n    type: sftp\n    host: 127.0.0.1\n    port: {}\n    user: {}\n    \
             path: {}\n    known_hosts: {}\n",
            sshd.port,
            sshd.user,
            target.join("www").display(),
            sshd.known_hosts().display()
        )
    });
    let without = remote.herald(&["deploy", "prod"]);
    assert_eq!(without.status.code(), Some(1));
    assert!(
        stderr(&without).contains("no way to log in"),
        "{}",
        stderr(&without)
    );
    let mut remote = remote;
    remote
        .env
        .push(("SSH_AUTH_SOCK".into(), socket.display().to_string()));
    remote.deploy_ok();
    remote.assert_serves_the_build();
}

#[test]
fn sftp_refuses_a_server_whose_key_is_unknown() {
    let Some(sshd) = Sshd::start_or_skip("sftp_refuses_a_server_whose_key_is_unknown") else {
        return;
    };
    let remote = Remote::new(|target| sshd.target_yaml("prod", "sftp", &target.join("www"), ""));
    fs::write(sshd.known_hosts(), "").unwrap();
    let output = remote.herald(&["deploy", "prod"]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("is not in"), "{message}");
    assert!(message.contains("SHA256:"), "{message}");
    assert!(!remote.served().exists(), "nothing was written");
}

/// The FTP user's folder is the target's temporary folder; the site goes into `www` in it.
fn ftp_remote(test: &str, tls: bool) -> Option<(Remote, Ftpd)> {
    let mut ftpd = None;
    let mut remote = Remote::new(|target| match Ftpd::start_or_skip(test, target, tls, 0) {
        Some(server) => {
            let yaml = server.target_yaml("prod", "/www");
            ftpd = Some(server);
            yaml
        }
        None => String::new(),
    });
    let ftpd = ftpd?;
    remote
        .env
        .push(("HERALD_TEST_FTP_PASSWORD".into(), ftpd.password.clone()));
    Some((remote, ftpd))
}

#[test]
fn ftp_uploads_only_what_changed_and_deletes_only_its_own_files() {
    let Some((remote, _ftpd)) = ftp_remote(
        "ftp_uploads_only_what_changed_and_deletes_only_its_own_files",
        false,
    ) else {
        return;
    };
    remote.check_redeploys();
}

#[test]
fn ftps_uploads_over_tls_to_a_server_whose_certificate_is_trusted() {
    let Some((remote, ftpd)) = ftp_remote(
        "ftps_uploads_over_tls_to_a_server_whose_certificate_is_trusted",
        true,
    ) else {
        return;
    };
    remote.check_redeploys();

    // Without the server's certificate among the trusted ones, nothing is sent.
    let yaml = remote.site.read("site.yaml");
    let certificate = ftpd.certificate.as_ref().unwrap().display().to_string();
    let untrusted = yaml.replace(&format!("    ca_certificate: {certificate}\n"), "");
    assert_ne!(yaml, untrusted);
    remote.site.write("site.yaml", &untrusted);
    remote.site.write(
        "content/news/later.en.md",
        "---\ntitle: Later news\ndate: 2024-05-01\n---\nBack.\n",
    );
    let output = remote.herald(&["deploy", "prod"]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("certificate"), "{message}");
    assert!(!remote.served().join("en/news/later/index.html").exists());
}

#[test]
fn ftp_with_a_wrong_password_names_the_variable_not_the_password() {
    let Some((mut remote, ftpd)) = ftp_remote(
        "ftp_with_a_wrong_password_names_the_variable_not_the_password",
        false,
    ) else {
        return;
    };
    remote.env.clear();
    let missing = remote.herald(&["deploy", "prod"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("HERALD_TEST_FTP_PASSWORD")
            && stderr(&missing).contains("not set"),
        "{}",
        stderr(&missing)
    );
    let wrong = format!("{}-wrong", ftpd.password);
    remote
        .env
        .push(("HERALD_TEST_FTP_PASSWORD".into(), wrong.clone()));
    let output = remote.herald(&["deploy", "prod"]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("refused the login"), "{message}");
    assert!(message.contains("HERALD_TEST_FTP_PASSWORD"), "{message}");
    assert!(
        !message.contains(&wrong),
        "the password is never printed: {message}"
    );
}
