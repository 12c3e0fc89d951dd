//! libdtrace's raw interface, and the only crate in dscope with `unsafe`
//! code (every other crate forbids it): as libsqlite3-sys is to rusqlite,
//! this is to `dscope-dtrace`, the safe consumer built on it. Every
//! `unsafe` block says why it holds, and no panic crosses into C (each
//! callback catches it). It uses only `dscope-model`.
//!
//! - [`layout`]: each ABI family's C layouts and constants, proven against
//!   the family's headers in its `facts_*` tests, each fact naming its
//!   header and line; [`opaque`] the objects held only by pointer.
//! - [`functions`]: the C types of the functions dscope calls and of the
//!   callbacks it hands over; [`library`] finds libdtrace, resolves them
//!   into a table and recognises the family; [`process`] the process
//!   control functions, which differ per system.
//! - The safe wrappers: [`Handle`] for every call on a `dtrace_hdl_t`;
//!   [`handlers`] turns the callbacks' raw arguments into views for the
//!   consumer's [`Handlers`]; [`walk`] reads aggregation entries,
//!   [`probes`] probe descriptions and types; [`stream`] C streams;
//!   [`signals`] and [`os`] the C library calls a consumer needs beside.

#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod error;
pub mod functions;
pub mod handle;
pub mod handlers;
pub mod layout;
pub mod library;
pub mod opaque;
pub mod os;
pub mod probes;
pub mod process;
pub mod signals;
pub mod stream;
pub mod walk;

pub use error::DtraceError;
pub use handle::{Handle, Program, WorkStatus};
pub use handlers::{Consume, FiredRecord, Firing, Handlers, ProcessReport};
pub use library::{Abi, Library, LoadError};
pub use probes::ProbeView;
pub use process::ProcNews;
pub use stream::{CFile, MemStream, StreamWriter};
pub use walk::{AggEntry, RecordDesc};
