//! Soft value iteration: one soft Bellman sweep and the full solve (γ = 0.99, certified
//! tolerance 1e-8) on (a) a 100 × 100 gridworld with 4 actions and (b) a dense random MDP
//! with S = 1000, A = 8; and, in the same run, the bounds they are compared with: the
//! time to stream the dense transition tensor once from memory, and the time for the
//! S·A exponentials a gridworld sweep needs.
//!
//! Also the time to a certified `‖V − V*‖∞ ≤ 1e-8` of Newton soft policy iteration
//! against plain soft value iteration on the gridworld at γ = 0.99 and γ = 0.999, and on
//! the dense MDP (group `certified_1e-8`).
//!
//! Run with `cargo bench --bench soft_vi`. The figures are reported in
//! `book/src/appendix-performance.md`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
#[path = "common/soft_vi_mdps.rs"]
mod soft_vi_mdps;

use maxent_rl::{NewtonSoftPolicyIteration, SoftValueIteration, soft_bellman_backup};
use soft_vi_mdps::{dense_mdp, gridworld};
use std::hint::black_box;
use std::time::Duration;

const ALPHA: f64 = 0.1;
const TOLERANCE: f64 = 1e-8;

/// Reads every entry of `x` once (four accumulators, like the sweep's dot product).
fn stream(x: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    for c in x.chunks_exact(4) {
        for k in 0..4 {
            acc[k] += c[k];
        }
    }
    acc.iter().sum()
}

fn gridworld_benches(c: &mut Criterion) {
    let mdp = gridworld();
    let (n, k) = (mdp.num_states(), mdp.num_actions());
    let mut group = c.benchmark_group("gridworld_100x100");
    group.throughput(Throughput::Elements((n * k) as u64));
    let v: Vec<f64> = (0..n).map(|s| -((s % 97) as f64)).collect();
    let mut out = vec![0.0; n];
    group.bench_function("soft_bellman_sweep", |b| {
        b.iter(|| soft_bellman_backup(&mdp, ALPHA, black_box(&v), &mut out).unwrap())
    });
    // The floor the issue names: S·A exponentials (one per state-action pair).
    let xs: Vec<f64> = (0..n * k).map(|i| -((i % 1000) as f64) * 1e-3).collect();
    group.bench_function("bound_exp_per_state_action", |b| {
        b.iter(|| black_box(&xs).iter().map(|x| x.exp()).sum::<f64>())
    });
    // What a sweep's log-sum-exps actually evaluate: A − 1 exponentials (the maximum's
    // term is 1) and one ln_1p per state.
    group.bench_function("bound_transcendentals_of_the_log_sum_exps", |b| {
        b.iter(|| {
            black_box(&xs)
                .chunks_exact(k)
                .map(|row| row[1..].iter().map(|x| x.exp()).sum::<f64>().ln_1p())
                .sum::<f64>()
        })
    });
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    let iterations = SoftValueIteration::new(ALPHA)
        .tolerance(TOLERANCE)
        .run(&mdp)
        .unwrap()
        .iterations;
    group.throughput(Throughput::Elements((n * k * iterations) as u64));
    group.bench_function(
        format!("soft_value_iteration_full_{iterations}_sweeps"),
        |b| {
            b.iter(|| {
                SoftValueIteration::new(ALPHA)
                    .tolerance(TOLERANCE)
                    .run(black_box(&mdp))
                    .unwrap()
                    .error_bound
            })
        },
    );
    group.finish();
}

fn dense_benches(c: &mut Criterion) {
    let (mdp, p) = dense_mdp(1000, 8);
    let n = mdp.num_states();
    let mut group = c.benchmark_group("dense_S1000_A8");
    group.throughput(Throughput::Bytes((p.len() * 8) as u64));
    let v: Vec<f64> = (0..n).map(|s| (s % 13) as f64).collect();
    let mut out = vec![0.0; n];
    group.bench_function("soft_bellman_sweep", |b| {
        b.iter(|| soft_bellman_backup(&mdp, ALPHA, black_box(&v), &mut out).unwrap())
    });
    // The bound: stream the 64 MB transition tensor once from memory.
    group.bench_function("bound_stream_transition_tensor", |b| {
        b.iter(|| stream(black_box(&p)))
    });
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    let iterations = SoftValueIteration::new(ALPHA)
        .tolerance(TOLERANCE)
        .run(&mdp)
        .unwrap()
        .iterations;
    group.throughput(Throughput::Bytes((p.len() * 8 * iterations) as u64));
    group.bench_function(
        format!("soft_value_iteration_full_{iterations}_sweeps"),
        |b| {
            b.iter(|| {
                SoftValueIteration::new(ALPHA)
                    .tolerance(TOLERANCE)
                    .run(black_box(&mdp))
                    .unwrap()
                    .error_bound
            })
        },
    );
    group.finish();
}

/// Time to a certified `‖V − V*‖∞ ≤ 1e-8`: plain soft value iteration against Newton
/// soft policy iteration (inexact preconditioned BiCGSTAB evaluation; by default with the
/// goal-ordered Gauss–Seidel sweeps first, and without them), from their default starts.
fn certified_benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("certified_1e-8");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    let (dense, _) = dense_mdp(1000, 8);
    let cases = [
        ("gridworld_100x100_gamma_0.99", gridworld()),
        (
            "gridworld_100x100_gamma_0.999",
            gridworld().with_discount(0.999).unwrap(),
        ),
        ("dense_S1000_A8_gamma_0.99", dense),
    ];
    for (name, mdp) in &cases {
        let vi = SoftValueIteration::new(ALPHA)
            .tolerance(TOLERANCE)
            .max_iterations(1_000_000);
        let newton = NewtonSoftPolicyIteration::new(ALPHA).tolerance(TOLERANCE);
        let newton_plain = newton.gauss_seidel_sweeps(0);
        // Certified bounds are checked once outside the timing.
        assert!(vi.run(mdp).unwrap().error_bound <= TOLERANCE);
        assert!(newton.run(mdp).unwrap().error_bound <= TOLERANCE);
        assert!(newton_plain.run(mdp).unwrap().error_bound <= TOLERANCE);
        group.bench_function(format!("{name}/soft_value_iteration"), |b| {
            b.iter(|| vi.run(black_box(mdp)).unwrap().error_bound)
        });
        group.bench_function(format!("{name}/newton_soft_policy_iteration"), |b| {
            b.iter(|| newton.run(black_box(mdp)).unwrap().error_bound)
        });
        group.bench_function(
            format!("{name}/newton_soft_policy_iteration_no_gauss_seidel_sweeps"),
            |b| b.iter(|| newton_plain.run(black_box(mdp)).unwrap().error_bound),
        );
    }
    group.finish();
}

criterion_group!(benches, gridworld_benches, dense_benches, certified_benches);
criterion_main!(benches);
