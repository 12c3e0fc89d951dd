#!/usr/bin/env python3
"""A scripted VNC viewer for tools/measure-vnc.sh: it asks for screen
updates the way an interactive viewer does and counts what arrives,
without showing anything.

RFB 3.8, security type None, a shared session, 32-bit true colour. It
asks for the encodings given (ZRLE, Raw and the Cursor pseudo-encoding by
default: with Cursor the viewer draws the pointer itself, as TigerVNC's
and most other viewers do. TigerVNC's server still draws the pointer
into the picture when it was moved by anything but this viewer, such as
xdotool; with --input the viewer sends the pointer and key events itself,
and then moving the mouse costs an update only when the application
redraws). After a full first update it keeps
one incremental FramebufferUpdateRequest outstanding, sending the next as
soon as an update has been read, which is how a viewer that keeps up with
the server behaves.

ZRLE data is inflated (one zlib stream per connection, as RFC 6143
specifies) so that a message read wrongly shows up as an error rather
than as plausible byte counts.

Every update rewrites the stats file (written to a temporary name and
renamed, so a reader never sees half of it) with one "name value" pair
per line: bytes (all bytes received since the handshake), updates,
rects, the rectangles per encoding ("rects_zrle", "rects_raw",
"rects_cursor", ...), pixels (updated area) and zrle_inflated (bytes
after inflating).
"""

import argparse
import os
import signal
import socket
import struct
import sys
import threading
import zlib

ENCODING_NAMES = {
    0: "raw",
    1: "copyrect",
    2: "rre",
    5: "hextile",
    7: "tight",
    16: "zrle",
    -239: "cursor",
    -223: "desktopsize",
}


class Connection:
    def __init__(self, sock):
        self.sock = sock
        self.received = 0
        self.send_lock = threading.Lock()

    def read(self, n):
        chunks = []
        while n > 0:
            chunk = self.sock.recv(min(n, 1 << 20))
            if not chunk:
                raise EOFError("server closed the connection")
            self.received += len(chunk)
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def unpack(self, fmt):
        return struct.unpack(fmt, self.read(struct.calcsize(fmt)))

    def send(self, data):
        # The input thread and the update loop both send.
        with self.send_lock:
            self.sock.sendall(data)


def handshake(conn, encodings):
    version = conn.read(12)
    if not version.startswith(b"RFB 003."):
        raise ValueError(f"not an RFB server: {version!r}")
    conn.send(b"RFB 003.008\n")
    (count,) = conn.unpack("!B")
    if count == 0:
        (length,) = conn.unpack("!I")
        raise ValueError("server refused: " + conn.read(length).decode(errors="replace"))
    types = conn.read(count)
    if 1 not in types:
        raise ValueError(f"server does not offer security type None: {list(types)}")
    conn.send(b"\x01")
    (result,) = conn.unpack("!I")
    if result != 0:
        (length,) = conn.unpack("!I")
        raise ValueError("authentication failed: " + conn.read(length).decode(errors="replace"))
    conn.send(b"\x01")  # ClientInit, shared
    width, height = conn.unpack("!HH")
    conn.read(16)  # the server's pixel format; ours replaces it below
    (name_length,) = conn.unpack("!I")
    name = conn.read(name_length).decode(errors="replace")
    # 32 bits per pixel, depth 24, little-endian, true colour, 8 bits
    # per channel: what viewers on x86 ask for.
    pixel_format = struct.pack("!BBBBHHHBBB3x", 32, 24, 0, 1, 255, 255, 255, 16, 8, 0)
    conn.send(struct.pack("!B3x", 0) + pixel_format)
    conn.send(struct.pack("!BxH", 2, len(encodings)) + struct.pack(f"!{len(encodings)}i", *encodings))
    return width, height, name


class Stats:
    def __init__(self, path, conn):
        self.path = path
        self.conn = conn
        self.updates = 0
        self.rects = 0
        self.per_encoding = {}
        self.pixels = 0
        self.zrle_inflated = 0

    def write(self):
        lines = [
            f"bytes {self.conn.received}",
            f"updates {self.updates}",
            f"rects {self.rects}",
            f"pixels {self.pixels}",
            f"zrle_inflated {self.zrle_inflated}",
        ]
        for encoding, count in sorted(self.per_encoding.items()):
            lines.append(f"rects_{ENCODING_NAMES.get(encoding, str(encoding))} {count}")
        temporary = self.path + ".tmp"
        with open(temporary, "w") as out:
            out.write("\n".join(lines) + "\n")
        os.replace(temporary, self.path)


def read_update(conn, stats, inflater, log):
    conn.read(1)  # padding
    (count,) = conn.unpack("!H")
    for _ in range(count):
        x, y, w, h, encoding = conn.unpack("!HHHHi")
        before = conn.received
        stats.rects += 1
        stats.per_encoding[encoding] = stats.per_encoding.get(encoding, 0) + 1
        if encoding == 0:
            conn.read(w * h * 4)
            stats.pixels += w * h
        elif encoding == 16:
            (length,) = conn.unpack("!I")
            data = conn.read(length)
            # Inflating checks the framing; the tiles themselves are not
            # decoded, nothing is drawn.
            stats.zrle_inflated += len(inflater.decompress(data))
            stats.pixels += w * h
        elif encoding == 1:
            conn.read(4)
            stats.pixels += w * h
        elif encoding == -239:
            conn.read(w * h * 4 + ((w + 7) // 8) * h)
        elif encoding == -223:
            pass
        else:
            raise ValueError(f"encoding {encoding} was not asked for")
        if log:
            name = ENCODING_NAMES.get(encoding, str(encoding))
            log.write(f"{stats.updates} {x} {y} {w} {h} {name} {conn.received - before}\n")
            log.flush()
    stats.updates += 1


KEYSYMS = {"End": 0xFF57, "Return": 0xFF0D, "BackSpace": 0xFF08}


def forward_input(conn, path):
    """Sends the input commands read from path (a FIFO) as RFB events, the
    way a viewer passes on its user's keyboard and mouse: "move X Y",
    "click X Y" (button 1 down and up) and "key NAME" (a single character
    or one of KEYSYMS, pressed and released)."""
    with open(path) as commands:
        for line in commands:
            words = line.split()
            if not words:
                continue
            if words[0] in ("move", "click"):
                x, y = int(words[1]), int(words[2])
                if words[0] == "click":
                    conn.send(struct.pack("!BBHH", 5, 1, x, y))
                conn.send(struct.pack("!BBHH", 5, 0, x, y))
            elif words[0] == "key":
                name = words[1]
                keysym = KEYSYMS[name] if name in KEYSYMS else ord(name)
                conn.send(struct.pack("!BBxxI", 4, 1, keysym))
                conn.send(struct.pack("!BBxxI", 4, 0, keysym))
            else:
                print(f"vnc_client: unknown input command {line.strip()!r}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stats", required=True, help="file rewritten after every update")
    parser.add_argument(
        "--encodings",
        default="16,0,-239",
        help="comma-separated RFB encoding numbers, preferred first (default: ZRLE, Raw, Cursor)",
    )
    parser.add_argument(
        "--input", help="a FIFO of input commands to send as RFB events (see forward_input)"
    )
    parser.add_argument(
        "--log", help="append one line per rectangle: update x y w h encoding bytes"
    )
    args = parser.parse_args()
    log = open(args.log, "a") if args.log else None
    encodings = [int(e) for e in args.encodings.split(",") if e]

    sock = socket.create_connection((args.host, args.port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn = Connection(sock)
    width, height, name = handshake(conn, encodings)
    print(f"connected to {name!r}, {width}x{height}", file=sys.stderr, flush=True)
    stats = Stats(args.stats, conn)
    stats.write()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    if args.input:
        threading.Thread(target=forward_input, args=(conn, args.input), daemon=True).start()

    inflater = zlib.decompressobj()
    request = struct.pack("!BBHHHH", 3, 0, 0, 0, width, height)
    conn.send(request)
    incremental = struct.pack("!BBHHHH", 3, 1, 0, 0, width, height)
    try:
        while True:
            (kind,) = conn.unpack("!B")
            if kind == 0:
                read_update(conn, stats, inflater, log)
                stats.write()
                conn.send(incremental)
            elif kind == 1:  # SetColourMapEntries; not sent for true colour
                conn.read(1)
                _, n = conn.unpack("!HH")
                conn.read(n * 6)
            elif kind == 2:  # Bell
                pass
            elif kind == 3:  # ServerCutText
                conn.read(3)
                (length,) = conn.unpack("!I")
                conn.read(length)
            else:
                raise ValueError(f"unknown server message {kind}")
    finally:
        stats.write()


if __name__ == "__main__":
    try:
        main()
    except (ValueError, EOFError, zlib.error, OSError) as error:
        print(f"vnc_client: {error}", file=sys.stderr)
        sys.exit(1)
