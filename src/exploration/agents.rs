//! Tabular exploration agents run for a budget of episodes, with the episode of their
//! first positive reward recorded.

use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};

use crate::learning::learning_error::{
    LearningCurve, LearningError, check_positive, check_range, check_soft_alpha,
};
use crate::learning::sampling::{check_startable, sample_transition_unchecked};
use crate::learning::soft_q_learning_update;
use crate::tabular::Mdp;

/// How an agent chooses its actions (and, for the model-based agents, what it plans on).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Explorer {
    /// Q-learning acting ε-greedily with `ε_k = ε₀ / (1 + k/k₀)` in episode `k`.
    EpsilonGreedy {
        /// Initial `ε₀ ∈ [0, 1]`.
        epsilon0: f64,
        /// Decay scale `k₀ > 0` in episodes.
        decay_episodes: f64,
    },
    /// Q-learning acting with `π(a|s) ∝ exp(Q(s, a)/τ)`.
    Boltzmann {
        /// Temperature `τ > 0`.
        temperature: f64,
    },
    /// Soft Q-learning at fixed temperature `α` ([`soft_q_learning_update`]), acting with
    /// its Boltzmann policy `π ∝ exp(Q/α)`.
    SoftQ {
        /// Temperature `α > 0`.
        alpha: f64,
    },
    /// Model-based, MBIE-EB style: plans greedily on the empirical model with the reward
    /// bonus `β/√n(s, a)`; an untried pair is worth `β H`, the most bonus an episode of
    /// `H` steps can collect.
    CountBonus {
        /// Bonus scale `β ≥ 0`.
        beta: f64,
    },
    /// Model-based, RLSVI style: before each episode perturbs the empirical reward of
    /// every pair by `σ ξ/√(n(s, a) + 1)`, `ξ ~ N(0, 1)`, and plans greedily on it; an
    /// untried pair is worth its noise alone.
    RandomisedValue {
        /// Noise scale `σ ≥ 0`.
        sigma: f64,
    },
    /// Policy gradient with the entropy bonus (REINFORCE with a per-state baseline) on a
    /// tabular softmax policy `π(a|s) ∝ exp θ(s, a)`, updated after every episode.
    EntropyPolicyGradient {
        /// Entropy-bonus weight `β ≥ 0` (A3C's `β`).
        entropy_bonus: f64,
        /// Learning rate `η ∈ (0, 1]` of the logits and of the baseline.
        learning_rate: f64,
    },
    /// Curiosity, ICM's tabular analogue: Q-learning on the reward plus the scaled
    /// prediction error of a learned tabular forward model, acting ε-greedily with the
    /// same schedule `ε_k = ε₀ / (1 + k/k₀)` as [`Explorer::EpsilonGreedy`].
    Curiosity {
        /// Scale `η_c ≥ 0` of the intrinsic reward `(η_c/2)‖e_{s'} − f(s, a)‖²`.
        scale: f64,
        /// Learning rate `λ ∈ (0, 1]` of the forward model `f(s, a)`.
        model_rate: f64,
        /// Initial `ε₀ ∈ [0, 1]`.
        epsilon0: f64,
        /// Decay scale `k₀ > 0` in episodes.
        decay_episodes: f64,
    },
    /// AlphaZero's PUCT rule, run on the environment itself as on a search tree:
    /// `argmax_a Q(s, a) + c P(s, a) √N(s) / (1 + N(s, a))`, where `Q` is the mean
    /// Monte-Carlo return-to-go of the pair, `N(s, a)` its visit count,
    /// `N(s) = 1 + Σ_b N(s, b)` (the current visit counts, as a tree counts a node's
    /// expansion) and `P` the prior of [`ExplorationConfig::prior`] (uniform by default).
    Puct {
        /// Exploration constant `c_puct ≥ 0`.
        c: f64,
    },
}

/// Configuration of an exploration run.
///
/// # Formula
///
/// Every agent starts with zero tables and breaks ties between equal action values
/// uniformly at random. The model-free agents update after every transition,
///
/// ```text
/// Q(s, a) ← Q(s, a) + η (r + γ(1 − done) V(s') − Q(s, a)),
/// V(s') = max_a' Q(s', a')          (ε-greedy, Boltzmann)
/// V(s') = α ln Σ_a' exp(Q(s', a')/α)  (soft Q-learning)
/// ```
///
/// and the model-based agents plan before every episode by `H = max_episode_length`
/// backward sweeps of
///
/// ```text
/// Q̃(s, a) = r̂(s, a) + b(s, a) + γ Σ_s' P̂(s'|s, a) max_a' Q̃(s', a')   if n(s, a) > 0
/// Q̃(s, a) = u(s, a)                                                 if n(s, a) = 0
/// count bonus:       b = β/√n,        u = β H
/// randomised value:  b = σ ξ/√(n + 1), u = σ ξ,   ξ ~ N(0, 1) per pair and episode
/// ```
///
/// where `r̂`, `P̂` are the empirical mean reward and transition frequencies.
///
/// The policy-gradient agent keeps logits `θ` and a baseline `b` and, after each episode
/// `(s_t, a_t, r_t)` with returns-to-go `G_t`, for every step in order,
///
/// ```text
/// θ(s_t, ·) ← θ(s_t, ·) + η [ (G_t − b(s_t)) (e_{a_t} − π(·|s_t)) − β π(·|s_t) ⊙ (ln π(·|s_t) + H(π(·|s_t))) ]
/// b(s_t)    ← b(s_t) + η (G_t − b(s_t))
/// ```
///
/// (the second term is `β ∇_θ H`). The curiosity agent runs the Q-learning update on
/// `r + (η_c/2)‖e_{s'} − f(s, a)‖²`, the error of the forward model *before* it learns
/// the transition, `f(s, a) ← (1 − λ) f(s, a) + λ e_{s'}` (`f` starts at zero, so a new
/// transition earns `η_c/2`). The PUCT agent backs up, after each episode, the return-to-go
/// `G_t` into the running mean `Q(s_t, a_t)` and adds 1 to `N(s_t, a_t)`; an untried pair
/// has `Q = 0`, and at a state's first visit the rule follows the prior's largest entry
/// (ties broken at random).
///
/// # References
///
/// Strehl & Littman (2008), *An analysis of model-based Interval Estimation for Markov
/// Decision Processes* (MBIE-EB's bonus `β/√n`); Osband, Van Roy & Wen (2016),
/// *Generalization and Exploration via Randomized Value Functions* (RLSVI); Fox, Pakman
/// & Tishby (2016), *Taming the Noise in Reinforcement Learning via Soft Updates*;
/// Williams & Peng (1991), *Function optimization using connectionist reinforcement
/// learning algorithms* and Mnih et al. (2016), *Asynchronous Methods for Deep
/// Reinforcement Learning*, eq. (A3C's entropy term); Pathak, Agrawal, Efros & Darrell
/// (2017), *Curiosity-driven Exploration by Self-supervised Prediction*, eq. (6) (ICM's
/// intrinsic reward `η/2 ‖φ̂(s_{t+1}) − φ(s_{t+1})‖²`, here with one-hot features);
/// Silver et al. (2017), *Mastering the game of Go without human knowledge*, Methods
/// (PUCT), and Silver et al. (2018), *A general reinforcement learning algorithm that
/// masters chess, shogi, and Go through self-play*.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplorationConfig {
    explorer: Explorer,
    episodes: usize,
    max_episode_length: usize,
    step_size: f64,
    stop_at_first_reward: bool,
    prior: Option<Vec<f64>>,
}

/// The result of [`run_exploration`].
#[derive(Debug, Clone, PartialEq)]
pub struct ExplorationRun {
    /// The 1-based index of the first episode with a positive reward, `None` if the
    /// budget ran out first (a censored run).
    pub first_reward_episode: Option<usize>,
    /// The return of every episode played (step = episode index, 1-based).
    pub returns: LearningCurve,
    /// Environment steps taken in total.
    pub steps: usize,
    /// The agent's table at the end, flat `s · A + a`: the action values of the Q-learning
    /// agents (ε-greedy, Boltzmann, curiosity, soft Q), the values planned for the last
    /// episode (count bonus, randomised value), the policy logits (entropy policy
    /// gradient) or the mean returns (PUCT).
    pub table: Vec<f64>,
}

impl ExplorationConfig {
    /// A run of at most `episodes` episodes of at most `max_episode_length` steps, with
    /// step size `η = 1` for the model-free agents, stopping at the first reward.
    pub fn new(explorer: Explorer, episodes: usize, max_episode_length: usize) -> Self {
        Self {
            explorer,
            episodes,
            max_episode_length,
            step_size: 1.0,
            stop_at_first_reward: true,
            prior: None,
        }
    }

    /// The step size `η ∈ (0, 1]` of the model-free agents.
    pub fn step_size(mut self, step_size: f64) -> Self {
        self.step_size = step_size;
        self
    }

    /// Whether to stop at the first episode with a positive reward (default `true`).
    pub fn stop_at_first_reward(mut self, stop: bool) -> Self {
        self.stop_at_first_reward = stop;
        self
    }

    /// PUCT's prior `P(s, a)`, flat `s · A + a`, one probability vector per non-terminal
    /// state (default: uniform). Ignored by the other agents.
    pub fn prior(mut self, prior: Vec<f64>) -> Self {
        self.prior = Some(prior);
        self
    }

    fn validate_prior(&self, mdp: &Mdp) -> Result<(), LearningError> {
        let Some(prior) = &self.prior else {
            return Ok(());
        };
        let a_count = mdp.num_actions();
        let expected = mdp.num_states() * a_count;
        if prior.len() != expected {
            return Err(LearningError::DimensionMismatch {
                what: "prior",
                expected,
                found: prior.len(),
            });
        }
        for (s, row) in prior.chunks(a_count).enumerate() {
            for &p in row {
                check_range("prior", p, 0.0, 1.0, false, "in [0, 1]")?;
            }
            let total: f64 = row.iter().sum();
            // Rounding in a sum of A probabilities is a few ulps; 1e-9 is generous.
            if !mdp.is_terminal(s) && (total - 1.0).abs() > 1e-9 {
                return Err(LearningError::InvalidConfig {
                    what: "prior row sum",
                    value: total,
                    expected: "1 at every non-terminal state",
                });
            }
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), LearningError> {
        check_positive("episodes", self.episodes)?;
        check_positive("max_episode_length", self.max_episode_length)?;
        check_range("step_size", self.step_size, 0.0, 1.0, true, "in (0, 1]")?;
        match self.explorer {
            Explorer::EpsilonGreedy {
                epsilon0,
                decay_episodes,
            } => check_epsilon_schedule(epsilon0, decay_episodes),
            Explorer::Boltzmann { temperature } => check_soft_alpha(temperature),
            Explorer::SoftQ { alpha } => check_soft_alpha(alpha),
            Explorer::CountBonus { beta: x }
            | Explorer::RandomisedValue { sigma: x }
            | Explorer::Puct { c: x } => check_non_negative("bonus or noise scale", x),
            Explorer::EntropyPolicyGradient {
                entropy_bonus,
                learning_rate,
            } => {
                check_non_negative("entropy_bonus", entropy_bonus)?;
                check_range("learning_rate", learning_rate, 0.0, 1.0, true, "in (0, 1]")
            }
            Explorer::Curiosity {
                scale,
                model_rate,
                epsilon0,
                decay_episodes,
            } => {
                check_non_negative("curiosity scale", scale)?;
                check_range("model_rate", model_rate, 0.0, 1.0, true, "in (0, 1]")?;
                check_epsilon_schedule(epsilon0, decay_episodes)
            }
        }
    }
}

/// `Err(InvalidConfig)` unless `ε₀ ∈ [0, 1]` and `k₀` is finite and `> 0`.
fn check_epsilon_schedule(epsilon0: f64, decay_episodes: f64) -> Result<(), LearningError> {
    check_range("epsilon0", epsilon0, 0.0, 1.0, false, "in [0, 1]")?;
    check_range(
        "decay_episodes",
        decay_episodes,
        0.0,
        f64::MAX,
        true,
        "positive and finite",
    )
}

/// `Err(InvalidConfig)` unless `x` is finite and `≥ 0`.
fn check_non_negative(what: &'static str, x: f64) -> Result<(), LearningError> {
    check_range(what, x, 0.0, f64::MAX, false, "finite, ≥ 0")
}

/// Runs one exploration agent on `mdp` for the configured budget of episodes.
///
/// # Errors
///
/// [`LearningError::InvalidConfig`] for a zero budget or episode length, a step size
/// outside `(0, 1]`, `ε₀ ∉ [0, 1]`, a non-positive temperature or decay scale, a negative
/// or non-finite bonus, noise or entropy scale, a learning or model rate outside `(0, 1]`,
/// an ε outside `[0, 1]`, a PUCT prior entry outside `[0, 1]` or a prior row that does not
/// sum to 1, or an MDP whose every start state is terminal;
/// [`LearningError::DimensionMismatch`] for a prior without `S · A` entries;
/// [`LearningError::Diverged`] if a table stops being finite.
///
/// # Examples
///
/// ```
/// use maxent_rl::{DeepSea, ExplorationConfig, Explorer, run_exploration};
/// use rand::SeedableRng;
/// let mdp = DeepSea::new(6).build()?;
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
/// let agent = Explorer::CountBonus { beta: 1.0 };
/// let run = run_exploration(&mdp, &ExplorationConfig::new(agent, 500, 6), &mut rng)?;
/// // Directed exploration finds the treasure within a few dozen episodes.
/// assert!(run.first_reward_episode.unwrap() <= 60);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run_exploration<R: Rng + ?Sized>(
    mdp: &Mdp,
    config: &ExplorationConfig,
    rng: &mut R,
) -> Result<ExplorationRun, LearningError> {
    config.validate()?;
    config.validate_prior(mdp)?;
    check_startable(mdp)?;
    let (s_count, a_count) = (mdp.num_states(), mdp.num_actions());
    let len = s_count
        .checked_mul(a_count)
        .ok_or(LearningError::InvalidConfig {
            what: "S · A",
            value: f64::INFINITY,
            expected: "a table size that fits in memory",
        })?;
    // `q` holds the action values, or the logits of the policy-gradient agent, or the
    // mean returns of the PUCT agent.
    let mut q = vec![0.0; len];
    let mut model = EmpiricalModel::new(len);
    let mut run = ExplorationRun {
        first_reward_episode: None,
        returns: LearningCurve::default(),
        steps: 0,
        table: Vec::new(),
    };
    let mut noise = vec![0.0; len];
    // The baseline (policy gradient), the forward model (curiosity), the visit counts
    // (PUCT) and the episode's trajectory (policy gradient, PUCT).
    let mut baseline = vec![0.0; s_count];
    let mut forward: Vec<Vec<(usize, f64)>> = Vec::new();
    if matches!(config.explorer, Explorer::Curiosity { .. }) {
        forward = vec![Vec::new(); len];
    }
    let mut visits = vec![0_u64; len];
    let mut trajectory: Vec<(usize, usize, f64)> = Vec::with_capacity(config.max_episode_length);
    let mut scores = vec![0.0; a_count];
    for episode in 1..=config.episodes {
        if let Explorer::CountBonus { beta } = config.explorer {
            for (i, b) in noise.iter_mut().enumerate() {
                *b = match model.count[i] {
                    0 => beta * config.max_episode_length as f64,
                    n => beta / (n as f64).sqrt(),
                };
            }
            model.plan(mdp, &noise, config.max_episode_length, &mut q);
        } else if let Explorer::RandomisedValue { sigma } = config.explorer {
            for (i, b) in noise.iter_mut().enumerate() {
                let xi: f64 = StandardNormal.sample(rng);
                *b = sigma * xi / ((model.count[i] + 1) as f64).sqrt();
            }
            model.plan(mdp, &noise, config.max_episode_length, &mut q);
        }
        let mut s = crate::learning::sampling::sample_start_state(mdp, rng).0;
        let mut total = 0.0;
        let mut rewarded = false;
        trajectory.clear();
        for _ in 0..config.max_episode_length {
            let row = &q[s * a_count..(s + 1) * a_count];
            let a = if let Explorer::Puct { c } = config.explorer {
                // N(s) counts this visit too, as a search tree counts a node's expansion.
                let n_s: u64 = 1 + visits[s * a_count..(s + 1) * a_count].iter().sum::<u64>();
                let u = c * (n_s as f64).sqrt();
                for (k, sc) in scores.iter_mut().enumerate() {
                    let i = s * a_count + k;
                    let prior = config.prior.as_ref().map_or(1.0 / a_count as f64, |p| p[i]);
                    *sc = row[k] + u * prior / (1 + visits[i]) as f64;
                }
                greedy(&scores, rng)
            } else {
                choose(config.explorer, row, episode, rng)
            };
            let t = sample_transition_unchecked(mdp, s, a, rng);
            run.steps += 1;
            total += t.r;
            rewarded |= t.r > 0.0;
            let i = s * a_count + a;
            match config.explorer {
                Explorer::EpsilonGreedy { .. }
                | Explorer::Boltzmann { .. }
                | Explorer::Curiosity { .. } => {
                    let mut r = t.r;
                    if let Explorer::Curiosity {
                        scale, model_rate, ..
                    } = config.explorer
                    {
                        r += scale / 2.0
                            * forward_error_and_update(&mut forward[i], t.next_s, model_rate);
                    }
                    let next = if t.done {
                        0.0
                    } else {
                        let row = &q[t.next_s * a_count..(t.next_s + 1) * a_count];
                        row.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                    };
                    q[i] += config.step_size * (r + mdp.discount() * next - q[i]);
                }
                Explorer::SoftQ { alpha } => {
                    soft_q_learning_update(mdp, &mut q, &t, alpha, config.step_size)?;
                }
                Explorer::CountBonus { .. } | Explorer::RandomisedValue { .. } => {
                    model.record(i, t.r, t.next_s);
                }
                Explorer::EntropyPolicyGradient { .. } | Explorer::Puct { .. } => {
                    trajectory.push((s, a, t.r));
                }
            }
            if !q[i].is_finite() {
                return Err(LearningError::Diverged { step: run.steps });
            }
            s = t.next_s;
            if t.done {
                break;
            }
        }
        match config.explorer {
            Explorer::EntropyPolicyGradient {
                entropy_bonus,
                learning_rate,
            } => {
                reinforce_with_entropy(
                    &trajectory,
                    mdp.discount(),
                    entropy_bonus,
                    learning_rate,
                    &mut q,
                    &mut baseline,
                );
            }
            Explorer::Puct { .. } => {
                let mut g = 0.0;
                for &(s, a, r) in trajectory.iter().rev() {
                    g = r + mdp.discount() * g;
                    let i = s * a_count + a;
                    visits[i] += 1;
                    q[i] += (g - q[i]) / visits[i] as f64;
                }
            }
            _ => {}
        }
        if q.iter().any(|x| !x.is_finite()) {
            return Err(LearningError::Diverged { step: run.steps });
        }
        run.returns.push(episode, total);
        if rewarded && run.first_reward_episode.is_none() {
            run.first_reward_episode = Some(episode);
            if config.stop_at_first_reward {
                break;
            }
        }
    }
    run.table = q;
    Ok(run)
}

/// The squared error `‖e_{s'} − f‖²` of the sparse forward-model row `f` at the observed
/// successor `s'`, then the update `f ← (1 − λ) f + λ e_{s'}`.
fn forward_error_and_update(f: &mut Vec<(usize, f64)>, next_s: usize, rate: f64) -> f64 {
    // ‖e_{s'} − f‖² = Σ_j f_j² − 2 f_{s'} + 1.
    let sum_sq: f64 = f.iter().map(|&(_, p)| p * p).sum();
    let at_next = f
        .iter()
        .find(|(j, _)| *j == next_s)
        .map_or(0.0, |&(_, p)| p);
    let error = sum_sq - 2.0 * at_next + 1.0;
    for (_, p) in f.iter_mut() {
        *p *= 1.0 - rate;
    }
    match f.iter_mut().find(|(j, _)| *j == next_s) {
        Some((_, p)) => *p += rate,
        None => f.push((next_s, rate)),
    }
    error.max(0.0)
}

/// REINFORCE with a per-state baseline and the entropy bonus, over one episode.
fn reinforce_with_entropy(
    trajectory: &[(usize, usize, f64)],
    discount: f64,
    beta: f64,
    eta: f64,
    logits: &mut [f64],
    baseline: &mut [f64],
) {
    let a_count = logits.len() / baseline.len();
    let mut g = 0.0;
    let mut returns = vec![0.0; trajectory.len()];
    for (k, &(_, _, r)) in trajectory.iter().enumerate().rev() {
        g = r + discount * g;
        returns[k] = g;
    }
    let mut pi = vec![0.0; a_count];
    for (&(s, a, _), &g) in trajectory.iter().zip(&returns) {
        let row = &mut logits[s * a_count..(s + 1) * a_count];
        let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let z: f64 = row.iter().map(|&x| (x - m).exp()).sum();
        let ln_z = z.ln();
        // ln π_b = θ_b − m − ln z, exact and finite (log-softmax).
        let mut entropy = 0.0;
        for (p, &x) in pi.iter_mut().zip(row.iter()) {
            *p = x - m - ln_z;
            entropy -= p.exp() * *p;
        }
        let advantage = g - baseline[s];
        for (b, (x, &ln_p)) in row.iter_mut().zip(&pi).enumerate() {
            let p = ln_p.exp();
            let score = if b == a { 1.0 - p } else { -p };
            *x += eta * (advantage * score - beta * p * (ln_p + entropy));
        }
        baseline[s] += eta * advantage;
    }
}

/// An action from one row of `Q`, by the explorer's rule; ties broken uniformly.
fn choose<R: Rng + ?Sized>(explorer: Explorer, row: &[f64], episode: usize, rng: &mut R) -> usize {
    match explorer {
        Explorer::EpsilonGreedy {
            epsilon0,
            decay_episodes,
        }
        | Explorer::Curiosity {
            epsilon0,
            decay_episodes,
            ..
        } => {
            let epsilon = epsilon0 / (1.0 + (episode - 1) as f64 / decay_episodes);
            if rng.random::<f64>() < epsilon {
                rng.random_range(0..row.len())
            } else {
                greedy(row, rng)
            }
        }
        Explorer::Boltzmann { temperature: tau } | Explorer::SoftQ { alpha: tau } => {
            sample_softmax(row, tau, rng)
        }
        Explorer::EntropyPolicyGradient { .. } => sample_softmax(row, 1.0, rng),
        Explorer::CountBonus { .. } | Explorer::RandomisedValue { .. } | Explorer::Puct { .. } => {
            greedy(row, rng)
        }
    }
}

/// An action drawn from `softmax(row/τ)`.
fn sample_softmax<R: Rng + ?Sized>(row: &[f64], tau: f64, rng: &mut R) -> usize {
    let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let total: f64 = row.iter().map(|&x| ((x - m) / tau).exp()).sum();
    let mut u = rng.random::<f64>() * total;
    for (a, &x) in row.iter().enumerate() {
        u -= ((x - m) / tau).exp();
        if u < 0.0 {
            return a;
        }
    }
    row.len() - 1
}

/// An action of largest value, uniformly among ties.
fn greedy<R: Rng + ?Sized>(row: &[f64], rng: &mut R) -> usize {
    let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let ties = row.iter().filter(|&&x| x == m).count();
    let mut k = rng.random_range(0..ties);
    for (a, &x) in row.iter().enumerate() {
        if x == m {
            if k == 0 {
                return a;
            }
            k -= 1;
        }
    }
    0
}

/// Visit counts, reward sums and successor counts of every state–action pair.
struct EmpiricalModel {
    count: Vec<u64>,
    reward_sum: Vec<f64>,
    successors: Vec<Vec<(usize, u64)>>,
}

impl EmpiricalModel {
    fn new(len: usize) -> Self {
        Self {
            count: vec![0; len],
            reward_sum: vec![0.0; len],
            successors: vec![Vec::new(); len],
        }
    }

    fn record(&mut self, i: usize, r: f64, next_s: usize) {
        self.count[i] += 1;
        self.reward_sum[i] += r;
        match self.successors[i].iter_mut().find(|(s, _)| *s == next_s) {
            Some((_, c)) => *c += 1,
            None => self.successors[i].push((next_s, 1)),
        }
    }

    /// `horizon` backward sweeps of the optimistic/perturbed backup into `q`.
    fn plan(&self, mdp: &Mdp, bonus: &[f64], horizon: usize, q: &mut [f64]) {
        let a_count = mdp.num_actions();
        let mut v = vec![0.0; mdp.num_states()];
        for _ in 0..horizon {
            for (i, qi) in q.iter_mut().enumerate() {
                let n = self.count[i];
                *qi = if n == 0 {
                    bonus[i]
                } else {
                    let expected: f64 = self.successors[i]
                        .iter()
                        .map(|&(s2, c)| c as f64 * v[s2])
                        .sum::<f64>()
                        / n as f64;
                    self.reward_sum[i] / n as f64 + bonus[i] + mdp.discount() * expected
                };
            }
            for (s, vs) in v.iter_mut().enumerate() {
                *vs = if mdp.is_terminal(s) {
                    0.0
                } else {
                    q[s * a_count..(s + 1) * a_count]
                        .iter()
                        .copied()
                        .fold(f64::NEG_INFINITY, f64::max)
                };
            }
        }
    }
}
