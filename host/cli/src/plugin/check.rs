//! `roomkit plugin check FILE.wasm`: loads a component with its manifest exactly as the host
//! would (against the world its manifest's kind names, without a kit) and describes it.

use std::path::Path;

use anyhow::{Context, Result, bail};
use roomkit_plugins::{
    Ceilings, Manifest, PluginEngine, PluginInfo, PluginKind, WasmAiProvider, WasmIdentityResolver,
    WasmInboundRouter, WasmPlugin, WasmProvider,
};

use super::{limits, short_hash};
use crate::config::HostConfig;

/// A component loaded as its kind.
enum Loaded {
    Hook(WasmPlugin),
    IdentityResolver(WasmIdentityResolver),
    InboundRouter(WasmInboundRouter),
    Provider(WasmProvider),
    AiProvider(WasmAiProvider),
}

impl Loaded {
    fn load(engine: &PluginEngine, path: &Path) -> roomkit_plugins::Result<Self> {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(match Manifest::for_component(path, &name)?.kind {
            PluginKind::Hook => Loaded::Hook(WasmPlugin::load(engine, path, None)?),
            PluginKind::IdentityResolver => {
                Loaded::IdentityResolver(WasmIdentityResolver::load(engine, path, None)?)
            }
            PluginKind::InboundRouter => {
                Loaded::InboundRouter(WasmInboundRouter::load(engine, path, None)?)
            }
            PluginKind::Provider => Loaded::Provider(WasmProvider::load(engine, path, None)?),
            PluginKind::AiProvider => Loaded::AiProvider(WasmAiProvider::load(engine, path, None)?),
        })
    }

    fn info(&self) -> &PluginInfo {
        match self {
            Loaded::Hook(p) => p.info(),
            Loaded::IdentityResolver(p) => p.info(),
            Loaded::InboundRouter(p) => p.info(),
            Loaded::Provider(p) => p.info(),
            Loaded::AiProvider(p) => p.info(),
        }
    }
}

/// The names a component imports and exports at its top level.
#[derive(Debug, Default)]
struct Interface {
    imports: Vec<String>,
    exports: Vec<String>,
}

/// Reads the top-level import and export names of a component.
fn interface(bytes: &[u8]) -> Result<Interface> {
    let mut interface = Interface::default();
    // Nested modules and components have imports and exports of their own; only the outer
    // component's (depth 0) are the plugin's.
    let mut depth = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload? {
            wasmparser::Payload::ModuleSection { .. }
            | wasmparser::Payload::ComponentSection { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
            wasmparser::Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    let import = import?;
                    // Type imports (the records a function signature uses) are not interfaces.
                    if !matches!(import.ty, wasmparser::ComponentTypeRef::Type(_)) {
                        interface.imports.push(import.name.name.to_owned());
                    }
                }
            }
            wasmparser::Payload::ComponentExportSection(reader) if depth == 0 => {
                for export in reader {
                    let export = export?;
                    if !matches!(export.kind, wasmparser::ComponentExternalKind::Type) {
                        interface.exports.push(export.name.name.to_owned());
                    }
                }
            }
            _ => {}
        }
    }
    Ok(interface)
}

/// How a manifest spells a value (`before_broadcast`, `inbound`, …).
fn name_of<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn names<T: serde::Serialize>(values: &[T]) -> String {
    values.iter().map(name_of).collect::<Vec<_>>().join(", ")
}

/// Interface names grouped by package: `wasi:cli@0.2.12 {environment, exit}`.
fn grouped(names: &[String]) -> String {
    let mut packages: Vec<(String, Vec<&str>)> = Vec::new();
    for name in names {
        let (path, version) = name.split_once('@').unwrap_or((name, ""));
        let (package, item) = path.split_once('/').unwrap_or(("", path));
        let key = match (package, version) {
            ("", _) => String::new(),
            (package, "") => package.to_owned(),
            (package, version) => format!("{package}@{version}"),
        };
        match packages.iter_mut().find(|(k, _)| *k == key) {
            Some((_, items)) => items.push(item),
            None => packages.push((key, vec![item])),
        }
    }
    let groups: Vec<String> = packages
        .into_iter()
        .map(|(key, items)| match key.as_str() {
            "" => items.join(", "),
            _ => format!("{key} {{{}}}", items.join(", ")),
        })
        .collect();
    if groups.is_empty() {
        "none".to_owned()
    } else {
        groups.join("; ")
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

/// Checks `file` against the ceilings of the configuration `config` (the default ceilings
/// without one).
pub fn run(file: &Path, config: Option<&Path>) -> Result<()> {
    if file.extension().is_none_or(|e| e != "wasm") {
        bail!(
            "{}: not a plugin file: the host loads NAME.wasm files",
            file.display()
        );
    }
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    // The two mistakes seen most, said plainly before the host's own (longer) reasons.
    if !bytes.starts_with(b"\0asm") {
        bail!(
            "{} is not a plugin the host can load: not a WebAssembly file",
            file.display()
        );
    }
    if !wasmparser::Parser::is_component(&bytes) {
        bail!(
            "{} is not a plugin the host can load: a core WebAssembly module, not a component \
             (build Rust plugins for wasm32-wasip2, which makes components)",
            file.display()
        );
    }
    let ceilings = match config {
        Some(config) => HostConfig::load(Some(config))?.ceilings(),
        None => Ceilings::default(),
    };
    let engine = PluginEngine::with_ceilings(ceilings)?;
    let loaded = Loaded::load(&engine, file)
        .with_context(|| format!("{} is not a plugin the host can load", file.display()))?;
    // The host accepted it, so it is a well-formed component.
    let interface = interface(&bytes)
        .with_context(|| format!("reading the imports and exports of {}", file.display()))?;
    let info = loaded.info();
    let manifest = &info.manifest;
    let manifest_path = file.with_extension("toml");
    println!("ok: {}", file.display());
    println!("  name      {}", info.name);
    // A hook component targets `hook` or, with `handle-identity`, `identity-hook`.
    let world = match &loaded {
        Loaded::Hook(plugin) => plugin.world(),
        _ => manifest.kind.world(),
    };
    println!("  kind      {} ({world})", manifest.kind.as_str());
    if manifest_path.is_file() {
        println!("  manifest  {}", manifest_path.display());
    } else {
        println!("  manifest  none: every default");
    }
    println!("  version   sha256 {}", short_hash(&info.version));
    println!("  exports   {}", list(&interface.exports));
    println!("  imports   {}", grouped(&interface.imports));
    match &loaded {
        Loaded::Hook(_) => {
            let execution = manifest
                .execution
                .map_or("the trigger's usual".to_owned(), |e| name_of(&e));
            println!(
                "  hook      triggers {}; execution {execution}; priority {}",
                names(&manifest.triggers),
                manifest.priority
            );
            if !(manifest.channel_types.is_empty()
                && manifest.channel_ids.is_empty()
                && manifest.directions.is_empty())
            {
                println!(
                    "  filter    channel types [{}], channel ids [{}], directions [{}]",
                    manifest.channel_types.join(", "),
                    manifest.channel_ids.join(", "),
                    names(&manifest.directions)
                );
            }
        }
        Loaded::AiProvider(ai) => {
            let about = ai.about();
            println!(
                "  model     {}{}",
                about.model_name,
                if about.supports_vision {
                    " (vision)"
                } else {
                    ""
                }
            );
        }
        Loaded::IdentityResolver(_) | Loaded::InboundRouter(_) | Loaded::Provider(_) => {}
    }
    println!(
        "  limits    {}",
        limits(
            manifest.timeout_ms,
            manifest.fuel,
            manifest.memory_mb,
            manifest.instance,
            manifest.fail_closed
        )
    );
    println!(
        "  http      allowed hosts: {}",
        list(&manifest.allowed_hosts)
    );
    let keys: Vec<String> = manifest.config.keys().cloned().collect();
    println!("  config    {}", list(&keys));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_core_module_has_no_component_imports_or_exports() {
        // The smallest core module: magic and version 1.
        let interface = interface(b"\0asm\x01\0\0\0").unwrap();
        assert!(interface.imports.is_empty() && interface.exports.is_empty());
        assert!(super::interface(b"not wasm").is_err());
    }

    #[test]
    fn imports_are_grouped_by_package() {
        let names = [
            "roomkit:plugin/types@0.2.0",
            "wasi:cli/exit@0.2.12",
            "roomkit:plugin/host@0.2.0",
            "plain",
        ]
        .map(str::to_owned);
        assert_eq!(
            grouped(&names),
            "roomkit:plugin@0.2.0 {types, host}; wasi:cli@0.2.12 {exit}; plain"
        );
        assert_eq!(grouped(&[]), "none");
    }
}
