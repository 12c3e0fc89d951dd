#!/usr/sbin/dtrace -s
/*
 * write-sizes.d: how large are the writes each program makes?
 *
 * Shows: quantize() keyed by execname: power-of-two buckets as 3D bars.
 * Platforms: illumos, FreeBSD, macOS, Linux (DTrace 2.x).
 */

syscall::write:entry
{
	@bytes[execname] = quantize(arg2);
}
