"""The XSS corpus, data seeded with it, and a checker for rendered HTML."""

from __future__ import annotations

import html
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

from milestones import services
from milestones.models import Announcement, Organisation, Person, Publisher, Quote, Relation

CORPUS = Path(__file__).parent / "data" / "xss_payloads.txt"
_ESCAPES = {"\\r": "\r", "\\n": "\n", "\\0": ""}  # NUL bytes cannot be stored; refused elsewhere


def payloads() -> list[str]:
    lines = [
        line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")
    ]
    return [re.sub(r"\\[rn0]", lambda m: _ESCAPES[m.group()], line) for line in lines]


def seed_payloads(limit: int | None = None) -> list[str]:
    """Put every payload into every curated text field that reaches readers."""
    corpus = payloads()[:limit]
    publisher = Publisher.objects.create(name=corpus[0][:200], slug="xss-publisher")
    hub = Organisation.objects.create(name="Hub", slug="xss-hub", kind="consortium", country="CN")
    for i, payload in enumerate(corpus):
        org = Organisation.objects.create(
            name=f"{payload[:180]} #{i}",
            slug=f"xss-org-{i}",
            kind="battery_maker",
            country="JP",
            aliases=payload,
            description=payload,
            founded=payload[:60],
        )
        Relation.objects.create(source=org, target=hub, kind="member_of", role=payload[:120], note=payload)
        person = Person.objects.create(
            name=payload[:200], slug=f"xss-person-{i}", title=payload[:200], affiliation=org
        )
        announcement = Announcement.objects.create(
            title=payload[:300],
            slug=f"xss-ann-{i}",
            published_on=date(2025, 1, 1 + i % 28),
            publisher=publisher,
            url=f"https://news.example/xss/{i}",
            summary=payload,
            original_source=publisher,
        )
        announcement.organisations.add(org)
        Quote.objects.create(announcement=announcement, speaker=person, text=payload, occasion=payload[:300])
        milestone = services.milestone_save(
            data={
                "owner": org,
                "title": f"Milestone {i}",
                "slug": f"xss-ms-{i}",
                "category": "pilot_line",
                "description": payload,
                "target_text": ["2027", "by 2030", "around 2029", "H2 2026", "FY2028"][i % 5],
                "participants": [hub],
                "evidence": [announcement],
            },
        )
        # Straight into the row: a title with line breaks is refused by the services now,
        # but rows stored before that rule (and history) still hold such text.
        type(milestone).objects.filter(pk=milestone.pk).update(title=payload[:300])
    return corpus


_URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "background",
    "poster",
    "srcdoc",
}
_DANGEROUS_TAGS = {
    "iframe",
    "object",
    "embed",
    "base",
    "frameset",
    "frame",
    "portal",
    "meta",
    "isindex",
    "keygen",
}
_ALLOWED_META = {"charset", "name", "http-equiv:content-type"}


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = html.unescape(value or "")
            compact = re.sub(r"[\s\x00-\x1f]+", "", value).lower()
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> event handler")
            if name in _URL_ATTRIBUTES and compact.startswith(("javascript:", "vbscript:", "data:text/html")):
                self.problems.append(f"<{tag} {name}={value[:40]!r}> script URL")
            if name == "style" and ("expression(" in compact or "javascript:" in compact):
                self.problems.append(f"<{tag} style> script in CSS")
        if tag == "meta":
            names = {n for n, _ in attrs}
            if "http-equiv" in names and dict(attrs).get("http-equiv", "").lower() == "refresh":
                self.problems.append("<meta http-equiv=refresh>")
        elif tag in _DANGEROUS_TAGS:
            self.problems.append(f"<{tag}> element")
        if tag == "script":
            self._in_script = True
            src = dict(attrs).get("src")
            if src and (not src.startswith("/") or src.startswith("//")):
                self.problems.append(f"<script src={src!r}> from elsewhere")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and "__xss" in data:
            self.problems.append(f"inline script carrying a payload: {data[:60]!r}")


def script_injections(page: str) -> list[str]:
    """What in this page could run a payload (empty when the page is safe)."""
    checker = _Checker()
    checker.feed(page)
    checker.close()
    return checker.problems
