"""Real peers for the notification tests: an SMTP server (aiosmtpd) and an HTTP server that
takes robot webhooks, both on 127.0.0.1, writing each message received to a directory.

usage: peers.py SMTP_PORT HTTP_PORT OUT_DIR [SMTP_DELAY_SECONDS]
The delay is spent before the message's data (in RCPT), so a client killed then has sent nothing.
With PEERS_DINGTALK_SECRET set, a robot path containing "signed" checks 钉钉's 加签 as 钉钉 does
(timestamp within an hour, sign = base64 HMAC-SHA256 of "timestamp\nsecret") and refuses a
message without a valid one (errcode 310000).
"""
import asyncio
import base64
import email
import email.header
import hashlib
import hmac
import http.server
import itertools
import os
import sys
import threading
import time
import urllib.parse

from aiosmtpd.controller import Controller

smtp_port, http_port, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
delay = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
counter = itertools.count()


def save(prefix, data):
    path = os.path.join(out, f"{prefix}-{time.time_ns()}-{next(counter)}")
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.rename(path + ".tmp", path)


class Mail:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if delay:
            await asyncio.sleep(delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content)
        subject = str(email.header.make_header(email.header.decode_header(msg["Subject"])))
        text = msg.get_payload(decode=True).decode("utf-8")
        decoded = f"\n--decoded--\nSubject: {subject}\n{text}".encode()
        save("mail", b"To: " + ",".join(envelope.rcpt_tos).encode() + b"\n" + envelope.content + decoded)
        return "250 OK"


def signed_ok(path):
    secret = os.environ.get("PEERS_DINGTALK_SECRET", "")
    if not secret or "signed" not in path:
        return True
    query = urllib.parse.parse_qs(urllib.parse.urlparse(path).query)
    timestamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
    if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > 3600 * 1000:
        return False
    mac = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256)
    return hmac.compare_digest(base64.b64encode(mac.digest()).decode(), sign)


class Robot(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if signed_ok(self.path):
            save("hook", self.path.encode() + b"\n" + body)
            reply = b'{"errcode":0,"errmsg":"ok"}'
        else:
            reply = b'{"errcode":310000,"errmsg":"sign not match"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


if smtp_port:
    Controller(Mail(), hostname="127.0.0.1", port=smtp_port).start()
if http_port:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", http_port), Robot)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
print("ready", flush=True)
while True:
    time.sleep(3600)
