//! Command-line options of the benchmark binaries: `--name value` or `--name=value`. Shared
//! by `bench/search` and `bench/map` as a source file (`#[path]`), not a crate.

use anyhow::{bail, Context};

/// The options after the program name, one at a time.
pub struct Options {
    args: std::iter::Skip<std::env::Args>,
    usage: &'static str,
}

/// One option: its name and, on demand, its value.
pub struct Opt<'a> {
    pub name: String,
    inline: Option<String>,
    options: &'a mut Options,
}

impl Options {
    /// The process's options; `usage` ends the error of a missing value.
    pub fn from_env(usage: &'static str) -> Options {
        Options {
            args: std::env::args().skip(1),
            usage,
        }
    }

    pub fn next_opt(&mut self) -> Option<Opt<'_>> {
        let arg = self.args.next()?;
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (arg, None),
        };
        Some(Opt {
            name,
            inline,
            options: self,
        })
    }
}

impl Opt<'_> {
    /// The value: after `=`, else the next argument.
    pub fn value(&mut self) -> anyhow::Result<String> {
        match self.inline.take().or_else(|| self.options.args.next()) {
            Some(v) => Ok(v),
            None => bail!("{} needs a value\n{}", self.name, self.options.usage),
        }
    }

    /// The value, parsed; an error names the option.
    pub fn parse<T>(&mut self) -> anyhow::Result<T>
    where
        T: std::str::FromStr,
        T::Err: std::error::Error + Send + Sync + 'static,
    {
        let value = self.value()?;
        value.parse().with_context(|| self.name.clone())
    }
}
