//! Throughput of chapter 10's learners: tabular soft Q-learning updates (each one draws an
//! action from the behaviour policy, samples the next state, and takes one log-sum-exp over
//! the next state's actions) and discrete SAC gradient steps (batch of 16 from the replay
//! buffer: critic targets, two critic steps, the actor step, the temperature step and the
//! Polyak update), on a 10 × 10 gridworld with 4 actions.
//!
//! Run with `cargo bench --bench learning`. Throughput is in updates (soft Q-learning) or
//! environment steps, each followed by one gradient step (SAC).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use maxent_rl::{
    DiscreteSac, DiscreteSacConfig, Gridworld, SoftQLearning, TabularPolicy, Transition,
    soft_q_learning_update,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;

const STEPS: usize = 100_000;

fn soft_q_learning(c: &mut Criterion) {
    let mdp = Gridworld::new(10, 10).slip(0.1).build(0.95).unwrap();
    let mu = TabularPolicy::uniform(100, 4).unwrap();
    let mut group = c.benchmark_group("soft_q_learning");
    group.throughput(Throughput::Elements(STEPS as u64));
    group.bench_function("run/gridworld_10x10_4_actions/100k_updates", |b| {
        let mut seed = 0;
        b.iter(|| {
            seed += 1;
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            SoftQLearning::new(0.5)
                .steps(STEPS)
                .record_every(STEPS)
                .run(&mdp, &mu, &mut rng, |q| black_box(q[0]))
                .unwrap()
                .episodes
        })
    });
    // The update alone, on pre-sampled transitions (validation included).
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let transitions: Vec<Transition> = (0..STEPS)
        .map(|_| {
            let (s, a) = (rng.random_range(0..100), rng.random_range(0..4));
            maxent_rl::sample_transition(&mdp, s, a, &mut rng).unwrap()
        })
        .collect();
    group.bench_function("update_only/gridworld_10x10_4_actions/100k_updates", |b| {
        let mut q = vec![0.0; 400];
        b.iter(|| {
            for t in &transitions {
                soft_q_learning_update(&mdp, &mut q, black_box(t), 0.5, 0.1).unwrap();
            }
            q[0]
        })
    });
    group.finish();
}

fn discrete_sac(c: &mut Criterion) {
    let mdp = Gridworld::new(10, 10).slip(0.1).build(0.95).unwrap();
    let steps = 10_000;
    let mut group = c.benchmark_group("discrete_sac");
    group.throughput(Throughput::Elements(steps as u64));
    group.bench_function("run/gridworld_10x10_4_actions/batch_16/10k_steps", |b| {
        let mut seed = 0;
        b.iter(|| {
            seed += 1;
            let mut config = DiscreteSacConfig::new(4, steps);
            config.learning_starts = 1;
            config.record_every = steps;
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            DiscreteSac::new(config)
                .run(&mdp, &mut rng, |t| black_box(t.alpha))
                .unwrap()
                .gradient_steps
        })
    });
    group.finish();
}

criterion_group!(benches, soft_q_learning, discrete_sac);
criterion_main!(benches);
