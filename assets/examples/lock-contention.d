#!/usr/sbin/dtrace -s
/*
 * lock-contention.d: time spent blocked on kernel locks, by program.
 *
 * Shows: the lockstat provider; arg1 of adaptive-block is the time
 *        blocked in nanoseconds.
 * Platforms: illumos, FreeBSD, Linux (DTrace 2.x).
 */

lockstat:::adaptive-block
{
	@blocked_ns[execname] = sum(arg1);
}

lockstat:::spin-spin
{
	@spun_ns[execname] = sum(arg1);
}
