//! The two sides of every comparison, named: `Side::Source` and `Side::Target`, and `Sides<T>` holding one
//! value per side, so that no stage passes `0` and `1` around.

use std::ops::{Index, IndexMut};

use serde::{Deserialize, Serialize};

use crate::vocabulary::vocabulary;

vocabulary! {
    pub enum Side ("side") {
        Source = "source",
        Target = "target",
    }
}

impl Side {
    /// Both sides, the source first.
    pub const BOTH: [Side; 2] = Side::ALL;

    pub fn other(self) -> Side {
        match self {
            Side::Source => Side::Target,
            Side::Target => Side::Source,
        }
    }
}

/// One value per side; in a report, `{"source": …, "target": …}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sides<T> {
    pub source: T,
    pub target: T,
}

impl<T> Sides<T> {
    pub fn new(source: T, target: T) -> Sides<T> {
        Sides { source, target }
    }

    /// The value of each side, computed from the side.
    pub fn from_fn(mut f: impl FnMut(Side) -> T) -> Sides<T> {
        Sides { source: f(Side::Source), target: f(Side::Target) }
    }

    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Sides<U> {
        Sides { source: f(self.source), target: f(self.target) }
    }

    pub fn as_ref(&self) -> Sides<&T> {
        Sides { source: &self.source, target: &self.target }
    }

    pub fn as_mut(&mut self) -> Sides<&mut T> {
        Sides { source: &mut self.source, target: &mut self.target }
    }

    /// Each side with its name: `(Side::Source, &source)`, then the target's.
    pub fn iter(&self) -> impl Iterator<Item = (Side, &T)> {
        [(Side::Source, &self.source), (Side::Target, &self.target)].into_iter()
    }

    pub fn into_array(self) -> [T; 2] {
        [self.source, self.target]
    }
}

impl<T: Send> Sides<T> {
    /// Both values computed at once on rayon's pool (reading both sides, say).
    pub fn join(f: impl Fn(Side) -> T + Sync) -> Sides<T> {
        let (source, target) = rayon::join(|| f(Side::Source), || f(Side::Target));
        Sides { source, target }
    }
}

impl<T, E> Sides<Result<T, E>> {
    /// Both values, or the source's error first.
    pub fn transpose(self) -> Result<Sides<T>, E> {
        Ok(Sides { source: self.source?, target: self.target? })
    }
}

impl<T> Index<Side> for Sides<T> {
    type Output = T;

    fn index(&self, side: Side) -> &T {
        match side {
            Side::Source => &self.source,
            Side::Target => &self.target,
        }
    }
}

impl<T> IndexMut<Side> for Sides<T> {
    fn index_mut(&mut self, side: Side) -> &mut T {
        match side {
            Side::Source => &mut self.source,
            Side::Target => &mut self.target,
        }
    }
}
