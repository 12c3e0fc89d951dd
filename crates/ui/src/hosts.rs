//! Where checks, probe listings and runs happen: this machine, or a host
//! reached with the system's ssh (see `dscope_engine::agent`), or several at
//! once (a fleet: hosts separated by commas, merged as
//! [`crate::session::Session::start_fleet`] merges them). The run bar's
//! Target menu offers this machine, the recent hosts and fleets, and
//! "Add host…", which asks for `[user@]host[:port]` (or several) and,
//! optionally, dscope's path there.

use crate::remote::{Endpoint, Host};
use crate::settings::RecentHost;
use egui::{Id, Key, TextEdit, Ui};

/// The Target menu's label for this machine.
pub const THIS_MACHINE: &str = "This machine";
/// The Target menu's entry that asks for a new host.
pub const ADD_HOST: &str = "Add host…";

/// What the Target menu was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetPick {
    ThisMachine,
    Host(RecentHost),
    AddHost,
}

/// The Target menu on the run bar: `current` is the host worked on
/// (`None`: this machine); it cannot change while a run is `active`.
pub fn target_menu(
    ui: &mut Ui,
    current: Option<&str>,
    recent: &[RecentHost],
    active: bool,
) -> Option<TargetPick> {
    let mut pick = None;
    let label = ui.label("Target");
    ui.add_enabled_ui(!active, |ui| {
        egui::ComboBox::from_id_salt("dscope-target-host")
            .selected_text(current.map_or_else(|| THIS_MACHINE.to_owned(), short_name))
            .width(150.0)
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(current.is_none(), THIS_MACHINE)
                    .clicked()
                {
                    pick = Some(TargetPick::ThisMachine);
                }
                for host in recent {
                    let selected = current == Some(host.host.as_str());
                    let item = ui.selectable_label(selected, short_name(&host.host));
                    let item = match (&host.program, host_list(&host.host).len()) {
                        (Some(p), 1) => item.on_hover_text(format!("dscope there: {p}")),
                        (Some(p), _) => {
                            item.on_hover_text(format!("{}\ndscope there: {p}", host.host))
                        }
                        (None, 1) => item,
                        (None, _) => item.on_hover_text(&host.host),
                    };
                    if item.clicked() {
                        pick = Some(TargetPick::Host(host.clone()));
                    }
                }
                ui.separator();
                if ui.selectable_label(false, ADD_HOST).clicked() {
                    pick = Some(TargetPick::AddHost);
                }
            })
            .response
            .labelled_by(label.id)
            .on_hover_text(match current {
                Some(fleet) if host_list(fleet).len() > 1 => format!(
                    "Scripts are checked and run on every one of these hosts at once, their \
                     aggregations merged with the host first: {fleet}"
                ),
                _ => "Where checks, the probe list and runs happen: this machine, or hosts \
                      reached with ssh that have dscope installed"
                    .to_owned(),
            })
            .on_disabled_hover_text("Stop the run to change where scripts run");
    });
    // Picking the current entry again changes nothing.
    match &pick {
        Some(TargetPick::ThisMachine) if current.is_none() => None,
        Some(TargetPick::Host(h)) if current == Some(h.host.as_str()) => None,
        _ => pick,
    }
}

/// What became of the Add host dialog this frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddHostOutcome {
    Pending,
    Cancelled,
    Chosen(RecentHost),
}

/// "Add host…": a host and, optionally, dscope's path there.
#[derive(Debug, Clone, Default)]
pub struct AddHostDialog {
    pub host: String,
    pub program: String,
    error: Option<String>,
    focused: bool,
}

impl AddHostDialog {
    pub fn show(&mut self, ctx: &egui::Context) -> AddHostOutcome {
        let mut outcome = AddHostOutcome::Pending;
        let modal = egui::Modal::new(Id::unique("dscope-add-host")).show(ctx, |ui| {
            ui.set_width(520.0);
            ui.heading("Add host");
            ui.label(
                "Scripts are checked and run there with ssh, as you would reach it \
                 from a terminal: your ~/.ssh/config, keys and agent apply, and its \
                 host key must be known. dscope (the headless build is enough) must be \
                 installed there.",
            );
            let label =
                ui.label("Host ([user@]host[:port]; several, separated by commas, for a fleet):");
            let field = ui
                .add(
                    TextEdit::singleline(&mut self.host)
                        .desired_width(f32::INFINITY)
                        .hint_text("admin@web1")
                        .font(egui::TextStyle::Monospace),
                )
                .labelled_by(label.id);
            if !std::mem::replace(&mut self.focused, true) {
                field.request_focus();
            }
            let label = ui.label("dscope on the host (empty: dscope on its PATH):");
            let program = ui
                .add(
                    TextEdit::singleline(&mut self.program)
                        .desired_width(f32::INFINITY)
                        .hint_text("/opt/dscope/bin/dscope")
                        .font(egui::TextStyle::Monospace),
                )
                .labelled_by(label.id);
            let enter = (field.lost_focus() || program.lost_focus())
                && ui.input(|i| i.key_pressed(Key::Enter));
            if let Some(e) = &self.error {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            ui.horizontal(|ui| {
                let ok = !self.host.trim().is_empty();
                let add = ui
                    .add_enabled(ok, egui::Button::new("Use this host"))
                    .clicked();
                if add || (enter && ok) {
                    match self.chosen() {
                        Ok(h) => outcome = AddHostOutcome::Chosen(h),
                        Err(e) => self.error = Some(e),
                    }
                }
                if ui.button("Cancel").clicked() {
                    outcome = AddHostOutcome::Cancelled;
                }
            });
        });
        if modal.should_close() && outcome == AddHostOutcome::Pending {
            outcome = AddHostOutcome::Cancelled;
        }
        outcome
    }

    /// The host as typed, checked as `--host` checks it; several are
    /// kept as one entry, `a, b, c`.
    fn chosen(&self) -> Result<RecentHost, String> {
        let hosts = host_list(&self.host);
        for h in &hosts {
            Host::parse(h)?;
        }
        let program = self.program.trim();
        Ok(RecentHost {
            host: hosts.join(", "),
            program: (!program.is_empty()).then(|| program.to_owned()),
        })
    }
}

/// A Target entry as the run bar shows it: a host as given, a fleet as
/// its first host and how many more ("web1 + 15 more"), so that sixteen
/// names do not push the run bar's buttons off the window.
pub fn short_name(entry: &str) -> String {
    match host_list(entry).as_slice() {
        [] => entry.to_owned(),
        [one] => (*one).to_owned(),
        [first, rest @ ..] => format!("{first} + {} more", rest.len()),
    }
}

/// The hosts of a Target entry: one, or a fleet's separated by commas
/// (or white space, which no host name holds).
pub fn host_list(text: &str) -> Vec<&str> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|h| !h.is_empty())
        .collect()
}

/// The host the window works on: as the user gave it, and parsed once
/// into where its jobs go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostTarget {
    pub given: RecentHost,
    /// One host, or a fleet's.
    pub endpoints: Vec<Endpoint>,
}

impl HostTarget {
    pub fn new(given: RecentHost) -> Result<HostTarget, String> {
        let endpoints = host_list(&given.host)
            .into_iter()
            .map(|h| Ok(Endpoint::new(Host::parse(h)?, given.program.as_deref())))
            .collect::<Result<Vec<_>, String>>()?;
        if endpoints.is_empty() {
            return Err("no host given".into());
        }
        Ok(HostTarget { given, endpoints })
    }

    /// `[user@]host[:port]` as given.
    pub fn name(&self) -> &str {
        &self.given.host
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_host_is_checked_as_the_command_line_checks_it() {
        let mut d = AddHostDialog {
            host: " me@web1:2222 ".into(),
            program: "  ".into(),
            ..AddHostDialog::default()
        };
        assert_eq!(
            d.chosen(),
            Ok(RecentHost {
                host: "me@web1:2222".into(),
                program: None
            })
        );
        d.program = "/opt/dscope/bin/dscope".into();
        assert_eq!(
            d.chosen().unwrap().program.as_deref(),
            Some("/opt/dscope/bin/dscope")
        );
        d.host = "web1,  root@web2:22\nweb3".into();
        assert_eq!(d.chosen().unwrap().host, "web1, root@web2:22, web3");
        let fleet = HostTarget::new(d.chosen().unwrap()).unwrap();
        assert_eq!(fleet.endpoints.len(), 3);
        assert_eq!(fleet.endpoints[1].host.port, Some(22));
        assert_eq!(short_name("web1, root@web2:22, web3"), "web1 + 2 more");
        assert_eq!(short_name("web1"), "web1");
        d.host = "web1, -oProxyCommand=x".into();
        assert!(d.chosen().unwrap_err().contains("cannot start with '-'"));
        d.host = "-oProxyCommand=x".into();
        assert!(d.chosen().unwrap_err().contains("cannot start with '-'"));
        d.host = "web1:99999".into();
        assert!(d.chosen().unwrap_err().contains("port"));
    }
}
