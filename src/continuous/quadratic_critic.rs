//! A critic that is a quadratic function of the state and action.

use crate::continuous::lq_error::{LqError, check_finite_input, check_finite_output};

/// A soft Q-function that is a general quadratic in `z = (x, u)`:
/// `Q_w(x, u) = Σ_{i ≤ j} w_ij z_i z_j + w_0`.
///
/// For a linear-Gaussian policy on an [`LqProblem`](crate::LqProblem) the true soft
/// Q-function is of exactly this form (chapter 11), so a learner with this critic has no
/// approximation error: what it gets wrong, it gets wrong from sampling and optimisation.
///
/// # Formula
///
/// ```text
/// φ(x, u) = (z_0 z_0, z_0 z_1, …, z_{d−1} z_{d−1}, 1),   d = n + m,   Q_w = wᵀφ
/// ∂Q_w/∂u_k = Σ_{i ≤ j} w_ij ∂(z_i z_j)/∂z_{n+k}
/// ```
///
/// # Examples
///
/// ```
/// use maxent_rl::QuadraticCritic;
/// // n = m = 1: features (x², xu, u², 1).
/// let critic = QuadraticCritic::from_weights(1, 1, vec![-1.0, -0.5, -2.0, 3.0])?;
/// assert_eq!(critic.value(&[2.0], &[1.0])?, -4.0 - 1.0 - 2.0 + 3.0);
/// assert_eq!(critic.action_gradient(&[2.0], &[1.0])?, vec![-0.5 * 2.0 - 4.0 * 1.0]);
/// # Ok::<(), maxent_rl::LqError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct QuadraticCritic {
    state_dim: usize,
    action_dim: usize,
    /// Weights `w`: the upper triangle of the quadratic row by row, then the constant.
    pub weights: Vec<f64>,
}

impl QuadraticCritic {
    /// Number of weights for state dimension `n` and action dimension `m`:
    /// `d(d + 1)/2 + 1` with `d = n + m`.
    ///
    /// `usize::MAX` when that count does not fit in `usize` (no weight vector has that
    /// length, so [`QuadraticCritic::from_weights`] then reports a dimension mismatch).
    pub fn num_weights(state_dim: usize, action_dim: usize) -> usize {
        // `usize::MAX` when the count overflows: no vector of weights is that long, so the
        // constructor refuses it as a length mismatch instead of overflowing here.
        state_dim
            .checked_add(action_dim)
            .and_then(|d| d.checked_mul(d.checked_add(1)?))
            .map_or(usize::MAX, |dd| dd / 2 + 1)
    }

    /// A critic with the given weights.
    ///
    /// # Errors
    ///
    /// [`LqError::DimensionMismatch`] if `weights.len() != num_weights(state_dim,
    /// action_dim)`; [`LqError::NonFinite`] for a NaN or infinite weight.
    pub fn from_weights(
        state_dim: usize,
        action_dim: usize,
        weights: Vec<f64>,
    ) -> Result<Self, LqError> {
        let expected = Self::num_weights(state_dim, action_dim);
        if weights.len() != expected {
            return Err(LqError::DimensionMismatch {
                what: "weights",
                expected: (expected, 1),
                found: (weights.len(), 1),
            });
        }
        check_finite_input("weights", &weights)?;
        Ok(Self {
            state_dim,
            action_dim,
            weights,
        })
    }

    /// `(n, m)`: the state and action dimensions.
    pub fn dims(&self) -> (usize, usize) {
        (self.state_dim, self.action_dim)
    }

    fn check(&self, x: &[f64], u: &[f64]) -> Result<(), LqError> {
        let expected = Self::num_weights(self.state_dim, self.action_dim);
        if self.weights.len() != expected {
            return Err(LqError::DimensionMismatch {
                what: "weights",
                expected: (expected, 1),
                found: (self.weights.len(), 1),
            });
        }
        for (what, len, expected) in [
            ("x", x.len(), self.state_dim),
            ("u", u.len(), self.action_dim),
        ] {
            if len != expected {
                return Err(LqError::DimensionMismatch {
                    what,
                    expected: (expected, 1),
                    found: (len, 1),
                });
            }
        }
        check_finite_input("x", x)?;
        check_finite_input("u", u)
    }

    /// `Q_w(x, u)`.
    ///
    /// # Errors
    ///
    /// [`LqError::DimensionMismatch`] if `x` or `u` has the wrong length;
    /// [`LqError::NonFinite`] for a NaN or infinite entry; [`LqError::Overflow`] if the
    /// value is not finite (entries whose squares exceed `f64::MAX`).
    pub fn value(&self, x: &[f64], u: &[f64]) -> Result<f64, LqError> {
        self.check(x, u)?;
        let q = self.value_unchecked(x, u);
        check_finite_output("Q", &[q])?;
        Ok(q)
    }

    /// `∂Q_w/∂u`.
    ///
    /// # Errors
    ///
    /// As [`QuadraticCritic::value`].
    pub fn action_gradient(&self, x: &[f64], u: &[f64]) -> Result<Vec<f64>, LqError> {
        self.check(x, u)?;
        let mut out = vec![0.0; self.action_dim];
        self.action_gradient_unchecked(x, u, &mut out);
        check_finite_output("∂Q/∂u", &out)?;
        Ok(out)
    }

    /// The features `φ(x, u)` written into `out` (length [`QuadraticCritic::num_weights`]).
    ///
    /// # Panics
    ///
    /// If `x`, `u` or `out` is shorter than the critic's dimensions require (the learner
    /// calls it with buffers it allocated to those lengths).
    pub(crate) fn features_unchecked(&self, x: &[f64], u: &[f64], out: &mut [f64]) {
        let z = |i: usize| {
            if i < self.state_dim {
                x[i]
            } else {
                u[i - self.state_dim]
            }
        };
        let d = self.state_dim + self.action_dim;
        let mut k = 0;
        for i in 0..d {
            let zi = z(i);
            for j in i..d {
                out[k] = zi * z(j);
                k += 1;
            }
        }
        out[k] = 1.0;
    }

    /// `Q_w(x, u)` without length checks.
    ///
    /// # Panics
    ///
    /// If `x` or `u` is shorter than the critic's dimensions.
    pub(crate) fn value_unchecked(&self, x: &[f64], u: &[f64]) -> f64 {
        let z = |i: usize| {
            if i < self.state_dim {
                x[i]
            } else {
                u[i - self.state_dim]
            }
        };
        let d = self.state_dim + self.action_dim;
        let mut k = 0;
        let mut q = 0.0;
        for i in 0..d {
            let zi = z(i);
            for j in i..d {
                q += self.weights[k] * zi * z(j);
                k += 1;
            }
        }
        q + self.weights[k]
    }

    /// `∂Q_w/∂u` written into `out` (length `m`), without length checks.
    ///
    /// # Panics
    ///
    /// If `x`, `u` or `out` is shorter than the critic's dimensions.
    pub(crate) fn action_gradient_unchecked(&self, x: &[f64], u: &[f64], out: &mut [f64]) {
        let n = self.state_dim;
        let z = |i: usize| if i < n { x[i] } else { u[i - n] };
        let d = n + self.action_dim;
        out.iter_mut().for_each(|g| *g = 0.0);
        let mut k = 0;
        for i in 0..d {
            for j in i..d {
                let w = self.weights[k];
                // ∂(z_i z_j)/∂z_l = δ_il z_j + δ_jl z_i.
                if i >= n {
                    out[i - n] += w * z(j);
                }
                if j >= n {
                    out[j - n] += w * z(i);
                }
                k += 1;
            }
        }
    }
}
