"""Helpers for the reminder tests: subscriptions and a real SMTP server that records mail."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from datetime import date
from email import message_from_bytes, policy
from email.message import Message

from aiosmtpd.controller import Controller
from django.utils import timezone

from milestones.models import Milestone, Organisation, Subscription


def subscribe(
    email: str,
    *,
    milestone: Milestone | None = None,
    organisation: Organisation | None = None,
    confirmed: bool = True,
    active_from: date = date(2000, 1, 1),
    **flags: bool,
) -> Subscription:
    scope = "milestone" if milestone else "organisation" if organisation else "all"
    return Subscription.objects.create(
        email=email,
        scope=scope,
        milestone=milestone,
        organisation=organisation,
        confirmed_at=timezone.now() if confirmed else None,
        active_from=active_from if confirmed else None,
        **flags,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.server.next_rcpt_reply(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.server.delay:
            time.sleep(self.server.delay)  # blocks the loop on purpose: a slow server
        self.server.record(envelope)
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd in a thread. ``rcpt_replies`` are answered, in order, before accepting."""

    def __init__(self, *, rcpt_replies: list[str] | None = None, always: str | None = None, delay: float = 0):
        self.rcpt_replies = list(rcpt_replies or [])
        self.always = always
        self.delay = delay
        self.messages: list[Message] = []
        self.attempts = 0
        self._lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def next_rcpt_reply(self, address: str) -> str | None:
        with self._lock:
            self.attempts += 1
            if self.always:
                return self.always
            return self.rcpt_replies.pop(0) if self.rcpt_replies else None

    def record(self, envelope) -> None:
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(message)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def recipients(self) -> Counter:
        with self._lock:
            return Counter(message["To"] for message in self.messages)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


def smtp_settings(settings, server: SmtpServer) -> None:
    """Point Django's mail at ``server`` (pytest-django's ``settings`` fixture)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
