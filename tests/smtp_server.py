"""Real SMTP servers on 127.0.0.1 for the mail tests (aiosmtpd), in the modes a deployment
meets: plain, STARTTLS, implicit TLS (port 465 style), refusing recipients, never answering."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "koalicje", "tajne-haslo-smtp"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the tests trust it through SMTP_CA_FILE)."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


@dataclass
class Received:
    messages: list = field(default_factory=list)
    logins: list = field(default_factory=list)
    refuse: bool = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"

    def authenticator(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            encrypted = server.transport.get_extra_info("ssl_object") is not None
            self.logins.append((auth_data.login.decode(), encrypted))
            ok = auth_data.login.decode() == USER and auth_data.password.decode() == PASSWORD
            return AuthResult(success=ok)
        return AuthResult(success=False)


@contextmanager
def smtp_server(mode: str = "starttls", cert: tuple[Path, Path] | None = None,
                refuse: bool = False, auth: bool = True):
    """Yield (config overrides, Received). mode: "plain", "starttls" or "implicit"."""
    received = Received(refuse=refuse)
    port = free_port()
    kwargs = {"auth_require_tls": False, "authenticator": received.authenticator} if auth else {}
    server_context = None
    if mode in ("starttls", "implicit"):
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_context.load_cert_chain(*cert)
    if mode == "starttls":
        kwargs["tls_context"] = server_context
    controller = Controller(received, hostname="127.0.0.1", port=port,
                            ssl_context=server_context if mode == "implicit" else None,
                            **kwargs)
    controller.start()
    config = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_TIMEOUT": 5,
              "SMTP_SSL": mode == "implicit", "SMTP_CA_FILE": str(cert[0]) if cert else ""}
    try:
        yield config, received
    finally:
        controller.stop()


@contextmanager
def silent_server():
    """Accepts connections and never says a word: a hung mail server."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_TIMEOUT": 1, "SMTP_SSL": False}
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()
