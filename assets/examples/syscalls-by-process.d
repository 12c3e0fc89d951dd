#!/usr/sbin/dtrace -s
/*
 * syscalls-by-process.d: which processes make the most system calls.
 *
 * Shows: count() keyed by execname, drawn as a pie chart.
 * Leaves out the tracing program itself (pid != $pid), dscope or dtrace.
 * Platforms: illumos, FreeBSD, macOS, Linux (DTrace 2.x).
 * Run for a few seconds, or continuously and watch it grow.
 */

#pragma D option quiet

syscall:::entry
/pid != $pid/
{
	@calls[execname] = count();
}

END
{
	printa("%-24s %@12d\n", @calls);
}
