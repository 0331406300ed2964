//! The languages `roomkit plugin build` knows: how to recognise a plugin's sources, check that
//! the toolchain is there (installing nothing), and build the component.

mod rust;
mod script;

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

/// A plugin's source language, recognised by the file that describes its project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// `Cargo.toml`: a crate depending on roomkit-sdk.
    Rust,
    /// `package.json`: an ES module for componentize-js.
    JavaScript,
    /// `go.mod`: a Go module.
    Go,
}

/// What a build produced.
#[derive(Debug)]
pub struct Built {
    /// The plugin's name (the package name): the host loads it from `NAME.wasm`.
    pub name: String,
    /// The component, where the toolchain wrote it.
    pub wasm: PathBuf,
    /// The manifest in the sources, if there is one.
    pub manifest: Option<PathBuf>,
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Language::Rust => "Rust",
            Language::JavaScript => "JavaScript",
            Language::Go => "Go",
        })
    }
}

impl Language {
    /// Every language, in the order `detect` tries them.
    const ALL: [(Language, &'static str); 3] = [
        (Language::Rust, "Cargo.toml"),
        (Language::JavaScript, "package.json"),
        (Language::Go, "go.mod"),
    ];

    /// The language of the plugin sources in `dir`.
    pub fn detect(dir: &Path) -> Result<Language> {
        if !dir.is_dir() {
            bail!("{} is not a directory", dir.display());
        }
        for (language, file) in Self::ALL {
            if dir.join(file).is_file() {
                return Ok(language);
            }
        }
        bail!(
            "{} holds no plugin sources: found none of Cargo.toml (Rust), package.json \
             (JavaScript), go.mod (Go)",
            dir.display()
        )
    }

    /// Checks that what the build needs is installed; says what is missing and how to get it.
    pub fn check_toolchain(self, dir: &Path) -> Result<()> {
        match self {
            Language::Rust => rust::check_toolchain(dir),
            Language::JavaScript | Language::Go => script::check_toolchain(self),
        }
    }

    /// Builds the plugin in `dir`; the toolchain's progress goes to the terminal.
    pub fn build(self, dir: &Path) -> Result<Built> {
        match self {
            Language::Rust => rust::build(dir),
            Language::JavaScript | Language::Go => script::build(self, dir),
        }
    }
}
