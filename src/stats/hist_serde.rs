//! Serde for HdrHistogram buckets, so a replication's result can travel in a shard's partial
//! result file (`runner::part`) and come back exactly.
//!
//! A histogram is written as bytes in HdrHistogram's V2 encoding (its counts, run-length
//! encoded, with its lowest discernible value, highest trackable value and significant
//! digits). Read back, it has the same buckets and counts and is made auto-resizing again
//! (every histogram in trafsim is), so merging into it behaves as merging into the original:
//! quantiles, counts and merges of a histogram that went through a file are those of the one
//! that did not.
//!
//! Use with `#[serde(with = "crate::stats::hist_serde")]` on a `Histogram<T>` field, or
//! `hist_serde::option` on an `Option<Histogram<T>>`.

use std::fmt;
use std::marker::PhantomData;

use hdrhistogram::serialization::{Deserializer as HdrDeserializer, Serializer as _, V2Serializer};
use hdrhistogram::{Counter, Histogram};
use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserializer, Serializer};

/// Writes `h` as the bytes of its V2 encoding.
pub fn serialize<T: Counter, S: Serializer>(h: &Histogram<T>, s: S) -> Result<S::Ok, S::Error> {
    let mut bytes = Vec::new();
    V2Serializer::new()
        .serialize(h, &mut bytes)
        .map_err(|e| serde::ser::Error::custom(format!("histogram: {e:?}")))?;
    s.serialize_bytes(&bytes)
}

/// Reads a histogram written by [`serialize`]; it comes back auto-resizing.
pub fn deserialize<'de, T: Counter, D: Deserializer<'de>>(d: D) -> Result<Histogram<T>, D::Error> {
    let bytes = d.deserialize_byte_buf(BytesVisitor)?;
    decode(&bytes).map_err(de::Error::custom)
}

/// The histogram in `bytes` (V2 encoding), auto-resizing.
fn decode<T: Counter>(bytes: &[u8]) -> Result<Histogram<T>, String> {
    let mut h: Histogram<T> = HdrDeserializer::new()
        .deserialize(&mut &bytes[..])
        .map_err(|e| format!("a histogram that does not decode: {e:?}"))?;
    h.auto(true);
    Ok(h)
}

/// Accepts bytes as bytes or as a sequence of numbers (for formats without a bytes type).
struct BytesVisitor;

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the bytes of an HdrHistogram V2 encoding")
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
        Ok(v.to_vec())
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
        Ok(v)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(b) = seq.next_element()? {
            out.push(b);
        }
        Ok(out)
    }
}

/// The same for an optional histogram (`None` stays `None`).
pub mod option {
    use super::*;

    /// Writes `Some(h)` as [`serialize`](super::serialize) does, `None` as nothing.
    pub fn serialize<T: Counter, S: Serializer>(
        h: &Option<Histogram<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match h {
            Some(h) => {
                let mut bytes = Vec::new();
                V2Serializer::new()
                    .serialize(h, &mut bytes)
                    .map_err(|e| serde::ser::Error::custom(format!("histogram: {e:?}")))?;
                s.serialize_some(&Bytes(&bytes))
            }
            None => s.serialize_none(),
        }
    }

    /// Reads what [`serialize`] wrote.
    pub fn deserialize<'de, T: Counter, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Histogram<T>>, D::Error> {
        d.deserialize_option(OptionVisitor(PhantomData))
    }

    /// Bytes written as bytes.
    struct Bytes<'a>(&'a [u8]);

    impl serde::Serialize for Bytes<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }

    struct OptionVisitor<T>(PhantomData<T>);

    impl<'de, T: Counter> Visitor<'de> for OptionVisitor<T> {
        type Value = Option<Histogram<T>>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an optional HdrHistogram")
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            super::deserialize(d).map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_counts_and_quantiles_and_still_resizes() {
        let mut h: Histogram<u64> = Histogram::new(3).unwrap();
        for v in [1u64, 7, 1_000, 123_456, 9_999_999] {
            h.record_n(v, v % 5 + 1).unwrap();
        }
        let mut bytes = Vec::new();
        V2Serializer::new().serialize(&h, &mut bytes).unwrap();
        let mut back: Histogram<u64> = decode(&bytes).unwrap();
        assert_eq!(back, h);
        for q in [0.0, 0.5, 0.9, 0.99, 1.0] {
            assert_eq!(back.value_at_quantile(q), h.value_at_quantile(q));
        }
        // Merging a larger value into the decoded histogram grows it, as the original would.
        let mut big: Histogram<u64> = Histogram::new(3).unwrap();
        big.record(1 << 40).unwrap();
        back.add(&big).unwrap();
        h.add(&big).unwrap();
        assert_eq!(back.value_at_quantile(1.0), h.value_at_quantile(1.0));
        assert_eq!(back.len(), h.len());
    }
}
