//! The reward-recovery experiment of chapter 8, shared by its claim test and its figures.

#![allow(dead_code)]

use maxent_rl::{
    Demonstrations, Features, Gridworld, IrlConfig, IrlFit, IrlModel, IrlProblem,
    MaxCausalEntSolution, Mdp, Trajectory, fit_irl, forward_pass,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Settings of the experiment.
pub struct Setup {
    pub size: usize,
    pub horizon: usize,
    pub demos: usize,
    pub seed: u64,
}

/// Everything the claim and the figures need.
pub struct Outcome {
    pub grid: Gridworld,
    pub mdp: Mdp,
    pub true_reward: Vec<f64>,
    pub fit: IrlFit,
    pub expert_return: f64,
    pub learned_return: f64,
    pub uniform_return: f64,
    pub expert_visits: Vec<f64>,
    pub learned_visits: Vec<f64>,
}

/// A `size × size` slippery gridworld without terminal states; the true state reward is
/// +1 in the bottom-right 2×2 corner, −1 on a short "lava" wall across the middle, and 0
/// elsewhere.
pub fn true_reward(grid: &Gridworld) -> Vec<f64> {
    let n = grid.width();
    let mut r = vec![0.0; n * n];
    for y in 0..n {
        for x in 0..n {
            let s = grid.state(x, y);
            if x + 2 >= n && y + 2 >= n {
                r[s] = 1.0;
            } else if y == n / 2 && x >= 1 && x + 2 < n {
                r[s] = -1.0;
            }
        }
    }
    r
}

/// Expected undiscounted return over the horizon of a policy from the start distribution.
fn policy_return(
    mdp: &Mdp,
    sol: &MaxCausalEntSolution,
    initial: &[f64],
    reward: &[f64],
) -> (f64, Vec<f64>) {
    let vis = forward_pass(mdp, initial, sol.policy()).unwrap();
    let ret = vis
        .state_actions()
        .iter()
        .enumerate()
        .map(|(i, d)| d * reward[i / mdp.num_actions()])
        .sum();
    (ret, vis.states())
}

pub fn run(setup: &Setup) -> Outcome {
    let grid = Gridworld::new(setup.size, setup.size).slip(0.1);
    let mdp = grid.build(1.0).unwrap().with_terminal_states(&[]).unwrap();
    let s_count = mdp.num_states();
    let true_reward = true_reward(&grid);
    let phi = Features::one_hot_states(&mdp).unwrap();
    let reward_sa = phi.reward(&true_reward).unwrap();
    let expert = MaxCausalEntSolution::new(&mdp, &reward_sa, setup.horizon).unwrap();

    // Demonstrations from the expert, starting in the left column.
    let mut rng = ChaCha8Rng::seed_from_u64(setup.seed);
    let trajs: Vec<Trajectory> = (0..setup.demos)
        .map(|_| {
            let s0 = grid.state(0, rng.random_range(0..setup.size));
            Trajectory::sample(&mdp, expert.policy(), s0, &mut rng)
        })
        .collect();
    let demos = Demonstrations::new(&mdp, trajs).unwrap();
    let problem = IrlProblem::new(&mdp, &phi, &demos)
        .unwrap()
        .with_l2(0.01)
        .unwrap();
    let config = IrlConfig {
        gradient_tolerance: 1e-6,
        max_iterations: 2000,
        ..IrlConfig::default()
    };
    let fit = fit_irl(
        &problem,
        IrlModel::MaxCausalEnt,
        &vec![0.0; s_count],
        &config,
    )
    .unwrap();

    // Returns under the true reward, from the left column uniformly.
    let mut initial = vec![0.0; s_count];
    for y in 0..setup.size {
        initial[grid.state(0, y)] = 1.0 / setup.size as f64;
    }
    let learned =
        MaxCausalEntSolution::new(&mdp, &phi.reward(&fit.theta).unwrap(), setup.horizon).unwrap();
    let uniform = MaxCausalEntSolution::new(&mdp, &vec![0.0; s_count * 4], setup.horizon).unwrap();
    let (expert_return, expert_visits) = policy_return(&mdp, &expert, &initial, &true_reward);
    let (learned_return, learned_visits) = policy_return(&mdp, &learned, &initial, &true_reward);
    let (uniform_return, _) = policy_return(&mdp, &uniform, &initial, &true_reward);
    Outcome {
        grid,
        mdp,
        true_reward,
        fit,
        expert_return,
        learned_return,
        uniform_return,
        expert_visits,
        learned_visits,
    }
}

/// Pearson correlation of `x` and `y` over the entries where `mask` holds.
pub fn correlation(x: &[f64], y: &[f64], mask: &[bool]) -> f64 {
    let pairs: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .zip(mask)
        .filter(|(_, m)| **m)
        .map(|((a, b), _)| (*a, *b))
        .collect();
    let n = pairs.len() as f64;
    let (mx, my) = pairs
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in &pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    sxy / (sxx * syy).sqrt()
}
