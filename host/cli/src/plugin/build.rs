//! `roomkit plugin build [DIR] [--out OUT]`: builds the plugin in DIR with its language's
//! toolchain and writes `NAME.wasm` (and the manifest `NAME.toml`, when the sources have one)
//! into OUT.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::language::Language;

pub fn run(dir: &Path, out: Option<PathBuf>) -> Result<()> {
    let language = Language::detect(dir)?;
    language.check_toolchain(dir)?;
    eprintln!("building the {language} plugin in {}", dir.display());
    let built = language.build(dir)?;
    let out = out.unwrap_or_else(|| dir.join("dist"));
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    // The manifest first, then the component, each renamed into place: a host watching OUT
    // never sees a half-written file nor a component without its manifest.
    if let Some(manifest) = &built.manifest {
        let to = out.join(format!("{}.toml", built.name));
        place(manifest, &to)?;
        println!("wrote {}", to.display());
    }
    let to = out.join(format!("{}.wasm", built.name));
    let bytes = place(&built.wasm, &to)?;
    println!("wrote {} ({} KiB)", to.display(), bytes.div_ceil(1024));
    if built.manifest.is_none() {
        println!(
            "no manifest {name}.toml in {}: the host loads it with the defaults (a \
             before_broadcast hook)",
            dir.display(),
            name = built.name
        );
    }
    Ok(())
}

/// Copies `from` to `to` through a temporary file in `to`'s directory; returns the size.
fn place(from: &Path, to: &Path) -> Result<u64> {
    let name = to
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let tmp = to.with_file_name(format!(".{name}.tmp"));
    let bytes = std::fs::copy(from, &tmp)
        .with_context(|| format!("copying {} to {}", from.display(), tmp.display()))?;
    std::fs::rename(&tmp, to)
        .with_context(|| format!("moving {} to {}", tmp.display(), to.display()))?;
    Ok(bytes)
}
