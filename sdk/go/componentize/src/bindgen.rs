//! The Go SDK's generated code: bindings of every import (one set, shared by all worlds), the
//! export glue of each world in that world's SDK package, and the runtime package.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use wit_bindgen_core::Files;

/// Where the generated import packages live, relative to the module.
const IMPORTS: &str = "internal/wit";
/// Where the runtime package (go.bytecodealliance.org/pkg) lives, relative to the module.
const RUNTIME: &str = "internal/witpkg";
/// The module path the generated code names for the runtime package.
const UPSTREAM_RUNTIME: &str = "go.bytecodealliance.org/pkg/wit/";

/// The runtime package's files, from the sources of the wit-bindgen-go crate this tool links (its
/// `src/pkg`, found by the build script), so they are always the version the generator expects.
macro_rules! runtime_file {
    ($rel:literal) => {
        (
            $rel,
            include_str!(concat!(env!("WIT_BINDGEN_GO_PKG"), "/", $rel)),
        )
    };
}

const RUNTIME_FILES: &[(&str, &str)] = &[
    runtime_file!("wit/types/option.go"),
    runtime_file!("wit/types/result.go"),
    runtime_file!("wit/types/tuple.go"),
    runtime_file!("wit/types/unit.go"),
    runtime_file!("wit/types/future.go"),
    runtime_file!("wit/types/stream.go"),
    runtime_file!("wit/runtime/runtime.go"),
    runtime_file!("wit/runtime/empty.s"),
    runtime_file!("wit/async/async.go"),
    runtime_file!("wit/async/empty.s"),
    runtime_file!("LICENSE"),
];

fn run_generator(wit: &Path, world: &str, module: &str) -> Result<BTreeMap<String, String>> {
    let (mut resolve, pkg) = crate::load(wit)?;
    let world_id = resolve.select_world(&[pkg], Some(world))?;
    let opts = wit_bindgen_go::Opts {
        pkg_name: Some(format!("{module}/{IMPORTS}")),
        quiet: true,
        ..Default::default()
    };
    let mut files = Files::default();
    opts.build()
        .generate(&mut resolve, world_id, &mut files)
        .with_context(|| format!("generating Go bindings for {world}"))?;
    let runtime = format!("{module}/{RUNTIME}/");
    Ok(files
        .iter()
        .map(|(name, bytes)| {
            let text = String::from_utf8_lossy(bytes).replace(UPSTREAM_RUNTIME, &runtime);
            (name.to_owned(), text)
        })
        .collect())
}

fn write(out: &Path, rel: &str, text: &str, count: &mut usize) -> Result<()> {
    let path = out.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    *count += 1;
    Ok(())
}

/// Writes the generated code into the SDK at `out`; returns how many files it wrote.
pub fn generate(wit: &Path, out: &Path, module: &str) -> Result<usize> {
    let mut count = 0;
    let imports_dir = out.join(IMPORTS);
    if imports_dir.exists() {
        std::fs::remove_dir_all(&imports_dir)?;
    }
    let runtime_dir = out.join(RUNTIME);
    if runtime_dir.exists() {
        std::fs::remove_dir_all(&runtime_dir)?;
    }
    let runtime = format!("{module}/{RUNTIME}/");
    for (rel, text) in RUNTIME_FILES {
        // `wit/types/option.go` upstream is `internal/witpkg/types/option.go` here.
        let rel = rel.strip_prefix("wit/").unwrap_or(rel);
        let text = text.replace(UPSTREAM_RUNTIME, &runtime);
        write(out, &format!("{RUNTIME}/{rel}"), &text, &mut count)?;
    }

    // Every import, once, from a world that imports them all.
    for (name, text) in run_generator(wit, "imports", module)? {
        if let Some(rel) = name.strip_prefix("imports/") {
            if rel.starts_with("wit_world/") {
                continue;
            }
            write(out, &format!("{IMPORTS}/imports/{rel}"), &text, &mut count)?;
        }
    }

    // Each world's exports, moved into the SDK package of that world. The generated glue calls
    // `export_wit_world.Name(...)`; in the SDK package that is the private `exportName(...)`,
    // which the package's hand-written code defines.
    let export_pkg = format!("\"{module}/{IMPORTS}/exports/export_wit_world\"");
    for (world, go_pkg) in crate::WORLDS {
        let files = run_generator(wit, world, module)?;
        let Some(text) = files.get("exports/wit_exports/wit_exports.go") else {
            bail!("the generator wrote no exports for {world}");
        };
        // `//go:wasmexport` exists only on wasm; off wasm (native tests) the package builds
        // without its exports.
        let text = format!("//go:build wasip1\n\n{text}");
        let text = text
            .replacen("package wit_exports", &format!("package {go_pkg}"), 1)
            .replace(&export_pkg, "")
            .replace("export_wit_world.", "export");
        write(out, &format!("{go_pkg}/wit_exports.go"), &text, &mut count)?;
    }
    Ok(count)
}
