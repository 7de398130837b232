//! How stdout shows a report: the width tables fit and whether they are coloured, for every terminal rendering
//! (a diff's, an audit's, a profile's).

use std::io::IsTerminal;

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, Color, ContentArrangement, Table};

use crate::terminal::{ColorChoice, Tone};

/// How stdout shows a report: the width its tables fit, and whether it is coloured.
#[derive(Debug, Clone, Copy, Default)]
pub struct Screen {
    /// The columns tables fit (`COLUMNS`); `None`: a terminal's own width, else as wide as their content.
    pub width: Option<u16>,
    pub color: bool,
}

impl Screen {
    /// stdout as this run finds it: `--color` (with `NO_COLOR`) and `COLUMNS`.
    pub fn stdout(color: ColorChoice) -> Screen {
        Screen { width: crate::terminal::columns(), color: color.enabled(std::io::stdout().is_terminal()) }
    }

    /// A table with `header` that fits the width, its cells wrapped where they must be.
    pub(crate) fn table(&self, header: &[&str]) -> Table {
        let mut table = Table::new();
        table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
        table.set_header(header.to_vec());
        match self.width {
            Some(width) => {
                table.set_width(width);
            }
            // A terminal that reports no size (a pty without a window, as `script` makes in CI) is no width.
            None if table.width() == Some(0) => {
                table.force_no_tty();
            }
            None => {}
        }
        if self.color {
            // comfy-table colours only a terminal unless told: `--color always` colours a pipe too.
            table.enforce_styling().style_text_only();
        }
        table
    }

    /// Whether `table` fits the screen's width without wrapping a cell.
    pub(crate) fn fits(&self, table: &Table) -> bool {
        let Some(width) = table.width() else { return true };
        // Each column: its content, a blank either side and a border; one more border closes the row.
        let natural: usize = table.column_max_content_widths().iter().map(|&w| usize::from(w) + 3).sum::<usize>() + 1;
        natural <= usize::from(width)
    }

    /// `text` in `tone`'s colour, when colouring.
    pub(crate) fn paint(&self, text: &str, tone: Tone) -> String {
        tone.paint(text, self.color)
    }

    /// A cell in `tone`'s colour, when colouring.
    pub(crate) fn cell(&self, text: impl ToString, tone: Tone) -> Cell {
        let cell = Cell::new(text);
        if !self.color {
            return cell;
        }
        cell.fg(match tone {
            Tone::Good => Color::Green,
            Tone::Bad => Color::Red,
            Tone::Warn => Color::Yellow,
            Tone::Muted => Color::DarkGrey,
        })
    }
}
