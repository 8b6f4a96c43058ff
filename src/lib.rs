//! # trafsim — a discrete-event simulator of traffic through an AKS platform
//!
//! Clients, the ingress tier (Application Gateway + AGIC, NGINX, Istio), zone-spread pods,
//! east-west calls and the egress path are queueing stations in one discrete-event simulation.
//! A TOML scenario describes the design, the load and the faults; many independent replications
//! run in parallel and the results carry confidence intervals.
//!
//! Layers, with arrows pointing one way only (`report`, `runner` → `model` → `engine`):
//!
//! - [`engine`] — time, the event calendar, random streams, distributions, arrival processes and
//!   generic queueing stations. Knows nothing of Azure.
//! - [`stats`] — streaming statistics: latency histograms, time-weighted averages, confidence
//!   intervals.
//! - [`scenario`] — the TOML scenario format: serde types, units, validation, sourced defaults.
//! - [`model`] — the traffic path built on the engine.
//! - [`cost`] — the monthly cost estimate of a run, from what it held and carried.
//! - [`runner`] — replications in parallel, deterministic merge.
//! - [`report`] — terminal tables and files in `output/`.
//! - [`study`] — comparisons with common random numbers, sweeps, capacity searches.
#![warn(missing_docs)]

pub mod cost;
pub mod engine;
pub mod model;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod stats;
pub mod study;
