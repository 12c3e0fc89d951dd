#!/usr/sbin/dtrace -s
/*
 * process-lifetimes.d: how long short-lived processes live.
 *
 * Shows: llquantize() (log-linear buckets: 10 per power of ten) of
 *        lifetimes in microseconds, keyed by program, as 3D bars.
 * Platforms: illumos, FreeBSD, Linux (DTrace 2.x).
 */

proc:::create
{
	born[args[0]->pr_pid] = timestamp;
}

proc:::exit
/born[pid]/
{
	@lifetime_us[execname] = llquantize((timestamp - born[pid]) / 1000,
	    10, 0, 6, 10);
	born[pid] = 0;
}
