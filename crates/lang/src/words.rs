//! The D words dscope knows: built-in variables, aggregating functions,
//! actions, subroutines and `#pragma D option` names, each with its
//! signature and one line of description. Completion and hover read them
//! here; a test holds them equal to the lists the syntax file highlights.

/// What kind of word it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WordKind {
    Variable,
    Aggregating,
    Action,
    /// An action that changes the system; needs destructive actions on.
    Destructive,
    Subroutine,
    Option,
}

impl WordKind {
    pub fn label(self) -> &'static str {
        match self {
            WordKind::Variable => "variable",
            WordKind::Aggregating => "aggregating function",
            WordKind::Action => "action",
            WordKind::Destructive => "destructive action",
            WordKind::Subroutine => "subroutine",
            WordKind::Option => "option",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word {
    pub name: &'static str,
    pub kind: WordKind,
    pub signature: &'static str,
    pub doc: &'static str,
}

macro_rules! words {
    ($kind:ident: $( $name:literal, $sig:literal, $doc:literal; )*) => {
        &[ $( Word { name: $name, kind: WordKind::$kind, signature: $sig, doc: $doc }, )* ]
    };
}

pub const VARIABLES: &[Word] = words! { Variable:
    "args", "args[]", "The probe's typed arguments (args[0], args[1], ...).";
    "arg0", "int64_t arg0", "The probe's first argument, untyped.";
    "arg1", "int64_t arg1", "The probe's second argument, untyped.";
    "arg2", "int64_t arg2", "The probe's third argument, untyped.";
    "arg3", "int64_t arg3", "The probe's fourth argument, untyped.";
    "arg4", "int64_t arg4", "The probe's fifth argument, untyped.";
    "arg5", "int64_t arg5", "The probe's sixth argument, untyped.";
    "arg6", "int64_t arg6", "The probe's seventh argument, untyped.";
    "arg7", "int64_t arg7", "The probe's eighth argument, untyped.";
    "arg8", "int64_t arg8", "The probe's ninth argument, untyped.";
    "arg9", "int64_t arg9", "The probe's tenth argument, untyped.";
    "caller", "uintptr_t caller", "Kernel program counter of the caller of the current function.";
    "chip", "chipid_t chip", "Identifier of the current physical chip.";
    "cpu", "processorid_t cpu", "Identifier of the current CPU.";
    "curcpu", "cpuinfo_t *curcpu", "Information about the current CPU.";
    "curlwpsinfo", "lwpsinfo_t *curlwpsinfo", "The current thread, as /proc describes it.";
    "curpsinfo", "psinfo_t *curpsinfo", "The current process, as /proc describes it.";
    "curthread", "kthread_t *curthread", "The kernel's structure for the current thread.";
    "cwd", "string cwd", "Current working directory of the process.";
    "epid", "uint_t epid", "Enabled probe ID of the current probe.";
    "errno", "int errno", "Error value of the last system call of this thread.";
    "execargs", "string execargs", "The process's command-line arguments.";
    "execname", "string execname", "Name the current process was executed as.";
    "gid", "gid_t gid", "Real group ID of the current process.";
    "id", "uint_t id", "Probe ID of the current probe.";
    "ipl", "uint_t ipl", "Interrupt priority level when the probe fired.";
    "lgrp", "lgrp_id_t lgrp", "Latency group of the current CPU.";
    "pid", "pid_t pid", "Process ID of the current process.";
    "ppid", "pid_t ppid", "Parent process ID of the current process.";
    "probefunc", "string probefunc", "Function field of the current probe's description.";
    "probemod", "string probemod", "Module field of the current probe's description.";
    "probename", "string probename", "Name field of the current probe's description.";
    "probeprov", "string probeprov", "Provider field of the current probe's description.";
    "projid", "projid_t projid", "Project ID of the current process.";
    "root", "string root", "Root directory of the current process.";
    "stackdepth", "uint_t stackdepth", "Depth of the current kernel stack.";
    "taskid", "taskid_t taskid", "Task ID of the current process.";
    "tid", "id_t tid", "Thread ID of the current thread.";
    "timestamp", "uint64_t timestamp", "Nanoseconds since an arbitrary point; for measuring intervals.";
    "ucaller", "uint64_t ucaller", "User program counter of the caller of the current function.";
    "uid", "uid_t uid", "Real user ID of the current process.";
    "uregs", "uint64_t uregs[]", "The thread's saved user registers.";
    "ustackdepth", "uint32_t ustackdepth", "Depth of the current user stack.";
    "vtimestamp", "uint64_t vtimestamp", "Nanoseconds this thread has run on a CPU.";
    "walltimestamp", "uint64_t walltimestamp", "Nanoseconds since 1970-01-01 UTC.";
    "zonename", "string zonename", "Name of the current zone (illumos).";
};

pub const AGGREGATING: &[Word] = words! { Aggregating:
    "count", "count()", "Number of times called.";
    "sum", "sum(scalar expression)", "Total of the values.";
    "avg", "avg(scalar expression)", "Arithmetic mean of the values.";
    "min", "min(scalar expression)", "Smallest value.";
    "max", "max(scalar expression)", "Largest value.";
    "stddev", "stddev(scalar expression)", "Standard deviation of the values.";
    "quantize", "quantize(scalar expression[, increment])", "Power-of-two distribution of the values.";
    "lquantize", "lquantize(scalar expression, lower bound, upper bound[, step[, increment]])", "Linear distribution of the values from lower to upper bound.";
    "llquantize", "llquantize(scalar expression, factor, low magnitude, high magnitude, steps[, increment])", "Log-linear distribution: linear steps within each power of factor.";
};

pub const ACTIONS: &[Word] = words! { Action:
    "trace", "void trace(expression)", "Records the value of an expression.";
    "tracemem", "void tracemem(address, size_t nbytes[, size_t dsize])", "Records nbytes of memory from address.";
    "printf", "void printf(string format, ...)", "Records data and prints it with a format, like C's printf.";
    "printa", "void printa([string format, ] aggregation, ...)", "Prints aggregations now, optionally with a format.";
    "print", "void print(expression)", "Prints a value by its type, structures member by member.";
    "printm", "void printm(size_t size, uintptr_t *address)", "Prints size bytes of memory.";
    "stack", "void stack([int nframes])", "Records the kernel stack; also an aggregation key.";
    "ustack", "void ustack([int nframes[, int strsize]])", "Records the user stack; also an aggregation key.";
    "jstack", "void jstack([int nframes[, int strsize]])", "Records a user stack with Java frames translated.";
    "exit", "void exit(int status)", "Stops tracing and exits with status once buffers are read.";
    "speculate", "void speculate(int id)", "Sends the rest of the clause to speculative buffer id.";
    "commit", "void commit(int id)", "Commits speculative buffer id to the principal buffer.";
    "discard", "void discard(int id)", "Discards speculative buffer id.";
    "clear", "void clear(aggregation)", "Sets an aggregation's values to zero, keeping its keys.";
    "normalize", "void normalize(aggregation, int64_t factor)", "Divides an aggregation's values by factor when printed.";
    "denormalize", "void denormalize(aggregation)", "Undoes normalize().";
    "trunc", "void trunc(aggregation[, int n])", "Removes all keys, or all but the top n.";
    "setopt", "void setopt(string option[, string value])", "Sets a DTrace option from within the script.";
    "freopen", "void freopen(string pathname, ...)", "Sends printf output to a file instead of the console.";
    "ftruncate", "void ftruncate()", "Truncates the output file of freopen().";
    "func", "_symaddr func(uintptr_t address)", "Kernel function name of an address (same as sym).";
    "ufunc", "_usymaddr ufunc(uintptr_t address)", "User function name of an address (same as usym).";
    "sym", "_symaddr sym(uintptr_t address)", "Kernel symbol of an address, as text when printed.";
    "usym", "_usymaddr usym(uintptr_t address)", "User symbol of an address, as text when printed.";
    "mod", "_symaddr mod(uintptr_t address)", "Kernel module of an address.";
    "umod", "_usymaddr umod(uintptr_t address)", "User module (library) of an address.";
    "uaddr", "_usymaddr uaddr(uintptr_t address)", "User address printed as symbol+offset.";
};

pub const DESTRUCTIVE: &[Word] = words! { Destructive:
    "system", "void system(string program, ...)", "Runs a shell command (destructive).";
    "raise", "void raise(int signal)", "Sends signal to the current process (destructive).";
    "stop", "void stop()", "Stops the current process (destructive).";
    "copyout", "void copyout(void *buf, uintptr_t addr, size_t nbytes)", "Writes bytes into the process's memory (destructive).";
    "copyoutstr", "void copyoutstr(string str, uintptr_t addr, size_t maxlen)", "Writes a string into the process's memory (destructive).";
    "panic", "void panic()", "Panics the kernel (destructive).";
    "chill", "void chill(int nanoseconds)", "Spins the CPU for a while (destructive).";
    "breakpoint", "void breakpoint()", "Stops the kernel in its debugger (destructive).";
};

pub const SUBROUTINES: &[Word] = words! { Subroutine:
    "alloca", "void *alloca(size_t size)", "Scratch memory that lasts for the clause.";
    "basename", "string basename(char *str)", "The last part of a path.";
    "bcopy", "void bcopy(void *src, void *dest, size_t size)", "Copies memory into scratch or DTrace memory.";
    "cleanpath", "string cleanpath(char *str)", "A path with ./ and ../ removed.";
    "copyin", "void *copyin(uintptr_t addr, size_t size)", "Copies user memory into scratch memory.";
    "copyinstr", "string copyinstr(uintptr_t addr[, size_t maxlen])", "Copies a user string, such as a path argument.";
    "copyinto", "void copyinto(uintptr_t addr, size_t size, void *dest)", "Copies user memory into a buffer.";
    "d_path", "string d_path(struct path *ptr)", "The path of a kernel path structure (Linux).";
    "ddi_pathname", "string ddi_pathname(struct dev_info *dip, int minor)", "Device path name (illumos).";
    "dirname", "string dirname(char *str)", "A path without its last part.";
    "getmajor", "major_t getmajor(dev_t dev)", "Major number of a device.";
    "getminor", "minor_t getminor(dev_t dev)", "Minor number of a device.";
    "htonl", "uint32_t htonl(uint32_t hostlong)", "Host to network byte order, 32 bits.";
    "htonll", "uint64_t htonll(uint64_t hostlonglong)", "Host to network byte order, 64 bits.";
    "htons", "uint16_t htons(uint16_t hostshort)", "Host to network byte order, 16 bits.";
    "index", "int index(const char *s, const char *subs[, int start])", "Position of subs in s, or -1.";
    "inet_ntoa", "string inet_ntoa(ipaddr_t *addr)", "An IPv4 address as text.";
    "inet_ntoa6", "string inet_ntoa6(in6_addr_t *addr)", "An IPv6 address as text.";
    "inet_ntop", "string inet_ntop(int af, void *addr)", "An IPv4 or IPv6 address as text.";
    "json", "string json(string json, string selector)", "A value picked out of a JSON text.";
    "link_ntop", "string link_ntop(int type, void *addr)", "A link-layer address as text.";
    "lltostr", "string lltostr(int64_t value[, int base])", "A number as text.";
    "msgdsize", "size_t msgdsize(mblk_t *mp)", "Data bytes in a STREAMS message (illumos).";
    "msgsize", "size_t msgsize(mblk_t *mp)", "Bytes in a STREAMS message (illumos).";
    "mutex_owned", "int mutex_owned(kmutex_t *mutex)", "Whether the current thread holds the mutex.";
    "mutex_owner", "kthread_t *mutex_owner(kmutex_t *mutex)", "The thread holding an adaptive mutex.";
    "mutex_type_adaptive", "int mutex_type_adaptive(kmutex_t *mutex)", "Whether the mutex is adaptive.";
    "mutex_type_spin", "int mutex_type_spin(kmutex_t *mutex)", "Whether the mutex is a spin lock.";
    "ntohl", "uint32_t ntohl(uint32_t netlong)", "Network to host byte order, 32 bits.";
    "ntohll", "uint64_t ntohll(uint64_t netlonglong)", "Network to host byte order, 64 bits.";
    "ntohs", "uint16_t ntohs(uint16_t netshort)", "Network to host byte order, 16 bits.";
    "progenyof", "int progenyof(pid_t pid)", "Whether the current process descends from pid.";
    "rand", "int rand()", "A weak pseudo-random number.";
    "rindex", "int rindex(const char *s, const char *subs[, int start])", "Last position of subs in s, or -1.";
    "rw_iswriter", "int rw_iswriter(krwlock_t *rwlock)", "Whether a writer holds or wants the lock.";
    "rw_read_held", "int rw_read_held(krwlock_t *rwlock)", "Whether the lock is held by readers.";
    "rw_write_held", "int rw_write_held(krwlock_t *rwlock)", "Whether the lock is held by a writer.";
    "speculation", "int speculation()", "A new speculative buffer id, or 0 if none is free.";
    "strchr", "string strchr(const char *s, char c)", "s from the first c on.";
    "strjoin", "string strjoin(char *s1, char *s2)", "s1 followed by s2.";
    "strlen", "size_t strlen(string str)", "Length of a string.";
    "strrchr", "string strrchr(const char *s, char c)", "s from the last c on.";
    "strstr", "string strstr(const char *s, const char *subs)", "s from the first subs on.";
    "strtok", "string strtok(const char *s, const char *delim)", "The next token of s.";
    "strtoll", "int64_t strtoll(const char *s[, int base])", "A string as a number.";
    "substr", "string substr(const char *s, int index[, int length])", "Part of a string.";
    "tolower", "string tolower(const char *s)", "A string in lower case.";
    "toupper", "string toupper(const char *s)", "A string in upper case.";
};

pub const OPTIONS: &[Word] = words! { Option:
    "aggrate", "#pragma D option aggrate=1hz", "How often aggregations are read.";
    "aggsize", "#pragma D option aggsize=4m", "Aggregation buffer size.";
    "aggsortkey", "#pragma D option aggsortkey", "Sort aggregations by key, not value.";
    "aggsortkeypos", "#pragma D option aggsortkeypos=0", "Which key part to sort by.";
    "aggsortpos", "#pragma D option aggsortpos=0", "Which aggregation to sort by in printa().";
    "aggsortrev", "#pragma D option aggsortrev", "Reverse the aggregation sort.";
    "bufpolicy", "#pragma D option bufpolicy=switch", "Principal buffer policy: switch, fill or ring.";
    "bufresize", "#pragma D option bufresize=auto", "What to do when buffers cannot be allocated: auto or manual.";
    "bufsize", "#pragma D option bufsize=4m", "Principal buffer size per CPU.";
    "cleanrate", "#pragma D option cleanrate=101hz", "How often dynamic variables are cleaned.";
    "cpu", "#pragma D option cpu=0", "Trace on this CPU only.";
    "defaultargs", "#pragma D option defaultargs", "Missing macro arguments are 0 or \"\".";
    "destructive", "#pragma D option destructive", "Allow destructive actions.";
    "dynvarsize", "#pragma D option dynvarsize=1m", "Dynamic variable space.";
    "flowindent", "#pragma D option flowindent", "Indent function entry and return.";
    "jstackframes", "#pragma D option jstackframes=50", "Default number of jstack() frames.";
    "jstackstrsize", "#pragma D option jstackstrsize=512", "Default jstack() string size.";
    "nspec", "#pragma D option nspec=1", "Number of speculative buffers.";
    "quiet", "#pragma D option quiet", "Print only what the script prints.";
    "specsize", "#pragma D option specsize=32k", "Speculative buffer size.";
    "stackframes", "#pragma D option stackframes=20", "Default number of stack() frames.";
    "statusrate", "#pragma D option statusrate=1hz", "How often status is checked.";
    "strsize", "#pragma D option strsize=256", "Size of strings.";
    "switchrate", "#pragma D option switchrate=1hz", "How often buffers are switched and read.";
    "ustackframes", "#pragma D option ustackframes=20", "Default number of ustack() frames.";
    "zdefs", "#pragma D option zdefs", "Allow probe descriptions that match nothing.";
};

/// Every word, in the order above.
pub fn all() -> impl Iterator<Item = &'static Word> {
    VARIABLES
        .iter()
        .chain(AGGREGATING)
        .chain(ACTIONS)
        .chain(DESTRUCTIVE)
        .chain(SUBROUTINES)
        .chain(OPTIONS)
}

/// The word a name stands for in code (options are looked up apart, as
/// they share names with actions such as `cpu`).
pub fn lookup(name: &str) -> Option<&'static Word> {
    all().find(|w| w.name == name && w.kind != WordKind::Option)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The alternatives of a `variables:` entry of the syntax file.
    fn syntax_list(name: &str) -> Vec<String> {
        let syntax = include_str!("../../../syntaxes/D.sublime-syntax");
        let line = syntax
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{name}:")))
            .unwrap_or_else(|| panic!("{name} is in the syntax file"));
        let inner = line
            .split_once("(?:")
            .and_then(|(_, r)| r.rsplit_once(')'))
            .map(|(l, _)| l)
            .unwrap();
        inner.split('|').map(str::to_owned).collect()
    }

    fn names(words: &[Word]) -> Vec<String> {
        words.iter().map(|w| w.name.to_owned()).collect()
    }

    #[test]
    fn the_word_lists_are_what_the_syntax_file_highlights() {
        let mut builtins = syntax_list("builtin_variables");
        builtins.retain(|w| w != "arg[0-9]");
        builtins.extend((0..10).map(|i| format!("arg{i}")));
        let mut ours = names(VARIABLES);
        builtins.sort();
        ours.sort();
        assert_eq!(ours, builtins, "built-in variables");
        for (list, words) in [
            ("aggregating_functions", AGGREGATING),
            ("actions", ACTIONS),
            ("subroutines", SUBROUTINES),
            ("destructive_actions", DESTRUCTIVE),
        ] {
            let mut theirs = syntax_list(list);
            let mut ours = names(words);
            theirs.sort();
            ours.sort();
            assert_eq!(ours, theirs, "{list}");
        }
    }

    #[test]
    fn every_word_has_a_signature_naming_it_and_a_description() {
        for w in all() {
            assert!(w.signature.contains(w.name), "{w:?}");
            assert!(w.doc.ends_with('.') && w.doc.len() > 10, "{w:?}");
        }
    }

    #[test]
    fn names_in_code_find_their_word() {
        assert_eq!(lookup("lquantize").unwrap().kind, WordKind::Aggregating);
        assert_eq!(lookup("cpu").unwrap().kind, WordKind::Variable);
        assert_eq!(lookup("system").unwrap().kind, WordKind::Destructive);
        assert!(lookup("nosuch").is_none());
    }
}
