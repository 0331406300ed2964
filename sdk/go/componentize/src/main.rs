//! `roomkit-go-componentize`: the Go SDK's one build tool besides Go itself.
//!
//! - `bindgen`: generates the SDK's Go bindings from RoomKit's WIT with wit-bindgen's Go
//!   generator (in-process, no `wit-bindgen` CLI), and writes the runtime package those
//!   bindings need (shipped inside the `wit-bindgen-go` crate) under the SDK's own module path,
//!   so a plugin's `go.mod` needs only one `replace` directive (the SDK's).
//! - `component`: turns the core module that `GOOS=wasip1 GOARCH=wasm go build
//!   -buildmode=c-shared` writes into a component of one RoomKit world: it embeds the world's
//!   type information and adapts the wasip1 imports with the WASI preview1 *reactor* adapter of
//!   wasmtime 48 (the host's wasmtime), all with the `wit-component` crate.
//!
//! Run `roomkit-go-componentize help` for the arguments.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use wit_bindgen_core::wit_parser::{PackageId, Resolve, WorldId};
use wit_component::{ComponentEncoder, StringEncoding};

mod bindgen;

/// The worlds of `roomkit:plugin` and the Go package of the SDK that exports each.
pub const WORLDS: &[(&str, &str)] = &[
    ("hook", "hook"),
    ("identity-hook", "identityhook"),
    ("identity-resolver", "identity"),
    ("inbound-router", "router"),
    ("provider", "provider"),
    ("ai-provider", "aiprovider"),
];

/// WASI packages the SDK's outbound HTTP uses, in dependency order (the versions wasmtime 48
/// implements; copied from the wasmtime-wasi-http 48 crate).
const WASI_WIT: &[(&str, &str)] = &[
    ("io.wit", include_str!("../wit/io.wit")),
    ("clocks.wit", include_str!("../wit/clocks.wit")),
    ("http.wit", include_str!("../wit/http.wit")),
];

/// One world per plugin kind: the RoomKit world plus wasi:http's outgoing handler, so that any
/// kind may make HTTP requests (the host grants them per `allowed_hosts`). An import the module
/// does not use is left out of the component. `version` is the version of the `roomkit:plugin`
/// package in `wit/` (e.g. `0.2.0`), so the tool follows the WIT without an edit.
fn go_sdk_package(version: &str) -> String {
    let mut wit = format!(
        "package roomkit:go-sdk;\n\n\
         world imports {{\n\
         \x20   import roomkit:plugin/types@{version};\n\
         \x20   import roomkit:plugin/host@{version};\n\
         \x20   import roomkit:plugin/room-context@{version};\n\
         \x20   import wasi:http/outgoing-handler@0.2.12;\n\
         }}\n",
    );
    for (world, _) in WORLDS {
        wit.push_str(&format!(
            "\nworld {world} {{\n    include roomkit:plugin/{world}@{version};\n    import wasi:http/outgoing-handler@0.2.12;\n}}\n"
        ));
    }
    wit
}

/// RoomKit's WIT (the directory `wit`), the WASI packages and the Go SDK's worlds.
pub fn load(wit: &Path) -> Result<(Resolve, PackageId)> {
    let mut resolve = Resolve::default();
    for (name, text) in WASI_WIT {
        resolve
            .push_str(name, text)
            .with_context(|| format!("parsing the bundled {name}"))?;
    }
    let (roomkit, _) = resolve
        .push_dir(wit)
        .with_context(|| format!("reading the WIT package in {}", wit.display()))?;
    let name = &resolve.packages[roomkit].name;
    if name.namespace != "roomkit" || name.name != "plugin" {
        bail!("{} holds the WIT package {name}, not roomkit:plugin", wit.display());
    }
    let version = name
        .version
        .as_ref()
        .with_context(|| format!("the WIT package in {} has no version", wit.display()))?
        .to_string();
    let pkg = resolve.push_str("roomkit-go-sdk.wit", &go_sdk_package(&version))?;
    Ok((resolve, pkg))
}

fn world(resolve: &Resolve, pkg: PackageId, name: &str) -> Result<WorldId> {
    if name != "imports" && !WORLDS.iter().any(|(w, _)| *w == name) {
        let known: Vec<&str> = WORLDS.iter().map(|(w, _)| *w).collect();
        bail!(
            "unknown world `{name}`; RoomKit's worlds are {}",
            known.join(", ")
        );
    }
    resolve.select_world(&[pkg], Some(name))
}

/// The component of `world` made of the core module `module`.
pub fn componentize(wit: &Path, world_name: &str, module: &[u8]) -> Result<Vec<u8>> {
    let (resolve, pkg) = load(wit)?;
    let world = world(&resolve, pkg, world_name)?;
    let mut module = module.to_vec();
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        StringEncoding::UTF8,
        false,
    )?;
    ComponentEncoder::default()
        .validate(true)
        .module(&module)?
        .adapter(
            "wasi_snapshot_preview1",
            wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
        )?
        .encode()
        .with_context(|| format!("making a roomkit:plugin/{world_name} component"))
}

const HELP: &str = "\
roomkit-go-componentize: builds RoomKit plugins written in Go (see sdk/go/README.md)

usage:
  roomkit-go-componentize component --wit DIR --world WORLD CORE.wasm -o OUT.wasm
      turn a wasip1 core module (go build -buildmode=c-shared) into a component of
      roomkit:plugin/WORLD (hook, identity-resolver, inbound-router, provider, ai-provider)
  roomkit-go-componentize bindgen --wit DIR --out SDK_DIR --module MODULE_PATH
      (re)generate the Go SDK's bindings in SDK_DIR (sdk/go), whose module path is MODULE_PATH
";

fn flag(args: &mut Vec<String>, name: &str) -> Result<Option<String>> {
    let Some(i) = args.iter().position(|a| a == name) else {
        return Ok(None);
    };
    if i + 1 >= args.len() {
        bail!("{name} needs a value");
    }
    let value = args.remove(i + 1);
    args.remove(i);
    Ok(Some(value))
}

fn required(args: &mut Vec<String>, name: &str) -> Result<String> {
    flag(args, name)?.with_context(|| format!("missing {name}\n\n{HELP}"))
}

fn run(mut args: Vec<String>) -> Result<()> {
    if args.is_empty() {
        bail!("{HELP}");
    }
    let command = args.remove(0);
    match command.as_str() {
        "component" => {
            let wit = PathBuf::from(required(&mut args, "--wit")?);
            let world = required(&mut args, "--world")?;
            let out = PathBuf::from(required(&mut args, "-o")?);
            let [input] = args.as_slice() else {
                bail!("name one core module\n\n{HELP}");
            };
            let module = std::fs::read(input).with_context(|| format!("reading {input}"))?;
            let component = componentize(&wit, &world, &module)?;
            std::fs::write(&out, &component)
                .with_context(|| format!("writing {}", out.display()))?;
            println!(
                "wrote {} ({} KiB, roomkit:plugin/{world})",
                out.display(),
                component.len() / 1024
            );
            Ok(())
        }
        "bindgen" => {
            let wit = PathBuf::from(required(&mut args, "--wit")?);
            let out = PathBuf::from(required(&mut args, "--out")?);
            let module = required(&mut args, "--module")?;
            let written = bindgen::generate(&wit, &out, &module)?;
            println!("wrote {written} files under {}", out.display());
            Ok(())
        }
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(())
        }
        other => bail!("unknown command `{other}`\n\n{HELP}"),
    }
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("roomkit-go-componentize: {e:#}");
            ExitCode::FAILURE
        }
    }
}
