//! Claims of chapter 14, "Exploration and entropy".

mod common;

use common::check_generated_block;

use maxent_rl::{
    DeepSea, ExplorationConfig, Explorer, GrowthFit, Mdp, SoftValueIteration, TabularPolicy,
    Termination, boltzmann_operator, chain_mdp, fit_growth, generalised_value_iteration,
    hitting_probability, mellowmax, run_exploration, sample_episode, soft_maximum,
    soft_policy_evaluation, soft_policy_gradient, softmax_policy,
};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use statrs::distribution::{ContinuousCDF, StudentsT};

// ---------------------------------------------------------------- Claim 14.1

/// DeepSea sizes of the small sweeps in the test: the dithering agents need ~2^N
/// episodes, so they are run on small N; the directed agents on a wider range.
const DITHERING_SIZES: [usize; 6] = [3, 4, 5, 6, 7, 8];
const DIRECTED_SIZES: [usize; 6] = [4, 6, 8, 10, 12, 14];
const SEEDS: u64 = 12;
const BUDGET: usize = 3000;

/// Episodes to first reward of `explorer` on DeepSea of every size, one entry per seed;
/// `None` for a run censored by the budget.
fn first_rewards(explorer: Explorer, sizes: &[usize]) -> Vec<(usize, Option<usize>)> {
    let mut out = Vec::new();
    for &n in sizes {
        let mdp = DeepSea::new(n).build().unwrap();
        for seed in 0..SEEDS {
            let mut rng = ChaCha8Rng::seed_from_u64(1000 * n as u64 + seed);
            let config = ExplorationConfig::new(explorer, BUDGET, n);
            let run = run_exploration(&mdp, &config, &mut rng).unwrap();
            out.push((n, run.first_reward_episode));
        }
    }
    out
}

/// The log-linear fit `ln T ≈ a + b N` and the log-log fit `ln T ≈ a + d ln N` over all
/// (size, seed) points, censored runs entered at the budget (which biases both slopes
/// *down*), and the number of censored runs.
fn growth_fits(points: &[(usize, Option<usize>)]) -> (GrowthFit, GrowthFit, usize) {
    let ln_t: Vec<f64> = points
        .iter()
        .map(|&(_, t)| (t.unwrap_or(BUDGET) as f64).ln())
        .collect();
    let n: Vec<f64> = points.iter().map(|&(n, _)| n as f64).collect();
    let ln_n: Vec<f64> = n.iter().map(|x| x.ln()).collect();
    let censored = points.iter().filter(|(_, t)| t.is_none()).count();
    (
        fit_growth(&n, &ln_t).unwrap(),
        fit_growth(&ln_n, &ln_t).unwrap(),
        censored,
    )
}

/// The 95% confidence interval of a fitted slope: slope ± t₀.₉₇₅(m − 2) · se.
fn slope_ci(fit: &GrowthFit) -> (f64, f64) {
    let t = StudentsT::new(0.0, 1.0, (fit.points - 2) as f64)
        .unwrap()
        .inverse_cdf(0.975);
    (
        fit.slope - t * fit.slope_std_error,
        fit.slope + t * fit.slope_std_error,
    )
}

/// The exponential rate the dithering agents must beat: the uniform policy's is
/// ln 2 ≈ 0.69 (2^N episodes on average); 0.5 leaves room for the seeds' spread.
const EXPONENTIAL_RATE: f64 = 0.5;

/// The log-log slope that growth `e^{rN}` shows on the directed agents' range: what a
/// directed agent would show if it grew exponentially at the rate `r`.
fn degree_of_exponential(rate: f64) -> f64 {
    let n: Vec<f64> = DIRECTED_SIZES.iter().map(|&n| (n as f64).ln()).collect();
    let ln_t: Vec<f64> = DIRECTED_SIZES.iter().map(|&n| rate * n as f64).collect();
    fit_growth(&n, &ln_t).unwrap().slope
}

fn dithering_agents() -> [(&'static str, Explorer); 5] {
    [
        (
            "ε-greedy Q-learning (ε₀ = 1, k₀ = 500)",
            Explorer::EpsilonGreedy {
                epsilon0: 1.0,
                decay_episodes: 500.0,
            },
        ),
        (
            "Boltzmann Q-learning (τ = 0.1)",
            Explorer::Boltzmann { temperature: 0.1 },
        ),
        ("soft Q-learning (α = 0.1)", Explorer::SoftQ { alpha: 0.1 }),
        (
            "policy gradient + entropy bonus (β = 0.1)",
            Explorer::EntropyPolicyGradient {
                entropy_bonus: 0.1,
                learning_rate: 0.5,
            },
        ),
        ("PUCT, uniform prior (c = 1)", Explorer::Puct { c: 1.0 }),
    ]
}

fn directed_agents() -> [(&'static str, Explorer); 2] {
    [
        ("count bonus (β = 1)", Explorer::CountBonus { beta: 1.0 }),
        (
            "randomised value (σ = 1)",
            Explorer::RandomisedValue { sigma: 1.0 },
        ),
    ]
}

#[test]
fn claim_14_1_dithering_grows_exponentially_directed_polynomially() {
    let runs = (SEEDS as usize) * DITHERING_SIZES.len();
    let mut table = String::from(
        "| Agent | sizes $N$ | rate $b$ [95% CI] | degree $d$ [95% CI] | censored |\n\
         |---|---|---|---|---|\n",
    );
    for (name, explorer) in dithering_agents() {
        let (exp_fit, _, censored) = growth_fits(&first_rewards(explorer, &DITHERING_SIZES));
        let (lo, hi) = slope_ci(&exp_fit);
        table += &format!(
            "| {name} | 3–8 | {:.2} [{lo:.2}, {hi:.2}] | — | {censored} of {runs} |\n",
            exp_fit.slope
        );
        eprintln!(
            "{name}: rate {:.3} [{lo:.3}, {hi:.3}], censored {censored}",
            exp_fit.slope
        );
        // Censored runs enter at the budget, which can only lower the fitted rate; the
        // whole 95% interval must still lie above the exponential rate.
        assert!(lo > EXPONENTIAL_RATE, "{name}: rate CI [{lo}, {hi}]");
    }
    // e^{0.5 N} on N = 4..14 has log-log slope ≈ 4.5: a directed agent must stay below it.
    let degree_bound = degree_of_exponential(EXPONENTIAL_RATE);
    for (name, explorer) in directed_agents() {
        let (exp_fit, poly_fit, censored) = growth_fits(&first_rewards(explorer, &DIRECTED_SIZES));
        let (lo, hi) = slope_ci(&exp_fit);
        let (d_lo, d_hi) = slope_ci(&poly_fit);
        eprintln!(
            "{name}: rate {:.3} [{lo:.3}, {hi:.3}], degree {:.2} [{d_lo:.2}, {d_hi:.2}] \
             (bound {degree_bound:.2}), censored {censored}",
            exp_fit.slope, poly_fit.slope
        );
        // No censoring (so the fit is of true values), and the whole interval of the
        // degree below what exponential growth at the dithering agents' rate would show.
        assert_eq!(censored, 0, "{name}");
        assert!(d_hi < degree_bound, "{name}: degree CI [{d_lo}, {d_hi}]");
        table += &format!(
            "| {name} | 4–14 | {:.2} [{lo:.2}, {hi:.2}] | {:.2} [{d_lo:.2}, {d_hi:.2}] | 0 of {runs} |\n",
            exp_fit.slope, poly_fit.slope
        );
    }
    check_generated_block("book/src/ch14-exploration.md", "ch14-deep-sea", &table);
}

/// The witness can fail: the count-bonus agent without its bonus (β = 0) is a greedy
/// learner whose move cost pushes it away from the treasure.
#[test]
fn claim_14_1_without_its_bonus_the_count_agent_fails() {
    // The smaller half of the directed sizes: a censored run of the model-based agent costs
    // the whole budget of planning sweeps, which grow like N³.
    let points = first_rewards(Explorer::CountBonus { beta: 0.0 }, &DIRECTED_SIZES[..3]);
    let (_, poly_fit, censored) = growth_fits(&points);
    let (_, d_hi) = slope_ci(&poly_fit);
    eprintln!(
        "count bonus (β = 0): censored {censored} of {}, degree CI to {d_hi:.2}",
        points.len()
    );
    // The claim's test rejects it: censored runs.
    assert!(censored > points.len() / 2);
}

/// The environment: under the uniform policy the treasure is reached with probability
/// exactly 2^{−N} per episode (only the all-right path reaches the bottom-right cell),
/// checked by the exact hitting probability and by Monte-Carlo.
#[test]
fn claim_14_1_deep_sea_uniform_policy_finds_treasure_with_probability_two_to_minus_n() {
    for n in [1, 3, 6] {
        let sea = DeepSea::new(n);
        let mdp = sea.build().unwrap();
        let uniform = TabularPolicy::uniform(mdp.num_states(), 2).unwrap();
        let target = sea.state(n - 1, n - 1);
        let p = hitting_probability(&mdp, &uniform, &[target], n).unwrap();
        // Reaching (N−1, N−1) needs N − 1 right moves, then one more right for the treasure.
        assert!((p - 0.5f64.powi(n as i32 - 1)).abs() < 1e-15);
        let mut rng = ChaCha8Rng::seed_from_u64(n as u64);
        let episodes = 20_000;
        let hits = (0..episodes)
            .filter(|_| {
                let e = sample_episode(&mdp, &uniform, n, &mut rng).unwrap();
                e.transitions.iter().any(|t| t.r > 0.0)
            })
            .count();
        let q = 0.5f64.powi(n as i32);
        let se = (q * (1.0 - q) / episodes as f64).sqrt();
        // 4 standard errors: a false failure has probability < 1e-4.
        assert!((hits as f64 / episodes as f64 - q).abs() < 4.0 * se);
    }
}

// ---------------------------------------------------------------- Claim 14.2

/// The curiosity agent of the chapter: ε-greedy Q-learning with the schedule of the
/// ε-greedy agent above, plus `(η_c/2)‖e_{s'} − f(s, a)‖²`.
fn curiosity(scale: f64, model_rate: f64) -> Explorer {
    Explorer::Curiosity {
        scale,
        model_rate,
        epsilon0: 1.0,
        decay_episodes: 500.0,
    }
}

const CURIOSITY_SIZES: [usize; 3] = [8, 10, 12];

#[test]
fn claim_14_2_curiosity_with_a_slow_model_rescues_epsilon_greedy() {
    let epsilon_greedy = Explorer::EpsilonGreedy {
        epsilon0: 1.0,
        decay_episodes: 500.0,
    };
    let plain = first_rewards(epsilon_greedy, &CURIOSITY_SIZES);
    // The control: with η_c = 0 the curiosity agent is the ε-greedy agent, draw for draw.
    assert_eq!(first_rewards(curiosity(0.0, 0.1), &CURIOSITY_SIZES), plain);
    let slow = first_rewards(curiosity(1.0, 0.1), &CURIOSITY_SIZES);
    let fast = first_rewards(curiosity(1.0, 1.0), &CURIOSITY_SIZES);
    let censored = |p: &[(usize, Option<usize>)]| p.iter().filter(|(_, t)| t.is_none()).count();
    let runs = plain.len();
    eprintln!(
        "censored of {runs}: ε-greedy {}, curiosity λ = 0.1 {}, curiosity λ = 1 {}",
        censored(&plain),
        censored(&slow),
        censored(&fast)
    );
    // The bonus with a slowly learned model finds the treasure in every run, where the
    // same agent without it is censored in most.
    assert_eq!(censored(&slow), 0);
    assert!(censored(&plain) > runs / 2);
    // With λ = 1 the model is exact after one visit and the bonus is paid once per pair:
    // some runs are censored again (15 of 36 when written).
    assert!(censored(&fast) > 0);
}

// ---------------------------------------------------------------- Claim 14.3

/// A DeepSea prior putting `p_right` on action 1 (right) in every cell.
fn right_prior(n: usize, p_right: f64) -> Vec<f64> {
    (0..n * n + 1)
        .flat_map(|_| [1.0 - p_right, p_right])
        .collect()
}

/// Episodes to first reward of PUCT (c = 1) with the prior `P(right) = p_right`.
fn puct_first_rewards(p_right: f64) -> Vec<Option<usize>> {
    let mut out = Vec::new();
    for &n in &CURIOSITY_SIZES {
        let mdp = DeepSea::new(n).build().unwrap();
        for seed in 0..SEEDS {
            let mut rng = ChaCha8Rng::seed_from_u64(1000 * n as u64 + seed);
            let config = ExplorationConfig::new(Explorer::Puct { c: 1.0 }, BUDGET, n)
                .prior(right_prior(n, p_right));
            out.push(
                run_exploration(&mdp, &config, &mut rng)
                    .unwrap()
                    .first_reward_episode,
            );
        }
    }
    out
}

#[test]
fn claim_14_3_puct_prior_sets_its_depth() {
    // Hand-worked, DeepSea of size 1 (one cell; right pays the treasure, left 0) with
    // P(right) = 0.15: every left visit returns 0, so Q = 0 for both, and after n left
    // visits right's score 0.15·√(n + 1) beats left's 0.85·√(n + 1)/(n + 1) once
    // n + 1 > 0.85/0.15 ≈ 5.67, i.e. at n = 5: the treasure comes in episode 6 exactly.
    let one = DeepSea::new(1).build().unwrap();
    let config =
        ExplorationConfig::new(Explorer::Puct { c: 1.0 }, 20, 1).prior(right_prior(1, 0.15));
    let run = run_exploration(&one, &config, &mut ChaCha8Rng::seed_from_u64(0)).unwrap();
    assert_eq!(run.first_reward_episode, Some(6));
    // An informative prior: the first descent follows the prior's larger entry at every
    // unvisited cell, straight to the treasure.
    let good = puct_first_rewards(0.9);
    assert!(good.iter().all(|&t| t == Some(1)), "{good:?}");
    // A misleading prior: each right move waits for about five left visits of its cell,
    // level after level; every run exhausts the budget, where the uniform prior (claim
    // 14.1's random-walk rate) leaves most runs uncensored (29 of 36 when written).
    let bad = puct_first_rewards(0.15);
    let uniform = puct_first_rewards(0.5);
    let censored = |v: &[Option<usize>]| v.iter().filter(|t| t.is_none()).count();
    eprintln!(
        "PUCT censored of {}: prior 0.15 {}, uniform {}",
        bad.len(),
        censored(&bad),
        censored(&uniform)
    );
    assert_eq!(censored(&bad), bad.len());
    assert!(censored(&uniform) < uniform.len() / 2);
}

// ---------------------------------------------------------------- Claim 14.4

#[test]
fn claim_14_4_boltzmann_operator_expands_a_sup_norm_distance() {
    // Two entries x = (0, c): boltz_β(x) = c·σ(βc), σ the logistic function, worked by
    // hand from the definition (weights 1 and e^{βc}).
    let beta = 16.55;
    let by_hand = |c: f64| c / (1.0 + (-beta * c).exp());
    for c in [0.0, 0.1, 0.14, 0.15, 1.0] {
        assert!((boltzmann_operator(&[0.0, c], beta) - by_hand(c)).abs() < 1e-15);
    }
    // x = (0, 0.14), y = (0, 0.15): ‖x − y‖∞ = 0.01, yet the outputs differ by more.
    let gap = by_hand(0.15) - by_hand(0.14);
    assert!(gap > 1.09 * 0.01, "gap {gap}");
    let op_gap = boltzmann_operator(&[0.0, 0.15], beta) - boltzmann_operator(&[0.0, 0.14], beta);
    assert!(op_gap > 1.09 * 0.01);
    // Mellowmax and the soft maximum at the same parameter do not expand this pair.
    for f in [
        |x: &[f64]| mellowmax(x, 16.55),
        |x: &[f64]| soft_maximum(x, 1.0 / 16.55),
    ] {
        assert!((f(&[0.0, 0.15]) - f(&[0.0, 0.14])).abs() <= 0.01);
    }
}

/// Relative rounding allowance of the non-expansion checks: log-sum-exp of ≤ 8 terms of
/// size ≤ 10 loses a few ulps; 1e-12 absolute is far above that and far below any real
/// violation (the Boltzmann operator's are ~10% of the distance).
const ROUNDING: f64 = 1e-12;

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn claim_14_4_mellowmax_and_soft_maximum_are_non_expansions(
        pair in (1usize..8).prop_flat_map(|n| (
            proptest::collection::vec(-10.0f64..10.0, n),
            proptest::collection::vec(-10.0f64..10.0, n),
        )),
        param in 0.01f64..50.0,
    ) {
        let (x, y) = pair;
        let dist = x.iter().zip(&y).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        let mm = (mellowmax(&x, param) - mellowmax(&y, param)).abs();
        prop_assert!(mm <= dist + ROUNDING, "mellowmax: {mm} > {dist}");
        let sm = (soft_maximum(&x, 1.0 / param) - soft_maximum(&y, 1.0 / param)).abs();
        prop_assert!(sm <= dist + ROUNDING, "soft maximum: {sm} > {dist}");
    }
}

/// The same search finds Boltzmann violations: the property check can fail.
#[test]
fn claim_14_4_the_same_check_catches_the_boltzmann_operator() {
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    use rand::RngExt;
    let violations = (0..2000)
        .filter(|_| {
            let x: Vec<f64> = (0..3).map(|_| rng.random_range(-1.0..1.0)).collect();
            let y: Vec<f64> = x.iter().map(|v| v + rng.random_range(-0.1..0.1)).collect();
            let dist = x
                .iter()
                .zip(&y)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            (boltzmann_operator(&x, 10.0) - boltzmann_operator(&y, 10.0)).abs() > dist + ROUNDING
        })
        .count();
    assert!(violations > 0);
}

// ---------------------------------------------------------------- Claim 14.5

/// The two-state MDP of claim 14.5 (our instance, found by a scan; see the chapter):
/// state 0 has action a (reward 0.1, stays with probability 0.2) and action b (reward
/// 0.02, stays with probability 0.99); otherwise the episode ends in terminal state 1.
const GVI_MDP: (f64, f64, f64, f64) = (0.1, 0.2, 0.02, 0.99);
const GVI_DISCOUNT: f64 = 0.98;
const GVI_BETA: f64 = 16.55;

fn gvi_mdp() -> Mdp {
    let (r_a, p_a, r_b, p_b) = GVI_MDP;
    let transitions = vec![
        vec![(0, p_a), (1, 1.0 - p_a)],
        vec![(0, p_b), (1, 1.0 - p_b)],
        vec![(1, 1.0)],
        vec![(1, 1.0)],
    ];
    Mdp::new(2, 2, &transitions, vec![r_a, r_b, 0.0, 0.0], GVI_DISCOUNT)
        .unwrap()
        .with_terminal_states(&[1])
        .unwrap()
}

/// Every root of `h(V) = ⊗(r_a + γ p_a V, r_b + γ p_b V) − V` on `[0, 5]`, written by
/// hand from the MDP (not through the library's sweep): sign changes on a grid of step
/// 5·10⁻⁵, each refined by 200 bisection steps. Every fixed point lies in `[0, 5]`: each
/// operator here returns a value between the min and the max of its row (plus `α ln 2`
/// for the soft maximum), so `0 ≤ V ≤ (0.1 + 0.03)/(1 − 0.98) < 7` — the scan goes to 5
/// and the test checks `h(5) < 0`, so no root lies beyond.
fn fixed_points_by_bisection(op: &dyn Fn(&[f64]) -> f64) -> Vec<f64> {
    let (r_a, p_a, r_b, p_b) = GVI_MDP;
    let h = |v: f64| op(&[r_a + GVI_DISCOUNT * p_a * v, r_b + GVI_DISCOUNT * p_b * v]) - v;
    assert!(h(0.0) > 0.0 && h(5.0) < 0.0);
    let steps = 100_000;
    let mut roots = Vec::new();
    let mut lo = 0.0;
    for i in 1..=steps {
        let hi = 5.0 * i as f64 / steps as f64;
        if (h(lo) > 0.0) != (h(hi) > 0.0) {
            let (mut a, mut b) = (lo, hi);
            for _ in 0..200 {
                let m = 0.5 * (a + b);
                if (h(m) > 0.0) == (h(a) > 0.0) {
                    a = m;
                } else {
                    b = m;
                }
            }
            roots.push(0.5 * (a + b));
        }
        lo = hi;
    }
    roots
}

#[test]
fn claim_14_5_boltzmann_value_iteration_has_three_fixed_points() {
    let boltz = |x: &[f64]| boltzmann_operator(x, GVI_BETA);
    let roots = fixed_points_by_bisection(&boltz);
    eprintln!("Boltzmann fixed points: {roots:?}");
    assert_eq!(roots.len(), 3, "{roots:?}");
    let mdp = gvi_mdp();
    // Started below the middle root, the iteration settles on the lowest; started above,
    // on the highest: the limit depends on the start, and the middle root repels.
    let middle = roots[1];
    for (v0, expected) in [
        (0.0, roots[0]),
        (middle - 1e-3, roots[0]),
        (middle + 1e-3, roots[2]),
        (5.0, roots[2]),
    ] {
        let run = generalised_value_iteration(&mdp, &[v0, 0.0], boltz, 1e-14, 100_000).unwrap();
        assert_eq!(run.termination, Termination::Converged, "from {v0}");
        // The bisection root is exact to rounding; the iteration stops when a sweep moves
        // V by ≤ 1e-14, and the contraction factor at a stable root (|h'| + 1 < 0.99 here)
        // leaves it within 1e-14/(1 − 0.99) = 1e-12 of the root; 1e-10 allows for that.
        assert!(
            (run.values[0] - expected).abs() < 1e-10,
            "from {v0}: {} vs {expected}",
            run.values[0]
        );
    }
}

/// A backup operator on one row of `Q`.
type RowOperator = Box<dyn Fn(&[f64]) -> f64>;

#[test]
fn claim_14_5_mellowmax_and_soft_maximum_have_one_fixed_point() {
    let mdp = gvi_mdp();
    let operators: [(&str, RowOperator); 2] = [
        ("mellowmax", Box::new(|x: &[f64]| mellowmax(x, GVI_BETA))),
        (
            "soft maximum",
            Box::new(|x: &[f64]| soft_maximum(x, 1.0 / GVI_BETA)),
        ),
    ];
    for (name, op) in operators {
        let roots = fixed_points_by_bisection(&op);
        eprintln!("{name} fixed points: {roots:?}");
        assert_eq!(roots.len(), 1, "{name}: {roots:?}");
        for v0 in [0.0, roots[0] - 1e-3, roots[0] + 1e-3, 5.0] {
            let run = generalised_value_iteration(&mdp, &[v0, 0.0], &op, 1e-14, 100_000).unwrap();
            assert_eq!(run.termination, Termination::Converged, "{name} from {v0}");
            // A γ-contraction: stopping at a change ≤ 1e-14 leaves the iterate within
            // γ/(1 − γ) · 1e-14 ≈ 5e-13 of the fixed point.
            assert!((run.values[0] - roots[0]).abs() < 1e-11, "{name} from {v0}");
        }
    }
}

// ---------------------------------------------------------------- Claim 14.6

/// P(a run of k heads within T fair coin flips), by the renewal recursion on the first
/// tail: q_T = P(no run) = Σ_{j=0}^{k−1} 2^{−(j+1)} q_{T−j−1} for T ≥ k, q_T = 1 for T < k.
fn run_of_heads_probability(k: usize, t_budget: usize) -> f64 {
    let mut q = vec![1.0; t_budget + 1];
    for t in k..=t_budget {
        q[t] = (0..k)
            .map(|j| 0.5f64.powi(j as i32 + 1) * q[t - j - 1])
            .sum();
    }
    1.0 - q[t_budget]
}

#[test]
fn claim_14_6_uniform_policy_hits_the_chain_end_like_a_run_of_heads() {
    for (n, budget) in [(4, 10), (6, 40), (8, 100)] {
        let mdp = chain_mdp(n, 0.0, 0.99).unwrap();
        let uniform = TabularPolicy::uniform(n, 2).unwrap();
        let exact = hitting_probability(&mdp, &uniform, &[n - 1], budget).unwrap();
        // Reaching state n − 1 from 0 needs n − 1 forward moves in a row.
        let renewal = run_of_heads_probability(n - 1, budget);
        assert!((exact - renewal).abs() < 1e-13, "{exact} vs {renewal}");
        let mut rng = ChaCha8Rng::seed_from_u64(n as u64);
        let episodes = 10_000;
        let hits = (0..episodes)
            .filter(|_| {
                let e = sample_episode(&mdp, &uniform, budget, &mut rng).unwrap();
                e.transitions.iter().any(|t| t.next_s == n - 1)
            })
            .count();
        let se = (exact * (1.0 - exact) / episodes as f64).sqrt();
        // 4 standard errors.
        assert!((hits as f64 / episodes as f64 - exact).abs() < 4.0 * se);
    }
}

/// The chain as a learner sees it before it has found the far reward: only `back` pays.
fn chain_without_far_reward(n: usize) -> Mdp {
    let mut mdp = chain_mdp(n, 0.0, 0.9).unwrap();
    let rewards: Vec<f64> = (0..2 * n)
        .map(|i| if i % 2 == 1 { 2.0 } else { 0.0 })
        .collect();
    mdp.set_rewards(&rewards).unwrap();
    mdp
}

#[test]
fn claim_14_6_the_entropy_bonus_at_most_restores_the_uniform_chance() {
    let (n, budget) = (6, 40);
    let mdp = chain_without_far_reward(n);
    let uniform = TabularPolicy::uniform(n, 2).unwrap();
    let p_uniform = hitting_probability(&mdp, &uniform, &[n - 1], budget).unwrap();
    let mut previous = 0.0;
    for alpha in [0.5, 1.0, 2.0, 5.0, 20.0, 100.0] {
        let policy = SoftValueIteration::new(alpha)
            .tolerance(1e-10)
            .run(&mdp)
            .unwrap()
            .policy()
            .unwrap();
        let p = hitting_probability(&mdp, &policy, &[n - 1], budget).unwrap();
        eprintln!("α = {alpha}: P(hit within {budget}) = {p:.3e} (uniform {p_uniform:.3e})");
        assert!(p > previous && p < p_uniform, "α = {alpha}: {p}");
        previous = p;
    }
    // Monte-Carlo witness of one of them (α = 5).
    let policy = SoftValueIteration::new(5.0)
        .tolerance(1e-10)
        .run(&mdp)
        .unwrap()
        .policy()
        .unwrap();
    let exact = hitting_probability(&mdp, &policy, &[n - 1], budget).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let episodes = 20_000;
    let hits = (0..episodes)
        .filter(|_| {
            let e = sample_episode(&mdp, &policy, budget, &mut rng).unwrap();
            e.transitions.iter().any(|t| t.next_s == n - 1)
        })
        .count();
    let se = (exact * (1.0 - exact) / episodes as f64).sqrt();
    assert!((hits as f64 / episodes as f64 - exact).abs() < 4.0 * se);
}

// ---------------------------------------------------------------- Bad input

#[test]
fn bad_input_gives_typed_errors_naming_the_value() {
    use maxent_rl::{LearningError, MdpError};
    assert!(matches!(
        DeepSea::new(0).build(),
        Err(MdpError::InvalidParameter { what: "size", .. })
    ));
    assert!(matches!(
        DeepSea::new(3).move_cost(f64::NAN).build(),
        Err(MdpError::InvalidParameter {
            what: "move_cost",
            ..
        })
    ));
    let mdp = DeepSea::new(3).build().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let bad = [
        (Explorer::SoftQ { alpha: 0.0 }, 10, 3, 1.0),
        (
            Explorer::Boltzmann {
                temperature: f64::NAN,
            },
            10,
            3,
            1.0,
        ),
        (Explorer::CountBonus { beta: -1.0 }, 10, 3, 1.0),
        (
            Explorer::RandomisedValue {
                sigma: f64::INFINITY,
            },
            10,
            3,
            1.0,
        ),
        (
            Explorer::EpsilonGreedy {
                epsilon0: 1.5,
                decay_episodes: 1.0,
            },
            10,
            3,
            1.0,
        ),
        (
            Explorer::EntropyPolicyGradient {
                entropy_bonus: -0.1,
                learning_rate: 0.5,
            },
            10,
            3,
            1.0,
        ),
        (
            Explorer::EntropyPolicyGradient {
                entropy_bonus: 0.1,
                learning_rate: 0.0,
            },
            10,
            3,
            1.0,
        ),
        (
            Explorer::Curiosity {
                scale: 1.0,
                model_rate: 2.0,
                epsilon0: 1.0,
                decay_episodes: 1.0,
            },
            10,
            3,
            1.0,
        ),
        (
            Explorer::Curiosity {
                scale: f64::NAN,
                model_rate: 0.5,
                epsilon0: 1.0,
                decay_episodes: 1.0,
            },
            10,
            3,
            1.0,
        ),
        (Explorer::Puct { c: f64::NAN }, 10, 3, 1.0),
        (Explorer::Puct { c: -1.0 }, 10, 3, 1.0),
        (Explorer::CountBonus { beta: 1.0 }, 0, 3, 1.0),
        (Explorer::CountBonus { beta: 1.0 }, 10, 0, 1.0),
        (Explorer::SoftQ { alpha: 1.0 }, 10, 3, 0.0),
    ];
    for (explorer, episodes, len, eta) in bad {
        let config = ExplorationConfig::new(explorer, episodes, len).step_size(eta);
        let err = run_exploration(&mdp, &config, &mut rng).unwrap_err();
        assert!(matches!(err, LearningError::InvalidConfig { .. }), "{err}");
    }
    let puct = Explorer::Puct { c: 1.0 };
    let short = ExplorationConfig::new(puct, 10, 3).prior(vec![0.5; 4]);
    assert!(matches!(
        run_exploration(&mdp, &short, &mut rng),
        Err(LearningError::DimensionMismatch {
            what: "prior",
            found: 4,
            ..
        })
    ));
    let unnormalised = ExplorationConfig::new(puct, 10, 3).prior(vec![0.6; 20]);
    assert!(matches!(
        run_exploration(&mdp, &unnormalised, &mut rng),
        Err(LearningError::InvalidConfig {
            what: "prior row sum",
            ..
        })
    ));
    let mut nan = vec![0.5; 20];
    nan[3] = f64::NAN;
    let nan = ExplorationConfig::new(puct, 10, 3).prior(nan);
    assert!(matches!(
        run_exploration(&mdp, &nan, &mut rng),
        Err(LearningError::InvalidConfig { what: "prior", .. })
    ));
    let two_state = gvi_mdp();
    let max = |q: &[f64]| q.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    assert!(matches!(
        generalised_value_iteration(&two_state, &[0.0], max, 1e-9, 10),
        Err(MdpError::DimensionMismatch { found: 1, .. })
    ));
    assert!(matches!(
        generalised_value_iteration(&two_state, &[f64::NAN, 0.0], max, 1e-9, 10),
        Err(MdpError::NonFiniteValue { .. })
    ));
    assert!(matches!(
        generalised_value_iteration(&two_state, &[0.0, 0.0], max, -1.0, 10),
        Err(MdpError::InvalidParameter {
            what: "tolerance",
            ..
        })
    ));
    // An operator that returns NaN is caught, not iterated.
    assert!(matches!(
        generalised_value_iteration(&two_state, &[0.0, 0.0], |_| f64::NAN, 1e-9, 10),
        Err(MdpError::NonFiniteValue { .. })
    ));
    // A budget of zero sweeps returns the start, unconverged.
    let run = generalised_value_iteration(&two_state, &[0.5, 0.0], max, 1e-9, 0).unwrap();
    assert_eq!(run.termination, Termination::MaxIterations);
    assert_eq!(run.values, vec![0.5, 0.0]);
    assert!(fit_growth(&[1.0, 2.0], &[1.0, 2.0]).is_err());
    assert!(fit_growth(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]).is_err());
    assert!(fit_growth(&[1.0, 2.0, f64::NAN], &[1.0, 2.0, 3.0]).is_err());
    let uniform = TabularPolicy::uniform(mdp.num_states(), 2).unwrap();
    assert!(hitting_probability(&mdp, &uniform, &[0], 0).is_err());
    assert!(matches!(
        hitting_probability(&mdp, &uniform, &[99], 3),
        Err(LearningError::IndexOutOfRange { index: 99, .. })
    ));
}

// ---------------------------------------------------------------- Claim 14.7

/// The two-armed bandit as a one-step MDP: state 0, arm 0 pays `Δ = 1`, arm 1 pays 0,
/// both end in terminal state 1.
fn two_armed_bandit() -> Mdp {
    let p = vec![
        vec![(1, 1.0)],
        vec![(1, 1.0)],
        vec![(1, 1.0)],
        vec![(1, 1.0)],
    ];
    Mdp::new(2, 2, &p, vec![1.0, 0.0, 0.0, 0.0], 0.9)
        .unwrap()
        .with_terminal_states(&[1])
        .unwrap()
        .with_initial_state(0)
        .unwrap()
}

/// `J_α(θ) = Σ_a π_a r_a + α H(π)` of the bandit, by hand (not through the library).
fn bandit_objective(u: f64, alpha: f64) -> f64 {
    let p = 1.0 / (1.0 + (-u).exp());
    let h = -(p * p.ln() + (1.0 - p) * (1.0 - p).ln());
    p + alpha * h
}

/// `σ'(u) = σ(u)(1 − σ(u))`, written as `e^{−|u|}/(1 + e^{−|u|})²` so that it stays
/// accurate at `|u| = 30`.
fn logistic_slope(u: f64) -> f64 {
    let e = (-u.abs()).exp();
    e / ((1.0 + e) * (1.0 + e))
}

#[test]
fn claim_14_7_entropy_scales_the_corner_plateau_but_keeps_it() {
    let mdp = two_armed_bandit();
    for alpha in [0.0, 0.1, 1.0] {
        for m in [2.0, 10.0, 30.0] {
            // Logits (−M, 0): the policy sits near the wrong corner, u = θ₀ − θ₁ = −M.
            let g = soft_policy_gradient(&mdp, &[-m, 0.0, 0.0, 0.0], alpha)
                .unwrap()
                .gradient;
            // Hand derivation: J depends on u only, dJ/du = σ'(u)(Δ − αu), and
            // ∂/∂θ₀ = dJ/du, ∂/∂θ₁ = −dJ/du.
            let closed = logistic_slope(-m) * (1.0 + alpha * m);
            assert!((g[0] - closed).abs() <= 1e-12 * closed, "{alpha} {m}");
            assert!((g[1] + closed).abs() <= 1e-12 * closed);
            // Finite differences of the hand-written objective at M = 2 (at larger M the
            // difference of two nearly equal J values loses every digit): central step
            // 1e-5, error O(h²) ≈ 1e-10 plus rounding 1e-16/1e-5.
            if m == 2.0 {
                let h = 1e-5;
                let fd =
                    (bandit_objective(-m + h, alpha) - bandit_objective(-m - h, alpha)) / (2.0 * h);
                assert!((fd - g[0]).abs() < 1e-9, "{fd} vs {}", g[0]);
            }
            // The plateau: with or without entropy the gradient is below (1 + αM) e^{−M}.
            assert!(g[0] <= (1.0 + alpha * m) * (-m).exp());
        }
    }
}

/// Steps of gradient ascent `θ ← θ + η∇J_α` from logits (−M, 0) until `π₀ ≥ 1/2`.
fn escape_steps(m: f64, alpha: f64, eta: f64) -> usize {
    let mdp = two_armed_bandit();
    let mut z = vec![-m, 0.0, 0.0, 0.0];
    let mut steps = 0;
    while z[0] < z[1] {
        let g = soft_policy_gradient(&mdp, &z, alpha).unwrap().gradient;
        z.iter_mut().zip(&g).for_each(|(zi, gi)| *zi += eta * gi);
        steps += 1;
        assert!(steps < 10_000_000);
    }
    steps
}

/// The gradient-flow time `∫_{−M}^{0} du / (2η σ'(u)(Δ − αu))` (u gains 2ηg a step), by
/// composite Simpson on 20 000 intervals.
fn escape_time_by_quadrature(m: f64, alpha: f64, eta: f64) -> f64 {
    let f = |u: f64| 1.0 / (2.0 * eta * logistic_slope(u) * (1.0 - alpha * u));
    let n = 20_000;
    let h = m / n as f64;
    let mut sum = f(-m) + f(0.0);
    for i in 1..n {
        sum += if i % 2 == 1 { 4.0 } else { 2.0 } * f(-m + i as f64 * h);
    }
    sum * h / 3.0
}

#[test]
fn claim_14_7_escaping_the_corner_takes_exponentially_many_steps_with_or_without_entropy() {
    let eta = 1.0;
    for alpha in [0.0, 0.1] {
        let steps: Vec<usize> = [6.0, 9.0, 12.0]
            .iter()
            .map(|&m| escape_steps(m, alpha, eta))
            .collect();
        for (&m, &k) in [6.0, 9.0, 12.0].iter().zip(&steps) {
            let t = escape_time_by_quadrature(m, alpha, eta);
            eprintln!("α = {alpha}, M = {m}: {k} steps, gradient flow {t:.1}");
            // Euler steps against the flow: the steps near u = 0 are O(1) in u, so the
            // discrete count differs from the flow time by a few steps; 2% + 3 steps.
            assert!((k as f64 - t).abs() < 0.02 * t + 3.0, "{k} vs {t}");
        }
        // Three more units of logit gap cost at least e³/(1 + 0.1·12)·… ≥ 10 times the
        // steps: the plateau's exponential length survives the entropy term.
        assert!(
            steps[1] > 10 * steps[0] && steps[2] > 10 * steps[1],
            "{steps:?}"
        );
    }
}

#[test]
fn claim_14_7_entropy_gives_the_top_strict_curvature() {
    let mdp = two_armed_bandit();
    let grad = |z: &[f64], alpha: f64| soft_policy_gradient(&mdp, z, alpha).unwrap().gradient;
    // With α > 0 the maximum is at u* = Δ/α, where d²J/du² = −α σ'(u*); in θ the Hessian
    // is −α σ'(u*) v vᵀ, v = (1, −1). Checked by central differences of the library's
    // gradient (step 1e-5: truncation ~1e-10, rounding ~1e-11).
    for alpha in [0.25, 1.0, 4.0] {
        let u = 1.0 / alpha;
        let z = [u, 0.0, 0.0, 0.0];
        assert!(grad(&z, alpha)[0].abs() < 1e-14);
        let h = 1e-5;
        let mut hessian = [[0.0; 2]; 2];
        for j in 0..2 {
            let (mut up, mut down) = (z, z);
            up[j] += h;
            down[j] -= h;
            let (gu, gd) = (grad(&up, alpha), grad(&down, alpha));
            for i in 0..2 {
                hessian[i][j] = (gu[i] - gd[i]) / (2.0 * h);
            }
        }
        let c = -alpha * logistic_slope(u);
        let expected = [[c, -c], [-c, c]];
        for i in 0..2 {
            for j in 0..2 {
                assert!((hessian[i][j] - expected[i][j]).abs() < 1e-8, "{hessian:?}");
            }
        }
    }
    // Without entropy there is no top at finite logits: the gradient along u is σ'(u)Δ > 0
    // everywhere, and the curvature along u tends to 0 as u grows.
    for u in [0.0, 5.0, 20.0] {
        assert!(grad(&[u, 0.0, 0.0, 0.0], 0.0)[0] > 0.0);
    }
}

#[test]
fn claim_14_7_on_the_chain_entropy_turns_the_back_corner_from_attractor_to_repeller() {
    // Strens's chain, n = 5, no slip, γ = 0.99: the optimal policy goes forward, but at the
    // policy that nearly always goes back (logit gap M) going forward at the start looks
    // worse (Q(0, fwd) = γ V(1) < V(0)), so without entropy the gradient pushes further
    // into the corner. Measured: the sign of ∂J/∂θ(0, fwd), and the magnitude.
    let mdp = chain_mdp(5, 0.0, 0.99).unwrap();
    let logits = |m: f64| -> Vec<f64> { (0..5).flat_map(|_| [-m, 0.0]).collect() };
    let objective = |z: &[f64], alpha: f64| {
        let pi = softmax_policy(z, 2).unwrap();
        soft_policy_evaluation(&mdp, &pi, alpha).unwrap()[0]
    };
    let mut magnitudes = Vec::new();
    for m in [4.0, 8.0] {
        let z = logits(m);
        let hard = soft_policy_gradient(&mdp, &z, 0.0).unwrap().gradient[0];
        let soft = soft_policy_gradient(&mdp, &z, 1.0).unwrap().gradient[0];
        // Witness: central differences of J_α evaluated by the linear solve (step 1e-4 on a
        // J of order 200: rounding 200·1e-16/1e-4 ≈ 2e-10, truncation O(h²)·J''' ≈ 1e-8).
        for (alpha, g) in [(0.0, hard), (1.0, soft)] {
            let (mut up, mut down) = (z.clone(), z.clone());
            up[0] += 1e-4;
            down[0] -= 1e-4;
            let fd = (objective(&up, alpha) - objective(&down, alpha)) / 2e-4;
            assert!(
                (fd - g).abs() < 1e-6 + 1e-4 * g.abs(),
                "M = {m}, α = {alpha}: {fd} vs {g}"
            );
        }
        eprintln!("M = {m}: ∂J/∂θ(0, fwd) = {hard:.3e} (α = 0), {soft:.3e} (α = 1)");
        assert!(hard < 0.0, "without entropy the corner attracts");
        assert!(soft > 0.0, "with α = 1 it repels");
        magnitudes.push((hard.abs(), soft.abs()));
    }
    // The plateau: four more units of logit gap shrink both gradients more than tenfold
    // (π(fwd | 0) ≈ e^{−M} multiplies either; e^{−4} ≈ 0.018).
    assert!(magnitudes[1].0 < 0.1 * magnitudes[0].0);
    assert!(magnitudes[1].1 < 0.1 * magnitudes[0].1);
}

/// `Q*` of a deterministic MDP by value iteration written here (the witness), to `1e-14`.
fn optimal_q(mdp: &maxent_rl::Mdp) -> Vec<f64> {
    let (s_count, a_count) = (mdp.num_states(), mdp.num_actions());
    let mut q = vec![0.0; s_count * a_count];
    for _ in 0..10_000 {
        let v: Vec<f64> = (0..s_count)
            .map(|s| {
                let row = &q[s * a_count..(s + 1) * a_count];
                row.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            })
            .collect();
        let mut change: f64 = 0.0;
        for s in (0..s_count).filter(|&s| !mdp.is_terminal(s)) {
            for a in 0..a_count {
                let future: f64 = mdp
                    .successors(s, a)
                    .filter(|&(n, _)| !mdp.is_terminal(n))
                    .map(|(n, p)| p * v[n])
                    .sum();
                let new = mdp.reward(s, a) + mdp.discount() * future;
                change = change.max((new - q[s * a_count + a]).abs());
                q[s * a_count + a] = new;
            }
        }
        if change < 1e-15 {
            break;
        }
    }
    q
}

#[test]
fn q_learning_agents_reach_the_optimal_values_on_a_deterministic_sea() {
    // With ε = 1 throughout (or a Boltzmann temperature far above the values) every
    // state-action pair is tried again and again, and a step size of 1 on deterministic
    // transitions makes each update exact: Q-learning's table must equal Q*.
    let mdp = DeepSea::new(4).build().unwrap();
    let q_star = optimal_q(&mdp);
    // The states reachable from the start (a search over successors): only they are
    // ever updated.
    let mut reachable: Vec<bool> = mdp
        .initial_distribution()
        .iter()
        .map(|&p| p > 0.0)
        .collect();
    let mut frontier: Vec<usize> = (0..mdp.num_states()).filter(|&s| reachable[s]).collect();
    while let Some(s) = frontier.pop() {
        for a in 0..mdp.num_actions() {
            for (n, _) in mdp.successors(s, a) {
                if !reachable[n] {
                    reachable[n] = true;
                    frontier.push(n);
                }
            }
        }
    }
    for explorer in [
        Explorer::EpsilonGreedy {
            epsilon0: 1.0,
            decay_episodes: 1e12,
        },
        Explorer::Boltzmann { temperature: 1e6 },
        Explorer::Curiosity {
            scale: 0.0,
            model_rate: 0.5,
            epsilon0: 1.0,
            decay_episodes: 1e12,
        },
    ] {
        let config = ExplorationConfig::new(explorer, 2000, 10).stop_at_first_reward(false);
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let run = run_exploration(&mdp, &config, &mut rng).unwrap();
        for (i, (q, q_opt)) in run.table.iter().zip(&q_star).enumerate() {
            let s = i / mdp.num_actions();
            if reachable[s] && !mdp.is_terminal(s) {
                assert!(
                    (q - q_opt).abs() < 1e-12,
                    "{explorer:?}: Q[{i}] = {q}, Q* = {q_opt}"
                );
            }
        }
    }
}

/// One state with two actions, each ending the episode with reward 1 (action 0) or 0
/// (action 1): an episode's return names the action it took.
fn one_step_bandit() -> Mdp {
    Mdp::new(
        2,
        2,
        &[
            vec![(1, 1.0)],
            vec![(1, 1.0)],
            vec![(1, 1.0)],
            vec![(1, 1.0)],
        ],
        vec![1.0, 0.0, 0.0, 0.0],
        0.9,
    )
    .unwrap()
    .with_terminal_states(&[1])
    .unwrap()
    .with_initial_state(0)
    .unwrap()
}

#[test]
fn the_entropy_policy_gradient_agent_follows_the_entropy_gradient() {
    // Witness: the agent's update replayed by hand from the actions its returns reveal,
    // θ ← θ + η (A (e_a − π) + β ∇H(θ)), A = G − b, b ← b + η A, with ∇H by central
    // finite differences of the entropy of softmax(θ) written out here. The entropy term
    // vanishes at the uniform start, so only the later episodes test it.
    let mdp = one_step_bandit();
    let (beta, eta) = (0.7, 0.5);
    let config = ExplorationConfig::new(
        Explorer::EntropyPolicyGradient {
            entropy_bonus: beta,
            learning_rate: eta,
        },
        6,
        1,
    )
    .stop_at_first_reward(false);
    let run = run_exploration(&mdp, &config, &mut ChaCha8Rng::seed_from_u64(1401)).unwrap();
    let probs = |th: &[f64]| -> Vec<f64> {
        let z: f64 = th.iter().map(|x| x.exp()).sum();
        th.iter().map(|x| x.exp() / z).collect()
    };
    let entropy = |th: &[f64]| -> f64 { probs(th).iter().map(|p| -p * p.ln()).sum() };
    let (mut theta, mut baseline) = (vec![0.0, 0.0], 0.0);
    for &g in &run.returns.values {
        let a = if g == 1.0 { 0 } else { 1 };
        let pi = probs(&theta);
        let h = 1e-5;
        let grad_h: Vec<f64> = (0..2)
            .map(|b| {
                let (mut up, mut down) = (theta.clone(), theta.clone());
                up[b] += h;
                down[b] -= h;
                (entropy(&up) - entropy(&down)) / (2.0 * h)
            })
            .collect();
        let advantage = g - baseline;
        for (b, (th, (p, dh))) in theta.iter_mut().zip(pi.iter().zip(&grad_h)).enumerate() {
            let score = if b == a { 1.0 - p } else { -p };
            *th += eta * (advantage * score + beta * dh);
        }
        baseline += eta * advantage;
    }
    // Central differences err by h²/6 · |H'''| < 1e-10; six updates of step η ≤ 1.
    for (b, (got, want)) in run.table.iter().zip(&theta).enumerate() {
        assert!((got - want).abs() < 1e-9, "θ[{b}]: {got} vs {want}");
    }
}

#[test]
fn the_count_bonus_agent_plans_on_the_empirical_model() {
    // State 0 moves to state 1 or 2 with probability ½ each; both then end the episode,
    // with rewards 1 and 3. With β = 0 the agent plans on the empirical model alone, so
    // its last planned value is Q(0) = γ (k · 1 + (n − k) · 3)/n after n episodes of which
    // k went through state 1 — read off the returns (1 or 3).
    let mdp = Mdp::new(
        4,
        1,
        &[
            vec![(1, 0.5), (2, 0.5)],
            vec![(3, 1.0)],
            vec![(3, 1.0)],
            vec![(3, 1.0)],
        ],
        vec![0.0, 1.0, 3.0, 0.0],
        0.9,
    )
    .unwrap()
    .with_terminal_states(&[3])
    .unwrap()
    .with_initial_state(0)
    .unwrap();
    let config = ExplorationConfig::new(Explorer::CountBonus { beta: 0.0 }, 9, 4)
        .stop_at_first_reward(false);
    let run = run_exploration(&mdp, &config, &mut ChaCha8Rng::seed_from_u64(1402)).unwrap();
    // Every episode takes two steps (0 → 1 or 2 → 3), and the run counts them all.
    assert_eq!(run.returns.values.len(), 9);
    assert_eq!(run.steps, 2 * 9);
    let before_last = &run.returns.values[..run.returns.values.len() - 1];
    let n = before_last.len() as f64;
    let k = before_last.iter().filter(|&&g| g == 1.0).count() as f64;
    assert!(k > 0.0 && k < n, "both branches seen (k = {k} of {n})");
    let expected = 0.9 * (k + 3.0 * (n - k)) / n;
    assert!(
        (run.table[0] - expected).abs() < 1e-14,
        "{} vs {expected}",
        run.table[0]
    );
}

#[test]
fn the_puct_agent_follows_its_selection_rule() {
    // Two decision states: from 0, action 0 leads to state 1 (reward 0) and action 1 ends
    // the episode with 0.5; from 1, action 0 ends with 1 and action 1 ends with 0. With
    // unequal priors no two scores tie, so the agent is deterministic and can be replayed
    // here: score(s, a) = Q(s, a) + c √(1 + N(s)) P(s, a)/(1 + N(s, a)), N(s) = Σ_a N(s, a),
    // and after each episode every visited pair's Q moves to the mean of its returns.
    let mdp = Mdp::new(
        3,
        2,
        &[
            vec![(1, 1.0)],
            vec![(2, 1.0)],
            vec![(2, 1.0)],
            vec![(2, 1.0)],
            vec![(2, 1.0)],
            vec![(2, 1.0)],
        ],
        vec![0.0, 0.5, 1.0, 0.0, 0.0, 0.0],
        0.9,
    )
    .unwrap()
    .with_terminal_states(&[2])
    .unwrap()
    .with_initial_state(0)
    .unwrap();
    let prior = vec![0.3, 0.7, 0.45, 0.55, 0.5, 0.5];
    let c = 1.3;
    let episodes = 40;
    let config = ExplorationConfig::new(Explorer::Puct { c }, episodes, 5)
        .stop_at_first_reward(false)
        .prior(prior.clone());
    let run = run_exploration(&mdp, &config, &mut ChaCha8Rng::seed_from_u64(1403)).unwrap();
    let (mut q, mut visits) = (vec![0.0f64; 6], vec![0u32; 6]);
    let mut returns = Vec::new();
    for _ in 0..episodes {
        let (mut s, mut path) = (0, Vec::new());
        while s != 2 {
            let n_s: u32 = 1 + visits[2 * s] + visits[2 * s + 1];
            let score = |a: usize| {
                let i = 2 * s + a;
                q[i] + c * f64::from(n_s).sqrt() * prior[i] / f64::from(1 + visits[i])
            };
            let a = if score(1) > score(0) { 1 } else { 0 };
            let (r, next) = match (s, a) {
                (0, 0) => (0.0, 1),
                (0, _) => (0.5, 2),
                (_, 0) => (1.0, 2),
                _ => (0.0, 2),
            };
            path.push((2 * s + a, r));
            s = next;
        }
        returns.push(path.iter().map(|(_, r)| r).sum::<f64>());
        let mut g = 0.0;
        for &(i, r) in path.iter().rev() {
            g = r + 0.9 * g;
            visits[i] += 1;
            q[i] += (g - q[i]) / f64::from(visits[i]);
        }
    }
    assert_eq!(run.returns.values, returns);
    for (i, (got, want)) in run.table.iter().zip(&q).enumerate() {
        assert!((got - want).abs() < 1e-15, "Q[{i}]: {got} vs {want}");
    }
}

#[test]
fn the_curiosity_agent_adds_its_forward_models_prediction_error() {
    // One action (so ε-greedy has no choice to make) along 0 → 1 → 2, state 2 terminal,
    // reward 0: the only reward is curiosity's (η_c/2)‖e_{s'} − f(s, a)‖², replayed here
    // with f(s, a) ← (1 − λ) f + λ e_{s'} and the Q-learning step of size 1.
    let mdp = Mdp::new(
        3,
        1,
        &[vec![(1, 1.0)], vec![(2, 1.0)], vec![(2, 1.0)]],
        vec![0.0; 3],
        0.9,
    )
    .unwrap()
    .with_terminal_states(&[2])
    .unwrap()
    .with_initial_state(0)
    .unwrap();
    let (scale, rate) = (2.0, 0.3);
    let explorer = Explorer::Curiosity {
        scale,
        model_rate: rate,
        epsilon0: 0.5,
        decay_episodes: 10.0,
    };
    let episodes = 4;
    let config = ExplorationConfig::new(explorer, episodes, 5).stop_at_first_reward(false);
    let run = run_exploration(&mdp, &config, &mut ChaCha8Rng::seed_from_u64(1404)).unwrap();
    // f(s, 0) puts mass m_s on the one successor: error (1 − m_s)², then m_s ← (1 − λ) m_s + λ.
    let (mut q, mut mass) = ([0.0f64; 3], [0.0f64; 2]);
    for _ in 0..episodes {
        for s in 0..2 {
            let bonus = scale / 2.0 * (1.0 - mass[s]).powi(2);
            mass[s] = (1.0 - rate) * mass[s] + rate;
            let next = if s == 1 { 0.0 } else { q[1] };
            q[s] = bonus + 0.9 * next;
        }
    }
    for (s, (got, want)) in run.table.iter().zip(&q).enumerate() {
        assert!((got - want).abs() < 1e-15, "Q({s}): {got} vs {want}");
    }
}
