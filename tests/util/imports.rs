//! `src/`'s import graph, file by file, as `tests/layers.rs` checks it. A file imports another when it names an
//! item defined there: through `use`, or a path in its code (`crate::…`, `super::…`, `self::…`, a module it
//! declares or imported), followed through `pub use` re-exports to the file that defines the item. A file's
//! use of the modules enclosing it is no edge: a room's `mod.rs` holds what the room shares. Test modules
//! (`#[cfg(test)]`), comments and strings are not read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module's path below the crate root: `["report", "table"]` for `src/report/table.rs`.
pub type Module = Vec<String>;

/// Every file's module and the modules (files) it imports.
pub struct Graph {
    pub edges: BTreeMap<Module, BTreeSet<Module>>,
}

/// What one file says: the modules it declares, what it re-exports, and every path it names.
#[derive(Default)]
struct File {
    reexports: BTreeMap<String, Module>,
    paths: Vec<Module>,
}

/// The graph of the crate whose sources are in `src` (`lib.rs` and `main.rs` left out: they stand above it all).
pub fn graph(src: &Path) -> Graph {
    let mut paths = Vec::new();
    sources(src, &mut paths);
    let modules: BTreeMap<Module, PathBuf> = paths.into_iter().filter_map(|p| Some((module(src, &p)?, p))).collect();
    let files: BTreeMap<Module, File> = modules
        .iter()
        .map(|(module, path)| {
            let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (module.clone(), read(module, &tokens(&text)))
        })
        .collect();
    let mut edges = BTreeMap::new();
    for (module, file) in &files {
        let imported: BTreeSet<Module> = file
            .paths
            .iter()
            .filter_map(|path| resolve(&files, path, 0))
            .filter(|target| target != module && !module.starts_with(target))
            .collect();
        edges.insert(module.clone(), imported);
    }
    Graph { edges }
}

impl Graph {
    /// Every group of files that import one another, directly or around a ring, each with its imports inside
    /// the group: `report/table.rs -> report/documents.rs`.
    pub fn circles(&self) -> Vec<Vec<String>> {
        let mut tarjan =
            Tarjan { graph: self, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), groups: Vec::new() };
        for module in self.edges.keys() {
            if !tarjan.index.contains_key(module) {
                tarjan.visit(module);
            }
        }
        tarjan
            .groups
            .into_iter()
            .map(|group| {
                let members: BTreeSet<&Module> = group.iter().collect();
                let mut lines = Vec::new();
                for module in &members {
                    for target in self.edges[*module].iter().filter(|t| members.contains(t)) {
                        lines.push(format!("{} -> {}", file_name(module), file_name(target)));
                    }
                }
                lines
            })
            .collect()
    }
}

/// Tarjan's strongly connected components: a group of more than one file is a circle.
struct Tarjan<'g> {
    graph: &'g Graph,
    index: BTreeMap<&'g Module, usize>,
    low: BTreeMap<&'g Module, usize>,
    stack: Vec<&'g Module>,
    groups: Vec<Vec<Module>>,
}

impl<'g> Tarjan<'g> {
    fn visit(&mut self, module: &'g Module) {
        let n = self.index.len();
        self.index.insert(module, n);
        self.low.insert(module, n);
        self.stack.push(module);
        for target in &self.graph.edges[module] {
            if !self.index.contains_key(target) {
                self.visit(target);
                let low = self.low[module].min(self.low[target]);
                self.low.insert(module, low);
            } else if self.stack.contains(&target) {
                let low = self.low[module].min(self.index[target]);
                self.low.insert(module, low);
            }
        }
        if self.low[module] == self.index[module] {
            let at = self.stack.iter().rposition(|m| *m == module).expect("on the stack");
            let group: Vec<Module> = self.stack.drain(at..).cloned().collect();
            if group.len() > 1 {
                self.groups.push(group);
            }
        }
    }
}

fn file_name(module: &Module) -> String {
    module.join("/")
}

/// Every `.rs` file below `dir`.
pub fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module a source file is: `src/report/mod.rs` is `report`; `None` for `lib.rs` and `main.rs`.
fn module(src: &Path, path: &Path) -> Option<Module> {
    let relative = path.strip_prefix(src).ok()?.with_extension("");
    let mut parts: Module = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts == ["lib"] || parts == ["main"] {
        return None;
    }
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    Some(parts)
}

/// The file that defines what `path` names: the deepest module file along it, then through that file's
/// re-exports of the next name.
fn resolve(files: &BTreeMap<Module, File>, path: &[String], depth: usize) -> Option<Module> {
    let deepest = (0..=path.len()).rev().find(|&n| files.contains_key(&path[..n]))?;
    let module = path[..deepest].to_vec();
    let reexported = path.get(deepest).and_then(|next| files[&module].reexports.get(next)).filter(|_| depth < 8);
    match reexported {
        Some(origin) => {
            let through: Module = origin.iter().chain(&path[deepest + 1..]).cloned().collect();
            resolve(files, &through, depth + 1).or(Some(module))
        }
        None => Some(module),
    }
}

/// The source's tokens: identifiers, `::`, and single punctuation characters; comments, strings and
/// character literals left out.
fn tokens(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let after_ident = i > 0 && ident(chars[i - 1]);
        if c == '/' && next == Some('/') {
            i = chars[i..].iter().position(|&c| c == '\n').map_or(chars.len(), |n| i + n);
        } else if c == '/' && next == Some('*') {
            i = (i + 2..chars.len())
                .find(|&j| chars[j] == '*' && chars.get(j + 1) == Some(&'/'))
                .map_or(chars.len(), |j| j + 2);
        } else if !after_ident && (c == 'r' || c == 'b') && raw_string(&chars[i..]).is_some() {
            i += raw_string(&chars[i..]).unwrap_or(1);
        } else if c == '"' || (c == 'b' && next == Some('"') && !after_ident) {
            let mut j = i + if c == 'b' { 2 } else { 1 };
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            i = j + 1;
        } else if c == '\'' {
            // A character literal ('x', '\n'), else a lifetime ('a).
            i += match (next, chars.get(i + 2)) {
                (Some('\\'), _) => chars[i + 2..].iter().position(|&c| c == '\'').map_or(1, |n| n + 3),
                (_, Some('\'')) => 3,
                _ => 1,
            };
        } else if ident(c) {
            let n = chars[i..].iter().take_while(|&&c| ident(c)).count();
            out.push(chars[i..i + n].iter().collect());
            i += n;
        } else if c == ':' && next == Some(':') {
            out.push("::".to_string());
            i += 2;
        } else {
            if !c.is_whitespace() {
                out.push(c.to_string());
            }
            i += 1;
        }
    }
    out
}

/// The length of a raw string literal (`r"…"`, `r#"…"#`, `br"…"`) at the start of `chars`, if one is there.
fn raw_string(chars: &[char]) -> Option<usize> {
    let start = if chars.first() == Some(&'b') { 1 } else { 0 };
    if chars.get(start) != Some(&'r') {
        return None;
    }
    let hashes = chars[start + 1..].iter().take_while(|&&c| c == '#').count();
    let open = start + 1 + hashes;
    if chars.get(open) != Some(&'"') {
        return None;
    }
    let close: Vec<char> = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
    (open + 1..chars.len()).find(|&j| chars[j..].starts_with(&close)).map(|j| j + close.len())
}

/// What the file of `module` whose tokens are `tokens` declares, re-exports and names.
fn read(module: &Module, tokens: &[String]) -> File {
    let at = |i: usize| tokens.get(i).map_or("", String::as_str);
    let children: BTreeSet<&str> =
        (0..tokens.len()).filter(|&i| at(i) == "mod" && at(i + 2) == ";").map(|i| at(i + 1)).collect();
    let mut file = File::default();
    let mut aliases: BTreeMap<String, Module> = BTreeMap::new();
    // Inline modules (`mod tests { … }`) with the brace depth they close at.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0;
    let mut i = 0;
    while i < tokens.len() {
        let current: Module = module.iter().cloned().chain(inline.iter().map(|(name, _)| name.clone())).collect();
        let absolute = |path: &[String], aliases: &BTreeMap<String, Module>| -> Option<Module> {
            let (first, rest) = path.split_first()?;
            let mut base = match first.as_str() {
                "crate" => Vec::new(),
                "self" => current.clone(),
                "super" => current[..current.len().saturating_sub(1)].to_vec(),
                name if aliases.contains_key(name) => aliases[name].clone(),
                name if inline.is_empty() && children.contains(name) => {
                    [module.clone(), vec![name.to_string()]].concat()
                }
                _ => return None,
            };
            let mut rest = rest;
            while first == "super" && rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
            base.extend(rest.iter().cloned());
            Some(base)
        };
        match at(i) {
            "#" if tokens[i + 1..].starts_with(&["[", "cfg", "(", "test", ")", "]"].map(String::from)) => {
                i = skip_item(tokens, i + 7);
                continue;
            }
            "mod" if at(i + 2) == "{" => {
                depth += 1;
                inline.push((at(i + 1).to_string(), depth));
                i += 3;
                continue;
            }
            "{" => depth += 1,
            "}" => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth -= 1;
            }
            "use" => {
                let public = i > 0 && (at(i - 1) == "pub" || at(i - 1) == ")");
                let (trees, end) = use_tree(tokens, i + 1);
                for (mut path, alias) in trees {
                    if path.last().is_some_and(|s| s == "self") {
                        path.pop();
                    }
                    let glob = path.last().is_some_and(|s| s == "*");
                    if glob {
                        path.pop();
                    }
                    let Some(target) = absolute(&path, &aliases) else { continue };
                    file.paths.push(target.clone());
                    if let (false, Some(name)) = (glob, alias.or_else(|| path.last().cloned())) {
                        if public && inline.is_empty() {
                            file.reexports.insert(name.clone(), target.clone());
                        }
                        aliases.insert(name, target);
                    }
                }
                i = end;
                continue;
            }
            word if at(i + 1) == "::" && at(i.wrapping_sub(1)) != "::" => {
                let mut path = vec![word.to_string()];
                let mut j = i + 1;
                while at(j) == "::" && !matches!(at(j + 1), "{" | "<" | "*" | "") {
                    path.push(at(j + 1).to_string());
                    j += 2;
                }
                if let Some(target) = absolute(&path, &aliases) {
                    file.paths.push(target);
                }
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    file
}

/// The end of the item starting at `i`: after its `;`, or after the brace that closes its body.
fn skip_item(tokens: &[String], mut i: usize) -> usize {
    while i < tokens.len() && tokens[i] != "{" && tokens[i] != ";" {
        i += 1;
    }
    if tokens.get(i).is_some_and(|t| t == "{") {
        let mut depth = 0;
        while i < tokens.len() {
            match tokens[i].as_str() {
                "{" => depth += 1,
                "}" => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }
    i + 1
}

/// A path a `use` tree names, with its `as` name.
type Named = (Vec<String>, Option<String>);

/// The paths a `use` tree names from token `i` on (each with its `as` name), and where the tree ends.
fn use_tree(tokens: &[String], mut i: usize) -> (Vec<Named>, usize) {
    let at = |i: usize| tokens.get(i).map_or("", String::as_str);
    if at(i) == "{" {
        let mut trees = Vec::new();
        i += 1;
        while at(i) != "}" && i < tokens.len() {
            let (more, end) = use_tree(tokens, i);
            trees.extend(more);
            i = if at(end) == "," { end + 1 } else { end };
        }
        return (trees, i + 1);
    }
    let mut path = vec![at(i).to_string()];
    i += 1;
    while at(i) == "::" {
        if matches!(at(i + 1), "{" | "*") {
            let (more, end) =
                if at(i + 1) == "*" { (vec![(vec!["*".to_string()], None)], i + 2) } else { use_tree(tokens, i + 1) };
            let trees = more.into_iter().map(|(rest, alias)| ([path.clone(), rest].concat(), alias)).collect();
            return (trees, end);
        }
        path.push(at(i + 1).to_string());
        i += 2;
    }
    let alias = (at(i) == "as").then(|| at(i + 1).to_string());
    (vec![(path, alias)], if at(i) == "as" { i + 2 } else { i })
}
