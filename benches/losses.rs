//! Throughput of the batch losses of chapters 2 and 7: the entropy-regularised policy
//! gradient, PPO's clipped surrogate and the discrete SAC actor loss (each with its logit
//! gradient), and the SAC critic target and temperature gradient.
//!
//! Run with `cargo bench --bench losses`. Throughput is in logits (policy losses) or
//! transitions (critic target, temperature).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use maxent_rl::{
    discrete_sac_actor_loss, entropy_regularised_pg_loss, log_softmax, ppo_clipped_loss,
    soft_critic_target, temperature_loss_grad,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;

const BATCH: usize = 256;

fn policy_losses(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut group = c.benchmark_group("policy_losses");
    for actions in [4usize, 18, 256] {
        let logits: Vec<f64> = (0..BATCH * actions)
            .map(|_| rng.random_range(-5.0..5.0))
            .collect();
        let a: Vec<usize> = (0..BATCH).map(|_| rng.random_range(0..actions)).collect();
        let adv: Vec<f64> = (0..BATCH).map(|_| rng.random_range(-2.0..2.0)).collect();
        let log_pi_old: Vec<f64> = logits
            .chunks(actions)
            .zip(&a)
            .map(|(row, &ai)| log_softmax(row)[ai] + rng.random_range(-0.3..0.3))
            .collect();
        let q: Vec<f64> = (0..BATCH * actions)
            .map(|_| rng.random_range(-1.0..1.0))
            .collect();
        group.throughput(Throughput::Elements((BATCH * actions) as u64));
        group.bench_function(
            format!("entropy_regularised_pg_loss/{actions}_actions/{BATCH}_states"),
            |b| {
                b.iter(|| {
                    entropy_regularised_pg_loss(black_box(&logits), actions, &a, &adv, 0.01)
                        .unwrap()
                        .loss
                })
            },
        );
        group.bench_function(
            format!("ppo_clipped_loss/{actions}_actions/{BATCH}_states"),
            |b| {
                b.iter(|| {
                    ppo_clipped_loss(
                        black_box(&logits),
                        actions,
                        &a,
                        &log_pi_old,
                        &adv,
                        0.2,
                        0.01,
                    )
                    .unwrap()
                    .loss
                })
            },
        );
        group.bench_function(
            format!("discrete_sac_actor_loss/{actions}_actions/{BATCH}_states"),
            |b| {
                b.iter(|| {
                    discrete_sac_actor_loss(black_box(&logits), actions, &q, 0.2)
                        .unwrap()
                        .loss
                })
            },
        );
    }
    group.finish();
}

fn sac_scalars(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let n = 4096;
    let mut col =
        |lo: f64, hi: f64| -> Vec<f64> { (0..n).map(|_| rng.random_range(lo..hi)).collect() };
    let (r, d, q1, q2, lp) = (
        col(-1.0, 1.0),
        col(0.0, 1.0),
        col(-10.0, 10.0),
        col(-10.0, 10.0),
        col(-3.0, 1.0),
    );
    let mut group = c.benchmark_group("sac");
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(format!("soft_critic_target/{n}"), |b| {
        b.iter(|| soft_critic_target(black_box(&r), &d, &q1, &q2, &lp, 0.2).unwrap()[0])
    });
    group.bench_function(format!("temperature_loss_grad/{n}"), |b| {
        b.iter(|| temperature_loss_grad(black_box(&lp), -1.0).unwrap())
    });
    group.finish();
}

criterion_group!(benches, policy_losses, sac_scalars);
criterion_main!(benches);
