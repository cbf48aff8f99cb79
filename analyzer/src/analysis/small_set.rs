//! The solver's sets (a node's values, the instances reading it): ordered sets of small
//! `Copy` keys that almost always hold one or two.
//!
//! A `BTreeSet` allocates a node of eleven slots for its first element: with millions of
//! solver nodes those blocks were most of the memory of a large workspace's run, and the
//! cache misses on them made the solve grow faster than the code (per instance, 1.6× slower
//! at 1M lines than at 100k). Invariant: iteration is in ascending order, as a `BTreeSet`'s,
//! so the solver visits work in the same order whatever the representation.

use smallvec::SmallVec;
use std::collections::BTreeSet;

/// Past this many elements a set moves to a B-tree (inserting into a sorted vector costs
/// its length).
const SORTED_MAX: usize = 32;

#[derive(Clone, Debug)]
pub enum SmallSet<T: Ord + Copy> {
    /// Sorted, without duplicates.
    Sorted(SmallVec<[T; 2]>),
    Tree(BTreeSet<T>),
}

impl<T: Ord + Copy> Default for SmallSet<T> {
    fn default() -> Self {
        SmallSet::Sorted(SmallVec::new())
    }
}

impl<T: Ord + Copy> SmallSet<T> {
    /// Adds `value`; whether it was new.
    pub fn insert(&mut self, value: T) -> bool {
        match self {
            SmallSet::Sorted(v) => match v.binary_search(&value) {
                Ok(_) => false,
                Err(at) if v.len() < SORTED_MAX => {
                    v.insert(at, value);
                    true
                }
                Err(_) => {
                    let mut tree: BTreeSet<T> = v.iter().copied().collect();
                    tree.insert(value);
                    *self = SmallSet::Tree(tree);
                    true
                }
            },
            SmallSet::Tree(t) => t.insert(value),
        }
    }

    /// The elements in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        let (sorted, tree) = match self {
            SmallSet::Sorted(v) => (Some(v.iter()), None),
            SmallSet::Tree(t) => (None, Some(t.iter())),
        };
        sorted
            .into_iter()
            .flatten()
            .chain(tree.into_iter().flatten())
            .copied()
    }

    pub fn len(&self) -> usize {
        match self {
            SmallSet::Sorted(v) => v.len(),
            SmallSet::Tree(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_as_a_btree_set_across_the_switch() {
        // Every residue of 101 in a scrambled order, five times over: growing past the
        // sorted limit, with repeats on both sides of the switch.
        let mut small = SmallSet::default();
        let mut reference = BTreeSet::new();
        for i in 0..505u32 {
            let x = (i * 37) % 101;
            assert_eq!(small.insert(x), reference.insert(x));
            assert_eq!(small.len(), reference.len());
            assert!(small.iter().eq(reference.iter().copied()));
        }
        assert!(matches!(small, SmallSet::Tree(_)));
        let mut few = SmallSet::default();
        for v in [5u32, 1, 5, 3] {
            few.insert(v);
        }
        assert!(matches!(few, SmallSet::Sorted(_)));
        assert_eq!(few.iter().collect::<Vec<_>>(), [1, 3, 5]);
        assert!(!few.is_empty());
    }
}
