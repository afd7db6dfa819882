//! The reparameterised gradient of a tanh-squashed Gaussian sample and of its
//! log-density, with respect to the mean and log standard deviation.

use crate::distributions::distribution_error::{DistributionError, check_finite, check_len};
use crate::distributions::tanh_gaussian::TanhGaussian;
use crate::numerics::special::log_one_minus_tanh_sq;

/// Derivatives of `a = tanh(μ + σ ε)` and of `ln π(a)` with respect to `μ` and `ln σ`, with
/// the noise `ε` held fixed. Every Jacobian is diagonal, so each field holds one entry per
/// coordinate.
#[derive(Debug, Clone, PartialEq)]
pub struct ReparamGrad {
    /// `∂a_i/∂μ_i = 1 − tanh² u_i`.
    pub d_action_d_mean: Vec<f64>,
    /// `∂a_i/∂ln σ_i = (1 − tanh² u_i)(u_i − μ_i)`.
    pub d_action_d_log_std: Vec<f64>,
    /// `∂ln π(a)/∂μ_i = 2 tanh u_i`.
    pub d_log_prob_d_mean: Vec<f64>,
    /// `∂ln π(a)/∂ln σ_i = −1 + 2 tanh(u_i)(u_i − μ_i)`.
    pub d_log_prob_d_log_std: Vec<f64>,
}

impl TanhGaussian {
    /// The reparameterisation gradients of a sample `u = μ + σ ε` (the `pre_tanh` returned by
    /// [`TanhGaussian::sample_and_log_prob`]): how the action and its log-density move
    /// with `(μ, ln σ)` when the noise `ε = (u − μ)/σ` is held fixed.
    ///
    /// # Formula
    ///
    /// With `u_i = μ_i + σ_i ε_i`, so that `∂u_i/∂μ_i = 1` and `∂u_i/∂ln σ_i = σ_i ε_i = u_i − μ_i`,
    /// and `ln π = Σ_i [−½ ε_i² − ln σ_i − ½ ln 2π − ln(1 − tanh² u_i)]`,
    /// `d/du ln(1 − tanh² u) = −2 tanh u`:
    ///
    /// ```text
    /// ∂a_i/∂μ_i      = 1 − tanh² u_i            ∂a_i/∂ln σ_i      = (1 − tanh² u_i)(u_i − μ_i)
    /// ∂ln π/∂μ_i     = 2 tanh u_i               ∂ln π/∂ln σ_i     = −1 + 2 tanh(u_i)(u_i − μ_i)
    /// ```
    ///
    /// These are *total* derivatives through the sample — what automatic differentiation
    /// of `ln π(tanh(μ + σε))` gives — and what SAC's actor loss needs:
    /// `∇_θ E[α ln π(a) − Q(a)] = E[α ∂ln π/∂θ − ∂Q/∂a · ∂a/∂θ]`.
    ///
    /// # References
    ///
    /// D. P. Kingma, M. Welling (2014), *Auto-Encoding Variational Bayes*, ICLR, §2.4 (the
    /// reparameterisation trick); Haarnoja et al. (2018), *Soft Actor-Critic*, eq. (13)
    /// and Appendix C.
    ///
    /// # Numerical stability
    ///
    /// `1 − tanh² u` is `exp(`[`log_one_minus_tanh_sq`](crate::log_one_minus_tanh_sq)`(u))`,
    /// which keeps full relative precision where `1 − tanh(u)²` cancels to 0 (`|u| > 19`).
    /// The noise is never recovered by dividing by `σ`: `σ ε = u − μ`.
    ///
    /// # Errors
    ///
    /// [`DistributionError::DimensionMismatch`] if `pre_tanh` has the wrong length,
    /// [`DistributionError::NonFinite`] for a NaN or infinite coordinate,
    /// [`DistributionError::Overflow`] if `|u_i − μ_i|` is so large (near `f64::MAX / 2`)
    /// that a gradient overflows.
    ///
    /// # Examples
    ///
    /// ```
    /// use maxent_rl::TanhGaussian;
    /// let policy = TanhGaussian::new(vec![0.0], vec![0.0])?;
    /// let g = policy.reparam_grad(&[0.0])?;
    /// // At u = μ = 0: the action moves one-for-one with μ, not at all with ln σ,
    /// // and ln π falls by one nat per unit of ln σ (the Gaussian's normaliser).
    /// assert_eq!(g.d_action_d_mean, vec![1.0]);
    /// assert_eq!(g.d_action_d_log_std, vec![0.0]);
    /// assert_eq!(g.d_log_prob_d_log_std, vec![-1.0]);
    /// # Ok::<(), maxent_rl::DistributionError>(())
    /// ```
    pub fn reparam_grad(&self, pre_tanh: &[f64]) -> Result<ReparamGrad, DistributionError> {
        check_len("pre_tanh", pre_tanh, self.dim())?;
        check_finite("pre_tanh", pre_tanh)?;
        let d = self.dim();
        let mut out = ReparamGrad {
            d_action_d_mean: Vec::with_capacity(d),
            d_action_d_log_std: Vec::with_capacity(d),
            d_log_prob_d_mean: Vec::with_capacity(d),
            d_log_prob_d_log_std: Vec::with_capacity(d),
        };
        for (&u, &m) in pre_tanh.iter().zip(self.mean()) {
            let jacobian = log_one_minus_tanh_sq(u).exp();
            let sigma_eps = u - m;
            let t = u.tanh();
            out.d_action_d_mean.push(jacobian);
            out.d_action_d_log_std.push(jacobian * sigma_eps);
            out.d_log_prob_d_mean.push(2.0 * t);
            out.d_log_prob_d_log_std.push(-1.0 + 2.0 * t * sigma_eps);
        }
        // `u − μ` of a real sample is `σ ε`, far inside the range; a `u` near ±f64::MAX
        // given by hand can make `2 tanh(u)(u − μ)` overflow.
        if out.d_log_prob_d_log_std.iter().any(|g| !g.is_finite()) {
            return Err(DistributionError::Overflow {
                what: "d_log_prob_d_log_std",
            });
        }
        Ok(out)
    }
}
