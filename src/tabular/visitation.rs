//! Forward passes: expected state and state-action visitation of a policy.

use crate::distributions::distribution_error::NORMALISATION_TOLERANCE;
use crate::irl::irl_error::IrlError;
use crate::irl::maxent_partition::MaxEntPartition;
use crate::tabular::mdp::Mdp;
use crate::tabular::mdp_error::MdpError;
use crate::tabular::tabular_policy::TabularPolicy;
use crate::tabular::time_indexed_policy::TimeIndexedPolicy;

/// Expected visitation counts over a horizon of `T` steps.
///
/// # Formula
///
/// ```text
/// D_t(s)    = P(s_t = s, episode running at t)
/// D(s)      = Σ_{t<T} D_t(s)
/// D(s, a)   = Σ_{t<T} D_t(s) π_t(a | s)        (non-terminal s)
/// ```
///
/// Without terminal states `Σ_s D_t(s) = 1` for every `t`, so `Σ_s D(s) = T`. A terminal
/// state is counted in `D_t` when it is reached and then the episode ends (no action, no
/// further visits), so with terminal states `Σ_s D(s) ≤ T`.
#[derive(Debug, Clone, PartialEq)]
pub struct Visitation {
    horizon: usize,
    num_states: usize,
    /// `D_t(s)`, `T · S`.
    state_time: Vec<f64>,
    /// `D(s, a)`, `S · A`.
    state_action: Vec<f64>,
}

impl Visitation {
    /// Horizon `T`.
    pub fn horizon(&self) -> usize {
        self.horizon
    }

    /// `D_t(·)` for `t < T`.
    ///
    /// # Panics
    ///
    /// If `t ≥ T`.
    pub fn at(&self, t: usize) -> &[f64] {
        assert!(t < self.horizon, "t out of range");
        &self.state_time[t * self.num_states..(t + 1) * self.num_states]
    }

    /// `D(s) = Σ_t D_t(s)`: the expected number of visits to each state.
    pub fn states(&self) -> Vec<f64> {
        let mut d = vec![0.0; self.num_states];
        for row in self.state_time.chunks_exact(self.num_states) {
            for (x, y) in d.iter_mut().zip(row) {
                *x += y;
            }
        }
        d
    }

    /// `D(s, a)` (flat, `s · A + a`): the expected number of times `a` is taken in `s`.
    pub fn state_actions(&self) -> &[f64] {
        &self.state_action
    }
}

/// The forward pass: visitation of a time-indexed policy under the true dynamics, from
/// the start distribution `initial`.
///
/// # Formula
///
/// ```text
/// D_0(s) = ρ₀(s),    D_{t+1}(s') = Σ_{s,a} D_t(s) π_t(a | s) P(s' | s, a)
/// ```
///
/// # References
///
/// Ziebart et al. (2008), Algorithm 1, forward pass (steps 4–6); Ziebart (2010),
/// Algorithm 9.3.
///
/// # Errors
///
/// [`IrlError::DimensionMismatch`] if `initial` does not have `S` entries or the policy's
/// numbers of states or actions differ from the MDP's; [`IrlError::Mdp`] with
/// [`MdpError::InvalidStateProbability`] for a negative or non-finite entry of `initial`,
/// or [`MdpError::StateDistributionNotNormalised`] if it does not sum to one within
/// [`NORMALISATION_TOLERANCE`](crate::NORMALISATION_TOLERANCE).
///
/// # Examples
///
/// ```
/// use maxent_rl::{forward_pass, MaxCausalEntSolution, Mdp};
/// let p = vec![vec![(0, 1.0)], vec![(1, 1.0)], vec![(1, 1.0)], vec![(0, 1.0)]];
/// let mdp = Mdp::new(2, 2, &p, vec![0.0; 4], 1.0)?;
/// let sol = MaxCausalEntSolution::new(&mdp, &[0.0; 4], 6)?;
/// let d = forward_pass(&mdp, &[1.0, 0.0], sol.policy())?;
/// // Six steps, so six expected visits in total.
/// assert!((d.states().iter().sum::<f64>() - 6.0).abs() < 1e-12);
/// # Ok::<(), maxent_rl::IrlError>(())
/// ```
pub fn forward_pass(
    mdp: &Mdp,
    initial: &[f64],
    policy: &TimeIndexedPolicy,
) -> Result<Visitation, IrlError> {
    check_shapes(mdp, initial, policy)?;
    Ok(propagate(mdp, initial, policy.horizon(), |t, s, a| {
        policy.log_probs(t, s)[a].exp()
    }))
}

/// The state marginals of the trajectory-level 2008 model
/// `P(τ | s_0) ∝ Π_t P(s_{t+1} | s_t, a_t) · exp(Σ_t r(s_t, a_t))`.
///
/// # Formula
///
/// Under this model both the actions and the transitions are tilted by the partition
/// function of what follows:
///
/// ```text
/// P(a_t | s_t)          = Z_t(s_t, a_t) / Z_t(s_t)
/// P(s_{t+1} | s_t, a_t) = P(s_{t+1} | s_t, a_t) Z_{t+1}(s_{t+1}) / Σ_{s'} P(s' | s_t, a_t) Z_{t+1}(s')
/// ```
///
/// so the model expects transitions towards high-value states more often than the
/// dynamics produce them. Under deterministic dynamics the second line is the dynamics
/// itself and this equals [`forward_pass`] with the local action probabilities. The
/// exact gradient of the 2008 log-likelihood uses these marginals.
///
/// # Errors
///
/// As [`forward_pass`].
pub fn trajectory_model_visitation(
    mdp: &Mdp,
    initial: &[f64],
    partition: &MaxEntPartition,
) -> Result<Visitation, IrlError> {
    let policy = partition.policy();
    check_shapes(mdp, initial, policy)?;
    let (s_count, a_count) = (mdp.num_states(), mdp.num_actions());
    let horizon = policy.horizon();
    let mut state_time = vec![0.0; horizon * s_count];
    let mut state_action = vec![0.0; s_count * a_count];
    state_time[..s_count].copy_from_slice(initial);
    // Z_{t+1} rescaled by its maximum, computed once per state and step.
    let mut scaled = vec![0.0; s_count];
    for t in 0..horizon {
        let (done, rest) = state_time.split_at_mut((t + 1) * s_count);
        let d_t = &done[t * s_count..];
        let log_z_next = partition.log_z_state(t + 1);
        let c = log_z_next.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        for (w, z) in scaled.iter_mut().zip(log_z_next) {
            *w = if c == f64::NEG_INFINITY {
                0.0
            } else {
                (z - c).exp()
            };
        }
        for s in 0..s_count {
            let mass = d_t[s];
            if mass == 0.0 || mdp.is_terminal(s) {
                continue;
            }
            for a in 0..a_count {
                let w = mass * policy.log_probs(t, s)[a].exp();
                if w == 0.0 {
                    continue;
                }
                state_action[s * a_count + a] += w;
                if t + 1 == horizon {
                    continue;
                }
                let d_next = &mut rest[..s_count];
                // The tilted row P(s'|s, a) Z(s') / Σ…, normalised by its computed sum so
                // it sums to one to rounding whatever the size of ln Z.
                let total: f64 = mdp.successors(s, a).map(|(s2, p)| p * scaled[s2]).sum();
                if total >= TILTED_SUM_FLOOR {
                    for (s2, p) in mdp.successors(s, a) {
                        d_next[s2] += w * p * scaled[s2] / total;
                    }
                } else {
                    // Every successor is far below the largest Z: shift by their own maximum.
                    let m = mdp
                        .successors(s, a)
                        .map(|(s2, _)| log_z_next[s2])
                        .fold(f64::NEG_INFINITY, f64::max);
                    if m == f64::NEG_INFINITY {
                        continue;
                    }
                    let total: f64 = mdp
                        .successors(s, a)
                        .map(|(s2, p)| p * (log_z_next[s2] - m).exp())
                        .sum();
                    for (s2, p) in mdp.successors(s, a) {
                        d_next[s2] += w * p * (log_z_next[s2] - m).exp() / total;
                    }
                }
            }
        }
    }
    Ok(Visitation {
        horizon,
        num_states: s_count,
        state_time,
        state_action,
    })
}

/// Below this a rescaled row sum may have lost digits to subnormals; the row is then
/// recomputed shifted by its own maximum.
const TILTED_SUM_FLOOR: f64 = 1e-280;

/// The forward recursion under the true dynamics; `pi(t, s, a)` gives `π_t(a|s)`.
fn propagate(
    mdp: &Mdp,
    initial: &[f64],
    horizon: usize,
    pi: impl Fn(usize, usize, usize) -> f64,
) -> Visitation {
    let (s_count, a_count) = (mdp.num_states(), mdp.num_actions());
    let mut state_time = vec![0.0; horizon * s_count];
    let mut state_action = vec![0.0; s_count * a_count];
    state_time[..s_count].copy_from_slice(initial);
    for t in 0..horizon {
        let (done, rest) = state_time.split_at_mut((t + 1) * s_count);
        let d_t = &done[t * s_count..];
        for s in 0..s_count {
            let mass = d_t[s];
            if mass == 0.0 || mdp.is_terminal(s) {
                continue;
            }
            for a in 0..a_count {
                let w = mass * pi(t, s, a);
                if w == 0.0 {
                    continue;
                }
                state_action[s * a_count + a] += w;
                if t + 1 < horizon {
                    for (s2, p) in mdp.successors(s, a) {
                        rest[s2] += w * p;
                    }
                }
            }
        }
    }
    Visitation {
        horizon,
        num_states: s_count,
        state_time,
        state_action,
    }
}

fn check_shapes(mdp: &Mdp, initial: &[f64], policy: &TimeIndexedPolicy) -> Result<(), IrlError> {
    check_initial(mdp, initial)?;
    check_policy_shape(mdp, policy.num_states(), policy.num_actions())
}

/// `initial` must be a distribution over the MDP's states.
pub(crate) fn check_initial(mdp: &Mdp, initial: &[f64]) -> Result<(), IrlError> {
    let s_count = mdp.num_states();
    if initial.len() != s_count {
        return Err(IrlError::DimensionMismatch {
            what: "initial",
            expected: s_count,
            found: initial.len(),
        });
    }
    if let Some(s) = initial.iter().position(|p| !p.is_finite() || *p < 0.0) {
        return Err(IrlError::Mdp(MdpError::InvalidStateProbability {
            s,
            value: initial[s],
        }));
    }
    let sum: f64 = initial.iter().sum();
    if (sum - 1.0).abs() > NORMALISATION_TOLERANCE {
        return Err(IrlError::Mdp(MdpError::StateDistributionNotNormalised {
            sum,
        }));
    }
    Ok(())
}

/// A policy must have the MDP's numbers of states and of actions (each, not only their
/// product).
fn check_policy_shape(mdp: &Mdp, num_states: usize, num_actions: usize) -> Result<(), IrlError> {
    for (what, expected, found) in [
        ("policy states", mdp.num_states(), num_states),
        ("policy actions", mdp.num_actions(), num_actions),
    ] {
        if found != expected {
            return Err(IrlError::DimensionMismatch {
                what,
                expected,
                found,
            });
        }
    }
    Ok(())
}

/// Expected number of visits to each state before the episode ends in one of the MDP's
/// terminal states, for a stationary policy.
///
/// # Formula
///
/// ```text
/// d_0 = ρ₀,   d_{t+1}(s') = Σ_{s ∉ terminal} Σ_a d_t(s) π(a | s) P(s' | s, a),   D = Σ_t d_t
/// ```
///
/// A terminal state ([`Mdp::with_terminal_states`]) is counted when it is reached and then
/// the episode ends. The sum is run until the mass still in the episode, `Σ_{s ∉ terminal}
/// d_t(s)`, is at most `tolerance`.
///
/// This is the forward pass of Ziebart et al. (2008), Algorithm 1, with the stationary
/// local action probabilities the paper uses, summed until the destination is reached.
///
/// # Errors
///
/// [`IrlError::DimensionMismatch`] for shapes that do not fit the MDP; [`IrlError::Mdp`]
/// if `initial` is not a distribution (as [`forward_pass`]); [`IrlError::InvalidConfig`]
/// for a tolerance that is not finite and `> 0`; [`IrlError::NotAbsorbed`] if the mass has
/// not fallen to the tolerance after `max_steps` steps (the policy does not reach a terminal state with probability 1, or
/// too slowly).
///
/// # Examples
///
/// ```
/// use maxent_rl::{visitation_until_absorbed, Mdp, TabularPolicy};
/// // From state 0, one action reaches the terminal state 1 with probability ½ per step:
/// // 2 expected visits to state 0, 1 to state 1.
/// let mdp = Mdp::new(2, 1, &[vec![(0, 0.5), (1, 0.5)], vec![(1, 1.0)]], vec![0.0; 2], 1.0)?
///     .with_terminal_states(&[1])?;
/// let pi = TabularPolicy::uniform(2, 1)?;
/// let d = visitation_until_absorbed(&mdp, &[1.0, 0.0], &pi, 1e-15, 1000)?;
/// assert!((d[0] - 2.0).abs() < 1e-13 && (d[1] - 1.0).abs() < 1e-13);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn visitation_until_absorbed(
    mdp: &Mdp,
    initial: &[f64],
    policy: &TabularPolicy,
    tolerance: f64,
    max_steps: usize,
) -> Result<Vec<f64>, IrlError> {
    check_initial(mdp, initial)?;
    check_policy_shape(mdp, policy.num_states(), policy.num_actions())?;
    if !(tolerance.is_finite() && tolerance > 0.0) {
        return Err(IrlError::InvalidConfig {
            what: "tolerance",
            value: tolerance,
        });
    }
    let s_count = mdp.num_states();
    let absorbing = mdp.terminal_states();
    let running_mass = |d: &[f64]| -> f64 {
        d.iter()
            .zip(absorbing)
            .filter(|(_, a)| !**a)
            .map(|(x, _)| x)
            .sum()
    };
    let mut total = initial.to_vec();
    let mut d = initial.to_vec();
    let mut next = vec![0.0; s_count];
    for _ in 0..max_steps {
        next.fill(0.0);
        for s in 0..s_count {
            if d[s] == 0.0 || absorbing[s] {
                continue;
            }
            for (a, &pi) in policy.action_probs(s).iter().enumerate() {
                let w = d[s] * pi;
                if w != 0.0 {
                    for (s2, p) in mdp.successors(s, a) {
                        next[s2] += w * p;
                    }
                }
            }
        }
        std::mem::swap(&mut d, &mut next);
        total.iter_mut().zip(&d).for_each(|(x, y)| *x += y);
        if running_mass(&d) <= tolerance {
            return Ok(total);
        }
    }
    Err(IrlError::NotAbsorbed {
        steps: max_steps,
        remaining: running_mass(&d),
    })
}

/// Discounted state-action occupancy of a stationary policy,
/// `D(s, a) = Σ_t γ^t P(s_t = s, a_t = a)`, with the MDP's discount `γ < 1`.
///
/// # Formula
///
/// ```text
/// d_0 = ρ₀,   d_{t+1}(s') = γ Σ_{s ∉ terminal} Σ_a d_t(s) π(a | s) P(s' | s, a)
/// D(s, a) = Σ_t d_t(s) π(a | s)        (non-terminal s)
/// ```
///
/// Without terminal states `Σ_{s,a} D(s, a) = 1/(1 − γ)`. The series is summed until the
/// discounted mass still to come, `Σ_s d_t(s) / (1 − γ)`, is at most `tolerance`.
///
/// # References
///
/// Puterman (1994), *Markov Decision Processes*, §6.9 (occupancy measures); Ziebart (2010),
/// thesis, Algorithm 9.3 with discounting.
///
/// # Errors
///
/// [`IrlError::DimensionMismatch`] for shapes that do not fit the MDP;
/// [`IrlError::Mdp`] if `initial` is not a distribution (as [`forward_pass`]), or with
/// [`MdpError::DiscountNotBelowOne`] for `γ = 1`;
/// [`IrlError::InvalidConfig`] for a tolerance that is not finite and `> 0`; [`IrlError::NotAbsorbed`] if
/// the tolerance is not met within `max_steps` steps (about `ln(tolerance (1 − γ))/ln γ`
/// are needed without terminal states; a subnormal tolerance may never be met).
///
/// # Examples
///
/// ```
/// use maxent_rl::{discounted_occupancy, Mdp, TabularPolicy};
/// let p = vec![vec![(0, 1.0)], vec![(1, 1.0)], vec![(1, 1.0)], vec![(0, 1.0)]];
/// let mdp = Mdp::new(2, 2, &p, vec![0.0; 4], 0.9)?;
/// let d = discounted_occupancy(&mdp, &[1.0, 0.0], &TabularPolicy::uniform(2, 2)?, 1e-12, 1000)?;
/// assert!((d.iter().sum::<f64>() - 10.0).abs() < 1e-11); // 1/(1 − γ)
/// # Ok::<(), maxent_rl::IrlError>(())
/// ```
pub fn discounted_occupancy(
    mdp: &Mdp,
    initial: &[f64],
    policy: &TabularPolicy,
    tolerance: f64,
    max_steps: usize,
) -> Result<Vec<f64>, IrlError> {
    let (s_count, a_count) = (mdp.num_states(), mdp.num_actions());
    check_initial(mdp, initial)?;
    check_policy_shape(mdp, policy.num_states(), policy.num_actions())?;
    let gamma = mdp.discount();
    if gamma >= 1.0 {
        return Err(IrlError::Mdp(MdpError::DiscountNotBelowOne {
            value: gamma,
        }));
    }
    if !(tolerance.is_finite() && tolerance > 0.0) {
        return Err(IrlError::InvalidConfig {
            what: "tolerance",
            value: tolerance,
        });
    }
    let mut occupancy = vec![0.0; s_count * a_count];
    let mut d = initial.to_vec();
    let mut next = vec![0.0; s_count];
    let mut running = f64::INFINITY;
    for _ in 0..max_steps {
        next.fill(0.0);
        running = 0.0;
        for s in 0..s_count {
            if d[s] == 0.0 || mdp.is_terminal(s) {
                continue;
            }
            running += d[s];
            for (a, &pi) in policy.action_probs(s).iter().enumerate() {
                let w = d[s] * pi;
                if w != 0.0 {
                    occupancy[s * a_count + a] += w;
                    for (s2, p) in mdp.successors(s, a) {
                        next[s2] += gamma * w * p;
                    }
                }
            }
        }
        if running / (1.0 - gamma) <= tolerance {
            return Ok(occupancy);
        }
        std::mem::swap(&mut d, &mut next);
    }
    Err(IrlError::NotAbsorbed {
        steps: max_steps,
        remaining: running,
    })
}
