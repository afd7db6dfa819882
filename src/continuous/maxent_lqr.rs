//! The maximum-entropy LQR: soft value and Boltzmann-optimal Gaussian policy in closed
//! form.

use nalgebra::{DMatrix, DVector};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::continuous::lq_error::{LqError, check_finite_output};
use crate::continuous::lq_problem::{LqProblem, check_vector};
use crate::continuous::riccati::{RiccatiSolution, RiccatiSolver};

/// The optimal soft value and policy of an [`LqProblem`] at temperature `α`.
///
/// # Formula
///
/// With reward `r = −(xᵀQx + uᵀRu)` plus the entropy bonus `α H(π(·|x))` at every step,
/// the soft value and the Boltzmann-optimal policy `π(u|x) ∝ exp(Q(x, u)/α)` are
///
/// ```text
/// V(x)   = −xᵀPx − c
/// π(u|x) = N(u; −Kx, Σ)
/// P      = Q + γAᵀPA − γ²AᵀPB(R + γBᵀPB)⁻¹BᵀPA     (the LQR Riccati equation, for every α)
/// K      = γ(R + γBᵀPB)⁻¹BᵀPA                       (the LQR gain, for every α)
/// Σ      = (α/2)(R + γBᵀPB)⁻¹
/// c      = [γ tr(PW) − (α/2) ln det(2πΣ)] / (1 − γ)
/// H(π)   = ½ ln det(2πeΣ)
/// ```
///
/// Chapter 11 derives these: the soft Q-function is quadratic in `u` with Hessian
/// `−2(R + γBᵀPB)`, so `exp(Q/α)` is a Gaussian whose mean does not depend on `α` and
/// whose log-normaliser `(α/2) ln det(2πΣ)` only shifts the constant `c`. At `α = 0`
/// the policy is the deterministic LQR control and `c = γ tr(PW)/(1 − γ)`.
///
/// # References
///
/// Haarnoja, Tang, Abbeel & Levine (2017), *Reinforcement learning with deep energy-based
/// policies*, ICML (the soft Bellman equation, eq. 2–4, and Boltzmann policy, eq. 5);
/// Todorov (2009), *Efficient computation of optimal actions*, PNAS 106(28) (linearly
/// solvable control, whose Gaussian case this is); Levine (2018), *Reinforcement learning
/// and control as probabilistic inference*, §3 (the linear–Gaussian case).
///
/// # Numerical stability
///
/// `ln det(2πΣ) = m ln(πα) − ln det(R + γBᵀPB)` is computed from the Cholesky factor of
/// `R + γBᵀPB`, never from `det` of a possibly tiny `Σ`, so small `α` does not underflow.
///
/// # Errors
///
/// [`MaxEntLqr::solve`] returns [`LqError::InvalidTemperature`] for `α` negative or not
/// finite; [`LqError::Overflow`] naming `"Σ"`, `"ln det(2πΣ)"` or `"c"` if one of them
/// leaves the range of `f64` (`α` extreme, or `R + γBᵀPB` nearly singular, as for a
/// subnormal `R`); and the errors of [`RiccatiSolver::solve`].
///
/// # Examples
///
/// ```
/// use maxent_rl::{LqProblem, MaxEntLqr};
/// use nalgebra::{DMatrix, DVector};
/// let m = |v: f64| DMatrix::from_element(1, 1, v);
/// let problem = LqProblem::new(m(1.0), m(1.0), m(1.0), m(1.0), m(0.5), 0.9)?;
/// let cold = MaxEntLqr::solve(&problem, 0.0)?;
/// let warm = MaxEntLqr::solve(&problem, 0.5)?;
/// // The same gain at every temperature; the noise grows with α.
/// assert_eq!(cold.gain(), warm.gain());
/// assert_eq!(cold.covariance()[(0, 0)], 0.0);
/// let h = 1.0 + 0.9 * warm.p()[(0, 0)];                 // R + γBᵀPB
/// assert!((warm.covariance()[(0, 0)] - 0.25 / h).abs() < 1e-15);
/// // V(x) = −xᵀPx − c.
/// let x = DVector::from_element(1, 2.0);
/// assert!((warm.value(&x)? + 4.0 * warm.p()[(0, 0)] + warm.constant()).abs() < 1e-12);
/// # Ok::<(), maxent_rl::LqError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MaxEntLqr {
    problem: LqProblem,
    alpha: f64,
    riccati: RiccatiSolution,
    covariance: DMatrix<f64>,
    cov_factor: DMatrix<f64>,
    /// `(2/α)(R + γBᵀPB)`, `Σ⁻¹` (zero matrix at `α = 0`, where it is not used).
    precision: DMatrix<f64>,
    log_det_2pi_sigma: f64,
    constant: f64,
}

impl MaxEntLqr {
    /// Solves the Riccati equation with [`RiccatiSolver::new`] and builds the soft-optimal
    /// solution at temperature `α ≥ 0`.
    ///
    /// # Errors
    ///
    /// See the type's documentation.
    pub fn solve(problem: &LqProblem, alpha: f64) -> Result<Self, LqError> {
        check_alpha(alpha)?;
        let riccati = RiccatiSolver::new().solve(problem)?;
        Self::from_riccati(problem, alpha, riccati)
    }

    /// Builds the soft-optimal solution from an already computed Riccati solution (which
    /// does not depend on `α`, so one solve serves every temperature).
    ///
    /// # Errors
    ///
    /// [`LqError::InvalidTemperature`] (as for [`MaxEntLqr::solve`]);
    /// [`LqError::DimensionMismatch`] if `riccati` is not of this problem's shape.
    pub fn from_riccati(
        problem: &LqProblem,
        alpha: f64,
        riccati: RiccatiSolution,
    ) -> Result<Self, LqError> {
        check_alpha(alpha)?;
        let (n, m) = (problem.state_dim(), problem.action_dim());
        if riccati.p.shape() != (n, n) {
            return Err(LqError::DimensionMismatch {
                what: "P",
                expected: (n, n),
                found: riccati.p.shape(),
            });
        }
        if riccati.gain.shape() != (m, n) {
            return Err(LqError::DimensionMismatch {
                what: "K",
                expected: (m, n),
                found: riccati.gain.shape(),
            });
        }
        let gamma = problem.discount();
        let p = &riccati.p;
        let b = problem.b();
        let mut hm = problem.action_cost() + b.transpose() * p * b * gamma;
        hm = (&hm + hm.transpose()) * 0.5;
        let chol = hm.clone().cholesky().ok_or(LqError::NotPositiveDefinite {
            what: "R + γBᵀPB",
            min_eigenvalue: hm.clone().symmetric_eigenvalues().min(),
        })?;
        let log_det_h: f64 = 2.0 * chol.l().diagonal().iter().map(|d| d.ln()).sum::<f64>();
        let trace_pw = (p * problem.noise_cov()).trace();
        let (covariance, cov_factor, precision, log_det_2pi_sigma, entropy_term) = if alpha > 0.0 {
            let h_inv = chol.inverse();
            let mut sigma = h_inv * (alpha / 2.0);
            sigma = (&sigma + sigma.transpose()) * 0.5;
            let factor = sigma
                .clone()
                .cholesky()
                .ok_or(LqError::NotPositiveDefinite {
                    what: "Σ",
                    min_eigenvalue: sigma.clone().symmetric_eigenvalues().min(),
                })?
                .l();
            let ld = m as f64 * (std::f64::consts::PI * alpha).ln() - log_det_h;
            (sigma, factor, &hm * (2.0 / alpha), ld, 0.5 * alpha * ld)
        } else {
            let zero = DMatrix::zeros(m, m);
            (zero.clone(), zero.clone(), zero, f64::NEG_INFINITY, 0.0)
        };
        let constant = (gamma * trace_pw - entropy_term) / (1.0 - gamma);
        // An extreme α, or a nearly singular R + γBᵀPB, can push Σ or c out of f64.
        check_finite_output("Σ", covariance.as_slice())?;
        if alpha > 0.0 {
            check_finite_output("ln det(2πΣ)", &[log_det_2pi_sigma])?;
        }
        check_finite_output("c", &[constant])?;
        Ok(Self {
            problem: problem.clone(),
            alpha,
            riccati,
            covariance,
            cov_factor,
            precision,
            log_det_2pi_sigma,
            constant,
        })
    }

    /// The temperature `α`.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// The problem this solves.
    pub fn problem(&self) -> &LqProblem {
        &self.problem
    }

    /// The value matrix `P` (the LQR one, for every `α`).
    pub fn p(&self) -> &DMatrix<f64> {
        &self.riccati.p
    }

    /// The mean gain `K` (the LQR one, for every `α`): the policy's mean is `−Kx`.
    pub fn gain(&self) -> &DMatrix<f64> {
        &self.riccati.gain
    }

    /// The Riccati solution with its certificate.
    pub fn riccati(&self) -> &RiccatiSolution {
        &self.riccati
    }

    /// The policy covariance `Σ = (α/2)(R + γBᵀPB)⁻¹` (zero at `α = 0`).
    pub fn covariance(&self) -> &DMatrix<f64> {
        &self.covariance
    }

    /// The constant `c = [γ tr(PW) − (α/2) ln det(2πΣ)]/(1 − γ)` of `V(x) = −xᵀPx − c`.
    pub fn constant(&self) -> f64 {
        self.constant
    }

    /// The policy's entropy `½ ln det(2πeΣ)` in nats, the same in every state (`−∞` at
    /// `α = 0`).
    pub fn entropy(&self) -> f64 {
        0.5 * (self.log_det_2pi_sigma + self.problem.action_dim() as f64)
    }

    /// The soft value `V(x) = −xᵀPx − c`.
    ///
    /// # Errors
    ///
    /// [`LqError::DimensionMismatch`] or [`LqError::NonFinite`] for a bad `x`;
    /// [`LqError::Overflow`] naming `"V(x)"` if the value overflows `f64`.
    pub fn value(&self, x: &DVector<f64>) -> Result<f64, LqError> {
        self.problem.check_state(x)?;
        let v = -x.dot(&(&self.riccati.p * x)) - self.constant;
        check_finite_output("V(x)", &[v])?;
        Ok(v)
    }

    /// The soft Q-function
    /// `Q(x, u) = −xᵀQx − uᵀRu − γ[(Ax + Bu)ᵀP(Ax + Bu) + tr(PW) + c]`.
    ///
    /// # Errors
    ///
    /// [`LqError::DimensionMismatch`] or [`LqError::NonFinite`] for a bad `x` or `u`;
    /// [`LqError::Overflow`] naming `"r(x, u)"` or `"Q(x, u)"` if the value overflows `f64`.
    pub fn q_value(&self, x: &DVector<f64>, u: &DVector<f64>) -> Result<f64, LqError> {
        let r = self.problem.reward(x, u)?;
        let next = self.problem.a() * x + self.problem.b() * u;
        let p = &self.riccati.p;
        let expected_next =
            -next.dot(&(p * &next)) - (p * self.problem.noise_cov()).trace() - self.constant;
        let q = r + self.problem.discount() * expected_next;
        check_finite_output("Q(x, u)", &[q])?;
        Ok(q)
    }

    /// The policy mean `−Kx`.
    ///
    /// # Errors
    ///
    /// [`LqError::DimensionMismatch`] or [`LqError::NonFinite`] for a bad `x`;
    /// [`LqError::Overflow`] naming `"−Kx"` if the mean overflows `f64`.
    pub fn mean_action(&self, x: &DVector<f64>) -> Result<DVector<f64>, LqError> {
        self.problem.check_state(x)?;
        let mean = -(&self.riccati.gain * x);
        check_finite_output("−Kx", mean.as_slice())?;
        Ok(mean)
    }

    /// Samples `u ~ N(−Kx, Σ)` and returns it with `ln π(u|x)` (`+∞` at `α = 0`, where
    /// the policy is deterministic and has no density).
    ///
    /// # Errors
    ///
    /// As [`MaxEntLqr::mean_action`], and [`LqError::Overflow`] naming `"u"` if the sample
    /// overflows `f64`.
    pub fn sample_action<R: Rng + ?Sized>(
        &self,
        x: &DVector<f64>,
        rng: &mut R,
    ) -> Result<(DVector<f64>, f64), LqError> {
        let mean = self.mean_action(x)?;
        let m = self.problem.action_dim();
        let eps = DVector::from_iterator(m, (0..m).map(|_| StandardNormal.sample(rng)));
        let log_prob = if self.alpha > 0.0 {
            -0.5 * (eps.norm_squared() + self.log_det_2pi_sigma)
        } else {
            f64::INFINITY
        };
        let u = mean + &self.cov_factor * eps;
        check_finite_output("u", u.as_slice())?;
        Ok((u, log_prob))
    }

    /// The log-density `ln π(u|x) = −½[(u + Kx)ᵀΣ⁻¹(u + Kx) + ln det(2πΣ)]`.
    ///
    /// # Errors
    ///
    /// [`LqError::InvalidTemperature`] at `α = 0` (no density);
    /// [`LqError::DimensionMismatch`] or [`LqError::NonFinite`] for a bad `x` or `u`;
    /// [`LqError::Overflow`] for a mean that overflows (as [`MaxEntLqr::mean_action`]), or
    /// naming `"ln π(u|x)"` if the quadratic form overflows into NaN (`u − mean` beyond
    /// `f64::MAX`). Otherwise the
    /// log-density may be `−∞`, the rounded value for a `u` so far in the tail that it lies
    /// below `−f64::MAX`; it is never `+∞`.
    pub fn log_prob(&self, x: &DVector<f64>, u: &DVector<f64>) -> Result<f64, LqError> {
        if self.alpha == 0.0 {
            return Err(LqError::InvalidTemperature { value: 0.0 });
        }
        check_vector("u", u, self.problem.action_dim())?;
        let d = u - self.mean_action(x)?;
        let lp = -0.5 * (d.dot(&(&self.precision * &d)) + self.log_det_2pi_sigma);
        if lp.is_nan() {
            return Err(LqError::Overflow {
                what: "ln π(u|x)",
                index: 0,
            });
        }
        Ok(lp)
    }
}

fn check_alpha(alpha: f64) -> Result<(), LqError> {
    if !(alpha.is_finite() && alpha >= 0.0) {
        return Err(LqError::InvalidTemperature { value: alpha });
    }
    Ok(())
}
