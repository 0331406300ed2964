//! The graph of a crate's top-level modules, read from its source files.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

/// Which top-level module refers to which.
#[derive(Debug, Default)]
pub struct ModuleGraph {
    edges: BTreeMap<String, BTreeSet<String>>,
}

/// The `.rs` files under `dir`, recursively, in a stable order.
fn rust_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<io::Result<_>>()?;
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    Ok(files)
}

/// `text` without its comment lines (`//`, `///`, `//!`): a doc link names a module without
/// depending on it.
fn without_comment_lines(text: &str) -> String {
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .flat_map(|line| [line, "\n"])
        .collect()
}

/// The identifier at the start of `text`.
fn ident(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The names a `use` tree lists: `A`, `{A, B as C, m::D}` → A, B, C, m (first segments).
fn listed_names(tree: &str) -> Vec<&str> {
    tree.trim_start_matches('{')
        .split([',', '{', '}'])
        .flat_map(|part| part.split_whitespace())
        .filter(|word| *word != "as" && *word != "self")
        .map(ident)
        .filter(|name| !name.is_empty())
        .collect()
}

/// The modules named by `crate::` paths in `text`: `crate::m::x` names `m`; `crate::X` and
/// `crate::{X, Y}` name the modules the root re-exports `X` and `Y` from.
fn referenced(
    text: &str,
    modules: &BTreeSet<String>,
    reexports: &BTreeMap<String, String>,
) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        let preceded_by_ident = rest[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$');
        rest = &rest[at + "crate::".len()..];
        if preceded_by_ident {
            continue;
        }
        let names: Vec<&str> = if rest.starts_with('{') {
            let end = rest.find('}').unwrap_or(rest.len());
            listed_names(&rest[..end])
        } else {
            vec![ident(rest)]
        };
        for name in names {
            if modules.contains(name) {
                found.insert(name.to_owned());
            } else if let Some(module) = reexports.get(name) {
                found.insert(module.clone());
            }
        }
    }
    found
}

/// `pub use m::{A, B};` and `pub use m::A;` of the crate root: name → module.
fn root_reexports(root: &str, modules: &BTreeSet<String>) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for statement in root.split(';') {
        let statement = statement.trim();
        let Some(path) = statement
            .strip_prefix("pub use ")
            .or_else(|| statement.strip_prefix("pub(crate) use "))
        else {
            continue;
        };
        let path = path
            .trim_start_matches("self::")
            .trim_start_matches("crate::");
        let module = ident(path);
        if !modules.contains(module) {
            continue;
        }
        let tree = &path[module.len()..].trim_start_matches("::");
        for name in listed_names(tree) {
            map.insert(name.to_owned(), module.to_owned());
        }
    }
    map
}

impl ModuleGraph {
    /// Reads `crate_dir/src`: its root is `lib.rs` (or `main.rs`); each top-level module is
    /// `src/m.rs` with its children under `src/m/`.
    pub fn read(crate_dir: &Path) -> io::Result<Self> {
        let src = crate_dir.join("src");
        let root_path = [src.join("lib.rs"), src.join("main.rs")]
            .into_iter()
            .find(|p| p.exists())
            .ok_or_else(|| io::Error::other("no src/lib.rs or src/main.rs"))?;
        let root = std::fs::read_to_string(&root_path)?;
        let mut by_module: BTreeMap<String, String> = BTreeMap::new();
        for file in rust_files(&src)? {
            if file == root_path {
                continue;
            }
            let relative = file.strip_prefix(&src).map_err(io::Error::other)?;
            let first = relative
                .components()
                .next()
                .map(|c| {
                    c.as_os_str()
                        .to_string_lossy()
                        .trim_end_matches(".rs")
                        .to_owned()
                })
                .unwrap_or_default();
            let module = if first == "mod" { String::new() } else { first };
            let code = without_comment_lines(&std::fs::read_to_string(&file)?);
            by_module.entry(module).or_default().push_str(&code);
        }
        let modules: BTreeSet<String> = by_module.keys().cloned().collect();
        let reexports = root_reexports(&root, &modules);
        let mut graph = ModuleGraph::default();
        for (module, text) in &by_module {
            let mut targets = referenced(text, &modules, &reexports);
            targets.remove(module);
            graph.edges.insert(module.clone(), targets);
        }
        Ok(graph)
    }

    /// How many top-level modules the crate has.
    pub fn len(&self) -> usize {
        self.edges.len()
    }

    /// A cycle, as the modules along it (the first repeated at the end), if there is one.
    pub fn cycle(&self) -> Option<Vec<String>> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            Open,
            Done,
        }
        fn visit(
            graph: &ModuleGraph,
            node: &str,
            marks: &mut BTreeMap<String, Mark>,
            path: &mut Vec<String>,
        ) -> Option<Vec<String>> {
            match marks.get(node) {
                Some(Mark::Done) => return None,
                Some(Mark::Open) => {
                    let start = path.iter().position(|n| n == node).unwrap_or(0);
                    let mut cycle = path[start..].to_vec();
                    cycle.push(node.to_owned());
                    return Some(cycle);
                }
                None => {}
            }
            marks.insert(node.to_owned(), Mark::Open);
            path.push(node.to_owned());
            for next in graph.edges.get(node).into_iter().flatten() {
                if let Some(cycle) = visit(graph, next, marks, path) {
                    return Some(cycle);
                }
            }
            path.pop();
            marks.insert(node.to_owned(), Mark::Done);
            None
        }
        let mut marks = BTreeMap::new();
        for node in self.edges.keys() {
            if let Some(cycle) = visit(self, node, &mut marks, &mut Vec::new()) {
                return Some(cycle);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(files: &[(&str, &str)]) -> ModuleGraph {
        let dir = std::env::temp_dir().join(format!(
            "modgraph-{}-{}",
            std::process::id(),
            files.len() * 1000 + files.iter().map(|f| f.1.len()).sum::<usize>()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in files {
            let path = dir.join("src").join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let graph = ModuleGraph::read(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        graph
    }

    #[test]
    fn a_chain_of_modules_has_no_cycle() {
        let g = graph(&[
            ("lib.rs", "mod a; mod b; mod c; pub use c::Leaf;"),
            ("a.rs", "use crate::b::B;"),
            ("b.rs", "use crate::Leaf;"),
            ("c.rs", "pub struct Leaf;"),
        ]);
        assert_eq!(g.len(), 3);
        assert_eq!(g.cycle(), None);
    }

    #[test]
    fn a_cycle_through_a_root_reexport_and_a_child_file_is_found() {
        let g = graph(&[
            ("lib.rs", "mod a; mod b; pub use a::{A, Other as Renamed};"),
            ("a.rs", "mod inner; pub struct A;"),
            ("a/inner.rs", "fn f() -> crate::b::B { todo!() }"),
            ("b.rs", "use crate::{Renamed, Result};"),
        ]);
        assert_eq!(
            g.cycle(),
            Some(vec!["a".to_owned(), "b".to_owned(), "a".to_owned()])
        );
    }

    #[test]
    fn a_doc_link_is_not_a_dependency() {
        let g = graph(&[
            ("lib.rs", "mod a; mod b;"),
            (
                "a.rs",
                "//! See [`crate::b`].\n/// Like [`crate::b::B`].\npub struct A;",
            ),
            ("b.rs", "use crate::a::A;"),
        ]);
        assert_eq!(g.cycle(), None);
    }

    #[test]
    fn a_path_that_only_ends_in_crate_is_not_a_crate_path() {
        let g = graph(&[
            ("lib.rs", "mod a; mod b;"),
            ("a.rs", "use my_crate::b;"),
            ("b.rs", "use crate::a;"),
        ]);
        assert_eq!(g.cycle(), None);
    }
}
