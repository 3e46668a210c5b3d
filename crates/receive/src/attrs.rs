use crate::limits::{ATTRIBUTES_TRUNCATED, MAX_ATTRIBUTE_BYTES, MAX_ATTRIBUTES};

/// Attributes of one record under construction, held to the per-record
/// limits. Counting as we go keeps every push O(1).
#[derive(Debug, Default, Clone)]
pub(crate) struct Attrs {
    list: Vec<(String, String)>,
    bytes: usize,
    dropped: bool,
}

impl Attrs {
    pub(crate) fn push(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let (key, value) = (key.into(), value.into());
        let size = key.len() + value.len();
        if self.list.len() >= MAX_ATTRIBUTES || self.bytes + size > MAX_ATTRIBUTE_BYTES {
            self.dropped = true;
            return;
        }
        self.bytes += size;
        self.list.push((key, value));
    }

    /// Adds every attribute of `other` (e.g. inherited resource attributes).
    pub(crate) fn extend_from(&mut self, other: &Attrs) {
        for (k, v) in &other.list {
            self.push(k.as_str(), v.as_str());
        }
        self.dropped |= other.dropped;
    }

    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// True once nothing more fits; callers stop walking input early, which
    /// keeps flattening linear however wide or deep the document is.
    pub(crate) fn is_full(&self) -> bool {
        self.list.len() >= MAX_ATTRIBUTES || self.bytes >= MAX_ATTRIBUTE_BYTES
    }

    /// Whether a key of this length could still fit.
    pub(crate) fn fits_key(&self, len: usize) -> bool {
        self.bytes + len <= MAX_ATTRIBUTE_BYTES
    }

    pub(crate) fn mark_dropped(&mut self) {
        self.dropped = true;
    }

    /// The final list; the truncation flag goes last and is exempt from the
    /// limits so a reader can always tell that something was dropped.
    pub(crate) fn finish(mut self) -> Vec<(String, String)> {
        if self.dropped {
            self.list
                .push((ATTRIBUTES_TRUNCATED.to_owned(), "true".to_owned()));
        }
        self.list
    }
}
