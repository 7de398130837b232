//! The stages import only the stages below them (src/lib.rs lists the order): a module that reaches up a
//! layer — the engine importing the command line, a reader importing the comparison — fails here; and no two
//! files import each other, directly or around a ring (`util/imports.rs` says what an import is).

use std::collections::BTreeMap;

use crate::util::imports;
use crate::util::root;

/// Every top-level module of `src/`, lowest first; a module may import only those before it in this list.
const LAYERS: &[&str] = &[
    "secrets",
    "spelling",
    "error",
    "terminal",
    "vocabulary",
    "side",
    "finding",
    "location",
    "spec",
    "sample",
    "progress",
    "session",
    "storage",
    "normalize",
    "source",
    "digest",
    "plan",
    "compare",
    "explain",
    "profile",
    "report",
    "history",
    "engine",
    "audit",
    "cli",
];

#[test]
fn every_stage_imports_only_stages_below_it() {
    let src = root().join("src");
    let mut files = Vec::new();
    imports::sources(&src, &mut files);
    let mut imports: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let module = relative.iter().next().unwrap().to_string_lossy().trim_end_matches(".rs").to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (at, _) in text.match_indices("crate::") {
            let used: String = text[at + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if used != module && !used.is_empty() {
                imports.entry(module.clone()).or_default().push((used, relative.display().to_string()));
            }
        }
    }
    let layer = |m: &str| LAYERS.iter().position(|l| *l == m).unwrap_or_else(|| panic!("module {m} is not in LAYERS"));
    let mut upward = Vec::new();
    for (module, used) in &imports {
        for (import, file) in used {
            if layer(import) > layer(module) {
                upward.push(format!("{file} ({module}) imports {import}"));
            }
        }
    }
    upward.sort();
    upward.dedup();
    assert!(upward.is_empty(), "imports that reach up a layer:\n{}", upward.join("\n"));
}

#[test]
fn no_two_files_import_each_other_directly_or_around_a_ring() {
    let circles = imports::graph(&root().join("src")).circles();
    let shown: Vec<String> = circles.iter().map(|circle| circle.join("\n  ")).collect();
    assert!(circles.is_empty(), "files that import each other:\n  {}", shown.join("\n\n  "));
}
