#!/usr/sbin/dtrace -s
/*
 * per-second.d: system calls per second, printed each second.
 *
 * Shows: profile:::tick-1sec, printf() of walltimestamp, printa() and
 *        trunc() for an interval report in the console, like vmstat.
 * Platforms: illumos, FreeBSD, macOS, Linux (DTrace 2.x).
 */

#pragma D option quiet

syscall:::entry
{
	@calls = count();
}

tick-1sec
{
	printf("%Y  ", walltimestamp);
	printa("%@d system calls\n", @calls);
	trunc(@calls);
}
