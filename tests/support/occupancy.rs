//! The occupancy problem's arithmetic: the expected most balls in one bin when `c` balls fall
//! uniformly into `n` bins (the busiest backend's connections when `c` connections each pick
//! one of `n` backends), exactly. Included by the tests that need it (`#[path]`).

/// P(max load ≤ m) for `c` balls thrown uniformly into `n` bins, exactly:
/// c! [x^c] (Σ_{j≤m} x^j / j!)^n / n^c (the occupancy problem's exponential generating function).
pub fn p_max_at_most(c: usize, n: usize, m: usize) -> f64 {
    let base: Vec<f64> = (0..=c)
        .map(|j| {
            if j <= m {
                1.0 / (1..=j).map(|i| i as f64).product::<f64>()
            } else {
                0.0
            }
        })
        .collect();
    let mut acc = vec![0.0; c + 1];
    acc[0] = 1.0;
    for _ in 0..n {
        let mut next = vec![0.0; c + 1];
        for (i, &a) in acc.iter().enumerate() {
            for (j, &b) in base.iter().enumerate().take(c + 1 - i) {
                next[i + j] += a * b;
            }
        }
        acc = next;
    }
    let c_fact: f64 = (1..=c).map(|i| i as f64).product();
    acc[c] * c_fact / (n as f64).powi(c as i32)
}

/// E[max load] of `c` balls in `n` bins: Σ_{m≥1} P(max ≥ m).
pub fn expected_max(c: usize, n: usize) -> f64 {
    (1..=c).map(|m| 1.0 - p_max_at_most(c, n, m - 1)).sum()
}
