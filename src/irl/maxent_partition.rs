//! The partition functions of Ziebart et al. (2008): the backward pass of maximum-entropy
//! IRL, in log-space.

use crate::irl::irl_error::IrlError;
use crate::tabular::mdp::Mdp;
use crate::tabular::mdp_error::{check_value_bound, table_len, try_filled};
use crate::tabular::time_indexed_policy::TimeIndexedPolicy;

/// Which trajectories the model sums over at the horizon.
#[derive(Debug, Clone, PartialEq)]
pub enum TrajectoryEnd {
    /// Every trajectory of `T` steps, wherever it ends: `Z_T(s) = 1`.
    Anywhere,
    /// Only trajectories that are in one of these states after `T` steps (the destination
    /// constraint of Ziebart et al. 2008, Algorithm 1, step 1: `Z_{s_terminal} = 1`):
    /// `Z_T(s) = 1[s ∈ goal]`. `goal[s]` marks the states.
    InStates(Vec<bool>),
}

/// The backward pass of maximum-entropy IRL: state and state-action log partition
/// functions for every time step, and the local action probabilities.
///
/// # Formula
///
/// With `Z_T(s) = 1` (or `1[s ∈ goal]`) and, for `t = T−1, …, 0`,
///
/// ```text
/// Z_t(s, a) = e^{r(s,a)} Σ_{s'} P(s' | s, a) Z_{t+1}(s')
/// Z_t(s)    = Σ_a Z_t(s, a)
/// π_t(a | s) = Z_t(s, a) / Z_t(s)
/// ```
///
/// `Z_0(s_0) = Σ_τ Π_t P(s_{t+1} | s_t, a_t) e^{Σ_t r(s_t, a_t)}`: the sum over all
/// trajectories from `s_0`, each weighted by its probability under the dynamics times its
/// exponentiated reward. A terminal state of the MDP ends the trajectory: `Z_t(s) = 1`
/// there (one, empty, continuation).
///
/// # References
///
/// Ziebart, Maas, Bagnell & Dey (2008), *Maximum Entropy Inverse Reinforcement Learning*,
/// AAAI, Algorithm 1 (backward pass and local action probabilities). The paper iterates
/// `N` times and keeps the last iteration's probabilities as one stationary policy; here
/// every step keeps its own, which makes the finite-horizon computation exact.
///
/// # Numerical stability
///
/// Everything is stored in log-space: `ln Z_t(s, a)`, `ln Z_t(s)` and `ln π_t(a|s)`. In
/// exp-space `Z` grows like `(A e^{r_max})^T` and overflows `f64` after a few hundred steps
/// (a 20×20 gridworld with `T = 800` is far out of range). The recursion is run on
/// `Z_t = e^{L_t} z_t`, rescaled every step so that `max z_t = 1` and `L_t` carries the
/// magnitude: one logarithm per `(t, s, a)` (for `ln π`) and no exponential beyond the
/// `S · A` weights `e^{r(s,a) − max r}`, computed once. Where rescaling
/// cannot keep every positive quantity in full precision — rewards spread over more than
/// ~645 nats, or successors whose `Z` is more than ~645 nats below the largest, so that a
/// sum could underflow — that step and the earlier ones are done by the log-space recursion
/// instead, `ln Z_t(s, a) = r(s, a) + c + ln Σ_{s'} P(s'|s, a) e^{ln Z_{t+1}(s') − c}` with
/// `c = max ln Z_{t+1}`, and any single sum whose every term is more than ~645 nats below
/// `c` is redone as a log-sum-exp over its own successors; so the result is exact to
/// rounding either way ([`new_log_space`](Self::new_log_space) runs every step that way).
#[derive(Debug, Clone, PartialEq)]
pub struct MaxEntPartition {
    horizon: usize,
    num_states: usize,
    num_actions: usize,
    /// `ln Z_t(s)`, `(T + 1) · S`.
    log_z_state: Vec<f64>,
    /// `ln Z_t(s, a)`, `T · S · A`.
    log_z_action: Vec<f64>,
    policy: TimeIndexedPolicy,
}

impl MaxEntPartition {
    /// Runs the backward pass for rewards `r(s, a)` (flat, `s · A + a`) over `T = horizon`
    /// steps.
    ///
    /// States from which no trajectory satisfies the end condition have `ln Z_t(s) = −∞`;
    /// their local action probabilities are set to uniform (any choice is consistent, as the
    /// trajectory-level model gives such states probability 0).
    ///
    /// # Errors
    ///
    /// [`IrlError::ZeroHorizon`]; [`IrlError::DimensionMismatch`] if `reward` does not have
    /// `S · A` entries or the goal set does not have `S`; [`IrlError::Mdp`] with
    /// [`MdpError::NonFiniteReward`](crate::MdpError::NonFiniteReward) naming `(s, a)` for a
    /// NaN or infinite reward, with [`MdpError::ValuesOutOfRange`](crate::MdpError::ValuesOutOfRange)
    /// if `T (max |r| + ln A)` exceeds [`VALUE_BOUND_MAX`](crate::VALUE_BOUND_MAX), or with
    /// [`MdpError::TooLarge`](crate::MdpError::TooLarge) if the `(T + 1) · S · A` tables
    /// overflow `usize` or cannot be allocated.
    ///
    /// # Examples
    ///
    /// ```
    /// use maxent_rl::{MaxEntPartition, Mdp, TrajectoryEnd};
    /// // One state, two actions with rewards 0 and ln 3: over T steps there are 4^T
    /// // weighted sequences in total, so ln Z_0 = T ln 4.
    /// let mdp = Mdp::new(1, 2, &[vec![(0, 1.0)], vec![(0, 1.0)]], vec![0.0; 2], 1.0)?;
    /// let part = MaxEntPartition::new(&mdp, &[0.0, 3f64.ln()], 5, &TrajectoryEnd::Anywhere)?;
    /// assert!((part.log_z_state(0)[0] - 5.0 * 4f64.ln()).abs() < 1e-12);
    /// assert!((part.policy().prob(0, 0, 1) - 0.75).abs() < 1e-12);
    /// # Ok::<(), maxent_rl::IrlError>(())
    /// ```
    pub fn new(
        mdp: &Mdp,
        reward: &[f64],
        horizon: usize,
        end: &TrajectoryEnd,
    ) -> Result<Self, IrlError> {
        Self::build(mdp, reward, horizon, end, true)
    }

    /// [`new`](Self::new) with every step done by the log-space recursion (the fallback
    /// of the exp-space steps): a second algorithm for the same tables, slower (a
    /// logarithm and an exponential per `(t, s, a)`), kept as a witness.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new).
    ///
    /// # Examples
    ///
    /// ```
    /// use maxent_rl::{MaxEntPartition, Mdp, TrajectoryEnd};
    /// let mdp = Mdp::new(1, 2, &[vec![(0, 1.0)], vec![(0, 1.0)]], vec![0.0; 2], 1.0)?;
    /// let end = TrajectoryEnd::Anywhere;
    /// // Rewards 0 and 700 over 3 steps: ln Z_0 ≈ 2100, far outside exp-space, and w(s, 0) =
    /// // e^{−700} is below the floor, so `new` hands every step over to log-space as well.
    /// let fast = MaxEntPartition::new(&mdp, &[0.0, 700.0], 3, &end)?;
    /// let slow = MaxEntPartition::new_log_space(&mdp, &[0.0, 700.0], 3, &end)?;
    /// let exact = 3.0 * (700.0 + (-700f64).exp().ln_1p());
    /// assert!((slow.log_z_state(0)[0] - exact).abs() < 1e-12);
    /// assert_eq!(fast.log_z_state(0), slow.log_z_state(0));
    /// # Ok::<(), maxent_rl::IrlError>(())
    /// ```
    pub fn new_log_space(
        mdp: &Mdp,
        reward: &[f64],
        horizon: usize,
        end: &TrajectoryEnd,
    ) -> Result<Self, IrlError> {
        Self::build(mdp, reward, horizon, end, false)
    }

    fn build(
        mdp: &Mdp,
        reward: &[f64],
        horizon: usize,
        end: &TrajectoryEnd,
        exp_space: bool,
    ) -> Result<Self, IrlError> {
        let (s_count, a_count) = (mdp.num_states(), mdp.num_actions());
        check_reward(mdp, reward)?;
        if horizon == 0 {
            return Err(IrlError::ZeroHorizon);
        }
        let len = check_backward_pass(mdp, reward, horizon)?;
        let mut log_z_state = try_filled("ln Z tables", (horizon + 1) * s_count, 0.0)?;
        if let TrajectoryEnd::InStates(goal) = end {
            if goal.len() != s_count {
                return Err(IrlError::DimensionMismatch {
                    what: "goal",
                    expected: s_count,
                    found: goal.len(),
                });
            }
            for (z, &g) in log_z_state[horizon * s_count..].iter_mut().zip(goal) {
                *z = if g { 0.0 } else { f64::NEG_INFINITY };
            }
        }
        let mut log_z_action = try_filled("ln Z tables", len, 0.0)?;
        let mut log_pi = try_filled("policy tables", len, 0.0)?;
        let mut tables = Tables {
            log_z_state: &mut log_z_state,
            log_z_action: &mut log_z_action,
            log_pi: &mut log_pi,
        };
        // Exp-space while every quantity can be represented after rescaling; the log-space
        // recursion takes over from the first step where one cannot (none, usually).
        let done_to = if exp_space {
            exp_space_steps(mdp, reward, horizon, end, &mut tables)
        } else {
            horizon
        };
        log_space_steps(mdp, reward, done_to, end, &mut tables);
        Ok(Self {
            horizon,
            num_states: s_count,
            num_actions: a_count,
            log_z_state,
            log_z_action,
            policy: TimeIndexedPolicy::from_log_probs(horizon, s_count, a_count, log_pi),
        })
    }

    /// Horizon `T`.
    pub fn horizon(&self) -> usize {
        self.horizon
    }

    /// `ln Z_t(·)` for `t = 0, …, T`.
    ///
    /// # Panics
    ///
    /// If `t > T`.
    pub fn log_z_state(&self, t: usize) -> &[f64] {
        assert!(t <= self.horizon, "t out of range");
        &self.log_z_state[t * self.num_states..(t + 1) * self.num_states]
    }

    /// `ln Z_t(s, ·)` for `t < T`.
    ///
    /// # Panics
    ///
    /// If `t ≥ T` or `s ≥ S`.
    pub fn log_z_action(&self, t: usize, s: usize) -> &[f64] {
        assert!(
            t < self.horizon && s < self.num_states,
            "(t, s) out of range"
        );
        let i = (t * self.num_states + s) * self.num_actions;
        &self.log_z_action[i..i + self.num_actions]
    }

    /// The local action probabilities `π_t(a | s) = Z_t(s, a) / Z_t(s)`.
    pub fn policy(&self) -> &TimeIndexedPolicy {
        &self.policy
    }
}

/// The tables the backward pass fills: `ln Z_t(s)` (`(T + 1) · S`, row `T` set by the end
/// condition), `ln Z_t(s, a)` and `ln π_t(a | s)` (`T · S · A`).
struct Tables<'a> {
    log_z_state: &'a mut [f64],
    log_z_action: &'a mut [f64],
    log_pi: &'a mut [f64],
}

/// The steps `t = T − 1, …, 0` in exp-space, for as long as they are exactly
/// representable; returns the step `t_0` down to which they were done (`0`: all of them).
/// Rows `t ≥ t_0` of the tables are then final, and row `t_0` of `ln Z_t(s)` too.
///
/// With `r̄ = max r`, `w(s, a) = e^{r(s,a) − r̄}` and `Z_{t+1}(s') = e^{L_{t+1}} z_{t+1}(s')`,
/// `max z_{t+1} = 1`,
///
/// ```text
/// Z_t(s, a) = e^{r̄ + L_{t+1}} u_t(s, a),   u_t(s, a) = w(s, a) Σ_{s'} P(s'|s, a) z_{t+1}(s')
/// Z_t(s)    = e^{r̄ + L_{t+1}} u_t(s),      u_t(s)    = Σ_a u_t(s, a)
/// L_t = r̄ + L_{t+1} + ln max_s u_t(s),     z_t = u_t / max_s u_t
/// ln π_t(a|s) = ln(u_t(s, a) / u_t(s)),    ln Z_t(s, a) = r̄ + L_{t+1} + ln u_t(s) + ln π_t(a|s)
/// ```
///
/// which takes one logarithm per `(s, a)` and one per state, and no exponential (the
/// log-space step takes a logarithm and an exponential per `(s, a)`). Every positive
/// quantity is kept at least [`SCALED_SUM_FLOOR`] (a `u_t(s, a)`, and so `u_t(s)`) or `f64::MIN_POSITIVE` (a rescaled
/// `z`, the largest being 1), so it carries full relative precision, and a zero is an
/// exact zero (`Z = 0`: no trajectory satisfies the end condition), never an underflow.
/// The pass stops where that cannot be kept:
///
/// - a `u_t(s, a)` in `(0, SCALED_SUM_FLOOR)`, or `0` while a successor has `z > 0` (its
///   terms underflowed): rewards spread over more than `−ln SCALED_SUM_FLOOR ≈ 645` nats
///   (a `w` below the floor), or successors' `Z` far below the largest;
/// - a rescaled `z_t(s)` below `f64::MIN_POSITIVE` for a state with `u_t(s) > 0`;
/// - a terminal state's `Z = 1`, rescaled, out of `[f64::MIN_POSITIVE, 1e300]`;
/// - every `Z_t(s) = 0`.
///
/// The log-space step then redoes that step from the exact `ln Z_{t+1}` in the table.
fn exp_space_steps(
    mdp: &Mdp,
    reward: &[f64],
    horizon: usize,
    end: &TrajectoryEnd,
    tables: &mut Tables<'_>,
) -> usize {
    let (s_count, a_count) = (mdp.num_states(), mdp.num_actions());
    let r_max = reward.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let weights: Vec<f64> = reward.iter().map(|r| (r - r_max).exp()).collect();
    let (offsets, successors, probs) = mdp.csr();
    let uniform = -(a_count as f64).ln();
    // z_{t+1}: from ln Z_T, whose entries are 0 or −∞ (L_T = 0).
    let mut z_next: Vec<f64> = tables.log_z_state[horizon * s_count..]
        .iter()
        .map(|&l| if l == 0.0 { 1.0 } else { 0.0 })
        .collect();
    let mut u_state = vec![0.0; s_count];
    let mut log_scale_next = 0.0;
    for t in (0..horizon).rev() {
        // Z_t(s) = 1 at a terminal state that ends the trajectory: u = e^{−(r̄ + L_{t+1})}.
        let shift = r_max + log_scale_next;
        let u_terminal = (-shift).exp();
        let mut u_max = 0.0f64;
        for s in 0..s_count {
            let row = (t * s_count + s) * a_count;
            if mdp.is_terminal(s) {
                let ends_here = match end {
                    TrajectoryEnd::Anywhere => true,
                    TrajectoryEnd::InStates(goal) => goal[s],
                };
                if ends_here && !(f64::MIN_POSITIVE..=1e300).contains(&u_terminal) {
                    return t + 1;
                }
                u_state[s] = if ends_here { u_terminal } else { 0.0 };
                u_max = u_max.max(u_state[s]);
                continue;
            }
            let mut u = 0.0;
            for a in 0..a_count {
                let i = s * a_count + a;
                let range = offsets[i]..offsets[i + 1];
                let acc: f64 = successors[range.clone()]
                    .iter()
                    .zip(&probs[range.clone()])
                    .map(|(&s2, p)| p * z_next[s2 as usize])
                    .sum();
                let ua = weights[i] * acc;
                // A positive u(s, a) below the floor may have lost digits, and a zero one
                // with a live successor has underflowed: log-space from here.
                if ua < SCALED_SUM_FLOOR
                    && (acc > 0.0
                        || successors[range]
                            .iter()
                            .any(|&s2| z_next[s2 as usize] > 0.0))
                {
                    return t + 1;
                }
                // u(s, a) is kept in the ln π slot until u(s) is known.
                tables.log_pi[row + a] = ua;
                u += ua;
            }
            u_state[s] = u;
            u_max = u_max.max(u);
        }
        if u_max == 0.0 {
            return t + 1;
        }
        let log_scale = shift + u_max.ln();
        let log_z_now = &mut tables.log_z_state[t * s_count..(t + 1) * s_count];
        for s in 0..s_count {
            let row = (t * s_count + s) * a_count;
            let u = u_state[s];
            let z = u / u_max;
            if u > 0.0 && z < f64::MIN_POSITIVE {
                return t + 1;
            }
            z_next[s] = z;
            if mdp.is_terminal(s) {
                log_z_now[s] = if u > 0.0 { 0.0 } else { f64::NEG_INFINITY };
                tables.log_z_action[row..row + a_count].fill(f64::NEG_INFINITY);
                tables.log_pi[row..row + a_count].fill(uniform);
                continue;
            }
            if u == 0.0 {
                log_z_now[s] = f64::NEG_INFINITY;
                tables.log_z_action[row..row + a_count].fill(f64::NEG_INFINITY);
                tables.log_pi[row..row + a_count].fill(uniform);
                continue;
            }
            let log_z = shift + u.ln();
            log_z_now[s] = log_z;
            for a in 0..a_count {
                // ln(u(s, a)/u(s)) is exact to a few ulps of π, and −∞ for u(s, a) = 0.
                let log_p = (tables.log_pi[row + a] / u).ln();
                tables.log_pi[row + a] = log_p;
                tables.log_z_action[row + a] = log_z + log_p;
            }
        }
        log_scale_next = log_scale;
    }
    0
}

/// The steps `t = t_0 − 1, …, 0` of the backward pass in log-space, from the exact
/// `ln Z_{t_0}` in the table.
fn log_space_steps(
    mdp: &Mdp,
    reward: &[f64],
    t_0: usize,
    end: &TrajectoryEnd,
    tables: &mut Tables<'_>,
) {
    let (s_count, a_count) = (mdp.num_states(), mdp.num_actions());
    let uniform = -(a_count as f64).ln();
    let Tables {
        log_z_state,
        log_z_action,
        log_pi,
    } = tables;
    // Z_{t+1} rescaled by its largest entry, exp(ln Z_{t+1}(s') − c): computed once per
    // state and step, so that the sum over successors needs no exponentials.
    let mut scaled = vec![0.0; s_count];
    for t in (0..t_0).rev() {
        let (now, next) = log_z_state.split_at_mut((t + 1) * s_count);
        let z_next = &next[..s_count];
        let z_now = &mut now[t * s_count..];
        let c = z_next.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        for (w, z) in scaled.iter_mut().zip(z_next) {
            *w = if c == f64::NEG_INFINITY {
                0.0
            } else {
                (z - c).exp()
            };
        }
        for s in 0..s_count {
            let row = (t * s_count + s) * a_count;
            if mdp.is_terminal(s) {
                // The trajectory has ended: one (empty) continuation, or none if the
                // end condition wants another state.
                z_now[s] = match end {
                    TrajectoryEnd::Anywhere => 0.0,
                    TrajectoryEnd::InStates(goal) if goal[s] => 0.0,
                    TrajectoryEnd::InStates(_) => f64::NEG_INFINITY,
                };
                log_z_action[row..row + a_count].fill(f64::NEG_INFINITY);
                log_pi[row..row + a_count].fill(uniform);
                continue;
            }
            let mut m = f64::NEG_INFINITY;
            for a in 0..a_count {
                let acc: f64 = mdp.successors(s, a).map(|(s2, p)| p * scaled[s2]).sum();
                // Every successor far below the largest Z (or underflowed): redo this
                // one sum in log-space, so no answer is lost to the rescaling.
                let log_expectation = if acc >= SCALED_SUM_FLOOR {
                    c + acc.ln()
                } else {
                    log_expectation_exp(mdp, s, a, z_next)
                };
                let za = reward[s * a_count + a] + log_expectation;
                log_z_action[row + a] = za;
                m = m.max(za);
            }
            if m == f64::NEG_INFINITY {
                z_now[s] = f64::NEG_INFINITY;
                log_pi[row..row + a_count].fill(uniform);
                continue;
            }
            // ln Z_t(s) = m + ln Σ_a e^{ln Z_t(s,a) − m}, and ln π = (ln Z_t(s, a) − m) −
            // ln Σ…: the maximum is kept apart, so the probabilities sum to one to a few
            // ulps however large ln Z grows, and one set of exponentials serves both.
            let sum: f64 = log_z_action[row..row + a_count]
                .iter()
                .map(|za| (za - m).exp())
                .sum();
            let log_sum = sum.ln();
            z_now[s] = m + log_sum;
            for a in 0..a_count {
                log_pi[row + a] = (log_z_action[row + a] - m) - log_sum;
            }
        }
    }
}

/// Below this, a rescaled sum `Σ P(s'|s, a) e^{ln Z(s') − c}` may have lost digits to
/// subnormals or underflow (`f64` subnormals start at `2.2e-308`), and is recomputed in
/// log-space.
const SCALED_SUM_FLOOR: f64 = 1e-280;

/// `ln Σ_{s'} P(s' | s, a) exp(v(s'))`, stable for any `v` including `−∞` entries.
pub(crate) fn log_expectation_exp(mdp: &Mdp, s: usize, a: usize, v: &[f64]) -> f64 {
    let m = mdp
        .successors(s, a)
        .map(|(s2, _)| v[s2])
        .fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    let sum: f64 = mdp
        .successors(s, a)
        .map(|(s2, p)| p * (v[s2] - m).exp())
        .sum();
    m + sum.ln()
}

/// Checks a reward vector against the MDP.
pub(crate) fn check_reward(mdp: &Mdp, reward: &[f64]) -> Result<(), IrlError> {
    let expected = mdp.num_states() * mdp.num_actions();
    if reward.len() != expected {
        return Err(IrlError::DimensionMismatch {
            what: "reward",
            expected,
            found: reward.len(),
        });
    }
    if let Some(i) = reward.iter().position(|r| !r.is_finite()) {
        return Err(IrlError::Mdp(
            crate::tabular::mdp_error::MdpError::NonFiniteReward {
                s: i / mdp.num_actions(),
                a: i % mdp.num_actions(),
                value: reward[i],
            },
        ));
    }
    Ok(())
}

/// Checks that a finite-horizon backward pass of `horizon` steps with temperature 1 stays
/// in range — `|V_t|, |ln Z_t| ≤ T (max |r| + ln A)` at most
/// [`VALUE_BOUND_MAX`](crate::VALUE_BOUND_MAX) — and that its `(T + 1) · S · A` tables can
/// be allocated; returns `T · S · A`.
pub(crate) fn check_backward_pass(
    mdp: &Mdp,
    reward: &[f64],
    horizon: usize,
) -> Result<usize, IrlError> {
    let max_reward = reward.iter().fold(0.0f64, |m, r| m.max(r.abs()));
    let bound = (max_reward + (mdp.num_actions() as f64).ln()) * horizon as f64;
    check_value_bound(bound)?;
    // T + 1 overflows only for T = usize::MAX, which a zero reward with one action passes.
    let rows = horizon
        .checked_add(1)
        .ok_or(crate::tabular::mdp_error::MdpError::TooLarge {
            what: "time-indexed tables",
            entries: horizon as f64 + 1.0,
        })?;
    let len = table_len(
        "time-indexed tables",
        &[rows, mdp.num_states(), mdp.num_actions()],
    )?;
    Ok(len - mdp.num_states() * mdp.num_actions())
}
