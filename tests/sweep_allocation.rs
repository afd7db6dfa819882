//! The soft value iteration loop allocates nothing per sweep: the number of heap
//! allocations of a run does not depend on the number of sweeps. (A counting global
//! allocator wraps the system one in this test binary only.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use maxent_rl::{SoftValueIteration, TabularPolicy, garnet, soft_policy_evaluation_iterative};
use rand::SeedableRng;

struct Counting;

thread_local! {
    // Per thread, so that allocations by the test harness's other threads do not count.
    // A `const` initialiser and a type without `Drop`: accessing it never allocates.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    ALLOCATIONS.with(|c| c.set(c.get() + 1));
}

// SAFETY: forwards every call unchanged to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn soft_value_iteration_allocates_nothing_per_sweep() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let mdp = garnet(400, 4, 5, 0.99, &mut rng).unwrap();
    let run = |sweeps: usize| {
        allocations_during(|| {
            let result = SoftValueIteration::new(0.1)
                .tolerance(0.0)
                .max_iterations(sweeps)
                .run(&mdp)
                .unwrap();
            assert_eq!(result.iterations, sweeps);
        })
    };
    let (one, many) = (run(1), run(200));
    assert_eq!(one, many, "1 sweep: {one} allocations, 200 sweeps: {many}");

    let pi = TabularPolicy::uniform(400, 4).unwrap();
    let eval = |sweeps: usize| {
        allocations_during(|| {
            soft_policy_evaluation_iterative(&mdp, &pi, 0.1, 0.0, sweeps).unwrap();
        })
    };
    assert_eq!(eval(1), eval(200));
}
