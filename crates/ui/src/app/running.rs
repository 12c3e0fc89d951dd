//! Checks, runs and probe lists through the session, on this machine, a
//! host or a fleet: starting them, and routing each answer to what asked
//! for it through the workbench's [`Jobs`].

use super::*;

impl DscopeApp {
    pub fn run_panel(&self) -> &ScriptRun {
        &self.run
    }

    pub fn run_panel_mut(&mut self) -> &mut ScriptRun {
        &mut self.run
    }

    pub(super) fn session(&mut self, ctx: &egui::Context) -> &mut Session {
        let program = self.worker_program.clone().unwrap_or_default();
        let host = &self.host;
        self.session.get_or_insert_with(|| {
            let ctx = ctx.clone();
            let waker: crate::session::Waker = Arc::new(move || ctx.request_repaint());
            match host {
                Some(h) if h.endpoints.len() == 1 => {
                    Session::start_remote(h.endpoints[0].clone(), Some(waker))
                }
                Some(h) => Session::start_fleet(h.endpoints.clone(), Some(waker)),
                None => Session::start(program, Some(waker)),
            }
        })
    }

    /// The host checks and runs happen on (`None`: this machine).
    pub fn host(&self) -> Option<&str> {
        self.host.as_ref().map(crate::hosts::HostTarget::name)
    }

    /// Makes `given` the host, remembered among the recent ones; false
    /// (with the reason in the status bar) when it is not a host.
    pub(super) fn take_host(&mut self, given: crate::settings::RecentHost) -> bool {
        match crate::hosts::HostTarget::new(given) {
            Ok(h) => {
                self.settings.add_recent_host(h.given.clone());
                self.save_settings();
                self.host = Some(h);
                true
            }
            Err(e) => {
                self.status = e;
                false
            }
        }
    }

    /// Works on `host` from now on (`None`: this machine): checks, the
    /// probe list, completion and runs. Refused while a run is active.
    pub fn set_host(&mut self, ctx: &egui::Context, host: Option<crate::settings::RecentHost>) {
        if self.run.state().is_active() || self.scripts.running_elsewhere().is_some() {
            self.run
                .refused("Stop the run before changing where scripts run.".into());
            return;
        }
        match host {
            Some(given) => {
                if !self.take_host(given) {
                    return;
                }
            }
            None => self.host = None,
        }
        // Answers still on their way are the other machine's, and so is
        // the last check's probe count.
        self.session = None;
        self.jobs.forget();
        self.run.forget_matches();
        self.system_probes = None;
        self.target_probes = None;
        self.probes.forget();
        self.install_probes();
        // A process ID names a process of the machine it was chosen on.
        if matches!(
            self.view.run_options.target,
            Some(crate::session::Target::Pid(_))
        ) {
            self.view.run_options.target = None;
        }
        if self.probes.open {
            self.list_probes(ctx);
        }
        self.check_due = Some(Instant::now());
        self.status = match self.host() {
            Some(h) => format!("Checks, probes and runs now happen on {h} (through ssh)"),
            None => "Checks, probes and runs now happen on this machine".to_owned(),
        };
    }

    pub(super) fn pick_host(&mut self, ctx: &egui::Context, pick: crate::hosts::TargetPick) {
        use crate::hosts::TargetPick;
        match pick {
            TargetPick::ThisMachine => self.set_host(ctx, None),
            TargetPick::Host(h) => self.set_host(ctx, Some(h)),
            TargetPick::AddHost => self.add_host = Some(Default::default()),
        }
    }

    /// The script with the Run Options; options that cannot be passed to
    /// libdtrace are left out here and refused by [`Self::start_run`].
    pub fn script(&self) -> Script {
        Script {
            source: self.editor.text().to_owned(),
            name: self.doc.name(),
            options: self.view.run_options.dtrace_options().unwrap_or_default(),
            args: self.view.run_options.args.clone(),
            destructive: self.view.run_options.destructive(),
            targets: self.view.run_options.target.iter().cloned().collect(),
            probes: Vec::new(),
        }
    }

    pub fn run_options_mut(&mut self) -> &mut RunOptions {
        &mut self.view.run_options
    }

    pub(super) fn start_check(&mut self, ctx: &egui::Context) {
        self.check_due = None;
        let script = self.script();
        self.jobs.check = Some(match self.jobs.next_scripted() {
            Some(n) => n,
            None => self.session(ctx).check(script),
        });
    }

    /// The job asking for the target process's probes, while it is out.
    pub fn target_probes_job(&self) -> Option<u64> {
        self.jobs.target_probes_job()
    }

    /// The job of the latest check.
    pub fn check_job(&self) -> Option<u64> {
        self.jobs.check
    }

    pub fn start_run(&mut self, ctx: &egui::Context) {
        if self.worker_program.is_none() {
            self.run
                .refused("Running is not available: dscope could not find its own program.".into());
            return;
        }
        if let Err(why) = self.view.run_options.dtrace_options() {
            self.run.refused(format!("Run Options: {why}"));
            self.view.run_options.open = true;
            return;
        }
        let allowed_once = std::mem::take(&mut self.destructive_once);
        if !self.view.run_options.destructive() && !allowed_once {
            let text = self.editor.text();
            let calls = crate::lang::complete::destructive_calls(text);
            let pragma = crate::lang::complete::destructive_pragma_line(text).is_some();
            if !calls.is_empty() || pragma {
                self.prompt = Some(Prompt::Destructive { calls, pragma });
                return;
            }
        }
        let mut script = self.script();
        script.destructive |= allowed_once;
        let duration = self.run.duration();
        let sent = if let Some(other) = self.scripts.running_elsewhere() {
            Err(format!(
                "{other} is still running; open it again to stop it, or wait until it ends."
            ))
        } else if self.jobs.is_scripted() && self.run.state().is_active() {
            Err("A script is already running; stop it before starting another.".into())
        } else if let Some(n) = self.jobs.next_scripted() {
            Ok(n)
        } else {
            self.session(ctx).run(script, duration, SNAPSHOT_EVERY)
        };
        match sent {
            Ok(job) => {
                if self.settings.duration_secs != self.run.duration_secs {
                    self.settings.duration_secs = self.run.duration_secs;
                    self.save_settings();
                }
                let source = self.editor.text().to_owned();
                self.view
                    .charts
                    .set_units(crate::lang::aggregations::units(&source));
                self.run.started(job, &self.doc.name(), &source);
                self.view.shown_charts = false;
                self.check_due = None;
                if self.run.record {
                    self.start_recording(&source);
                }
            }
            Err(why) => self.run.refused(why),
        }
    }

    /// Records the run just started into the recordings folder, named
    /// after the script and the time.
    pub(super) fn start_recording(&mut self, source: &str) {
        let Some(dir) = self.recordings_dir.clone() else {
            self.run
                .refused("Recording is off: dscope has no folder to keep recordings in.".into());
            return;
        };
        if let Err(e) = crate::writes::create_dir_all(&dir) {
            self.run.refused(format!(
                "cannot make the recordings folder {}: {e}; the run goes on without recording",
                dir.display()
            ));
            return;
        }
        let name = self.doc.name();
        let stem = name.trim_end_matches(".d");
        let file = format!(
            "{stem}-{}.dsrec",
            chrono::Local::now().format("%Y%m%d-%H%M%S")
        );
        let mut header = Header::new(&name, source, SNAPSHOT_EVERY.as_millis() as u64);
        header.host = self.host.as_ref().map(|h| h.given.host.clone());
        header.options = self
            .script()
            .options
            .iter()
            .map(|(n, v)| match v {
                Some(v) => format!("{n}={v}"),
                None => n.clone(),
            })
            .collect();
        header.args = self.view.run_options.args.clone();
        self.run.record_to(dir.join(file), &header);
    }

    pub fn stop_run(&mut self) {
        if let Some(s) = &self.session {
            s.stop();
        }
        self.run.stopping();
    }

    /// Routes one event from the worker: the run's to the run panel, the
    /// latest check's to the editor. Stale check answers are ignored.
    pub fn apply_session_event(&mut self, e: SessionEvent) {
        let waiting = Waiting {
            probe_list: self.probes.loading,
            run: self.run.run_job(),
            parked: self.scripts.parked_run(e.job).is_some(),
        };
        match self.jobs.route(e.job, &e.event, waiting) {
            Route::ProbeArgs => {
                if let Event::ProbeArgs { probe, types } = e.event {
                    self.probes.arg_types_known(&probe, types);
                }
            }
            Route::ProbeList => {
                if let Event::Probes(result) = e.event {
                    self.system_probes_listed(result);
                }
            }
            Route::TargetProbes(pid) => {
                if let Event::Probes(result) = e.event {
                    self.target_probes_listed(pid, result);
                }
            }
            Route::Parked => {
                // A run of a script that is not on screen: its diagnostics
                // are found again by the check that runs when it comes back.
                if let Some(run) = self.scripts.parked_run(e.job) {
                    run.apply_from(e.host.as_deref(), e.event);
                }
            }
            Route::Run => self.run_event(e),
            Route::Check => self.check_event(e.event),
            Route::Stale => {}
        }
    }

    fn system_probes_listed(&mut self, result: Result<Vec<crate::model::Probe>, String>) {
        match result {
            Ok(list) => {
                self.system_probes = Some(list);
                self.install_probes();
            }
            Err(e) => self.probes.listed(Err(e)),
        }
    }

    fn target_probes_listed(&mut self, pid: i32, result: Result<Vec<crate::model::Probe>, String>) {
        match result {
            Ok(list) => {
                let ours = format!("pid{pid}");
                let aliased = list
                    .into_iter()
                    .filter(|p| p.provider == ours)
                    .map(|mut p| {
                        p.provider = "pid$target".to_owned();
                        p
                    })
                    .collect();
                self.target_probes = Some((pid, aliased));
                self.install_probes();
            }
            Err(m) => {
                self.status = format!("Cannot list the probes of process {pid}: {m}");
                // Not asked again for this target: the answer would be
                // the same.
                self.target_probes = Some((pid, Vec::new()));
            }
        }
    }

    fn run_event(&mut self, e: SessionEvent) {
        let snapshot = matches!(&e.event, Event::Snapshot(s) if !s.aggregations.is_empty());
        if let Some(d) = self.run.apply_from(e.host.as_deref(), e.event) {
            self.show_diagnostics(d);
        }
        // A script that only aggregates has nothing to say in the console:
        // show its charts, once per run.
        if snapshot && !self.view.shown_charts && !self.run.console.has_output() {
            self.view.shown_charts = true;
            if self.view.bottom_tab == BottomTab::Console {
                self.view.bottom_tab = BottomTab::Aggregations;
            }
        }
    }

    fn check_event(&mut self, event: Event) {
        match event {
            Event::Checked { matches } => {
                self.editor.set_diagnostics(Vec::new());
                self.run.notice = None;
                self.run.apply(Event::Checked { matches });
            }
            Event::Diagnostics(d) => {
                // The probe count was of text that compiled.
                self.run.notice = None;
                self.run.forget_matches();
                self.show_diagnostics(d);
            }
            Event::Failed(m) => self.run.notice = Some(format!("Cannot check: {m}")),
            _ => {}
        }
    }

    /// Puts a check's or run's diagnostics in the editor. libdtrace places
    /// some messages about the script as a whole (an extraneous macro
    /// argument) on a line past its end: those belong to no line.
    pub(super) fn show_diagnostics(&mut self, mut diagnostics: Vec<Diagnostic>) {
        // The empty "line" after a final newline holds nothing either.
        let text = self.editor.text();
        let lines = self.editor.line_count() - usize::from(text.ends_with('\n'));
        for d in &mut diagnostics {
            if d.file.is_none() && d.line > lines {
                d.line = 0;
                d.columns = None;
            }
            // What libdtrace does not say: the name probably meant, the
            // `;` probably missing. The window only: the command line says
            // what dtrace(1) says.
            if d.file.is_none()
                && let Some(hint) = crate::lang::hints::hint(&d.message, text, d.line)
            {
                d.message = format!("{}; {hint}", d.message);
            }
        }
        self.editor.set_diagnostics(diagnostics);
    }

    pub(super) fn poll_session(&mut self) {
        while let Some(e) = self.session.as_ref().and_then(Session::try_recv) {
            self.apply_session_event(e);
        }
    }

    /// Shows or hides the probe browser; the first showing lists the
    /// probes.
    pub fn toggle_probe_browser(&mut self, ctx: &egui::Context) {
        self.probes.open = !self.probes.open;
        if self.probes.open && !self.probes.has_list() && self.probes.loading.is_none() {
            self.list_probes(ctx);
        }
    }

    pub(super) fn list_probes(&mut self, ctx: &egui::Context) {
        let job = match self.jobs.next_scripted() {
            Some(n) => n,
            None => self.session(ctx).list_probes(),
        };
        self.probes.loading = Some(job);
    }

    /// Opens the probe browser on the probes the script's descriptions
    /// match, and checks the script for libdtrace's own count.
    pub fn show_matched_probes(&mut self, ctx: &egui::Context) {
        if !self.probes.open {
            self.toggle_probe_browser(ctx);
        }
        let descriptions = crate::lang::probe_pattern::descriptions_in(self.editor.text());
        self.probes.show_matched(descriptions);
        if !self.run.state().is_active() {
            self.start_check(ctx);
        }
    }

    /// Sets what `$target` names for this script's runs.
    pub fn set_target(&mut self, target: Option<crate::session::Target>) {
        self.view.run_options.target = target;
        // `pid$target` descriptions resolve differently now.
        self.check_due = Some(Instant::now());
    }

    /// Keeps the `pid$target` probes of the script's target process in
    /// the probe browser and completion, asking the worker for them when
    /// the target changes.
    pub(super) fn follow_target_probes(&mut self, ctx: &egui::Context) {
        let wanted = match &self.view.run_options.target {
            Some(crate::session::Target::Pid(pid)) => Some(*pid),
            _ => None,
        };
        let have = self.target_probes.as_ref().map(|(pid, _)| *pid);
        let asked = self.jobs.target_probes.map(|(pid, _)| pid);
        if wanted == have || (wanted.is_some() && wanted == asked) {
            return;
        }
        self.jobs.target_probes = None;
        if have.is_some() {
            self.target_probes = None;
            self.install_probes();
        }
        if let Some(pid) = wanted {
            let job = match self.jobs.next_scripted() {
                Some(n) => n,
                None => self.session(ctx).list_target_probes(pid),
            };
            self.jobs.target_probes = Some((pid, job));
        }
    }

    /// Gives the browser and completion the system's probes and the
    /// target's, as `pid$target` (how scripts name them).
    pub(super) fn install_probes(&mut self) {
        let target = self.target_probes.as_ref().map(|(_, list)| list.as_slice());
        match &self.system_probes {
            Some(system) => {
                let mut all = system.clone();
                all.extend(target.unwrap_or_default().iter().cloned());
                self.probes.listed(Ok(all));
                if let Some(tree) = self.probes.tree() {
                    self.editor.set_probes(tree.shared());
                }
            }
            // The browser lists the system's probes when it first opens;
            // until then completion knows the target's.
            None => self
                .editor
                .set_probes(Arc::new(target.unwrap_or_default().to_vec())),
        }
    }

    pub fn probe_browser(&self) -> &ProbeBrowser {
        &self.probes
    }
}
