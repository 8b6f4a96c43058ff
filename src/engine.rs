//! The discrete-event kernel: it owns simulated time, the event calendar, random streams,
//! distributions, arrival processes, generic queueing stations and a processor-sharing server. It knows nothing of Azure,
//! Kubernetes or HTTP; the traffic model in [`crate::model`] is built on top of it.

pub mod arrivals;
pub mod calendar;
pub mod dist;
mod heap;
pub mod network;
pub mod ps;
pub mod rng;
pub mod station;
pub mod time;

/// Asks the processor to start loading `value`'s cache line (a hint: no effect on results; a
/// no-op where no prefetch instruction is known).
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch reads nothing and cannot fault, whatever the address; SSE, which
        // it needs, is part of every x86-64 processor.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

pub use arrivals::{ArrivalProcess, ProfileError, RatePoint, RateProfile};
pub use calendar::Calendar;
pub use dist::{Dist, DistError};
pub use network::{NetworkResult, NetworkSpec, SourceSpec, StationSpec, simulate};
pub use ps::{NextCompletion, Ps};
pub use rng::{StreamRng, named_stream, stream, stream_id};
pub use station::{Admission, Station};
pub use time::{DurationParseError, SimDuration, SimTime};
