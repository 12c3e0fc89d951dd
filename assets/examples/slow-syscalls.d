#!/usr/sbin/dtrace -s
/*
 * slow-syscalls.d: print every system call that takes longer than $1 ms.
 *
 * Shows: a macro argument ($1: set it in Run Options, e.g. 10) in a
 *        predicate, and printf() of the slow calls as they happen.
 * Leaves out the tracing program itself (pid != $pid), dscope or dtrace.
 * Platforms: illumos, FreeBSD, macOS, Linux (DTrace 2.x).
 */

#pragma D option quiet
#pragma D option defaultargs

syscall:::entry
/pid != $pid/
{
	self->ts = timestamp;
}

syscall:::return
/self->ts && timestamp - self->ts > ($1 > 0 ? $1 : 10) * 1000000/
{
	printf("%-16s %6d %-20s %d ms\n", execname, pid, probefunc,
	    (timestamp - self->ts) / 1000000);
}

syscall:::return
{
	self->ts = 0;
}
