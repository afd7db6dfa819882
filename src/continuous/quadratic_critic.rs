//! A critic that is a quadratic function of the state and action.

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
/// let critic = QuadraticCritic::from_weights(1, 1, vec![-1.0, -0.5, -2.0, 3.0]);
/// assert_eq!(critic.value(&[2.0], &[1.0]), -4.0 - 1.0 - 2.0 + 3.0);
/// let mut g = [0.0];
/// critic.action_gradient(&[2.0], &[1.0], &mut g);
/// assert_eq!(g[0], -0.5 * 2.0 - 4.0 * 1.0);
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
    pub fn num_weights(state_dim: usize, action_dim: usize) -> usize {
        let d = state_dim + action_dim;
        d * (d + 1) / 2 + 1
    }

    /// A critic with the given weights.
    ///
    /// # Panics
    ///
    /// If `weights.len() != num_weights(state_dim, action_dim)`.
    pub fn from_weights(state_dim: usize, action_dim: usize, weights: Vec<f64>) -> Self {
        assert_eq!(weights.len(), Self::num_weights(state_dim, action_dim));
        Self {
            state_dim,
            action_dim,
            weights,
        }
    }

    /// The features `φ(x, u)` written into `out` (length [`QuadraticCritic::num_weights`]).
    pub fn features(&self, x: &[f64], u: &[f64], out: &mut [f64]) {
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

    /// `Q_w(x, u)`.
    pub fn value(&self, x: &[f64], u: &[f64]) -> f64 {
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

    /// `∂Q_w/∂u` written into `out` (length `m`).
    pub fn action_gradient(&self, x: &[f64], u: &[f64], out: &mut [f64]) {
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
