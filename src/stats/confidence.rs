//! Confidence intervals across replications.
//!
//! Each replication of a scenario yields one number per metric (a p99, an error rate); the
//! replications are independent and identically distributed, so their mean has a Student t
//! interval: mean ± t_{0.975, n−1} · s / √n, where s is the sample standard deviation.
//! Two variants run with common random numbers are compared by the interval of their paired
//! differences ([`Estimate::paired_difference`]), which is much narrower than comparing two
//! separate intervals.
//!
//! Every field of an [`Estimate`] is finite (NaN-free JSON): a single replication has
//! `half_width = 0` and `n = 1`, meaning "no interval", and reports should show "n=1" rather than
//! ± 0; no replication at all gives zeros and `n = 0`.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Confidence level of every interval in this module.
pub const CONFIDENCE: f64 = 0.95;

/// Degrees of freedom above which the t quantile is taken from the normal distribution (the two
/// differ by less than 1e-5 there, and the t inversion loses accuracy for huge df).
const NORMAL_DF: u64 = 100_000;

/// The `p` quantile of Student's t distribution with `df` degrees of freedom, e.g.
/// `t_quantile(9, 0.975) ≈ 2.262`. `df = 0` gives `f64::INFINITY` (no interval is possible);
/// `p <= 0` gives −∞, `p >= 1` gives +∞, NaN gives NaN.
pub fn t_quantile(df: u64, p: f64) -> f64 {
    if df == 0 {
        return f64::INFINITY;
    }
    if p.is_nan() {
        return f64::NAN;
    }
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    if df > NORMAL_DF {
        return Normal::standard().inverse_cdf(p);
    }
    match StudentsT::new(0.0, 1.0, df as f64) {
        Ok(t) => t.inverse_cdf(p),
        Err(_) => f64::NAN,
    }
}

/// A mean with its 95% confidence interval, over `n` replications.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Estimate {
    /// Sample mean.
    pub mean: f64,
    /// Half-width of the 95% interval, t_{0.975, n−1} · s / √n; 0 when `n <= 1` (no interval).
    pub half_width: f64,
    /// Number of samples (replications).
    pub n: u64,
    /// Sample standard deviation (n − 1 denominator); 0 when `n <= 1`.
    pub std_dev: f64,
}

impl Estimate {
    /// The mean of `samples` with a 95% Student t interval. One sample gives `half_width = 0`
    /// and `n = 1`; none gives all zeros and `n = 0`.
    pub fn from_samples(samples: &[f64]) -> Estimate {
        Self::from_iter_values(samples.iter().copied())
    }

    /// The interval of the mean difference `b[i] − a[i]` (positive: `b` is larger). Use it for
    /// two variants run with the same random streams, replication `i` against replication `i`.
    /// If the slices differ in length the longer one is truncated to the shorter (no panic).
    pub fn paired_difference(a: &[f64], b: &[f64]) -> Estimate {
        Self::from_iter_values(a.iter().zip(b).map(|(x, y)| y - x))
    }

    /// Welford's one-pass mean and variance, then the t interval.
    fn from_iter_values(values: impl Iterator<Item = f64>) -> Estimate {
        let mut n = 0u64;
        let mut mean = 0.0;
        let mut m2 = 0.0;
        for x in values {
            n += 1;
            let delta = x - mean;
            mean += delta / n as f64;
            m2 += delta * (x - mean);
        }
        if n <= 1 {
            return Estimate {
                mean,
                half_width: 0.0,
                n,
                std_dev: 0.0,
            };
        }
        let std_dev = (m2 / (n - 1) as f64).max(0.0).sqrt();
        let t = t_quantile(n - 1, 0.5 + CONFIDENCE / 2.0);
        Estimate {
            mean,
            half_width: t * std_dev / (n as f64).sqrt(),
            n,
            std_dev,
        }
    }

    /// Half-width of the Student t interval at another `confidence` level (e.g. `0.999`); 0
    /// without an interval (`n <= 1`).
    pub fn half_width_at(&self, confidence: f64) -> f64 {
        if self.n <= 1 {
            return 0.0;
        }
        let t = t_quantile(self.n - 1, 0.5 + confidence / 2.0);
        t * self.std_dev / (self.n as f64).sqrt()
    }

    /// Lower end of the interval.
    pub fn lower(&self) -> f64 {
        self.mean - self.half_width
    }

    /// Upper end of the interval.
    pub fn upper(&self) -> f64 {
        self.mean + self.half_width
    }

    /// Whether `x` lies in the closed interval [lower, upper].
    pub fn contains(&self, x: f64) -> bool {
        self.lower() <= x && x <= self.upper()
    }

    /// Half-width relative to the mean, `half_width / |mean|`: a precision target such as
    /// "within 5%" is `relative_half_width() <= 0.05`. Infinite when the mean is 0 (and the
    /// half-width is not).
    pub fn relative_half_width(&self) -> f64 {
        if self.half_width == 0.0 {
            0.0
        } else if self.mean == 0.0 {
            f64::INFINITY
        } else {
            self.half_width / self.mean.abs()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal};
    use rand_pcg::Pcg64Mcg;

    #[test]
    fn t_quantiles_match_table() {
        for (df, expect) in [
            (1, 12.706),
            (2, 4.303),
            (4, 2.776),
            (9, 2.262),
            (29, 2.045),
            (100, 1.984),
            (1_000_000, 1.960),
        ] {
            let got = t_quantile(df, 0.975);
            assert!((got - expect).abs() < 1e-3, "df={df}: {got} vs {expect}");
        }
        assert!((t_quantile(9, 0.025) + 2.262).abs() < 1e-3);
        assert!(t_quantile(5, 0.5).abs() < 1e-12);
    }

    #[test]
    fn t_quantile_edges() {
        assert_eq!(t_quantile(0, 0.975), f64::INFINITY);
        assert_eq!(t_quantile(3, 0.0), f64::NEG_INFINITY);
        assert_eq!(t_quantile(3, 1.0), f64::INFINITY);
        assert!(t_quantile(3, f64::NAN).is_nan());
        assert!((t_quantile(u64::MAX, 0.975) - 1.959_964).abs() < 1e-5);
    }

    #[test]
    fn estimate_of_known_samples() {
        // Mean 5, sample variance 2.5 (n − 1 = 4), s/√n = √0.5.
        let e = Estimate::from_samples(&[3.0, 4.0, 5.0, 6.0, 7.0]);
        assert_eq!(e.n, 5);
        assert!((e.mean - 5.0).abs() < 1e-12);
        assert!((e.std_dev - 2.5f64.sqrt()).abs() < 1e-12);
        assert!((e.half_width - 2.776_445 * 0.5f64.sqrt()).abs() < 1e-5);
        assert!((e.lower() + e.upper() - 10.0).abs() < 1e-12);
        assert!(e.contains(5.0) && e.contains(e.upper()) && !e.contains(7.0));
        assert!((e.relative_half_width() - e.half_width / 5.0).abs() < 1e-12);
    }

    #[test]
    fn degenerate_sample_sizes_are_finite() {
        let one = Estimate::from_samples(&[4.2]);
        assert_eq!(
            one,
            Estimate {
                mean: 4.2,
                half_width: 0.0,
                n: 1,
                std_dev: 0.0
            }
        );
        assert_eq!(one.relative_half_width(), 0.0);
        let none = Estimate::from_samples(&[]);
        assert_eq!(none.n, 0);
        assert_eq!(none.mean, 0.0);
        let json = serde_json::to_string(&one).unwrap();
        assert!(!json.contains("null"), "{json}");
    }

    #[test]
    fn relative_half_width_of_zero_mean_is_infinite() {
        let e = Estimate::from_samples(&[-1.0, 1.0]);
        assert_eq!(e.mean, 0.0);
        assert_eq!(e.relative_half_width(), f64::INFINITY);
    }

    #[test]
    fn paired_difference_cancels_common_noise() {
        let a = [10.0, 20.0, 30.0, 40.0];
        let b = [11.0, 21.5, 30.5, 41.0, 999.0];
        let d = Estimate::paired_difference(&a, &b);
        assert_eq!(d.n, 4); // truncated to the shorter slice
        assert!((d.mean - 1.0).abs() < 1e-12);
        // Unpaired, the spread of a and b would swamp the difference; paired, it is small.
        assert!(d.half_width < 1.0);
        assert!(!d.contains(0.0));
        assert!(Estimate::from_samples(&a).contains(Estimate::from_samples(&b[..4]).mean));
    }

    #[test]
    fn intervals_cover_the_true_mean_about_95_percent() {
        let mut rng = Pcg64Mcg::seed_from_u64(20_240_601);
        let normal = Normal::new(3.0, 2.0).unwrap();
        let trials = 1_000;
        let mut covered = 0;
        let mut batch = [0.0; 10];
        for _ in 0..trials {
            for x in batch.iter_mut() {
                *x = normal.sample(&mut rng);
            }
            if Estimate::from_samples(&batch).contains(3.0) {
                covered += 1;
            }
        }
        let rate = covered as f64 / trials as f64;
        assert!((0.92..=0.98).contains(&rate), "coverage {rate}");
    }

    #[test]
    fn z_interval_would_undercover_small_batches() {
        // The t quantile matters: with n = 3 a normal (1.96) interval is far too narrow.
        let e = Estimate::from_samples(&[1.0, 2.0, 3.0]);
        let z_half = 1.96 * e.std_dev / 3f64.sqrt();
        assert!(e.half_width > 2.0 * z_half);
    }
}
