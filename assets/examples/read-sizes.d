#!/usr/sbin/dtrace -s
/*
 * read-sizes.d: how large are the reads each program asks for?
 *
 * Shows: lquantize() keyed by execname, drawn as 3D bars
 *        (buckets x programs x counts).
 * Leaves out the tracing program itself (pid != $pid), dscope or dtrace.
 * Platforms: illumos, FreeBSD, macOS, Linux (DTrace 2.x).
 */

syscall::read:entry
/pid != $pid/
{
	/* arg2 is the number of bytes asked for: 0 to 64 KB in 4 KB steps. */
	@bytes[execname] = lquantize(arg2, 0, 65536, 4096);
}
