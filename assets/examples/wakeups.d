#!/usr/sbin/dtrace -s
/*
 * wakeups.d: which programs wake up which others.
 *
 * Shows: sched:::wakeup; args[1] is the process being woken.
 * Platforms: illumos, FreeBSD, Linux (DTrace 2.x).
 */

sched:::wakeup
{
	@wakeups[execname, stringof(args[1]->pr_fname)] = count();
}
