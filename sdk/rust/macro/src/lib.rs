//! Internal to `roomkit-sdk`; use its `export_*!` macros instead.
//!
//! `wit_bindgen::generate!` resolves a relative `path` against the manifest directory of the
//! crate being compiled, which is the plugin, not the SDK. The export macros must generate the
//! bindings of their world inside the plugin crate (see the SDK's docs on why), so they need the
//! WIT directory as an absolute path: this crate carries the WIT package `roomkit:plugin` in its
//! own `wit/` directory (a copy of the repository's `wit/`, kept identical by `make lint`), knows
//! where that is because it is compiled from there, and prepends it to the options of
//! `generate!`. The SDK generates its own import bindings through this macro too, so the crates
//! need nothing outside themselves: they build wherever they are copied (`roomkit plugin new`
//! writes them into each new Rust plugin).

use proc_macro::TokenStream;
use std::path::PathBuf;

/// `generate_world!({ OPTIONS })` expands to
/// `::roomkit_sdk::__private::wit_bindgen::generate!({ path: "<the WIT directory>", OPTIONS })`.
#[proc_macro]
pub fn generate_world(input: TokenStream) -> TokenStream {
    let wit = wit_dir();
    let options = input.to_string();
    let options = options
        .trim()
        .strip_prefix('{')
        .and_then(|o| o.strip_suffix('}'))
        .unwrap_or(&options);
    let source = format!(
        "::roomkit_sdk::__private::wit_bindgen::generate!({{ path: {wit:?}, {options} }});"
    );
    match source.parse() {
        Ok(tokens) => tokens,
        Err(e) => {
            let message = format!("roomkit-sdk-macro: bad options: {e}");
            format!("compile_error!({message:?});")
                .parse()
                .unwrap_or_default()
        }
    }
}

/// The package `roomkit:plugin`: this crate's `wit/`.
fn wit_dir() -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("wit");
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    dir.display().to_string()
}
