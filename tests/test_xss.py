"""A corpus of script-injection payloads in every curated text field: no page,
feed, email, API response or admin screen lets one run."""

from __future__ import annotations

import csv
import html
import io
import re
import xml.etree.ElementTree as ET

import feedparser
import icalendar
import pytest
from django.urls import reverse

from milestones import mail
from milestones.models import Announcement, Milestone, Organisation
from milestones.selectors.exports import MILESTONE_COLUMNS
from tests.xss import payloads, script_injections, seed_payloads

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(db) -> list[str]:
    return seed_payloads()


def test_corpus_has_at_least_100_payloads():
    assert len(payloads()) >= 100


def visible(page: str, payload: str) -> bool:
    """The payload is shown as text (so the page really rendered it)."""
    return payload.strip()[:40] in html.unescape(page)


def reader_urls() -> list[str]:
    urls = [
        "/",
        "/?lanes=region",
        "/?lanes=category",
        "/embed/",
        "/upcoming/",
        "/overdue/",
        "/race/",
        "/search/?q=script",
        "/search/?q=img",
    ]
    for i in (0, 8, 16, 24, 52, 72, 85, 87, 110):
        urls += [f"/milestones/xss-ms-{i}/", f"/organisations/xss-org-{i}/", f"/announcements/xss-ann-{i}/"]
    return urls


def test_reader_pages_escape_every_payload(client, corpus):
    for url in reader_urls():
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert script_injections(page) == [], url
    page = client.get("/milestones/xss-ms-8/").content.decode()
    assert visible(page, corpus[8])


def test_timeline_shows_all_payload_milestones_as_text(client, corpus):
    page = client.get("/").content.decode()
    assert script_injections(page) == []
    shown = sum(visible(page, p) for p in corpus)
    assert shown >= len(corpus) * 0.9  # all but those whose text is only whitespace-folded


def test_admin_screens_escape_every_payload(admin_client, corpus):
    urls = [
        reverse(f"admin:milestones_{m}_changelist")
        for m in ("milestone", "organisation", "announcement", "relation", "person", "publisher")
    ]
    urls += [reverse("admin:milestones_milestone_change", args=[m.pk]) for m in Milestone.objects.all()[:15]]
    urls += [
        reverse("admin:milestones_announcement_change", args=[a.pk]) for a in Announcement.objects.all()[:15]
    ]
    urls += [
        reverse("admin:milestones_organisation_change", args=[o.pk]) for o in Organisation.objects.all()[:15]
    ]
    for url in urls:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert script_injections(response.content.decode()) == [], url


def test_api_json_carries_payloads_as_data_and_browsable_api_escapes(client, corpus):
    response = client.get("/api/v1/milestones/?page_size=200")
    assert response["Content-Type"].startswith("application/json")
    titles = {m["title"] for m in response.json()["results"]}
    assert corpus[8][:300] in titles
    for url in (
        "/api/v1/milestones/?format=api",
        "/api/v1/announcements/?format=api",
        "/api/v1/organisations/?format=api",
        "/api/v1/milestones/xss-ms-8/?format=api",
    ):
        page = client.get(url, HTTP_ACCEPT="text/html").content.decode()
        assert script_injections(page) == [], url


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def test_api_csv_is_plain_text_with_no_cell_a_spreadsheet_would_run(client, corpus):
    response = client.get("/api/v1/milestones/?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) > len(corpus) // 2
    assert not [cell for row in rows for cell in row if cell.startswith(FORMULA_START)]


@pytest.mark.parametrize(("model", "columns"), [("milestone", MILESTONE_COLUMNS), ("announcement", None)])
def test_admin_csv_exports_have_no_cell_a_spreadsheet_would_run(admin_client, corpus, model, columns):
    form = {"format": "0", "resource": "0"}
    if columns:
        form |= {f"{model}resource_{c}": "on" for c in columns}
    else:  # every field the export form offers
        page = admin_client.get(reverse(f"admin:milestones_{model}_export")).content.decode()
        form |= {name: "on" for name in set(re.findall(rf'name="({model}resource_[a-z_]+)"', page))}
    response = admin_client.post(reverse(f"admin:milestones_{model}_export"), form)
    assert response.status_code == 200, response.content[:300]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) > len(corpus) // 2
    assert not [cell for row in rows for cell in row if cell.startswith(FORMULA_START)]


def test_ical_feeds_keep_payloads_inside_their_properties(client, corpus):
    for url in ("/feeds/timeline.ics", "/organisations/xss-org-82/calendar.ics"):
        response = client.get(url)
        calendar = icalendar.Calendar.from_ical(response.content)
        events = list(calendar.walk("VEVENT"))
        assert len(events) == (len(corpus) if url.startswith("/feeds") else 1)
        lines = response.content.replace(b"\r\n ", b"").split(b"\r\n")  # unfolded content lines
        assert not [line for line in lines if line.startswith(b"X-INJECTED")]
        assert not any("X-INJECTED" in event for event in events)


def test_atom_feeds_are_well_formed_and_carry_payloads_as_text(client, corpus):
    for url in ("/feeds/announcements.atom", "/feeds/changes.atom"):
        response = client.get(url)
        root = ET.fromstring(response.content)  # well-formed XML despite "]]>" and "</entry>" payloads
        tags = {element.tag.rsplit("}", 1)[-1] for element in root.iter()}
        assert not tags & {"script", "img", "svg", "iframe"}, url
        summaries = [e for e in root.iter() if e.tag.endswith("summary")]
        assert {e.get("type") for e in summaries} <= {"text"}, url
        assert summaries or "changes" in url  # the corpus moves no target
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, url
        assert all(entry.title != "injected 86" for entry in parsed.entries)


def test_emails_escape_payloads_in_html_and_keep_headers_single_line(corpus):
    items = [
        mail.DigestItem(
            kind="deadline",
            kind_label="Deadline day",
            title=p,
            owner=p,
            target="2027",
            window_start="2027-01-01",
            window_end="2027-12-31",
            url="https://ssb.example/m/",
        )
        for p in corpus
    ]
    message = mail.reminder_digest(
        to="reader@example.com",
        items=items[:1] + items,
        unsubscribe_url="https://ssb.example/u/",
        msgid="<x@ssb.example>",
        site_url="https://ssb.example",
    )
    html_body = (
        message.alternatives[0][0]
        if hasattr(message.alternatives[0], "__getitem__")
        else message.alternatives[0].content
    )
    assert script_injections(html_body) == []
    assert visible(html_body, corpus[8])
    raw = message.message().as_string()  # would raise BadHeaderError on a newline in a header
    assert "\nX-INJECTED" not in raw.split("\n\n", 1)[0]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_payload_runs_in_a_real_browser(browser, live_server):
    seed_payloads(limit=60)
    # bypass_csp: the Content-Security-Policy would stop inline handlers anyway; this
    # checks the escaping underneath it, so neither layer depends on the other.
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, base_url=live_server.url, bypass_csp=True
    )
    # Any payload that executes calls window.__xss(n); dialogs would show up too.
    context.add_init_script("window.__xssHits = []; window.__xss = (n) => window.__xssHits.push(n);")
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    hits: list[tuple[str, list]] = []
    for url in [
        "/",
        "/embed/",
        "/race/",
        "/upcoming/",
        "/search/?q=img",
        "/milestones/xss-ms-8/",
        "/organisations/xss-org-16/",
        "/announcements/xss-ann-24/",
        "/milestones/xss-ms-52/",
    ]:
        page.goto(url)
        for bar in page.locator("a.tl-bar").all():  # hover and focus cards render our own JS
            bar.dispatch_event("mouseover")
            bar.focus()
        page.wait_for_timeout(300)  # onerror/onload handlers fire after a failed load
        found = page.evaluate("window.__xssHits")
        if found:
            hits.append((url, found))
    context.close()
    assert hits == [] and dialogs == []
