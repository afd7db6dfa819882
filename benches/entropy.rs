//! Throughput of the chapter-1 kernels: categorical entropy (with and without gradient)
//! over a batch of logit vectors, and tanh-Gaussian sampling with log-probabilities.
//!
//! Run with `cargo bench --bench entropy`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use maxent_rl::{TanhGaussian, categorical_entropy, categorical_entropy_and_grad};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;

fn categorical(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut group = c.benchmark_group("categorical_entropy");
    for actions in [4usize, 18, 256] {
        let batch: Vec<Vec<f64>> = (0..1024)
            .map(|_| (0..actions).map(|_| rng.random_range(-5.0..5.0)).collect())
            .collect();
        group.throughput(Throughput::Elements((batch.len() * actions) as u64));
        group.bench_function(format!("entropy/{actions}_actions/1024_states"), |b| {
            b.iter(|| {
                batch
                    .iter()
                    .map(|z| categorical_entropy(black_box(z)).unwrap())
                    .sum::<f64>()
            })
        });
        group.bench_function(
            format!("entropy_and_grad/{actions}_actions/1024_states"),
            |b| {
                b.iter(|| {
                    batch
                        .iter()
                        .map(|z| categorical_entropy_and_grad(black_box(z)).unwrap().1[0])
                        .sum::<f64>()
                })
            },
        );
    }
    group.finish();
}

fn tanh_gaussian(c: &mut Criterion) {
    let mut group = c.benchmark_group("tanh_gaussian");
    let policy = TanhGaussian::new(vec![0.3; 6], vec![-0.5; 6]).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    group.throughput(Throughput::Elements(1));
    group.bench_function("sample_and_log_prob/dim_6", |b| {
        b.iter(|| black_box(&policy).sample_and_log_prob(&mut rng).log_prob)
    });
    group.finish();
}

criterion_group!(benches, categorical, tanh_gaussian);
criterion_main!(benches);
