//! Token pagination as AWS's list operations do it: items in key order, at most `limit` a page,
//! and an opaque `NextToken` naming the last key returned.

use base64::Engine;

/// A NextToken that is not one of ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadToken;

/// One page of `items` (sorted by `key`) after `next_token`, and the token of the next page if
/// more remain.
///
/// Errors: [`BadToken`] for a token this emulator did not write.
pub fn page<T>(
    mut items: Vec<T>,
    key: impl Fn(&T) -> &str,
    next_token: Option<&str>,
    limit: usize,
) -> Result<(Vec<T>, Option<String>), BadToken> {
    if let Some(t) = next_token.filter(|t| !t.is_empty()) {
        let after = base64::engine::general_purpose::STANDARD
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or(BadToken)?;
        items.retain(|i| key(i) > after.as_str());
    }
    let more = items.len() > limit;
    items.truncate(limit);
    let token = items.last().filter(|_| more).map(|last| base64::engine::general_purpose::STANDARD.encode(key(last)));
    Ok((items, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_their_tokens() {
        let items: Vec<String> = (0..5).map(|i| format!("k{i}")).collect();
        let (first, token) = page(items.clone(), |s| s, None, 2).unwrap();
        assert_eq!(first, ["k0", "k1"]);
        let (second, token) = page(items.clone(), |s| s, token.as_deref(), 2).unwrap();
        assert_eq!(second, ["k2", "k3"]);
        let (last, token) = page(items.clone(), |s| s, token.as_deref(), 2).unwrap();
        assert_eq!((last, token), (vec!["k4".to_string()], None));
        assert_eq!(page(items, |s| s, Some("%%"), 2), Err(BadToken));
    }
}
