"""Real peers for the notification tests: an SMTP server (aiosmtpd) and an HTTP server that
takes robot webhooks, both on 127.0.0.1, writing each message received to a directory.

usage: peers.py SMTP_PORT HTTP_PORT OUT_DIR [SMTP_DELAY_SECONDS]
The delay is spent before the message's data (in RCPT), so a client killed then has sent nothing.
With PEERS_DINGTALK_SECRET set, a robot path containing "signed" checks 钉钉's 加签 as 钉钉 does
(timestamp within an hour, sign = base64 HMAC-SHA256 of "timestamp\nsecret") and refuses a
message without a valid one (errcode 310000).
With PEERS_TLS_CERT and PEERS_TLS_KEY (PEM files) the mail server requires STARTTLS; with
PEERS_AUTH=user:password it requires AUTH (PLAIN or LOGIN) with that user and password.
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
import ssl
import sys
import threading
import time
import urllib.parse

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

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


def smtp_options():
    options = {}
    cert, key = os.environ.get("PEERS_TLS_CERT"), os.environ.get("PEERS_TLS_KEY")
    if cert and key:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        options.update(tls_context=context, require_starttls=True)
    auth = os.environ.get("PEERS_AUTH")
    if auth:
        user, password = auth.encode().split(b":", 1)

        def authenticator(server, session, envelope, mechanism, data):
            ok = isinstance(data, LoginPassword) and (data.login, data.password) == (user, password)
            return AuthResult(success=ok, handled=False)

        options.update(authenticator=authenticator, auth_required=True)
    return options


if smtp_port:
    Controller(Mail(), hostname="127.0.0.1", port=smtp_port, **smtp_options()).start()
if http_port:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", http_port), Robot)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
print("ready", flush=True)
while True:
    time.sleep(3600)
