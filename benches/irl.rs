//! Maximum-entropy IRL on a 30×30 slippery gridworld, horizon T = 100: one forward–backward
//! pass of each model, one evaluation of the objective, and a full fit.
//!
//! Run with `cargo bench --bench irl`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use maxent_rl::{
    Demonstrations, Features, Gridworld, IrlConfig, IrlModel, IrlProblem, MaxCausalEntSolution,
    MaxEntPartition, Mdp, Trajectory, TrajectoryEnd, fit_irl, forward_pass,
    trajectory_model_visitation,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;

const SIZE: usize = 30;
const HORIZON: usize = 100;

fn setup() -> (Mdp, Features, Vec<f64>, Demonstrations) {
    let grid = Gridworld::new(SIZE, SIZE).slip(0.2);
    let mdp = grid.build(1.0).unwrap().with_terminal_states(&[]).unwrap();
    let s_count = mdp.num_states();
    // True reward: +1 in the far corner region, −0.05 per step elsewhere.
    let theta: Vec<f64> = (0..s_count)
        .map(|s| {
            let (x, y) = grid.cell(s);
            if x + 3 >= SIZE && y + 3 >= SIZE {
                1.0
            } else {
                -0.05
            }
        })
        .collect();
    let phi = Features::one_hot_states(&mdp).expect("one-hot features fit");
    let expert = MaxCausalEntSolution::new(&mdp, &phi.reward(&theta).unwrap(), HORIZON).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(30);
    let trajs: Vec<Trajectory> = (0..100)
        .map(|_| {
            let s0 = grid.state(0, rng.random_range(0..SIZE));
            Trajectory::sample(&mdp, expert.policy(), s0, &mut rng)
        })
        .collect();
    let demos = Demonstrations::new(&mdp, trajs).unwrap();
    (mdp, phi, theta, demos)
}

fn passes(c: &mut Criterion) {
    let (mdp, phi, theta, demos) = setup();
    let reward = phi.reward(&theta).unwrap();
    let initial = demos.initial_distribution();
    let mut group = c.benchmark_group("irl_30x30_T100");
    // One unit of work = one (t, s, a) cell of the backward or forward recursion.
    group.throughput(Throughput::Elements(
        (HORIZON * mdp.num_states() * 4) as u64,
    ));
    group.bench_function("maxent_backward", |b| {
        b.iter(|| MaxEntPartition::new(&mdp, black_box(&reward), HORIZON, &TrajectoryEnd::Anywhere))
    });
    let part = MaxEntPartition::new(&mdp, &reward, HORIZON, &TrajectoryEnd::Anywhere).unwrap();
    group.bench_function("maxent_forward_tilted", |b| {
        b.iter(|| trajectory_model_visitation(&mdp, black_box(&initial), &part))
    });
    group.bench_function("causal_backward", |b| {
        b.iter(|| MaxCausalEntSolution::new(&mdp, black_box(&reward), HORIZON))
    });
    let causal = MaxCausalEntSolution::new(&mdp, &reward, HORIZON).unwrap();
    group.bench_function("causal_forward", |b| {
        b.iter(|| forward_pass(&mdp, black_box(&initial), causal.policy()))
    });
    let problem = IrlProblem::new(&mdp, &phi, &demos)
        .unwrap()
        .with_l2(0.01)
        .unwrap();
    // θ·φ and Σ D φ with 900 one-hot features: one nonzero per row, not 900.
    let visitation = vec![1.0 / (mdp.num_states() * 4) as f64; mdp.num_states() * 4];
    group.bench_function("one_hot_reward_and_expectation", |b| {
        b.iter(|| {
            (
                phi.reward(black_box(&theta)).unwrap(),
                phi.expectation(black_box(&visitation)),
            )
        })
    });
    // The causal model's backward and forward passes fused, tables allocated per call.
    group.bench_function("causal_objective_and_gradient", |b| {
        b.iter(|| problem.evaluate(IrlModel::MaxCausalEnt, black_box(&theta)))
    });
    group.finish();

    let mut fit_group = c.benchmark_group("irl_30x30_T100_fit");
    fit_group.sample_size(10);
    fit_group.bench_function("causal_fit_100_demos", |b| {
        b.iter(|| {
            let fit = fit_irl(
                &problem,
                IrlModel::MaxCausalEnt,
                &vec![0.0; mdp.num_states()],
                &IrlConfig::default(),
            )
            .unwrap();
            black_box(fit.history.len())
        })
    });
    // The same fit with L-BFGS keeping 160 pairs instead of 10: more than the fit's
    // iterations, so no curvature pair is ever dropped (93 iterations instead of 216).
    fit_group.bench_function("causal_fit_100_demos_memory_160", |b| {
        let config = IrlConfig {
            memory: 160,
            ..IrlConfig::default()
        };
        b.iter(|| {
            let fit = fit_irl(
                &problem,
                IrlModel::MaxCausalEnt,
                &vec![0.0; mdp.num_states()],
                &config,
            )
            .unwrap();
            black_box(fit.history.len())
        })
    });
    fit_group.finish();
}

criterion_group!(benches, passes);
criterion_main!(benches);
