//! Exports the two benchmark MDPs (the 100 × 100 gridworld and the dense S = 1000, A = 8
//! MDP of `benches/soft_vi.rs`, plus a 10 × 10 gridworld) with Rust's soft value iteration solution and timings, for
//! the side-by-side comparison with numpy/scipy in `scripts/compare-soft-vi`.
//!
//! ```text
//! cargo run --release --example compare_soft_vi -- DIR
//! ```
//!
//! For each MDP it writes `DIR/NAME/`: `meta.txt` (key = value lines), the transitions in
//! compressed sparse rows as raw little-endian arrays `offsets.u64`, `next_states.u32`,
//! `probs.f64` (row `s·A + a`), `rewards.f64`, `terminal.u8`, and Rust's answer
//! `values.f64`. Timings are medians of repeated runs, measured here with `Instant`.
//!
//! ```text
//! cargo run --release --example compare_soft_vi -- --time-once MDP GAMMA vi|newton [VALUES]
//! ```
//!
//! times one solve of `MDP` (`grid100` for the 100 × 100 gridworld, `gridW` for W × W,
//! `dense` for S = 1000, A = 8) at discount `GAMMA` to a certified 1e-8 (soft value
//! iteration or Newton soft policy iteration), prints `seconds error_bound sweeps products peak_rss_KiB on_cpu_seconds`, and
//! writes the values to the file `VALUES` if given: the Python driver calls it once per
//! repetition, alternating with its own solves, so that machine load falls on both sides
//! alike, and checks the answers agree. `--export MDP DIR` writes one MDP (as below)
//! without timing it.

#[path = "../benches/common/soft_vi_mdps.rs"]
mod soft_vi_mdps;

use maxent_rl::{
    Gridworld, Mdp, NewtonSoftPolicyIteration, SoftValueIteration, soft_bellman_backup,
};
use soft_vi_mdps::{DISCOUNT, dense_mdp, gridworld};
use std::fs;
use std::hint::black_box;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

const ALPHA: f64 = 0.1;
const TOLERANCE: f64 = 1e-8;

fn write_raw<T: Copy>(path: &Path, xs: &[T], to_le: impl Fn(T) -> Vec<u8>) {
    let mut f = std::io::BufWriter::new(fs::File::create(path).unwrap());
    for &x in xs {
        f.write_all(&to_le(x)).unwrap();
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn export(dir: &Path, name: &str, mdp: &Mdp, sweep_reps: usize, full_reps: usize) {
    let dir = dir.join(name);
    fs::create_dir_all(&dir).unwrap();
    let (n, k) = (mdp.num_states(), mdp.num_actions());
    let (mut offsets, mut next_states, mut probs) = (vec![0u64], Vec::new(), Vec::new());
    for s in 0..n {
        for a in 0..k {
            for (j, p) in mdp.successors(s, a) {
                next_states.push(j as u32);
                probs.push(p);
            }
            offsets.push(probs.len() as u64);
        }
    }
    write_raw(&dir.join("offsets.u64"), &offsets, |x| {
        x.to_le_bytes().to_vec()
    });
    write_raw(&dir.join("next_states.u32"), &next_states, |x| {
        x.to_le_bytes().to_vec()
    });
    write_raw(&dir.join("probs.f64"), &probs, |x| x.to_le_bytes().to_vec());
    write_raw(&dir.join("rewards.f64"), mdp.rewards(), |x| {
        x.to_le_bytes().to_vec()
    });
    let terminal: Vec<u8> = mdp.terminal_states().iter().map(|&t| t as u8).collect();
    write_raw(&dir.join("terminal.u8"), &terminal, |x| vec![x]);

    if full_reps == 0 {
        let meta = format!(
            "num_states = {n}\nnum_actions = {k}\ndiscount = {}\nalpha = {ALPHA}\n\
             tolerance = {TOLERANCE}\n",
            mdp.discount()
        );
        fs::write(dir.join("meta.txt"), &meta).unwrap();
        return;
    }
    // Timings: the full solve (median of `full_reps`), then one sweep (median of
    // `sweep_reps`) applied to the solution, so that the exponentials see realistic action
    // values (at V = 0 every Q(s, ·) of the gridworld is equal, and exp(0) is a fast path).
    let solver = SoftValueIteration::new(ALPHA).tolerance(TOLERANCE);
    let mut solution = None;
    let fulls: Vec<f64> = (0..full_reps)
        .map(|_| {
            let t = Instant::now();
            let s = solver.run(black_box(mdp)).unwrap();
            let elapsed = t.elapsed().as_secs_f64();
            solution = Some(s);
            elapsed
        })
        .collect();
    let solution = solution.unwrap();
    let mut out = vec![0.0; n];
    let sweeps: Vec<f64> = (0..sweep_reps)
        .map(|_| {
            let t = Instant::now();
            soft_bellman_backup(mdp, ALPHA, black_box(&solution.values), &mut out).unwrap();
            t.elapsed().as_secs_f64()
        })
        .collect();
    write_raw(&dir.join("values.f64"), &solution.values, |x| {
        x.to_le_bytes().to_vec()
    });
    let meta = format!(
        "num_states = {n}\nnum_actions = {k}\ndiscount = {DISCOUNT}\nalpha = {ALPHA}\n\
         tolerance = {TOLERANCE}\nrust_iterations = {}\nrust_error_bound = {:e}\n\
         rust_sweep_seconds = {:e}\nrust_full_seconds = {:e}\n",
        solution.iterations,
        solution.error_bound,
        median(sweeps),
        median(fulls),
    );
    fs::write(dir.join("meta.txt"), &meta).unwrap();
    println!("{name}:\n{meta}");
}

/// The MDP named on the command line: `gridW` (the W × W benchmark gridworld: slip 0.1,
/// goal in the far corner, step reward −1) or `dense` (S = 1000, A = 8), at `gamma`.
fn named_mdp(name: &str, gamma: f64) -> Mdp {
    let mdp = if name == "dense" {
        dense_mdp(1000, 8).0
    } else {
        let width: usize = name
            .strip_prefix("grid")
            .and_then(|w| w.parse().ok())
            .expect("MDP is gridW or dense");
        Gridworld::new(width, width)
            .slip(0.1)
            .build(DISCOUNT)
            .unwrap()
    };
    mdp.with_discount(gamma).unwrap()
}

/// One timed solve of MDP `name` at discount `gamma` to a certified 1e-8; prints
/// `seconds bound sweeps` and, given `values_out`, writes the values there (raw f64).
fn time_once(name: &str, gamma: f64, solver: &str, values_out: Option<&str>) {
    let mdp = named_mdp(name, gamma);
    let cpu = on_cpu_seconds();
    let t = Instant::now();
    let (bound, sweeps, values, products) = match solver {
        "newton" => {
            let r = NewtonSoftPolicyIteration::new(ALPHA)
                .tolerance(TOLERANCE)
                .run(black_box(&mdp))
                .unwrap();
            (r.error_bound, r.sweeps, r.values, r.matrix_vector_products)
        }
        "vi" => {
            let r = SoftValueIteration::new(ALPHA)
                .tolerance(TOLERANCE)
                .max_iterations(10_000_000)
                .run(black_box(&mdp))
                .unwrap();
            (r.error_bound, r.iterations, r.values, 0)
        }
        _ => panic!("solver is vi or newton"),
    };
    let seconds = t.elapsed().as_secs_f64();
    let cpu = on_cpu_seconds() - cpu;
    assert!(bound <= TOLERANCE);
    if let Some(path) = values_out {
        write_raw(Path::new(path), &values, |x| x.to_le_bytes().to_vec());
    }
    println!(
        "{seconds:e} {bound:e} {sweeps} {products} {} {cpu:e}",
        peak_rss_kib()
    );
}

/// Peak resident set size of this process in KiB (`VmHWM` of /proc/self/status; 0 where
/// that file does not exist).
fn peak_rss_kib() -> u64 {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Time this thread has spent on a CPU, in seconds (first field of
/// /proc/thread-self/schedstat, nanoseconds; 0 where it does not exist): on a loaded
/// machine, less disturbed by the other processes than the wall clock.
fn on_cpu_seconds() -> f64 {
    fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns * 1e-9)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if (5..=6).contains(&args.len()) && args[1] == "--time-once" {
        let gamma = args[3].parse().unwrap();
        time_once(&args[2], gamma, &args[4], args.get(5).map(String::as_str));
        return;
    }
    if args.len() == 4 && args[1] == "--export" {
        // One MDP, exported for the scaling runs (no timings: the driver times).
        let mdp = named_mdp(&args[2], DISCOUNT);
        export(Path::new(&args[3]), &args[2], &mdp, 0, 0);
        return;
    }
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/compare-soft-vi".to_string());
    let dir = Path::new(&dir);
    // A small gridworld too, where per-call interpreter overhead dominates numpy's time.
    let small = Gridworld::new(10, 10).slip(0.1).build(DISCOUNT).unwrap();
    export(dir, "gridworld_10x10", &small, 2000, 20);
    export(dir, "gridworld_100x100", &gridworld(), 200, 5);
    export(dir, "dense_S1000_A8", &dense_mdp(1000, 8).0, 50, 3);
}
