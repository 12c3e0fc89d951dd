#!/usr/sbin/dtrace -s
/*
 * cpu-by-process.d: which programs are on the CPU, by sampling.
 *
 * Shows: profile-997 samples keyed by execname as a pie; the idle
 *        thread (pid 0) is left out.
 * Platforms: illumos, FreeBSD, macOS, Linux (DTrace 2.x).
 */

profile-997
/pid != 0/
{
	@oncpu[execname] = count();
}
