"""Mail: SMTP error classes and the emails we send (reminders, confirmations, digests).

``EMAIL_URL`` is parsed by ``ssbtracker.env.email_settings``, with the rest of the configuration.
"""

from __future__ import annotations

import hashlib
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parseaddr

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

TRANSIENT = "transient"
PERMANENT = "permanent"


def smtp_failure(error: BaseException) -> str:
    """Classify a send error: 5xx replies are permanent, everything else may pass on retry.

    Connection errors, timeouts and 4xx replies ("451 try again later") are
    transient. An unexpected exception (a bug) is treated as transient too, so
    it ends as *failed* after the retry cap instead of vanishing.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return PERMANENT if codes and all(code >= 500 for code in codes) else TRANSIENT
    if isinstance(error, smtplib.SMTPResponseException):
        return PERMANENT if error.smtp_code >= 500 else TRANSIENT
    return TRANSIENT


def describe_error(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:500]


@dataclass(frozen=True)
class DigestItem:
    kind: str
    kind_label: str
    title: str
    owner: str
    target: str
    window_start: str
    window_end: str
    url: str


def message_id(prefix: str, keys: Iterable[object], from_email: str) -> str:
    """The same keys always give the same Message-ID, so a re-send after a
    crash is recognisable as the same message by receiving servers and clients."""
    digest = hashlib.sha256(",".join(sorted(str(key) for key in keys)).encode()).hexdigest()[:32]
    domain = parseaddr(from_email)[1].rpartition("@")[2] or "ssbtracker.local"
    return f"<{prefix}.{digest}@{domain}>"


def _message(*, subject: str, to: str, template: str, context: dict, headers: dict) -> EmailMultiAlternatives:
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to], headers=headers)
    message.attach_alternative(html, "text/html")
    return message


def unsubscribe_headers(unsubscribe_url: str) -> dict:
    # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" to the URL.
    return {
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def reminder_digest(
    *, to: str, items: list[DigestItem], unsubscribe_url: str, msgid: str, site_url: str
) -> EmailMultiAlternatives:
    count = len(items)
    # Headers are one line: a title typed with a line break must not end the header.
    title = " ".join(items[0].title.split())
    subject = (
        f"SSB Tracker: {title} — {items[0].kind_label.lower()}"
        if count == 1
        else f"SSB Tracker: {count} deadline reminders"
    )
    headers = {"Message-ID": msgid, **unsubscribe_headers(unsubscribe_url)}
    context = {"items": items, "unsubscribe_url": unsubscribe_url, "site_url": site_url}
    return _message(subject=subject, to=to, template="reminder_digest", context=context, headers=headers)


def subscription_confirmation(
    *, to: str, subject_line: str, confirm_url: str, unsubscribe_url: str, kinds: list[str], site_url: str
) -> EmailMultiAlternatives:
    context = {
        "subject_line": subject_line,
        "confirm_url": confirm_url,
        "unsubscribe_url": unsubscribe_url,
        "kinds": kinds,
        "site_url": site_url,
    }
    return _message(
        subject="SSB Tracker: please confirm your reminders",
        to=to,
        template="subscription_confirm",
        context=context,
        headers=unsubscribe_headers(unsubscribe_url),
    )


def editor_digest(
    *, to: str, overdue: list[dict], stale: list[dict], msgid: str, site_url: str
) -> EmailMultiAlternatives:
    context = {"overdue": overdue, "stale": stale, "site_url": site_url}
    subject = f"SSB Tracker: {len(overdue)} overdue, {len(stale)} without new evidence — please verify"
    return _message(
        subject=subject, to=to, template="editor_digest", context=context, headers={"Message-ID": msgid}
    )
