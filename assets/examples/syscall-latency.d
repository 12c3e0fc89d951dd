#!/usr/sbin/dtrace -s
/*
 * syscall-latency.d: how long system calls take, per call.
 *
 * Shows: thread-local variables (self->), a predicate, and quantize()
 *        for a power-of-two latency distribution in nanoseconds.
 * Platforms: illumos, FreeBSD, macOS, Linux (DTrace 2.x).
 */

syscall:::entry
{
	self->start = timestamp;
}

syscall:::return
/self->start/
{
	@latency_ns[probefunc] = quantize(timestamp - self->start);
	self->start = 0;
}
