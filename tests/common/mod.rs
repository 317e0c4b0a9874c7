//! Small fixture sites for integration tests: written into a temporary folder, built with the
//! real `herald` binary or the library.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

pub const SITE_YAML: &str = "\
title: {en: Test Project, es: Proyecto de prueba, ca: Projecte de prova}
base_url: https://test.example.eu
default_language: en
languages:
  en: {name: English, locale: en-GB}
  es: {name: Español, locale: es-ES}
  ca: {name: Català, locale: ca-ES}
pagination: 2
menus:
  en:
    - {name: News, section: news}
    - {name: About, page: about}
funding:
  statement: {en: Co-funded by the European Union, es: Cofinanciado por la Unión Europea}
  grant_number: \"101000001\"
";

pub struct Fixture {
    pub dir: TempDir,
}

impl Fixture {
    /// An empty folder with only `site.yaml`.
    pub fn empty() -> Fixture {
        let fixture = Fixture {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        fixture.write("site.yaml", SITE_YAML);
        fixture
    }

    /// A small valid site: two partners, three news items (one untranslated), a meeting, a page.
    pub fn small() -> Fixture {
        let f = Fixture::empty();
        f.write(
            "content/partners/aeiti.en.md",
            "---\ntitle: AEITI Textile Cluster\ncountry: ES\nrole: coordinator\n---\nA cluster.\n",
        );
        f.write(
            "content/partners/aeiti.es.md",
            "---\ntitle: Clúster Textil AEITI\ncountry: ES\nrole: coordinator\n---\nUn clúster.\n",
        );
        f.write(
            "content/partners/citeve.en.md",
            "---\ntitle: CITEVE\ncountry: PT\n---\nA technology centre.\n",
        );
        f.write(
            "content/news/kick-off.en.md",
            "---\ntitle: Kick-off in Terrassa\ndate: 2024-01-15\npartners: [aeiti, citeve]\ntags: [meetings, textile]\n---\nThe project started.\n\nSecond paragraph with [a link](@/news/results.md).\n\n## Next steps\n\nMore.\n",
        );
        f.write(
            "content/news/kick-off.es.md",
            "---\ntitle: Arranque en Terrassa\nslug: arranque\ndate: 2024-01-15\npartners: [aeiti]\ntags: [reuniones]\n---\nEl proyecto empezó.\n\nVer [resultados](@/news/results.md).\n",
        );
        f.write(
            "content/news/results.en.md",
            "---\ntitle: First results\ndate: 2024-03-01\npartners: [citeve]\ntags: [textile]\n---\nIntro.\n\n<!-- more -->\n\nDetails.\n",
        );
        f.write(
            "content/news/later.en.md",
            "---\ntitle: Later news\ndate: 2024-05-01\n---\nBody.\n",
        );
        f.write(
            "content/news/draft.en.md",
            "---\ntitle: Draft news\ndate: 2024-05-02\ndraft: true\n---\nBody.\n",
        );
        f.write(
            "content/news/future.en.md",
            "---\ntitle: Future news\ndate: 2999-01-01\n---\nBody.\n",
        );
        f.write(
            "content/meetings/assembly.en.md",
            "---\ntitle: General assembly\ndate: \"2099-06-01 10:00\"\ntimezone: Europe/Madrid\nlocation: Prato, Italy\npartners: [aeiti]\n---\nAgenda.\n",
        );
        f.write(
            "content/pages/about.en.md",
            "---\ntitle: About\n---\nAbout the project.\n",
        );
        f.write(
            "content/pages/about.es.md",
            "---\ntitle: Acerca de\nslug: acerca\n---\nSobre el proyecto.\n",
        );
        f
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) {
        self.write_bytes(rel, text.as_bytes());
    }

    pub fn write_bytes(&self, rel: &str, bytes: &[u8]) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, bytes).expect("write");
    }

    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.path(rel)).expect("remove");
    }

    /// Runs the `herald` binary in the site's folder.
    pub fn herald(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_herald"))
            .args(args)
            .current_dir(self.root())
            .env("NO_COLOR", "1")
            .output()
            .expect("run herald")
    }

    pub fn build(&self) -> Output {
        self.herald(&["build"])
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// Every file under `public/` with its bytes.
    pub fn output(&self) -> BTreeMap<String, Vec<u8>> {
        tree(&self.path("public"))
    }
}

/// Every file under `dir` (through links) with its bytes, by `/`-separated relative path.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .follow_links(true)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .expect("under dir")
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(e.path()).expect("read"))
        })
        .collect()
}

/// The release folders of a deploy target whose releases live in `releases_dir`, sorted.
pub fn release_names(releases_dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(releases_dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The release the link `served` points at.
pub fn live_release(served: &Path) -> String {
    let link = std::fs::read_link(served).expect("the served path is a link");
    link.file_name()
        .expect("a release folder")
        .to_string_lossy()
        .into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

impl Fixture {
    /// Copies every file under `from` into the site, at the same relative path (replacing
    /// the site's own), except the names in `skip`.
    pub fn copy_tree(&self, from: &Path, skip: &[&str]) {
        for entry in walkdir::WalkDir::new(from)
            .into_iter()
            .filter_map(Result::ok)
        {
            if !entry.file_type().is_file() {
                continue;
            }
            let rel = entry.path().strip_prefix(from).expect("under from");
            if skip.iter().any(|s| rel == Path::new(s)) {
                continue;
            }
            let rel = rel.to_string_lossy().replace('\\', "/");
            self.write_bytes(&rel, &std::fs::read(entry.path()).expect("read"));
        }
    }
}

/// Per file: its inode and modification time; a file written again has new ones.
pub type Stamps = BTreeMap<String, (u64, i64, i64)>;

/// Every file under `dir` (through links) with its [`Stamps`].
pub fn stamps(dir: &Path) -> Stamps {
    use std::os::unix::fs::MetadataExt;
    walkdir::WalkDir::new(dir)
        .follow_links(true)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let m = e.metadata().expect("metadata");
            let rel = e.path().strip_prefix(dir).expect("under dir");
            (
                rel.to_string_lossy().into_owned(),
                (m.ino(), m.mtime(), m.mtime_nsec()),
            )
        })
        .collect()
}

/// The files of `after` that are new or were written again since `before`.
pub fn rewritten(before: &Stamps, after: &Stamps) -> Vec<String> {
    after
        .iter()
        .filter(|(path, stamp)| before.get(*path) != Some(stamp))
        .map(|(path, _)| path.clone())
        .collect()
}
