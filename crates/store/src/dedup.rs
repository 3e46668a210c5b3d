//! The window of recently stored event ids that makes appends idempotent.
//!
//! Event ids are derived from where a record came from, so a retried batch
//! or a re-read file carries the same ids. The store remembers the last
//! `capacity` ids it stored (rebuilt from the newest segments on open) and
//! drops events whose id is among them. Older duplicates are not detected:
//! looking every id up in the index would cost a term lookup per event per
//! index segment on the ingest path.

use std::collections::{HashSet, VecDeque};

/// A bounded FIFO set of event ids.
pub(crate) struct DedupWindow {
    capacity: usize,
    set: HashSet<u128>,
    order: VecDeque<u128>,
}

impl DedupWindow {
    pub(crate) fn new(capacity: usize) -> Self {
        DedupWindow {
            capacity,
            set: HashSet::new(),
            order: VecDeque::new(),
        }
    }

    pub(crate) fn contains(&self, id: &[u8; 16]) -> bool {
        self.set.contains(&u128::from_le_bytes(*id))
    }

    /// Remembers `id`, forgetting the oldest id when full.
    pub(crate) fn insert(&mut self, id: &[u8; 16]) {
        if self.capacity == 0 {
            return;
        }
        let k = u128::from_le_bytes(*id);
        if !self.set.insert(k) {
            return;
        }
        self.order.push_back(k);
        while self.order.len() > self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgets_oldest() {
        let mut w = DedupWindow::new(2);
        w.insert(&[1; 16]);
        w.insert(&[2; 16]);
        w.insert(&[1; 16]);
        assert!(w.contains(&[1; 16]));
        w.insert(&[3; 16]);
        assert!(!w.contains(&[1; 16]));
        assert!(w.contains(&[2; 16]) && w.contains(&[3; 16]));
        assert_eq!(w.order.len(), 2);
    }
}
