#!/usr/bin/env python3
"""A plain byte forwarder to the REAL daemon that can be cut, for "the daemon went away"
tests (the shared test-bed daemon itself must never be stopped).

Usage: cut_proxy.py LISTEN TARGET
  LISTEN, TARGET: unix:/path or tcp:HOST:PORT (LISTEN tcp:127.0.0.1:0 picks a port).
Prints "ready <port or path>" on stdout once listening. On SIGTERM (or when stdin
closes) every connection is reset at once and the process exits: to a client this looks
like a daemon that died.
"""
import os
import signal
import socket
import sys
import threading

conns = []
lock = threading.Lock()


def open_socket(spec, listen):
    kind, _, rest = spec.partition(":")
    if kind == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if listen:
            if os.path.exists(rest):
                os.unlink(rest)
            s.bind(rest)
        else:
            s.connect(rest)
        return s, rest
    host, _, port = rest.rpartition(":")
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if listen:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, int(port)))
        return s, str(s.getsockname()[1])
    s.connect((host, int(port)))
    return s, rest


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def cut(*_):
    with lock:
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
                c.close()
            except OSError:
                pass
    os._exit(0)


def main():
    listen_spec, target_spec = sys.argv[1], sys.argv[2]
    server, name = open_socket(listen_spec, True)
    server.listen(64)
    signal.signal(signal.SIGTERM, cut)
    threading.Thread(target=lambda: (sys.stdin.read(), cut()), daemon=True).start()
    print("ready " + name, flush=True)
    while True:
        client, _ = server.accept()
        try:
            upstream, _ = open_socket(target_spec, False)
        except OSError:
            client.close()
            continue
        with lock:
            conns.extend([client, upstream])
        threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
        threading.Thread(target=pump, args=(upstream, client), daemon=True).start()


main()
