//! The reports for people and CI (`--html`, `--junit`, `--markdown`; DESIGN.md "Reports for people and CI"):
//! where each document goes, and the writers dispatched from one list. The writers share the view of a run
//! (`view.rs`) and its wording (`words.rs`), never each other.

use std::path::{Path, PathBuf};

use super::audit::AuditReport;
use super::view::Rendering;
use super::{html, junit, markdown};
use crate::error::Result;

/// Where each document goes; `None` writes none.
#[derive(Debug, Clone, Default)]
pub struct Documents {
    pub html: Option<PathBuf>,
    pub junit: Option<PathBuf>,
    pub markdown: Option<PathBuf>,
}

/// Writes every document asked for, each whole or not at all, whatever became of the others: where each went,
/// and whether it was written (an error names its path).
pub fn write(audit: &AuditReport, documents: &Documents, rendering: &Rendering) -> Vec<(PathBuf, Result<()>)> {
    documents.asked().map(|(_, path, write)| (path.clone(), write(path, audit, rendering))).collect()
}

/// A document's writer.
type Writer = fn(&Path, &AuditReport, &Rendering) -> Result<()>;

impl Documents {
    /// Each document asked for, with the option that asks for it: what is checked before a run.
    pub fn paths(&self) -> impl Iterator<Item = (&'static str, &PathBuf)> {
        self.asked().map(|(flag, path, _)| (flag, path))
    }

    /// Each document asked for: its option, where it goes, and its writer.
    fn asked(&self) -> impl Iterator<Item = (&'static str, &PathBuf, Writer)> {
        let writers: [(&'static str, &Option<PathBuf>, Writer); 3] = [
            ("--html", &self.html, html::write),
            ("--junit", &self.junit, junit::write),
            ("--markdown", &self.markdown, markdown::write),
        ];
        writers.into_iter().filter_map(|(flag, path, write)| path.as_ref().map(|path| (flag, path, write)))
    }
}
