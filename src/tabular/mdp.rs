//! A validated tabular Markov decision process with sparse (CSR) transitions.

use crate::numerics::inversion::inverse_cdf_index;
use nalgebra::DMatrix;
use rand::{Rng, RngExt};

use crate::distributions::distribution_error::NORMALISATION_TOLERANCE;
use crate::tabular::mdp_error::{MdpError, check_len, table_len};

/// A finite Markov decision process `(S, A, P, r, γ, d₀)` with optional terminal states.
///
/// # Formula
///
/// States `s ∈ {0, …, S−1}`, actions `a ∈ {0, …, A−1}` (every action is available in every
/// state), transition probabilities `P(s' | s, a)`, rewards `r(s, a)`, discount `γ ∈ [0, 1]`
/// and initial distribution `d₀(s)` (uniform unless set). Tables indexed by state-action
/// pairs (rewards, Q-values, policies) are flat, row-major: entry `(s, a)` is at
/// `s · A + a`.
///
/// A *terminal* state ends the episode on arrival: from then on there is no reward and no
/// entropy, so every value function is 0 there (`V(s) = 0`, `Q(s, ·) = 0`), and its
/// rewards and transitions are ignored by every solver. (Treating it as an absorbing state
/// that keeps acting would instead collect `α ln A` of entropy per step for ever.)
///
/// # Storage
///
/// Transitions are stored in compressed sparse rows: for row `i = s · A + a`, the
/// successors are `next_states[offsets[i]..offsets[i+1]]` (sorted, distinct, with
/// probability `> 0`) and their probabilities the same range of `probs`. A Bellman sweep
/// reads the three arrays front to back, once. A row that lists every state is dense and
/// is read without its indices.
///
/// # Errors
///
/// Constructors validate everything a solver relies on and name the offending `(s, a)`:
/// see [`MdpError`]. Rows must sum to one within
/// [`NORMALISATION_TOLERANCE`](crate::NORMALISATION_TOLERANCE) (`1e-8`); they are stored
/// as given, not renormalised. `γ` may be 1 (finite-horizon use); infinite-horizon
/// solvers reject it with [`MdpError::DiscountNotBelowOne`].
///
/// # Examples
///
/// ```
/// use maxent_rl::Mdp;
/// // Two states, two actions. Action 0 stays, action 1 moves to the other state.
/// let transitions = vec![
///     vec![(0, 1.0)], vec![(1, 1.0)], // s = 0
///     vec![(1, 1.0)], vec![(0, 0.5), (1, 0.5)], // s = 1
/// ];
/// let rewards = vec![0.0, 1.0, 2.0, 0.0];
/// let mdp = Mdp::new(2, 2, &transitions, rewards, 0.9)?;
/// assert_eq!(mdp.transition_prob(1, 1, 0), 0.5);
/// assert_eq!(mdp.reward(0, 1), 1.0);
/// // A row that does not sum to one is rejected, naming (s, a).
/// let bad = vec![vec![(0, 1.0)], vec![(1, 0.9)], vec![(1, 1.0)], vec![(0, 1.0)]];
/// let err = Mdp::new(2, 2, &bad, vec![0.0; 4], 0.9).unwrap_err();
/// assert!(err.to_string().contains("(s = 0, a = 1)"));
/// # Ok::<(), maxent_rl::MdpError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Mdp {
    num_states: usize,
    num_actions: usize,
    offsets: Vec<usize>,
    next_states: Vec<u32>,
    probs: Vec<f64>,
    rewards: Vec<f64>,
    discount: f64,
    initial: Vec<f64>,
    terminal: Vec<bool>,
}

impl Mdp {
    /// An MDP from sparse transitions: `transitions[s · A + a]` lists `(s', P(s' | s, a))`.
    ///
    /// Pairs may come in any order; repeated successors are summed and zero probabilities
    /// dropped. `rewards[s · A + a] = r(s, a)`. The initial distribution is uniform and no
    /// state is terminal; see [`Mdp::with_initial_distribution`] and
    /// [`Mdp::with_terminal_states`].
    ///
    /// # Errors
    ///
    /// [`MdpError::Empty`] for `S = 0` or `A = 0`; [`MdpError::DimensionMismatch`] if
    /// `transitions` or `rewards` does not have `S · A` entries;
    /// [`MdpError::InvalidTransitionProbability`], [`MdpError::SuccessorOutOfRange`] and
    /// [`MdpError::TransitionNotNormalised`] for a bad row; [`MdpError::NonFiniteReward`];
    /// [`MdpError::InvalidDiscount`] for `γ ∉ [0, 1]` or NaN; [`MdpError::InvalidParameter`]
    /// (`"num_states"`) for `S > 2³² − 1`; [`MdpError::TooLarge`] if `S · A` overflows
    /// `usize`.
    ///
    /// Any finite reward is accepted here. The solvers bound the values they compute and
    /// reject, with [`MdpError::ValuesOutOfRange`], rewards so large that `|V|` could exceed
    /// [`VALUE_BOUND_MAX`](crate::VALUE_BOUND_MAX).
    pub fn new(
        num_states: usize,
        num_actions: usize,
        transitions: &[Vec<(usize, f64)>],
        rewards: Vec<f64>,
        discount: f64,
    ) -> Result<Self, MdpError> {
        check_sizes(num_states, num_actions)?;
        let rows = table_len("transition rows", &[num_states, num_actions])?;
        check_len("transitions", transitions.len(), rows)?;
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        let mut next_states = Vec::new();
        let mut probs = Vec::new();
        let mut row: Vec<(usize, f64)> = Vec::new();
        for (i, list) in transitions.iter().enumerate() {
            let (s, a) = (i / num_actions, i % num_actions);
            row.clear();
            for &(next_state, p) in list {
                if next_state >= num_states {
                    return Err(MdpError::SuccessorOutOfRange {
                        s,
                        a,
                        next_state,
                        num_states,
                    });
                }
                if !(p.is_finite() && p >= 0.0) {
                    return Err(MdpError::InvalidTransitionProbability {
                        s,
                        a,
                        next_state,
                        value: p,
                    });
                }
                row.push((next_state, p));
            }
            let sum: f64 = row.iter().map(|&(_, p)| p).sum();
            if (sum - 1.0).abs() > NORMALISATION_TOLERANCE {
                return Err(MdpError::TransitionNotNormalised { s, a, sum });
            }
            row.sort_by_key(|&(j, _)| j);
            let mut k = 0;
            while k < row.len() {
                let j = row[k].0;
                let mut p = 0.0;
                while k < row.len() && row[k].0 == j {
                    p += row[k].1;
                    k += 1;
                }
                if p > 0.0 {
                    next_states.push(j as u32);
                    probs.push(p);
                }
            }
            offsets.push(probs.len());
        }
        Self::assemble(
            num_states,
            num_actions,
            offsets,
            next_states,
            probs,
            rewards,
            discount,
        )
    }

    /// An MDP from a dense transition tensor in row-major `(s, a, s')` order:
    /// `p[(s · A + a) · S + s'] = P(s' | s, a)`, the layout of a C-contiguous numpy array
    /// of shape `(S, A, S)`.
    ///
    /// Zero entries are not stored. Otherwise as [`Mdp::new`]. With nalgebra matrices
    /// (column-major storage) use [`Mdp::from_matrices`], which indexes by `(s, s')` and
    /// cannot be misread.
    ///
    /// # Errors
    ///
    /// As [`Mdp::new`]; `p` must have `S · A · S` entries ([`MdpError::DimensionMismatch`]
    /// otherwise, [`MdpError::TooLarge`] if that product overflows `usize`).
    ///
    /// # Examples
    ///
    /// ```
    /// use maxent_rl::Mdp;
    /// // One action; state 0 moves to 1 with probability 0.25, state 1 is absorbing.
    /// let p = [0.75, 0.25, 0.0, 1.0];
    /// let mdp = Mdp::from_dense(2, 1, &p, vec![1.0, 0.0], 0.5)?;
    /// assert_eq!(mdp.num_transitions(), 3);
    /// # Ok::<(), maxent_rl::MdpError>(())
    /// ```
    pub fn from_dense(
        num_states: usize,
        num_actions: usize,
        p: &[f64],
        rewards: Vec<f64>,
        discount: f64,
    ) -> Result<Self, MdpError> {
        check_sizes(num_states, num_actions)?;
        check_len(
            "p",
            p.len(),
            table_len(
                "dense transition tensor",
                &[num_states, num_actions, num_states],
            )?,
        )?;
        let transitions: Vec<Vec<(usize, f64)>> = p
            .chunks_exact(num_states)
            .map(|row| row.iter().copied().enumerate().collect())
            .collect();
        Self::new(num_states, num_actions, &transitions, rewards, discount)
    }

    /// An MDP from one nalgebra transition matrix per action, `transitions[a][(s, s')] =
    /// P(s' | s, a)` (each row a distribution), and the reward matrix `rewards[(s, a)] =
    /// r(s, a)` of shape `S × A`.
    ///
    /// Entries are read by their `(row, column)` index, never from the storage order, so a
    /// matrix built column-major is read correctly. Zero entries are not stored. Otherwise
    /// as [`Mdp::new`].
    ///
    /// # Errors
    ///
    /// [`MdpError::Empty`] for no matrices (no actions) or `S = 0`;
    /// [`MdpError::DimensionMismatch`] if a transition matrix is not `S × S`
    /// (`what: "transition matrix rows"` or `"transition matrix columns"`, with `S` the
    /// first matrix's number of rows) or `rewards` is not `S × A` (`"reward matrix rows"`,
    /// `"reward matrix columns"`); then as [`Mdp::new`], naming `(s, a)` of a bad row or
    /// reward.
    ///
    /// # Examples
    ///
    /// ```
    /// use maxent_rl::Mdp;
    /// use maxent_rl::nalgebra::DMatrix;
    /// // Action 0 stays; action 1 moves 0 → 1 surely and 1 → 0 with probability ½.
    /// let stay = DMatrix::identity(2, 2);
    /// let moves = DMatrix::from_row_slice(2, 2, &[0.0, 1.0, 0.5, 0.5]);
    /// let rewards = DMatrix::from_row_slice(2, 2, &[0.0, 1.0, 2.0, 0.0]);
    /// let mdp = Mdp::from_matrices(&[stay, moves], &rewards, 0.9)?;
    /// assert_eq!(mdp.transition_prob(1, 1, 0), 0.5);
    /// assert_eq!(mdp.reward(1, 0), 2.0);
    /// # Ok::<(), maxent_rl::MdpError>(())
    /// ```
    pub fn from_matrices(
        transitions: &[DMatrix<f64>],
        rewards: &DMatrix<f64>,
        discount: f64,
    ) -> Result<Self, MdpError> {
        let first = transitions
            .first()
            .ok_or(MdpError::Empty { what: "actions" })?;
        let (num_states, num_actions) = (first.nrows(), transitions.len());
        check_sizes(num_states, num_actions)?;
        for m in transitions {
            check_len("transition matrix rows", m.nrows(), num_states)?;
            check_len("transition matrix columns", m.ncols(), num_states)?;
        }
        check_len("reward matrix rows", rewards.nrows(), num_states)?;
        check_len("reward matrix columns", rewards.ncols(), num_actions)?;
        let len = table_len("transition rows", &[num_states, num_actions])?;
        let mut rows = Vec::with_capacity(len);
        let mut flat_rewards = Vec::with_capacity(len);
        for s in 0..num_states {
            for (a, m) in transitions.iter().enumerate() {
                rows.push((0..num_states).map(|s2| (s2, m[(s, s2)])).collect());
                flat_rewards.push(rewards[(s, a)]);
            }
        }
        Self::new(num_states, num_actions, &rows, flat_rewards, discount)
    }

    /// Checks the rewards and discount and builds the MDP from validated CSR arrays.
    fn assemble(
        num_states: usize,
        num_actions: usize,
        offsets: Vec<usize>,
        next_states: Vec<u32>,
        probs: Vec<f64>,
        rewards: Vec<f64>,
        discount: f64,
    ) -> Result<Self, MdpError> {
        check_len(
            "rewards",
            rewards.len(),
            table_len("rewards", &[num_states, num_actions])?,
        )?;
        check_rewards(&rewards, num_actions)?;
        check_discount(discount)?;
        Ok(Self {
            num_states,
            num_actions,
            offsets,
            next_states,
            probs,
            rewards,
            discount,
            initial: vec![1.0 / num_states as f64; num_states],
            terminal: vec![false; num_states],
        })
    }

    /// Sets the initial-state distribution `d₀`.
    ///
    /// # Errors
    ///
    /// [`MdpError::DimensionMismatch`] unless it has `S` entries;
    /// [`MdpError::InvalidStateProbability`] for a negative or non-finite entry;
    /// [`MdpError::StateDistributionNotNormalised`] if it does not sum to one within
    /// [`NORMALISATION_TOLERANCE`](crate::NORMALISATION_TOLERANCE).
    pub fn with_initial_distribution(mut self, initial: Vec<f64>) -> Result<Self, MdpError> {
        check_len("initial", initial.len(), self.num_states)?;
        check_state_distribution(&initial)?;
        self.initial = initial;
        Ok(self)
    }

    /// Starts every episode in state `s0`.
    ///
    /// # Errors
    ///
    /// [`MdpError::StateOutOfRange`] if `s0 ≥ S`.
    pub fn with_initial_state(mut self, s0: usize) -> Result<Self, MdpError> {
        self.check_state(s0)?;
        self.initial = vec![0.0; self.num_states];
        self.initial[s0] = 1.0;
        Ok(self)
    }

    /// Marks `states` as terminal (see the type's documentation); replaces any earlier set.
    ///
    /// # Errors
    ///
    /// [`MdpError::StateOutOfRange`] for an index `≥ S`.
    pub fn with_terminal_states(mut self, states: &[usize]) -> Result<Self, MdpError> {
        let mut terminal = vec![false; self.num_states];
        for &s in states {
            self.check_state(s)?;
            terminal[s] = true;
        }
        self.terminal = terminal;
        Ok(self)
    }

    /// The same MDP with discount `γ`.
    ///
    /// # Errors
    ///
    /// [`MdpError::InvalidDiscount`] for `γ ∉ [0, 1]` or NaN.
    pub fn with_discount(mut self, discount: f64) -> Result<Self, MdpError> {
        check_discount(discount)?;
        self.discount = discount;
        Ok(self)
    }

    /// Replaces the rewards `r(s, a)` (flat, `s · A + a`), keeping everything else.
    ///
    /// # Errors
    ///
    /// [`MdpError::DimensionMismatch`] unless there are `S · A` rewards;
    /// [`MdpError::NonFiniteReward`] naming the first non-finite one.
    pub fn set_rewards(&mut self, rewards: &[f64]) -> Result<(), MdpError> {
        check_len("rewards", rewards.len(), self.num_states * self.num_actions)?;
        check_rewards(rewards, self.num_actions)?;
        self.rewards.copy_from_slice(rewards);
        Ok(())
    }

    /// Sets state rewards: `r(s, a) = r(s)` for every action (the reward for being in `s`,
    /// collected when acting there).
    ///
    /// # Errors
    ///
    /// [`MdpError::DimensionMismatch`] unless there are `S` rewards;
    /// [`MdpError::NonFiniteReward`] (with `a = 0`) for a non-finite one.
    pub fn set_state_rewards(&mut self, state_rewards: &[f64]) -> Result<(), MdpError> {
        check_len("state_rewards", state_rewards.len(), self.num_states)?;
        check_rewards(state_rewards, 1)?;
        for (row, &r) in self
            .rewards
            .chunks_exact_mut(self.num_actions)
            .zip(state_rewards)
        {
            row.fill(r);
        }
        Ok(())
    }

    /// Number of states `S`.
    pub fn num_states(&self) -> usize {
        self.num_states
    }

    /// Number of actions `A`.
    pub fn num_actions(&self) -> usize {
        self.num_actions
    }

    /// Discount `γ`.
    pub fn discount(&self) -> f64 {
        self.discount
    }

    /// Rewards `r(s, a)`, flat (`s · A + a`).
    pub fn rewards(&self) -> &[f64] {
        &self.rewards
    }

    /// Reward `r(s, a)`.
    ///
    /// # Panics
    ///
    /// If `s ≥ S` or `a ≥ A`.
    pub fn reward(&self, s: usize, a: usize) -> f64 {
        assert!(a < self.num_actions, "action {a} out of range");
        self.rewards[s * self.num_actions + a]
    }

    /// Initial-state distribution `d₀`.
    pub fn initial_distribution(&self) -> &[f64] {
        &self.initial
    }

    /// Whether `s` is terminal.
    ///
    /// # Panics
    ///
    /// If `s ≥ S`.
    pub fn is_terminal(&self, s: usize) -> bool {
        self.terminal[s]
    }

    /// Terminal flags, one per state.
    pub fn terminal_states(&self) -> &[bool] {
        &self.terminal
    }

    /// Number of stored (non-zero) transition probabilities.
    pub fn num_transitions(&self) -> usize {
        self.probs.len()
    }

    /// The successors of `(s, a)` with their probabilities, in increasing state order.
    ///
    /// # Panics
    ///
    /// If `s ≥ S` or `a ≥ A`.
    pub fn successors(&self, s: usize, a: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let (idx, p) = self.row(s, a);
        idx.iter().map(|&j| j as usize).zip(p.iter().copied())
    }

    /// `P(s' | s, a)` (0 for a successor that is not stored).
    ///
    /// # Panics
    ///
    /// If `s ≥ S` or `a ≥ A`.
    pub fn transition_prob(&self, s: usize, a: usize, next_state: usize) -> f64 {
        let (idx, p) = self.row(s, a);
        u32::try_from(next_state)
            .ok()
            .and_then(|j| idx.binary_search(&j).ok())
            .map_or(0.0, |k| p[k])
    }

    /// `E[V(s') | s, a] = Σ_{s'} P(s' | s, a) V(s')`.
    ///
    /// `v` is not checked: a NaN or infinite entry at a successor propagates into the
    /// result (IEEE arithmetic), and entries near `±f64::MAX` can overflow the sum.
    ///
    /// # Panics
    ///
    /// If `s ≥ S`, `a ≥ A`, or `v.len() < S`.
    #[inline]
    pub fn expected_next_value(&self, s: usize, a: usize, v: &[f64]) -> f64 {
        let (idx, p) = self.row(s, a);
        if p.len() == self.num_states {
            // Sorted, distinct and complete: the successors are exactly 0..S.
            dot(p, &v[..self.num_states])
        } else {
            idx.iter().zip(p).map(|(&j, &pj)| pj * v[j as usize]).sum()
        }
    }

    /// Samples `s' ~ P(· | s, a)` by inversion.
    ///
    /// # Panics
    ///
    /// If `s ≥ S` or `a ≥ A`.
    pub fn sample_next_state<R: Rng + ?Sized>(&self, s: usize, a: usize, rng: &mut R) -> usize {
        let (idx, p) = self.row(s, a);
        idx[inverse_cdf_index(p.len(), |i| p[i], rng.random())] as usize
    }

    /// Samples `s₀ ~ d₀`.
    pub fn sample_initial_state<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        inverse_cdf_index(self.num_states, |s| self.initial[s], rng.random())
    }

    /// The stored successor indices and probabilities of row `(s, a)`.
    #[inline]
    pub(crate) fn row(&self, s: usize, a: usize) -> (&[u32], &[f64]) {
        assert!(
            s < self.num_states && a < self.num_actions,
            "(s = {s}, a = {a}) out of range"
        );
        let i = s * self.num_actions + a;
        let range = self.offsets[i]..self.offsets[i + 1];
        (&self.next_states[range.clone()], &self.probs[range])
    }

    /// Raw CSR arrays `(offsets, next_states, probs)`, for kernels that stream them.
    pub(crate) fn csr(&self) -> (&[usize], &[u32], &[f64]) {
        (&self.offsets, &self.next_states, &self.probs)
    }

    /// `Err(StateOutOfRange)` unless `s < S`.
    pub(crate) fn check_state(&self, s: usize) -> Result<(), MdpError> {
        if s < self.num_states {
            Ok(())
        } else {
            Err(MdpError::StateOutOfRange {
                state: s,
                num_states: self.num_states,
            })
        }
    }

    /// A bound on `|V|` for every soft value function of this MDP at temperature `α`
    /// over `horizon` steps (`None`: discounted, infinite horizon):
    /// `(max |r| + α ln A) · Σ_{t<T} γ^t`, where terminal states' rewards do not count.
    /// Infinite when the geometric sum diverges (`γ = 1` without a horizon).
    pub(crate) fn value_bound(&self, alpha: f64, horizon: Option<usize>) -> f64 {
        let max_reward = self
            .rewards
            .chunks_exact(self.num_actions)
            .zip(&self.terminal)
            .filter(|(_, t)| !**t)
            .flat_map(|(row, _)| row.iter())
            .fold(0.0f64, |m, r| m.max(r.abs()));
        let per_step = max_reward + alpha * (self.num_actions as f64).ln();
        let steps = match horizon {
            None if self.discount < 1.0 => 1.0 / (1.0 - self.discount),
            None => f64::INFINITY,
            Some(t) if self.discount < 1.0 => {
                (1.0 - self.discount.powf(t as f64)) / (1.0 - self.discount)
            }
            Some(t) => t as f64,
        };
        // 0 · ∞ (no reward, no entropy, γ = 1) is a zero value, not NaN.
        if per_step == 0.0 {
            0.0
        } else {
            per_step * steps
        }
    }

    /// `Err(DiscountNotBelowOne)` if `γ = 1`.
    pub(crate) fn check_infinite_horizon(&self) -> Result<(), MdpError> {
        if self.discount < 1.0 {
            Ok(())
        } else {
            Err(MdpError::DiscountNotBelowOne {
                value: self.discount,
            })
        }
    }
}

/// `Σ_i x_i y_i` with four accumulators, so the compiler can keep several multiply-adds in
/// flight and vectorise (the order of summation differs from a left fold by rounding only).
#[inline]
pub(crate) fn dot(x: &[f64], y: &[f64]) -> f64 {
    debug_assert_eq!(x.len(), y.len());
    let mut acc = [0.0f64; 4];
    let xc = x.chunks_exact(4);
    let yc = y.chunks_exact(4);
    let tail: f64 = xc
        .remainder()
        .iter()
        .zip(yc.remainder())
        .map(|(a, b)| a * b)
        .sum();
    for (a, b) in xc.zip(yc) {
        for k in 0..4 {
            acc[k] += a[k] * b[k];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

fn check_sizes(num_states: usize, num_actions: usize) -> Result<(), MdpError> {
    if num_states == 0 {
        return Err(MdpError::Empty { what: "states" });
    }
    if num_actions == 0 {
        return Err(MdpError::Empty { what: "actions" });
    }
    if num_states > u32::MAX as usize {
        return Err(MdpError::InvalidParameter {
            what: "num_states",
            value: num_states as f64,
            expected: "at most 2³² − 1 (successors are stored as u32)",
        });
    }
    Ok(())
}

fn check_rewards(rewards: &[f64], num_actions: usize) -> Result<(), MdpError> {
    match rewards.iter().position(|r| !r.is_finite()) {
        Some(i) => Err(MdpError::NonFiniteReward {
            s: i / num_actions,
            a: i % num_actions,
            value: rewards[i],
        }),
        None => Ok(()),
    }
}

fn check_discount(discount: f64) -> Result<(), MdpError> {
    if (0.0..=1.0).contains(&discount) {
        Ok(())
    } else {
        Err(MdpError::InvalidDiscount { value: discount })
    }
}

/// Checks a distribution over states: entries finite and `≥ 0`, sum within tolerance of 1.
pub(crate) fn check_state_distribution(d: &[f64]) -> Result<(), MdpError> {
    if let Some(s) = d.iter().position(|p| !(p.is_finite() && *p >= 0.0)) {
        return Err(MdpError::InvalidStateProbability { s, value: d[s] });
    }
    let sum: f64 = d.iter().sum();
    if (sum - 1.0).abs() > NORMALISATION_TOLERANCE {
        return Err(MdpError::StateDistributionNotNormalised { sum });
    }
    Ok(())
}
