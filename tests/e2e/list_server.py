#!/usr/bin/env python3
"""A list feed for the end-to-end tests: serves the files of a directory
over HTTP or HTTPS with ETag and Last-Modified, answers conditional
requests with 304, and logs one line per request ("GET /path STATUS") so
tests can count what the daemon asked for.

A file named .slow in the directory holding a number of seconds makes
every answer wait that long first (a slow server); "down" is simply the
server not running.

A file NAME.redirect holding a URL makes GET /NAME answer 302 to it.
A file NAME.etag makes its bytes, as they are, the ETag of NAME (a hostile
server's header); If-None-Match is then never matched.

usage: list_server.py DIR ADDR PORT LOG [CERT KEY]
"""
import email.utils
import hashlib
import http.server
import os
import ssl
import sys
import time

ROOT, ADDR, PORT, LOG = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def note(self, status):
        with open(LOG, "a") as f:
            f.write("GET %s %d\n" % (self.path, status))

    def do_GET(self):
        slow = os.path.join(ROOT, ".slow")
        if os.path.exists(slow):
            with open(slow) as f:
                time.sleep(float(f.read().strip() or 0))
        name = os.path.basename(self.path.split("?")[0])
        path = os.path.join(ROOT, name)
        redirect = path + ".redirect"
        if name and not name.startswith(".") and os.path.isfile(redirect):
            with open(redirect) as f:
                location = f.read().strip()
            self.note(302)
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if not name or name.startswith(".") or not os.path.isfile(path):
            self.note(404)
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with open(path, "rb") as f:
            body = f.read()
        etag = '"%s"' % hashlib.sha256(body).hexdigest()[:32]
        raw_etag = None
        if os.path.isfile(path + ".etag"):
            with open(path + ".etag", "rb") as f:
                raw_etag = f.read()
        mtime = int(os.stat(path).st_mtime)
        if raw_etag is None and self.headers.get("If-None-Match") == etag:
            self.note(304)
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.note(200)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        if raw_etag is None:
            self.send_header("ETag", etag)
        else:
            # send_header() would refuse it; headers wait in this buffer
            self._headers_buffer.append(b"ETag: " + raw_etag + b"\r\n")
        self.send_header("Last-Modified", email.utils.formatdate(mtime, usegmt=True))
        self.end_headers()
        self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    address_family = __import__("socket").AF_INET6 if ":" in ADDR else __import__("socket").AF_INET
    allow_reuse_address = True


server = Server((ADDR, PORT), Handler)
if len(sys.argv) > 6:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[5], sys.argv[6])
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
server.serve_forever()
