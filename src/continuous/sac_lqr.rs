//! Soft Actor-Critic as a whole algorithm on the linear–quadratic problem.

use nalgebra::{DMatrix, DVector};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::continuous::action_box::ActionBox;
use crate::continuous::adam::Adam;
use crate::continuous::lq_error::{LqError, check_finite_input, check_finite_output};
use crate::continuous::lq_problem::LqProblem;
use crate::continuous::quadratic_critic::QuadraticCritic;
use crate::continuous::replay_buffer::ContinuousReplayBuffer;
use crate::distributions::LOG_STD_RANGE;
use crate::losses::soft_critic_target::soft_critic_target;
use crate::losses::temperature::{TemperatureConfig, TemperatureState};
use crate::numerics::special::log_one_minus_tanh_sq;

/// How SAC's temperature is set.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum SacLqrTemperature {
    /// A fixed `α ≥ 0`.
    Fixed(f64),
    /// Learned by gradient descent on `ln α` towards a target entropy
    /// ([`TemperatureState::update`]).
    Auto(TemperatureConfig),
}

/// Hyperparameters of [`sac_lqr`]. Defaults ([`SacLqrConfig::new`]) follow cleanrl's
/// `sac_continuous_action.py` where it has one: batch 256, `τ = 0.005`, critic step
/// `1e-3`, actor step `3e-4` (Adam), and stable-baselines3's log-σ clamp `[−20, 2]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SacLqrConfig {
    /// Fixed or learned temperature.
    pub temperature: SacLqrTemperature,
    /// Two critics and the minimum of their targets (clipped double Q, `true`), or one.
    pub twin_critics: bool,
    /// Minibatch size `B`. Default 256.
    pub batch_size: usize,
    /// Replay capacity. Default `1_000_000`.
    pub buffer_capacity: usize,
    /// Adam step size of the critics. Default `1e-3`.
    pub critic_learning_rate: f64,
    /// Adam step size of the actor. Default `3e-4`.
    pub actor_learning_rate: f64,
    /// Polyak coefficient of the target critics, `w' ← τw + (1 − τ)w'`. Default `0.005`.
    pub tau: f64,
    /// Clamp of the actor's `ln σ`. Default `(−20, 2)`.
    pub log_std_bounds: (f64, f64),
    /// Steps per episode; the state is then redrawn from `N(0, initial_state_std² I)`.
    /// The cut is a time limit, not a termination: targets keep bootstrapping. Default 50.
    pub episode_length: usize,
    /// Standard deviation of the initial state's coordinates. Default 1.
    pub initial_state_std: f64,
    /// Environment steps before the first update. Default 1000.
    pub learning_starts: usize,
    /// Environment steps in total; one update per step after `learning_starts`.
    pub total_steps: usize,
    /// Record the learning curve every this many steps. Default 500.
    pub record_every: usize,
    /// Standard deviation of the critics' random initial weights. Default 0.1.
    pub critic_init_std: f64,
    /// Bounded actions: `None` (default) for the linear-Gaussian actor; `Some(box)` for
    /// the tanh-squashed actor `y = c + s ⊙ tanh(−Kx + σ ⊙ ε)` acting in the box
    /// ([`tanh_gaussian_actor_loss`]). The critics then see the box action `y`.
    pub action_box: Option<ActionBox>,
}

impl SacLqrConfig {
    /// The defaults above, at temperature `temperature`, for `total_steps` steps.
    pub fn new(temperature: SacLqrTemperature, total_steps: usize) -> Self {
        Self {
            temperature,
            twin_critics: true,
            batch_size: 256,
            buffer_capacity: 1_000_000,
            critic_learning_rate: 1e-3,
            actor_learning_rate: 3e-4,
            tau: 0.005,
            log_std_bounds: (-20.0, 2.0),
            episode_length: 50,
            initial_state_std: 1.0,
            learning_starts: 1000,
            total_steps,
            record_every: 500,
            critic_init_std: 0.1,
            action_box: None,
        }
    }

    fn validate(&self) -> Result<(), LqError> {
        let positive = |what: &'static str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(LqError::InvalidParameter {
                    what,
                    value: v,
                    expected: "finite and > 0",
                })
            }
        };
        let at_least_one = |what: &'static str, v: usize| {
            if v >= 1 {
                Ok(())
            } else {
                Err(LqError::InvalidParameter {
                    what,
                    value: v as f64,
                    expected: "≥ 1",
                })
            }
        };
        if let SacLqrTemperature::Fixed(alpha) = self.temperature
            && !(alpha.is_finite() && alpha >= 0.0)
        {
            return Err(LqError::InvalidTemperature { value: alpha });
        }
        if let SacLqrTemperature::Auto(t) = self.temperature {
            positive("temperature learning_rate", t.learning_rate)?;
            if !(t.target_entropy.is_finite() && t.initial_log_alpha.is_finite()) {
                return Err(LqError::InvalidParameter {
                    what: "target_entropy / initial_log_alpha",
                    value: t.target_entropy + t.initial_log_alpha,
                    expected: "finite",
                });
            }
        }
        at_least_one("batch_size", self.batch_size)?;
        at_least_one("buffer_capacity", self.buffer_capacity)?;
        at_least_one("episode_length", self.episode_length)?;
        at_least_one("record_every", self.record_every)?;
        positive("critic_learning_rate", self.critic_learning_rate)?;
        positive("actor_learning_rate", self.actor_learning_rate)?;
        if !(self.tau > 0.0 && self.tau <= 1.0) {
            return Err(LqError::InvalidParameter {
                what: "tau",
                value: self.tau,
                expected: "in (0, 1]",
            });
        }
        let (lo, hi) = self.log_std_bounds;
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(LqError::InvalidParameter {
                what: "log_std_bounds",
                value: hi - lo,
                expected: "finite with low < high",
            });
        }
        if !(self.initial_state_std.is_finite() && self.initial_state_std >= 0.0) {
            return Err(LqError::InvalidParameter {
                what: "initial_state_std",
                value: self.initial_state_std,
                expected: "finite and ≥ 0",
            });
        }
        if !(self.critic_init_std.is_finite() && self.critic_init_std >= 0.0) {
            return Err(LqError::InvalidParameter {
                what: "critic_init_std",
                value: self.critic_init_std,
                expected: "finite and ≥ 0",
            });
        }
        Ok(())
    }
}

/// One point of SAC's learning curve.
#[derive(Debug, Clone, PartialEq)]
pub struct SacLqrRecord {
    /// Environment steps taken.
    pub step: usize,
    /// The actor's gain `K` (mean action `−Kx`).
    pub gain: DMatrix<f64>,
    /// The actor's `ln σ` (after the clamp).
    pub log_std: Vec<f64>,
    /// The temperature.
    pub alpha: f64,
    /// The actor's entropy `Σᵢ ln σᵢ + (m/2) ln(2πe)`.
    pub entropy: f64,
    /// `‖w₁ − w₂‖₂`, how far the twin critics' weights disagree (0 with one critic).
    pub critic_disagreement: f64,
}

/// What [`sac_lqr`] learned.
#[derive(Debug, Clone, PartialEq)]
pub struct SacLqrResult {
    /// Final gain `K`.
    pub gain: DMatrix<f64>,
    /// Final `ln σ` (clamped).
    pub log_std: Vec<f64>,
    /// Final temperature.
    pub alpha: f64,
    /// The critics (one or two).
    pub critics: Vec<QuadraticCritic>,
    /// The learning curve.
    pub curve: Vec<SacLqrRecord>,
}

/// Soft Actor-Critic with a linear-Gaussian actor and quadratic critics on an
/// [`LqProblem`], whose exact optimum is the [`MaxEntLqr`](crate::MaxEntLqr).
///
/// # Formula
///
/// Actor `π(u|x) = N(−Kx, diag(σ²))`, reparameterised `u = −Kx + σ ⊙ ε`, `ε ~ N(0, I)`,
/// with `ln σ` clamped to `log_std_bounds`. Critics `Q_{w₁}, Q_{w₂}`
/// ([`QuadraticCritic`]), target critics `Q_{w'₁}, Q_{w'₂}`. Per environment step, on a
/// minibatch of `B` transitions from the replay buffer:
///
/// ```text
/// y      = r + γ (min_c Q_{w'_c}(x', u') − α ln π(u'|x')),        u' ~ π(·|x')
/// ∇_{w_c} = (1/B) Σ (Q_{w_c}(x, u) − y) φ(x, u)                    (critic, Adam)
/// ∇_K    = (1/B) Σ g xᵀ,                ∇_{ln σ} = (1/B) Σ (−α − g ⊙ σ ⊙ ε)   (actor, Adam)
/// w'_c  ← τ w_c + (1 − τ) w'_c
/// ```
///
/// where `g = ∂Q_{w_c*}/∂u` at the reparameterised action, `c*` the critic attaining the
/// minimum there, and the actor loss is `(1/B) Σ [α ln π(u|x) − min_c Q_{w_c}(x, u)]`: with
/// `ln π(u|x) = Σᵢ(−εᵢ²/2 − ln σᵢ) − (m/2) ln 2π` along the reparameterisation, its total
/// derivatives are `0` in `K` and `−1` in each `ln σᵢ`; those of `−Q` follow from
/// `∂u/∂K_ij = −δ_ik x_j` and `∂u/∂ln σᵢ = σᵢεᵢ`. With a learned temperature, `ln α` then
/// takes one step of [`TemperatureState::update`] on the actor batch's `ln π`. With
/// `twin_critics = false` there is one critic and no minimum.
///
/// # References
///
/// Haarnoja, Zhou, Abbeel & Levine (2018), *Soft Actor-Critic*, ICML, eqs. (5)–(13);
/// Haarnoja et al. (2018b), *Soft Actor-Critic Algorithms and Applications*,
/// arXiv:1812.05905, Algorithm 1 and eq. (18); Fujimoto, van Hoof & Meger (2018), TD3,
/// ICML, §4.2 (clipped double Q). Defaults: cleanrl `sac_continuous_action.py`
/// (`tau = 0.005`, `batch_size = 256`, `q_lr = 1e-3`, `policy_lr = 3e-4`; its log σ is
/// squashed into `[−5, 2]` by a tanh), stable-baselines3 `sac/policies.py`
/// (`LOG_STD_MIN = −20`, `LOG_STD_MAX = 2`, a clamp).
///
/// # Errors
///
/// [`LqError::InvalidParameter`] / [`LqError::InvalidTemperature`] for a bad configuration
/// (checked before anything runs), including a `batch_size` whose minibatch tables cannot
/// be allocated; [`LqError::DimensionMismatch`] for an action box of the wrong dimension;
/// [`LqError::LearnerDiverged`], with the environment step, if a state, an action, a
/// reward, a critic target or a parameter step would not be finite.
///
/// # Examples
///
/// ```
/// use maxent_rl::{LqProblem, SacLqrConfig, SacLqrTemperature, sac_lqr};
/// use nalgebra::DMatrix;
/// use rand::SeedableRng;
/// let m = |v: f64| DMatrix::from_element(1, 1, v);
/// let problem = LqProblem::new(m(0.9), m(1.0), m(1.0), m(1.0), m(0.25), 0.8)?;
/// let mut config = SacLqrConfig::new(SacLqrTemperature::Fixed(0.5), 1500);
/// config.batch_size = 32;
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
/// let result = sac_lqr(&problem, &config, &mut rng)?;
/// assert_eq!(result.curve.len(), 3);
/// assert!(result.gain[(0, 0)].is_finite());
/// # Ok::<(), maxent_rl::LqError>(())
/// ```
pub fn sac_lqr<R: Rng + ?Sized>(
    problem: &LqProblem,
    config: &SacLqrConfig,
    rng: &mut R,
) -> Result<SacLqrResult, LqError> {
    config.validate()?;
    let (n, m) = (problem.state_dim(), problem.action_dim());
    if let Some(bx) = &config.action_box
        && bx.dim() != m
    {
        return Err(LqError::DimensionMismatch {
            what: "action_box",
            expected: (m, 1),
            found: (bx.dim(), 1),
        });
    }
    // The minibatch tables hold about (n + 2m + 6) · batch_size numbers: refuse a batch that
    // cannot be allocated before anything runs.
    let batch_fits = config
        .batch_size
        .checked_mul(n + 2 * m + 6)
        .and_then(|entries| entries.checked_mul(8))
        .is_some_and(|bytes| Vec::<u8>::new().try_reserve_exact(bytes).is_ok());
    if !batch_fits {
        return Err(LqError::InvalidParameter {
            what: "batch_size",
            value: config.batch_size as f64,
            expected: "small enough for the minibatch tables to fit in memory",
        });
    }
    let gamma = problem.discount();
    let num_w = QuadraticCritic::num_weights(n, m);
    let num_critics = if config.twin_critics { 2 } else { 1 };
    let mut critics = Vec::with_capacity(num_critics);
    for _ in 0..num_critics {
        let w = (0..num_w)
            .map(|_| config.critic_init_std * normal(rng))
            .collect();
        critics.push(QuadraticCritic::from_weights(n, m, w)?);
    }
    let mut targets = critics.clone();
    let mut critic_opt: Vec<Adam> = (0..num_critics)
        .map(|_| Adam::new(num_w, config.critic_learning_rate))
        .collect::<Result<_, _>>()?;
    // Actor parameters: K row-major (m×n), then the unclamped ln σ.
    let mut actor: Vec<f64> = vec![0.0; m * n + m];
    let mut actor_opt = Adam::new(actor.len(), config.actor_learning_rate)?;
    let mut temperature = match config.temperature {
        SacLqrTemperature::Auto(t) => Some((t, TemperatureState::new(&t))),
        SacLqrTemperature::Fixed(_) => None,
    };
    let alpha_now = |temperature: &Option<(TemperatureConfig, TemperatureState)>| match (
        temperature,
        config.temperature,
    ) {
        (Some((_, state)), _) => state.alpha(),
        (None, SacLqrTemperature::Fixed(a)) => a,
        (None, SacLqrTemperature::Auto(t)) => t.initial_log_alpha.exp(),
    };
    let (lo, hi) = config.log_std_bounds;
    let half_ln_2pi = 0.5 * (2.0 * std::f64::consts::PI).ln();

    let mut buffer = ContinuousReplayBuffer::new(n, m, config.buffer_capacity);
    let mut curve = Vec::new();
    let mut x = vec![0.0; n];
    let mut u = vec![0.0; m];
    let b = config.batch_size;
    // Scratch space, allocated once.
    let mut phi = vec![0.0; num_w];
    let mut grad_w = vec![vec![0.0; num_w]; num_critics];
    let (mut r_t, mut discount_t, mut q1_t, mut q2_t, mut logp_t) = (
        vec![0.0; b],
        vec![gamma; b],
        vec![0.0; b],
        vec![0.0; b],
        vec![0.0; b],
    );
    let mut idx = vec![0usize; b];
    let mut next_u = vec![0.0; m * b];
    let mut batch_states = vec![0.0; n * b];
    let mut batch_eps = vec![0.0; m * b];

    for step in 0..config.total_steps {
        if step % config.episode_length == 0 {
            for xi in x.iter_mut() {
                *xi = config.initial_state_std * normal(rng);
            }
        }
        // Act.
        for i in 0..m {
            let sigma = actor[m * n + i].clamp(lo, hi).exp();
            let mean: f64 = -(0..n).map(|j| actor[i * n + j] * x[j]).sum::<f64>();
            u[i] = mean + sigma * normal(rng);
        }
        if let Some(bx) = &config.action_box {
            let squashed: Vec<f64> = u.iter().map(|v| v.tanh()).collect();
            u.copy_from_slice(&bx.rescale(&squashed)?);
        }
        let xv = DVector::from_column_slice(&x);
        let uv = DVector::from_column_slice(&u);
        // Shapes are fixed by construction: these fail only when the state or the action
        // has overflowed, i.e. when the learner has diverged.
        let diverged = |_| LqError::LearnerDiverged { step };
        let r = problem.reward(&xv, &uv).map_err(diverged)?;
        let next = problem.step(&xv, &uv, rng).map_err(diverged)?;
        buffer.push(&x, &u, r, next.as_slice()).map_err(diverged)?;
        x.copy_from_slice(next.as_slice());

        if step >= config.learning_starts {
            let alpha = alpha_now(&temperature);
            // ---- critic update
            for (k, slot) in idx.iter_mut().enumerate() {
                *slot = buffer.sample_index(rng).ok_or(LqError::Empty {
                    what: "replay buffer",
                })?;
                let xn = buffer.next_state(*slot);
                let mut logp = 0.0;
                for i in 0..m {
                    let ls = actor[m * n + i].clamp(lo, hi);
                    let e = normal(rng);
                    let mean: f64 = -(0..n).map(|j| actor[i * n + j] * xn[j]).sum::<f64>();
                    next_u[k * m + i] = mean + ls.exp() * e;
                    logp += -0.5 * e * e - ls - half_ln_2pi;
                }
                if let Some(bx) = &config.action_box {
                    let un = &mut next_u[k * m..(k + 1) * m];
                    logp -= un.iter().map(|v| log_one_minus_tanh_sq(*v)).sum::<f64>();
                    logp += bx.log_prob_correction();
                    let squashed: Vec<f64> = un.iter().map(|v| v.tanh()).collect();
                    un.copy_from_slice(&bx.rescale(&squashed)?);
                }
                let un = &next_u[k * m..(k + 1) * m];
                q1_t[k] = targets[0].value_unchecked(xn, un);
                q2_t[k] = targets[num_critics - 1].value_unchecked(xn, un);
                logp_t[k] = logp;
                r_t[k] = buffer.reward(*slot);
                discount_t[k] = gamma;
            }
            let y = soft_critic_target(&r_t, &discount_t, &q1_t, &q2_t, &logp_t, alpha)
                .map_err(|_| LqError::LearnerDiverged { step })?;
            for g in grad_w.iter_mut() {
                g.iter_mut().for_each(|v| *v = 0.0);
            }
            for (k, &i) in idx.iter().enumerate() {
                let (xs, us) = (buffer.state(i), buffer.action(i));
                critics[0].features_unchecked(xs, us, &mut phi);
                for (c, critic) in critics.iter().enumerate() {
                    let err = critic.value_unchecked(xs, us) - y[k];
                    for (g, f) in grad_w[c].iter_mut().zip(&phi) {
                        *g += err * f / b as f64;
                    }
                }
            }
            for c in 0..num_critics {
                // Shapes are fixed by construction: only a non-finite gradient fails here.
                critic_opt[c]
                    .step(&mut critics[c].weights, &grad_w[c])
                    .map_err(|_| LqError::LearnerDiverged { step })?;
            }
            // ---- actor update
            for (k, &i) in idx.iter().enumerate() {
                batch_states[k * n..(k + 1) * n].copy_from_slice(buffer.state(i));
            }
            batch_eps.iter_mut().for_each(|e| *e = normal(rng));
            let actor_step = match &config.action_box {
                None => linear_gaussian_actor_loss(
                    &actor,
                    (n, m),
                    &critics,
                    &batch_states,
                    &batch_eps,
                    alpha,
                    config.log_std_bounds,
                )?,
                Some(bx) => tanh_gaussian_actor_loss(
                    &actor,
                    (n, m),
                    &critics,
                    &batch_states,
                    &batch_eps,
                    alpha,
                    config.log_std_bounds,
                    bx,
                )?,
            };
            let grad_actor = actor_step.grad;
            let actor_logp = actor_step.log_pi;
            actor_opt
                .step(&mut actor, &grad_actor)
                .map_err(|_| LqError::LearnerDiverged { step })?;
            // ---- temperature update
            if let Some((t, state)) = temperature.as_mut() {
                state
                    .update(t, &actor_logp)
                    .map_err(|_| LqError::LearnerDiverged { step })?;
            }
            // ---- Polyak averaging of the targets
            for (target, critic) in targets.iter_mut().zip(&critics) {
                for (wt, w) in target.weights.iter_mut().zip(&critic.weights) {
                    *wt = config.tau * w + (1.0 - config.tau) * *wt;
                }
            }
            // The actor and the critics change only through `Adam::step`, which refuses a
            // step that would leave a parameter non-finite: they stay finite.
        }
        if (step + 1) % config.record_every == 0 {
            curve.push(record(
                step + 1,
                &actor,
                (n, m),
                (lo, hi),
                alpha_now(&temperature),
                &critics,
            ));
        }
    }
    let last = record(
        config.total_steps,
        &actor,
        (n, m),
        (lo, hi),
        alpha_now(&temperature),
        &critics,
    );
    Ok(SacLqrResult {
        gain: last.gain,
        log_std: last.log_std,
        alpha: last.alpha,
        critics,
        curve,
    })
}

/// SAC's actor loss for a linear-Gaussian actor and its gradient, derived by hand.
#[derive(Debug, Clone, PartialEq)]
pub struct ActorLossGrad {
    /// `(1/B) Σ_b [α ln π(u_b|x_b) − min_c Q_c(x_b, u_b)]`.
    pub loss: f64,
    /// The gradient in the layout of the parameters: `∂/∂K` row-major, then `∂/∂ln σ`.
    pub grad: Vec<f64>,
    /// `ln π(u_b|x_b)` of each reparameterised action.
    pub log_pi: Vec<f64>,
}

/// SAC's actor loss and its reparameterised gradient for the linear-Gaussian actor
/// `u = −Kx + σ ⊙ ε` against the minimum of quadratic critics.
///
/// # Formula
///
/// ```text
/// L(K, ln σ) = (1/B) Σ_b [α ln π(u_b|x_b) − min_c Q_c(x_b, u_b)],   u_b = −K x_b + σ ⊙ ε_b
/// ln π(u_b|x_b) = Σᵢ (−ε_bi²/2 − ln σᵢ) − (m/2) ln 2π
/// ∂L/∂K_ij   = (1/B) Σ_b g_bi x_bj,         g_b = ∂Q_{c*}/∂u (x_b, u_b)
/// ∂L/∂ln σᵢ  = (1/B) Σ_b (−α − g_bi σᵢ ε_bi)     (0 where ln σᵢ is clamped)
/// ```
///
/// "Clamped" means strictly outside `[lo, hi]`: at a bound the gradient is the one-sided
/// derivative from inside (as `torch.clamp` passes it), so a `ln σ` started at a bound
/// can move back in.
///
/// `params` holds `K` row-major (`m·n` entries) and then the unclamped `ln σ` (`m`);
/// `states` is `B×n` and `eps` is `B×m`, row-major; `c*` is the critic attaining the
/// minimum at `(x_b, u_b)`.
///
/// # References
///
/// Haarnoja et al. (2018), *Soft Actor-Critic*, ICML, eqs. (12)–(13) (the reparameterised
/// policy gradient); Kingma & Welling (2014), *Auto-encoding variational Bayes*, ICLR.
///
/// # Sign convention
///
/// Minimised: descent on `K` and `ln σ` raises `min_c Q` and the entropy.
///
/// # Errors
///
/// [`LqError::DimensionMismatch`] if `params` is not `m·n + m` long, `states` not a
/// multiple of `n`, `eps` not `B·m` long, or a critic not of dimensions `(n, m)`;
/// [`LqError::Empty`] if there are no critics or `n = 0` or `m = 0`;
/// [`LqError::NonFinite`] for a NaN or infinite entry of `params`, `states` or `eps`;
/// [`LqError::InvalidTemperature`] for `α` negative or not finite;
/// [`LqError::InvalidParameter`] for log-σ bounds outside [`LOG_STD_RANGE`] or in the
/// wrong order; [`LqError::Overflow`] if the loss or a gradient is not finite although
/// every input was (critic weights or states near `±1e308`).
///
/// # Examples
///
/// ```
/// use maxent_rl::{QuadraticCritic, linear_gaussian_actor_loss};
/// // n = m = 1, Q = −(x + u)² + 0: the best mean action is −x, so K = 1 has ∂L/∂K = 0
/// // on average; with ε = 0 exactly.
/// let critic = QuadraticCritic::from_weights(1, 1, vec![-1.0, -2.0, -1.0, 0.0])?;
/// let out = linear_gaussian_actor_loss(&[1.0, -1.0], (1, 1), &[critic], &[0.7], &[0.0], 0.1,
///                                      (-20.0, 2.0))?;
/// assert!(out.grad[0].abs() < 1e-15);
/// assert!((out.grad[1] + 0.1).abs() < 1e-15); // −α: entropy pushes σ up
/// # Ok::<(), maxent_rl::LqError>(())
/// ```
pub fn linear_gaussian_actor_loss(
    params: &[f64],
    (n, m): (usize, usize),
    critics: &[QuadraticCritic],
    states: &[f64],
    eps: &[f64],
    alpha: f64,
    (lo, hi): (f64, f64),
) -> Result<ActorLossGrad, LqError> {
    let b = check_actor_inputs(params, (n, m), critics, states, eps, alpha, (lo, hi))?;
    let half_ln_2pi = 0.5 * (2.0 * std::f64::consts::PI).ln();
    let mut grad = vec![0.0; params.len()];
    let mut log_pi = vec![0.0; b];
    let mut u = vec![0.0; m];
    let mut g_u = vec![0.0; m];
    let mut loss = 0.0;
    for k in 0..b {
        let xs = &states[k * n..(k + 1) * n];
        let e = &eps[k * m..(k + 1) * m];
        let mut logp = 0.0;
        for i in 0..m {
            let ls = params[m * n + i].clamp(lo, hi);
            let mean: f64 = -(0..n).map(|j| params[i * n + j] * xs[j]).sum::<f64>();
            u[i] = mean + ls.exp() * e[i];
            logp += -0.5 * e[i] * e[i] - ls - half_ln_2pi;
        }
        log_pi[k] = logp;
        let (best, q_min) = critics
            .iter()
            .enumerate()
            .map(|(c, critic)| (c, critic.value_unchecked(xs, &u)))
            .min_by(|a, c| a.1.total_cmp(&c.1))
            .unwrap_or((0, 0.0));
        loss += (alpha * logp - q_min) / b as f64;
        critics[best].action_gradient_unchecked(xs, &u, &mut g_u);
        for i in 0..m {
            for j in 0..n {
                grad[i * n + j] += g_u[i] * xs[j] / b as f64;
            }
            let raw = params[m * n + i];
            if (lo..=hi).contains(&raw) {
                grad[m * n + i] += (-alpha - g_u[i] * raw.exp() * e[i]) / b as f64;
            }
        }
    }
    check_finite_output("loss", &[loss])?;
    check_finite_output("grad", &grad)?;
    check_finite_output("log_pi", &log_pi)?;
    Ok(ActorLossGrad { loss, grad, log_pi })
}

/// SAC's actor loss and its reparameterised gradient for the tanh-squashed actor in a box,
/// `y = c + s ⊙ tanh(u)`, `u = −Kx + σ ⊙ ε`, against the minimum of quadratic critics of
/// `(x, y)`.
///
/// # Formula
///
/// ```text
/// ln π(y|x) = Σᵢ (−εᵢ²/2 − ln σᵢ − ln(1 − tanh² uᵢ) − ln sᵢ) − (m/2) ln 2π
/// ∂L/∂K_ij  = (1/B) Σ_b [ −2α tanh(u_bi) + g_bi sᵢ (1 − tanh² u_bi) ] x_bj
/// ∂L/∂ln σᵢ = (1/B) Σ_b [ α(−1 + 2 tanh(u_bi) σᵢ ε_bi) − g_bi sᵢ (1 − tanh² u_bi) σᵢ ε_bi ]
/// ```
///
/// with `g = ∂Q_{c*}/∂y` at `(x_b, y_b)` and `d ln(1 − tanh² u)/du = −2 tanh u`. Layout of
/// `params`, `states`, `eps` as in [`linear_gaussian_actor_loss`]; the `ln σ` gradient is 0
/// where the clamp binds (strictly outside the bounds; at a bound it is the derivative
/// from inside).
///
/// # References
///
/// Haarnoja et al. (2018), *Soft Actor-Critic*, ICML, Appendix C (the tanh change of
/// variables); chapter 7 of the book for the four derivatives of the squashed sample.
///
/// # Numerical stability
///
/// `ln(1 − tanh² u)` by [`log_one_minus_tanh_sq`], exact at any `u`.
///
/// # Sign convention
///
/// Minimised.
///
/// # Errors
///
/// As [`linear_gaussian_actor_loss`], plus [`LqError::DimensionMismatch`] for a box of the
/// wrong dimension.
///
/// # Examples
///
/// ```
/// use maxent_rl::{ActionBox, QuadraticCritic, tanh_gaussian_actor_loss};
/// // A flat critic: only the entropy term acts. At u = 0 the tanh correction's slope is 0,
/// // so ∂L/∂ln σ = −α as for the Gaussian, and ∂L/∂K = 0.
/// let critic = QuadraticCritic::from_weights(1, 1, vec![0.0; 4])?;
/// let bx = ActionBox::new(vec![-2.0], vec![2.0])?;
/// let out = tanh_gaussian_actor_loss(&[0.0, -1.0], (1, 1), &[critic], &[0.5], &[0.0], 0.1,
///                                    (-20.0, 2.0), &bx)?;
/// assert_eq!(out.grad[0], 0.0);
/// assert!((out.grad[1] + 0.1).abs() < 1e-15);
/// # Ok::<(), maxent_rl::LqError>(())
/// ```
#[allow(clippy::too_many_arguments)]
pub fn tanh_gaussian_actor_loss(
    params: &[f64],
    (n, m): (usize, usize),
    critics: &[QuadraticCritic],
    states: &[f64],
    eps: &[f64],
    alpha: f64,
    (lo, hi): (f64, f64),
    action_box: &ActionBox,
) -> Result<ActorLossGrad, LqError> {
    let b = check_actor_inputs(params, (n, m), critics, states, eps, alpha, (lo, hi))?;
    if action_box.dim() != m {
        return Err(LqError::DimensionMismatch {
            what: "action_box",
            expected: (m, 1),
            found: (action_box.dim(), 1),
        });
    }
    let half_ln_2pi = 0.5 * (2.0 * std::f64::consts::PI).ln();
    let scale = action_box.scale();
    let mut grad = vec![0.0; params.len()];
    let mut log_pi = vec![0.0; b];
    let mut u = vec![0.0; m];
    let mut g_y = vec![0.0; m];
    let mut loss = 0.0;
    for k in 0..b {
        let xs = &states[k * n..(k + 1) * n];
        let e = &eps[k * m..(k + 1) * m];
        let mut logp = action_box.log_prob_correction();
        for i in 0..m {
            let ls = params[m * n + i].clamp(lo, hi);
            let mean: f64 = -(0..n).map(|j| params[i * n + j] * xs[j]).sum::<f64>();
            u[i] = mean + ls.exp() * e[i];
            logp += -0.5 * e[i] * e[i] - ls - half_ln_2pi - log_one_minus_tanh_sq(u[i]);
        }
        log_pi[k] = logp;
        let squashed: Vec<f64> = u.iter().map(|v| v.tanh()).collect();
        let y = action_box.rescale(&squashed)?;
        let (best, q_min) = critics
            .iter()
            .enumerate()
            .map(|(c, critic)| (c, critic.value_unchecked(xs, &y)))
            .min_by(|a, c| a.1.total_cmp(&c.1))
            .unwrap_or((0, 0.0));
        loss += (alpha * logp - q_min) / b as f64;
        critics[best].action_gradient_unchecked(xs, &y, &mut g_y);
        for i in 0..m {
            let t = squashed[i];
            let dy_du = scale[i] * log_one_minus_tanh_sq(u[i]).exp();
            for j in 0..n {
                grad[i * n + j] += (-2.0 * alpha * t + g_y[i] * dy_du) * xs[j] / b as f64;
            }
            let raw = params[m * n + i];
            if (lo..=hi).contains(&raw) {
                let sigma_eps = raw.exp() * e[i];
                grad[m * n + i] +=
                    (alpha * (-1.0 + 2.0 * t * sigma_eps) - g_y[i] * dy_du * sigma_eps) / b as f64;
            }
        }
    }
    check_finite_output("loss", &[loss])?;
    check_finite_output("grad", &grad)?;
    check_finite_output("log_pi", &log_pi)?;
    Ok(ActorLossGrad { loss, grad, log_pi })
}

/// Checks the shapes shared by the actor losses and returns the batch size `B`.
fn check_actor_inputs(
    params: &[f64],
    (n, m): (usize, usize),
    critics: &[QuadraticCritic],
    states: &[f64],
    eps: &[f64],
    alpha: f64,
    (lo, hi): (f64, f64),
) -> Result<usize, LqError> {
    if n == 0 || m == 0 {
        return Err(LqError::Empty {
            what: if n == 0 { "state" } else { "action" },
        });
    }
    if !(alpha.is_finite() && alpha >= 0.0) {
        return Err(LqError::InvalidTemperature { value: alpha });
    }
    for (what, bound) in [("log_std_bounds.0", lo), ("log_std_bounds.1", hi)] {
        if !(LOG_STD_RANGE.0..=LOG_STD_RANGE.1).contains(&bound) {
            return Err(LqError::InvalidParameter {
                what,
                value: bound,
                expected: "in [−700, 700] (LOG_STD_RANGE)",
            });
        }
    }
    if lo > hi {
        return Err(LqError::InvalidParameter {
            what: "log_std_bounds.0",
            value: lo,
            expected: "≤ log_std_bounds.1",
        });
    }
    let Some(num_params) = m.checked_mul(n).and_then(|mn| mn.checked_add(m)) else {
        return Err(LqError::InvalidParameter {
            what: "state dimension × action dimension",
            value: n as f64 * m as f64,
            expected: "a parameter count that fits in usize",
        });
    };
    if params.len() != num_params {
        return Err(LqError::DimensionMismatch {
            what: "params",
            expected: (num_params, 1),
            found: (params.len(), 1),
        });
    }
    if critics.is_empty() {
        return Err(LqError::Empty { what: "critics" });
    }
    let b = states.len() / n;
    let mismatch = |what, expected: usize, found: usize| LqError::DimensionMismatch {
        what,
        expected: (expected, 1),
        found: (found, 1),
    };
    if states.len() != b * n {
        return Err(mismatch("states", b * n, states.len()));
    }
    if eps.len() != b * m {
        return Err(mismatch("eps", b * m, eps.len()));
    }
    for (what, xs) in [("params", params), ("states", states), ("eps", eps)] {
        check_finite_input(what, xs)?;
    }
    if let Some(c) = critics
        .iter()
        .find(|c| c.dims() != (n, m) || c.weights.len() != QuadraticCritic::num_weights(n, m))
    {
        return Err(LqError::DimensionMismatch {
            what: "critic (state, action) dimensions",
            expected: (n, m),
            found: c.dims(),
        });
    }
    Ok(b)
}

/// A standard-normal draw.
fn normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    StandardNormal.sample(rng)
}

fn record(
    step: usize,
    actor: &[f64],
    (n, m): (usize, usize),
    bounds: (f64, f64),
    alpha: f64,
    critics: &[QuadraticCritic],
) -> SacLqrRecord {
    let gain = DMatrix::from_row_slice(m, n, &actor[..m * n]);
    let log_std: Vec<f64> = actor[m * n..]
        .iter()
        .map(|v| v.clamp(bounds.0, bounds.1))
        .collect();
    let entropy = log_std.iter().sum::<f64>()
        + 0.5 * m as f64 * (2.0 * std::f64::consts::PI * std::f64::consts::E).ln();
    let critic_disagreement = match critics {
        [c1, c2] => c1
            .weights
            .iter()
            .zip(&c2.weights)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt(),
        _ => 0.0,
    };
    SacLqrRecord {
        step,
        gain,
        log_std,
        alpha,
        entropy,
        critic_disagreement,
    }
}
