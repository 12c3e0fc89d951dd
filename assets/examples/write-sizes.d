#!/usr/sbin/dtrace -s
/*
 * write-sizes.d: how large are the writes each program makes?
 *
 * Shows: quantize() keyed by execname: power-of-two buckets as 3D bars.
 * Leaves out the tracing program itself (pid != $pid), dscope or dtrace.
 * Platforms: illumos, FreeBSD, macOS, Linux (DTrace 2.x).
 */

syscall::write:entry
/pid != $pid/
{
	@bytes[execname] = quantize(arg2);
}
