#!/usr/bin/env python3
"""A deliberately broken LXD for fault-injection tests (HostilePeerTests).

It is not a stand-in for LXD: every feature test runs against the real daemon. This
peer only plays the faults a real daemon cannot be made to produce on demand, to prove
that lxattach ends in bounded time with one clear line.

Usage: hostile_peer.py SOCKET_PATH MODE     (a unix socket)
       hostile_peer.py tcp MODE             (127.0.0.1, a free port it picks itself)
Modes:
  garbage      websockets attach, then fd 1 gets a masked frame (illegal from a server)
  huge         fd 1 gets a frame header announcing 1 TiB, then 8 MiB of it, then nothing
  bigframe     not a fault: fd 1 carries one legal 4 MiB binary frame (bytes i*31+7 mod
               256), then the end-of-stream barrier; the operation ends with return 0
  badutf8      fd 1 gets a text message that is not UTF-8
  silent       websockets attach, then nothing ever arrives (no pings, no close)
  silentpost   the POST is read and never answered
  badaccept    the 101 answer carries a wrong Sec-WebSocket-Accept
  vanish       websockets attach, then every socket closes without a result
  noaccept     (tcp) the listen queue is full: a connect(2) is never completed
  mute         connections are accepted and read, nothing is ever sent (a TLS
               ClientHello is never answered)
  explainorder a cluster member that froze, for a fan-out of instances named slow* and
               one named fast (FanOutExplainTests): a slow POST is never answered;
               fast's session attaches and its command ends only once a timeout is
               being explained (a GET /1.0 arrived). The explanations (GET /1.0:
               clustered; the storage pool's volumes: every slow instance is on node9;
               GET /1.0/cluster/members/node9) are answered only once there is one
               GET /1.0 per slow POST, all waiting at once, and the client has closed
               fast's control socket, which it does when its event loop has ended
               fast's session. A client that explains on its loop's thread, or one
               explanation after the other, does not get the answers within its budget.
Prints "ready" on stdout once listening ("ready PORT" for tcp).
"""
import base64
import hashlib
import json
import os
import socket
import sys
import threading
import time

OP = "0badc0de-0000-4000-8000-000000000000"
SECRET = "ab" * 32
# huge and bigframe tell the sockets apart by their secret (still containing "abababab").
FD_SECRETS = {"0": "ab" * 31 + "f0", "1": "ab" * 31 + "f1", "2": "ab" * 31 + "f2", "control": "ab" * 31 + "fc"}
BIG = 4 << 20
done = threading.Event()
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
conns = []


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None, None, None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return method, target, headers


def respond(conn, status, body):
    payload = json.dumps(body).encode()
    conn.sendall(f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n".encode() + payload)


def sync(conn, metadata):
    respond(conn, "200 OK", {"type": "sync", "status": "Success", "status_code": 200,
                             "error_code": 0, "error": "", "metadata": metadata})


# explainorder: the slow POSTs seen, the explanations (GET /1.0) arrived, whether a fast
# POST came and whether the client then closed fast's control socket.
order = threading.Condition()
state = {"slow": [], "explaining": 0, "fast": False, "fast_ended": False}


def explain_order(conn, method, target):
    """explainorder's REST answers (not the websockets); False: not one of them."""
    path = target.split("?", 1)[0]
    if method == "POST" and path.startswith("/1.0/instances/slow") and path.endswith("/exec"):
        with order:
            state["slow"].append(path.split("/")[3])
        time.sleep(3600)
    elif method == "POST" and path == "/1.0/instances/fast/exec":
        with order:
            state["fast"] = True
        return False  # answered as every other mode's
    elif method == "GET" and path == "/1.0":
        with order:
            state["explaining"] += 1
            order.notify_all()
            order.wait_for(lambda: state["explaining"] >= len(state["slow"])
                           and (state["fast_ended"] or not state["fast"]), 30)
        sync(conn, {"environment": {"server_clustered": True}})
    elif path.startswith(f"/1.0/operations/{OP}") and not path.endswith("/websocket"):
        with order:
            order.wait_for(lambda: state["explaining"] > 0, 30)
        sync(conn, {"id": OP, "class": "websocket", "status": "Success", "status_code": 200,
                    "err": "", "metadata": {"return": 0}})
    elif path == "/1.0/storage-pools":
        sync(conn, ["/1.0/storage-pools/default"])
    elif path == "/1.0/storage-pools/default/volumes":
        with order:
            names = list(state["slow"])
        sync(conn, [{"name": n, "type": "container", "location": "node9"} for n in names])
    elif path == "/1.0/cluster/members/node9":
        sync(conn, {"server_name": "node9", "url": "https://192.0.2.9:8443", "status": "Online",
                    "message": "Fully operational"})
    else:
        return False
    return True


def explain_order_websocket(conn, target):
    """fast's sockets: stdout and stderr end once slow's explanation began; control and
    stdin are read until the client closes them."""
    fd = next((k for k, v in FD_SECRETS.items() if v in target), None)
    if fd in ("1", "2"):
        with order:
            order.wait_for(lambda: state["explaining"] > 0, 30)
        conn.sendall(bytes([0x81, 0x00]))
        conn.close()
        return
    try:
        while conn.recv(65536):
            pass
    except OSError:
        pass
    if fd == "control":
        with order:
            state["fast_ended"] = True
            order.notify_all()


def handle(conn, mode):
    conns.append(conn)
    if mode == "mute":
        while conn.recv(65536):
            pass
        return
    while True:
        method, target, headers = read_request(conn)
        if method is None:
            return
        if mode == "explainorder" and explain_order(conn, method, target):
            continue
        if method == "POST" and target.startswith("/1.0/instances/"):
            if mode == "silentpost":
                time.sleep(3600)
            fds = {"0": SECRET, "1": SECRET, "2": SECRET, "control": SECRET}
            if mode in ("huge", "bigframe", "explainorder"):
                fds = FD_SECRETS
            respond(conn, "202 Accepted", {
                "type": "async", "status": "Operation created", "status_code": 100,
                "operation": f"/1.0/operations/{OP}", "error_code": 0, "error": "",
                "metadata": {"id": OP, "class": "websocket", "status": "Running", "status_code": 103,
                             "metadata": {"fds": fds, "interactive": False}}})
        elif "/websocket" in target:
            key = headers.get("sec-websocket-key", "")
            accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
            if mode == "badaccept":
                accept = base64.b64encode(b"x" * 20).decode()
            conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          f"Sec-WebSocket-Accept: {accept}\r\n\r\n").encode())
            if mode == "explainorder":
                explain_order_websocket(conn, target)
            else:
                websocket(conn, mode, target)
            return
        elif target.startswith(f"/1.0/operations/{OP}") and mode == "bigframe":
            done.wait(30)
            time.sleep(0.1)
            respond(conn, "200 OK", {
                "type": "sync", "status": "Success", "status_code": 200, "error_code": 0, "error": "",
                "metadata": {"id": OP, "class": "websocket", "status": "Success", "status_code": 200,
                             "err": "", "metadata": {"return": 0}}})
        elif target.startswith(f"/1.0/operations/{OP}"):
            if mode in ("silent", "garbage", "huge", "badutf8"):
                time.sleep(3600)  # the wait never answers
            respond(conn, "404 Not Found", {"type": "error", "error_code": 404, "error": "Operation not found"})
        else:
            respond(conn, "404 Not Found", {"type": "error", "error_code": 404, "error": "not found"})


def websocket(conn, mode, target):
    # Every fd connection gets the same treatment; one broken fd is enough.
    time.sleep(0.2)
    if mode == "garbage":
        conn.sendall(bytes([0x82, 0x85, 1, 2, 3, 4]) + b"hello")
    elif mode == "huge":
        if FD_SECRETS["1"] in target:
            conn.sendall(bytes([0x82, 127, 0, 0, 1, 0, 0, 0, 0, 0]))
            block = bytes(i * 31 + 7 & 0xFF for i in range(256)) * 4096
            conn.sendall(block * 8)
    elif mode == "bigframe":
        fd = next((k for k, v in FD_SECRETS.items() if v in target), None)
        if fd == "1":
            payload = bytes(i * 31 + 7 & 0xFF for i in range(256)) * (BIG // 256)
            conn.sendall(bytes([0x82, 127]) + BIG.to_bytes(8, "big") + payload + bytes([0x81, 0x00]))
            done.set()
        elif fd == "2":
            conn.sendall(bytes([0x81, 0x00]))
        done.wait(30)
        time.sleep(0.05)
        conn.close()  # LXD ends exec sockets with a plain TCP close
        return
    elif mode == "badutf8":
        conn.sendall(bytes([0x81, 0x02, 0xC3, 0x28]))
    elif mode == "vanish":
        for c in list(conns):
            try:
                c.shutdown(socket.SHUT_RDWR)
                c.close()
            except OSError:
                pass
        return
    time.sleep(3600)


def main():
    path, mode = sys.argv[1], sys.argv[2]
    if path == "tcp":
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.bind(("127.0.0.1", 0))
        port = server.getsockname()[1]
        if mode == "noaccept":
            # Backlog 0, filled by connections of our own that are never accepted: the
            # kernel then drops further SYNs, so a client's connect(2) never completes.
            server.listen(0)
            for _ in range(4):
                c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                c.setblocking(False)
                c.connect_ex(("127.0.0.1", port))
                conns.append(c)
            time.sleep(0.2)
            print(f"ready {port}", flush=True)
            time.sleep(3600)
        server.listen(64)
        print(f"ready {port}", flush=True)
    else:
        if os.path.exists(path):
            os.unlink(path)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        server.listen(64)
        print("ready", flush=True)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=handle, args=(conn, mode), daemon=True).start()


if __name__ == "__main__":
    main()
