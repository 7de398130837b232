//! How recon's text meets a terminal, decided once per run: whether a stream is coloured (`--color`,
//! `NO_COLOR`, `TERM=dumb`, as ripgrep and cargo decide it), how wide the report's tables may be (`COLUMNS`,
//! else the window's width), and the few colours recon uses.

use clap::ValueEnum;

/// `--color`: colour only on a terminal (`auto`, the default), whatever stdout and stderr are, or never.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether a stream gets colour: `auto` colours a terminal unless `NO_COLOR` is set (not empty;
    /// <https://no-color.org>) or the terminal is `dumb`.
    pub fn enabled(self, terminal: bool) -> bool {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                terminal && !set("NO_COLOR") && std::env::var_os("TERM").is_none_or(|term| term != "dumb")
            }
        }
    }
}

/// The width the report's tables fit, when `COLUMNS` gives one (a pipe, a test, a narrower window than the
/// real one); else `None`, and a table on a terminal fits the window itself (comfy-table asks it).
pub fn columns() -> Option<u16> {
    std::env::var("COLUMNS").ok()?.trim().parse().ok().filter(|&width: &u16| width > 0)
}

/// What a coloured piece of text says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Reconciled, within budget.
    Good,
    /// Over budget, an error.
    Bad,
    /// Not compared.
    Warn,
    /// Nothing to see: skipped, within a budget on tables.
    Muted,
}

impl Tone {
    /// `text` in this tone's colour when `color`, else as it is. ANSI SGR codes: every terminal recon runs
    /// in knows these four.
    pub fn paint(self, text: &str, color: bool) -> String {
        if !color {
            return text.to_string();
        }
        let code = match self {
            Tone::Good => "1;32",
            Tone::Bad => "1;31",
            Tone::Warn => "33",
            Tone::Muted => "2",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn always_and_never_decide_alone_and_a_pipe_gets_no_colour() {
        assert!(ColorChoice::Always.enabled(false));
        assert!(!ColorChoice::Never.enabled(true));
        assert!(!ColorChoice::Auto.enabled(false));
        assert_eq!(Tone::Bad.paint("NOT RECONCILED", false), "NOT RECONCILED");
        assert_eq!(Tone::Good.paint("RECONCILED", true), "\x1b[1;32mRECONCILED\x1b[0m");
    }
}
