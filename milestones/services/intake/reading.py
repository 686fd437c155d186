"""From pasted text or HTML to proposals: extract the article, ask the pure reader, flag
what is already recorded. Reads only."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from milestones.domain.intake import Article, Proposals, propose
from milestones.domain.text import printable
from milestones.selectors.intake import IntakeDuplicate, intake_duplicates, intake_knowledge

__all__ = ["IntakeReading", "intake_article_text", "intake_propose", "looks_like_html"]

# A page's markup, not prose that happens to contain "<": a tag the extractor needs to skip.
_HTML = re.compile(r"<\s*(?:!doctype|html|head|body|article|main|div|p|section|span|h[1-6])\b", re.I)


@dataclass(frozen=True)
class IntakeReading:
    """What the assistant read: the proposals, the text they were read from, the records the
    announcement may duplicate and any notes (which date it used, what the page said)."""

    proposals: Proposals
    text: str
    duplicates: list[IntakeDuplicate] = field(default_factory=list)
    notes: tuple[str, ...] = ()


def looks_like_html(text: str) -> bool:
    return bool(_HTML.search(text[:5000]))


@dataclass(frozen=True)
class _Extracted:
    text: str
    title: str = ""
    url: str = ""
    published_on: date | None = None
    publisher: str = ""


def _extract(html: str) -> _Extracted:
    """The article's main text and metadata, by trafilatura (boilerplate, menus and scripts
    dropped); when it finds no main text (a fragment), every text node of the markup."""
    import lxml.html
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_recall=True) or ""
    if not text.strip():
        document = lxml.html.fromstring(html)
        for node in document.xpath("//script|//style|//noscript"):
            node.drop_tree()
        text = "\n".join(part.strip() for part in document.itertext() if part.strip())
    metadata = trafilatura.extract_metadata(html)
    published_on = None
    if metadata is not None and metadata.date:
        try:
            published_on = date.fromisoformat(metadata.date[:10])
        except ValueError:
            published_on = None
    return _Extracted(
        text=text,
        title=(metadata.title or "") if metadata else "",
        url=(metadata.url or "") if metadata else "",
        published_on=published_on,
        publisher=(metadata.sitename or "") if metadata else "",
    )


def intake_article_text(*, text: str) -> str:
    """The plain text of a pasted article: HTML is extracted, plain text kept as it is."""
    return _extract(text).text if looks_like_html(text) else text


def intake_propose(
    *,
    text: str,
    url: str = "",
    published_on: date | None = None,
    publisher: str = "",
    title: str = "",
    include_third_party: bool = False,
) -> IntakeReading:
    """Propose the records ``text`` supports (plain text or a page's HTML); nothing is written.

    What the form leaves blank is taken from the page's metadata when the text is HTML."""
    notes: list[str] = []
    # Pasted text may carry invisible control characters; they are never worth reading or storing.
    text = unicodedata.normalize("NFC", printable(text.replace("\r\n", "\n").replace("\r", "\n")))
    if looks_like_html(text):
        page = _extract(text)
        text = page.text
        filled = {
            "title": (title, page.title),
            "URL": (url, page.url),
            "publisher": (publisher, page.publisher),
            "date": (published_on, page.published_on),
        }
        notes += [
            f"The {name} was taken from the page: {found}."
            for name, (given, found) in filled.items()
            if not given and found
        ]
        title, url = title or page.title, url or page.url
        publisher, published_on = publisher or page.publisher, published_on or page.published_on
    article = Article(text=text, url=url, published_on=published_on, publisher=publisher, title=title)
    proposals = propose(article, intake_knowledge(), include_third_party=include_third_party)
    found = proposals.announcement
    duplicates = intake_duplicates(
        url=found.url or url, title=found.title or title, published_on=found.published_on or published_on
    )
    for duplicate in duplicates:
        record = duplicate.announcement
        why = "the same URL" if duplicate.reason == "url" else "a near-identical title"
        notes.append(
            f"Possible duplicate ({why}): “{record.title}” ({record.publisher}, {record.published_on})."
        )
    return IntakeReading(
        proposals=proposals, text=text, duplicates=duplicates, notes=(*notes, *proposals.notes)
    )
