#!/usr/sbin/dtrace -s
/*
 * syscalls-by-name.d: which system calls the whole machine makes most.
 *
 * Shows: count() keyed by probefunc, drawn as a pie chart.
 * Platforms: illumos, FreeBSD, macOS, Linux (DTrace 2.x).
 */

syscall:::entry
{
	@calls[probefunc] = count();
}
