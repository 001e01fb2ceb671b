//! Stream tags: the characters AWS allows, its limit of 50, and the list shape the tag
//! operations answer.

use crate::error::{KinesisError, KinesisResult};
use crate::stream::Stream;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Tags a stream may carry.
pub const MAX_TAGS: usize = 50;

/// Unicode letters and digits, the space and `_ . / = + - % @` (recorded: `;`, tab, newline and
/// `,` are refused; neither AWS's texts nor its docs list `:`).
fn allowed(c: char) -> bool {
    c.is_alphanumeric() || "._/=+- @%".contains(c)
}

/// Checks tag keys and values as AWS does; `verb` is "add tags to" or "remove tags from".
///
/// Errors: `InvalidArgumentException` in AWS's two wordings (characters outside the allowed
/// set; `%`, which the set names but AWS still refuses).
pub fn check<'a>(owner: Owner<'_>, verb: &str, texts: impl Iterator<Item = &'a str> + Clone) -> KinesisResult<()> {
    if texts.clone().any(|t| !t.chars().all(allowed)) {
        return Err(KinesisError::invalid_argument(
            "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.",
        ));
    }
    if texts.into_iter().any(|t| t.contains('%')) {
        return Err(KinesisError::invalid_argument(format!(
            "Failed to {verb} stream {} under account {} because some tags contained illegal characters. The allowed \
             characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.",
            owner.0, owner.1
        )));
    }
    Ok(())
}

/// Whose tags they are, as messages name it: the stream's name and account.
pub type Owner<'a> = (&'a str, &'a str);

/// Adds `tags` to the stream's.
///
/// Errors: as [`check`]; more than 50 tags once added.
pub fn add(s: &mut Stream, tags: &BTreeMap<String, String>) -> KinesisResult<()> {
    add_to(&mut s.tags, (&s.name, &s.account), tags)
}

/// Adds `tags` to `to` (a stream's or a consumer's).
///
/// Errors: as [`add`].
pub fn add_to(
    to: &mut BTreeMap<String, String>,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
) -> KinesisResult<()> {
    check(owner, "add tags to", tags.keys().chain(tags.values()).map(String::as_str))?;
    let total = to.keys().chain(tags.keys()).collect::<std::collections::BTreeSet<_>>().len();
    if total > MAX_TAGS {
        return Err(KinesisError::invalid_argument(format!(
            "Failed to add tags to stream {} under account {} because a given stream cannot have more than {MAX_TAGS} \
             tags associated with it.",
            owner.0, owner.1
        )));
    }
    to.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
    Ok(())
}

/// Removes the tags of `keys` (absent ones are ignored, as AWS ignores them).
///
/// Errors: as [`check`].
pub fn remove(s: &mut Stream, keys: &[String]) -> KinesisResult<()> {
    remove_from(&mut s.tags, (&s.name, &s.account), keys)
}

/// Removes the tags of `keys` from `from` (a stream's or a consumer's).
///
/// Errors: as [`check`].
pub fn remove_from(from: &mut BTreeMap<String, String>, owner: Owner<'_>, keys: &[String]) -> KinesisResult<()> {
    check(owner, "remove tags from", keys.iter().map(String::as_str))?;
    for k in keys {
        from.remove(k);
    }
    Ok(())
}

/// `[{"Key": .., "Value": ..}]` in key order.
pub fn list<'a>(tags: impl Iterator<Item = (&'a String, &'a String)>) -> Value {
    tags.map(|(k, v)| json!({"Key": k, "Value": v})).collect()
}

/// The `Tags` member of an input as a map.
pub fn input_map(input: &Value) -> BTreeMap<String, String> {
    input["Tags"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
        .unwrap_or_default()
}
