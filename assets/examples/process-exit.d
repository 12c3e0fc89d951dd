#!/usr/sbin/dtrace -s
/*
 * process-exit.d: every process that exits, with how long it lived.
 *
 * Shows: the proc provider's create and exit probes, an associative
 *        array keyed by pid, and printf() output.
 * Platforms: illumos, FreeBSD, Linux (DTrace 2.x).
 */

#pragma D option quiet

proc:::create
{
	born[args[0]->pr_pid] = timestamp;
}

proc:::exit
/born[pid]/
{
	printf("%-16s %6d lived %d ms\n", execname, pid,
	    (timestamp - born[pid]) / 1000000);
	born[pid] = 0;
}
