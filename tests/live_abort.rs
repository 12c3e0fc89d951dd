//! A second stop while a run stops (dtrace(1)'s second ^C) ends it at
//! once: no more trace output, no final aggregations. In a test binary of
//! its own because a process can run DTrace only once. Live
//! (DSCOPE_LIVE=1, see live_check.rs).

mod common;

use common::live;
use dscope::dtrace::{Consumer, Library, RunSettings};
use dscope::model::Event;
use dscope::model::RunEnd;
use std::sync::atomic::{AtomicBool, Ordering};

#[test]
fn a_second_stop_ends_a_stopping_run_without_its_aggregations() {
    if !live() {
        return;
    }
    let lib = Library::load().unwrap();
    let mut consumer = Consumer::open(&lib).unwrap();
    consumer.setopt("quiet", None).unwrap();
    consumer
        .compile(
            "BEGIN { @n[\"begin\"] = count(); printf(\"begin ran\\n\"); }\n\
             END { printf(\"end ran\\n\"); }\n",
            "abort.d",
            &[],
        )
        .unwrap();
    let (stop, abort) = (AtomicBool::new(false), AtomicBool::new(false));
    let mut events = Vec::new();
    let settings = RunSettings::default();
    let finish = consumer
        .run(&settings, &stop, Some(&abort), &mut |event| {
            if matches!(event, Event::Started { .. }) {
                // Both stops at once: the run is impatient from the start.
                stop.store(true, Ordering::SeqCst);
                abort.store(true, Ordering::SeqCst);
            }
            events.push(event);
        })
        .unwrap();
    assert_eq!(finish, RunEnd::Stopped);
    assert!(
        matches!(events.first(), Some(Event::Started { .. })),
        "{events:?}"
    );
    assert!(events.contains(&Event::Stopping), "{events:?}");
    // Nothing was consumed after the stop: neither END's output nor the
    // aggregation printout.
    let printed: Vec<&Event> = events
        .iter()
        .filter(|e| matches!(e, Event::Output(_)))
        .collect();
    assert!(
        !printed.iter().any(
            |e| matches!(e, Event::Output(o) if o.contains("begin ") || o.contains("end ran"))
        ),
        "{events:?}"
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::Output(o) if o.trim_start().starts_with("begin") && o.trim_end().ends_with('1'))),
        "aggregations printed: {events:?}"
    );
}
