//! The soft policy gradient of a tabular softmax policy: exact, sampled (REINFORCE with the
//! soft return), and the myopic gradient of the A2C entropy bonus beside it.

use nalgebra::{DMatrix, DVector};
use rand::Rng;

use crate::learning::learning_error::{
    LearningError, check_finite_output, check_len, check_positive, check_range,
};
use crate::learning::sampling::sample_transition_unchecked;
use crate::numerics::log_softmax_into;
use crate::soft_dp::soft_policy_evaluation;
use crate::tabular::{Mdp, MdpError, TabularPolicy};

/// The softmax policy `π(a | s) = exp(z(s, a)) / Σ_b exp(z(s, b))` of a table of logits
/// (flat, `s · A + a`).
///
/// # Numerical stability
///
/// Each row goes through the log-softmax, so that `ln π` keeps its precision for
/// improbable actions.
///
/// # Errors
///
/// [`LearningError::DimensionMismatch`] if `logits` is not a whole number of rows;
/// [`LearningError::Mdp`] for a non-finite logit (as an invalid probability).
///
/// # Examples
///
/// ```
/// use maxent_rl::softmax_policy;
/// let pi = softmax_policy(&[0.0, 2f64.ln()], 2)?;
/// assert!((pi.prob(0, 1) - 2.0 / 3.0).abs() < 1e-15);
/// # Ok::<(), maxent_rl::LearningError>(())
/// ```
pub fn softmax_policy(logits: &[f64], num_actions: usize) -> Result<TabularPolicy, LearningError> {
    check_positive("num_actions", num_actions)?;
    if logits.is_empty() || !logits.len().is_multiple_of(num_actions) {
        return Err(LearningError::DimensionMismatch {
            what: "logits",
            expected: num_actions * (logits.len() / num_actions).max(1),
            found: logits.len(),
        });
    }
    if let Some(i) = logits.iter().position(|z| !z.is_finite()) {
        return Err(LearningError::InvalidConfig {
            what: "logits",
            value: logits[i],
            expected: "finite",
        });
    }
    let mut log_probs = vec![0.0; logits.len()];
    for (row, out) in logits
        .chunks_exact(num_actions)
        .zip(log_probs.chunks_exact_mut(num_actions))
    {
        log_softmax_into(row, out);
    }
    Ok(TabularPolicy::from_log_probs(
        logits.len() / num_actions,
        num_actions,
        log_probs,
    )?)
}

/// The discounted state occupancy `d^π(s) = Σ_t γ^t Pr(s_t = s)` from `s₀ ~ d₀`, by an
/// exact linear solve of `(I − γ P_πᵀ) d = d₀` (terminal states receive mass but pass none on).
fn state_occupancy(mdp: &Mdp, policy: &TabularPolicy) -> Result<Vec<f64>, LearningError> {
    let n = mdp.num_states();
    let gamma = mdp.discount();
    let mut m = DMatrix::<f64>::identity(n, n);
    for s in (0..n).filter(|&s| !mdp.is_terminal(s)) {
        for (a, &p_a) in policy.action_probs(s).iter().enumerate() {
            if p_a == 0.0 {
                continue;
            }
            for (next, p) in mdp.successors(s, a) {
                m[(next, s)] -= gamma * p_a * p;
            }
        }
    }
    let d0 = DVector::from_column_slice(mdp.initial_distribution());
    // I − γP_πᵀ is strictly diagonally dominant by columns for γ < 1, hence invertible; only
    // a γ within rounding of 1 can make the solve break down (as in soft_policy_evaluation).
    let numerically_singular = MdpError::InvalidParameter {
        what: "discount",
        value: gamma,
        expected: "below 1 by more than rounding error (I − γP_π is numerically singular)",
    };
    let d = m.lu().solve(&d0).ok_or(numerically_singular.clone())?;
    if d.iter().any(|x| !x.is_finite()) {
        return Err(numerically_singular.into());
    }
    Ok(d.iter().copied().collect())
}

/// An objective of a tabular softmax policy and its gradient with respect to the logits.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PolicyGradient {
    /// The objective `J = Σ_s d₀(s) V(s)` (soft for [`soft_policy_gradient`], the ordinary
    /// return for [`a2c_bonus_gradient`]).
    pub objective: f64,
    /// `∂J/∂z(s, a)` (for the A2C bonus: the expected update direction), flat `s · A + a`.
    pub gradient: Vec<f64>,
    /// The policy's state values `V^π` used (soft, or ordinary for the A2C bonus).
    pub values: Vec<f64>,
    /// `Q^π(s, a) = r(s, a) + γ Σ P(s' | s, a) V^π(s')`, flat; 0 at terminal states.
    pub q_values: Vec<f64>,
    /// The discounted state occupancy `d^π(s) = Σ_t γ^t Pr(s_t = s)`.
    pub occupancy: Vec<f64>,
}

fn check_inputs(mdp: &Mdp, logits: &[f64], alpha: f64) -> Result<TabularPolicy, LearningError> {
    check_len("logits", logits.len(), mdp.num_states() * mdp.num_actions())?;
    check_range("alpha", alpha, 0.0, f64::MAX, false, "finite and ≥ 0")?;
    crate::learning::learning_error::check_discount_below_one(mdp.discount())?;
    softmax_policy(logits, mdp.num_actions())
}

fn q_from_v(mdp: &Mdp, v: &[f64]) -> Vec<f64> {
    let num_actions = mdp.num_actions();
    let mut q = vec![0.0; mdp.num_states() * num_actions];
    for s in (0..mdp.num_states()).filter(|&s| !mdp.is_terminal(s)) {
        for a in 0..num_actions {
            q[s * num_actions + a] =
                mdp.reward(s, a) + mdp.discount() * mdp.expected_next_value(s, a, v);
        }
    }
    q
}

impl PolicyGradient {
    /// `Ok(self)` if every number is finite, else [`LearningError::Overflow`] naming it.
    fn checked(self) -> Result<Self, LearningError> {
        check_finite_output("objective", &[self.objective])?;
        check_finite_output("gradient", &self.gradient)?;
        check_finite_output("values", &self.values)?;
        check_finite_output("q_values", &self.q_values)?;
        check_finite_output("occupancy", &self.occupancy)?;
        Ok(self)
    }
}

/// The exact gradient of the soft objective `J(z) = Σ_s d₀(s) V^π(s)` of a softmax policy
/// `π = softmax(z(s, ·))` with respect to its table of logits: the soft policy gradient
/// theorem.
///
/// # Formula
///
/// ```text
/// ∂J/∂z(s, a) = d^π(s) π(a | s) A^π(s, a),
/// A^π(s, a) = Q^π(s, a) − α ln π(a | s) − V^π(s),
/// Q^π(s, a) = r(s, a) + γ Σ_{s'} P(s' | s, a) V^π(s'),   d^π(s) = Σ_t γ^t Pr(s_t = s)
/// ```
///
/// Derivation: `V(s) = Σ_a π(a|s) (Q(s,a) − α ln π(a|s))`; differentiating, the term
/// `−α Σ_a π ∂ln π = −α ∂Σ_a π = 0` drops, and unrolling the recursion through `Q`
/// weights each state by its discounted occupancy. For the softmax,
/// `∂π(b|s)/∂z(s, a) = π(b|s)(δ_ab − π(a|s))` turns `Σ_b ∂π(b|s) (Q − α ln π)` into
/// `π(a|s)(Q(s,a) − α ln π(a|s) − V(s))`. Zero at terminal states.
///
/// # References
///
/// Sutton, McAllester, Singh & Mansour (2000), *Policy gradient methods for reinforcement
/// learning with function approximation*, Theorem 1 (α = 0); Schulman, Chen & Abbeel
/// (2017), *Equivalence between policy gradients and soft Q-learning* (the
/// entropy-regularised form); Mei, Xiao, Szepesvári & Schuurmans (2020), *On the global
/// convergence rates of softmax policy gradient methods* (the tabular softmax).
///
/// # Numerical stability
///
/// `V^π` by [`soft_policy_evaluation`] (LU) and `d^π` by an LU solve of the transposed
/// system: both `O(S³)`, exact up to rounding of order `ε S/(1 − γ)`.
///
/// # Errors
///
/// [`LearningError::DimensionMismatch`] unless there are `S · A` logits;
/// [`LearningError::InvalidConfig`] for a non-finite logit, `α < 0` or `γ = 1`;
/// [`LearningError::Mdp`] with the errors of
/// [`soft_policy_evaluation`](crate::soft_policy_evaluation) (`ValuesOutOfRange`,
/// `TooLarge`, and `InvalidParameter` naming a `γ` within rounding of 1, which also covers
/// the occupancy solve); [`LearningError::Overflow`] if a returned number is not finite
/// although every input was (`α ln π` overflowing for `α` near `f64::MAX`, or values near
/// `±1e308`). Every output returned is finite.
///
/// # Examples
///
/// ```
/// use maxent_rl::{Mdp, soft_policy_gradient};
/// // One state, one step (the next state is terminal): J = Σ π r + α H(π), and at
/// // z = r/α (the Boltzmann policy) the gradient vanishes.
/// let p = vec![vec![(1, 1.0)], vec![(1, 1.0)], vec![(1, 1.0)], vec![(1, 1.0)]];
/// let mdp = Mdp::new(2, 2, &p, vec![1.0, 0.0, 0.0, 0.0], 0.9)?
///     .with_terminal_states(&[1])?.with_initial_state(0)?;
/// let g = soft_policy_gradient(&mdp, &[2.0, 0.0, 0.0, 0.0], 0.5)?;
/// assert!(g.gradient.iter().all(|x| x.abs() < 1e-15));
/// // J = α ln Σ_a exp(r(0, a)/α) = 0.5 ln(e² + 1).
/// assert!((g.objective - 0.5 * (2f64.exp() + 1.0).ln()).abs() < 1e-12);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn soft_policy_gradient(
    mdp: &Mdp,
    logits: &[f64],
    alpha: f64,
) -> Result<PolicyGradient, LearningError> {
    let policy = check_inputs(mdp, logits, alpha)?;
    let values = soft_policy_evaluation(mdp, &policy, alpha)?;
    let q_values = q_from_v(mdp, &values);
    let occupancy = state_occupancy(mdp, &policy)?;
    let num_actions = mdp.num_actions();
    let mut gradient = vec![0.0; logits.len()];
    for s in (0..mdp.num_states()).filter(|&s| !mdp.is_terminal(s)) {
        for a in 0..num_actions {
            let i = s * num_actions + a;
            let p = policy.probs()[i];
            if p > 0.0 {
                let adv = q_values[i] - alpha * policy.log_probs()[i] - values[s];
                gradient[i] = occupancy[s] * p * adv;
            }
        }
    }
    let objective = dot(mdp.initial_distribution(), &values);
    PolicyGradient {
        objective,
        gradient,
        values,
        q_values,
        occupancy,
    }
    .checked()
}

/// The expected update direction of A2C's loss with an entropy bonus, on a tabular softmax
/// policy: the ordinary policy gradient plus `α` times the gradient of each visited
/// state's own entropy — *myopic*, because the entropy of the states an action leads to
/// does not enter its advantage.
///
/// # Formula
///
/// ```text
/// g(s, a) = d^π(s) π(a | s) [ (Q₀^π(s, a) − V₀^π(s)) + α (−ln π(a | s) − H(π(· | s))) ]
/// ```
///
/// where `V₀^π`, `Q₀^π` are the ordinary (α = 0) values of `π`. It is the expectation of
/// `−∇_z` of [`entropy_regularised_pg_loss`](crate::entropy_regularised_pg_loss) over states
/// `s ~ d^π` and actions `a ~ π`, with the true advantage. Compare
/// [`soft_policy_gradient`], whose advantage `Q^π − α ln π − V^π` uses soft values that
/// count the entropy of every later state. The direction is not the gradient of any
/// objective in general; `objective` reports the ordinary return `Σ_s d₀(s) V₀^π(s)`.
///
/// # References
///
/// Mnih et al. (2016), *Asynchronous methods for deep reinforcement learning* (the
/// entropy bonus `β ∇H(π(·|s_t))`); Williams & Peng (1991), *Function optimization using
/// connectionist reinforcement learning algorithms* (its origin); Schulman, Chen & Abbeel
/// (2017) (the bonus versus the entropy-regularised return).
///
/// # Errors
///
/// As [`soft_policy_gradient`].
///
/// # Examples
///
/// ```
/// use maxent_rl::{Mdp, a2c_bonus_gradient, soft_policy_gradient};
/// // With a single step (terminal next state) the bonus is not myopic: the two agree.
/// let p = vec![vec![(1, 1.0)], vec![(1, 1.0)], vec![(1, 1.0)], vec![(1, 1.0)]];
/// let mdp = Mdp::new(2, 2, &p, vec![1.0, 0.0, 0.0, 0.0], 0.9)?
///     .with_terminal_states(&[1])?.with_initial_state(0)?;
/// let z = [0.3, -0.2, 0.0, 0.0];
/// let (a2c, soft) = (a2c_bonus_gradient(&mdp, &z, 0.5)?, soft_policy_gradient(&mdp, &z, 0.5)?);
/// assert!(a2c.gradient.iter().zip(&soft.gradient).all(|(x, y)| (x - y).abs() < 1e-14));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn a2c_bonus_gradient(
    mdp: &Mdp,
    logits: &[f64],
    alpha: f64,
) -> Result<PolicyGradient, LearningError> {
    let policy = check_inputs(mdp, logits, alpha)?;
    let values = soft_policy_evaluation(mdp, &policy, 0.0)?;
    let q_values = q_from_v(mdp, &values);
    let occupancy = state_occupancy(mdp, &policy)?;
    let num_actions = mdp.num_actions();
    let mut gradient = vec![0.0; logits.len()];
    for s in (0..mdp.num_states()).filter(|&s| !mdp.is_terminal(s)) {
        let h = policy.entropy(s);
        for a in 0..num_actions {
            let i = s * num_actions + a;
            let p = policy.probs()[i];
            if p > 0.0 {
                let adv = q_values[i] - values[s];
                let bonus = -policy.log_probs()[i] - h;
                gradient[i] = occupancy[s] * p * (adv + alpha * bonus);
            }
        }
    }
    let objective = dot(mdp.initial_distribution(), &values);
    PolicyGradient {
        objective,
        gradient,
        values,
        q_values,
        occupancy,
    }
    .checked()
}

/// A Monte-Carlo gradient estimate: the mean over episodes and its standard error, per
/// component.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct GradientEstimate {
    /// The mean of the per-episode estimates, flat `s · A + a`.
    pub mean: Vec<f64>,
    /// The standard error of each component, `sd / √N`; `+∞` for a single episode, which
    /// says nothing about the spread.
    pub std_error: Vec<f64>,
    /// Number of episodes `N`.
    pub episodes: usize,
}

/// REINFORCE with the soft return: a Monte-Carlo estimate of [`soft_policy_gradient`] from
/// sampled episodes, with an optional state baseline `b(s)`.
///
/// # Formula
///
/// ```text
/// ĝ = Σ_t γ^t (G_t − b(s_t)) ∇_z ln π(a_t | s_t),   G_t = Σ_{k ≥ t} γ^{k−t} (r_k − α ln π(a_k | s_k))
/// ∂ln π(a_t | s_t)/∂z(s, b) = 1[s = s_t] (1[b = a_t] − π(b | s_t))
/// ```
///
/// `E[ĝ] = ∇J` for any baseline that depends on the state only, because
/// `E_a[∇ ln π(a|s)] = 0`; the entropy term's own gradient, `−α E[∇ ln π] = 0`, is
/// dropped for the same reason. Episodes start at `s₀ ~ d₀` and end at a terminal state
/// or after `horizon` steps.
///
/// # References
///
/// Williams (1992), *Simple statistical gradient-following algorithms for connectionist
/// reinforcement learning* (REINFORCE and baselines); Schulman, Chen & Abbeel (2017)
/// (the entropy-regularised return).
///
/// # Numerical stability
///
/// Truncating at `horizon = H` biases the estimate by at most
/// `Σ_{t} γ^t · γ^{H−t} c_max/(1−γ) · 2 = 2 H γ^H c_max / (1 − γ)` per component, with
/// `c_max = max |r − α ln π|`; choose `H` so that this is far below the standard error
/// (with `γ = 0.9`, `H = 400` gives `≈ 4·10⁻¹⁶ c_max`). The mean and the spread are
/// accumulated by Welford's update (Welford 1962), which loses no digits when a component's
/// mean is large against its spread, as `Σx² − N·mean²` would.
///
/// # Errors
///
/// As [`soft_policy_gradient`]; [`LearningError::InvalidConfig`] for zero episodes or
/// horizon, or a non-finite baseline; [`LearningError::DimensionMismatch`] for a baseline
/// that is not `S` long; [`LearningError::Overflow`] if the mean or (from two episodes on)
/// the standard error is not finite (returns near `±1e308`, or per-episode estimates
/// beyond `1e154`, whose squares overflow).
///
/// # Examples
///
/// ```
/// use maxent_rl::{Gridworld, reinforce_soft_gradient, soft_policy_gradient};
/// use rand::SeedableRng;
/// let mdp = Gridworld::new(2, 2).build(0.9)?;
/// let z = vec![0.0; 16];
/// let exact = soft_policy_gradient(&mdp, &z, 0.5)?;
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
/// let est = reinforce_soft_gradient(&mdp, &z, 0.5, 4000, 400, Some(&exact.values), &mut rng)?;
/// for i in 0..16 {
///     assert!((est.mean[i] - exact.gradient[i]).abs() <= 4.5 * est.std_error[i] + 1e-12);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn reinforce_soft_gradient<R: Rng + ?Sized>(
    mdp: &Mdp,
    logits: &[f64],
    alpha: f64,
    episodes: usize,
    horizon: usize,
    baseline: Option<&[f64]>,
    rng: &mut R,
) -> Result<GradientEstimate, LearningError> {
    let policy = check_inputs(mdp, logits, alpha)?;
    check_positive("episodes", episodes)?;
    check_positive("horizon", horizon)?;
    if let Some(b) = baseline {
        check_len("baseline", b.len(), mdp.num_states())?;
        if let Some(i) = b.iter().position(|x| !x.is_finite()) {
            return Err(LearningError::InvalidConfig {
                what: "baseline",
                value: b[i],
                expected: "finite",
            });
        }
    }
    let num_actions = mdp.num_actions();
    let gamma = mdp.discount();
    let n = logits.len();
    // Welford's running mean and sum of squared deviations, per component: unlike
    // Σx² − n·mean², it loses no digits when the mean is large against the spread.
    let (mut mean, mut m2) = (vec![0.0; n], vec![0.0; n]);
    let mut g = vec![0.0; n];
    // (s_t, a_t, c_t = r_t − α ln π(a_t|s_t), γ^t) along one episode.
    // (The horizon is only a cap: episodes usually end at a terminal state long before it.)
    let mut path: Vec<(usize, usize, f64, f64)> = Vec::with_capacity(horizon.min(1 << 12));
    for episode in 1..=episodes {
        path.clear();
        let mut s = mdp.sample_initial_state(rng);
        let mut discount_t = 1.0;
        while !mdp.is_terminal(s) && path.len() < horizon {
            let a = policy.sample_action(s, rng);
            let t = sample_transition_unchecked(mdp, s, a, rng);
            let c = t.r - alpha * policy.log_prob(s, a);
            path.push((s, a, c, discount_t));
            discount_t *= gamma;
            s = t.next_s;
        }
        g.fill(0.0);
        // Backward pass: G_t = c_t + γ G_{t+1}.
        let mut ret = 0.0;
        for &(s, a, c, discount_t) in path.iter().rev() {
            ret = c + gamma * ret;
            let b = baseline.map_or(0.0, |b| b[s]);
            let scale = discount_t * (ret - b);
            let row = s * num_actions;
            for (k, &p) in policy.action_probs(s).iter().enumerate() {
                g[row + k] -= scale * p;
            }
            g[row + a] += scale;
        }
        let k = episode as f64;
        for ((mu, m2), &gi) in mean.iter_mut().zip(&mut m2).zip(&g) {
            let delta = gi - *mu;
            *mu += delta / k;
            *m2 += delta * (gi - *mu);
        }
    }
    let count = episodes as f64;
    let std_error = m2
        .iter()
        .map(|m2| {
            if episodes < 2 {
                f64::INFINITY
            } else {
                (m2 / (count - 1.0) / count).sqrt()
            }
        })
        .collect::<Vec<f64>>();
    check_finite_output("mean", &mean)?;
    if episodes >= 2 {
        check_finite_output("std_error", &std_error)?;
    }
    Ok(GradientEstimate {
        mean,
        std_error,
        episodes,
    })
}

fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}
