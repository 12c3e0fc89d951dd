#!/usr/sbin/dtrace -s
/*
 * process-exec.d: every program started, with its parent, as it happens.
 *
 * Shows: printf() output streaming into the console, and the proc provider.
 * Platforms: illumos, FreeBSD, macOS, Linux (DTrace 2.x).
 */

#pragma D option quiet

BEGIN
{
	printf("%-20s %8s %8s  %s\n", "TIME", "PID", "PPID", "COMMAND");
}

proc:::exec-success
{
	printf("%-20Y %8d %8d  %s\n", walltimestamp, pid, ppid, execname);
}
