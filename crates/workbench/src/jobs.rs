//! Every check, run and probe listing the window asks for is a job with a
//! number, and the session's answers come back tagged with it, in any
//! order and possibly late: a check of text that has changed since, a
//! listing for a process no longer traced, a run of a script that is not
//! on screen. This is where an answer finds what asked for it, and where
//! a stale one is dropped.

use dscope_engine::session::Event;

/// Where an answer goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// A probe's argument types, for the probe browser whoever asked.
    ProbeArgs,
    /// The system's probe list.
    ProbeList,
    /// The probes of the target process with this pid.
    TargetProbes(i32),
    /// The run of a script that is not on screen.
    Parked,
    /// The run on screen.
    Run,
    /// The latest check of the text on screen.
    Check,
    /// Nobody waits for it any more.
    Stale,
}

/// The jobs the window waits for.
#[derive(Debug, Default)]
pub struct Jobs {
    /// The latest check of the text on screen.
    pub check: Option<u64>,
    /// The job listing the target process's probes, and its pid.
    pub target_probes: Option<(i32, u64)>,
    /// With a scripted engine (tests): the last job number handed out.
    scripted: Option<u64>,
}

/// Who else may be waiting for a job: the jobs that are not this table's.
#[derive(Debug, Clone, Copy, Default)]
pub struct Waiting {
    /// The probe browser's listing.
    pub probe_list: Option<u64>,
    /// The run on screen.
    pub run: Option<u64>,
    /// Whether a script that is not on screen runs this job.
    pub parked: bool,
}

impl Jobs {
    /// Jobs numbered here rather than by a session: the window's tests
    /// answer them with events of their own.
    pub fn scripted() -> Jobs {
        Jobs {
            scripted: Some(0),
            ..Jobs::default()
        }
    }

    pub fn is_scripted(&self) -> bool {
        self.scripted.is_some()
    }

    /// With a scripted engine, the next job number (the session numbers
    /// its own).
    pub fn next_scripted(&mut self) -> Option<u64> {
        let n = self.scripted.as_mut()?;
        *n += 1;
        Some(*n)
    }

    /// The job asking for the target process's probes, while it is out.
    pub fn target_probes_job(&self) -> Option<u64> {
        self.target_probes.map(|(_, job)| job)
    }

    /// Forgets every job of the text or host on screen: their answers
    /// would be about something else now.
    pub fn forget(&mut self) {
        self.check = None;
        self.target_probes = None;
    }

    /// Where the answer `event` to `job` goes. A target's probe listing
    /// is answered once, so it is no longer waited for afterwards.
    pub fn route(&mut self, job: u64, event: &Event, waiting: Waiting) -> Route {
        if matches!(event, Event::ProbeArgs { .. }) {
            return Route::ProbeArgs;
        }
        if Some(job) == waiting.probe_list {
            return Route::ProbeList;
        }
        if let Some((pid, asked)) = self.target_probes
            && asked == job
        {
            self.target_probes = None;
            return Route::TargetProbes(pid);
        }
        if waiting.parked {
            return Route::Parked;
        }
        if Some(job) == waiting.run {
            return Route::Run;
        }
        if Some(job) == self.check {
            return Route::Check;
        }
        Route::Stale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_go_to_what_asked_for_them_and_late_ones_nowhere() {
        let mut jobs = Jobs::scripted();
        let check = jobs.next_scripted().unwrap();
        jobs.check = Some(check);
        let newer = jobs.next_scripted().unwrap();
        let done = Event::Checked { matches: 1 };
        let none = Waiting::default();
        assert_eq!(jobs.route(check, &done, none), Route::Check);
        jobs.check = Some(newer);
        assert_eq!(jobs.route(check, &done, none), Route::Stale);
        let run = Waiting {
            run: Some(7),
            ..none
        };
        assert_eq!(jobs.route(7, &done, run), Route::Run);
        let parked = Waiting {
            parked: true,
            ..run
        };
        assert_eq!(jobs.route(7, &done, parked), Route::Parked);
    }

    #[test]
    fn a_target_listing_is_answered_once() {
        let mut jobs = Jobs {
            target_probes: Some((42, 5)),
            ..Jobs::default()
        };
        let list = Event::Probes(Ok(Vec::new()));
        let none = Waiting::default();
        assert_eq!(jobs.route(5, &list, none), Route::TargetProbes(42));
        assert_eq!(jobs.route(5, &list, none), Route::Stale);
        let args = Event::ProbeArgs {
            probe: dscope_engine::model::Probe {
                id: 1,
                provider: "syscall".into(),
                module: String::new(),
                function: "read".into(),
                name: "entry".into(),
            },
            types: Ok(Vec::new()),
        };
        assert_eq!(jobs.route(99, &args, none), Route::ProbeArgs);
    }
}
