//! The decoder against the headers' facts about aggregating records: the
//! action numbers and parameter words each family's header gives (their
//! layouts and the rest of the facts are proven in dscope-dtrace-sys's
//! `layout/facts_*.rs`, with the same header commits named there). Each
//! fact names the header and line it comes from.

use super::super::{Abi, RawAddresses, RawEntry, RecordDesc, assemble, decode_entry};

/// Linux DTrace 2.x: dtrace-utils at the commit `facts_linux` names.
mod linux {
    use super::*;
    use dscope_dtrace_sys::layout::linux::*;

    /// The lquantize() and llquantize() parameter words as the compiler packs
    /// them (libdtrace/dt_cg.c:7925 and 7761, with these shifts) into the
    /// aggregation's signature, which libdtrace/dt_map.c:209 copies into
    /// `dtagd_sig`; the data record holds only the buckets
    /// (libdtrace/dt_consume.c:666-668 and 741-744 read the parameters from
    /// `sig`).
    mod params {
        pub const LQUANTIZE_STEPSHIFT: u32 = 48; // dtrace/actions_defines.h:114
        pub const LQUANTIZE_LEVELSHIFT: u32 = 32; // :116
        pub const LQUANTIZE_BASESHIFT: u32 = 0; // :118
        pub const LQUANTIZE_BASEMASK: u64 = 0xffff_ffff; // :119 UINT32_MAX
        pub const LLQUANTIZE_STEPSSHIFT: u32 = 48; // :133
        pub const LLQUANTIZE_HMAGSHIFT: u32 = 32; // :135
        pub const LLQUANTIZE_LMAGSHIFT: u32 = 16; // :137
        pub const LLQUANTIZE_FACTORSHIFT: u32 = 0; // :139
    }

    /// The function the decoder sees in one entry laid out as Linux DTrace
    /// lays it out: a key buffer starting with the variable id, a data buffer
    /// starting with the 8-byte generation counter and then the aggregating
    /// record of `words` 64-bit words.
    fn decoded_function(action: u16, sig: u64, words: usize) -> dscope_model::AggFunction {
        let key_bytes = 1u32.to_ne_bytes();
        let mut value_bytes = vec![0u8; 8 + words * 8];
        value_bytes[..8].copy_from_slice(&1u64.to_ne_bytes());
        let e = RawEntry {
            varid: 1,
            name: "a",
            keys: &[],
            key_bytes: &key_bytes,
            value: RecordDesc {
                action,
                size: (words * 8) as u32,
                offset: 8,
                arg: 0,
            },
            value_bytes: &value_bytes,
            normal: 1,
            sig,
        };
        let d = decode_entry(Abi::Linux2, &e, &mut RawAddresses).expect("decodes");
        let snap = assemble(vec![d], |_| ("a".into(), Vec::new()));
        snap.aggregations[0].function
    }

    /// The decoder names each aggregating action number as dt_aggregate.h
    /// numbers it.
    #[test]
    fn aggregating_action_numbers_decode_as_their_functions() {
        let lquantize = 1u64 << params::LQUANTIZE_STEPSHIFT | 1u64 << params::LQUANTIZE_LEVELSHIFT;
        let llquantize = 10u64 << params::LLQUANTIZE_STEPSSHIFT
            | 1u64 << params::LLQUANTIZE_HMAGSHIFT
            | 10u64 << params::LLQUANTIZE_FACTORSHIFT;
        let cases = [
            (DT_AGG_AVG, 0, 2, "avg"),
            (DT_AGG_COUNT, 0, 1, "count"),
            (
                DT_AGG_LLQUANTIZE,
                llquantize,
                2 * (1 + 2 * 9) + 1,
                "llquantize",
            ),
            (DT_AGG_LQUANTIZE, lquantize, 3, "lquantize"),
            (DT_AGG_MAX, 0, 1, "max"),
            (DT_AGG_MIN, 0, 1, "min"),
            (DT_AGG_QUANTIZE, 0, DTRACE_QUANTIZE_NBUCKETS, "quantize"),
            (DT_AGG_STDDEV, 0, 4, "stddev"),
            (DT_AGG_SUM, 0, 1, "sum"),
        ];
        for (action, sig, words, name) in cases {
            assert_eq!(
                decoded_function(action, sig, words).name(),
                name,
                "0x{action:x}"
            );
        }
    }

    /// The decoder reads the parameter words as the header packs them.
    #[test]
    fn quantize_parameters_decode_as_the_header_packs_them() {
        use dscope_model::AggFunction;
        use params::*;
        let function = decoded_function;

        // lquantize(x, -10, 10, 5): 4 levels, base as a two's complement
        // 32-bit field.
        let base: i32 = -10;
        let sig = 5u64 << LQUANTIZE_STEPSHIFT
            | 4u64 << LQUANTIZE_LEVELSHIFT
            | (base as u32 as u64) << LQUANTIZE_BASESHIFT & LQUANTIZE_BASEMASK;
        assert_eq!(
            function(DT_AGG_LQUANTIZE, sig, 4 + 2),
            AggFunction::Lquantize {
                base: -10,
                step: 5,
                levels: 4
            }
        );

        // llquantize(x, 10, 1, 3, 10): 57 buckets, 456 bytes, as libdtrace
        // sizes its record (an underflow bucket, 3 magnitudes of 9 on each
        // side, the middle one).
        let sig = 10u64 << LLQUANTIZE_STEPSSHIFT
            | 3u64 << LLQUANTIZE_HMAGSHIFT
            | 1u64 << LLQUANTIZE_LMAGSHIFT
            | 10u64 << LLQUANTIZE_FACTORSHIFT;
        let AggFunction::Llquantize {
            factor,
            low,
            high,
            steps,
        } = function(DT_AGG_LLQUANTIZE, sig, 57)
        else {
            panic!("not an llquantize");
        };
        assert_eq!((factor, low, high, steps), (10, 1, 3, 10));
    }
}

/// macOS (the illumos family's layout): Apple's dtrace and xnu at the
/// commits `facts_macos` names.
mod macos {
    use super::*;
    use dscope_dtrace_sys::layout::illumos::*;

    /// How sys/dtrace.h packs the lquantize() and llquantize() parameter
    /// words; libdtrace's dt_consume.c reads the word as the first 64 bits of
    /// the aggregating record's data (`arg = *data++`, lines 873 and 1007)
    /// and the buckets after it.
    mod params {
        pub const LQUANTIZE_STEPSHIFT: u32 = 48; // sys/dtrace.h:631
        pub const LQUANTIZE_LEVELSHIFT: u32 = 32; // :633
        pub const LQUANTIZE_BASESHIFT: u32 = 0; // :635
        pub const LQUANTIZE_BASEMASK: u64 = 0xffff_ffff; // :636 UINT32_MAX
        pub const LLQUANTIZE_FACTORSHIFT: u32 = 48; // :650
        pub const LLQUANTIZE_LOWSHIFT: u32 = 32; // :652
        pub const LLQUANTIZE_HIGHSHIFT: u32 = 16; // :654
        pub const LLQUANTIZE_NSTEPSHIFT: u32 = 0; // :656
    }

    /// The function the decoder sees in one entry laid out as macOS's
    /// libdtrace lays it out: one buffer with the compiler's first record (the
    /// variable id) and then, 8-aligned, the aggregating record of `words`
    /// 64-bit words (for lquantize and llquantize the parameter word first).
    fn decoded_function(action: u16, first: u64, words: usize) -> dscope_model::AggFunction {
        let mut buf = vec![0u8; 8 + words * 8];
        buf[..4].copy_from_slice(&1u32.to_ne_bytes());
        buf[8..16].copy_from_slice(&first.to_ne_bytes());
        let e = RawEntry {
            varid: 1,
            name: "a",
            keys: &[],
            key_bytes: &buf,
            value: RecordDesc {
                action,
                size: (words * 8) as u32,
                offset: 8,
                arg: first,
            },
            value_bytes: &buf,
            normal: 1,
            sig: 0,
        };
        let d = decode_entry(Abi::Illumos, &e, &mut RawAddresses).expect("decodes");
        let snap = assemble(vec![d], |_| ("a".into(), Vec::new()));
        snap.aggregations[0].function
    }

    /// The decoder names each aggregating action number as sys/dtrace.h
    /// numbers it.
    #[test]
    fn aggregating_action_numbers_decode_as_their_functions() {
        let lquantize = 1u64 << params::LQUANTIZE_STEPSHIFT | 1u64 << params::LQUANTIZE_LEVELSHIFT;
        let llquantize = 10u64 << params::LLQUANTIZE_FACTORSHIFT
            | 1u64 << params::LLQUANTIZE_HIGHSHIFT
            | 10u64 << params::LLQUANTIZE_NSTEPSHIFT;
        let cases = [
            (DTRACEAGG_COUNT, 0, 1, "count"),
            (DTRACEAGG_MIN, 0, 1, "min"),
            (DTRACEAGG_MAX, 0, 1, "max"),
            (DTRACEAGG_AVG, 0, 2, "avg"),
            (DTRACEAGG_SUM, 0, 1, "sum"),
            (DTRACEAGG_STDDEV, 0, 4, "stddev"),
            (DTRACEAGG_QUANTIZE, 0, DTRACE_QUANTIZE_NBUCKETS, "quantize"),
            (DTRACEAGG_LQUANTIZE, lquantize, 1 + 3, "lquantize"),
            (
                DTRACEAGG_LLQUANTIZE,
                llquantize,
                1 + 1 + 2 * 9 + 1,
                "llquantize",
            ),
        ];
        for (action, first, words, name) in cases {
            assert_eq!(
                decoded_function(action, first, words).name(),
                name,
                "0x{action:x}"
            );
        }
    }

    /// The decoder reads the parameter words as macOS packs them, from the
    /// front of the data.
    #[test]
    fn quantize_parameters_decode_as_the_header_packs_them() {
        use dscope_model::AggFunction;
        use params::*;
        let function = |action, word, buckets: usize| decoded_function(action, word, 1 + buckets);

        // lquantize(x, -10, 10, 5): 4 levels, base as a two's complement
        // 32-bit field.
        let base: i32 = -10;
        let word = 5u64 << LQUANTIZE_STEPSHIFT
            | 4u64 << LQUANTIZE_LEVELSHIFT
            | (base as u32 as u64) << LQUANTIZE_BASESHIFT & LQUANTIZE_BASEMASK;
        assert_eq!(
            function(DTRACEAGG_LQUANTIZE, word, 4 + 2),
            AggFunction::Lquantize {
                base: -10,
                step: 5,
                levels: 4
            }
        );

        // llquantize(x, 10, 1, 3, 10): the parameter word, then 29 buckets
        // (below 10^1, 3 magnitudes of 9, at or above 10^4).
        let word = 10u64 << LLQUANTIZE_FACTORSHIFT
            | 1u64 << LLQUANTIZE_LOWSHIFT
            | 3u64 << LLQUANTIZE_HIGHSHIFT
            | 10u64 << LLQUANTIZE_NSTEPSHIFT;
        let AggFunction::Llquantize {
            factor,
            low,
            high,
            steps,
        } = function(DTRACEAGG_LLQUANTIZE, word, 1 + 3 * 9 + 1)
        else {
            panic!("not an llquantize");
        };
        assert_eq!((factor, low, high, steps), (10, 1, 3, 10));
    }
}
