#!/usr/sbin/dtrace -s
/*
 * ip-traffic.d: IP payload bytes sent and received, per remote address.
 *
 * Shows: the ip provider's send and receive probes and their ipinfo
 *        argument, with sum() as horizontal bars.
 * Platforms: illumos, Linux (DTrace 2.x).
 */

ip:::send
{
	@bytes["send", args[2]->ip_daddr] = sum(args[2]->ip_plength);
}

ip:::receive
{
	@bytes["receive", args[2]->ip_saddr] = sum(args[2]->ip_plength);
}
