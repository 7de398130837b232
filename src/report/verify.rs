//! `recon verify REPORT.json [--public-key FILE]`: whether a report and the files its integrity block names are
//! as recon wrote them (see [`super::integrity`]). Each check passes or says exactly what differs: the report's
//! contents against its digest, the file against recon's serialization of what it holds (a re-indented or
//! re-ordered file fails), each named file against its digest, and the signature. A file that cannot be read,
//! or is no recon report with an integrity block, is an error (exit 2), not a difference.

use std::path::Path;

use serde_json::Value;

use super::audit::AuditReport;
use super::integrity::{self, Integrity};
use super::signature::{self, PublicKey};
use super::{Report, ReportKind};
use crate::error::{Error, Result};

/// The checks of one report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub checks: Vec<Check>,
    /// The files the report names.
    pub files: usize,
}

/// One thing checked: what it is about, and what differs (`None`: as written) or what it establishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub subject: String,
    pub problem: Option<String>,
    pub note: Option<String>,
}

impl Check {
    fn passed(subject: &str, note: Option<String>) -> Check {
        Check { subject: subject.to_string(), problem: None, note }
    }

    fn failed(subject: &str, problem: String) -> Check {
        Check { subject: subject.to_string(), problem: Some(problem), note: None }
    }
}

impl Verification {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.problem.is_none())
    }

    /// 0 when every check passed, 1 when something differs.
    pub fn exit_code(&self) -> i32 {
        if self.passed() {
            0
        } else {
            1
        }
    }

    /// One line per check, then the conclusion.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for check in &self.checks {
            let (word, detail) = match (&check.problem, &check.note) {
                (Some(problem), _) => ("DIFFERS", format!(": {problem}")),
                (None, Some(note)) => ("ok", format!(": {note}")),
                (None, None) => ("ok", String::new()),
            };
            out += &format!("{word:<8} {}{detail}\n", check.subject);
        }
        let failed = self.checks.iter().filter(|c| c.problem.is_some()).count();
        out += &match failed {
            0 => format!(
                "verified: the report and the {} {} it names are as recon wrote them\n",
                self.files,
                super::words::plural(self.files as u64, "file", "files")
            ),
            n => format!("NOT VERIFIED: {n} of {} checks failed\n", self.checks.len()),
        };
        out
    }
}

/// Checks the report at `path` (and, with `trusted`, that the key in that file signed it).
pub fn verify(path: &Path, trusted: Option<(&Path, &PublicKey)>) -> Result<Verification> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut report: Value =
        serde_json::from_str(&text).map_err(|e| Error::input(&shown, format!("is not JSON: {e}")))?;
    let object = report.as_object_mut().filter(|o| o.contains_key("report_version") && o.contains_key("kind"));
    let object = object.ok_or_else(|| Error::input(&shown, "is not a recon report (no report_version and kind)"))?;
    let kind = object["kind"].as_str().unwrap_or_default().to_string();
    let block = object
        .shift_remove(integrity::MEMBER)
        .ok_or_else(|| Error::input(&shown, "has no integrity block: recon writes one into the report of --output"))?;
    let integrity: Integrity = serde_json::from_value(block)
        .map_err(|e| Error::input(&shown, format!("has an integrity block recon cannot read: {e}")))?;

    let mut checks =
        vec![contents(&shown, &report, &integrity)?, serialization(&shown, &text, &kind, &report, &integrity)];
    let base = super::files::directory_of(path);
    for (name, digest) in &integrity.files {
        checks.push(match integrity::file_sha256(&base.join(name)) {
            Ok(actual) if actual == *digest => Check::passed(name, None),
            Ok(actual) => Check::failed(name, format!("changed: its SHA-256 is {actual}, the report says {digest}")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Check::failed(name, "missing".into()),
            Err(e) => Check::failed(name, format!("cannot be read: {e}")),
        });
    }
    checks.extend(signature_check(&integrity, trusted));
    Ok(Verification { checks, files: integrity.files.len() })
}

/// Whether the report's contents (its canonical form) still have the digest the block gives.
fn contents(shown: &str, report: &Value, integrity: &Integrity) -> Result<Check> {
    let actual = integrity::sha256(&integrity::canonical(report)?);
    Ok(if actual == integrity.sha256 {
        Check::passed(shown, Some(format!("contents as written, SHA-256 {actual}")))
    } else {
        Check::failed(
            shown,
            format!("its contents changed: their SHA-256 is {actual}, integrity.sha256 says {}", integrity.sha256),
        )
    })
}

/// Whether the file is byte for byte recon's serialization of the report it holds.
fn serialization(shown: &str, text: &str, kind: &str, report: &Value, integrity: &Integrity) -> Check {
    let rewritten = match reserialized(kind, report) {
        Ok(value) => integrity::sealed_text(&value, integrity),
        Err(e) => return Check::failed(shown, format!("not a report recon writes: {e}")),
    };
    match rewritten {
        Ok(expected) if expected == text => {
            Check::passed(shown, Some("byte-identical to recon's serialization".into()))
        }
        Ok(expected) => {
            let at = text.bytes().zip(expected.bytes()).take_while(|(a, b)| a == b).count();
            let before = &text[..floor_char_boundary(text, at)];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            Check::failed(
                shown,
                format!(
                    "not byte-identical to recon's serialization of what it holds (re-indented or edited?): first \
                     difference at line {line}, column {column}"
                ),
            )
        }
        Err(e) => Check::failed(shown, e.to_string()),
    }
}

/// The report read as recon's own type and serialized again: what recon would have written for it.
fn reserialized(kind: &str, report: &Value) -> std::result::Result<Value, serde_json::Error> {
    match ReportKind::parse(kind) {
        Some(ReportKind::Audit) => serde_json::to_value(serde_json::from_value::<AuditReport>(report.clone())?),
        _ => serde_json::to_value(serde_json::from_value::<Report>(report.clone())?),
    }
}

/// The largest char boundary of `text` at or before `at`.
fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The signature's check: against the trusted key when given (an unsigned report then fails), else against the
/// key the report names — which shows the signature is intact, not who made it.
fn signature_check(integrity: &Integrity, trusted: Option<(&Path, &PublicKey)>) -> Option<Check> {
    const SUBJECT: &str = "signature";
    let message = integrity::message(integrity);
    let Some(signed) = &integrity.signature else {
        let (file, _) = trusted?;
        return Some(Check::failed(
            SUBJECT,
            format!("the report is not signed, so not by the key in {}", file.display()),
        ));
    };
    if signed.algorithm != signature::ALGORITHM {
        return Some(Check::failed(
            SUBJECT,
            format!("unknown algorithm {:?} (recon signs with ed25519)", signed.algorithm),
        ));
    }
    let named = signature::fingerprint_of(&signed.public_key).unwrap_or_else(|| "an unreadable key".into());
    let key = trusted.map_or_else(|| signed.public_key.clone(), |(_, key)| key.hex());
    Some(match (trusted, signature::holds(signed, &key, &message)) {
        (Some((file, _)), true) => {
            Check::passed(SUBJECT, Some(format!("Ed25519, made by the key in {} ({named})", file.display())))
        }
        (Some((file, key)), false) if key.hex() != signed.public_key => Check::failed(
            SUBJECT,
            format!("made with another key ({named}), not the key in {} ({})", file.display(), key.fingerprint()),
        ),
        (_, false) => Check::failed(SUBJECT, "does not match the report's digests: they changed after signing".into()),
        (None, true) => Check::passed(
            SUBJECT,
            Some(format!("Ed25519, intact, by the key {named}: give --public-key FILE to check it is one you trust")),
        ),
    })
}
