#!/usr/sbin/dtrace -s
/*
 * io-sizes.d: block I/O sizes by program and direction.
 *
 * Shows: io:::start, the B_READ flag of bufinfo, and quantize().
 * Platforms: illumos, FreeBSD, Linux (DTrace 2.x).
 */

io:::start
{
	@bytes[execname, args[0]->b_flags & B_READ ? "read" : "write"] =
	    quantize(args[0]->b_bcount);
}
