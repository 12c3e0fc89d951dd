#!/usr/sbin/dtrace -s
/*
 * signals.d: who sends which signal to whom.
 *
 * Shows: proc:::signal-send and its typed arguments (args[1] is the
 *        receiving process, args[2] the signal number).
 * Platforms: illumos, FreeBSD. (Linux DTrace 2.x lists
 *        proc:::signal-send but aborts when enabling it on some kernels.)
 */

proc:::signal-send
{
	@signals[execname, stringof(args[1]->pr_fname), args[2]] = count();
}
