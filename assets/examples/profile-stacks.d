#!/usr/sbin/dtrace -s
/*
 * profile-stacks.d: where the kernel spends its time, by stack.
 *
 * Shows: sampling with the profile provider at 97 Hz (a prime, so it does
 *        not beat with periodic work) and stack() as an aggregation key.
 * Platforms: illumos, FreeBSD, macOS, Linux (DTrace 2.x).
 */

profile-97
{
	@samples[stack()] = count();
}
