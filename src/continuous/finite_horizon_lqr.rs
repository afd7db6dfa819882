//! The finite-horizon maximum-entropy LQR: a backward Riccati recursion.

use nalgebra::DMatrix;

use crate::continuous::lq_error::LqError;
use crate::continuous::lq_problem::LqProblem;

/// The time-indexed soft values and Boltzmann-optimal policies of an [`LqProblem`] over a
/// horizon of `T` steps at temperature `α`, from a terminal value `V_T(x) = −xᵀP_T x`.
///
/// # Formula
///
/// For `t = T−1, …, 0`, with `V_t(x) = −xᵀP_t x − c_t` and `π_t(u|x) = N(−K_t x, Σ_t)`:
///
/// ```text
/// H_t = R + γBᵀP_{t+1}B
/// K_t = γ H_t⁻¹ BᵀP_{t+1}A
/// P_t = Q + γAᵀP_{t+1}A − γ² AᵀP_{t+1}B H_t⁻¹ BᵀP_{t+1}A
/// Σ_t = (α/2) H_t⁻¹
/// c_t = γ tr(P_{t+1}W) + γ c_{t+1} − (α/2) ln det(2πΣ_t),      c_T = 0
/// ```
///
/// the same completion of the square as the infinite-horizon [`MaxEntLqr`](crate::MaxEntLqr)
/// (chapter 11), one step at a time. As `T → ∞`, `P_0` and `c_0` tend to the
/// infinite-horizon `P` and `c` (for `P_T = 0`, from below, geometrically).
///
/// # References
///
/// Bertsekas (2017), *Dynamic Programming and Optimal Control*, vol. I, §3.1 (the
/// finite-horizon Riccati recursion); Levine (2018), *Reinforcement learning and control as
/// probabilistic inference*, §3 (its maximum-entropy form); Todorov (2009).
///
/// # Errors
///
/// [`LqError::InvalidTemperature`] for `α` negative or not finite;
/// [`LqError::DimensionMismatch`] for a terminal matrix of the wrong shape;
/// [`LqError::NonFinite`] / [`LqError::NotSymmetric`] /
/// [`LqError::NotPositiveSemidefinite`] for a bad terminal matrix;
/// [`LqError::InvalidParameter`] for a horizon of 0, or one whose `T + 1` matrices cannot
/// be allocated. A recursion whose matrices overflow returns [`LqError::NonFinite`] naming
/// `"P_t"`; one whose covariance `Σ_t` or constant `c_t` leaves the range of `f64` (an
/// extreme `α` or `W`, or a nearly singular `R`) returns [`LqError::Overflow`] naming
/// `"Σ_t"` (index `t m² + i`) or `"c_t"` (index `t`).
///
/// # Examples
///
/// ```
/// use maxent_rl::{LqProblem, MaxEntLqr, finite_horizon_maxent_lqr};
/// use nalgebra::DMatrix;
/// let m = |v: f64| DMatrix::from_element(1, 1, v);
/// let problem = LqProblem::new(m(0.9), m(1.0), m(1.0), m(1.0), m(0.25), 0.8)?;
/// // One step from V_1 = 0: no future, so P_0 = Q, K_0 = 0, Σ_0 = (α/2)R⁻¹.
/// let one = finite_horizon_maxent_lqr(&problem, 0.5, 1, &m(0.0))?;
/// assert_eq!((one.p[0][(0, 0)], one.gains[0][(0, 0)]), (1.0, 0.0));
/// assert!((one.covariances[0][(0, 0)] - 0.25).abs() < 1e-15);
/// // A long horizon reaches the stationary solution.
/// let long = finite_horizon_maxent_lqr(&problem, 0.5, 200, &m(0.0))?;
/// let stationary = MaxEntLqr::solve(&problem, 0.5)?;
/// assert!((long.constants[0] - stationary.constant()).abs() < 1e-10);
/// # Ok::<(), maxent_rl::LqError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FiniteHorizonMaxEntLqr {
    /// `P_0, …, P_T` (`T + 1` matrices; `P_T` is the terminal one).
    pub p: Vec<DMatrix<f64>>,
    /// `c_0, …, c_T` (`c_T = 0`).
    pub constants: Vec<f64>,
    /// `K_0, …, K_{T−1}`: the policy at time `t` has mean `−K_t x`.
    pub gains: Vec<DMatrix<f64>>,
    /// `Σ_0, …, Σ_{T−1}` (zero at `α = 0`).
    pub covariances: Vec<DMatrix<f64>>,
}

/// Runs the backward recursion of [`FiniteHorizonMaxEntLqr`] for `horizon` steps from the
/// terminal matrix `p_terminal`.
///
/// # Errors
///
/// See [`FiniteHorizonMaxEntLqr`].
pub fn finite_horizon_maxent_lqr(
    problem: &LqProblem,
    alpha: f64,
    horizon: usize,
    p_terminal: &DMatrix<f64>,
) -> Result<FiniteHorizonMaxEntLqr, LqError> {
    if !(alpha.is_finite() && alpha >= 0.0) {
        return Err(LqError::InvalidTemperature { value: alpha });
    }
    if horizon == 0 {
        return Err(LqError::InvalidParameter {
            what: "horizon",
            value: 0.0,
            expected: "≥ 1",
        });
    }
    let (n, m) = (problem.state_dim(), problem.action_dim());
    if p_terminal.shape() != (n, n) {
        return Err(LqError::DimensionMismatch {
            what: "p_terminal",
            expected: (n, n),
            found: p_terminal.shape(),
        });
    }
    // Validate the terminal matrix the way LqProblem validates Q.
    LqProblem::new(
        problem.a().clone(),
        problem.b().clone(),
        p_terminal.clone(),
        problem.action_cost().clone(),
        problem.noise_cov().clone(),
        problem.discount(),
    )
    .map_err(|e| match e {
        LqError::NonFinite {
            row, col, value, ..
        } => LqError::NonFinite {
            what: "p_terminal",
            row,
            col,
            value,
        },
        LqError::NotSymmetric {
            row,
            col,
            asymmetry,
            ..
        } => LqError::NotSymmetric {
            what: "p_terminal",
            row,
            col,
            asymmetry,
        },
        LqError::NotPositiveSemidefinite { min_eigenvalue, .. } => {
            LqError::NotPositiveSemidefinite {
                what: "p_terminal",
                min_eigenvalue,
            }
        }
        other => other,
    })?;
    let gamma = problem.discount();
    let (a, b, q, r, w) = (
        problem.a(),
        problem.b(),
        problem.state_cost(),
        problem.action_cost(),
        problem.noise_cov(),
    );
    check_horizon_fits(horizon, n, m)?;
    let mut p = vec![DMatrix::zeros(n, n); horizon + 1];
    let mut constants = vec![0.0; horizon + 1];
    let mut gains = vec![DMatrix::zeros(m, n); horizon];
    let mut covariances = vec![DMatrix::zeros(m, m); horizon];
    p[horizon] = p_terminal.clone();
    let ln_pi_alpha = (std::f64::consts::PI * alpha).ln();
    for t in (0..horizon).rev() {
        let next = &p[t + 1];
        let bt_p = b.transpose() * next;
        let mut h = r + &bt_p * b * gamma;
        h = (&h + h.transpose()) * 0.5;
        let chol = h.clone().cholesky().ok_or(LqError::NotPositiveDefinite {
            what: "R + γBᵀP_{t+1}B",
            min_eigenvalue: h.clone().symmetric_eigenvalues().min(),
        })?;
        let bt_p_a = &bt_p * a;
        let gain = chol.solve(&bt_p_a) * gamma;
        let mut p_t = q + a.transpose() * next * a * gamma - bt_p_a.transpose() * &gain * gamma;
        p_t = (&p_t + p_t.transpose()) * 0.5;
        if let Some(i) = p_t.iter().position(|v| !v.is_finite()) {
            return Err(LqError::NonFinite {
                what: "P_t",
                row: i % n,
                col: i / n,
                value: p_t[i],
            });
        }
        let entropy_term = if alpha > 0.0 {
            let log_det_h: f64 = 2.0 * chol.l().diagonal().iter().map(|d| d.ln()).sum::<f64>();
            covariances[t] = chol.inverse() * (alpha / 2.0);
            if let Some(index) = covariances[t].iter().position(|v| !v.is_finite()) {
                return Err(LqError::Overflow {
                    what: "Σ_t",
                    index: t * m * m + index,
                });
            }
            0.5 * alpha * (m as f64 * ln_pi_alpha - log_det_h)
        } else {
            0.0
        };
        constants[t] = gamma * (next * w).trace() + gamma * constants[t + 1] - entropy_term;
        if !constants[t].is_finite() {
            return Err(LqError::Overflow {
                what: "c_t",
                index: t,
            });
        }
        gains[t] = gain;
        p[t] = p_t;
    }
    Ok(FiniteHorizonMaxEntLqr {
        p,
        constants,
        gains,
        covariances,
    })
}

/// [`LqError::InvalidParameter`] naming the horizon unless its `T + 1` matrices
/// (`P_t`, `K_t`, `Σ_t`: `n² + mn + m²` entries and a constant per step) can be allocated.
fn check_horizon_fits(horizon: usize, n: usize, m: usize) -> Result<(), LqError> {
    let too_large = LqError::InvalidParameter {
        what: "horizon",
        value: horizon as f64,
        expected: "a horizon whose T + 1 matrices fit in memory",
    };
    let per_step = n
        .checked_mul(n)
        .and_then(|nn| nn.checked_add(m.checked_mul(n)?))
        .and_then(|x| x.checked_add(m.checked_mul(m)?))
        .and_then(|x| x.checked_add(1));
    let bytes = per_step
        .and_then(|x| x.checked_mul(horizon.checked_add(1)?))
        .and_then(|x| x.checked_mul(std::mem::size_of::<f64>()));
    match bytes {
        Some(bytes) if Vec::<u8>::new().try_reserve_exact(bytes).is_ok() => Ok(()),
        _ => Err(too_large),
    }
}
