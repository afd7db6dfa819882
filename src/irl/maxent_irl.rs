//! Maximum-entropy inverse RL: the objective, its gradient, and a learner.

use crate::irl::demonstrations::Demonstrations;
use crate::irl::features::{Features, dot};
use crate::irl::irl_error::IrlError;
use crate::irl::max_causal_ent::MaxCausalEntSolution;
use crate::irl::maxent_partition::{
    MaxEntPartition, TrajectoryEnd, check_backward_pass, check_reward,
};
use crate::soft_dp::soft_value_iteration::SoftValueIteration;
use crate::tabular::mdp::Mdp;
use crate::tabular::mdp_error::{MdpError, try_filled};
use crate::tabular::tabular_policy::TabularPolicy;
use crate::tabular::visitation::{
    check_initial, discounted_occupancy, forward_pass, trajectory_model_visitation,
};

/// Which maximum-entropy model of behaviour explains the demonstrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IrlModel {
    /// Ziebart et al. (2008): `P(τ | s_0) ∝ Π_t P(s_{t+1} | s_t, a_t) · exp(θ·f_τ)`, a
    /// distribution over whole trajectories ([`MaxEntPartition`]).
    MaxEnt,
    /// Ziebart (2010): the maximum causal entropy policy, `π_t(a|s) = exp(Q_t − V_t)` from
    /// finite-horizon soft value iteration ([`MaxCausalEntSolution`]).
    MaxCausalEnt,
    /// Ziebart (2010), infinite-horizon discounted form: the stationary policy
    /// `π(a|s) = exp(Q(s, a) − V(s))` of discounted soft value iteration at temperature 1
    /// with the MDP's discount `γ < 1` ([`SoftValueIteration`]), discounted features
    /// `Σ_t γ^t φ(s_t, a_t)` and discounted occupancy measures.
    MaxCausalEntDiscounted,
}

/// An inverse-RL problem: an MDP, reward features, and demonstrations.
///
/// # Formula
///
/// The objective is the dual of the maximum-entropy problem,
///
/// ```text
/// L(θ) = θ·f̃ − Σ_s ρ̃₀(s) ln Z_θ(s) − (λ/2)‖θ‖²
/// ∇L(θ) = f̃ − E_θ[f_τ] − λθ
/// ```
///
/// with `f̃` the demonstrations' mean features, `ρ̃₀` their start states, and `ln Z_θ(s)`
/// the log partition function `ln Z_0(s)` of the 2008 model or the soft value `V_0(s)` of
/// the causal model. `E_θ[f_τ]` is the model's expected features from `ρ̃₀`: the 2008
/// model's trajectory-level marginals ([`trajectory_model_visitation`]) or the causal
/// policy's forward pass ([`forward_pass`]). Both objectives are concave.
///
/// Both models are undiscounted over the demonstrations' horizon `T`; the MDP's discount
/// is not used.
///
/// For the 2008 model `L` is exactly the mean log-likelihood of the demonstrations minus
/// the `θ`-free dynamics term. For the causal model it is the mean log-likelihood of the
/// demonstrated *actions* when the dynamics are deterministic; under stochastic dynamics
/// the two differ by a term with zero mean under the dynamics, and `L` is the one whose
/// gradient is feature matching.
///
/// # References
///
/// Ziebart et al. (2008) (the likelihood and its gradient); Ziebart (2010), ch. 6
/// (the causal dual and its gradient).
#[derive(Debug, Clone)]
pub struct IrlProblem<'a> {
    mdp: &'a Mdp,
    features: &'a Features,
    demos: &'a Demonstrations,
    empirical_features: Vec<f64>,
    discounted_empirical_features: Vec<f64>,
    initial: Vec<f64>,
    dynamics_log_likelihood: f64,
    l2: f64,
    /// The `(t, s)` the demonstrations visit, sorted, with their action counts (weighted
    /// `1/N`) in `demo_counts[i · A..(i + 1) · A]`, and where each `t` starts in the list:
    /// the fused causal evaluation adds the action log-likelihood row by row.
    demo_rows: DemoRows,
}

/// The `(t, s)` rows demonstrations visit, see [`IrlProblem`]'s field `demo_rows`.
#[derive(Debug, Clone)]
struct DemoRows {
    rows: Vec<(usize, usize)>,
    counts: Vec<f64>,
    starts: Vec<usize>,
}

/// The objective and everything computed on the way, at one `θ`.
#[derive(Debug, Clone, PartialEq)]
pub struct IrlEvaluation {
    /// `L(θ)`, see [`IrlProblem`].
    pub objective: f64,
    /// Mean log-likelihood of the demonstrations under the model, dynamics included:
    /// `(1/N) Σ_i ln P_θ(τ_i | s_0^i)` (without the regulariser).
    pub log_likelihood: f64,
    /// `∇L(θ)`.
    pub gradient: Vec<f64>,
    /// `E_θ[f_τ]`.
    pub expected_features: Vec<f64>,
    /// The model's expected state-action visitation from the demonstrations' start
    /// states, flat `s · A + a` (discounted, `Σ_t γ^t P(s_t = s, a_t = a)`, for
    /// [`IrlModel::MaxCausalEntDiscounted`]).
    pub state_action_visitation: Vec<f64>,
}

impl<'a> IrlProblem<'a> {
    /// Sets up the problem; `f̃`, `ρ̃₀` and the dynamics term are computed once.
    ///
    /// # Errors
    ///
    /// [`IrlError::DimensionMismatch`] if the features or demonstrations were built for
    /// an MDP with another number of states or actions (the lengths compared are `S · A`).
    pub fn new(
        mdp: &'a Mdp,
        features: &'a Features,
        demos: &'a Demonstrations,
    ) -> Result<Self, IrlError> {
        let dims = (mdp.num_states(), mdp.num_actions());
        let sa = dims.0 * dims.1;
        for (what, (s, a)) in [
            ("features", features.dims()),
            ("demonstrations", demos.dims()),
        ] {
            if (s, a) != dims {
                return Err(IrlError::DimensionMismatch {
                    what,
                    expected: sa,
                    found: s * a,
                });
            }
        }
        let counts = demos.state_action_counts();
        let gamma = mdp.discount();
        let mut discounted_counts = vec![0.0; sa];
        for tr in demos.trajectories() {
            let mut weight = 1.0 / demos.len() as f64;
            for (s, a) in tr.pairs() {
                discounted_counts[s * dims.1 + a] += weight;
                weight *= gamma;
            }
        }
        let mut dynamics = 0.0;
        for tr in demos.trajectories() {
            for t in 0..tr.len() {
                let p = mdp.transition_prob(tr.states[t], tr.actions[t], tr.states[t + 1]);
                dynamics += p.ln();
            }
        }
        let horizon = demos.horizon();
        let mut visits: Vec<(usize, usize, usize)> = demos
            .trajectories()
            .iter()
            .flat_map(|tr| tr.pairs().enumerate().map(|(t, (s, a))| (t, s, a)))
            .collect();
        visits.sort_unstable();
        let mut demo_rows: Vec<(usize, usize)> = Vec::new();
        let mut demo_counts = Vec::new();
        for (t, s, a) in visits {
            if demo_rows.last() != Some(&(t, s)) {
                demo_rows.push((t, s));
                demo_counts.extend(std::iter::repeat_n(0.0, dims.1));
            }
            let i = demo_counts.len() - dims.1 + a;
            demo_counts[i] += 1.0 / demos.len() as f64;
        }
        let demo_row_starts = (0..=horizon)
            .map(|t| demo_rows.partition_point(|&(u, _)| u < t))
            .collect();
        Ok(Self {
            demo_rows: DemoRows {
                rows: demo_rows,
                counts: demo_counts,
                starts: demo_row_starts,
            },
            mdp,
            features,
            demos,
            empirical_features: features.expectation(&counts),
            discounted_empirical_features: features.expectation(&discounted_counts),
            initial: demos.initial_distribution(),
            dynamics_log_likelihood: dynamics / demos.len() as f64,
            l2: 0.0,
        })
    }

    /// Adds the penalty `(λ/2)‖θ‖²` (`λ ≥ 0`), which makes the maximiser unique and finite
    /// even when the demonstrations are explained perfectly only as `‖θ‖ → ∞`.
    ///
    /// # Errors
    ///
    /// [`IrlError::InvalidConfig`] for a negative or non-finite `λ`.
    pub fn with_l2(mut self, l2: f64) -> Result<Self, IrlError> {
        if !(l2.is_finite() && l2 >= 0.0) {
            return Err(IrlError::InvalidConfig {
                what: "l2",
                value: l2,
            });
        }
        self.l2 = l2;
        Ok(self)
    }

    /// The demonstrations' mean features `f̃ = (1/N) Σ_i Σ_t φ(s_t^i, a_t^i)`, undiscounted:
    /// the target of [`IrlModel::MaxEnt`] and [`IrlModel::MaxCausalEnt`].
    pub fn empirical_features(&self) -> &[f64] {
        &self.empirical_features
    }

    /// The demonstrations' mean discounted features
    /// `f̃_γ = (1/N) Σ_i Σ_t γ^t φ(s_t^i, a_t^i)` with the MDP's discount: the target of
    /// [`IrlModel::MaxCausalEntDiscounted`].
    pub fn discounted_empirical_features(&self) -> &[f64] {
        &self.discounted_empirical_features
    }

    /// The empirical features that `model`'s objective matches:
    /// [`discounted_empirical_features`](Self::discounted_empirical_features) for
    /// [`IrlModel::MaxCausalEntDiscounted`], [`empirical_features`](Self::empirical_features)
    /// otherwise.
    pub fn empirical_features_for(&self, model: IrlModel) -> &[f64] {
        match model {
            IrlModel::MaxCausalEntDiscounted => &self.discounted_empirical_features,
            IrlModel::MaxEnt | IrlModel::MaxCausalEnt => &self.empirical_features,
        }
    }

    /// The demonstrations' start-state distribution `ρ̃₀`.
    pub fn initial_distribution(&self) -> &[f64] {
        &self.initial
    }

    /// Evaluates `L(θ)`, its gradient, the log-likelihood and the visitation.
    ///
    /// # Errors
    ///
    /// [`IrlError::DimensionMismatch`] or [`IrlError::NonFiniteParameter`] for a bad `θ`;
    /// [`IrlError::Mdp`] with [`MdpError::NonFiniteReward`] if `θ·φ` overflows, or with
    /// [`MdpError::ValuesOutOfRange`] if the model's values (`T (max |r| + ln A)`, or the
    /// discounted bound) exceed [`VALUE_BOUND_MAX`](crate::VALUE_BOUND_MAX) or the
    /// objective overflows. The result is always finite.
    pub fn evaluate(&self, model: IrlModel, theta: &[f64]) -> Result<IrlEvaluation, IrlError> {
        self.evaluate_with(model, theta, &mut CausalWorkspace::default())
    }

    /// [`evaluate`](Self::evaluate) with the causal model's tables kept in `workspace`, so
    /// that repeated evaluations (a fit) allocate them once.
    fn evaluate_with(
        &self,
        model: IrlModel,
        theta: &[f64],
        workspace: &mut CausalWorkspace,
    ) -> Result<IrlEvaluation, IrlError> {
        let reward = self.features.reward(theta)?;
        let empirical = self.empirical_features_for(model);
        let (solution, action_log_lik) = if model == IrlModel::MaxCausalEnt {
            let (log_z, visitation, log_lik) = causal_forward_backward(
                self.mdp,
                &reward,
                self.demos.horizon(),
                &self.initial,
                Some(&self.demo_rows),
                workspace,
            )?;
            let solution = ModelSolution {
                log_z,
                visitation,
                policy: ModelPolicy::TrajectoryLevel,
            };
            (solution, Some(log_lik))
        } else {
            let solution = solve_model(
                self.mdp,
                &reward,
                model,
                &self.initial,
                self.demos.horizon(),
            )?;
            let action_log_lik = match &solution.policy {
                ModelPolicy::TrajectoryLevel => None,
                ModelPolicy::TimeIndexed(sol) => {
                    let pi = sol.policy();
                    Some(self.mean_action_log_likelihood(|t, s, a| pi.log_probs(t, s)[a]))
                }
                ModelPolicy::Stationary(pi) => {
                    Some(self.mean_action_log_likelihood(|_, s, a| pi.log_prob(s, a)))
                }
            };
            (solution, action_log_lik)
        };
        let visitation = solution.visitation;
        let expected = self.features.expectation(&visitation);
        let penalty = 0.5 * self.l2 * dot(theta, theta);
        let dual = dot(theta, empirical) - solution.log_z;
        let gradient: Vec<f64> = empirical
            .iter()
            .zip(&expected)
            .zip(theta)
            .map(|((f, e), th)| f - e - self.l2 * th)
            .collect();
        let log_likelihood = action_log_lik.unwrap_or(dual) + self.dynamics_log_likelihood;
        // The backward passes bound their values, but θ·f̃ or the gradient can still
        // overflow for θ near the f64 range: never return them as numbers.
        let objective = dual - penalty;
        if !objective.is_finite() || gradient.iter().any(|g: &f64| !g.is_finite()) {
            return Err(MdpError::ValuesOutOfRange { bound: objective }.into());
        }
        Ok(IrlEvaluation {
            objective,
            log_likelihood,
            gradient,
            expected_features: expected,
            state_action_visitation: visitation,
        })
    }

    /// `(1/N) Σ_i Σ_t ln π_t(a_t^i | s_t^i)` for a policy given as `ln π(t, s, a)`.
    fn mean_action_log_likelihood(&self, log_pi: impl Fn(usize, usize, usize) -> f64) -> f64 {
        let mut ll = 0.0;
        for tr in self.demos.trajectories() {
            for (t, (s, a)) in tr.pairs().enumerate() {
                ll += log_pi(t, s, a);
            }
        }
        ll / self.demos.len() as f64
    }
}

/// The causal model's backward pass ([`MaxCausalEntSolution::new`]) and forward pass
/// ([`forward_pass`]) in one: the backward pass stores the probabilities
/// `π_t(a|s) = e^{Q − m} / Σ_a e^{Q − m}` from the exponentials it computes anyway, so the
/// forward pass needs none, and the action log-likelihood
/// `(Q − m) − ln Σ_a e^{Q − m}` is added in the rows the demonstrations visit. Returns
/// `(Σ_s ρ₀(s) V_0(s), D(s, a), (1/N) Σ_i Σ_t ln π_t(a_t^i | s_t^i))`, the last 0 without
/// demonstrations. `initial` must have `S` entries.
fn causal_forward_backward(
    mdp: &Mdp,
    reward: &[f64],
    horizon: usize,
    initial: &[f64],
    demos: Option<&DemoRows>,
    ws: &mut CausalWorkspace,
) -> Result<(f64, Vec<f64>, f64), IrlError> {
    check_reward(mdp, reward)?;
    if horizon == 0 {
        return Err(IrlError::ZeroHorizon);
    }
    let (s_count, a_count) = (mdp.num_states(), mdp.num_actions());
    let len = check_backward_pass(mdp, reward, horizon)?;
    ws.resize((horizon + 1) * s_count, len, s_count, a_count)?;
    let CausalWorkspace {
        values,
        probs,
        q,
        e,
        current,
        next,
    } = ws;
    // The transition rows read directly (in the order `successors` gives them): a call
    // per row in the inner loops cost a tenth of the time.
    let (offsets, successors, transition_probs) = mdp.csr();
    let mut log_lik = 0.0;
    values[horizon * s_count..].fill(0.0);
    for t in (0..horizon).rev() {
        let (now, later) = values.split_at_mut((t + 1) * s_count);
        let v_next = &later[..s_count];
        let v_now = &mut now[t * s_count..];
        // This step's demonstrated rows, and where their counts start.
        let (rows, base) = demos.map_or((&[][..], 0), |d| {
            (&d.rows[d.starts[t]..d.starts[t + 1]], d.starts[t])
        });
        let all_counts = demos.map_or(&[][..], |d| &d.counts[..]);
        let mut k = 0;
        for s in 0..s_count {
            let row = (t * s_count + s) * a_count;
            let counts = if rows.get(k).is_some_and(|&(_, s_demo)| s_demo == s) {
                let i = base + k;
                k += 1;
                Some(&all_counts[i * a_count..(i + 1) * a_count])
            } else {
                None
            };
            if mdp.is_terminal(s) {
                // No demonstration acts in a terminal state (`Demonstrations::new` refuses
                // one that does), so no counts fall here and nothing adds to the likelihood.
                // Its row of `probs` is left as it is: the forward pass skips terminal
                // states and never reads it.
                v_now[s] = 0.0;
                continue;
            }
            for (a, qa) in q.iter_mut().enumerate() {
                let range = offsets[s * a_count + a]..offsets[s * a_count + a + 1];
                *qa = reward[s * a_count + a]
                    + successors[range.clone()]
                        .iter()
                        .zip(&transition_probs[range])
                        .map(|(&s2, p)| p * v_next[s2 as usize])
                        .sum::<f64>();
            }
            let m = q.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            // e^0 = 1 exactly: the largest term needs no call to `exp`.
            for (ea, qa) in e.iter_mut().zip(q.iter()) {
                *ea = if *qa == m { 1.0 } else { (qa - m).exp() };
            }
            let sum = e.iter().sum::<f64>();
            let log_sum = sum.ln();
            v_now[s] = m + log_sum;
            for (p, ea) in probs[row..row + a_count].iter_mut().zip(e.iter()) {
                *p = ea / sum;
            }
            if let Some(c) = counts {
                for (ca, qa) in c.iter().zip(q.iter()) {
                    if *ca != 0.0 {
                        log_lik += ca * ((qa - m) - log_sum);
                    }
                }
            }
        }
    }
    // After the backward pass, as in `MaxCausalEntSolution::new` then `forward_pass`.
    check_initial(mdp, initial)?;
    let mut visitation = vec![0.0; s_count * a_count];
    // Plain slices, so that the scatter's loop keeps their addresses in registers.
    let (mut current, mut next) = (current.as_mut_slice(), next.as_mut_slice());
    current.copy_from_slice(initial);
    for t in 0..horizon {
        next.fill(0.0);
        for s in 0..s_count {
            let mass = current[s];
            if mass == 0.0 || mdp.is_terminal(s) {
                continue;
            }
            let row = (t * s_count + s) * a_count;
            for a in 0..a_count {
                let w = mass * probs[row + a];
                if w == 0.0 {
                    continue;
                }
                visitation[s * a_count + a] += w;
                if t + 1 < horizon {
                    let range = offsets[s * a_count + a]..offsets[s * a_count + a + 1];
                    for (&s2, p) in successors[range.clone()]
                        .iter()
                        .zip(&transition_probs[range])
                    {
                        next[s2 as usize] += w * p;
                    }
                }
            }
        }
        std::mem::swap(&mut current, &mut next);
    }
    Ok((dot(initial, &values[..s_count]), visitation, log_lik))
}

/// The tables of [`causal_forward_backward`], kept across evaluations.
#[derive(Debug, Default)]
struct CausalWorkspace {
    /// `V_t(s)`, `(T + 1) · S`.
    values: Vec<f64>,
    /// `π_t(a | s)`, `T · S · A` (rows of terminal states unused).
    probs: Vec<f64>,
    /// `Q_t(s, ·)` and `e^{Q_t(s, ·) − m}` of one state.
    q: Vec<f64>,
    e: Vec<f64>,
    /// The state distributions at `t` and `t + 1`.
    current: Vec<f64>,
    next: Vec<f64>,
}

impl CausalWorkspace {
    /// Sizes the tables; allocates only when they grow.
    fn resize(
        &mut self,
        values: usize,
        probs: usize,
        s_count: usize,
        a_count: usize,
    ) -> Result<(), IrlError> {
        for (table, len) in [(&mut self.values, values), (&mut self.probs, probs)] {
            if table.len() != len {
                *table = try_filled("time-indexed tables", len, 0.0)?;
            }
        }
        self.q.resize(a_count, 0.0);
        self.e.resize(a_count, 0.0);
        self.current.resize(s_count, 0.0);
        self.next.resize(s_count, 0.0);
        Ok(())
    }
}

/// The policy a model's solution acts with, for the action log-likelihood.
enum ModelPolicy {
    /// The 2008 model's likelihood is over whole trajectories, not actions.
    TrajectoryLevel,
    TimeIndexed(MaxCausalEntSolution),
    Stationary(TabularPolicy),
}

/// A model solved for one reward: `Σ_s ρ₀(s) ln Z(s)`, the state-action visitation from
/// `ρ₀` (discounted for the discounted model), and the policy.
struct ModelSolution {
    log_z: f64,
    visitation: Vec<f64>,
    policy: ModelPolicy,
}

fn solve_model(
    mdp: &Mdp,
    reward: &[f64],
    model: IrlModel,
    initial: &[f64],
    horizon: usize,
) -> Result<ModelSolution, IrlError> {
    Ok(match model {
        IrlModel::MaxEnt => {
            let part = MaxEntPartition::new(mdp, reward, horizon, &TrajectoryEnd::Anywhere)?;
            let vis = trajectory_model_visitation(mdp, initial, &part)?;
            ModelSolution {
                log_z: dot(initial, part.log_z_state(0)),
                visitation: vis.state_actions().to_vec(),
                policy: ModelPolicy::TrajectoryLevel,
            }
        }
        IrlModel::MaxCausalEnt => {
            let sol = MaxCausalEntSolution::new(mdp, reward, horizon)?;
            let vis = forward_pass(mdp, initial, sol.policy())?;
            ModelSolution {
                log_z: dot(initial, sol.values(0)),
                visitation: vis.state_actions().to_vec(),
                policy: ModelPolicy::TimeIndexed(sol),
            }
        }
        IrlModel::MaxCausalEntDiscounted => {
            let mut mdp = mdp.clone();
            mdp.set_rewards(reward)?;
            let gamma = mdp.discount();
            if gamma >= 1.0 {
                return Err(MdpError::DiscountNotBelowOne { value: gamma }.into());
            }
            // Certified ‖V − V*‖∞ ≤ 1e-13 of the value scale, so that the objective is exact
            // to far below any finite-difference step — or, as γ → 1, the best value
            // iteration can certify in f64: its stopping bound γ/(1−γ)‖V_k − V_{k−1}‖ cannot
            // fall below γ/(1−γ) times a few ulps of ‖V‖ (64 ε allows for them).
            let scale = mdp.value_bound(1.0, None).max(1.0);
            let relative = 1e-13f64.max(64.0 * f64::EPSILON * gamma / (1.0 - gamma));
            // The contraction shrinks the error from ≤ 2·scale to the tolerance within
            // ln(relative/2)/ln γ sweeps; twice that plus a margin is the cap.
            let sweeps = (relative / 2.0).ln() / gamma.ln();
            let cap = if sweeps.is_finite() {
                2.0 * sweeps + 100.0
            } else {
                100.0
            };
            let sol = SoftValueIteration::new(1.0)
                .tolerance(relative * scale)
                .max_iterations(cap.min(1e9) as usize)
                .run(&mdp)?;
            let policy = sol.policy()?;
            // The discounted mass left after t steps is at most γ^t/(1 − γ).
            let tolerance = 1e-15 * horizon.max(1) as f64;
            let steps = (tolerance * (1.0 - gamma)).ln() / gamma.ln();
            let max_steps = if steps.is_finite() {
                2.0 * steps + 100.0
            } else {
                100.0
            };
            let occupancy = discounted_occupancy(
                &mdp,
                initial,
                &policy,
                tolerance,
                max_steps.min(1e9) as usize,
            )?;
            ModelSolution {
                log_z: dot(initial, &sol.values),
                visitation: occupancy,
                policy: ModelPolicy::Stationary(policy),
            }
        }
    })
}

/// The features a maximum-entropy model expects under the reward `r_θ = θ·φ`, from the
/// start distribution `initial`: `E_θ[f_τ] = Σ_{s,a} D_θ(s, a) φ(s, a)`.
///
/// This is the model side of the feature-matching gradient `∇L = f̃ − E_θ[f_τ]` of
/// [`IrlProblem`], without demonstrations: `D_θ` is the 2008 model's trajectory-level
/// visitation over `horizon` steps ([`IrlModel::MaxEnt`]), the maximum causal entropy
/// policy's forward pass over `horizon` steps ([`IrlModel::MaxCausalEnt`]), or the
/// discounted occupancy of the discounted causal policy ([`IrlModel::MaxCausalEntDiscounted`],
/// where `horizon` only scales the occupancy's summation tolerance).
///
/// # Errors
///
/// [`IrlError::DimensionMismatch`] if the features or `initial` do not fit the MDP, or
/// `θ` has the wrong length; [`IrlError::NonFiniteParameter`] for a non-finite `θ`;
/// [`IrlError::Mdp`] if `initial` is not a distribution (or, for the discounted model,
/// the MDP has `γ = 1`).
///
/// # Examples
///
/// ```
/// use maxent_rl::{expected_features, Features, Gridworld, IrlModel};
/// let mdp = Gridworld::new(3, 3).build(1.0)?.with_terminal_states(&[])?;
/// let phi = Features::one_hot_states(&mdp)?;
/// let mut initial = vec![0.0; 9];
/// initial[0] = 1.0;
/// let f = expected_features(&mdp, &phi, IrlModel::MaxCausalEnt, &[0.0; 9], &initial, 5)?;
/// // One-hot state features count visits: five steps, five visits in all.
/// assert!((f.iter().sum::<f64>() - 5.0).abs() < 1e-12);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn expected_features(
    mdp: &Mdp,
    features: &Features,
    model: IrlModel,
    theta: &[f64],
    initial: &[f64],
    horizon: usize,
) -> Result<Vec<f64>, IrlError> {
    let dims = (mdp.num_states(), mdp.num_actions());
    let (s, a) = features.dims();
    if (s, a) != dims {
        return Err(IrlError::DimensionMismatch {
            what: "features",
            expected: dims.0 * dims.1,
            found: s * a,
        });
    }
    let reward = features.reward(theta)?;
    let visitation = if model == IrlModel::MaxCausalEnt {
        // The same fused passes as `IrlProblem::evaluate`, so the two agree to the bit.
        let ws = &mut CausalWorkspace::default();
        causal_forward_backward(mdp, &reward, horizon, initial, None, ws)?.1
    } else {
        solve_model(mdp, &reward, model, initial, horizon)?.visitation
    };
    Ok(features.expectation(&visitation))
}

/// Settings of [`fit_irl`]: L-BFGS ascent with a backtracking (Armijo) line search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IrlConfig {
    /// Stop when `‖∇L‖∞ ≤ gradient_tolerance` (in feature units per trajectory: the
    /// largest feature-matching error). Default `1e-6`.
    pub gradient_tolerance: f64,
    /// Stop after this many accepted steps. Default `1000`.
    pub max_iterations: usize,
    /// Length of the first step, `‖η ∇L‖∞`, before any curvature is known. Default `1.0`.
    pub initial_step: f64,
    /// Armijo constant `c`: a step `η d` is accepted when
    /// `L(θ + η d) ≥ L(θ) + c η ∇L·d`. Default `1e-4`.
    pub armijo: f64,
    /// Number of `(s, y)` pairs L-BFGS remembers; `0` gives plain gradient ascent.
    /// Default `10`. Each pair costs `2K` numbers and `4K` multiply-adds per iteration for
    /// `K` parameters, little beside an evaluation: with many parameters a larger memory
    /// can save many evaluations (the 30 × 30 gridworld fit of `benches/irl.rs`, `K = 900`,
    /// converges in 93 iterations with 160 pairs instead of 216 with 10).
    pub memory: usize,
}

impl Default for IrlConfig {
    fn default() -> Self {
        Self {
            gradient_tolerance: 1e-6,
            max_iterations: 1000,
            initial_step: 1.0,
            armijo: 1e-4,
            memory: 10,
        }
    }
}

/// Why [`fit_irl`] stopped.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum IrlTermination {
    /// `‖∇L‖∞` fell to the tolerance: expected features match the demonstrations'.
    Converged {
        /// The final `‖∇L‖∞`.
        gradient_norm: f64,
    },
    /// The iteration limit was reached first.
    MaxIterations {
        /// The final `‖∇L‖∞`.
        gradient_norm: f64,
    },
    /// No step along an ascent direction increased `L` by the Armijo margin, down to a
    /// step of length `1e-14 · max(1, ‖θ‖∞)`: `L` is flat to rounding error here (the
    /// maximum, to `f64` precision).
    StepTooSmall {
        /// The final `‖∇L‖∞`.
        gradient_norm: f64,
    },
}

/// One iterate of [`fit_irl`], for plotting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IrlIterate {
    /// `L(θ_k)`.
    pub objective: f64,
    /// Mean log-likelihood of the demonstrations at `θ_k`.
    pub log_likelihood: f64,
    /// `‖∇L(θ_k)‖∞`.
    pub gradient_norm: f64,
    /// `‖θ_{k+1} − θ_k‖∞`, the step taken from `θ_k` (0 for the last iterate).
    pub step: f64,
}

/// The result of [`fit_irl`].
#[derive(Debug, Clone, PartialEq)]
pub struct IrlFit {
    /// The learned parameters.
    pub theta: Vec<f64>,
    /// Why the learner stopped.
    pub termination: IrlTermination,
    /// Every iterate, starting with `θ_0`.
    pub history: Vec<IrlIterate>,
}

/// Fits `θ` by maximising the concave objective of [`IrlProblem`] with L-BFGS.
///
/// # Formula
///
/// ```text
/// θ_{k+1} = θ_k + η_k d_k,     d_k = H_k ∇L(θ_k)
/// ```
///
/// where `H_k` is the L-BFGS approximation of `(−∇²L)⁻¹` from the last `memory` pairs
/// `s = θ_{k+1} − θ_k`, `y = ∇L(θ_k) − ∇L(θ_{k+1})` (two-loop recursion, scaled by
/// `s·y / y·y`), and `η_k` is found by backtracking from 1, halving until
/// `L(θ_k + η d_k) ≥ L(θ_k) + c η ∇L·d_k`. A pair with `s·y ≤ 0` (no curvature seen) is
/// not stored, and a direction that is not an ascent direction is replaced by the
/// gradient, so `L` increases at every step. The first direction is the gradient scaled
/// to length `initial_step`.
///
/// # References
///
/// Nocedal & Wright (2006), *Numerical Optimization*, 2nd ed., Algorithm 7.4 (two-loop
/// recursion) and §3.1 (backtracking, the Armijo condition).
///
/// # Errors
///
/// [`IrlError::InvalidConfig`] for a non-positive tolerance or step, or an Armijo
/// constant outside `(0, 1)`; errors of [`IrlProblem::evaluate`] for a bad `θ_0`.
///
/// # Examples
///
/// ```
/// use maxent_rl::{fit_irl, Demonstrations, Features, IrlConfig, IrlModel, IrlProblem,
///                 IrlTermination, Mdp, Trajectory};
/// // Two states; the expert always moves to (or stays in) state 1.
/// let p = vec![vec![(0, 1.0)], vec![(1, 1.0)], vec![(1, 1.0)], vec![(0, 1.0)]];
/// let mdp = Mdp::new(2, 2, &p, vec![0.0; 4], 1.0)?;
/// let phi = Features::one_hot_states(&mdp)?;
/// let demos = Demonstrations::new(&mdp, vec![
///     Trajectory::new(vec![0, 1, 1, 1], vec![1, 0, 0]),
///     Trajectory::new(vec![0, 0, 1, 1], vec![0, 1, 0]),
/// ])?;
/// let problem = IrlProblem::new(&mdp, &phi, &demos)?.with_l2(0.1)?;
/// let fit = fit_irl(&problem, IrlModel::MaxCausalEnt, &[0.0, 0.0], &IrlConfig::default())?;
/// assert!(matches!(fit.termination, IrlTermination::Converged { .. }));
/// assert!(fit.theta[1] > fit.theta[0]); // state 1 is preferred
/// # Ok::<(), maxent_rl::IrlError>(())
/// ```
pub fn fit_irl(
    problem: &IrlProblem<'_>,
    model: IrlModel,
    theta0: &[f64],
    config: &IrlConfig,
) -> Result<IrlFit, IrlError> {
    check_config(config)?;
    let mut theta = theta0.to_vec();
    let mut workspace = CausalWorkspace::default();
    let mut eval = problem.evaluate_with(model, &theta, &mut workspace)?;
    let mut history = Vec::new();
    // (s, y, 1 / s·y), oldest first.
    let mut pairs: Vec<(Vec<f64>, Vec<f64>, f64)> = Vec::new();
    // `evaluate` never returns a non-finite gradient, so `f64::max` drops no NaN here.
    let inf_norm = |g: &[f64]| g.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    loop {
        let g_norm = inf_norm(&eval.gradient);
        let iterate = |step: f64| IrlIterate {
            objective: eval.objective,
            log_likelihood: eval.log_likelihood,
            gradient_norm: g_norm,
            step,
        };
        let stop = if g_norm <= config.gradient_tolerance {
            Some(IrlTermination::Converged {
                gradient_norm: g_norm,
            })
        } else if history.len() >= config.max_iterations {
            Some(IrlTermination::MaxIterations {
                gradient_norm: g_norm,
            })
        } else {
            None
        };
        if let Some(termination) = stop {
            history.push(iterate(0.0));
            return Ok(IrlFit {
                theta,
                termination,
                history,
            });
        }
        let mut direction = lbfgs_direction(&eval.gradient, &pairs);
        let mut slope = dot(&eval.gradient, &direction);
        if pairs.is_empty() || slope.is_nan() || slope <= 0.0 {
            pairs.clear();
            // (g/‖g‖∞)·step, not g·(step/‖g‖∞), which overflows for a huge step.
            direction = eval
                .gradient
                .iter()
                .map(|g| g / g_norm * config.initial_step)
                .collect();
            slope = dot(&eval.gradient, &direction);
        }
        let mut eta = 1.0;
        let mut halvings = 0;
        let accepted = loop {
            let trial: Vec<f64> = theta
                .iter()
                .zip(&direction)
                .map(|(t, d)| t + eta * d)
                .collect();
            // A step so long that θ or the values leave the f64 range is a failed trial,
            // like one that does not increase L: shorten it, do not report the trial θ.
            let trial_eval = if trial.iter().all(|t| t.is_finite()) {
                match problem.evaluate_with(model, &trial, &mut workspace) {
                    Ok(e) => Some(e),
                    Err(IrlError::Mdp(
                        MdpError::ValuesOutOfRange { .. } | MdpError::NonFiniteReward { .. },
                    )) => None,
                    Err(e) => return Err(e),
                }
            } else {
                None
            };
            if let Some(trial_eval) = trial_eval
                && trial_eval.objective >= eval.objective + config.armijo * eta * slope
            {
                break Some((trial, trial_eval));
            }
            eta *= 0.5;
            halvings += 1;
            // Give up once the step is below rounding of θ itself; an over-long first step
            // (a huge `initial_step`) is halved as often as it takes to get there. 2100
            // halvings take any finite step below the smallest subnormal.
            let step_length = eta * inf_norm(&direction);
            if step_length < 1e-14 * inf_norm(&theta).max(1.0)
                || step_length.is_nan()
                || halvings >= 2100
            {
                break None;
            }
        };
        let Some((trial, trial_eval)) = accepted else {
            history.push(iterate(0.0));
            let termination = IrlTermination::StepTooSmall {
                gradient_norm: g_norm,
            };
            return Ok(IrlFit {
                theta,
                termination,
                history,
            });
        };
        let s: Vec<f64> = trial.iter().zip(&theta).map(|(a, b)| a - b).collect();
        // For ascent on L (descent on −L): y = ∇(−L)(θ_{k+1}) − ∇(−L)(θ_k).
        let y: Vec<f64> = eval
            .gradient
            .iter()
            .zip(&trial_eval.gradient)
            .map(|(g0, g1)| g0 - g1)
            .collect();
        let sy = dot(&s, &y);
        history.push(iterate(inf_norm(&s)));
        if config.memory > 0 && sy > 0.0 {
            if pairs.len() == config.memory {
                pairs.remove(0);
            }
            pairs.push((s, y, 1.0 / sy));
        }
        theta = trial;
        eval = trial_eval;
    }
}

/// The L-BFGS ascent direction `H ∇L` by the two-loop recursion.
fn lbfgs_direction(gradient: &[f64], pairs: &[(Vec<f64>, Vec<f64>, f64)]) -> Vec<f64> {
    let mut q = gradient.to_vec();
    let mut alphas = Vec::with_capacity(pairs.len());
    for (s, y, rho) in pairs.iter().rev() {
        let a = rho * dot(s, &q);
        q.iter_mut().zip(y).for_each(|(qi, yi)| *qi -= a * yi);
        alphas.push(a);
    }
    if let Some((s, y, _)) = pairs.last() {
        let gamma = dot(s, y) / dot(y, y);
        q.iter_mut().for_each(|qi| *qi *= gamma);
    }
    for ((s, y, rho), a) in pairs.iter().zip(alphas.iter().rev()) {
        let b = rho * dot(y, &q);
        q.iter_mut().zip(s).for_each(|(qi, si)| *qi += (a - b) * si);
    }
    q
}

fn check_config(config: &IrlConfig) -> Result<(), IrlError> {
    let checks = [
        (
            "gradient_tolerance",
            config.gradient_tolerance,
            config.gradient_tolerance > 0.0,
        ),
        (
            "initial_step",
            config.initial_step,
            config.initial_step > 0.0,
        ),
        (
            "armijo",
            config.armijo,
            config.armijo > 0.0 && config.armijo < 1.0,
        ),
    ];
    for (what, value, ok) in checks {
        if !(ok && value.is_finite()) {
            return Err(IrlError::InvalidConfig { what, value });
        }
    }
    Ok(())
}
