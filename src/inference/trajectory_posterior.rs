//! The posterior over trajectories of control as inference, by brute-force enumeration.

use crate::inference::backward_messages::PosteriorMarginals;
use crate::inference::inference_error::{InferenceError, check_scaled_rewards};
use crate::numerics::log_sum_exp;
use crate::tabular::mdp::{Mdp, check_state_distribution};
use crate::tabular::mdp_error::check_len;

/// One trajectory of the enumeration with its weight and posterior probability.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PosteriorTrajectory {
    /// `s_0, …, s_L` (`L = T`, or fewer if a terminal state ended it).
    pub states: Vec<usize>,
    /// `a_0, …, a_{L−1}`.
    pub actions: Vec<usize>,
    /// `Σ_t r(s_t, a_t)` (`±∞` if the sum of finite rewards overflows; the probabilities are
    /// computed from `r/α` and checked).
    pub total_reward: f64,
    /// `ln p(τ, O) = ln d₀(s_0) + Σ_t [ln P(s_{t+1} | s_t, a_t) + r(s_t, a_t)/α]`.
    pub log_joint: f64,
    /// `p(τ | O) = p(τ, O)/p(O)`.
    pub probability: f64,
}

/// The exact posterior `p(τ | O_{0:T−1} = 1)` of control as inference, by listing every
/// trajectory: a witness for [`BackwardMessages`](crate::BackwardMessages) on tiny MDPs.
///
/// # Formula
///
/// ```text
/// p(τ, O) = d₀(s_0) Π_t P(s_{t+1} | s_t, a_t) exp(r(s_t, a_t)/α)
/// p(O) = Σ_τ p(τ, O),      p(τ | O) = p(τ, O)/p(O)
/// ```
///
/// over every sequence of actions (the uniform action prior with its constant dropped, as
/// in [`BackwardMessages`](crate::BackwardMessages)) and every successor with positive
/// probability. A trajectory that reaches a terminal state ends there.
///
/// # References
///
/// Levine (2018), *Reinforcement Learning and Control as Probabilistic Inference*, §2
/// (the trajectory distribution conditioned on optimality).
///
/// # Numerical stability
///
/// Weights are kept as logarithms; `p(O)` is their log-sum-exp, and the probabilities are
/// renormalised to sum to one. When `|Σ_t r/α|` is so large that its rounding error exceeds
/// the `ln P` terms (beyond about `10^{15}`), the posterior keeps only the reward ordering.
///
/// # Examples
///
/// ```
/// use maxent_rl::{Mdp, TrajectoryPosterior};
/// // One state, two actions with rewards 0 and ln 3 (α = 1), two steps: four action
/// // sequences with weights 1, 3, 3, 9; p(O) = 16.
/// let mdp = Mdp::new(1, 2, &[vec![(0, 1.0)], vec![(0, 1.0)]], vec![0.0, 3f64.ln()], 1.0)?;
/// let posterior = TrajectoryPosterior::enumerate(&mdp, 1.0, 2, &[1.0], 100)?;
/// assert_eq!(posterior.trajectories().len(), 4);
/// assert!((posterior.log_evidence() - 16f64.ln()).abs() < 1e-12);
/// # Ok::<(), maxent_rl::InferenceError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TrajectoryPosterior {
    num_states: usize,
    num_actions: usize,
    horizon: usize,
    trajectories: Vec<PosteriorTrajectory>,
    log_evidence: f64,
}

impl TrajectoryPosterior {
    /// Lists every trajectory of `T = horizon` steps from `initial`, refusing to list more
    /// than `max_trajectories` (the count grows like `(A · branching)^T`).
    ///
    /// # Errors
    ///
    /// [`InferenceError::InvalidTemperature`], [`InferenceError::ZeroHorizon`],
    /// [`InferenceError::ScaledRewardOverflow`], [`InferenceError::Mdp`] for a bad
    /// `initial`, [`InferenceError::TooManyTrajectories`] once the cap is reached, and
    /// [`InferenceError::NonFiniteLogWeight`] if `ln p(O)` overflows.
    pub fn enumerate(
        mdp: &Mdp,
        alpha: f64,
        horizon: usize,
        initial: &[f64],
        max_trajectories: usize,
    ) -> Result<Self, InferenceError> {
        let scaled = check_scaled_rewards(mdp.rewards(), mdp.num_actions(), alpha)?;
        if horizon == 0 {
            return Err(InferenceError::ZeroHorizon);
        }
        check_len("initial", initial.len(), mdp.num_states())?;
        check_state_distribution(initial)?;
        let out = enumerate_walks(mdp, &scaled, horizon, initial, max_trajectories)?;
        let mut out: Vec<PosteriorTrajectory> = out
            .into_iter()
            .map(|w| PosteriorTrajectory {
                states: w.states,
                actions: w.actions,
                total_reward: w.total_reward,
                log_joint: w.log_joint,
                probability: 0.0, // set below, once p(O) is known
            })
            .collect();
        let logs: Vec<f64> = out.iter().map(|t| t.log_joint).collect();
        let log_evidence = log_sum_exp(&logs);
        if !log_evidence.is_finite() {
            return Err(InferenceError::NonFiniteLogWeight {
                what: "ln p(O)",
                value: log_evidence,
            });
        }
        for t in &mut out {
            t.probability = (t.log_joint - log_evidence).exp();
        }
        // Renormalise: when Σ r/α is huge, ln p(τ, O) keeps fewer digits of ln P than the
        // log-sum-exp needs, and the exponentials need not sum to exactly 1.
        let total: f64 = out.iter().map(|t| t.probability).sum();
        for t in &mut out {
            t.probability /= total;
        }
        Ok(Self {
            num_states: mdp.num_states(),
            num_actions: mdp.num_actions(),
            horizon,
            trajectories: out,
            log_evidence,
        })
    }

    /// Every trajectory with its posterior probability.
    pub fn trajectories(&self) -> &[PosteriorTrajectory] {
        &self.trajectories
    }

    /// `ln p(O)`, the log-sum-exp of the trajectories' `ln p(τ, O)`.
    pub fn log_evidence(&self) -> f64 {
        self.log_evidence
    }

    /// The posterior marginals `p(s_t | O)` and `p(s_t, a_t | O)`, by summing the
    /// probabilities of the listed trajectories (a trajectory that ended at a terminal state
    /// counts there at every later step, without an action).
    pub fn marginals(&self) -> PosteriorMarginals {
        let (s_count, a_count, horizon) = (self.num_states, self.num_actions, self.horizon);
        let mut states = vec![vec![0.0; s_count]; horizon + 1];
        let mut state_actions = vec![vec![0.0; s_count * a_count]; horizon];
        for tr in &self.trajectories {
            // Every listed trajectory has at least its initial state.
            let Some(&last) = tr.states.last() else {
                continue;
            };
            for (t, row) in states.iter_mut().enumerate() {
                row[*tr.states.get(t).unwrap_or(&last)] += tr.probability;
            }
            for (t, &a) in tr.actions.iter().enumerate() {
                state_actions[t][tr.states[t] * a_count + a] += tr.probability;
            }
        }
        PosteriorMarginals {
            states,
            state_actions,
        }
    }

    /// The posterior action conditional `p(a_t | s_t = s, O) = p(s_t, a_t | O)/p(s_t | O)`
    /// from the enumeration; `None` where `p(s_t = s, a_t = · | O) = 0` (never acted in).
    ///
    /// # Panics
    ///
    /// If `t ≥ T` or `s ≥ S`.
    pub fn action_conditional(&self, t: usize, s: usize) -> Option<Vec<f64>> {
        assert!(
            t < self.horizon && s < self.num_states,
            "(t, s) out of range"
        );
        let mut row = vec![0.0; self.num_actions];
        for tr in &self.trajectories {
            if tr.actions.len() > t && tr.states[t] == s {
                row[tr.actions[t]] += tr.probability;
            }
        }
        let total: f64 = row.iter().sum();
        (total > 0.0).then(|| row.iter().map(|p| p / total).collect())
    }
}

#[derive(Clone)]
struct Walk {
    states: Vec<usize>,
    actions: Vec<usize>,
    total_reward: f64,
    log_joint: f64,
}

/// Breadth-first, one step at a time, so that a long horizon needs no deep recursion. Every
/// partial trajectory has at least one extension (every `(s, a)` has a successor, and a
/// terminal one is kept as it is), so the number of partial trajectories never decreases,
/// and exceeding the cap at any step means the final list would exceed it.
fn enumerate_walks(
    mdp: &Mdp,
    scaled: &[f64],
    horizon: usize,
    initial: &[f64],
    cap: usize,
) -> Result<Vec<Walk>, InferenceError> {
    let too_many = InferenceError::TooManyTrajectories { limit: cap };
    let mut frontier = Vec::new();
    for (s0, &d) in initial.iter().enumerate() {
        if d > 0.0 {
            if frontier.len() == cap {
                return Err(too_many);
            }
            frontier.push(Walk {
                states: vec![s0],
                actions: Vec::new(),
                total_reward: 0.0,
                log_joint: d.ln(),
            });
        }
    }
    let a_count = mdp.num_actions();
    for _ in 0..horizon {
        let mut next = Vec::with_capacity(frontier.len());
        for walk in frontier {
            let s = *walk.states.last().expect("non-empty");
            if mdp.is_terminal(s) {
                if next.len() == cap {
                    return Err(too_many);
                }
                next.push(walk);
                continue;
            }
            let extensions: Vec<(usize, usize, f64)> = (0..a_count)
                .flat_map(|a| mdp.successors(s, a).map(move |(s2, p)| (a, s2, p)))
                .collect();
            if next.len() + extensions.len() > cap {
                return Err(too_many);
            }
            // Clone for all but the last extension, which takes the walk itself: a single
            // long trajectory then costs O(T), not O(T²).
            let mut walk = Some(walk);
            for (k, &(a, s2, p)) in extensions.iter().enumerate() {
                let mut w = if k + 1 == extensions.len() {
                    walk.take().expect("taken once, last")
                } else {
                    walk.as_ref().expect("present until the last").clone()
                };
                w.states.push(s2);
                w.actions.push(a);
                w.total_reward += mdp.reward(s, a);
                w.log_joint += p.ln() + scaled[s * a_count + a];
                next.push(w);
            }
        }
        frontier = next;
    }
    Ok(frontier)
}
