//! The discounted discrete algebraic Riccati equation, solved by doubling with a
//! certified error bound.

use nalgebra::DMatrix;

use crate::continuous::lq_error::LqError;
use crate::continuous::lq_problem::LqProblem;

/// Configuration of the Riccati solver: the structure-preserving doubling algorithm for
/// the discounted DARE, stopped by a two-sided certificate.
///
/// # Formula
///
/// The optimal cost-to-go of the [`LqProblem`] (without entropy) is `xᵀP*x + const`,
/// where `P*` is the stabilising solution of the discounted discrete algebraic Riccati
/// equation
///
/// ```text
/// P = Q + γAᵀPA − γ²AᵀPB (R + γBᵀPB)⁻¹ BᵀPA,
/// ```
///
/// and the optimal control is `u = −Kx` with `K = γ (R + γBᵀPB)⁻¹ BᵀPA`. With
/// `Ã = √γ A`, `G = γ B R⁻¹ Bᵀ`, the doubling iteration from `A₀ = Ã`, `G₀ = G`, `H₀ = Q` is
///
/// ```text
/// A_{k+1} = A_k (I + G_k H_k)⁻¹ A_k
/// G_{k+1} = G_k + A_k (I + G_k H_k)⁻¹ G_k A_kᵀ
/// H_{k+1} = H_k + A_kᵀ H_k (I + G_k H_k)⁻¹ A_k
/// ```
///
/// and `H_k` is the optimal cost matrix of the horizon-`2^k` problem with zero terminal
/// cost. **Certificate.** Because stage costs are `≥ 0`, those finite-horizon costs
/// increase to `P*` from below: `H_k ⪯ P*`. The greedy gain `K_k` of `H_k`, if it
/// stabilises `F = √γ(A − BK_k)`, has the cost matrix `P_K = Σ_j (Fᵀ)ʲ (Q + K_kᵀRK_k) Fʲ ⪰ P*`
/// (no policy beats the optimum). So `‖P* − H_k‖₂ ≤ ‖P_K − H_k‖₂`. The solver computes
/// `P_K` by Smith's doubling, `X_{j+1} = X_j + F_jᵀX_jF_j`, `F_{j+1} = F_j²`, whose
/// truncation leaves `P_K − X_J = F_JᵀP_KF_J`, at most `‖F_J‖²‖X_J‖/(1 − ‖F_J‖²)` in norm. It
/// stops when
///
/// ```text
/// error_bound = ‖X_J − H_k‖_F + ‖F_J‖_F² ‖X_J‖_F / (1 − ‖F_J‖_F²) ≤ tolerance · ‖H_k‖_F,
/// ```
///
/// a bound on `‖P* − H_k‖₂` (Frobenius norms bound spectral ones), up to rounding.
///
/// # References
///
/// Chu, Fan & Lin (2005), *A structure-preserving doubling algorithm for continuous-time
/// algebraic Riccati equations*, Linear Algebra Appl. 396 (the discrete-time SDA, §2);
/// Anderson & Moore (1979), *Optimal Filtering*, §6.7 (doubling); Smith (1968), *Matrix
/// equation XA + BX = C*, SIAM J. Appl. Math. 16 (doubling for the Lyapunov sum);
/// Bertsekas (2017), vol. I, §3.1 (the discounted Riccati equation).
///
/// # Numerical stability
///
/// The doubling converges quadratically once `2^k` exceeds the closed loop's mixing
/// time, so a few dozen iterations reach any horizon; each is a handful of `n×n` products
/// and one LU solve, `O(n³)`. `H_k` and `G_k` are symmetrised after each step so rounding
/// cannot make them drift apart from their transposes. A non-finite iterate stops the
/// solver with an error rather than a NaN answer.
///
/// # Errors
///
/// [`RiccatiSolver::solve`] returns [`LqError::InvalidParameter`] for a tolerance that is
/// not finite and `> 0`, and [`LqError::RiccatiNotConverged`] when no certificate is
/// reached within `max_iterations` doublings — in particular when `(√γA, √γB)` is not
/// stabilisable, or when an unstable mode is invisible to `Q` so that the greedy gain
/// leaves it unstable.
///
/// # Examples
///
/// ```
/// use maxent_rl::{LqProblem, RiccatiSolver};
/// use nalgebra::DMatrix;
/// // Scalar: x' = x + u + w, cost x² + u², γ = 0.9. The DARE reads
/// // P = 1 + 0.9P − 0.81P²/(1 + 0.9P); times (1 + 0.9P): 0.9P² − 0.8P − 1 = 0.
/// let m = |v: f64| DMatrix::from_element(1, 1, v);
/// let problem = LqProblem::new(m(1.0), m(1.0), m(1.0), m(1.0), m(0.5), 0.9)?;
/// let solution = RiccatiSolver::new().solve(&problem)?;
/// let exact = (0.8 + (0.64f64 + 3.6).sqrt()) / 1.8;
/// assert!((solution.p[(0, 0)] - exact).abs() < 1e-12);
/// assert!(solution.error_bound <= 1e-10 * exact);
/// # Ok::<(), maxent_rl::LqError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RiccatiSolver {
    /// Stop once the certified bound on `‖P − P*‖₂` is at most `tolerance · ‖P‖_F`.
    /// Default `1e-10`.
    pub tolerance: f64,
    /// Budget of doubling steps (each doubles the horizon). Default `64`.
    pub max_iterations: usize,
}

impl Default for RiccatiSolver {
    fn default() -> Self {
        Self::new()
    }
}

/// The certified solution of the discounted Riccati equation.
#[derive(Debug, Clone, PartialEq)]
pub struct RiccatiSolution {
    /// The cost matrix `P` (`n×n`, symmetric, `⪰ 0`): the LQR cost-to-go is `xᵀPx + const`.
    pub p: DMatrix<f64>,
    /// The gain `K = γ(R + γBᵀPB)⁻¹BᵀPA` (`m×n`): the optimal control is `u = −Kx`.
    pub gain: DMatrix<f64>,
    /// Certified bound on `‖P − P*‖₂` (see [`RiccatiSolver`]).
    pub error_bound: f64,
    /// Doubling steps taken.
    pub iterations: usize,
}

impl RiccatiSolver {
    /// Tolerance `1e-10` (relative), at most 64 doublings.
    pub fn new() -> Self {
        Self {
            tolerance: 1e-10,
            max_iterations: 64,
        }
    }

    /// Sets the relative tolerance on the certified error bound.
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Sets the budget of doubling steps.
    pub fn max_iterations(mut self, max_iterations: usize) -> Self {
        self.max_iterations = max_iterations;
        self
    }

    /// Solves the discounted DARE of `problem`.
    ///
    /// # Errors
    ///
    /// See the type's documentation.
    pub fn solve(&self, problem: &LqProblem) -> Result<RiccatiSolution, LqError> {
        if !(self.tolerance.is_finite() && self.tolerance > 0.0) {
            return Err(LqError::InvalidParameter {
                what: "tolerance",
                value: self.tolerance,
                expected: "finite and > 0",
            });
        }
        let n = problem.state_dim();
        let gamma = problem.discount();
        let (a, b, r) = (problem.a(), problem.b(), problem.action_cost());
        let r_chol = r.clone().cholesky().ok_or(LqError::NotPositiveDefinite {
            what: "R",
            min_eigenvalue: r.clone().symmetric_eigenvalues().min(),
        })?;
        let identity = DMatrix::<f64>::identity(n, n);
        let mut ak = a * gamma.sqrt();
        let mut g = b * r_chol.solve(&b.transpose()) * gamma;
        symmetrise(&mut g);
        let mut h = problem.state_cost().clone();
        let mut last_bound = f64::INFINITY;
        for k in 1..=self.max_iterations {
            let lu = (&identity + &g * &h).lu();
            let (Some(m_inv_a), Some(m_inv_g)) = (lu.solve(&ak), lu.solve(&g)) else {
                return Err(not_converged(k, last_bound));
            };
            let h_next = &h + ak.transpose() * &h * &m_inv_a;
            let g_next = &g + &ak * m_inv_g * ak.transpose();
            ak = &ak * m_inv_a;
            let change = (&h_next - &h).norm();
            h = h_next;
            g = g_next;
            symmetrise(&mut h);
            symmetrise(&mut g);
            if !(h.iter().all(|x| x.is_finite()) && g.iter().all(|x| x.is_finite())) {
                return Err(not_converged(k, last_bound));
            }
            let scale = h.norm();
            // A Frobenius norm that overflows means the costs are unbounded.
            if !scale.is_finite() {
                return Err(not_converged(k, last_bound));
            }
            // Only try the (more expensive) certificate once the iterates have settled.
            if change <= self.tolerance * scale {
                let gain = greedy_gain(problem, &h)?;
                last_bound = certificate(problem, &h, &gain);
                if last_bound.is_finite() && last_bound <= self.tolerance * scale {
                    return Ok(RiccatiSolution {
                        p: h,
                        gain,
                        error_bound: last_bound,
                        iterations: k,
                    });
                }
            }
        }
        Err(not_converged(self.max_iterations, last_bound))
    }
}

fn not_converged(iterations: usize, error_bound: f64) -> LqError {
    LqError::RiccatiNotConverged {
        iterations,
        error_bound,
    }
}

fn symmetrise(m: &mut DMatrix<f64>) {
    let t = m.transpose();
    *m += t;
    *m *= 0.5;
}

/// `K = γ (R + γBᵀPB)⁻¹ BᵀPA`, the greedy gain of the cost matrix `P`.
pub(crate) fn greedy_gain(problem: &LqProblem, p: &DMatrix<f64>) -> Result<DMatrix<f64>, LqError> {
    let gamma = problem.discount();
    let (a, b) = (problem.a(), problem.b());
    let bt_p = b.transpose() * p;
    let hm = problem.action_cost() + &bt_p * b * gamma;
    let chol = hm.clone().cholesky().ok_or(LqError::NotPositiveDefinite {
        what: "R + γBᵀPB",
        min_eigenvalue: hm.symmetric_eigenvalues().min(),
    })?;
    Ok(chol.solve(&(bt_p * a)) * gamma)
}

/// The bound `‖X_J − P‖_F + ‖F_J‖²‖X_J‖/(1 − ‖F_J‖²)` on `‖P_K − P‖₂`, where `P_K` is the
/// cost of the gain `K` (`∞` if `K` does not visibly stabilise `√γ(A − BK)`).
fn certificate(problem: &LqProblem, p: &DMatrix<f64>, gain: &DMatrix<f64>) -> f64 {
    let gamma = problem.discount();
    let mut f = (problem.a() - problem.b() * gain) * gamma.sqrt();
    let mut x = problem.state_cost() + gain.transpose() * problem.action_cost() * gain;
    // 2^60 terms of the Lyapunov sum: far beyond any closed loop the doubling certifies.
    for _ in 0..60 {
        x = &x + f.transpose() * &x * &f;
        f = &f * &f;
        let f2 = f.norm_squared();
        if !(f2.is_finite() && x.iter().all(|v| v.is_finite())) {
            return f64::INFINITY;
        }
        if f2 < 0.5 {
            let tail = f2 * x.norm() / (1.0 - f2);
            // Stop once the tail is far below anything a tolerance can ask for.
            if tail <= f64::EPSILON * x.norm() {
                return (&x - p).norm() + tail;
            }
        }
    }
    f64::INFINITY
}
