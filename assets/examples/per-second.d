#!/usr/sbin/dtrace -s
/*
 * per-second.d: system calls per second, printed each second.
 *
 * Shows: profile:::tick-1sec, printf() of walltimestamp, printa() and
 *        trunc() for an interval report in the console, like vmstat.
 * Leaves out the tracing program itself (pid != $pid), dscope or dtrace.
 * Platforms: illumos, FreeBSD, macOS, Linux (DTrace 2.x).
 */

#pragma D option quiet

syscall:::entry
/pid != $pid/
{
	@calls = count();
}

tick-1sec
{
	printf("%Y  ", walltimestamp);
	printa("%@d system calls\n", @calls);
	trunc(@calls);
}
