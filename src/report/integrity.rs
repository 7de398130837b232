//! The JSON report's `integrity` block (DESIGN.md, "Evidence and repair"): the SHA-256 of the report itself
//! and of every other file the run wrote, signed with `--sign-key`, so that `recon verify` can tell whether the
//! evidence is what recon wrote.
//!
//! ```json
//! "integrity": {"sha256": "…", "files": {"diffs/mismatched.parquet": "…", "report.html": "…"},
//!               "signature": {"algorithm": "ed25519", "public_key": "…", "value": "…"}}
//! ```
//!
//! - `sha256` is the digest of the report's **canonical form**: the report without its `integrity` member,
//!   serialized by recon compactly — no whitespace between tokens, members in the order recon writes them
//!   (the order of the report's fields, never sorted), strings escaped as serde_json escapes them (`"`, `\`
//!   and control characters; everything else as UTF-8), numbers as recon writes them. It is the report file
//!   with its `integrity` member removed and the whitespace between tokens dropped, since the file itself is
//!   recon's indented serialization of the same value (`recon verify` checks that too). Compact, so the digest
//!   does not depend on indentation; recon's own order, because the order is fixed by the report's fields and
//!   sorting members (RFC 8785) would also need its number format, which cannot write a u64 seed exactly.
//! - `files`: every other output of the run (`--diff-out`'s files, walked, `--html`, `--junit`, `--markdown`),
//!   by name relative to the report's directory (`/`-separated, `..` where a file lies outside it), so a moved
//!   evidence folder still verifies; sorted by name. The documents are written before the report, so the
//!   HTML shows the report's digest while the HTML's own digest lives only here.
//! - `signature` signs [`message`]: `sha256` and `files` together.
//!
//! Without a key, this detects accidents (a truncated copy, an edited file), not tampering: whoever can edit
//! the report can also recompute its digests. A signature checked against a public key obtained apart from the
//! report shows that the key's holder signed these digests.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::signature::{hex, Signature, Signer};
use super::write_atomically;
use crate::error::{Error, Result};

/// The member of the report that holds the block.
pub const MEMBER: &str = "integrity";
/// The first line of the signed message: what it is, and the version of its layout.
const MESSAGE_HEADER: &str = "recon integrity v1\n";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Integrity {
    /// SHA-256 of the report's canonical form, hex.
    pub sha256: String,
    /// SHA-256 of each other output of the run, hex, by name relative to the report's directory.
    pub files: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
}

/// What the documents written before the JSON report show of its integrity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shown {
    /// The report's `integrity.sha256`.
    pub sha256: String,
    /// The fingerprint of the key that signs it.
    pub signer: Option<String>,
}

/// A report on its way to its file: its value and digest, known before any other output is written, and the
/// key that will sign it.
pub struct Sealing<'a> {
    report: Value,
    sha256: String,
    signer: Option<&'a Signer>,
}

impl<'a> Sealing<'a> {
    pub fn new(report: &impl Serialize, signer: Option<&'a Signer>) -> Result<Sealing<'a>> {
        let report = serde_json::to_value(report).map_err(|e| Error::internal(format!("report: {e}")))?;
        let sha256 = sha256(&canonical(&report)?);
        Ok(Sealing { report, sha256, signer })
    }

    pub fn shown(&self) -> Shown {
        Shown { sha256: self.sha256.clone(), signer: self.signer.map(Signer::fingerprint) }
    }

    /// Writes the report to `path`, whole or not at all, its integrity block naming `outputs` (files, and
    /// directories whose files are all named): the files the run wrote before it.
    pub fn write(&self, path: &Path, outputs: &[PathBuf]) -> Result<()> {
        let files = digests(path, outputs)?;
        let mut integrity = Integrity { sha256: self.sha256.clone(), files, signature: None };
        integrity.signature = self.signer.map(|signer| signer.sign(&message(&integrity)));
        let text = sealed_text(&self.report, &integrity)?;
        write_atomically(path, |file| file.write_all(text.as_bytes()))
    }
}

/// A report's canonical form (see the module's documentation): `report` holds no `integrity` member.
pub fn canonical(report: &Value) -> Result<Vec<u8>> {
    serde_json::to_vec(report).map_err(|e| Error::internal(format!("report: {e}")))
}

/// The report file's text: recon's indented serialization of `report` with `integrity` as its last member,
/// and a final newline.
pub fn sealed_text(report: &Value, integrity: &Integrity) -> Result<String> {
    let internal = |e: serde_json::Error| Error::internal(format!("report: {e}"));
    let mut sealed = report.clone();
    let object = sealed.as_object_mut().ok_or_else(|| Error::internal("a report is a JSON object"))?;
    object.insert(MEMBER.to_string(), serde_json::to_value(integrity).map_err(internal)?);
    Ok(serde_json::to_string_pretty(&sealed).map_err(internal)? + "\n")
}

/// What the signature signs, as UTF-8 text: the line `recon integrity v1`, then `sha256 ` and the report's
/// digest, then one line per file in `files` order as `sha256sum` prints it — the digest, two spaces, the name
/// (a name holding `\`, a line feed or a carriage return escaped as `sha256sum` does: `\\`, `\n`, `\r`, and
/// its line begun with `\`). Every line ends with a line feed.
pub fn message(integrity: &Integrity) -> Vec<u8> {
    let mut text = format!("{MESSAGE_HEADER}sha256 {}\n", integrity.sha256);
    for (name, digest) in &integrity.files {
        text += &checksum_line(name, digest);
    }
    text.into_bytes()
}

/// One file's line of [`message`].
fn checksum_line(name: &str, digest: &str) -> String {
    if !name.contains(['\\', '\n', '\r']) {
        return format!("{digest}  {name}\n");
    }
    let escaped = name.replace('\\', "\\\\").replace('\n', "\\n").replace('\r', "\\r");
    format!("\\{digest}  {escaped}\n")
}

/// SHA-256 of `bytes`, hex.
pub fn sha256(bytes: &[u8]) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

/// SHA-256 of the file at `path`, hex, read in blocks (a `--diff-out` file may be large).
pub fn file_sha256(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    let mut block = vec![0; 1 << 20];
    loop {
        match file.read(&mut block)? {
            0 => return Ok(hex(context.finish().as_ref())),
            n => context.update(&block[..n]),
        }
    }
}

/// The digest of every file of `outputs` (a directory stands for every file under it), by name relative to the
/// directory of the report at `report`, which is never among them.
fn digests(report: &Path, outputs: &[PathBuf]) -> Result<BTreeMap<String, String>> {
    let base = super::files::directory_of(report).canonicalize().map_err(|e| Error::io(report, e))?;
    let itself = report.file_name().map(|name| base.join(name));
    let mut files = Vec::new();
    for output in outputs {
        list_files(output, &mut files)?;
    }
    let mut digests = BTreeMap::new();
    for file in files {
        let absolute = file.canonicalize().map_err(|e| Error::io(&file, e))?;
        if Some(&absolute) == itself.as_ref() {
            continue;
        }
        let digest = file_sha256(&absolute).map_err(|e| Error::io(&file, e))?;
        digests.insert(relative_name(&base, &absolute, &file)?, digest);
    }
    Ok(digests)
}

/// `path` when it is a file; every file under it when it is a directory (symbolic links to directories are
/// not followed); nothing when there is none (an audit that compared no table made no `--diff-out` directory).
fn list_files(path: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let kind = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata.file_type(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(path, e)),
    };
    if !kind.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .and_then(|dir| dir.map(|entry| entry.map(|e| e.path())).collect())
        .map_err(|e| Error::io(path, e))?;
    entries.sort();
    for entry in entries {
        list_files(&entry, out)?;
    }
    Ok(())
}

/// The name of `file` (canonical) seen from the directory `base` (canonical): `/`-separated, with `..` to
/// leave `base`. `shown` names the file in an error.
fn relative_name(base: &Path, file: &Path, shown: &Path) -> Result<String> {
    let common = base.components().zip(file.components()).take_while(|(a, b)| a == b).count();
    let up = base.components().skip(common).map(|_| "..");
    let down = file.components().skip(common).map(|c| match c {
        Component::Normal(part) => part.to_str(),
        _ => None,
    });
    let parts: Option<Vec<&str>> = up.map(Some).chain(down).collect();
    parts.map(|p| p.join("/")).ok_or_else(|| {
        Error::input(shown.display().to_string(), "cannot be named in the report's integrity block (not UTF-8)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_relative_to_the_report_directory() {
        let name = |base: &str, file: &str| relative_name(Path::new(base), Path::new(file), Path::new(file)).unwrap();
        assert_eq!(name("/e/run", "/e/run/report.html"), "report.html");
        assert_eq!(name("/e/run", "/e/run/diffs/orders/mismatched.parquet"), "diffs/orders/mismatched.parquet");
        assert_eq!(name("/e/run", "/e/docs/r.md"), "../docs/r.md");
        assert_eq!(name("/e/run", "/x.xml"), "../../x.xml");
    }

    #[test]
    fn the_signed_message_lists_the_digests_as_sha256sum_does() {
        let files = [("a b.html".to_string(), "01".repeat(32)), ("x\\y\nz".to_string(), "02".repeat(32))];
        let integrity = Integrity { sha256: "ff".repeat(32), files: files.into_iter().collect(), signature: None };
        let expected = format!(
            "recon integrity v1\nsha256 {}\n{}  a b.html\n\\{}  x\\\\y\\nz\n",
            "ff".repeat(32),
            "01".repeat(32),
            "02".repeat(32)
        );
        assert_eq!(String::from_utf8(message(&integrity)).unwrap(), expected);
    }

    #[test]
    fn the_report_file_is_the_canonical_form_indented_with_integrity_last() {
        let report = serde_json::json!({"report_version": 1, "kind": "diff", "summary": {"b": 2, "a": 1.5e-7}});
        let canonical = String::from_utf8(canonical(&report).unwrap()).unwrap();
        assert_eq!(canonical, r#"{"report_version":1,"kind":"diff","summary":{"b":2,"a":1.5e-7}}"#);
        let integrity = Integrity { sha256: sha256(canonical.as_bytes()), files: BTreeMap::new(), signature: None };
        let text = sealed_text(&report, &integrity).unwrap();
        assert!(text.starts_with("{\n  \"report_version\": 1,\n  \"kind\": \"diff\",\n"), "{text}");
        assert!(
            text.ends_with(&format!(
                "  \"integrity\": {{\n    \"sha256\": \"{}\",\n    \"files\": {{}}\n  }}\n}}\n",
                integrity.sha256
            )),
            "{text}"
        );
    }
}
