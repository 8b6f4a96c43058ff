//! Simulation time: integer nanoseconds, never an accumulating `f64`.
//!
//! [`SimTime`] is an instant since the start of a run; [`SimDuration`] is a span. Both are `u64`
//! nanoseconds, which covers 584 years — far beyond any scenario — and makes event ordering exact.
//! Human units (`"250ms"`, `"1.5s"`, `"10m"`) parse with [`SimDuration::parse`] and print back with
//! `Display`.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

use serde::{Deserialize, Serialize};

/// Nanoseconds in one microsecond, millisecond, second, minute and hour.
const NS_PER_US: u64 = 1_000;
const NS_PER_MS: u64 = 1_000_000;
const NS_PER_S: u64 = 1_000_000_000;
const NS_PER_MIN: u64 = 60 * NS_PER_S;
const NS_PER_H: u64 = 60 * NS_PER_MIN;

/// An instant of simulated time, in nanoseconds since the start of the run.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct SimTime(pub u64);

/// A span of simulated time, in nanoseconds.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct SimDuration(pub u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// The largest representable instant ("never").
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// Nanoseconds since the start.
    pub fn as_nanos(self) -> u64 {
        self.0
    }

    /// Seconds since the start, as a float (for reports only, never for the calendar).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NS_PER_S as f64
    }

    /// The span from `earlier` to `self`, or zero if `earlier` is later.
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A span of `n` nanoseconds.
    pub const fn from_nanos(n: u64) -> Self {
        SimDuration(n)
    }

    /// A span of `n` microseconds.
    pub const fn from_micros(n: u64) -> Self {
        SimDuration(n * NS_PER_US)
    }

    /// A span of `n` milliseconds.
    pub const fn from_millis(n: u64) -> Self {
        SimDuration(n * NS_PER_MS)
    }

    /// A span of `n` seconds.
    pub const fn from_secs(n: u64) -> Self {
        SimDuration(n * NS_PER_S)
    }

    /// A span of `s` seconds, rounded to the nearest nanosecond; negative or NaN gives zero,
    /// values beyond `u64` saturate.
    #[inline]
    pub fn from_secs_f64(s: f64) -> Self {
        // `as` saturates (and maps NaN to 0); adding 0.5 rounds positive values to nearest
        // without a libm call — this runs for every sampled duration.
        if s > 0.0 {
            let ns = s * NS_PER_S as f64 + 0.5;
            // Below 2⁶³ the signed conversion truncates the same and is one instruction.
            if ns < 9_223_372_036_854_775_808.0 {
                SimDuration(ns as i64 as u64)
            } else {
                SimDuration(ns as u64)
            }
        } else {
            SimDuration::ZERO
        }
    }

    /// Nanoseconds in this span.
    pub fn as_nanos(self) -> u64 {
        self.0
    }

    /// Seconds in this span, as a float (for reports and distribution parameters).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NS_PER_S as f64
    }

    /// Milliseconds in this span, as a float.
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / NS_PER_MS as f64
    }

    /// This span multiplied by a non-negative factor (saturating).
    pub fn mul_f64(self, k: f64) -> Self {
        SimDuration::from_secs_f64(self.as_secs_f64() * k)
    }

    /// Parses a human duration: a number (integer or decimal) followed by a unit, one of
    /// `ns`, `us` (or `µs`), `ms`, `s`, `m` (or `min`), `h`. Several parts may be joined, as in
    /// `"1m30s"`. A bare `"0"` is accepted; any other number needs a unit.
    pub fn parse(text: &str) -> Result<SimDuration, DurationParseError> {
        let err = || DurationParseError {
            given: text.to_string(),
        };
        let s = text.trim();
        if s == "0" {
            return Ok(SimDuration::ZERO);
        }
        if s.is_empty() {
            return Err(err());
        }
        let mut total: u128 = 0;
        let mut rest = s;
        while !rest.is_empty() {
            let num_len = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .ok_or_else(err)?;
            if num_len == 0 {
                return Err(err());
            }
            let (num, tail) = rest.split_at(num_len);
            let unit_len = tail
                .find(|c: char| c.is_ascii_digit() || c == '.')
                .unwrap_or(tail.len());
            let (unit, next) = tail.split_at(unit_len);
            let scale = match unit.trim() {
                "ns" => 1,
                "us" | "µs" => NS_PER_US,
                "ms" => NS_PER_MS,
                "s" => NS_PER_S,
                "m" | "min" => NS_PER_MIN,
                "h" => NS_PER_H,
                _ => return Err(err()),
            };
            let value: f64 = num.parse().map_err(|_| err())?;
            let ns = (value * scale as f64).round();
            if !ns.is_finite() || ns >= u64::MAX as f64 {
                return Err(err());
            }
            total += ns as u128;
            rest = next;
        }
        u64::try_from(total).map(SimDuration).map_err(|_| err())
    }
}

/// A duration text that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid duration \"{given}\": expected a number with a unit (ns, us, ms, s, m, h), e.g. \"250ms\", \"1.5s\", \"10m\""
)]
pub struct DurationParseError {
    /// The text as given.
    pub given: String,
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        self.0 = self.0.saturating_add(d.0);
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    fn sub(self, earlier: SimTime) -> SimDuration {
        self.since(earlier)
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }
}

impl AddAssign for SimDuration {
    fn add_assign(&mut self, d: SimDuration) {
        self.0 = self.0.saturating_add(d.0);
    }
}

impl Sub for SimDuration {
    type Output = SimDuration;
    fn sub(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(d.0))
    }
}

impl fmt::Display for SimDuration {
    /// Prints the span in the largest unit that keeps it readable: `250ms`, `1.5s`, `10m`, `2h`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0;
        let (value, unit) = if ns == 0 {
            return write!(f, "0s");
        } else if ns.is_multiple_of(NS_PER_H) {
            (ns as f64 / NS_PER_H as f64, "h")
        } else if ns.is_multiple_of(NS_PER_MIN) {
            (ns as f64 / NS_PER_MIN as f64, "m")
        } else if ns >= NS_PER_S {
            (ns as f64 / NS_PER_S as f64, "s")
        } else if ns >= NS_PER_MS {
            (ns as f64 / NS_PER_MS as f64, "ms")
        } else if ns >= NS_PER_US {
            (ns as f64 / NS_PER_US as f64, "us")
        } else {
            (ns as f64, "ns")
        };
        // Up to three decimals, trailing zeros trimmed.
        let text = format!("{value:.3}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        write!(f, "{text}{unit}")
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t={}", SimDuration(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(
            SimDuration::parse("250ms").unwrap(),
            SimDuration::from_millis(250)
        );
        assert_eq!(
            SimDuration::parse("1.5s").unwrap(),
            SimDuration::from_millis(1500)
        );
        assert_eq!(
            SimDuration::parse("10m").unwrap(),
            SimDuration::from_secs(600)
        );
        assert_eq!(
            SimDuration::parse("2h").unwrap(),
            SimDuration::from_secs(7200)
        );
        assert_eq!(
            SimDuration::parse("100us").unwrap(),
            SimDuration::from_micros(100)
        );
        assert_eq!(
            SimDuration::parse("0.1ms").unwrap(),
            SimDuration::from_micros(100)
        );
        assert_eq!(
            SimDuration::parse("1m30s").unwrap(),
            SimDuration::from_secs(90)
        );
        assert_eq!(SimDuration::parse("0").unwrap(), SimDuration::ZERO);
    }

    #[test]
    fn rejects_bad_text() {
        for bad in ["", "10", "ms", "1.5x", "-3s", "1..2s", "s10"] {
            assert!(SimDuration::parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn prints_round_trip() {
        for text in ["250ms", "1.5s", "10m", "2h", "100us", "7ns", "0s"] {
            let d = SimDuration::parse(text).unwrap();
            assert_eq!(d.to_string(), text);
            assert_eq!(SimDuration::parse(&d.to_string()).unwrap(), d);
        }
    }

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(SimTime::MAX + SimDuration::from_secs(1), SimTime::MAX);
        assert_eq!(SimTime(5) - SimTime(9), SimDuration::ZERO);
        assert_eq!(SimDuration::from_secs_f64(-1.0), SimDuration::ZERO);
    }
}
