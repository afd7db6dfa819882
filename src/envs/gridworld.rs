//! A gridworld with walls, a goal and slippery moves.

use crate::tabular::mdp::Mdp;
use crate::tabular::mdp_error::{MdpError, check_allocatable, table_len, try_filled};

/// Builder of a gridworld MDP: a `width × height` grid of cells, four moves, walls, a
/// terminal goal cell and a slip probability.
///
/// # Formula
///
/// Cell `(x, y)` (column `x`, row `y`, row 0 at the top) is state `s = y · width + x`.
/// Actions: `0` up (`y − 1`), `1` right, `2` down, `3` left. With probability `1 − slip`
/// the agent moves as intended, and with probability `slip/2` each it moves in one of the
/// two perpendicular directions; a move into a wall or off the grid leaves it in place.
/// Rewards, collected when acting in a non-terminal cell:
///
/// ```text
/// r(s, a) = step_reward + goal_reward · P(goal | s, a)
/// ```
///
/// The goal is terminal (the episode ends on arrival, see [`Mdp`]). Wall cells are states
/// too, so that the index formula holds, but they are unreachable and marked terminal.
/// Defaults: goal in the bottom-right corner, start in the top-left, `slip = 0`,
/// `step_reward = −1`, `goal_reward = 0` — so the hard value of a cell is minus its
/// (discounted) distance to the goal.
///
/// # Errors
///
/// [`Gridworld::build`] returns [`MdpError::Empty`] for a zero dimension,
/// [`MdpError::StateOutOfRange`] for a goal, start or wall outside the grid,
/// [`MdpError::InvalidParameter`] for `slip ∉ [0, 1]` (or NaN) or a goal/start on a wall,
/// [`MdpError::TooLarge`] for a grid of more than `2³² − 1` cells or whose transition
/// tables cannot be allocated, and the errors of [`Mdp::new`]:
/// [`MdpError::NonFiniteReward`] for a non-finite step or goal reward (or a finite pair
/// whose sum overflows), [`MdpError::InvalidDiscount`] for `γ ∉ [0, 1]`. The setters store
/// what they are given; `build` checks it.
///
/// # Examples
///
/// ```
/// use maxent_rl::Gridworld;
/// let grid = Gridworld::new(5, 3).wall(2, 1).goal(4, 1).slip(0.2);
/// let mdp = grid.build(0.95)?;
/// assert_eq!(mdp.num_states(), 15);
/// assert_eq!(mdp.num_actions(), 4);
/// let s = grid.state(1, 1);
/// // Moving right from (1, 1) runs into the wall at (2, 1): stay with probability 0.8.
/// assert!((mdp.transition_prob(s, 1, s) - 0.8).abs() < 1e-15);
/// assert!(mdp.is_terminal(grid.state(4, 1)));
/// # Ok::<(), maxent_rl::MdpError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Gridworld {
    width: usize,
    height: usize,
    walls: Vec<(usize, usize)>,
    goal: (usize, usize),
    start: (usize, usize),
    slip: f64,
    step_reward: f64,
    goal_reward: f64,
}

/// Moves `(dx, dy)` of the four actions: up, right, down, left.
const MOVES: [(isize, isize); 4] = [(0, -1), (1, 0), (0, 1), (-1, 0)];

impl Gridworld {
    /// A `width × height` grid with the defaults above.
    pub fn new(width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            walls: Vec::new(),
            goal: (width.saturating_sub(1), height.saturating_sub(1)),
            start: (0, 0),
            slip: 0.0,
            step_reward: -1.0,
            goal_reward: 0.0,
        }
    }

    /// Adds a wall at `(x, y)` (a cell outside the grid is reported by [`Gridworld::build`]).
    pub fn wall(mut self, x: usize, y: usize) -> Self {
        self.walls.push((x, y));
        self
    }

    /// Adds walls (cells outside the grid are reported by [`Gridworld::build`]).
    pub fn walls(mut self, cells: &[(usize, usize)]) -> Self {
        self.walls.extend_from_slice(cells);
        self
    }

    /// Sets the goal cell (checked by [`Gridworld::build`]: inside the grid, not a wall).
    pub fn goal(mut self, x: usize, y: usize) -> Self {
        self.goal = (x, y);
        self
    }

    /// Sets the start cell (the initial distribution is a point mass there); checked by
    /// [`Gridworld::build`] like the goal.
    pub fn start(mut self, x: usize, y: usize) -> Self {
        self.start = (x, y);
        self
    }

    /// Sets the slip probability, in `[0, 1]` (checked by [`Gridworld::build`]).
    pub fn slip(mut self, slip: f64) -> Self {
        self.slip = slip;
        self
    }

    /// Sets the reward collected on every step from a non-terminal cell; finite (checked
    /// by [`Gridworld::build`]).
    pub fn step_reward(mut self, r: f64) -> Self {
        self.step_reward = r;
        self
    }

    /// Sets the reward collected on arriving at the goal; finite (checked by
    /// [`Gridworld::build`]).
    pub fn goal_reward(mut self, r: f64) -> Self {
        self.goal_reward = r;
        self
    }

    /// Width (number of columns).
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height (number of rows).
    pub fn height(&self) -> usize {
        self.height
    }

    /// State index of cell `(x, y)`: `y · width + x`.
    ///
    /// # Panics
    ///
    /// If `(x, y)` is outside the grid (`x ≥ width` or `y ≥ height`), like a slice index:
    /// an out-of-range cell would otherwise wrap silently to another row's state.
    pub fn state(&self, x: usize, y: usize) -> usize {
        assert!(
            x < self.width && y < self.height,
            "cell ({x}, {y}) is outside the {} × {} grid",
            self.width,
            self.height
        );
        y * self.width + x
    }

    /// Cell `(x, y)` of state `s`.
    ///
    /// # Panics
    ///
    /// If `s ≥ width · height` (which includes every `s` on an empty grid).
    pub fn cell(&self, s: usize) -> (usize, usize) {
        assert!(
            s / self.width.max(1) < self.height && self.width > 0,
            "state {s} is outside the {} × {} grid",
            self.width,
            self.height
        );
        (s % self.width, s / self.width)
    }

    /// Whether `(x, y)` is a wall (`false` for a cell outside the grid, unless it was added
    /// as a wall).
    pub fn is_wall(&self, x: usize, y: usize) -> bool {
        self.walls.contains(&(x, y))
    }

    /// Builds the MDP with discount `γ`.
    ///
    /// # Errors
    ///
    /// See the type's documentation.
    pub fn build(&self, discount: f64) -> Result<Mdp, MdpError> {
        let (w, h) = (self.width, self.height);
        if w == 0 || h == 0 {
            return Err(MdpError::Empty { what: "states" });
        }
        let n = table_len("gridworld states", &[w, h])?;
        if n > u32::MAX as usize {
            return Err(MdpError::TooLarge {
                what: "gridworld (states are indexed by u32)",
                entries: n as f64,
            });
        }
        // Four actions, up to three outcomes each: the transition lists and the MDP's CSR
        // arrays. Refuse a grid whose tables cannot be allocated before building any.
        let rows = table_len("gridworld transitions", &[n, 4])?;
        check_allocatable(
            "gridworld transitions",
            rows,
            table_len("gridworld transitions", &[rows, 96])?,
        )?;
        let in_grid = |(x, y): (usize, usize)| -> Result<usize, MdpError> {
            if x < w && y < h {
                Ok(y * w + x)
            } else {
                Err(MdpError::StateOutOfRange {
                    state: y.saturating_mul(w).saturating_add(x),
                    num_states: n,
                })
            }
        };
        let mut wall = try_filled("gridworld cells", n, false)?;
        for &c in &self.walls {
            wall[in_grid(c)?] = true;
        }
        let goal = in_grid(self.goal)?;
        let start = in_grid(self.start)?;
        if wall[goal] || wall[start] {
            return Err(MdpError::InvalidParameter {
                what: "goal/start cell",
                value: if wall[goal] { goal } else { start } as f64,
                expected: "a cell that is not a wall",
            });
        }
        if !(0.0..=1.0).contains(&self.slip) {
            return Err(MdpError::InvalidParameter {
                what: "slip",
                value: self.slip,
                expected: "in [0, 1]",
            });
        }
        let target = |s: usize, m: usize| -> usize {
            let (x, y) = ((s % w) as isize, (s / w) as isize);
            let (nx, ny) = (x + MOVES[m].0, y + MOVES[m].1);
            if nx < 0 || ny < 0 || nx >= w as isize || ny >= h as isize {
                return s;
            }
            let t = ny as usize * w + nx as usize;
            if wall[t] { s } else { t }
        };
        let mut transitions = Vec::with_capacity(n * 4);
        let mut rewards = Vec::with_capacity(n * 4);
        for s in 0..n {
            for a in 0..4 {
                let outcomes = [
                    (target(s, a), 1.0 - self.slip),
                    (target(s, (a + 1) % 4), self.slip / 2.0),
                    (target(s, (a + 3) % 4), self.slip / 2.0),
                ];
                let p_goal: f64 = outcomes
                    .iter()
                    .filter(|(t, _)| *t == goal)
                    .map(|(_, p)| p)
                    .sum();
                rewards.push(self.step_reward + self.goal_reward * p_goal);
                transitions.push(outcomes.to_vec());
            }
        }
        let terminal: Vec<usize> = (0..n).filter(|&s| wall[s] || s == goal).collect();
        Mdp::new(n, 4, &transitions, rewards, discount)?
            .with_initial_state(start)?
            .with_terminal_states(&terminal)
    }
}
