#!/usr/bin/env python3
"""Checks counting_proxy.py against the test bed's daemon (HTTPS 127.0.0.1:8443, client
certificate from its conf/), with Python's own TLS client: no lxattach involved.

Usage: counting_proxy_check.py
  K = 3, three connections at once     handshakes done, each GET /1.0 answered; log: 3 opens
                                       and 3 hellos, then "release"; no "timeout"
  K = 2, one connection                its handshake completes (the server flight passes),
                                       its GET waits for the timeout (~1 s here), then is
                                       answered; log: open, hello, held, timeout
  K = 1, bytes that are not TLS        "open 1" and no hello (a plain HTTP request)
Exit 0 when every check holds, 1 with one line per failed check.
"""
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CONF = os.environ.get("LXATTACH_TESTBED_DIR", "/var/lib/lxattach-testbed") + "/conf"


def start(count, timeout, log):
    p = subprocess.Popen([sys.executable, os.path.join(HERE, "counting_proxy.py"), "--count", str(count),
                          "--timeout", str(timeout), "--log", log, "127.0.0.1:8443"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline().split()
    assert line and line[0] == "ready", line
    return p, int(line[1])


def context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.load_verify_locations(CONF + "/servercerts/tls.crt")
    ctx.load_cert_chain(CONF + "/client.crt", CONF + "/client.key")
    return ctx


def get(port, marks):
    """One connection: handshake, GET /1.0, the status line. Times in `marks`."""
    t0 = time.monotonic()
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    s = context().wrap_socket(raw, server_hostname="127.0.0.1")
    marks["handshake"] = time.monotonic() - t0
    s.sendall(b"GET /1.0 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    status = s.recv(64).split(b"\r\n")[0].decode()
    marks["answer"] = time.monotonic() - t0
    marks["status"] = status
    s.close()


def main():
    failures = []

    def check(what, ok, detail):
        print(f"{'ok  ' if ok else 'FAIL'} {what}: {detail}")
        if not ok:
            failures.append(what)

    with tempfile.NamedTemporaryFile("r", prefix="counting-proxy-log-") as log:
        p, port = start(3, 5, log.name)
        marks = [{}, {}, {}]
        threads = [threading.Thread(target=get, args=(port, m)) for m in marks]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        p.terminate()
        p.wait(5)
        events = log.read().split()
        lines = open(log.name).read().splitlines()
        release = lines.index("release") if "release" in lines else len(lines)
        check("K = 3 and three connections at once: answered", all(m.get("status", "").endswith("200 OK") for m in marks),
              [m.get("status") for m in marks])
        check("... 3 opens and 3 hellos, then release",
              sum(l.startswith("open") for l in lines[:release]) == 3
              and sum(l.startswith("hello") for l in lines[:release]) == 3 and "timeout" not in events, lines)

    with tempfile.NamedTemporaryFile("r", prefix="counting-proxy-log-") as log:
        p, port = start(2, 1, log.name)
        m = {}
        get(port, m)
        p.terminate()
        p.wait(5)
        lines = open(log.name).read().splitlines()
        check("K = 2, one connection: the handshake completes at once", m.get("handshake", 9) < 0.5,
              f"{m.get('handshake', 0) * 1000:.0f} ms")
        check("... its answer waits for the timeout", 0.9 <= m.get("answer", 0) < 3 and m.get("status", "").endswith("200 OK"),
              f"{m.get('answer', 0) * 1000:.0f} ms, {m.get('status')}")
        check("... log: open, hello, held, timeout", lines == ["open 1", "hello 1", "held 1", "timeout"], lines)

    with tempfile.NamedTemporaryFile("r", prefix="counting-proxy-log-") as log:
        p, port = start(1, 1, log.name)
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        try:
            s.recv(100)
        except OSError:
            pass
        s.close()
        time.sleep(0.2)
        p.terminate()
        p.wait(5)
        lines = open(log.name).read().splitlines()
        check("bytes that are not TLS: open, no hello", lines[:1] == ["open 1"] and not any(l.startswith("hello") for l in lines),
              lines)

    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
