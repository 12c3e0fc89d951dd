#!/usr/sbin/dtrace -s
/*
 * syscall-errors.d: which programs get errors from which system calls.
 *
 * Shows: the errno built-in, a predicate on the return value, and a
 *        two-part key (program, call, errno) in a table.
 * Leaves out the tracing program itself (pid != $pid), dscope or dtrace.
 * Platforms: illumos, FreeBSD, macOS, Linux (DTrace 2.x).
 */

syscall:::return
/errno != 0 && pid != $pid/
{
	@errors[execname, probefunc, errno] = count();
}
