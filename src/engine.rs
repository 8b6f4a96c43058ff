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

pub use arrivals::{ArrivalProcess, ProfileError, RatePoint, RateProfile};
pub use calendar::Calendar;
pub use dist::{Dist, DistError};
pub use network::{NetworkResult, NetworkSpec, SourceSpec, StationSpec, simulate};
pub use ps::{NextCompletion, Ps};
pub use rng::{StreamRng, named_stream, stream, stream_id};
pub use station::{Admission, Station};
pub use time::{DurationParseError, SimDuration, SimTime};
