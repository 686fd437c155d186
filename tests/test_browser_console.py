"""No console error, CSP violation or outside request on any page: reader pages, the admin and the API docs.

Each page is opened in Debian's Chromium against a live server with the seed loaded. A request to
any host but the live server is aborted and reported (we promise no CDN and no tracker).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from django.contrib import admin
from django.urls import reverse

from milestones.models import Milestone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

READER_PAGES = [
    "/",
    "/organisations/catl/",
    "/milestones/toyota-first-solid-state-cars-2027-28/",
    "/announcements/china-launches-solid-state-battery-offensive/",
    "/upcoming/",
    "/overdue/",
    "/search/?q=catl",
    "/race/",
    "/methodology/",
    "/subscriptions/",
]
API_PAGES = ["/api/v1/", "/api/v1/docs/", "/api/v1/redoc/", "/api/v1/milestones/"]


class Problems:
    """Console errors (CSP violations are logged as such), uncaught exceptions and failed or outside requests."""

    def __init__(self, context, page) -> None:
        self.found: list[str] = []
        page.on("console", lambda message: message.type == "error" and self.found.append(message.text))
        page.on("pageerror", lambda error: self.found.append(f"uncaught: {error}"))
        page.on("requestfailed", self._failed)
        context.route("**/*", self._only_loopback)

    def _failed(self, request) -> None:
        # ERR_ABORTED is the browser cancelling a request because the page moved on, not a fault.
        if urlparse(request.url).hostname in LOOPBACK and "ERR_ABORTED" not in str(request.failure):
            self.found.append(f"request failed: {request.url} ({request.failure})")

    def _only_loopback(self, route) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlparse(url).hostname in LOOPBACK:
            route.continue_()
            return
        self.found.append(f"outside request: {url}")
        route.abort()

    def on(self, page, path: str) -> list[str]:
        """The problems a visit to ``path`` produced, each prefixed with the path."""
        start = len(self.found)
        response = page.goto(path)
        page.wait_for_load_state("networkidle")
        problems = [f"{path}: {text}" for text in self.found[start:]]
        if response is None or response.status >= 400:
            problems.append(f"{path}: HTTP {response.status if response else 'no response'}")
        return problems


@pytest.fixture
def visit(browser, live_server, seed) -> Iterator:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    problems = Problems(context, page)
    yield lambda path: problems.on(page, path)
    context.close()


@pytest.fixture
def visit_as_superuser(browser, live_server, seed, admin_user, client) -> Iterator:
    client.force_login(admin_user)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    problems = Problems(context, page)
    yield lambda path: problems.on(page, path)
    context.close()


def changelist_paths() -> list[str]:
    return [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]


def test_reader_pages_log_no_error(visit):
    problems = [problem for path in READER_PAGES for problem in visit(path)]
    assert not problems, "\n".join(problems)


def test_admin_login_page_logs_no_error(visit):
    problems = visit("/admin/login/")
    assert not problems, "\n".join(problems)


def test_admin_pages_log_no_error(visit_as_superuser):
    toyota = Milestone.objects.get(slug="toyota-first-solid-state-cars-2027-28")
    milestone = reverse("admin:milestones_milestone_change", args=[toyota.pk])
    paths = ["/admin/", *changelist_paths(), milestone]
    problems = [problem for path in paths for problem in visit_as_superuser(path)]
    assert not problems, "\n".join(problems)


def test_api_root_and_docs_log_no_error(visit_as_superuser):
    problems = [problem for path in API_PAGES for problem in visit_as_superuser(path)]
    assert not problems, "\n".join(problems)


def test_api_root_and_docs_log_no_error_anonymously(visit):
    problems = [problem for path in API_PAGES for problem in visit(path)]
    assert not problems, "\n".join(problems)
