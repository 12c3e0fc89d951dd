#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dscope::fuzz_checks::amqp_message(data));
