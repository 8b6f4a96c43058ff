//! Distributions of durations: service times, link latencies, start-up times.
//!
//! [`Dist`] is a small closed enum (no trait objects in the hot loop) built on `rand_distr`.
//! Every constructor checks its parameters and returns a [`DistError`] that says what is allowed,
//! so a scenario can report the field it came from. Samples are [`SimDuration`]s, rounded to
//! the nanosecond and never negative.

use rand::Rng;
use rand_distr::{Distribution, Exp1, Gamma, StandardNormal};

use super::time::SimDuration;

/// The standard normal quantile at 0.99, used to fit a lognormal to a mean and a p99.
pub const Z_99: f64 = 2.326_347_874_040_841;

/// A distribution of durations. Parameters are stored in seconds (`f64`) for sampling speed.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Always the same value.
    Constant(SimDuration),
    /// Exponential with the given mean (seconds).
    Exponential {
        /// Mean, seconds.
        mean: f64,
    },
    /// Uniform on `[min, max]` (seconds).
    Uniform {
        /// Lower bound, seconds.
        min: f64,
        /// Upper bound, seconds.
        max: f64,
    },
    /// Normal, truncated at zero by resampling (seconds).
    Normal {
        /// Mean of the untruncated normal, seconds.
        mean: f64,
        /// Standard deviation, seconds.
        sd: f64,
    },
    /// Lognormal: `exp(mu + sigma·Z)` seconds.
    LogNormal {
        /// Location of `ln(seconds)`.
        mu: f64,
        /// Scale of `ln(seconds)`.
        sigma: f64,
    },
    /// Gamma with a shape and a scale (seconds); Erlang-k is shape = k.
    Gamma {
        /// The underlying gamma.
        gamma: Gamma<f64>,
        /// Its mean, seconds.
        mean: f64,
    },
    /// Pareto with a minimum `min` (seconds) and tail index `alpha`, optionally bounded above.
    Pareto {
        /// Scale (the minimum), seconds.
        min: f64,
        /// Tail index.
        alpha: f64,
        /// Upper bound, seconds (`f64::INFINITY` when unbounded).
        max: f64,
    },
    /// A measured percentile table, interpolated linearly in the quantile between the given
    /// points, from (0, `min`) up to the last point, with an exponential tail beyond it fitted
    /// to the last two points.
    Empirical {
        /// (quantile in (0,1), value in seconds), strictly increasing in both.
        points: Vec<(f64, f64)>,
        /// Mean rate of the exponential tail's excess, seconds.
        tail_mean: f64,
    },
}

/// A distribution whose parameters are out of range.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct DistError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, DistError> {
    Err(DistError(msg.into()))
}

fn positive(name: &str, v: f64) -> Result<f64, DistError> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        err(format!("{name} must be greater than 0, got {v}"))
    }
}

impl Dist {
    /// Always `value`.
    pub fn constant(value: SimDuration) -> Dist {
        Dist::Constant(value)
    }

    /// Exponential with mean `mean` (> 0).
    pub fn exponential(mean: SimDuration) -> Result<Dist, DistError> {
        let mean = positive("exponential mean", mean.as_secs_f64())?;
        Ok(Dist::Exponential { mean })
    }

    /// Uniform on `[min, max]`, `min <= max`.
    pub fn uniform(min: SimDuration, max: SimDuration) -> Result<Dist, DistError> {
        if min > max {
            return err(format!("uniform min ({min}) must not exceed max ({max})"));
        }
        Ok(Dist::Uniform {
            min: min.as_secs_f64(),
            max: max.as_secs_f64(),
        })
    }

    /// Normal with mean `mean` (> 0) and standard deviation `sd` (>= 0), truncated at zero.
    pub fn normal(mean: SimDuration, sd: SimDuration) -> Result<Dist, DistError> {
        let m = positive("normal mean", mean.as_secs_f64())?;
        Ok(Dist::Normal {
            mean: m,
            sd: sd.as_secs_f64(),
        })
    }

    /// Lognormal fitted to a mean and a 99th percentile, the two figures people measure.
    /// Needs `p99 > mean` and `ln(p99/mean) <= Z_99²/2` (≈ p99 up to 15× the mean); beyond that
    /// no lognormal has both.
    pub fn lognormal_mean_p99(mean: SimDuration, p99: SimDuration) -> Result<Dist, DistError> {
        let m = positive("lognormal mean", mean.as_secs_f64())?;
        let q = positive("lognormal p99", p99.as_secs_f64())?;
        if q <= m {
            return err(format!(
                "lognormal p99 ({p99}) must be greater than its mean ({mean})"
            ));
        }
        let r = (q / m).ln();
        let disc = Z_99 * Z_99 - 2.0 * r;
        if disc < 0.0 {
            return err(format!(
                "lognormal p99 ({p99}) is more than {:.1}× the mean ({mean}); no lognormal fits — use mu/sigma or an empirical table",
                (Z_99 * Z_99 / 2.0).exp()
            ));
        }
        // mean = exp(mu + s²/2), p99 = exp(mu + z·s) ⇒ s²/2 − z·s + r = 0; take the smaller root.
        let sigma = Z_99 - disc.sqrt();
        let mu = m.ln() - sigma * sigma / 2.0;
        Self::lognormal_mu_sigma(mu, sigma)
    }

    /// Lognormal with `ln(seconds)` ~ Normal(mu, sigma).
    pub fn lognormal_mu_sigma(mu: f64, sigma: f64) -> Result<Dist, DistError> {
        if !(mu.is_finite() && sigma.is_finite() && sigma >= 0.0) {
            return err(format!(
                "lognormal needs a finite mu and sigma >= 0, got mu={mu}, sigma={sigma}"
            ));
        }
        Ok(Dist::LogNormal { mu, sigma })
    }

    /// Gamma with the given mean (> 0) and shape (> 0). The squared coefficient of variation
    /// is `1/shape`.
    pub fn gamma(mean: SimDuration, shape: f64) -> Result<Dist, DistError> {
        let m = positive("gamma mean", mean.as_secs_f64())?;
        let k = positive("gamma shape", shape)?;
        let gamma = Gamma::new(k, m / k).map_err(|e| DistError(format!("gamma: {e}")))?;
        Ok(Dist::Gamma { gamma, mean: m })
    }

    /// Erlang-k (a gamma with integer shape `k >= 1`) with the given mean.
    pub fn erlang(mean: SimDuration, k: u32) -> Result<Dist, DistError> {
        if k == 0 {
            return err("erlang k must be at least 1, got 0");
        }
        Self::gamma(mean, f64::from(k))
    }

    /// Pareto with minimum `min` (> 0), tail index `alpha` (> 0), optionally truncated at
    /// `max` (> `min`) by inverse-transform sampling of the bounded Pareto.
    pub fn pareto(
        min: SimDuration,
        alpha: f64,
        max: Option<SimDuration>,
    ) -> Result<Dist, DistError> {
        let lo = positive("pareto min", min.as_secs_f64())?;
        let a = positive("pareto alpha", alpha)?;
        let hi = match max {
            Some(m) if m <= min => {
                return err(format!("pareto max ({m}) must be greater than min ({min})"));
            }
            Some(m) => m.as_secs_f64(),
            None => f64::INFINITY,
        };
        Ok(Dist::Pareto {
            min: lo,
            alpha: a,
            max: hi,
        })
    }

    /// An empirical distribution from a measured percentile table: `(quantile, value)` pairs
    /// with quantiles in (0, 1), e.g. `[(0.5, 20ms), (0.9, 45ms), (0.99, 180ms)]`. `min` is the
    /// value at quantile 0 (zero if not given). At least one point is needed; quantiles and
    /// values must strictly increase.
    pub fn empirical(
        points: &[(f64, SimDuration)],
        min: Option<SimDuration>,
    ) -> Result<Dist, DistError> {
        if points.is_empty() {
            return err("an empirical distribution needs at least one percentile");
        }
        let mut pts = vec![(0.0, min.unwrap_or_default().as_secs_f64())];
        for &(q, v) in points {
            if !(q > 0.0 && q < 1.0) {
                return err(format!("percentile {q} must be strictly between 0 and 1"));
            }
            let (pq, pv) = pts[pts.len() - 1];
            let v = v.as_secs_f64();
            if q <= pq || v <= pv {
                return err(format!(
                    "empirical percentiles must increase: p{} = {} does not exceed the previous point",
                    q * 100.0,
                    SimDuration::from_secs_f64(v)
                ));
            }
            pts.push((q, v));
        }
        let n = pts.len();
        let (q1, v1) = pts[n - 2];
        let (q2, v2) = pts[n - 1];
        // An exponential tail through the last two points: v(q) = v2 + θ·ln((1−q2)/(1−q)).
        let tail_mean = (v2 - v1) / ((1.0 - q1) / (1.0 - q2)).ln();
        Ok(Dist::Empirical {
            points: pts,
            tail_mean,
        })
    }

    /// The value [`Dist::sample`] returns without a draw: a constant below 2⁵⁰ ns (13 days),
    /// which comes back from the trip through seconds exactly (two roundings of 2⁻⁵³ each
    /// stay under half a nanosecond), so the trip is skipped.
    #[inline(always)]
    pub fn exact_constant(&self) -> Option<SimDuration> {
        match *self {
            Dist::Constant(d) if d.0 < 1 << 50 => Some(d),
            _ => None,
        }
    }

    /// Draws one duration.
    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimDuration {
        if let Some(d) = self.exact_constant() {
            return d;
        }
        // The exponential inlined at the caller (the same arithmetic as `sample_secs`).
        if let Dist::Exponential { mean } = self {
            let e: f64 = Exp1.sample(rng);
            return SimDuration::from_secs_f64(e * mean);
        }
        // The lognormal (client and service latencies) in a function of its own: the same
        // arithmetic as `sample_secs`, without its dispatch and its frame.
        if let Dist::LogNormal { mu, sigma } = *self {
            return SimDuration::from_secs_f64(lognormal(rng, mu, sigma));
        }
        SimDuration::from_secs_f64(self.sample_secs(rng))
    }

    /// Draws one value in seconds.
    #[inline]
    pub fn sample_secs<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Dist::Constant(d) => d.as_secs_f64(),
            Dist::Exponential { mean } => {
                let e: f64 = Exp1.sample(rng);
                e * mean
            }
            Dist::Uniform { min, max } => min + (max - min) * rng.random::<f64>(),
            Dist::Normal { mean, sd } => {
                // Truncation at zero by rejection; give up after a few tries (mean > 0 keeps the
                // acceptance probability at least 1/2).
                for _ in 0..64 {
                    let z: f64 = StandardNormal.sample(rng);
                    let x = mean + sd * z;
                    if x >= 0.0 {
                        return x;
                    }
                }
                0.0
            }
            Dist::LogNormal { mu, sigma } => lognormal(rng, *mu, *sigma),
            Dist::Gamma { gamma, .. } => gamma.sample(rng),
            Dist::Pareto { min, alpha, max } => {
                let u: f64 = rng.random();
                if max.is_finite() {
                    // Inverse CDF of the bounded Pareto on [min, max].
                    let la = min.powf(*alpha);
                    let ha = max.powf(*alpha);
                    let x = -(u * ha - u * la - ha) / (ha * la);
                    x.powf(-1.0 / alpha)
                } else {
                    min / (1.0 - u).powf(1.0 / alpha)
                }
            }
            Dist::Empirical { points, tail_mean } => {
                let u: f64 = rng.random();
                empirical_quantile(points, *tail_mean, u)
            }
        }
    }

    /// The distribution's mean, in seconds (exact where a formula exists).
    pub fn mean_secs(&self) -> f64 {
        match self {
            Dist::Constant(d) => d.as_secs_f64(),
            Dist::Exponential { mean } => *mean,
            Dist::Uniform { min, max } => (min + max) / 2.0,
            Dist::Normal { mean, sd } => {
                // Mean of a normal truncated at zero.
                let (m, s) = (*mean, *sd);
                if s == 0.0 {
                    return m;
                }
                let a = -m / s;
                let phi = (-a * a / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
                m + s * phi / (1.0 - std_normal_cdf(a))
            }
            Dist::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Gamma { mean, .. } => *mean,
            Dist::Pareto { min, alpha, max } => {
                if max.is_finite() {
                    let (l, h, a) = (*min, *max, *alpha);
                    if (a - 1.0).abs() < 1e-12 {
                        (h * l / (h - l)) * (h / l).ln()
                    } else {
                        let la = l.powf(a);
                        la / (1.0 - (l / h).powf(a))
                            * (a / (a - 1.0))
                            * (1.0 / l.powf(a - 1.0) - 1.0 / h.powf(a - 1.0))
                    }
                } else if *alpha > 1.0 {
                    alpha * min / (alpha - 1.0)
                } else {
                    f64::INFINITY
                }
            }
            Dist::Empirical { points, tail_mean } => {
                let mut m = 0.0;
                for w in points.windows(2) {
                    m += (w[1].0 - w[0].0) * (w[0].1 + w[1].1) / 2.0;
                }
                let (ql, vl) = points[points.len() - 1];
                m + (1.0 - ql) * (vl + tail_mean)
            }
        }
    }

    /// The distribution's mean as a duration.
    pub fn mean(&self) -> SimDuration {
        SimDuration::from_secs_f64(self.mean_secs())
    }
}

/// `exp(mu + sigma·Z)`, `Z` a standard normal: [`Dist::LogNormal`]'s draw.
#[inline(never)]
fn lognormal<R: Rng + ?Sized>(rng: &mut R, mu: f64, sigma: f64) -> f64 {
    let z: f64 = StandardNormal.sample(rng);
    (mu + sigma * z).exp()
}

fn std_normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// Complementary error function (Numerical Recipes' erfcc, relative error < 1.2e-7).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

fn empirical_quantile(points: &[(f64, f64)], tail_mean: f64, u: f64) -> f64 {
    let (ql, vl) = points[points.len() - 1];
    if u >= ql {
        return vl + tail_mean * ((1.0 - ql) / (1.0 - u).max(f64::MIN_POSITIVE)).ln();
    }
    let i = points.partition_point(|p| p.0 <= u);
    let (q0, v0) = points[i - 1];
    let (q1, v1) = points[i];
    v0 + (v1 - v0) * (u - q0) / (q1 - q0)
}

/// Draws a standard normal; exposed for callers that need correlated or custom draws.
pub fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    StandardNormal.sample(rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_pcg::Pcg64Mcg;

    fn ms(n: u64) -> SimDuration {
        SimDuration::from_millis(n)
    }

    #[test]
    fn a_constant_skips_the_trip_through_seconds_with_the_same_value() {
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        let trip = |d: SimDuration| SimDuration::from_secs_f64(d.as_secs_f64());
        // Every magnitude up to 2⁵⁰ ns, and values around each power of two.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for bits in 0..=50u32 {
            for _ in 0..2000 {
                crate::engine::rng::lcg_step(&mut x);
                let d = SimDuration((x >> 14) & ((1u64 << bits) - 1).max(1))
                    .min(SimDuration((1 << 50) - 1));
                assert_eq!(Dist::Constant(d).sample(&mut rng), trip(d), "{d:?}");
            }
            let p = 1u64 << bits;
            for d in [p.saturating_sub(1), p, p + 1] {
                let d = SimDuration(d);
                assert_eq!(Dist::Constant(d).sample(&mut rng), trip(d), "{d:?}");
            }
        }
    }

    /// Sample mean and the share of samples at or below `x`.
    fn sample_stats(d: &Dist, x: f64) -> (f64, f64) {
        let mut rng = Pcg64Mcg::seed_from_u64(7);
        let n = 200_000;
        let (mut sum, mut below) = (0.0, 0usize);
        for _ in 0..n {
            let v = d.sample_secs(&mut rng);
            assert!(v >= 0.0);
            sum += v;
            if v <= x {
                below += 1;
            }
        }
        (sum / n as f64, below as f64 / n as f64)
    }

    #[test]
    fn means_match_formulas() {
        let dists = [
            Dist::exponential(ms(25)).unwrap(),
            Dist::uniform(ms(10), ms(30)).unwrap(),
            Dist::normal(ms(20), ms(15)).unwrap(),
            Dist::lognormal_mean_p99(ms(25), ms(150)).unwrap(),
            Dist::gamma(ms(25), 2.5).unwrap(),
            Dist::erlang(ms(25), 4).unwrap(),
            Dist::pareto(ms(10), 2.5, None).unwrap(),
            Dist::pareto(ms(10), 1.5, Some(ms(500))).unwrap(),
            Dist::empirical(&[(0.5, ms(20)), (0.9, ms(45)), (0.99, ms(180))], None).unwrap(),
        ];
        for d in &dists {
            let (m, _) = sample_stats(d, 0.0);
            let want = d.mean_secs();
            assert!(
                (m - want).abs() / want < 0.02,
                "{d:?}: sample mean {m} vs formula {want}"
            );
        }
    }

    #[test]
    fn lognormal_hits_its_p99() {
        let d = Dist::lognormal_mean_p99(ms(25), ms(150)).unwrap();
        let (_, below) = sample_stats(&d, 0.150);
        assert!((below - 0.99).abs() < 0.002, "P(X <= p99) = {below}");
    }

    #[test]
    fn empirical_hits_its_percentiles() {
        let d = Dist::empirical(&[(0.5, ms(20)), (0.9, ms(45)), (0.99, ms(180))], None).unwrap();
        for (q, x) in [(0.5, 0.020), (0.9, 0.045), (0.99, 0.180)] {
            let (_, below) = sample_stats(&d, x);
            assert!((below - q).abs() < 0.004, "P(X <= {x}) = {below}, want {q}");
        }
    }

    #[test]
    fn bounded_pareto_stays_in_bounds() {
        let d = Dist::pareto(ms(10), 1.2, Some(ms(100))).unwrap();
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        for _ in 0..10_000 {
            let v = d.sample_secs(&mut rng);
            assert!((0.010 - 1e-12..=0.100 + 1e-12).contains(&v), "{v}");
        }
    }

    #[test]
    fn bad_parameters_are_errors() {
        assert!(Dist::exponential(SimDuration::ZERO).is_err());
        assert!(Dist::uniform(ms(5), ms(1)).is_err());
        assert!(Dist::lognormal_mean_p99(ms(25), ms(20)).is_err());
        assert!(Dist::lognormal_mean_p99(ms(1), ms(1000)).is_err());
        assert!(Dist::erlang(ms(1), 0).is_err());
        assert!(Dist::pareto(ms(10), 1.0, Some(ms(5))).is_err());
        assert!(Dist::empirical(&[], None).is_err());
        assert!(Dist::empirical(&[(0.9, ms(5)), (0.5, ms(9))], None).is_err());
        assert!(Dist::empirical(&[(0.5, ms(5)), (0.9, ms(5))], None).is_err());
    }
}
