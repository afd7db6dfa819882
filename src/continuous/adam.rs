//! The Adam optimiser for a flat parameter vector.

use crate::continuous::lq_error::LqError;

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
/// # Examples
///
/// ```
/// use maxent_rl::Adam;
/// // Minimise (θ − 3)²: the gradient is 2(θ − 3).
/// let mut adam = Adam::new(1, 0.1);
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
    /// Step size `η`.
    pub learning_rate: f64,
    m: Vec<f64>,
    v: Vec<f64>,
    t: i32,
}

impl Adam {
    /// Adam for `len` parameters with step size `learning_rate`, moments at zero.
    ///
    /// Nothing is checked here (the step size is a public field): [`Adam::step`] refuses a
    /// step size that is not finite and `> 0`.
    pub fn new(len: usize, learning_rate: f64) -> Self {
        Self {
            learning_rate,
            m: vec![0.0; len],
            v: vec![0.0; len],
            t: 0,
        }
    }

    /// One step on `params` along `grad` (descent).
    ///
    /// # Errors
    ///
    /// [`LqError::DimensionMismatch`] if `params` or `grad` does not have the length given
    /// to [`Adam::new`]; [`LqError::InvalidParameter`] for a `learning_rate` that is not
    /// finite and `> 0`; [`LqError::NonFinite`] naming the first NaN or infinite entry of
    /// `params` or `grad`, or naming `"params after the step"` if an updated parameter would
    /// overflow `f64` (a step size near `f64::MAX`, or a parameter within about `η` of
    /// `±f64::MAX`). Nothing is changed then.
    ///
    /// With finite inputs every moment stays finite (a `g²` that overflows makes that
    /// coordinate's step 0), and each parameter moves by about `η` at most.
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
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(LqError::InvalidParameter {
                what: "learning_rate",
                value: self.learning_rate,
                expected: "finite and > 0",
            });
        }
        for (what, xs) in [("params", &*params), ("grad", grad)] {
            if let Some(row) = xs.iter().position(|x| !x.is_finite()) {
                return Err(LqError::NonFinite {
                    what,
                    row,
                    col: 0,
                    value: xs[row],
                });
            }
        }
        const B1: f64 = 0.9;
        const B2: f64 = 0.999;
        const EPS: f64 = 1e-8;
        let t = self.t.saturating_add(1);
        let c1 = 1.0 - B1.powi(t);
        let c2 = 1.0 - B2.powi(t);
        let lr = self.learning_rate;
        let update = |p: f64, g: f64, m: f64, v: f64| {
            let m = B1 * m + (1.0 - B1) * g;
            let v = B2 * v + (1.0 - B2) * g * g;
            (p - lr * (m / c1) / ((v / c2).sqrt() + EPS), m, v)
        };
        // First pass: refuse a step whose result overflows (η times the normalised moment
        // can exceed f64::MAX for a huge η), before anything is changed.
        let moments = self.m.iter().zip(&self.v);
        if let Some(row) = params
            .iter()
            .zip(grad)
            .zip(moments)
            .position(|((&p, &g), (&m, &v))| !update(p, g, m, v).0.is_finite())
        {
            return Err(LqError::NonFinite {
                what: "params after the step",
                row,
                col: 0,
                value: update(params[row], grad[row], self.m[row], self.v[row]).0,
            });
        }
        self.t = t;
        for (((p, &g), m), v) in params
            .iter_mut()
            .zip(grad)
            .zip(&mut self.m)
            .zip(&mut self.v)
        {
            (*p, *m, *v) = update(*p, g, *m, *v);
        }
        Ok(())
    }
}
