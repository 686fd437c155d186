"""Cheap per-row look-ups for pages that draw thousands of rows (the timeline, calendars).

``reverse()``, ``get_language()`` and ``get_script_prefix()`` each cost tens of
microseconds (the last two read request-local state); a 2,000-milestone timeline
needs them several times per row. A :class:`Rows` is made once per page (or lane):
it reverses each route once with a placeholder slug and turns each choice's lazy
labels into text once, in the request's language and script prefix.
"""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.translation import get_language

from milestones.http import RouteLinks

_labels: dict[tuple[type, str | None], dict[str, str]] = {}


class Rows:
    __slots__ = ("_labels", "_routes")

    def __init__(self) -> None:
        self._routes = RouteLinks()
        self._labels: dict[type, dict[str, str]] = {}

    def url(self, route: str, slug: str) -> str:
        """``reverse(route, kwargs={"slug": slug})``, as a model's ``get_absolute_url()`` gives it."""
        return self._routes.url(route, slug)

    def label(self, choices: type[TextChoices], value: str) -> str:
        """The display label of ``value`` (``get_FOO_display()``) as text."""
        found = self._labels.get(choices)
        if found is None:
            found = self._labels[choices] = _choice_labels(choices)
        return found.get(value, value)


def _choice_labels(choices: type[TextChoices]) -> dict[str, str]:
    key = (choices, get_language())
    found = _labels.get(key)
    if found is None:
        found = _labels[key] = {choice: str(text) for choice, text in choices.choices}
    return found
