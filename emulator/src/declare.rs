//! Config as code: a TOML file (`--config`) declares what exists at start, in sections that
//! the services own (`[[queues]]`, ...); `${VAR}` and `${VAR:-default}` take values from the
//! environment. The whole file is first applied to a throwaway in-memory server holding a copy
//! of the current state: a file that fails there is refused with its file, line and reason,
//! and nothing of it is applied. Then it is applied for real, idempotently (`--config-mode
//! update` sets what differs, `report` leaves it and logs the differences). `GET
//! /_quayside/config` (and `quayside export`) writes the current state as such a file.

use crate::App;
use serde_json::Value;
use service::declare::{Mode, Outcome};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// A parsed file: each section's declarations and their byte offsets, and the text (for line
/// numbers).
pub(crate) struct File {
    path: PathBuf,
    text: String,
    sections: BTreeMap<String, (Vec<usize>, Vec<Value>)>,
}

/// The line (1-based) of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|b| *b == b'\n').count() + 1
}

/// Replaces `${VAR}` and `${VAR:-default}` with the environment's values (`$$` is a `$`).
///
/// Errors: the line of a variable that is not set and has no default, or of an unclosed `${`.
fn interpolate(text: &str, var: impl Fn(&str) -> Option<String>) -> Result<String, (usize, String)> {
    let mut out = String::with_capacity(text.len());
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let mut rest = line;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if let Some(r) = after.strip_prefix('$') {
                out.push('$');
                rest = r;
            } else if let Some(r) = after.strip_prefix('{') {
                let end = r.find('}').ok_or((n + 1, "an unclosed `${`".to_string()))?;
                let inner = &r[..end];
                let (name, default) = match inner.split_once(":-") {
                    Some((n, d)) => (n, Some(d)),
                    None => (inner, None),
                };
                match (var(name), default) {
                    (Some(v), _) => out.push_str(&v),
                    (None, Some(d)) => out.push_str(d),
                    (None, None) => return Err((n + 1, format!("the environment variable {name} is not set"))),
                }
                rest = &r[end + 1..];
            } else {
                out.push('$');
                rest = after;
            }
        }
        out.push_str(rest);
    }
    Ok(out)
}

/// Reads and parses `path` against the sections the services own.
///
/// Errors: `file:line: reason`.
pub(crate) fn load(path: &Path, known: &[&str]) -> Result<File, String> {
    let raw = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let text = interpolate(&raw, |n| std::env::var(n).ok()).map_err(|(l, e)| format!("{}:{l}: {e}", path.display()))?;
    let at = |offset: usize, why: String| format!("{}:{}: {why}", path.display(), line_of(&text, offset));
    let parsed: BTreeMap<Spanned<String>, Spanned<toml::Value>> = toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|s| line_of(&text, s.start)).unwrap_or(1);
        format!("{}:{line}: {}", path.display(), e.message())
    })?;
    let mut sections = BTreeMap::new();
    for (name, value) in parsed {
        if !known.contains(&name.get_ref().as_str()) {
            return Err(at(
                name.span().start,
                format!("unknown section `{}` (known: {})", name.get_ref(), known.join(", ")),
            ));
        }
        let span = value.span();
        let toml::Value::Array(items) = value.into_inner() else {
            return Err(at(span.start, format!("`{}` is a list of tables (`[[{}]]`)", name.get_ref(), name.get_ref())));
        };
        // Items' own spans: where each `[[section]]` header stands.
        let starts = item_starts(&text, name.get_ref(), items.len());
        let offsets = (0..items.len()).map(|i| starts.get(i).copied().unwrap_or(span.start)).collect();
        let decls = items
            .into_iter()
            .map(|item| serde_json::to_value(&item).map_err(|e| at(span.start, e.to_string())))
            .collect::<Result<_, _>>()?;
        sections.insert(name.into_inner(), (offsets, decls));
    }
    Ok(File { path: path.to_path_buf(), text, sections })
}

/// Where each `[[section]]` table of the file begins (for the line of a declaration).
fn item_starts(text: &str, section: &str, n: usize) -> Vec<usize> {
    let header = format!("[[{section}]]");
    let mut starts = Vec::with_capacity(n);
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim() == header {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts
}

/// Applies `file` to `app`: every service's sections, in the services' order.
///
/// Errors: `file:line: reason` of the first declaration that failed.
pub(crate) async fn apply(app: &App, file: &File, mode: Mode) -> Result<Outcome, String> {
    let mut all = Outcome::default();
    for d in app.services.iter().filter_map(|s| s.declares()) {
        let Some((offsets, decls)) = file.sections.get(d.section()) else { continue };
        let out = d.apply(decls, mode, &app.config.account_id, &app.config.region).await.map_err(|e| {
            let offset = offsets.get(e.index).copied().unwrap_or(0);
            format!("{}:{}: {}", file.path.display(), line_of(&file.text, offset), e.message)
        })?;
        all.made.extend(out.made);
        all.updated.extend(out.updated);
        all.differences.extend(out.differences);
    }
    Ok(all)
}

/// Every service's section as it stands (those with declarations), in the services' order.
fn current(app: &App) -> Vec<(&'static str, Vec<Value>)> {
    app.services
        .iter()
        .filter_map(|s| s.declares())
        .map(|d| (d.section(), d.export()))
        .filter(|(_, decls)| !decls.is_empty())
        .collect()
}

/// The current state as a file (every service's sections).
pub(crate) fn export(app: &App) -> Result<String, String> {
    let mut table = toml::Table::new();
    for (section, decls) in current(app) {
        let v = toml::Value::try_from(Value::Array(decls)).map_err(|e| e.to_string())?;
        table.insert(section.to_string(), v);
    }
    toml::to_string(&table).map_err(|e| e.to_string())
}

/// The current state as a file another server is given first, so that declarations may name
/// what exists already (it has no text: nothing in it is reported by line).
pub(crate) fn state_as_file(app: &App) -> File {
    let sections = current(app).into_iter().map(|(s, decls)| (s.to_string(), (vec![0; decls.len()], decls))).collect();
    File { path: PathBuf::from("(current state)"), text: String::new(), sections }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_come_from_the_environment_with_defaults() {
        let env = |n: &str| (n == "HOME_Q").then(|| "jobs".to_string());
        assert_eq!(
            interpolate("a = \"${HOME_Q}\"\nb = \"${NOPE:-x}\" $$5\n", env).unwrap(),
            "a = \"jobs\"\nb = \"x\" $5\n"
        );
        assert_eq!(
            interpolate("\n\nc = \"${NOPE}\"", env).unwrap_err(),
            (3, "the environment variable NOPE is not set".to_string())
        );
        assert_eq!(interpolate("d = \"${OPEN\"", env).unwrap_err().0, 1);
        assert_eq!(interpolate("cost = $3", env).unwrap(), "cost = $3");
    }
}
