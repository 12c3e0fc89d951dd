//! The file dialogs and what they were opened for (open, save, export,
//! recordings), the target process and host dialogs, the AMQP
//! subscription, and exports written from the run on screen.

use super::*;

impl DscopeApp {
    /// File > Subscribe…, offering the address watched now.
    pub(super) fn open_subscribe_dialog(&mut self) {
        // Not an address with its password hidden: that is not the
        // address.
        let address = self
            .subscription
            .as_ref()
            .filter(|s| !s.address().has_password)
            .map(|s| s.address().shown.clone())
            .unwrap_or_default();
        self.subscribe_dialog = Some(crate::subscription_view::SubscribeDialog::with_address(
            address,
        ));
    }

    pub(super) fn dialog_dir(&self, purpose: DialogPurpose) -> PathBuf {
        let recordings = matches!(
            purpose,
            DialogPurpose::OpenRecording
                | DialogPurpose::CompareRecording
                | DialogPurpose::ChooseBaseline
        );
        if recordings && let Some(dir) = self.recordings_dir.as_ref().filter(|d| d.is_dir()) {
            return dir.clone();
        }
        self.doc
            .path
            .as_ref()
            .and_then(|p| p.parent().map(Path::to_owned))
            // A script opened as `dscope trace.d` has "" for its folder.
            .filter(|dir| !dir.as_os_str().is_empty())
            .or_else(|| self.start_dir.clone())
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("/"))
    }

    /// Opens the native dialog where possible, the in-app browser otherwise.
    pub fn start_dialog(&mut self, ctx: &egui::Context, purpose: DialogPurpose) {
        let name = self.doc.name();
        self.start_dialog_named(ctx, purpose, name);
    }

    pub(super) fn start_dialog_named(
        &mut self,
        ctx: &egui::Context,
        purpose: DialogPurpose,
        name: String,
    ) {
        let dir = self.dialog_dir(purpose);
        self.dialog_name = name;
        if self.dialogs == DialogPreference::Auto
            && let Some(native) = NativeDialog::spawn(ctx, purpose, &dir, &self.dialog_name)
        {
            self.native = Some(native);
            return;
        }
        self.browser = Some(FileBrowser::new(purpose, &dir, &self.dialog_name));
    }

    pub(super) fn dialog_finished(
        &mut self,
        ctx: &egui::Context,
        purpose: DialogPurpose,
        path: PathBuf,
    ) {
        match purpose {
            DialogPurpose::Open => self.request(ctx, PendingAction::Open(path)),
            DialogPurpose::SaveAs => {
                if self.save_to(&path)
                    && let Some(action) = self.after_save.take()
                {
                    self.perform(ctx, action);
                }
            }
            DialogPurpose::Export(_) => self.export_to(&path),
            DialogPurpose::ChooseBaseline => self.choose_baseline(ctx, path),
            DialogPurpose::OpenRecording | DialogPurpose::CompareRecording => {
                self.status = format!("Reading the recording {}…", path.display());
                self.recording_load = Some((purpose, recording_view::load(ctx, path)));
            }
        }
    }

    /// Reads a baseline (or learns one from a recording, with the period
    /// the Watch tab says) for it; one that cannot be read says why.
    fn choose_baseline(&mut self, ctx: &egui::Context, path: PathBuf) {
        // Read (or learnt from a recording) on a thread: a recording of a
        // long run takes a while, and the window must not wait.
        let period = self.run.watch.learn_period;
        let (tx, rx) = crossbeam_channel::bounded(1);
        let ctx = ctx.clone();
        self.status = format!("Reading the baseline {}…", path.display());
        std::thread::spawn(move || {
            let mut problems = Vec::new();
            let read = crate::history::baseline::from_files(
                std::slice::from_ref(&path),
                period,
                0,
                &mut problems,
            );
            let _ = tx.send((path, read, problems));
            ctx.request_repaint();
        });
        self.baseline_load = Some(rx);
    }

    /// A baseline read on its thread arrives: the Watch tab's from now on,
    /// or why it cannot be.
    pub(super) fn poll_baseline(&mut self) {
        let Some(Ok((path, read, problems))) = self.baseline_load.as_ref().map(|rx| rx.try_recv())
        else {
            return;
        };
        self.baseline_load = None;
        self.status.clear();
        for p in problems {
            self.run.console.info(format!("dscope: {p}"));
        }
        match read {
            Ok(baseline) => {
                self.run.watch.baseline = Some(crate::workbench::watch::Chosen {
                    path,
                    baseline: std::sync::Arc::new(baseline),
                });
            }
            Err(message) => {
                self.prompt = Some(Prompt::Error {
                    title: "Cannot use that baseline".into(),
                    message,
                })
            }
        }
    }

    /// A recording read on its thread arrives: shown, or compared with
    /// the one shown; one that cannot be read says why.
    pub(super) fn poll_recording(&mut self) {
        let Some((purpose, rx)) = &self.recording_load else {
            return;
        };
        let Ok((path, read)) = rx.try_recv() else {
            return;
        };
        let purpose = *purpose;
        self.recording_load = None;
        self.status.clear();
        match read {
            Ok(rec) => match (&mut self.viewer, purpose) {
                (Some(v), DialogPurpose::CompareRecording) => v.set_compare(path, rec),
                (None, DialogPurpose::CompareRecording) => {
                    // The run (or subscription) shown, against the
                    // recording at its end.
                    let name = recording_view::file_name(&path);
                    let shown = match self.subscription {
                        Some(_) => "the subscription",
                        None => "the run",
                    };
                    let charts = self.visible_charts_mut();
                    charts.set_shown(shown);
                    charts.set_reference(Some(crate::charts::compare::Reference::at_end(
                        &name,
                        &rec.history,
                    )));
                    self.view.bottom_tab = BottomTab::Aggregations;
                }
                _ => {
                    self.viewer = Some(RecordingView::new(path, rec));
                    self.subscription = None;
                    self.view.bottom_tab = BottomTab::Aggregations;
                }
            },
            Err(message) => {
                self.prompt = Some(Prompt::Error {
                    title: "Cannot open the recording".into(),
                    message,
                })
            }
        }
    }

    /// The recording shown in the Aggregations panel, if one is open.
    pub fn recording_view(&self) -> Option<&RecordingView> {
        self.viewer.as_ref()
    }

    pub fn recording_view_mut(&mut self) -> Option<&mut RecordingView> {
        self.viewer.as_mut()
    }

    /// Opens a recording as File > Open Recording… does, without a dialog.
    pub fn open_recording(&mut self, ctx: &egui::Context, path: PathBuf) {
        self.dialog_finished(ctx, DialogPurpose::OpenRecording, path);
    }

    /// Whether a recording is being read.
    pub fn reading_recording(&self) -> bool {
        self.recording_load.is_some()
    }

    pub(super) fn poll_dialogs(&mut self, ctx: &egui::Context) {
        if let Some(native) = &self.native {
            let purpose = native.purpose;
            match native.poll() {
                NativeOutcome::Pending => {}
                NativeOutcome::Chosen(path) => {
                    self.native = None;
                    self.dialog_finished(ctx, purpose, path);
                }
                NativeOutcome::Cancelled => {
                    self.native = None;
                    self.after_save = None;
                    self.export = None;
                }
                NativeOutcome::Unavailable => {
                    self.native = None;
                    self.status = "No native file dialog here; using dscope's own.".to_owned();
                    self.browser = Some(FileBrowser::new(
                        purpose,
                        &self.dialog_dir(purpose),
                        &self.dialog_name,
                    ));
                }
            }
        }
        if let Some(browser) = &mut self.browser {
            let purpose = browser.purpose;
            match browser.show(ctx) {
                BrowserOutcome::Pending => {}
                BrowserOutcome::Cancelled => {
                    self.browser = None;
                    self.after_save = None;
                    self.export = None;
                }
                BrowserOutcome::Chosen(path) => {
                    self.browser = None;
                    self.dialog_finished(ctx, purpose, path);
                }
            }
        }
    }

    /// Opens "Trace a command…" (`command`) or "Attach to process…".
    pub fn open_target_dialog(&mut self, command: bool) {
        self.target_dialog = Some(if command {
            let current = match &self.view.run_options.target {
                Some(crate::session::Target::Command(line)) => line.clone(),
                _ => String::new(),
            };
            TargetDialog::command(&current)
        } else {
            match self.host() {
                Some(host) => TargetDialog::attach_on(host),
                None => TargetDialog::attach(),
            }
        });
    }

    pub(super) fn poll_target_dialog(&mut self, ctx: &egui::Context) {
        let Some(dialog) = &mut self.target_dialog else {
            return;
        };
        match dialog.show(ctx) {
            TargetOutcome::Pending => {}
            TargetOutcome::Cancelled => self.target_dialog = None,
            TargetOutcome::Chosen(target) => {
                self.target_dialog = None;
                self.status = match &target {
                    crate::session::Target::Command(_) => {
                        "The next run starts the command, and $target is its process ID".to_owned()
                    }
                    crate::session::Target::Pid(pid) => {
                        format!("The next run grabs process {pid} as $target")
                    }
                };
                self.set_target(Some(target));
            }
        }
    }

    /// Watches `address`'s exchange in the Aggregations panel, in place of
    /// any subscription before.
    pub fn subscribe(&mut self, ctx: &egui::Context, address: crate::amqp::Address) {
        let c = ctx.clone();
        let waker: crate::session::Waker = Arc::new(move || c.request_repaint());
        self.status = format!("Subscribing to {}…", address.shown);
        self.subscription = Some(crate::subscription_view::SubscriptionView::new(
            address,
            Some(waker),
        ));
        self.viewer = None;
        self.view.bottom_tab = BottomTab::Aggregations;
    }

    /// The subscription shown in the Aggregations panel, if any.
    pub fn subscription_view(&self) -> Option<&crate::subscription_view::SubscriptionView> {
        self.subscription.as_ref()
    }

    pub(super) fn poll_subscription(&mut self, ctx: &egui::Context) {
        use crate::subscription_view::SubscribeOutcome;
        if let Some(dialog) = &mut self.subscribe_dialog {
            match dialog.show(ctx) {
                SubscribeOutcome::Pending => {}
                SubscribeOutcome::Cancelled => self.subscribe_dialog = None,
                SubscribeOutcome::Chosen(address) => {
                    self.subscribe_dialog = None;
                    self.subscribe(ctx, address);
                }
            }
        }
        if let Some(s) = &mut self.subscription {
            s.poll();
            use crate::subscription_view::State;
            let said = format!("Subscribing to {}…", s.address().shown);
            if self.status == said {
                match &s.state {
                    State::Connecting => {}
                    State::Subscribed => {
                        self.status = format!("Subscribed to {}", s.address().shown)
                    }
                    State::Ended(why) => self.status = why.clone(),
                }
            }
        }
    }

    pub(super) fn poll_add_host(&mut self, ctx: &egui::Context) {
        use crate::hosts::AddHostOutcome;
        let Some(dialog) = &mut self.add_host else {
            return;
        };
        match dialog.show(ctx) {
            AddHostOutcome::Pending => {}
            AddHostOutcome::Cancelled => self.add_host = None,
            AddHostOutcome::Chosen(h) => {
                self.add_host = None;
                self.set_host(ctx, Some(h));
            }
        }
    }

    /// Writes the export the Save dialog was opened for.
    pub fn export_to(&mut self, path: &Path) {
        let Some((format, name)) = self.export.take() else {
            return;
        };
        let text = match format {
            ExportFormat::Console => match self.run.console_text() {
                Ok(text) => text,
                Err(e) => {
                    self.error(
                        "Could not save",
                        format!("The output cannot be read back: {e}"),
                    );
                    return;
                }
            },
            ExportFormat::Png => {
                // Drawn again without the dialog over it, then captured.
                self.png_pending = Some(path.to_owned());
                return;
            }
            ExportFormat::Csv | ExportFormat::Json => {
                // What the view shows: a comparison, a range, a
                // recording, or the run.
                if let Some(c) = self.visible_charts().comparison(&name) {
                    let text = if format == ExportFormat::Csv {
                        crate::history::compare::csv(std::slice::from_ref(c))
                    } else {
                        serde_json::to_string_pretty(c).unwrap_or_default() + "\n"
                    };
                    return self.write_export(path, &text);
                }
                let charts = self.visible_charts();
                let over_time = match (charts.kind(&name), charts.data(&name)) {
                    (
                        Some(crate::charts::ChartKind::OverTime),
                        Some(crate::charts::ChartData::OverTime(m)),
                    ) => Some(m),
                    _ => None,
                };
                if let Some(m) = over_time {
                    let text = match format {
                        ExportFormat::Csv => export::over_time_csv(m),
                        _ => export::over_time_json(m),
                    };
                    return self.write_export(path, &text);
                }
                let snapshot = self.visible_snapshot();
                let agg = snapshot.and_then(|s| self.visible_charts().shown_aggregation(&name, s));
                let Some(agg) = agg else {
                    self.error(
                        "Nothing to export",
                        format!("The aggregation @{name} is no longer there."),
                    );
                    return;
                };
                let unit = self.visible_charts().unit(&name);
                if format == ExportFormat::Csv {
                    export::csv(agg, unit)
                } else {
                    export::json(agg, unit)
                }
            }
        };
        self.write_export(path, &text);
    }

    fn write_export(&mut self, path: &Path, text: &str) {
        match files::save_atomic(path, text) {
            Ok(_) => self.status = format!("Saved {}", path.display()),
            Err(e) => self.error("Could not save", e.to_string()),
        }
    }

    /// Captures the chart for a PNG export once nothing covers it, and
    /// reports exports that finished.
    pub(super) fn capture_png(&mut self, ctx: &egui::Context, modal_open: bool) {
        while let Ok(result) = self.png_done.1.try_recv() {
            match result {
                Ok(path) => self.status = format!("Saved {}", path.display()),
                Err(e) => self.error("Could not export the chart", e),
            }
        }
        if modal_open || self.browser.is_some() || self.native.is_some() {
            return;
        }
        let Some(path) = self.png_pending.take() else {
            return;
        };
        let Some(rect) = self.visible_charts().chart_rect() else {
            self.error(
                "Could not export the chart",
                "The chart is not on screen: open the Aggregations tab and try again.".into(),
            );
            return;
        };
        let ppp = ctx.pixels_per_point();
        let done = self.png_done.0.clone();
        let waker = ctx.clone();
        ctx.request_screenshot(move |image| {
            let result = export::png(&image, rect, ppp).and_then(|bytes| {
                files::save_atomic_bytes(&path, &bytes, files::NewFile::Shared)
                    .map(|_| path.clone())
                    .map_err(|e| e.to_string())
            });
            let _ = done.send(result);
            waker.request_repaint();
        });
    }
}
