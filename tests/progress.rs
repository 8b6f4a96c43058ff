//! Progress that is right: the bar moves with simulated time while replications run (not once
//! per finished replication), ends exactly at its length, and never goes back.
//!
//! Before this change replications reported only when they finished, so a run of a few long
//! replications sat at 0% and then jumped; `replications_report_their_clock_as_they_go` would
//! see no advance before the first replication finished.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use trafsim::engine::SimDuration;
use trafsim::runner::{Progress, SimProgress, summarise_replications_within_budget};
use trafsim::scenario::{Scenario, parse};

/// Replications of the scenario.
const REPS: u64 = 3;

/// One service of 4 pods, 500 req/s for 2 minutes: tens of thousands of events per
/// replication, so each reports its clock many times.
fn scenario() -> Scenario {
    let text = format!(
        r#"
[simulation]
duration = "2m"
warmup = "10s"
replications = {REPS}
seed = 11

[clients]
rate = 500

[[services]]
name = "web"
pods = {{ "1" = 4 }}
concurrency = 4
service_time = {{ exponential = {{ mean = "5ms" }} }}
"#
    );
    parse(&text, "progress.toml").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Records every advance and finished replication.
#[derive(Default)]
struct Recorder {
    advances: Mutex<Vec<u64>>,
    /// Advances reported before the first replication finished.
    before_first: AtomicU64,
    finished: AtomicU64,
}

impl Progress for Recorder {
    fn advanced(&self, by: SimDuration) {
        if self.finished.load(Ordering::SeqCst) == 0 {
            self.before_first.fetch_add(1, Ordering::SeqCst);
        }
        self.advances.lock().unwrap().push(by.0);
    }

    fn finished(&self, _replication: u64) {
        self.finished.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn replications_report_their_clock_as_they_go() {
    let s = scenario();
    let rec = Recorder::default();
    summarise_replications_within_budget(&s, 0..REPS, &rec).unwrap();
    let advances = rec.advances.lock().unwrap();
    let total: u64 = advances.iter().sum();
    assert_eq!(total, REPS * s.simulation.duration.0);
    assert_eq!(rec.finished.load(Ordering::SeqCst), REPS);
    // Many reports per replication, and some before any replication finished.
    assert!(advances.len() as u64 >= 5 * REPS, "{}", advances.len());
    assert!(rec.before_first.load(Ordering::SeqCst) > 0);
}

#[test]
fn the_bar_reaches_exactly_its_length_and_never_goes_back() {
    let s = scenario();
    let bar = SimProgress::new(REPS, s.simulation.duration, "progress", true);
    assert_eq!(bar.length(), REPS * s.simulation.duration.0);
    assert_eq!(bar.position(), 0);
    let done = AtomicBool::new(false);
    let seen = std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            let mut seen = vec![bar.position()];
            while !done.load(Ordering::SeqCst) {
                seen.push(bar.position());
                std::thread::yield_now();
            }
            seen.push(bar.position());
            seen
        });
        summarise_replications_within_budget(&s, 0..REPS, &bar).unwrap();
        done.store(true, Ordering::SeqCst);
        watcher.join().unwrap()
    });
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "went back");
    assert_eq!(bar.position(), bar.length());
    assert_eq!(bar.replications_done(), REPS);
    // A capacity search adds probes as it goes: the length grows, the position stays.
    bar.add(2, s.simulation.duration);
    assert_eq!(bar.length(), (REPS + 2) * s.simulation.duration.0);
    assert_eq!(bar.position(), REPS * s.simulation.duration.0);
}
