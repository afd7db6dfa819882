"""Soft value iteration in numpy/scipy, written the way a careful Python user would, on
the MDPs exported by `cargo run --release --example compare_soft_vi`; checks that the
answers agree with Rust's and prints the time ratios. Run through scripts/compare-soft-vi.
"""
import sys
import time
from pathlib import Path

import numpy as np
import scipy
import scipy.sparse
from scipy.special import logsumexp


def load(d: Path):
    meta = {}
    for line in (d / "meta.txt").read_text().splitlines():
        key, value = (x.strip() for x in line.split("="))
        meta[key] = float(value)
    n, k = int(meta["num_states"]), int(meta["num_actions"])
    offsets = np.fromfile(d / "offsets.u64", dtype="<u8").astype(np.int64)
    cols = np.fromfile(d / "next_states.u32", dtype="<u4").astype(np.int32)
    probs = np.fromfile(d / "probs.f64", dtype="<f8")
    P = scipy.sparse.csr_matrix((probs, cols, offsets), shape=(n * k, n))
    r = np.fromfile(d / "rewards.f64", dtype="<f8")
    terminal = np.fromfile(d / "terminal.u8", dtype=np.uint8).astype(bool)
    v_rust = np.fromfile(d / "values.f64", dtype="<f8")
    return meta, n, k, P, r, terminal, v_rust


def make_sweep(P, r, terminal, n, k, gamma, alpha, lse):
    """One soft Bellman sweep V -> alpha * logsumexp((r + gamma P V) / alpha)."""
    def sweep(v):
        q = (r + gamma * (P @ v)).reshape(n, k)
        v_new = lse(q, alpha)
        v_new[terminal] = 0.0
        return v_new
    return sweep


def lse_scipy(q, alpha):
    return alpha * logsumexp(q / alpha, axis=1)


def lse_numpy(q, alpha):
    m = q.max(axis=1)
    return m + alpha * np.log(np.exp((q - m[:, None]) / alpha).sum(axis=1))


def solve(sweep, n, gamma, tol):
    v = np.zeros(n)
    factor = gamma / (1.0 - gamma)
    iterations = 0
    while True:
        v_new = sweep(v)
        iterations += 1
        change = np.max(np.abs(v_new - v))
        v = v_new
        if factor * change <= tol:
            return v, iterations


def median_time(f, reps):
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def interleaved(root: Path, rust_bin: str, reps: int):
    """Newton soft policy iteration and soft VI in Rust against numpy's soft VI on the
    100 x 100 gridworld, to a certified 1e-8: the repetitions of the three alternate in
    this one driver (Rust through a subprocess that times only its solve), so machine
    load falls on all alike. Prints medians, min-max and the load average."""
    import os
    import subprocess
    meta, n, k, P, r, terminal, v_rust = load(root / "gridworld_100x100")
    alpha, tol = meta["alpha"], meta["tolerance"]
    print(f"interleaved, {reps} repetitions each; load average before: {os.getloadavg()}")
    print("| γ | Rust soft VI | Rust Newton SPI | numpy soft VI | numpy / Newton | numpy / Rust VI |")
    print("|---|---:|---:|---:|---:|---:|")
    for gamma in [0.99, 0.999]:
        sweep = make_sweep(P, r, terminal, n, k, gamma, alpha, lse_numpy)
        times = {"vi": [], "newton": [], "numpy": []}
        for _ in range(reps):
            for solver in ["vi", "newton"]:
                out = subprocess.run([rust_bin, "--time-once", str(gamma), solver],
                                     check=True, capture_output=True, text=True).stdout
                times[solver].append(float(out.split()[0]))
            t = time.perf_counter()
            v, _ = solve(sweep, n, gamma, tol)
            times["numpy"].append(time.perf_counter() - t)
            if gamma == meta["discount"]:
                diff = float(np.max(np.abs(v - v_rust)))
                assert diff <= 2 * tol + 1e-12, f"answers differ by {diff}"
        med = {key: float(np.median(x)) for key, x in times.items()}
        def cell(key):
            return f"{med[key] * 1e3:.0f} ms [{min(times[key]) * 1e3:.0f}, {max(times[key]) * 1e3:.0f}]"
        print(f"| {gamma} | {cell('vi')} | {cell('newton')} | {cell('numpy')} "
              f"| {med['numpy'] / med['newton']:.1f}× | {med['numpy'] / med['vi']:.1f}× |")
    print(f"(median [min, max] in ms; load average after: {os.getloadavg()})")


def main(root: Path):
    import os
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"numpy {np.__version__}, scipy {scipy.__version__}, OPENBLAS_NUM_THREADS={threads}")
    rows = []
    for name, sweep_reps, full_reps in [
        ("gridworld_10x10", 2000, 20),
        ("gridworld_100x100", 200, 5),
        ("dense_S1000_A8", 50, 3),
    ]:
        meta, n, k, P, r, terminal, v_rust = load(root / name)
        gamma, alpha, tol = meta["discount"], meta["alpha"], meta["tolerance"]
        dense = P.nnz == n * k * n
        # A careful user stores a dense tensor densely (BLAS matvec) and a sparse one sparsely.
        M = P.toarray() if dense else P
        best = None
        for lse_name, lse in [("scipy.special.logsumexp", lse_scipy), ("hand-written numpy", lse_numpy)]:
            sweep = make_sweep(M, r, terminal, n, k, gamma, alpha, lse)
            # One sweep applied to the solution, as on the Rust side.
            t_sweep = median_time(lambda: sweep(v_rust), sweep_reps)
            result = {}
            def full():
                result["v"], result["it"] = solve(sweep, n, gamma, tol)
            t_full = median_time(full, full_reps)
            diff = float(np.max(np.abs(result["v"] - v_rust)))
            # Both answers are certified within tol of V*, so they agree within 2 tol.
            assert diff <= 2 * tol + 1e-12, f"{name}: answers differ by {diff}"
            print(f"{name} [{'dense' if dense else 'sparse'} matvec, {lse_name}]: "
                  f"sweep {t_sweep * 1e3:.3f} ms, full {t_full:.3f} s "
                  f"({result['it']} sweeps; Rust {int(meta['rust_iterations'])}), "
                  f"max |V_numpy - V_rust| = {diff:.2e}")
            if best is None or t_full < best[1]:
                best = (t_sweep, t_full, lse_name)
        rs, rf = meta["rust_sweep_seconds"], meta["rust_full_seconds"]
        rows.append((name, rs, best[0], rf, best[1], best[2]))
    print()
    print("| MDP | Rust sweep | numpy sweep | ratio | Rust full solve | numpy full solve | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, rs, ps, rf, pf, _ in rows:
        print(f"| {name} | {rs * 1e3:.3f} ms | {ps * 1e3:.3f} ms | {ps / rs:.1f}× "
              f"| {rf:.3f} s | {pf:.3f} s | {pf / rf:.1f}× |")
    print("(numpy: the faster of scipy.special.logsumexp and a hand-written shifted log-sum-exp)")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[2] == "--interleave":
        interleaved(Path(sys.argv[1]), sys.argv[3], int(sys.argv[4]))
    else:
        main(Path(sys.argv[1] if len(sys.argv) > 1 else "target/compare-soft-vi"))
