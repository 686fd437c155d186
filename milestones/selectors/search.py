"""Text search of milestones and announcements: one rule for the search page, the
timeline's ``q`` and the API's ``q``.

A milestone matches when its words (title; target phrase and description) match, or
when the text names its owner or a participant (name or any alias, "宁德时代" is CATL).
An announcement matches by its title and summary, or an organisation involved.

On PostgreSQL the words go through full-text search (``english`` stemming, so
"batteries" finds "battery"; websearch syntax: "quoted phrase", ``or``, ``-word``; the
last word of plain text also matches as a prefix, "Toyo" finds "Toyota") against each
table's ``search_vector`` column, which migration 0009 adds, keeps up to date with a trigger
and indexes with GIN (the weights and stemming live there). The organisation part is a
separate small query on the organisations table whose ids the planner receives as an
array (an InitPlan), so the whole condition stays a BitmapOr of index scans instead of an
OR across a join. On SQLite every part is ``icontains``.
"""

from __future__ import annotations

import re

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery, SearchVectorExact, SearchVectorField
from django.db import connection
from django.db.models import BooleanField, Exists, Expression, F, Func, OuterRef, Q, QuerySet
from django.db.models.expressions import Col

from milestones.models import Announcement, Milestone, Organisation

__all__ = [
    "StoredVector",
    "announcement_text_q",
    "full_text_available",
    "match_query",
    "milestone_text_q",
    "organisation_search_q",
    "search_query",
    "use_full_text",
]

CONFIG = "english"


class StoredVector(Expression):
    """The table's ``search_vector`` column (PostgreSQL only, not a model field): its
    weighted words, kept by a trigger and GIN-indexed (migration 0009 says why)."""

    output_field = SearchVectorField()

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        # The primary key's column tells which alias the searched table has in this query.
        pk = F("pk").resolve_expression(query, allow_joins, reuse, summarize, for_save)
        column = SearchVectorField()
        column.set_attributes_from_name("search_vector")
        return Col(pk.alias, column)


# Plain text (no quotes, no "-word", no "or"): safe to end with a prefix term.
_PLAIN = re.compile(r"[^\W_]+(?:\s+[^\W_]+)*", re.UNICODE)


def full_text_available() -> bool:
    return connection.vendor == "postgresql"


def use_full_text(full_text: bool | None) -> bool:
    return full_text_available() if full_text is None else full_text


def _plain_prefix(text: str) -> SearchQuery | None:
    """For plain words, all of them with the last one also as a prefix; None otherwise."""
    if not _PLAIN.fullmatch(text) or " or " in f" {text.lower()} ":
        return None
    *head, last = text.split(" ")
    # ``last`` is letters and digits only, so the raw to_tsquery syntax cannot break.
    prefix = SearchQuery(f"{last}:*", config=CONFIG, search_type="raw")
    if head:
        prefix = SearchQuery(" ".join(head), config=CONFIG, search_type="websearch") & prefix
    return prefix


def search_query(text: str) -> SearchQuery:
    """The query that ranks: websearch syntax; for plain words the last one also matches
    as a prefix, and a row with the whole word ranks above one with only the prefix."""
    text = " ".join(text.split())
    whole = SearchQuery(text, config=CONFIG, search_type="websearch")
    prefix = _plain_prefix(text)
    return whole if prefix is None else whole | prefix


def match_query(text: str) -> SearchQuery:
    """The query that decides which rows match: the same rows as :func:`search_query`.

    For plain words the prefix form alone: it finds every row the whole words find (a
    stem's prefix matches the stem itself), and one term instead of an ``OR`` of two keeps
    the planner's row estimate true (doubled, it chose sequential scans)."""
    text = " ".join(text.split())
    prefix = _plain_prefix(text)
    return SearchQuery(text, config=CONFIG, search_type="websearch") if prefix is None else prefix


def organisation_search_q(text: str, prefix: str = "") -> Q:
    """Match an organisation by name or any alias (``prefix`` for related lookups)."""
    return Q(**{f"{prefix}name__icontains": text}) | Q(**{f"{prefix}aliases__icontains": text})


def _named_organisations(text: str) -> QuerySet[Organisation]:
    return Organisation.objects.filter(organisation_search_q(text)).order_by().values("pk")


class _AnyOf(Func):
    """``column = ANY(ARRAY(SELECT …))``: the subquery runs once (an InitPlan) and the
    column is matched against its array through the column's own index."""

    arg_joiner = " = ANY("
    template = "%(expressions)s)"
    output_field = BooleanField()


def _any_of(column: str, queryset: QuerySet) -> Q:
    return Q(_AnyOf(F(column), ArraySubquery(queryset)))


def milestone_text_q(text: str, *, full_text: bool | None = None) -> Q:
    """The milestones the text finds (``full_text`` None: whatever the database offers)."""
    participants = Milestone.participants.through.objects.order_by()
    if not use_full_text(full_text):
        named = participants.filter(milestone_id=OuterRef("pk")).filter(
            organisation_search_q(text, prefix="organisation__")
        )
        return (
            Q(title__icontains=text)
            | Q(target_text__icontains=text)
            | Q(description__icontains=text)
            | organisation_search_q(text, prefix="owner__")
            | Q(Exists(named))
        )
    organisations = _named_organisations(text)
    taking_part = participants.filter(_any_of("organisation_id", organisations)).values("milestone_id")
    return (
        Q(SearchVectorExact(StoredVector(), match_query(text)))
        | _any_of("owner_id", organisations)
        | _any_of("id", taking_part)
    )


def announcement_text_q(text: str, *, full_text: bool | None = None) -> Q:
    """The announcements the text finds (``full_text`` None: whatever the database offers)."""
    links = Announcement.organisations.through.objects.order_by()
    if not use_full_text(full_text):
        involved = links.filter(announcement_id=OuterRef("pk")).filter(
            organisation_search_q(text, prefix="organisation__")
        )
        return Q(title__icontains=text) | Q(summary__icontains=text) | Q(Exists(involved))
    involved = links.filter(_any_of("organisation_id", _named_organisations(text))).values("announcement_id")
    return Q(SearchVectorExact(StoredVector(), match_query(text))) | _any_of("id", involved)
