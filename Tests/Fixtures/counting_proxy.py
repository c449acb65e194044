#!/usr/bin/env python3
"""A loopback TCP proxy in front of a TLS listener that proves set-ups overlap without a
clock: it holds the daemon's answers back until K connections have opened and begun their
TLS handshakes.

Usage: counting_proxy.py --count K [--timeout S] [--log FILE] TARGET
  TARGET: HOST:PORT on loopback (127.0.0.0/8). Listens on 127.0.0.1 (a free port) and
  prints "ready PORT" on stdout once listening.
  --count K: the connections (and ClientHellos) to see before answers go through.
  --timeout S: after S seconds (default 3) from the first connection, release anyway.
  --log FILE: where the events go, one line each, flushed at once (default: stdout).
Ends on SIGTERM, SIGINT or when its stdin closes (keep stdin a pipe), closing everything.

Events, in the order they happened:
  open N      connection N (from 1) accepted
  hello N     its first bytes are a TLS ClientHello (a handshake record, 0x16, of type 1)
  held N      the first server→client bytes held back on connection N
  release     K opens and K hellos seen: everything held goes through, nothing more is held
  timeout     S seconds passed first: the same release, so a client waiting is not stuck

What is held: TLS is end to end, so the proxy cannot see HTTP. It lets every server byte
through until the client sends its second flight (any record after its ClientHello: the
TLS 1.3 Finished, or TLS 1.2's ClientKeyExchange), so handshakes always complete (a TLS
1.3 server flight can take several reads). From then on that connection's server→client
bytes wait for the release: the answer to the request that follows (the POST, the
websocket upgrade), and also the session ticket (TLS 1.3 sends it after the client's
Finished when the server asks for a client certificate, as LXD does). A client that waits
for the first answer before opening its next connection never reaches K: "timeout".
"""
import argparse
import asyncio
import os
import socket
import sys

from fixture_life import end_event, loopback_target


class Records:
    """Client→server TLS record boundaries: whether the first record is a ClientHello
    and when a second record begins."""

    def __init__(self):
        self.head = b""  # the first 6 bytes (record header + handshake type)
        self.left = None  # bytes left in the first record once its length is known
        self.second = False

    def feed(self, data):
        """Returns "hello" when the ClientHello is recognized, "second" when the second
        flight begins, else None (at most one of them per call, hello first)."""
        event = None
        if len(self.head) < 6:
            take = 6 - len(self.head)
            self.head += data[:take]
            if len(self.head) == 6:
                if self.head[0] == 0x16 and self.head[5] == 0x01:
                    event = "hello"
                self.left = int.from_bytes(self.head[3:5], "big") - 1
            data = data[take:]
        if self.left is not None and not self.second and data:
            if len(data) > self.left:
                self.second = True
                return event or "second"
            self.left -= len(data)
        return event

    @property
    def in_second_flight(self):
        return self.second


class Counter:
    def __init__(self, count, timeout, log):
        self.count, self.timeout, self.log = count, timeout, log
        self.opens = self.hellos = 0
        self.released = False
        self.waiting = []  # (writer, held bytes list) of connections holding
        self.timer = None

    def note(self, line):
        self.log.write(line + "\n")
        self.log.flush()

    def opened(self):
        self.opens += 1
        self.note(f"open {self.opens}")
        if self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(self.timeout, self.release, "timeout")
        return self.opens

    def hello(self, n):
        self.hellos += 1
        self.note(f"hello {n}")
        if self.opens >= self.count and self.hellos >= self.count:
            self.release("release")

    def release(self, why):
        if self.released:
            return
        self.released = True
        self.note(why)
        if self.timer is not None:
            self.timer.cancel()
        for conn in self.waiting:
            conn.flush()
        self.waiting.clear()


class Connection:
    def __init__(self, counter, n, client_w, up_w):
        self.counter, self.n = counter, n
        self.client_w, self.up_w = client_w, up_w
        self.records = Records()
        self.held = []
        self.holding = False

    def flush(self):
        for data in self.held:
            if data:
                self.client_w.write(data)
            elif self.client_w.can_write_eof():
                self.client_w.write_eof()
        self.held = []

    async def upstream(self, client_r):
        """client → server: passed at once, watched for the hello and the second flight."""
        while True:
            try:
                data = await client_r.read(65536)
            except (ConnectionError, OSError):
                data = b""
            if not data:
                if self.up_w.can_write_eof():
                    self.up_w.write_eof()
                return
            event = self.records.feed(data)
            if event == "hello":
                self.counter.hello(self.n)
            self.up_w.write(data)
            await self.up_w.drain()

    async def downstream(self, up_r):
        """server → client: passed until the client's second flight, then held until the
        release."""
        while True:
            try:
                data = await up_r.read(65536)
            except (ConnectionError, OSError):
                data = b""
            if self.records.in_second_flight and not self.counter.released:
                if not self.holding:
                    self.holding = True
                    self.counter.note(f"held {self.n}")
                    self.counter.waiting.append(self)
                self.held.append(data)
                if not data:
                    return
                continue
            if not data:
                if self.client_w.can_write_eof():
                    self.client_w.write_eof()
                return
            self.client_w.write(data)
            await self.client_w.drain()


async def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("target", type=loopback_target)
    ap.add_argument("--count", type=int, required=True, help="K: connections and ClientHellos to wait for")
    ap.add_argument("--timeout", type=float, default=3.0, help="seconds from the first connection (default 3)")
    ap.add_argument("--log", help="event log file (default: stdout)")
    args = ap.parse_args()

    log = open(args.log, "a") if args.log else sys.stdout
    counter = Counter(args.count, args.timeout, log)
    writers = set()
    tasks = set()

    async def handle(client_r, client_w):
        task = asyncio.current_task()
        tasks.add(task)
        n = counter.opened()
        try:
            up_r, up_w = await asyncio.open_connection(*args.target)
        except (OSError, asyncio.CancelledError):
            client_w.transport.abort()
            tasks.discard(task)
            return
        for w in (client_w, up_w):
            w.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            writers.add(w)
        conn = Connection(counter, n, client_w, up_w)
        try:
            await asyncio.gather(conn.upstream(client_r), conn.downstream(up_r))
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        finally:
            # A connection whose server side ended while held closes at the release.
            while conn.held and not counter.released:
                await asyncio.sleep(0.05)
            for w in (client_w, up_w):
                writers.discard(w)
                w.transport.abort()
            tasks.discard(task)

    done = end_event()
    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=512)
    port = server.sockets[0].getsockname()[1]

    print(f"ready {port}", flush=True)
    await done.wait()
    server.close()
    for w in list(writers):
        w.transport.abort()
    for t in list(tasks):
        t.cancel()
    await asyncio.sleep(0)


if __name__ == "__main__":
    asyncio.run(main())
    os._exit(0)  # not waiting for the stdin thread, still blocked in its read
