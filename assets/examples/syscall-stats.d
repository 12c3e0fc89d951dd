#!/usr/sbin/dtrace -s
/*
 * syscall-stats.d: average, worst and spread of system call latency.
 *
 * Shows: avg(), max() and stddev() side by side, each in its own tab,
 *        and clause-local variables (this->).
 * Platforms: illumos, FreeBSD, macOS, Linux (DTrace 2.x).
 */

syscall:::entry
{
	self->ts = timestamp;
}

syscall:::return
/self->ts/
{
	this->ns = timestamp - self->ts;
	@avg_ns[probefunc] = avg(this->ns);
	@max_ns[probefunc] = max(this->ns);
	@stddev_ns[probefunc] = stddev(this->ns);
	self->ts = 0;
}
