//! A generic open queueing network on the kernel: external arrival sources feed stations, jobs
//! move between stations by probabilistic routing and leave when routing says so.
//!
//! This is the textbook model (M/M/1, M/M/c, M/D/1, M/M/1/K, Jackson tandems) with nothing of
//! Azure in it. It exists to validate the kernel against queueing theory and to benchmark the
//! kernel alone; the traffic model in [`crate::model`] uses the same calendar, streams,
//! distributions and stations.
//!
//! Statistics: customers are counted if they arrive after the warm-up; time averages start at
//! the warm-up. Each station reports its own response and waiting times; the network reports
//! end-to-end response times (system entry to exit).

use rand::Rng;

use crate::stats::{LatencyHistogram, LatencyRecorder, StationStats};

use super::arrivals::ArrivalProcess;
use super::calendar::Calendar;
use super::dist::Dist;
use super::rng::{StreamRng, stream};
use super::station::{Admission, Station};
use super::time::{SimDuration, SimTime};

/// One station of the network.
#[derive(Clone, Debug)]
pub struct StationSpec {
    /// Parallel servers.
    pub servers: u32,
    /// Waiting-line limit (`None`: unlimited).
    pub limit: Option<u32>,
    /// Service time.
    pub service: Dist,
    /// After service: `(probability, next station)`; the remaining probability leaves.
    pub routes: Vec<(f64, usize)>,
}

/// An external arrival stream into one station.
#[derive(Clone, Debug)]
pub struct SourceSpec {
    /// When jobs arrive.
    pub arrivals: ArrivalProcess,
    /// Where they enter.
    pub station: usize,
}

/// A whole network and how long to run it. At most 65,535 stations and 65,535 sources (event
/// ids are 16-bit to keep calendar entries small).
#[derive(Clone, Debug)]
pub struct NetworkSpec {
    /// Stations.
    pub stations: Vec<StationSpec>,
    /// Arrival sources.
    pub sources: Vec<SourceSpec>,
    /// Run length, including warm-up.
    pub duration: SimDuration,
    /// Initial period excluded from statistics.
    pub warmup: SimDuration,
}

/// What one replication of a network measured.
#[derive(Clone, Debug)]
pub struct NetworkResult {
    /// Per station, in spec order.
    pub stations: Vec<StationStats>,
    /// End-to-end response times of jobs that left the network.
    pub response: LatencyHistogram,
    /// Jobs that entered after the warm-up (including rejected ones).
    pub entered: u64,
    /// Jobs rejected anywhere.
    pub rejected: u64,
    /// Per station: counted jobs that started service.
    pub started: Vec<u64>,
    /// Per station: counted jobs that had to wait before service (for the probability of
    /// waiting, Erlang C).
    pub delayed: Vec<u64>,
    /// Events processed by the calendar (the whole run).
    pub events: u64,
    /// Length of the measured period, seconds.
    pub measured_secs: f64,
}

/// Kept to 8 bytes so a calendar entry is 24 bytes.
#[derive(Clone, Copy, Debug)]
enum Event {
    Arrival { source: u16 },
    Departure { station: u16, job: u32 },
    WarmupEnd,
}

#[derive(Clone, Copy, Debug, Default)]
struct Job {
    born: SimTime,
    at_station: SimTime,
    counted: bool,
}

/// Latencies go through [`LatencyRecorder`]s (the histograms' cheap recording path) and become
/// histograms at the end.
struct PerStation {
    station: Station,
    response: LatencyRecorder,
    wait: LatencyRecorder,
    rng: StreamRng,
    started: u64,
    delayed: u64,
}

/// Runs one replication of `spec` with streams derived from (`seed`, `replication`).
pub fn simulate(spec: &NetworkSpec, seed: u64, replication: u64) -> NetworkResult {
    let mut cal: Calendar<Event> = Calendar::new();
    let end = SimTime::ZERO + spec.duration;
    let warm = SimTime::ZERO + spec.warmup;
    let mut source_rngs: Vec<StreamRng> = (0..spec.sources.len())
        .map(|i| stream(seed, replication, 1_000 + i as u64))
        .collect();
    let mut routing_rng = stream(seed, replication, 2_000);
    let mut st: Vec<PerStation> = spec
        .stations
        .iter()
        .enumerate()
        .map(|(i, s)| PerStation {
            station: Station::new(s.servers, s.limit),
            response: LatencyRecorder::new(),
            wait: LatencyRecorder::new(),
            rng: stream(seed, replication, 3_000 + i as u64),
            started: 0,
            delayed: 0,
        })
        .collect();
    let mut jobs: Vec<Job> = Vec::with_capacity(1024);
    let mut free: Vec<u32> = Vec::with_capacity(1024);
    let mut response = LatencyRecorder::new();
    // A station that routes nowhere and that no route leads to sees only jobs that entered
    // there and leave from there: their end-to-end response is their response at the station,
    // so it is recorded once, there, and merged into `response` at the end.
    let mut direct: Vec<bool> = spec.stations.iter().map(|s| s.routes.is_empty()).collect();
    for s in &spec.stations {
        for &(_, dest) in &s.routes {
            direct[dest] = false;
        }
    }
    let (mut entered, mut rejected) = (0u64, 0u64);

    for (i, src) in spec.sources.iter().enumerate() {
        if let Some(t) = src.arrivals.next_after(SimTime::ZERO, &mut source_rngs[i]) {
            cal.schedule(t, Event::Arrival { source: i as u16 });
        }
    }
    cal.schedule(warm, Event::WarmupEnd);

    while let Some((now, ev)) = cal.pop() {
        if now >= end {
            break;
        }
        match ev {
            Event::WarmupEnd => {
                for p in &mut st {
                    p.station.reset_stats(now);
                    p.response.clear();
                    p.wait.clear();
                    (p.started, p.delayed) = (0, 0);
                }
            }
            Event::Arrival { source } => {
                let src = &spec.sources[source as usize];
                if let Some(t) = src
                    .arrivals
                    .next_after(now, &mut source_rngs[source as usize])
                {
                    cal.schedule(t, Event::Arrival { source });
                }
                let job = match free.pop() {
                    Some(j) => j,
                    None => {
                        jobs.push(Job::default());
                        (jobs.len() - 1) as u32
                    }
                };
                let counted = now >= warm;
                jobs[job as usize] = Job {
                    born: now,
                    at_station: now,
                    counted,
                };
                entered += u64::from(counted);
                if !enter(&mut st, &spec.stations, &mut cal, src.station, job, &jobs) {
                    rejected += u64::from(counted);
                    free.push(job);
                }
            }
            Event::Departure { station, job } => {
                let s = station as usize;
                let j = jobs[job as usize];
                let p = &mut st[s];
                if j.counted {
                    p.response.record(now - j.at_station);
                }
                if let Some(next) = p.station.depart(now) {
                    start(p, &spec.stations[s], &mut cal, s, next, &jobs, now);
                }
                // Route onwards or leave (no draw when the station has no routes).
                let routes = &spec.stations[s].routes;
                let mut to = None;
                if !routes.is_empty() {
                    let u: f64 = routing_rng.random();
                    let mut acc = 0.0;
                    for &(prob, dest) in routes {
                        acc += prob;
                        if u < acc {
                            to = Some(dest);
                            break;
                        }
                    }
                }
                match to {
                    Some(dest) => {
                        jobs[job as usize].at_station = now;
                        if !enter(&mut st, &spec.stations, &mut cal, dest, job, &jobs) {
                            rejected += u64::from(j.counted);
                            free.push(job);
                        }
                    }
                    None => {
                        if j.counted && !direct[s] {
                            response.record(now - j.born);
                        }
                        free.push(job);
                    }
                }
            }
        }
    }

    let responses: Vec<LatencyHistogram> = st.iter().map(|p| p.response.to_histogram()).collect();
    let mut response = response.to_histogram();
    for (h, _) in responses.iter().zip(&direct).filter(|(_, d)| **d) {
        response.merge(h);
    }
    let now = end;
    let measured_secs = end.since(warm).as_secs_f64();
    let stations = st
        .iter()
        .zip(&spec.stations)
        .zip(&responses)
        .map(|((p, s), response)| {
            let mean_busy = p.station.mean_busy(now);
            let mean_in_queue = p.station.mean_queue(now);
            StationStats {
                arrivals: p.station.arrivals(),
                rejected: p.station.rejected(),
                completed: p.station.completed(),
                mean_in_system: mean_busy + mean_in_queue,
                mean_in_queue,
                mean_busy,
                utilisation: if s.servers > 0 {
                    mean_busy / f64::from(s.servers)
                } else {
                    0.0
                },
                peak_queue: p.station.peak_queue(),
                response: response.percentiles(),
                wait: p.wait.to_histogram().percentiles(),
            }
        })
        .collect();
    NetworkResult {
        started: st.iter().map(|p| p.started).collect(),
        delayed: st.iter().map(|p| p.delayed).collect(),
        stations,
        response,
        entered,
        rejected,
        events: cal.events_processed(),
        measured_secs,
    }
}

/// Offers `job` to station `s`; returns false if it was rejected.
#[inline(always)]
fn enter(
    st: &mut [PerStation],
    specs: &[StationSpec],
    cal: &mut Calendar<Event>,
    s: usize,
    job: u32,
    jobs: &[Job],
) -> bool {
    let now = cal.now();
    let p = &mut st[s];
    match p.station.arrive(now, job) {
        Admission::Start => {
            start(p, &specs[s], cal, s, job, jobs, now);
            true
        }
        Admission::Queued => true,
        Admission::Rejected => false,
    }
}

/// `job` takes a server at station `s` now: record its wait, schedule its departure.
#[inline(always)]
fn start(
    p: &mut PerStation,
    spec: &StationSpec,
    cal: &mut Calendar<Event>,
    s: usize,
    job: u32,
    jobs: &[Job],
    now: SimTime,
) {
    let j = jobs[job as usize];
    if j.counted {
        p.wait.record(now - j.at_station);
        p.started += 1;
        p.delayed += u64::from(now > j.at_station);
    }
    let service = spec.service.sample(&mut p.rng);
    cal.schedule(
        now + service,
        Event::Departure {
            station: s as u16,
            job,
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_station_with_no_routes_in_or_out_gives_its_response_end_to_end() {
        // M/M/2 next to a two-station tandem: the lone station's jobs are recorded once, at the
        // station, and merged into the end-to-end histogram; the tandem's are recorded on exit.
        let exp = |ms| Dist::exponential(SimDuration::from_millis(ms)).unwrap();
        let station = |routes| StationSpec {
            servers: 2,
            limit: None,
            service: exp(10),
            routes,
        };
        let spec = NetworkSpec {
            stations: vec![station(vec![]), station(vec![(1.0, 2)]), station(vec![])],
            sources: vec![
                SourceSpec {
                    arrivals: ArrivalProcess::Poisson(100.0),
                    station: 0,
                },
                SourceSpec {
                    arrivals: ArrivalProcess::Poisson(50.0),
                    station: 1,
                },
            ],
            duration: SimDuration::from_secs(60),
            warmup: SimDuration::from_secs(5),
        };
        let r = simulate(&spec, 3, 0);
        let lone = r.stations[0].response;
        // Both kinds are in: the lone station's (about 5,500) and the tandem's (about 2,750).
        assert!(
            r.response.count() > lone.count + 2_000,
            "{}",
            r.response.count()
        );
        assert!(r.response.max().as_secs_f64() >= lone.max);
        // Only the lone station's jobs: exactly its own histogram.
        let one = NetworkSpec {
            stations: vec![station(vec![])],
            sources: vec![spec.sources[0].clone()],
            ..spec
        };
        let r = simulate(&one, 3, 0);
        assert_eq!(r.response.percentiles(), r.stations[0].response);
    }

    #[test]
    fn deterministic_service_has_no_wait_when_spaced() {
        // Constant arrivals every 10 ms, constant service 5 ms: nobody waits, response = 5 ms.
        let spec = NetworkSpec {
            stations: vec![StationSpec {
                servers: 1,
                limit: None,
                service: Dist::constant(SimDuration::from_millis(5)),
                routes: vec![],
            }],
            sources: vec![SourceSpec {
                arrivals: ArrivalProcess::Constant(100.0),
                station: 0,
            }],
            duration: SimDuration::from_secs(10),
            warmup: SimDuration::from_secs(1),
        };
        let r = simulate(&spec, 1, 0);
        let s = &r.stations[0];
        assert_eq!(s.wait.max, 0.0);
        assert!((s.response.p99 - 0.005).abs() < 1e-5, "{}", s.response.p99);
        assert!((s.utilisation - 0.5).abs() < 0.01, "{}", s.utilisation);
        assert_eq!(r.rejected, 0);
    }
}
