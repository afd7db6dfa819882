//! Mirror-descent policy iteration and entropy-regularised natural policy gradient.

use crate::kl_regularised::kl_error::KlError;
use crate::numerics::log_softmax;
use crate::soft_dp::soft_bellman::q_from_v_unchecked;
use crate::soft_dp::soft_policy_evaluation;
use crate::tabular::mdp::Mdp;
use crate::tabular::mdp_error::{MdpError, check_allocatable, table_len};
use crate::tabular::tabular_policy::TabularPolicy;

/// Mirror-descent policy iteration: each step evaluates the current policy exactly and
/// maximises `E_π[Q^{π_k}] + α H(π) − λ KL(π ‖ π_k)` in every state.
///
/// # Formula
///
/// With `Q_k = Q^{π_k}_α` the soft action values of `π_k` (entropy weight `α ≥ 0`) and the
/// KL weight `λ ≥ 0` (`α + λ > 0`):
///
/// ```text
/// π_{k+1}(· | s) = argmax_π { Σ_a π(a) Q_k(s, a) + α H(π) − λ KL(π ‖ π_k(· | s)) }
/// π_{k+1}(a | s) ∝ π_k(a | s)^{λ/(λ+α)} exp(Q_k(s, a)/(λ+α))
/// ```
///
/// `λ = 0` is soft policy iteration (chapter 6); `α = 0` is policy mirror descent on the
/// unregularised MDP, `π_{k+1} ∝ π_k exp(Q_k/λ)`, the exact tabular step behind TRPO, MDPO
/// and MPO's E-step. Entropy-regularised natural policy gradient with step size `η`
/// (Cen et al. 2021, softmax parameterisation) is the case
///
/// ```text
/// π_{k+1}(a | s) ∝ π_k(a | s)^{1 − ητ/(1−γ)} exp(η Q_k(s, a)/(1−γ)),
/// i.e.  α = τ,  λ = (1−γ)/η − τ,   0 < η ≤ (1−γ)/τ
/// ```
///
/// (see [`MirrorDescentPolicyIteration::natural_policy_gradient`]), which converges
/// linearly to the entropy-regularised optimum with rate `1 − ητ` ([`npg_error_bound`]).
///
/// # References
///
/// Cen, Cheng, Chen, Wei & Chi (2021), *Fast Global Convergence of Natural Policy Gradient
/// Methods with Entropy Regularization*, Operations Research (arXiv:2007.06558), the
/// entropy-regularised NPG update and Theorem 1; Geist, Scherrer & Pietquin (2019), *A
/// Theory of Regularized MDPs*, §4 (mirror-descent modified policy iteration).
///
/// # Numerical stability
///
/// The update is a log-softmax of `(λ ln π_k + Q_k)/(λ + α)` per state; an action with
/// `π_k = 0` stays at 0 while `λ > 0`. Each evaluation is an exact linear solve
/// ([`soft_policy_evaluation`](crate::soft_policy_evaluation)).
///
/// # Errors
///
/// From the constructors: [`MdpError::InvalidParameter`] for negative or non-finite `α`,
/// `λ`, or both 0, or an NPG step size outside `(0, (1−γ)/τ]`. From `run`: as
/// [`soft_policy_evaluation`](crate::soft_policy_evaluation),
/// [`MdpError::DimensionMismatch`] for an initial policy of the wrong shape,
/// [`MdpError::NonFiniteValue`] if the update's logits overflow (weights far too small for
/// the scale of `Q`), and [`MdpError::TooLarge`] if the `K + 1` iterates cannot be stored.
/// All are returned inside [`KlError::Mdp`].
///
/// # Examples
///
/// ```
/// use maxent_rl::{Mdp, MirrorDescentPolicyIteration, SoftValueIteration, TabularPolicy};
/// let mdp = Mdp::new(2, 2, &[vec![(0, 1.0)], vec![(1, 1.0)], vec![(1, 1.0)], vec![(0, 1.0)]],
///                    vec![0.0, 0.5, 1.0, 0.0], 0.9)?;
/// // Step η = 0.1, half the largest (1 − γ)/τ = 0.2: rate 1 − ητ = 0.95 per iteration.
/// let npg = MirrorDescentPolicyIteration::natural_policy_gradient(0.5, 0.1, 0.9)?.iterations(500);
/// let run = npg.run(&mdp, &TabularPolicy::uniform(2, 2)?)?;
/// let optimum = SoftValueIteration::new(0.5).tolerance(1e-12).run(&mdp)?;
/// let last = run.values.last().unwrap();
/// assert!(last.iter().zip(&optimum.values).all(|(a, b)| (a - b).abs() < 1e-8));
/// # Ok::<(), maxent_rl::KlError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MirrorDescentPolicyIteration {
    alpha: f64,
    kl_weight: f64,
    iterations: usize,
}

/// The iterates of [`MirrorDescentPolicyIteration::run`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MirrorDescentResult {
    /// `π_0, …, π_K`.
    pub policies: Vec<TabularPolicy>,
    /// `V^{π_k}_α` for `k = 0, …, K` (exact).
    pub values: Vec<Vec<f64>>,
    /// `Q^{π_k}_α` for `k = 0, …, K`, flat (`s · A + a`).
    pub q_values: Vec<Vec<f64>>,
}

impl MirrorDescentPolicyIteration {
    /// Entropy weight `α ≥ 0` and KL weight `λ ≥ 0`, not both 0; 100 iterations.
    ///
    /// # Errors
    ///
    /// [`MdpError::InvalidParameter`] naming the bad weight.
    pub fn new(alpha: f64, kl_weight: f64) -> Result<Self, KlError> {
        for (what, value) in [("alpha", alpha), ("kl_weight", kl_weight)] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(MdpError::InvalidParameter {
                    what,
                    value,
                    expected: "finite and ≥ 0",
                }
                .into());
            }
        }
        if alpha + kl_weight == 0.0 {
            return Err(MdpError::InvalidParameter {
                what: "alpha + kl_weight",
                value: 0.0,
                expected: "> 0 (at least one regulariser)",
            }
            .into());
        }
        Ok(Self {
            alpha,
            kl_weight,
            iterations: 100,
        })
    }

    /// Entropy-regularised natural policy gradient (Cen et al. 2021) with temperature
    /// `τ > 0`, step size `0 < η ≤ (1−γ)/τ` and discount `γ ∈ [0, 1)`: `α = τ`,
    /// `λ = (1−γ)/η − τ`. `η = (1−γ)/τ` is soft policy iteration.
    ///
    /// # Errors
    ///
    /// [`MdpError::InvalidTemperature`] unless `0 < τ < ∞`; [`MdpError::InvalidParameter`]
    /// for `γ ∉ [0, 1)` or `η ∉ (0, (1−γ)/τ]`.
    pub fn natural_policy_gradient(tau: f64, eta: f64, discount: f64) -> Result<Self, KlError> {
        if !(tau.is_finite() && tau > 0.0) {
            return Err(MdpError::InvalidTemperature { value: tau }.into());
        }
        if !(0.0..1.0).contains(&discount) {
            return Err(MdpError::InvalidParameter {
                what: "discount",
                value: discount,
                expected: "in [0, 1)",
            }
            .into());
        }
        let eta_max = (1.0 - discount) / tau;
        if !(eta > 0.0 && eta <= eta_max * (1.0 + 1e-12)) {
            return Err(MdpError::InvalidParameter {
                what: "eta",
                value: eta,
                expected: "in (0, (1 − γ)/τ]",
            }
            .into());
        }
        // λ = (1−γ)/η − τ ≥ 0; at η = (1−γ)/τ rounding may leave a tiny negative.
        let kl_weight = ((1.0 - discount) / eta - tau).max(0.0);
        Self::new(tau, kl_weight)
    }

    /// Run exactly `iterations` steps (the cap; default 100). Any value is accepted here;
    /// [`run`](Self::run) refuses a `K` whose iterates cannot be stored.
    pub fn iterations(mut self, iterations: usize) -> Self {
        self.iterations = iterations;
        self
    }

    /// The entropy weight `α`.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// The KL weight `λ`.
    pub fn kl_weight(&self) -> f64 {
        self.kl_weight
    }

    /// Runs from `π_0 = initial`, evaluating every iterate exactly.
    ///
    /// # Errors
    ///
    /// See the type's documentation.
    pub fn run(&self, mdp: &Mdp, initial: &TabularPolicy) -> Result<MirrorDescentResult, KlError> {
        initial.check_shape_of(mdp.num_states(), mdp.num_actions())?;
        let (s_count, a_count) = (mdp.num_states(), mdp.num_actions());
        // K + 1 policies, value and action-value tables are returned: refuse what cannot be
        // stored (K = usize::MAX overflowed K + 1, or, in release builds, never ended).
        let what = "mirror-descent iterates";
        let count = self.iterations.checked_add(1).ok_or(MdpError::TooLarge {
            what,
            entries: self.iterations as f64 + 1.0,
        })?;
        let entries = table_len(what, &[count, s_count, a_count + 1, 3])?;
        check_allocatable(what, entries, table_len(what, &[entries, 8])?)?;
        let (alpha, lambda) = (self.alpha, self.kl_weight);
        let mut policies = vec![initial.clone()];
        let mut values = Vec::with_capacity(count);
        let mut q_values = Vec::with_capacity(count);
        for k in 0..=self.iterations {
            let pi = &policies[k];
            let v = soft_policy_evaluation(mdp, pi, alpha)?;
            if let Some(s) = v.iter().position(|x| !x.is_finite()) {
                return Err(MdpError::NonFiniteValue {
                    what: "values",
                    index: s,
                    value: v[s],
                }
                .into());
            }
            let mut q = vec![0.0; s_count * a_count];
            q_from_v_unchecked(mdp, &v, &mut q);
            if k < self.iterations {
                let mut log_probs = Vec::with_capacity(s_count * a_count);
                for s in 0..s_count {
                    let logits: Vec<f64> = (0..a_count)
                        .map(|a| {
                            let lp = pi.log_prob(s, a);
                            let prior = if lambda == 0.0 { 0.0 } else { lambda * lp };
                            (prior + q[s * a_count + a]) / (lambda + alpha)
                        })
                        .collect();
                    log_probs.extend(log_softmax(&logits));
                }
                // (λ ln π_k + Q_k)/(λ + α) can overflow for tiny weights: report, never NaN.
                if let Some(i) = log_probs.iter().position(|x| x.is_nan()) {
                    return Err(MdpError::NonFiniteValue {
                        what: "policy logits (λ ln π_k + Q_k)/(λ + α)",
                        index: i,
                        value: f64::NAN,
                    }
                    .into());
                }
                policies.push(TabularPolicy::from_normalised_log_probs(
                    s_count, a_count, log_probs,
                ));
            }
            values.push(v);
            q_values.push(q);
        }
        Ok(MirrorDescentResult {
            policies,
            values,
            q_values,
        })
    }
}

/// The linear-convergence bound of entropy-regularised natural policy gradient
/// (Cen et al. 2021, Theorem 1) on `‖Q*_τ − Q^{(k)}_τ‖∞`.
///
/// # Formula
///
/// For `0 < η ≤ (1−γ)/τ` and `k ≥ 1`,
///
/// ```text
/// ‖Q*_τ − Q^{(k)}_τ‖∞ ≤ C₁ γ (1 − ητ)^{k−1}
/// C₁ = ‖Q*_τ − Q^{(0)}_τ‖∞ + 2τ (1 − ητ/(1−γ)) ‖ln π*_τ − ln π^{(0)}‖∞
/// ```
///
/// and `‖Q*_τ − Q^{(0)}_τ‖∞` itself at `k = 0`. The rate `1 − ητ` is `γ` for the largest
/// step (soft policy iteration) and tends to 1 as `η → 0`.
///
/// # References
///
/// Cen, Cheng, Chen, Wei & Chi (2021), *Fast Global Convergence of Natural Policy Gradient
/// Methods with Entropy Regularization*, Theorem 1 (linear convergence of exact
/// entropy-regularised NPG).
///
/// # Errors
///
/// [`MdpError::InvalidTemperature`] unless `0 < τ < ∞`; [`MdpError::InvalidParameter`]
/// for `γ ∉ [0, 1)`, `η ∉ (0, (1−γ)/τ]`, or a negative or non-finite initial error; [`MdpError::NonFiniteValue`] if the bound overflows.
///
/// # Examples
///
/// ```
/// use maxent_rl::npg_error_bound;
/// // Soft policy iteration (η = (1−γ)/τ): C₁ = ‖Q* − Q⁰‖, rate γ.
/// let b = npg_error_bound(0.5, 0.2, 0.9, 3.0, 1.0, 4)?;
/// assert!((b - 3.0 * 0.9 * 0.9f64.powi(3)).abs() < 1e-12);
/// # Ok::<(), maxent_rl::KlError>(())
/// ```
pub fn npg_error_bound(
    tau: f64,
    eta: f64,
    discount: f64,
    q_error_0: f64,
    log_pi_error_0: f64,
    k: usize,
) -> Result<f64, KlError> {
    let md = MirrorDescentPolicyIteration::natural_policy_gradient(tau, eta, discount)?;
    let _ = md;
    for (what, value) in [("q_error_0", q_error_0), ("log_pi_error_0", log_pi_error_0)] {
        if !(value.is_finite() && value >= 0.0) {
            return Err(MdpError::InvalidParameter {
                what,
                value,
                expected: "finite and ≥ 0",
            }
            .into());
        }
    }
    if k == 0 {
        return Ok(q_error_0);
    }
    let keep = (1.0 - eta * tau / (1.0 - discount)).max(0.0);
    let c1 = q_error_0 + 2.0 * tau * keep * log_pi_error_0;
    let bound = c1 * discount * (1.0 - eta * tau).powi(i32::try_from(k - 1).unwrap_or(i32::MAX));
    if !bound.is_finite() {
        return Err(MdpError::NonFiniteValue {
            what: "npg_error_bound",
            index: k,
            value: bound,
        }
        .into());
    }
    Ok(bound)
}
