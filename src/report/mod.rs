//! ⑥ The report: one serializable [`Report`] per table pair ([`model`]), built from what the engine found
//! ([`mod@build`]) with its verdict judged against the budgets ([`verdict`]); an audit's report of many ([`audit`]);
//! and the writers that render them — the terminal table, JSON, HTML, JUnit, Markdown, `--diff-out` Parquet,
//! the `--repair-sql` script — over shared wording ([`words`]) and one view of a run ([`view`]).

pub mod audit;
pub mod build;
pub mod config_entry;
pub mod diff_out;
pub mod documents;
pub mod drift;
pub mod files;
pub mod html;
pub mod integrity;
pub mod junit;
pub mod markdown;
mod marks;
pub mod model;
pub mod profile;
pub mod redact;
pub mod repair;
pub mod screen;
pub mod signature;
pub mod table;
pub mod verdict;
pub mod verify;
pub mod view;
pub mod words;

pub use build::{build, key_json, peak_memory, value_text};
pub use files::{check_directory, check_file, stop_writing, write_atomically};
pub use model::{
    ColumnRule, ColumnValues, Example, PerColumn, Policy, Report, ReportKind, SampleReport, Shift, SideReport,
    SideStats, StageSeconds, Stats, Summary, Tool, REPORT_VERSION,
};
