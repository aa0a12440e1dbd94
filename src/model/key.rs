//! Condition context key names. AWS compares key names case-insensitively
//! (`aws:SourceIp` = `AWS:SOURCEIP`), so a key carries its spelling for display and a canonical
//! lower-case form for comparison. Derived facts about well-known keys (which are single-valued,
//! which describe the caller and are fixed by the principal) live in `crate::model::keys`.

use std::fmt;

#[derive(Debug, Clone)]
pub struct ContextKey {
    name: String,
    canonical: String,
}

impl ContextKey {
    pub fn new(name: &str) -> ContextKey {
        ContextKey { name: name.to_string(), canonical: canonicalize(name) }
    }

    /// The key as the policy or request spelled it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The comparison form (lower case).
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// `kms` for `kms:ViaService`, `aws` for `aws:SourceIp`.
    pub fn service(&self) -> &str {
        self.canonical.split(':').next().unwrap_or("")
    }
}

/// Key names are matched case-insensitively in full, including the tag-key part of
/// `aws:PrincipalTag/…` and the context-key part of `kms:EncryptionContext:…` (both documented
/// as case-insensitive in the key name; their *values* stay case-sensitive).
fn canonicalize(name: &str) -> String {
    name.trim().to_ascii_lowercase()
}

impl PartialEq for ContextKey {
    fn eq(&self, other: &Self) -> bool {
        self.canonical == other.canonical
    }
}
impl Eq for ContextKey {}
impl std::hash::Hash for ContextKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.canonical.hash(state)
    }
}
impl PartialOrd for ContextKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for ContextKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.canonical.cmp(&other.canonical)
    }
}

impl fmt::Display for ContextKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_compare_case_insensitively_and_keep_their_spelling() {
        let a = ContextKey::new("aws:SourceIp");
        let b = ContextKey::new("AWS:SOURCEIP");
        assert_eq!(a, b);
        assert_eq!(a.name(), "aws:SourceIp");
        assert_eq!(a.service(), "aws");
    }
}
