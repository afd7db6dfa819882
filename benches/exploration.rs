//! Throughput of chapter 14's exploration agents on DeepSea of size 20: 100 episodes of 20
//! steps each (the runs do not stop at the first reward), for each of the eight agents with
//! the parameters of the chapter's sweep. The model-based agents (count bonus, randomised
//! value) plan with 20 backward sweeps over all 401 × 2 pairs before every episode, which
//! is what sets them apart.
//!
//! Run with `cargo bench --bench exploration -- --warm-up-time 1 --measurement-time 3`.
//! Throughput is in environment steps.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use maxent_rl::{DeepSea, ExplorationConfig, Explorer, run_exploration};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;

const SIZE: usize = 20;
const EPISODES: usize = 100;

fn agents() -> [(&'static str, Explorer); 8] {
    [
        (
            "epsilon_greedy",
            Explorer::EpsilonGreedy {
                epsilon0: 1.0,
                decay_episodes: 500.0,
            },
        ),
        ("boltzmann", Explorer::Boltzmann { temperature: 0.1 }),
        ("soft_q", Explorer::SoftQ { alpha: 0.1 }),
        (
            "entropy_policy_gradient",
            Explorer::EntropyPolicyGradient {
                entropy_bonus: 0.1,
                learning_rate: 0.5,
            },
        ),
        ("puct", Explorer::Puct { c: 1.0 }),
        (
            "curiosity",
            Explorer::Curiosity {
                scale: 1.0,
                model_rate: 0.1,
                epsilon0: 1.0,
                decay_episodes: 500.0,
            },
        ),
        ("count_bonus", Explorer::CountBonus { beta: 1.0 }),
        ("randomised_value", Explorer::RandomisedValue { sigma: 1.0 }),
    ]
}

fn exploration(c: &mut Criterion) {
    let mdp = DeepSea::new(SIZE).build().unwrap();
    let mut group = c.benchmark_group("exploration");
    group.throughput(Throughput::Elements((SIZE * EPISODES) as u64));
    for (name, explorer) in agents() {
        let config = ExplorationConfig::new(explorer, EPISODES, SIZE).stop_at_first_reward(false);
        group.bench_function(format!("{name}/deep_sea_20/100_episodes"), |b| {
            let mut seed = 0;
            b.iter(|| {
                seed += 1;
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                let run = run_exploration(&mdp, black_box(&config), &mut rng).unwrap();
                assert_eq!(run.steps, SIZE * EPISODES);
                run.steps
            })
        });
    }
    group.finish();
}

criterion_group!(benches, exploration);
criterion_main!(benches);
