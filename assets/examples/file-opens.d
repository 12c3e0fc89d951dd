#!/usr/sbin/dtrace -s
/*
 * file-opens.d: every file opened, by whom, as it happens.
 *
 * Shows: copyinstr() of a user-space path, printf() into the console.
 * Leaves out the tracing program itself (pid != $pid), dscope or dtrace.
 * Platforms: illumos, FreeBSD, Linux (DTrace 2.x). (macOS: use open*.)
 */

#pragma D option quiet

syscall::openat:entry
/pid != $pid/
{
	printf("%-16s %6d  %s\n", execname, pid, copyinstr(arg1));
}
