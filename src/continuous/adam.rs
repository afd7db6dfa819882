//! The Adam optimiser for a flat parameter vector.

use crate::continuous::lq_error::{LqError, check_finite_input};

/// Adam (Kingma & Ba 2015) on a flat parameter vector, with PyTorch's defaults
/// `β₁ = 0.9`, `β₂ = 0.999`, `ε = 1e-8`.
///
/// # Formula
///
/// ```text
/// m_t = β₁ m_{t−1} + (1 − β₁) g_t,     v_t = β₂ v_{t−1} + (1 − β₂) g_t²
/// θ_t = θ_{t−1} − η · (m_t / (1 − β₁ᵗ)) / (√(v_t / (1 − β₂ᵗ)) + ε)
/// ```
///
/// # References
///
/// Kingma & Ba (2015), *Adam: A method for stochastic optimization*, ICLR, Algorithm 1
/// (with `ε` added outside the square root, as in PyTorch's `torch.optim.Adam`).
///
/// # Errors
///
/// [`Adam::new`] rejects a step size that is negative or not finite, and a length whose
/// moment vectors cannot be allocated. [`Adam::step`] rejects wrong lengths and non-finite
/// parameters or gradients, and returns [`LqError::Overflow`] if the step would make a
/// parameter non-finite; in every error case nothing is changed.
///
/// # Numerical stability
///
/// Gradients up to `f64::MAX` are accepted: `g²` may overflow to `+∞`, which makes that
/// coordinate's step zero rather than NaN.
///
/// # Examples
///
/// ```
/// use maxent_rl::Adam;
/// // Minimise (θ − 3)²: the gradient is 2(θ − 3).
/// let mut adam = Adam::new(1, 0.1)?;
/// let mut theta = [0.0];
/// for _ in 0..500 {
///     let g = [2.0 * (theta[0] - 3.0)];
///     adam.step(&mut theta, &g)?;
/// }
/// assert!((theta[0] - 3.0).abs() < 1e-2);
/// # Ok::<(), maxent_rl::LqError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Adam {
    learning_rate: f64,
    m: Vec<f64>,
    v: Vec<f64>,
    t: i32,
}

impl Adam {
    /// Adam for `len` parameters with step size `learning_rate ≥ 0`, moments at zero.
    ///
    /// # Errors
    ///
    /// [`LqError::InvalidParameter`] naming `"learning_rate"` if it is negative, NaN or
    /// infinite, or `"len"` if two vectors of `len` moments cannot be allocated.
    pub fn new(len: usize, learning_rate: f64) -> Result<Self, LqError> {
        if !(learning_rate.is_finite() && learning_rate >= 0.0) {
            return Err(LqError::InvalidParameter {
                what: "learning_rate",
                value: learning_rate,
                expected: "finite and ≥ 0",
            });
        }
        let zeros = || {
            let mut v = Vec::new();
            v.try_reserve_exact(len)
                .map_err(|_| LqError::InvalidParameter {
                    what: "len",
                    value: len as f64,
                    expected: "a length whose moments fit in memory",
                })?;
            v.resize(len, 0.0);
            Ok::<_, LqError>(v)
        };
        Ok(Self {
            learning_rate,
            m: zeros()?,
            v: zeros()?,
            t: 0,
        })
    }

    /// The step size `η`.
    pub fn learning_rate(&self) -> f64 {
        self.learning_rate
    }

    /// One step on `params` along `grad` (descent).
    ///
    /// # Errors
    ///
    /// [`LqError::DimensionMismatch`] if `params` or `grad` does not have the length given
    /// to [`Adam::new`]; [`LqError::NonFinite`] naming the first NaN or infinite entry of
    /// either; [`LqError::Overflow`] if a stepped parameter would not be finite. Nothing
    /// is changed then.
    pub fn step(&mut self, params: &mut [f64], grad: &[f64]) -> Result<(), LqError> {
        for (what, len) in [("params", params.len()), ("grad", grad.len())] {
            if len != self.m.len() {
                return Err(LqError::DimensionMismatch {
                    what,
                    expected: (self.m.len(), 1),
                    found: (len, 1),
                });
            }
        }
        for (what, xs) in [("params", &*params), ("grad", grad)] {
            check_finite_input(what, xs)?;
        }
        const B1: f64 = 0.9;
        const B2: f64 = 0.999;
        const EPS: f64 = 1e-8;
        let t = self.t.saturating_add(1);
        let c1 = 1.0 - B1.powi(t);
        let c2 = 1.0 - B2.powi(t);
        let moments = |g: f64, m: f64, v: f64| {
            let m = B1 * m + (1.0 - B1) * g;
            let v = B2 * v + (1.0 - B2) * g * g;
            (m, v, (m / c1) / ((v / c2).sqrt() + EPS))
        };
        // First pass: check that every stepped parameter is finite, changing nothing.
        for (i, ((p, g), (m, v))) in params
            .iter()
            .zip(grad)
            .zip(self.m.iter().zip(&self.v))
            .enumerate()
        {
            let (_, _, direction) = moments(*g, *m, *v);
            if !(p - self.learning_rate * direction).is_finite() {
                return Err(LqError::Overflow {
                    what: "params",
                    index: i,
                });
            }
        }
        self.t = t;
        for (((p, g), m), v) in params
            .iter_mut()
            .zip(grad)
            .zip(&mut self.m)
            .zip(&mut self.v)
        {
            let (m_new, v_new, direction) = moments(*g, *m, *v);
            (*m, *v) = (m_new, v_new);
            *p -= self.learning_rate * direction;
        }
        Ok(())
    }
}
