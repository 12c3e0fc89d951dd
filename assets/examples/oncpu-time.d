#!/usr/sbin/dtrace -s
/*
 * oncpu-time.d: how much CPU time each program gets, in nanoseconds.
 *
 * Shows: sched:::on-cpu and off-cpu with a thread-local timestamp, and
 *        sum() drawn as horizontal bars.
 * Platforms: illumos, FreeBSD, Linux (DTrace 2.x).
 */

sched:::on-cpu
{
	self->on = timestamp;
}

sched:::off-cpu
/self->on/
{
	@oncpu_ns[execname] = sum(timestamp - self->on);
	self->on = 0;
}
