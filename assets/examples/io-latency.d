#!/usr/sbin/dtrace -s
/*
 * io-latency.d: how long block device I/O takes, per device.
 *
 * Shows: the io provider (start, done), its bufinfo and devinfo
 *        arguments, and quantize() of latency in nanoseconds.
 * Platforms: illumos, FreeBSD, Linux (DTrace 2.x).
 */

io:::start
{
	started[args[0]->b_edev, args[0]->b_blkno] = timestamp;
}

io:::done
/started[args[0]->b_edev, args[0]->b_blkno]/
{
	@latency_ns[args[1]->dev_statname] =
	    quantize(timestamp - started[args[0]->b_edev, args[0]->b_blkno]);
	started[args[0]->b_edev, args[0]->b_blkno] = 0;
}
