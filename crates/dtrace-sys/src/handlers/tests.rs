//! With Linux's layouts, which is where the tests run.
#![cfg(target_os = "linux")]

use super::*;

/// Records what each callback was told.
#[derive(Default)]
struct Told {
    said: Vec<String>,
}

impl Handlers for Told {
    fn runtime_error(&mut self, message: String) {
        self.said.push(format!("error {message}"));
    }
    fn dropped(&mut self, count: u64, message: String) {
        self.said.push(format!("drop {count} {message}"));
    }
    fn buffered(&mut self, text: String) {
        self.said.push(format!("text {text}"));
    }
    fn probe(&mut self, firing: &Firing<'_>) -> Consume {
        let probe = firing.probe().expect("a probe");
        self.said.push(format!(
            "probe cpu {} id {} {}:{}:{}:{}",
            firing.cpu(),
            probe.id(),
            probe.provider(),
            probe.module(),
            probe.function(),
            probe.name()
        ));
        Consume::This
    }
    fn record(&mut self, _firing: &Firing<'_>, record: Option<&FiredRecord<'_>>) -> Consume {
        match record {
            None => {
                self.said.push("end".into());
                Consume::Next
            }
            Some(r) => {
                self.said
                    .push(format!("record 0x{:x} {:?}", r.action(), r.exit_status()));
                Consume::This
            }
        }
    }
    fn process(&mut self, report: &ProcessReport<'_>) {
        self.said
            .push(format!("process {} {}", report.pid(), report.message()));
    }
}

/// Each trampoline hands its C arguments to the handlers as views and
/// answers libdtrace with the family's codes.
#[test]
fn trampolines_hand_views_to_the_handlers() {
    let mut c = Callbacks {
        state: Told::default(),
    };
    let arg = &mut c as *mut Callbacks<Told> as *mut c_void;
    let fun = c"";
    let name = c"BEGIN";
    let pd = crate::layout::native::ProbeDesc {
        id: 1,
        prv: c"dtrace".as_ptr(),
        module: fun.as_ptr(),
        fun: fun.as_ptr(),
        prb: name.as_ptr(),
    };
    let status: [u8; 4] = 7i32.to_ne_bytes();
    let data = ProbeData {
        handle: std::ptr::null_mut(),
        stid: 0,
        ddesc: std::ptr::null_mut(),
        pdesc: &pd,
        cpu: 1,
        data: status.as_ptr(),
        flow: 0,
        prefix: std::ptr::null(),
        indent: 0,
    };
    let exit = RecDesc {
        action: DTRACEACT_EXIT,
        size: 4,
        offset: 16,
        alignment: 4,
        format: std::ptr::null_mut(),
        arg: 0,
        uarg: 0,
    };
    let other = RecDesc { action: 1, ..exit };
    let err = ErrData {
        handle: std::ptr::null_mut(),
        ddesc: std::ptr::null_mut(),
        pdesc: &pd,
        cpu: 0,
        action: 0,
        offset: 0,
        fault: 0,
        addr: 0,
        msg: c"invalid address\n".as_ptr(),
    };
    let drop = DropData {
        handle: std::ptr::null_mut(),
        cpu: 0,
        kind: 0,
        drops: 3,
        total: 3,
        msg: c"3 drops".as_ptr(),
    };
    let buf = BufData {
        handle: std::ptr::null_mut(),
        buffered: c"hello\n".as_ptr(),
        probe: std::ptr::null_mut(),
        recdesc: std::ptr::null(),
        aggdata: std::ptr::null(),
        flags: 0,
    };
    // SAFETY: hand-built structures valid for the calls; `arg` points at
    // live Callbacks.
    unsafe {
        assert_eq!(on_probe::<Told>(&data, arg), DTRACE_CONSUME_THIS);
        assert_eq!(on_record::<Told>(&data, &exit, arg), DTRACE_CONSUME_THIS);
        assert_eq!(on_record::<Told>(&data, &other, arg), DTRACE_CONSUME_THIS);
        assert_eq!(
            on_record::<Told>(&data, std::ptr::null(), arg),
            DTRACE_CONSUME_NEXT
        );
        assert_eq!(on_error::<Told>(&err, arg), DTRACE_HANDLE_OK);
        assert_eq!(on_drop::<Told>(&drop, arg), DTRACE_HANDLE_OK);
        assert_eq!(on_buffered::<Told>(&buf, arg), DTRACE_HANDLE_OK);
        on_proc::<Told>(-42, std::ptr::null(), arg);
    }
    assert_eq!(
        c.state.said,
        [
            "probe cpu 1 id 1 dtrace:::BEGIN",
            "record 0x2 Some(7)",
            "record 0x1 None",
            "end",
            "error invalid address\n",
            "drop 3 3 drops",
            "text hello\n",
            "process -42 ",
        ]
    );
}

/// A panicking handler aborts what libdtrace is doing; it does not unwind
/// into C.
#[test]
fn a_panicking_handler_aborts() {
    struct Panics;
    impl Handlers for Panics {
        fn runtime_error(&mut self, _: String) {
            panic!("a handler's bug")
        }
        fn dropped(&mut self, _: u64, _: String) {}
        fn buffered(&mut self, _: String) {}
        fn probe(&mut self, _: &Firing<'_>) -> Consume {
            panic!("a handler's bug")
        }
        fn record(&mut self, _: &Firing<'_>, _: Option<&FiredRecord<'_>>) -> Consume {
            Consume::This
        }
        fn process(&mut self, _: &ProcessReport<'_>) {}
    }
    let mut c = Callbacks { state: Panics };
    let arg = &mut c as *mut Callbacks<Panics> as *mut c_void;
    let err = ErrData {
        handle: std::ptr::null_mut(),
        ddesc: std::ptr::null_mut(),
        pdesc: std::ptr::null(),
        cpu: 0,
        action: 0,
        offset: 0,
        fault: 0,
        addr: 0,
        msg: std::ptr::null(),
    };
    let data = ProbeData {
        handle: std::ptr::null_mut(),
        stid: 0,
        ddesc: std::ptr::null_mut(),
        pdesc: std::ptr::null(),
        cpu: 0,
        data: std::ptr::null(),
        flow: 0,
        prefix: std::ptr::null(),
        indent: 0,
    };
    // SAFETY: hand-built structures valid for the calls.
    unsafe {
        assert_eq!(on_error::<Panics>(&err, arg), DTRACE_HANDLE_ABORT);
        assert_eq!(on_probe::<Panics>(&data, arg), DTRACE_CONSUME_ABORT);
    }
}
