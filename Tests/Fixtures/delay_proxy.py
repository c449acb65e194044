#!/usr/bin/env python3
"""A loopback TCP proxy that adds a network's latency: every chunk waits D ms in each
direction, in order, and a new connection's first client bytes wait one extra round trip.

Usage: delay_proxy.py [--delay MS] [--log FILE] TARGET
       delay_proxy.py [--delay MS] [--log FILE] --map LISTENPORT=TARGET [--map ...]
  TARGET: HOST:PORT, HOST a loopback address (127.0.0.0/8): the proxy never reaches
  beyond this machine. It listens only on 127.0.0.1; LISTENPORT 0 (and the one-target
  form) picks a free port. Prints one line "ready PORT [PORT ...]" (the listening ports
  in --map order) once every listener is up.
  --delay MS: one way delay (default 25): a round trip through the proxy costs 2·MS.
  --log FILE: one line per connection, "open LISTENPORT N" (N counts from 1 per port),
  flushed at once: how many connections each listener saw.
Ends on SIGTERM, SIGINT or when its stdin closes (so keep stdin a pipe, not /dev/null),
closing every connection.

The model: a chunk read at time t is written at t + D on the other side. Each direction
is a queue of (due time, bytes) filled by a reader and emptied by a writer that sleeps
until the head is due, so the reader goes on reading while earlier chunks wait:
throughput is the link's, not one chunk per D. TCP's handshake costs a client one round
trip before its first byte leaves (SYN, SYN-ACK), and that byte one more D to arrive; a
client connecting here gets its connect() at once, so its bytes are due no earlier than
accept + 3·D: a request on a fresh connection is answered after ~4·D, on an open one
after ~2·D. An end of stream (and a reset, as a close) is delayed like data.
"""
import argparse
import asyncio
import os
import socket
import sys

from fixture_life import end_event, loopback_target

QUEUE_LIMIT = 32 << 20  # bytes waiting in one direction before the reader pauses


def mapping(spec):
    listen, sep, target = spec.partition("=")
    if not sep or not listen.isdigit():
        raise argparse.ArgumentTypeError(f"{spec!r}: want LISTENPORT=HOST:PORT")
    return int(listen), loopback_target(target)


class Direction:
    """One way of one connection: chunks due D after they were read, written in order."""

    def __init__(self, reader, writer, delay, not_before):
        self.reader, self.writer = reader, writer
        self.delay, self.not_before = delay, not_before
        self.queue = asyncio.Queue()
        self.queued = 0
        self.room = asyncio.Event()
        self.room.set()

    async def read(self):
        loop = asyncio.get_running_loop()
        try:
            while True:
                await self.room.wait()
                try:
                    data = await self.reader.read(65536)
                except (ConnectionError, OSError):
                    data = b""
                due = max(loop.time() + self.delay, self.not_before)
                self.queue.put_nowait((due, data))
                if not data:
                    return
                self.queued += len(data)
                if self.queued > QUEUE_LIMIT:
                    self.room.clear()
        except asyncio.CancelledError:
            pass

    async def write(self):
        loop = asyncio.get_running_loop()
        try:
            while True:
                due, data = await self.queue.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not data:
                    if self.writer.can_write_eof():
                        self.writer.write_eof()
                    return
                self.writer.write(data)
                self.queued -= len(data)
                if self.queued <= QUEUE_LIMIT:
                    self.room.set()
                await self.writer.drain()
        except (ConnectionError, OSError):
            pass
        except asyncio.CancelledError:
            pass


class Proxy:
    def __init__(self, delay, log):
        self.delay = delay
        self.log = log
        self.counts = {}
        self.tasks = set()
        self.writers = set()

    def note(self, port):
        self.counts[port] = self.counts.get(port, 0) + 1
        if self.log:
            self.log.write(f"open {port} {self.counts[port]}\n")
            self.log.flush()

    def handler(self, port, target):
        async def handle(client_r, client_w):
            self.note(port)
            task = asyncio.current_task()
            self.tasks.add(task)
            loop = asyncio.get_running_loop()
            accepted = loop.time()
            try:
                up_r, up_w = await asyncio.open_connection(*target)
            except asyncio.CancelledError:
                client_w.transport.abort()
                return
            except OSError:
                await asyncio.sleep(self.delay * 2)  # the refusal travels back too
                client_w.transport.abort()
                self.tasks.discard(task)
                return
            for w in (client_w, up_w):
                w.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.writers.add(w)
            out = Direction(client_r, up_w, self.delay, accepted + 3 * self.delay)
            back = Direction(up_r, client_w, self.delay, 0.0)
            try:
                await asyncio.gather(out.read(), out.write(), back.read(), back.write())
            except asyncio.CancelledError:
                pass
            finally:
                for w in (client_w, up_w):
                    self.writers.discard(w)
                    w.transport.abort()
                self.tasks.discard(task)
        return handle

    def close_all(self):
        for w in list(self.writers):
            w.transport.abort()
        for t in list(self.tasks):
            t.cancel()


async def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("target", nargs="?", type=loopback_target)
    ap.add_argument("--map", action="append", type=mapping, default=[], metavar="LISTENPORT=HOST:PORT")
    ap.add_argument("--delay", type=float, default=25.0, help="one way delay in ms (default 25)")
    ap.add_argument("--log", help="file to append one line per connection to")
    args = ap.parse_args()
    maps = list(args.map) + ([(0, args.target)] if args.target else [])
    if not maps:
        ap.error("give a TARGET or at least one --map")

    log = open(args.log, "a") if args.log else None
    proxy = Proxy(args.delay / 1000.0, log)
    done = end_event()

    servers, ports = [], []
    for listen, target in maps:
        # The port is known only once bound: a bound socket first, then the server on it.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", listen))
        port = sock.getsockname()[1]
        servers.append(await asyncio.start_server(proxy.handler(port, target), sock=sock, backlog=512))
        ports.append(port)

    print("ready " + " ".join(map(str, ports)), flush=True)
    await done.wait()
    for s in servers:
        s.close()
    proxy.close_all()
    await asyncio.sleep(0)


if __name__ == "__main__":
    asyncio.run(main())
    os._exit(0)  # not waiting for the stdin thread, still blocked in its read
