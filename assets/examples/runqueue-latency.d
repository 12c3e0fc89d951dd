#!/usr/sbin/dtrace -s
/*
 * runqueue-latency.d: how long runnable threads wait for a CPU.
 *
 * Shows: the sched provider (enqueue, then on-cpu), an associative array
 *        keyed by thread, and quantize() of the wait in nanoseconds.
 * Platforms: illumos, FreeBSD, Linux (DTrace 2.x).
 */

sched:::enqueue
{
	queued[args[0]->pr_lwpid, args[1]->pr_pid] = timestamp;
}

sched:::on-cpu
/queued[curlwpsinfo->pr_lwpid, pid]/
{
	@wait_ns[execname] = quantize(timestamp - queued[curlwpsinfo->pr_lwpid, pid]);
	queued[curlwpsinfo->pr_lwpid, pid] = 0;
}
