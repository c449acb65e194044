"""What the asyncio proxies in this folder share: a loopback-only target, and how a
fixture ends (SIGTERM, SIGINT, or its stdin closing, so a parent that dies takes it
along; keep stdin a pipe, not /dev/null). Imported by delay_proxy.py and
counting_proxy.py, which run as scripts from this folder."""
import argparse
import asyncio
import ipaddress
import os
import signal
import threading


def loopback_target(spec):
    """argparse type: HOST:PORT with HOST a loopback address (127.0.0.0/8)."""
    host, _, port = spec.rpartition(":")
    try:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError
        return host, int(port)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{spec!r}: want HOST:PORT with a loopback HOST (127.x.x.x)")


def end_event():
    """An event set on SIGTERM, SIGINT or the end of stdin (call inside the running loop).
    The stdin reader is a daemon thread: end the process with os._exit after the loop."""
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, done.set)

    def watch_stdin():
        try:
            while os.read(0, 4096):
                pass
        finally:
            loop.call_soon_threadsafe(done.set)

    threading.Thread(target=watch_stdin, daemon=True).start()
    return done
