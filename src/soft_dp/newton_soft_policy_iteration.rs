//! Soft policy iteration as Newton's method, with a Gauss–Seidel global phase in goal
//! order, a matrix-free, warm-started, Gauss–Seidel-preconditioned iterative (BiCGSTAB)
//! policy evaluation and a certified stopping rule.

use crate::soft_dp::boltzmann::boltzmann_policy;
use crate::soft_dp::soft_bellman::{q_from_v_unchecked, soft_state_value};
use crate::soft_dp::soft_value_iteration::Termination;
use crate::tabular::mdp::Mdp;
use crate::tabular::mdp_error::{
    MdpError, check_alpha, check_len, check_tolerance, check_value_bound, check_values,
};
use crate::tabular::tabular_policy::TabularPolicy;

/// Configuration of Newton soft policy iteration: soft policy iteration whose evaluation
/// step is an inexact, matrix-free, preconditioned iterative solve, warm-started from one
/// soft Bellman backup, started by a few Gauss–Seidel sweeps in goal order, and
/// safeguarded by plain soft value iteration.
///
/// # Formula
///
/// Write `F(V) = V − T_α V` for the soft Bellman residual. Its Jacobian is
/// `I − γ P_π`, where `π = π_V` is the Boltzmann policy `π(a|s) ∝ exp(Q_V(s, a)/α)` of
/// `Q_V = r + γ P V` and `P_π(s, s') = Σ_a π(a|s) P(s'|s, a)`. Newton's step solves
///
/// ```text
/// (I − γ P_π) V_{k+1} = T_α V_k − γ P_π V_k  =  r_π + α H_π
/// ```
///
/// which is exactly the soft policy evaluation of `π_{V_k}`: Newton's method on `F` is
/// soft policy iteration. Here the linear system is solved only to a relative accuracy
/// (an inexact Newton step, forcing term `min(0.01, 0.1 ‖F(V_k)‖∞)`) by BiCGSTAB, which
/// needs only products `x ↦ x − γ P_π x` (one pass over the sparse transitions each) and
/// starts from `T_α V_k`. BiCGSTAB is right-preconditioned by Gauss–Seidel: `M` is the
/// lower triangle (diagonal included) of `I − γ P_π` with the states in *goal order*,
/// breadth-first from the terminal states against the transitions, so `M⁻¹` is one
/// forward substitution. When `π` heads for the goal, `I − γ P_π` is nearly lower
/// triangular in that order and `M⁻¹` nearly its inverse: a Krylov method alone moves
/// information one transition per product, and on a 100 × 100 gridworld needed ≈ 100
/// products per solve. Each outer iteration costs one soft Bellman sweep, which also
/// gives the certificate
///
/// ```text
/// ‖V_k − V*‖∞ ≤ ‖T_α V_k − V_k‖∞ / (1 − γ)
/// ```
///
/// and the solver stops when it is at most the tolerance: the same certificate as
/// [`SoftPolicyIteration`](crate::SoftPolicyIteration), valid however inexact the
/// inner solve was. *Safeguard:* if `V_k` is a sub-solution (`T_α V_k ≥ V_k`), exact
/// soft policy iteration stays one and increases monotonically to `V*`; an inexact step
/// with linear residual `e` gives `T_α V_{k+1} ≥ V_{k+1} − ‖e‖∞`. A Newton iterate is kept
/// if it is a sub-solution up to that inner tolerance, or if its residual is at most `γ`
/// times the previous one (what one plain sweep guarantees); otherwise, or if the inner
/// solve breaks down or leaves the value range, it is replaced by the plain soft value
/// iteration step `T_α V_k`. [`run`](Self::run) starts from the constant sub-solution
/// `V_0 = min(0, min_{s,a} r(s, a))/(1 − γ)`. Near `V*` the steps converge superlinearly
/// (Newton with forcing terms tending to 0).
///
/// *Global phase:* before the first Newton step, up to
/// [`gauss_seidel_sweeps`](Self::gauss_seidel_sweeps()) in-place soft Bellman sweeps in
/// goal order (`V(s) ← (T_α V)(s)` with the entries already updated in this sweep),
/// ending as soon as one changes `V` by more than half as much as the sweep before it.
/// An MDP in which no state reaches a terminal state has no goal order: there both the
/// sweeps and the preconditioner are skipped (on a dense random MDP with `S = 1000`,
/// `A = 8`, Gauss–Seidel in index order made the run 3× slower).
/// From a pessimistic start a single sweep in goal order carries the goal's value across
/// the whole grid, which plain iteration needs as many sweeps as the grid is wide for,
/// and policy iteration from the uniform policy as many Newton steps as it takes the
/// good region to grow. In-place sweeps of the monotone operator keep a sub-solution a
/// sub-solution. They need no certificate of their own: the first Newton sweep
/// certifies their result.
///
/// *What is not proven:* the residual test alone would make every kept step at least as
/// good as a plain sweep, but it rejects most steps of policy iteration's global phase,
/// whose residuals rise before they fall. The sub-solution test lets those through, and
/// with it convergence from every start is not proven: the inexactness allowance can add
/// up. Without the Gauss–Seidel phase and preconditioner, with the forcing term capped at
/// 0.5, we saw the 100 × 100 gridworld at `γ = 0.999` fail to converge in 10 000 sweeps
/// (a strict test, `T_α V_{k+1} ≥ V_{k+1}` with `V_{k+1} ≥ T_α V_k`, is provably
/// convergent but 4–5× slower there). The goal order helps only where the terminal states
/// are where the value comes from; on an MDP without terminal states it is the index
/// order. What always holds is the certificate and the budget: a run that does not
/// converge ends with [`Termination::MaxIterations`] and an honest, finite bound.
///
/// # References
///
/// Puterman and Brumelle (1979), *On the convergence of policy iteration in stationary
/// dynamic programming* (policy iteration is Newton's method); Puterman (1994), §6.4–6.5
/// (policy iteration, modified policy iteration); Haarnoja et al. (2018), *Soft
/// Actor-Critic*, Lemma 2 (soft policy improvement); Dembo, Eisenstat and Steihaug
/// (1982), *Inexact Newton methods* (forcing terms); van der Vorst (1992), *Bi-CGSTAB*,
/// Algorithm 1 (the inner solver); Saad (2003), *Iterative Methods for Sparse Linear
/// Systems*, §7.4.2 and §9.3 (right preconditioning), §4.1 (Gauss–Seidel); Bertsekas
/// (2012), *Dynamic Programming and Optimal Control*, vol. II, §2.6 (Gauss–Seidel value
/// iteration and the ordering of states).
///
/// # Numerical stability
///
/// The sweep evaluates each soft maximum as the shifted log-sum-exp of
/// [`soft_state_value`](crate::soft_state_value) and the policy from the same shifted
/// exponentials, so nothing overflows for any `α ≥ 0`; the Newton right-hand side is
/// formed as `T_α V − γ P_π V` without `ln π`, so `0 · ln 0` never arises. The matrix
/// `I − γ P_π` is a nonsingular M-matrix with `‖(I − γ P_π)⁻¹‖∞ ≤ 1/(1 − γ)`, so the
/// inner solve is well conditioned for moderate `γ`; BiCGSTAB's recursively updated
/// residual can drift from the true one, which is harmless here because the certificate
/// is recomputed from scratch by the sweep. Iterates with `‖V‖∞` above twice the value
/// bound `(max|r| + α ln A)/(1 − γ)` (which `V*` satisfies) are rejected, so no sweep can
/// overflow. Every buffer (thirteen of length `S`, two of length `S · A`, the goal order
/// and, while it is built, the predecessor lists, one `u32` per stored transition) is
/// allocated once per run; the iterations allocate nothing.
///
/// # Errors
///
/// [`NewtonSoftPolicyIteration::run`] returns [`MdpError::InvalidTemperature`],
/// [`MdpError::InvalidParameter`] for a negative or non-finite tolerance,
/// [`MdpError::DiscountNotBelowOne`] for `γ = 1`, [`MdpError::ValuesOutOfRange`] when the
/// value bound exceeds [`VALUE_BOUND_MAX`](crate::VALUE_BOUND_MAX); `run_from` also
/// [`MdpError::DimensionMismatch`] and [`MdpError::NonFiniteValue`] for a bad `V_0`.
///
/// # Examples
///
/// ```
/// use maxent_rl::{Gridworld, NewtonSoftPolicyIteration, SoftValueIteration, Termination};
/// let mdp = Gridworld::new(20, 20).slip(0.1).build(0.99)?;
/// let newton = NewtonSoftPolicyIteration::new(0.1).tolerance(1e-10).run(&mdp)?;
/// assert_eq!(newton.termination, Termination::Converged);
/// assert!(newton.error_bound <= 1e-10);
/// let vi = SoftValueIteration::new(0.1).tolerance(1e-10).run(&mdp)?;
/// // Both are within 1e-10 of V*, so within 2e-10 of each other.
/// assert!(newton.values.iter().zip(&vi.values).all(|(a, b)| (a - b).abs() <= 2e-10));
/// assert!(newton.sweeps * 5 < vi.iterations);
/// # Ok::<(), maxent_rl::MdpError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NewtonSoftPolicyIteration {
    /// Temperature `α ≥ 0` (0: Howard's policy iteration with an inexact evaluation).
    pub alpha: f64,
    /// Stop once `‖T_α V_k − V_k‖∞/(1−γ) ≤ tolerance`. Default `1e-8`.
    pub tolerance: f64,
    /// Budget of soft Bellman sweeps (outer iterations and Gauss–Seidel sweeps, which
    /// always leave one for the certificate). Default `10_000`.
    pub max_iterations: usize,
    /// Budget of BiCGSTAB iterations per Newton step (two products with `P_π` each).
    /// Default `1000`.
    pub max_inner_iterations: usize,
    /// Budget of Gauss–Seidel soft Bellman sweeps before the Newton phase (0: none).
    /// Default `100`; the phase also ends as soon as a sweep changes `V` by more than
    /// half as much as the sweep before it.
    pub gauss_seidel_sweeps: usize,
}

/// What Newton soft policy iteration returns.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct NewtonSoftPolicyIterationResult {
    /// The temperature the values belong to.
    pub alpha: f64,
    /// Number of actions (the row length of `q_values`).
    pub num_actions: usize,
    /// The returned iterate `V_k`, one entry per state.
    pub values: Vec<f64>,
    /// `Q_k(s, a) = r(s, a) + γ Σ P(s' | s, a) V_k(s')`, flat (`s · A + a`); 0 at terminal
    /// states.
    pub q_values: Vec<f64>,
    /// Soft Bellman sweeps performed (outer iterations, rejected Newton steps included).
    pub sweeps: usize,
    /// Products `x ↦ x − γ P_π x` performed by the inner solves, in total (all but the
    /// first of each solve follow a Gauss–Seidel preconditioner solve of about the same
    /// cost).
    pub matrix_vector_products: usize,
    /// Newton steps replaced by the plain soft value iteration step (safeguard).
    pub fallback_steps: usize,
    /// Gauss–Seidel sweeps of the global phase (included in `sweeps`).
    pub gauss_seidel_sweeps: usize,
    /// Certified `‖V_k − V*‖∞ ≤ error_bound` (`‖T_α V_k − V_k‖∞/(1−γ)`, or
    /// `γ ‖T_α V_{k−1} − V_{k−1}‖∞/(1−γ)` when `V_k = T_α V_{k−1}` was a fallback step).
    pub error_bound: f64,
    /// Why it stopped.
    pub termination: Termination,
}

impl NewtonSoftPolicyIterationResult {
    /// The Boltzmann policy `π(a | s) ∝ exp(Q_k(s, a)/α)` of the result.
    ///
    /// # Errors
    ///
    /// [`MdpError::NonFiniteValue`] if the values overflowed.
    pub fn policy(&self) -> Result<TabularPolicy, MdpError> {
        boltzmann_policy(&self.q_values, self.num_actions, self.alpha)
    }
}

impl NewtonSoftPolicyIteration {
    /// Newton soft policy iteration at temperature `α`, tolerance `1e-8`, at most
    /// `10_000` sweeps, `1000` BiCGSTAB iterations per Newton step, and at most `100`
    /// Gauss–Seidel sweeps first.
    pub fn new(alpha: f64) -> Self {
        Self {
            alpha,
            tolerance: 1e-8,
            max_iterations: 10_000,
            max_inner_iterations: 1000,
            gauss_seidel_sweeps: 100,
        }
    }

    /// Sets the tolerance on the certified error bound.
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Sets the budget of sweeps (outer iterations).
    pub fn max_iterations(mut self, max_iterations: usize) -> Self {
        self.max_iterations = max_iterations;
        self
    }

    /// Sets the budget of BiCGSTAB iterations per Newton step.
    pub fn max_inner_iterations(mut self, max_inner_iterations: usize) -> Self {
        self.max_inner_iterations = max_inner_iterations;
        self
    }

    /// Sets the budget of Gauss–Seidel sweeps before the Newton phase (0 turns the
    /// phase off).
    pub fn gauss_seidel_sweeps(mut self, gauss_seidel_sweeps: usize) -> Self {
        self.gauss_seidel_sweeps = gauss_seidel_sweeps;
        self
    }

    /// Runs from the constant sub-solution `V_0 = min(0, min_{s,a} r(s, a))/(1 − γ)`
    /// (terminal states' rewards excluded), where `T_α V_0 ≥ V_0`.
    ///
    /// # Errors
    ///
    /// See the type's documentation.
    pub fn run(&self, mdp: &Mdp) -> Result<NewtonSoftPolicyIterationResult, MdpError> {
        check_alpha(self.alpha)?;
        mdp.check_infinite_horizon()?;
        // |start| ≤ max|r|/(1 − γ) ≤ the value bound: finite once the bound is checked, so a
        // huge reward is reported as out of range, not as a bad V_0 the caller never passed.
        check_value_bound(mdp.value_bound(self.alpha, None))?;
        let lowest_reward = mdp
            .rewards()
            .chunks_exact(mdp.num_actions())
            .zip(mdp.terminal_states())
            .filter(|(_, t)| !**t)
            .flat_map(|(row, _)| row.iter())
            .fold(0.0f64, |m, &r| m.min(r));
        let start = lowest_reward / (1.0 - mdp.discount());
        self.run_from(mdp, &vec![start; mdp.num_states()])
    }

    /// Runs from a given `V_0` (a warm start, e.g. the previous solution when only the
    /// rewards changed, as between the steps of an IRL fit).
    ///
    /// # Errors
    ///
    /// See the type's documentation.
    pub fn run_from(
        &self,
        mdp: &Mdp,
        v0: &[f64],
    ) -> Result<NewtonSoftPolicyIterationResult, MdpError> {
        check_alpha(self.alpha)?;
        check_tolerance(self.tolerance)?;
        mdp.check_infinite_horizon()?;
        check_len("v0", v0.len(), mdp.num_states())?;
        check_values("v0", v0)?;
        let v0_max = v0.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let value_bound = mdp.value_bound(self.alpha, None).max(v0_max);
        check_value_bound(value_bound)?;
        let (n, k) = (mdp.num_states(), mdp.num_actions());
        let gamma = mdp.discount();
        let scale = 1.0 / (1.0 - gamma);
        let mut v = v0.to_vec();
        let mut tv = vec![0.0; n];
        let mut tv_prev = vec![0.0; n];
        let mut rhs = vec![0.0; n];
        let mut q = vec![0.0; n * k];
        let mut pi = vec![0.0; n * k];
        let mut work = BiCgStabWork::new(n);
        let mut sweeps = 0;
        let mut matrix_vector_products = 0;
        let mut fallback_steps = 0;
        let mut error_bound = f64::INFINITY;
        let mut termination = Termination::MaxIterations;
        // Residual at the point the pending Newton step started from.
        let mut pending_from: Option<f64> = None;
        let mut previous_target = 0.0;
        // Global phase: Gauss–Seidel sweeps in goal order, leaving at least one sweep of
        // the budget for the certificate.
        let gs_budget = self
            .gauss_seidel_sweeps
            .min(self.max_iterations.saturating_sub(1));
        let mut gauss_seidel_sweeps = 0;
        // Whether `q` holds `r + γ P v` for the `v` returned (the last sweep was at it).
        let mut q_is_current = false;
        let order = goal_order(mdp);
        let mut policy_matrix = PolicyMatrix::new(n, &order);
        if gs_budget > 0 && !order.is_empty() {
            let mut last_change = f64::INFINITY;
            while gauss_seidel_sweeps < gs_budget {
                let change = gauss_seidel_sweep(mdp, self.alpha, &order, &mut v, &mut q);
                gauss_seidel_sweeps += 1;
                if !change.is_finite() {
                    return Err(MdpError::ValuesOutOfRange { bound: change });
                }
                if change * gamma * scale <= self.tolerance || change > 0.5 * last_change {
                    break;
                }
                last_change = change;
            }
            sweeps += gauss_seidel_sweeps;
        }
        while sweeps < self.max_iterations {
            let (residual, lowest_increase) =
                newton_sweep(mdp, self.alpha, &v, &mut tv, &mut q, &mut pi, &mut rhs);
            sweeps += 1;
            if !residual.is_finite() {
                return Err(MdpError::ValuesOutOfRange { bound: residual });
            }
            if let Some(previous) = pending_from.take()
                && residual > gamma * previous
                && lowest_increase < -previous_target
            {
                // Safeguard: the Newton iterate did worse than one plain sweep would have.
                std::mem::swap(&mut v, &mut tv_prev);
                fallback_steps += 1;
                error_bound = gamma * previous * scale;
                if error_bound <= self.tolerance {
                    termination = Termination::Converged;
                    break;
                }
                continue;
            }
            error_bound = residual * scale;
            if error_bound <= self.tolerance || sweeps == self.max_iterations {
                if error_bound <= self.tolerance {
                    termination = Termination::Converged;
                }
                q_is_current = true;
                break;
            }
            // The inexact Newton step from V, warm-started at T V.
            tv_prev.copy_from_slice(&tv);
            v.copy_from_slice(&tv);
            let tv_max = tv.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            let target = ((0.1 * residual).min(0.01) * residual)
                .max(0.1 * self.tolerance * (1.0 - gamma))
                .max(64.0 * f64::EPSILON * tv_max);
            policy_matrix.assemble(mdp, &pi);
            let (products, ok) = bicgstab(
                &policy_matrix,
                &order,
                &rhs,
                &mut v,
                target,
                self.max_inner_iterations,
                &mut work,
            );
            matrix_vector_products += products;
            previous_target = target;
            let in_range = v
                .iter()
                .all(|x| x.is_finite() && x.abs() <= 2.0 * value_bound);
            if ok && in_range {
                pending_from = Some(residual);
            } else {
                // Breakdown or a wild iterate: take the plain step T V instead. (Its
                // certificate comes from the next sweep: this one was not the last, or the
                // loop would have stopped above.)
                v.copy_from_slice(&tv_prev);
                fallback_steps += 1;
            }
        }
        // The last sweep's Q is the same sum, term for term, as `q_from_v_unchecked`'s:
        // reuse it unless the run ended on a replaced step.
        let q_values = if q_is_current {
            q
        } else {
            let mut q_values = vec![0.0; n * k];
            q_from_v_unchecked(mdp, &v, &mut q_values);
            q_values
        };
        Ok(NewtonSoftPolicyIterationResult {
            alpha: self.alpha,
            num_actions: k,
            values: v,
            q_values,
            sweeps,
            matrix_vector_products,
            fallback_steps,
            gauss_seidel_sweeps,
            error_bound,
            termination,
        })
    }
}

/// One sweep at `v`: `tv = T_α v`, `q = r + γ P v`, the Boltzmann policy `pi` of `q`, and
/// the Newton right-hand side `rhs = T_α v − γ P_π v`; returns `‖T_α v − v‖∞` (NaN kept)
/// and `min_s (T_α v − v)(s)` (non-negative iff `v` is a sub-solution, `T_α v ≥ v`).
fn newton_sweep(
    mdp: &Mdp,
    alpha: f64,
    v: &[f64],
    tv: &mut [f64],
    q: &mut [f64],
    pi: &mut [f64],
    rhs: &mut [f64],
) -> (f64, f64) {
    let k = mdp.num_actions();
    let n = mdp.num_states();
    let gamma = mdp.discount();
    let rewards = mdp.rewards();
    let terminal = mdp.terminal_states();
    let inv_alpha = 1.0 / alpha;
    let hard = alpha == 0.0 || !inv_alpha.is_finite();
    let mut change = 0.0f64;
    let mut lowest = f64::INFINITY;
    for s in 0..n {
        let base = s * k;
        let (q_s, pi_s) = (&mut q[base..base + k], &mut pi[base..base + k]);
        if terminal[s] {
            q_s.fill(0.0);
            pi_s.fill(0.0);
            tv[s] = 0.0;
            rhs[s] = 0.0;
        } else {
            for (a, q_sa) in q_s.iter_mut().enumerate() {
                *q_sa = rewards[base + a] + gamma * expected_next(mdp, base + a, v);
            }
            // Shifted log-sum-exp, as `soft_state_value` (first maximum on ties).
            let mut best = 0;
            for a in 1..k {
                if q_s[a] > q_s[best] || q_s[a].is_nan() {
                    best = a;
                }
            }
            let m = q_s[best];
            if hard || !m.is_finite() {
                pi_s.fill(0.0);
                pi_s[best] = 1.0;
                tv[s] = m;
            } else {
                let mut rest = 0.0;
                for a in 0..k {
                    if a != best {
                        pi_s[a] = ((q_s[a] - m) * inv_alpha).exp();
                        rest += pi_s[a];
                    }
                }
                pi_s[best] = 1.0;
                let total = 1.0 + rest;
                pi_s.iter_mut().for_each(|p| *p /= total);
                tv[s] = m + alpha * rest.ln_1p();
            }
            // γ P_π v = Σ_a π(a|s) (Q(s, a) − r(s, a)).
            let discounted_next: f64 = (0..k).map(|a| pi_s[a] * (q_s[a] - rewards[base + a])).sum();
            rhs[s] = tv[s] - discounted_next;
        }
        let increase = tv[s] - v[s];
        lowest = lowest.min(increase);
        let d = increase.abs();
        if d > change || d.is_nan() {
            change = d;
        }
    }
    (change, lowest)
}

/// The goal order of the states: breadth-first from the terminal states against the
/// direction of the transitions (a state comes after every state it can reach in one
/// step on a shorter path to a terminal), then the states that reach no terminal state,
/// in index order. Empty when no non-terminal state reaches a terminal state: then there
/// is no goal for the order to follow (on a dense random MDP, index-order Gauss–Seidel
/// made the run 3× slower), and neither the sweeps nor the preconditioner are used.
fn goal_order(mdp: &Mdp) -> Vec<u32> {
    let (n, k) = (mdp.num_states(), mdp.num_actions());
    let (offsets, next_states, _) = mdp.csr();
    let terminal = mdp.terminal_states();
    // No terminal state, no goal: skip the predecessor lists, whose construction reads
    // every stored transition (on the dense S = 1000 MDP, a quarter of the solve).
    if !terminal.contains(&true) {
        return Vec::new();
    }
    // Predecessor lists in compressed rows: count, prefix sums, fill.
    let mut start = vec![0usize; n + 1];
    for s in 0..n {
        for &j in &next_states[offsets[s * k]..offsets[(s + 1) * k]] {
            start[j as usize + 1] += 1;
        }
    }
    for j in 0..n {
        start[j + 1] += start[j];
    }
    let mut fill = start.clone();
    let mut predecessors = vec![0u32; start[n]];
    for s in 0..n {
        for &j in &next_states[offsets[s * k]..offsets[(s + 1) * k]] {
            predecessors[fill[j as usize]] = s as u32;
            fill[j as usize] += 1;
        }
    }
    let mut seen: Vec<bool> = terminal.to_vec();
    let mut order: Vec<u32> = (0..n as u32).filter(|&s| terminal[s as usize]).collect();
    let mut head = 0;
    while head < order.len() {
        let j = order[head] as usize;
        head += 1;
        for &s in &predecessors[start[j]..start[j + 1]] {
            if !seen[s as usize] {
                seen[s as usize] = true;
                order.push(s);
            }
        }
    }
    if order.iter().all(|&s| terminal[s as usize]) {
        return Vec::new();
    }
    order.extend((0..n as u32).filter(|&s| !seen[s as usize]));
    order
}

/// One Gauss–Seidel soft Bellman sweep in place, in `order`: each `V(s)` becomes
/// `(T_α V)(s)` computed from the current `V`, updated entries included. Returns the
/// largest change (NaN kept). `q` is scratch of length at least `A`.
fn gauss_seidel_sweep(mdp: &Mdp, alpha: f64, order: &[u32], v: &mut [f64], q: &mut [f64]) -> f64 {
    let k = mdp.num_actions();
    let gamma = mdp.discount();
    let rewards = mdp.rewards();
    let terminal = mdp.terminal_states();
    let q = &mut q[..k];
    let mut change = 0.0f64;
    for &s in order {
        let s = s as usize;
        let new = if terminal[s] {
            0.0
        } else {
            let base = s * k;
            for (a, q_a) in q.iter_mut().enumerate() {
                *q_a = rewards[base + a] + gamma * expected_next(mdp, base + a, v);
            }
            soft_state_value(q, alpha)
        };
        let d = (new - v[s]).abs();
        if d > change || d.is_nan() {
            change = d;
        }
        v[s] = new;
    }
    change
}

/// `Σ_{s'} P(s' | row) x(s')` for CSR row `row = s · A + a`.
#[inline]
fn expected_next(mdp: &Mdp, row: usize, x: &[f64]) -> f64 {
    let (offsets, next_states, probs) = mdp.csr();
    let (lo, hi) = (offsets[row], offsets[row + 1]);
    let p = &probs[lo..hi];
    if p.len() == x.len() {
        crate::tabular::mdp::dot(p, x)
    } else {
        next_states[lo..hi]
            .iter()
            .zip(p)
            .map(|(&j, &pj)| pj * x[j as usize])
            .sum()
    }
}

/// `γ P_π` assembled once per Newton step in compressed rows, each row's successors
/// merged (a gridworld row has ≤ 5 distinct successors where its four actions list 12; a
/// dense row `S` where its actions list `A · S`), the diagonal kept apart, and each row
/// split into the successors before the state in the goal order (`offsets[s]..mid[s]`)
/// and after it (`mid[s]..offsets[s + 1]`). Terminal rows are empty. The buffers keep
/// their capacity from one step to the next.
struct PolicyMatrix {
    offsets: Vec<usize>,
    mid: Vec<usize>,
    // Position of each state in the goal order (empty without one).
    position: Vec<u32>,
    cols: Vec<u32>,
    vals: Vec<f64>,
    diag: Vec<f64>,
    // Scatter accumulator and the row that last touched each column.
    acc: Vec<f64>,
    mark: Vec<usize>,
}

impl PolicyMatrix {
    fn new(n: usize, order: &[u32]) -> Self {
        let mut position = vec![0u32; order.len()];
        for (i, &s) in order.iter().enumerate() {
            position[s as usize] = i as u32;
        }
        Self {
            offsets: vec![0; n + 1],
            mid: vec![0; n],
            position,
            cols: Vec::new(),
            vals: Vec::new(),
            diag: vec![0.0; n],
            acc: vec![0.0; n],
            mark: vec![usize::MAX; n],
        }
    }

    /// Rows `γ Σ_a π(a|s) P(·|s, a)` of the Boltzmann policy `pi`.
    fn assemble(&mut self, mdp: &Mdp, pi: &[f64]) {
        let k = mdp.num_actions();
        let gamma = mdp.discount();
        let terminal = mdp.terminal_states();
        let (offsets, next_states, probs) = mdp.csr();
        self.cols.clear();
        self.vals.clear();
        for s in 0..terminal.len() {
            self.diag[s] = 0.0;
            if !terminal[s] {
                let start = self.cols.len();
                let base = s * k;
                let n = terminal.len();
                if (0..k).all(|a| offsets[base + a + 1] - offsets[base + a] == n) {
                    // Every action lists every state, in order (a dense row): sum the rows
                    // contiguously instead of scattering.
                    self.acc.fill(0.0);
                    for (a, &p) in pi[base..base + k].iter().enumerate() {
                        if p != 0.0 {
                            let lo = offsets[base + a];
                            for (x, &pj) in self.acc.iter_mut().zip(&probs[lo..lo + n]) {
                                *x += p * pj;
                            }
                        }
                    }
                    for (j, &x) in self.acc.iter().enumerate() {
                        if j == s {
                            self.diag[s] = gamma * x;
                        } else {
                            self.cols.push(j as u32);
                            self.vals.push(gamma * x);
                        }
                    }
                    self.split_row(s, start);
                    continue;
                }
                for (a, &p) in pi[base..base + k].iter().enumerate() {
                    if p == 0.0 {
                        continue;
                    }
                    let (lo, hi) = (offsets[base + a], offsets[base + a + 1]);
                    for (&j, &pj) in next_states[lo..hi].iter().zip(&probs[lo..hi]) {
                        let j = j as usize;
                        if self.mark[j] != s {
                            self.mark[j] = s;
                            self.acc[j] = 0.0;
                            self.cols.push(j as u32);
                        }
                        self.acc[j] += p * pj;
                    }
                }
                // Gather the row; the diagonal goes apart.
                let mut write = start;
                for read in start..self.cols.len() {
                    let j = self.cols[read] as usize;
                    let w = gamma * self.acc[j];
                    if j == s {
                        self.diag[s] = w;
                    } else {
                        self.cols[write] = j as u32;
                        self.vals.push(w);
                        write += 1;
                    }
                }
                self.cols.truncate(write);
                self.split_row(s, start);
                continue;
            }
            self.offsets[s + 1] = self.cols.len();
            self.mid[s] = self.cols.len();
        }
        // A state's mark must not match a later row of the next assembly by accident.
        self.mark.fill(usize::MAX);
    }

    /// Ends row `s` (entries from `start`): moves the successors earlier in the goal order
    /// to the front and records the split.
    fn split_row(&mut self, s: usize, start: usize) {
        let end = self.cols.len();
        let mut mid = end;
        if !self.position.is_empty() {
            let here = self.position[s];
            mid = start;
            for i in start..end {
                if self.position[self.cols[i] as usize] < here {
                    self.cols.swap(i, mid);
                    self.vals.swap(i, mid);
                    mid += 1;
                }
            }
        }
        self.mid[s] = mid;
        self.offsets[s + 1] = end;
    }

    /// `out = (I − γ P_π) x`, with identity rows at terminal states.
    fn apply(&self, x: &[f64], out: &mut [f64]) {
        for (s, o) in out.iter_mut().enumerate() {
            let (lo, hi) = (self.offsets[s], self.offsets[s + 1]);
            let off = sparse_dot(&self.cols[lo..hi], &self.vals[lo..hi], x);
            *o = x[s] - self.diag[s] * x[s] - off;
        }
    }

    /// `z = M⁻¹ y` and `out = (I − γ P_π) z` for the Gauss–Seidel preconditioner `M`: the
    /// part `D − L` of `I − γ P_π = D − L − U` on and below the diagonal when the states are
    /// taken in `order`. `M⁻¹ y` is one forward substitution over the earlier successors,
    /// and since `(I − γ P_π) M⁻¹ y = y − U z` the product needs only the later ones
    /// (Eisenstat's trick): both together touch each stored entry once. With an empty
    /// `order`, `M = I`.
    fn preconditioned_apply(&self, order: &[u32], y: &[f64], z: &mut [f64], out: &mut [f64]) {
        if order.is_empty() {
            z.copy_from_slice(y);
            self.apply(y, out);
            return;
        }
        for &s in order {
            let s = s as usize;
            let (lo, mid) = (self.offsets[s], self.mid[s]);
            let earlier = sparse_dot(&self.cols[lo..mid], &self.vals[lo..mid], z);
            z[s] = (y[s] + earlier) / (1.0 - self.diag[s]);
        }
        for (s, o) in out.iter_mut().enumerate() {
            let (mid, hi) = (self.mid[s], self.offsets[s + 1]);
            *o = y[s] - sparse_dot(&self.cols[mid..hi], &self.vals[mid..hi], z);
        }
    }
}

/// `Σ_i w_i x(j_i)` with four independent accumulators (a long dense row would otherwise
/// wait on one chain of additions).
#[inline]
fn sparse_dot(cols: &[u32], vals: &[f64], x: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let (c4, v4) = (cols.chunks_exact(4), vals.chunks_exact(4));
    let tail: f64 = c4
        .remainder()
        .iter()
        .zip(v4.remainder())
        .map(|(&j, &w)| w * x[j as usize])
        .sum();
    for (c, v) in c4.zip(v4) {
        for i in 0..4 {
            acc[i] += v[i] * x[c[i] as usize];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Scratch vectors of BiCGSTAB, allocated once per run.
struct BiCgStabWork {
    r: Vec<f64>,
    r_hat: Vec<f64>,
    p: Vec<f64>,
    v: Vec<f64>,
    s: Vec<f64>,
    t: Vec<f64>,
    p_hat: Vec<f64>,
    s_hat: Vec<f64>,
}

impl BiCgStabWork {
    fn new(n: usize) -> Self {
        Self {
            r: vec![0.0; n],
            r_hat: vec![0.0; n],
            p: vec![0.0; n],
            v: vec![0.0; n],
            s: vec![0.0; n],
            t: vec![0.0; n],
            p_hat: vec![0.0; n],
            s_hat: vec![0.0; n],
        }
    }
}

fn dot(x: &[f64], y: &[f64]) -> f64 {
    crate::tabular::mdp::dot(x, y)
}

fn max_abs(x: &[f64]) -> f64 {
    // Not `fold(0.0, f64::max)`, which drops a NaN.
    x.iter().fold(0.0, |m: f64, v| {
        if v.abs() > m || v.is_nan() {
            v.abs()
        } else {
            m
        }
    })
}

/// Right-preconditioned BiCGSTAB (van der Vorst 1992; Saad 2003, §9.3) for
/// `(I − γ P_π) x = b`, with the Gauss–Seidel preconditioner in `order`, from the `x`
/// passed in, until `‖b − (I − γ P_π) x‖∞ ≤ target` (recursive residual of the
/// unpreconditioned system) or `max_iterations`. Returns the number of matrix-vector
/// products and whether it ended without breakdown.
#[allow(clippy::too_many_arguments)]
fn bicgstab(
    m: &PolicyMatrix,
    order: &[u32],
    b: &[f64],
    x: &mut [f64],
    target: f64,
    max_iterations: usize,
    w: &mut BiCgStabWork,
) -> (usize, bool) {
    let mut products = 1;
    m.apply(x, &mut w.r);
    w.r.iter_mut().zip(b).for_each(|(r, &bi)| *r = bi - *r);
    if max_abs(&w.r) <= target {
        return (products, true);
    }
    w.r_hat.copy_from_slice(&w.r);
    w.p.fill(0.0);
    w.v.fill(0.0);
    let (mut rho_old, mut alpha, mut omega) = (1.0f64, 1.0f64, 1.0f64);
    for _ in 0..max_iterations {
        let rho = dot(&w.r_hat, &w.r);
        if rho == 0.0 || !rho.is_finite() {
            return (products, false);
        }
        let beta = (rho / rho_old) * (alpha / omega);
        for ((p, &r), &v) in w.p.iter_mut().zip(&w.r).zip(&w.v) {
            *p = r + beta * (*p - omega * v);
        }
        m.preconditioned_apply(order, &w.p, &mut w.p_hat, &mut w.v);
        products += 1;
        let denominator = dot(&w.r_hat, &w.v);
        alpha = rho / denominator;
        if denominator == 0.0 || !alpha.is_finite() {
            return (products, false);
        }
        for ((s, &r), &v) in w.s.iter_mut().zip(&w.r).zip(&w.v) {
            *s = r - alpha * v;
        }
        if max_abs(&w.s) <= target {
            x.iter_mut()
                .zip(&w.p_hat)
                .for_each(|(xi, &p)| *xi += alpha * p);
            return (products, true);
        }
        m.preconditioned_apply(order, &w.s, &mut w.s_hat, &mut w.t);
        products += 1;
        let tt = dot(&w.t, &w.t);
        omega = dot(&w.t, &w.s) / tt;
        if tt == 0.0 || omega == 0.0 || !omega.is_finite() {
            return (products, false);
        }
        for ((xi, &p), &s) in x.iter_mut().zip(&w.p_hat).zip(&w.s_hat) {
            *xi += alpha * p + omega * s;
        }
        for ((r, &s), &t) in w.r.iter_mut().zip(&w.s).zip(&w.t) {
            *r = s - omega * t;
        }
        if max_abs(&w.r) <= target {
            return (products, true);
        }
        rho_old = rho;
    }
    // Out of inner budget: the iterate is still a usable (inexact) Newton step.
    (products, true)
}
