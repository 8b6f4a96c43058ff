//! The ratio summary every bench prints at its end: two workloads timed alternately in one
//! run (so that a busy shared machine slows both alike), the median wall time of each, their
//! throughputs and the ratio. Criterion's own lines stay the detailed record; this line is
//! the figure the README's Performance table quotes.

use std::time::{Duration, Instant};

/// Rounds of each workload (alternating A, B, A, B, …).
const ROUNDS: usize = 7;

/// The median of `times`.
fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Runs `f` and returns what it returned with its wall time.
pub fn timed(f: impl FnOnce() -> u64) -> (u64, Duration) {
    let t = Instant::now();
    let n = std::hint::black_box(f());
    (n, t.elapsed())
}

/// Runs `a` and `b` alternately, each returning how many elements it processed and the wall
/// time of the part that counts (see [`timed`]), and prints
/// `RATIO label: A x unit/s, B y unit/s, ratio A/B = r` (medians of [`ROUNDS`]). Returns
/// (A per second, B per second).
pub fn print_ratio(
    label: &str,
    unit: &str,
    (name_a, mut a): (&str, impl FnMut() -> (u64, Duration)),
    (name_b, mut b): (&str, impl FnMut() -> (u64, Duration)),
) -> (f64, f64) {
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    let (mut na, mut nb) = (0, 0);
    for _ in 0..ROUNDS {
        let (n, t) = a();
        na = n;
        ta.push(t);
        let (n, t) = b();
        nb = n;
        tb.push(t);
    }
    let ra = na as f64 / median(ta).as_secs_f64();
    let rb = nb as f64 / median(tb).as_secs_f64();
    eprintln!(
        "RATIO {label}: {name_a} {} {unit}/s, {name_b} {} {unit}/s, ratio {name_a}/{name_b} = {:.3}",
        si(ra),
        si(rb),
        ra / rb
    );
    (ra, rb)
}

/// `x` with an SI prefix (k, M) and three significant digits.
pub fn si(x: f64) -> String {
    if x >= 1e6 {
        format!("{:.3} M", x / 1e6)
    } else if x >= 1e3 {
        format!("{:.3} k", x / 1e3)
    } else {
        format!("{x:.3}")
    }
}
