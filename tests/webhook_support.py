"""A real HTTP receiver on 127.0.0.1 for the webhook tests, and the spec's signature check."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import ssl
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    body: bytes = b'{"ok": true}'
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # never answer (until the receiver stops)


class Receiver:
    """Answers POSTs with the scripted answers in turn, then with ``default``; records each."""

    def __init__(
        self, *answers: Answer, default: Answer | None = None, tls: tuple[str, str] | None = None
    ) -> None:
        self.script = list(answers)
        self.default = default or Answer()
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.released = threading.Event()
        self.on_request: Callable[[int], None] | None = None  # called with the running count
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the sender's pool expects

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                if len(body) < length:
                    return  # the sender died mid-request: that is no request (the spec check would fail)
                answer = receiver._take(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                if answer.hang:
                    receiver.released.wait(60)
                    return
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls:  # (certificate chain, key): an HTTPS receiver
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _take(self, received: Received) -> Answer:
        with self.lock:
            self.received.append(received)
            count = len(self.received)
            answer = self.script.pop(0) if self.script else self.default
        if self.on_request:
            self.on_request(count)
        return answer

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


def spec_signatures(secret: str, received: Received) -> list[str]:
    """The Standard Webhooks check, written from the spec: which of the header's signatures verify."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{received.headers['webhook-id']}.{received.headers['webhook-timestamp']}.".encode()
    expected = base64.b64encode(hmac.new(key, signed + received.body, hashlib.sha256).digest()).decode()
    return [
        sig
        for sig in received.headers["webhook-signature"].split(" ")
        if sig.startswith("v1,") and hmac.compare_digest(sig[3:], expected)
    ]


def certificates(folder, name: str) -> tuple[str, tuple[str, str]]:
    """A throw-away CA and a server certificate for ``name`` signed by it (openssl CLI):
    returns the CA file and the server's (certificate, key)."""
    ca, ca_key, cert, key, csr, ext = (
        str(folder / f) for f in ("ca.pem", "ca.key", "s.pem", "s.key", "s.csr", "s.ext")
    )
    (folder / "s.ext").write_text(f"subjectAltName=DNS:{name}\n")
    for command in (
        f"req -x509 -newkey rsa:2048 -nodes -keyout {ca_key} -out {ca} -days 2 -subj /CN=Test-CA "
        "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign",
        f"req -newkey rsa:2048 -nodes -keyout {key} -out {csr} -subj /CN={name}",
        f"x509 -req -in {csr} -CA {ca} -CAkey {ca_key} -CAcreateserial -out {cert} -days 2 -extfile {ext}",
    ):
        subprocess.run(["openssl", *command.split()], check=True, capture_output=True)
    return ca, (cert, key)
