#!/usr/bin/env python3
"""Checks delay_proxy.py against an echo server of its own (no daemon needed).

Usage: delay_proxy_check.py [--delay MS]   (default 40)
  fresh connection, first exchange  ~4·D (connect, then one request and its answer)
  ping on an open connection        ~2·D
  20 pings in flight at once        ~2·D in all (chunks overlap: not one per D)
  8 MiB echoed both ways            well under 8 MiB / 64 KiB · D (throughput kept)
  order of 2000 small writes        kept
  two --map listeners               each reaches its own target; --log counts opens
  SIGTERM                           the proxy exits and the clients see the end
Exit 0 when every check holds, 1 with one line per failed check.
"""
import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def echo_server(tag=b""):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)

    def serve(c):
        with c:
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            while True:
                d = c.recv(65536)
                if not d:
                    return
                c.sendall(tag + d if tag else d)

    def accept():
        while True:
            c, _ = srv.accept()
            threading.Thread(target=serve, args=(c,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return srv.getsockname()[1]


def start_proxy(args):
    p = subprocess.Popen([sys.executable, os.path.join(HERE, "delay_proxy.py")] + args,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline().split()
    assert line and line[0] == "ready", line
    return p, [int(x) for x in line[1:]]


def recv_exactly(s, n):
    got = b""
    while len(got) < n:
        d = s.recv(n - len(got))
        if not d:
            raise EOFError
        got += d
    return got


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--delay", type=float, default=40.0)
    d = ap.parse_args().delay / 1000
    failures = []

    def check(what, ok, detail):
        print(f"{'ok  ' if ok else 'FAIL'} {what}: {detail}")
        if not ok:
            failures.append(what)

    port = echo_server()
    proxy, (pport,) = start_proxy(["--delay", str(d * 1000), f"127.0.0.1:{port}"])
    try:
        t0 = time.monotonic()
        s = socket.create_connection(("127.0.0.1", pport))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(b"x")
        recv_exactly(s, 1)
        first = time.monotonic() - t0
        check("fresh connection's first exchange ~4D", 3.8 * d <= first <= 4 * d + 0.03, f"{first * 1000:.1f} ms")

        pings = []
        for _ in range(5):
            t0 = time.monotonic()
            s.sendall(b"y")
            recv_exactly(s, 1)
            pings.append(time.monotonic() - t0)
        ping = sorted(pings)[2]
        check("ping on an open connection ~2D", 1.9 * d <= ping <= 2 * d + 0.02, f"median {ping * 1000:.1f} ms")

        t0 = time.monotonic()
        for i in range(20):
            s.sendall(b"z")
            time.sleep(0.001)
        sent = time.monotonic()
        recv_exactly(s, 20)
        burst = time.monotonic() - sent
        check("20 pings in flight: the last answered ~2D after it was sent", burst <= 2 * d + 0.04,
              f"{burst * 1000:.1f} ms after the last send ({(sent - t0) * 1000:.1f} ms of sending)")

        blob = os.urandom(8 << 20)
        t0 = time.monotonic()
        sender = threading.Thread(target=s.sendall, args=(blob,))
        sender.start()
        back = recv_exactly(s, len(blob))
        sender.join()
        bulk = time.monotonic() - t0
        serial = (len(blob) / 65536) * d
        check("8 MiB echoed, throughput kept", back == blob and bulk < serial / 4,
              f"{bulk * 1000:.0f} ms (one chunk per D would be {serial * 1000:.0f} ms), equal {back == blob}")

        msgs = b"".join(b"%05d" % i for i in range(2000))
        for i in range(2000):
            s.send(b"%05d" % i)
        check("order of 2000 small writes kept", recv_exactly(s, len(msgs)) == msgs, "")
        s.close()
    finally:
        proxy.terminate()
        proxy.wait(5)

    a, b = echo_server(b"A"), echo_server(b"B")
    with tempfile.NamedTemporaryFile("r", prefix="delay-proxy-log-") as log:
        proxy, ports = start_proxy(["--delay", str(d * 1000), "--log", log.name,
                                    "--map", f"0=127.0.0.1:{a}", "--map", f"0=127.0.0.1:{b}"])
        try:
            answers = []
            for p in ports + [ports[1]]:
                c = socket.create_connection(("127.0.0.1", p))
                c.sendall(b"!")
                answers.append(recv_exactly(c, 2))
                c.close()
            check("two --map listeners, each its own target", answers == [b"A!", b"B!", b"B!"], repr(answers))
            lines = log.read().split("\n")
            want = [f"open {ports[0]} 1", f"open {ports[1]} 1", f"open {ports[1]} 2"]
            check("--log counts opens per listener", lines[:3] == want, repr(lines))
            c = socket.create_connection(("127.0.0.1", ports[0]))
            c.settimeout(5)
            proxy.terminate()
            code = proxy.wait(5)
            try:
                end = c.recv(1)
            except OSError as e:
                end = repr(e)
            check("SIGTERM ends the proxy and its connections", code == 0 and end in (b"", "ConnectionResetError(104, 'Connection reset by peer')"),
                  f"exit {code}, client read {end!r}")
        finally:
            if proxy.poll() is None:
                proxy.kill()
                proxy.wait()

    proxy, _ = start_proxy([f"127.0.0.1:{a}"])
    proxy.stdin.close()
    try:
        code = proxy.wait(5)
    except subprocess.TimeoutExpired:
        proxy.kill()
        code = None
    check("stdin closing ends the proxy", code == 0, f"exit {code}")

    bad = subprocess.run([sys.executable, os.path.join(HERE, "delay_proxy.py"), "192.0.2.1:80"],
                         stdin=subprocess.DEVNULL, capture_output=True, text=True)
    check("a target off loopback is refused", bad.returncode == 2 and "loopback" in bad.stderr, bad.stderr.strip()[-80:])

    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
