//! DeepSea (Osband et al. 2020): an `N × N` grid that a dithering agent crosses to its
//! treasure with probability `2^{−N}` per episode.

use crate::tabular::mdp::Mdp;
use crate::tabular::mdp_error::MdpError;

/// Builder of the deterministic DeepSea of size `N` as a tabular [`Mdp`].
///
/// The agent starts at the top-left cell `(row 0, column 0)` and descends one row per
/// step; action 0 moves it one column left (at most to column 0) for reward 0, action 1
/// one column right (at most to column `N − 1`) for reward `−c/N`. Taking action 1 in the
/// bottom-right cell `(N − 1, N − 1)` also pays the treasure `1`. After `N` steps the
/// episode ends in an absorbing terminal state.
///
/// # Formula
///
/// ```text
/// state (r, c) ↦ index r·N + c,  terminal state N²,  S = N² + 1,  A = 2
/// left:  (r, c) → (r + 1, max(c − 1, 0)),      reward 0
/// right: (r, c) → (r + 1, min(c + 1, N − 1)),  reward −c_move/N  (+1 at (N−1, N−1))
/// ```
///
/// The optimal policy goes right `N` times and earns `1 − c_move`; every other policy
/// earns at most 0. A uniform policy reaches the treasure with probability `2^{−N}` per
/// episode, and a learner that has only seen the move cost is pushed *away* from it.
///
/// This is the deterministic variant: the behaviour suite also randomises, per cell,
/// which action index means "right", which changes nothing for a tabular learner that
/// breaks ties at random, and optionally makes the right move fail with probability
/// `1/N`; neither is modelled here.
///
/// # References
///
/// Osband, Doron, Hessel, Aslanides, Sezener, Saraiva, McKinney, Lattimore, Szepesvári,
/// Singh, Van Roy, Sutton, Silver & van Hasselt (2020), *Behaviour Suite for
/// Reinforcement Learning* (the `deep_sea` experiment); Osband, Van Roy, Russo & Wen
/// (2019), *Deep exploration via randomized value functions*.
///
/// # Errors
///
/// [`MdpError::InvalidParameter`] for `N = 0`, for `N² + 1` states overflowing `usize`,
/// or for a move cost that is negative or not finite.
///
/// # Examples
///
/// ```
/// use maxent_rl::DeepSea;
/// let mdp = DeepSea::new(5).build()?;
/// assert_eq!((mdp.num_states(), mdp.num_actions()), (26, 2));
/// // Going right five times earns the treasure less the move costs: 1 − 0.01.
/// let (mut s, mut total) = (0, 0.0);
/// for _ in 0..5 {
///     total += mdp.reward(s, 1);
///     s = mdp.successors(s, 1).next().unwrap().0;
/// }
/// assert!((total - 0.99).abs() < 1e-12 && mdp.is_terminal(s));
/// # Ok::<(), maxent_rl::MdpError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DeepSea {
    size: usize,
    move_cost: f64,
}

impl DeepSea {
    /// DeepSea of size `N` with the behaviour suite's move cost `0.01`.
    pub fn new(size: usize) -> Self {
        Self {
            size,
            move_cost: 0.01,
        }
    }

    /// The total cost `c_move` of going right all the way (each right move costs `c_move/N`).
    pub fn move_cost(mut self, move_cost: f64) -> Self {
        self.move_cost = move_cost;
        self
    }

    /// The index of the cell `(row, column)`: `row · N + column`.
    pub fn state(&self, row: usize, column: usize) -> usize {
        row * self.size + column
    }

    /// Builds the MDP (undiscounted, `γ = 1`; episodes end after `N` steps).
    ///
    /// # Errors
    ///
    /// See the type's documentation.
    pub fn build(&self) -> Result<Mdp, MdpError> {
        let n = self.size;
        if n == 0 {
            return Err(MdpError::InvalidParameter {
                what: "size",
                value: 0.0,
                expected: "at least 1",
            });
        }
        if !(self.move_cost.is_finite() && self.move_cost >= 0.0) {
            return Err(MdpError::InvalidParameter {
                what: "move_cost",
                value: self.move_cost,
                expected: "finite and non-negative",
            });
        }
        let Some(terminal) = n.checked_mul(n) else {
            return Err(MdpError::InvalidParameter {
                what: "size",
                value: n as f64,
                expected: "small enough that N² + 1 states fit in memory",
            });
        };
        let num_states = terminal + 1;
        let mut transitions = Vec::with_capacity(2 * num_states);
        let mut rewards = Vec::with_capacity(2 * num_states);
        for s in 0..num_states {
            if s == terminal {
                transitions.push(vec![(terminal, 1.0)]);
                transitions.push(vec![(terminal, 1.0)]);
                rewards.extend([0.0, 0.0]);
                continue;
            }
            let (row, col) = (s / n, s % n);
            let next = |c: usize| {
                if row + 1 == n {
                    terminal
                } else {
                    self.state(row + 1, c)
                }
            };
            transitions.push(vec![(next(col.saturating_sub(1)), 1.0)]);
            rewards.push(0.0);
            transitions.push(vec![(next((col + 1).min(n - 1)), 1.0)]);
            let treasure = if row + 1 == n && col + 1 == n {
                1.0
            } else {
                0.0
            };
            rewards.push(treasure - self.move_cost / n as f64);
        }
        Mdp::new(num_states, 2, &transitions, rewards, 1.0)?
            .with_initial_state(0)?
            .with_terminal_states(&[terminal])
    }
}
