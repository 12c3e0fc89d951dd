//! Probes as `dtrace -l` and `dtrace -lv` list them: every probe, those a
//! description matches, a process's pid probes, and one probe's stability
//! and argument types.

use super::Consumer;
use dscope_dtrace_sys::layout::native::{
    Attribute, DTRACE_C_ZDEFS, DTRACE_PROBESPEC_NAME, OwnedProbeDesc,
};
use dscope_dtrace_sys::{DtraceError, ProbeView};
use std::ffi::CString;

impl Consumer<'_> {
    /// Every probe this system offers, as `dtrace -l` lists them.
    pub fn list_probes(&mut self) -> Result<Vec<dscope_model::Probe>, DtraceError> {
        self.ensure_initialised()?;
        let mut probes: Vec<dscope_model::Probe> = Vec::new();
        // No description: every probe.
        self.handle
            .probe_iter(None, &mut |p| probes.push(probe_of(p)))?;
        Ok(probes)
    }
}

impl Consumer<'_> {
    /// The probes of process `pid` (`pid<PID>:::`: each function's entry
    /// and return in every module it has mapped), as
    /// `dtrace -l -n 'pid<PID>:::'` lists them. The pid provider makes
    /// these probes when a description names them, so this compiles one
    /// (nothing is enabled) and then lists what it matches.
    pub fn list_process_probes(
        &mut self,
        pid: i32,
    ) -> Result<Vec<dscope_model::Probe>, DtraceError> {
        if pid <= 0 {
            return Err(DtraceError::other(format!("invalid pid: {pid}")));
        }
        self.ensure_initialised()?;
        let description = CString::new(format!("pid{pid}:::")).expect("no NUL in a number");
        // DTRACE_C_ZDEFS lets a process with no functions (yet) compile;
        // the program stays the handle's, never enabled, freed when the
        // handle closes.
        self.handle.compile_string(
            &description,
            DTRACE_PROBESPEC_NAME,
            DTRACE_C_ZDEFS,
            &[c"dscope"],
        )?;
        self.probes_described([&format!("pid{pid}"), "", "", ""])
    }

    /// The probes a description matches (provider, module, function and
    /// name; an empty field matches all, the others are globs), in the
    /// order libdtrace gives them, as `dtrace -l -n` lists them.
    pub fn list_probes_matching(
        &mut self,
        fields: [&str; 4],
    ) -> Result<Vec<dscope_model::Probe>, DtraceError> {
        self.ensure_initialised()?;
        self.probes_described(fields)
    }

    fn probes_described(
        &mut self,
        fields: [&str; 4],
    ) -> Result<Vec<dscope_model::Probe>, DtraceError> {
        let [provider, module, function, name] = fields;
        let desc = OwnedProbeDesc::new(provider, module, function, name).ok_or_else(|| {
            DtraceError::other(format!("invalid probe description {}", fields.join(":")))
        })?;
        let mut probes: Vec<dscope_model::Probe> = Vec::new();
        // Empty fields match all.
        self.handle
            .probe_iter(Some(&desc), &mut |p| probes.push(probe_of(p)))?;
        Ok(probes)
    }

    /// The C types of a probe's `args[]`, as `dtrace -lv` prints them;
    /// "(unknown)" where libdtrace has no type.
    pub fn probe_arg_types(
        &mut self,
        probe: &dscope_model::Probe,
    ) -> Result<Vec<String>, DtraceError> {
        self.probe_details(probe).map(|d| d.arg_types)
    }

    /// What `dtrace -lv` says of a probe: its stability attributes and
    /// its arguments' types.
    pub fn probe_details(
        &mut self,
        probe: &dscope_model::Probe,
    ) -> Result<ProbeDetails, DtraceError> {
        self.handle.can_describe_probes()?;
        self.ensure_initialised()?;
        let desc =
            OwnedProbeDesc::new(&probe.provider, &probe.module, &probe.function, &probe.name)
                .ok_or_else(|| {
                    dscope_dtrace_sys::probes::unavailable("a probe name libdtrace cannot take")
                })?;
        let info = self.handle.probe_info(&desc)?;
        let lib = self.lib();
        let attributes = |a: &Attribute| {
            let word = |name: Option<String>, value: u8| name.unwrap_or_else(|| value.to_string());
            Attributes {
                names: word(lib.stability_name(a.name), a.name),
                data: word(lib.stability_name(a.data), a.data),
                class: word(lib.class_name(a.class), a.class),
            }
        };
        let arg_types = info
            .arg_types
            .into_iter()
            .map(|t| match t.name {
                None => "(unknown)".to_owned(),
                // The illumos family marks types of the traced process, as
                // its dtrace -lv prints them (print_probe_info).
                Some(name) if t.user => format!("userland {name}"),
                Some(name) => name,
            })
            .collect();
        Ok(ProbeDetails {
            attr: attributes(&info.attr),
            args: attributes(&info.args_attr),
            arg_types,
        })
    }
}

/// A probe's stability attributes as `dtrace -lv` names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributes {
    pub names: String,
    pub data: String,
    pub class: String,
}

/// What `dtrace -lv` prints of one probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeDetails {
    /// The probe description's attributes.
    pub attr: Attributes,
    /// Its arguments' attributes.
    pub args: Attributes,
    pub arg_types: Vec<String>,
}

/// A probe as the model lists it.
fn probe_of(p: ProbeView<'_>) -> dscope_model::Probe {
    dscope_model::Probe {
        id: p.id(),
        provider: p.provider(),
        module: p.module(),
        function: p.function(),
        name: p.name(),
    }
}
