"""Webhooks: endpoints and the events a change writes to their outbox.

Events are written by the services that make the change (``milestone_save``,
``announcement_save``), inside their transaction: one ``WebhookEvent`` with the body as
it will be sent and one ``WebhookDelivery`` per endpoint that wants it. A rolled-back
edit therefore leaves no event, and a committed one cannot lose its deliveries. The send
task is enqueued after commit (``webhook_sender``).

The body's ``data`` is the resource exactly as ``GET`` on the API returns it. The API
owns that representation, so it registers how to render each resource
(:func:`webhook_renderers_register`, called when the app starts) and the core asks for it
without importing a face.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from milestones.domain import webhooks as rules
from milestones.models import (
    Announcement,
    Milestone,
    Organisation,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from milestones.selectors.curation import UnknownOrganisation, organisation_resolve
from milestones.services.queue import task_enqueue
from milestones.services.webhook_http import url_refusal

__all__ = [
    "MilestoneBefore",
    "webhook_endpoint_create",
    "webhook_endpoint_delete",
    "webhook_endpoint_rotate_secret",
    "webhook_endpoint_update",
    "webhook_endpoints_disable",
    "webhook_ping",
    "webhook_redeliver",
    "webhook_renderers_register",
    "webhooks_announcement_created",
    "webhooks_milestone_before",
    "webhooks_milestone_saved",
    "webhooks_overdue_scan",
    "webhooks_send_after_commit",
]

log = logging.getLogger(__name__)
ROTATION_GRACE = timedelta(hours=24)
OVERDUE_LOOKBACK_DAYS = 7  # "just ended": a window that closed up to a week ago (beat was down)
_renderers: dict[str, Callable[[int], dict]] = {}
_FIELDS = ("url", "description", "events", "organisations", "enabled")


def webhook_renderers_register(**renderers: Callable[[int], dict]) -> None:
    """``milestone=…, announcement=…``: each takes a primary key and returns the API's GET body."""
    _renderers.update(renderers)


def _render(resource: str, pk: int) -> dict:
    return _renderers[resource](pk)


# --- endpoints ---------------------------------------------------------------------------


def _events_clean(events: object) -> list[str]:
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        raise ValidationError({"events": "Give a list of event types (empty means all)."})
    unknown = sorted(set(events) - set(rules.EVENT_TYPES))
    if unknown:
        raise ValidationError(
            {"events": f"Unknown event type(s) {', '.join(unknown)}; use {', '.join(rules.EVENT_TYPES)}."}
        )
    return sorted(set(events), key=rules.EVENT_TYPES.index)


def _organisations_clean(names: object) -> list[Organisation]:
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValidationError({"organisations": "Give a list of organisation slugs or aliases."})
    try:
        return [organisation_resolve(name) for name in names]
    except UnknownOrganisation as error:
        raise ValidationError({"organisations": str(error)}) from None


def _apply(endpoint: WebhookEndpoint, data: dict) -> list[Organisation] | None:
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise ValidationError({unknown[0]: "This field is not known or cannot be written."})
    if "url" in data:
        if not isinstance(data["url"], str) or len(data["url"]) > 2000:
            raise ValidationError({"url": "Give the endpoint's URL (at most 2,000 characters)."})
        refusal = url_refusal(data["url"])
        if refusal:
            raise ValidationError({"url": refusal})
        endpoint.url = data["url"]
    if "events" in data:
        endpoint.events = _events_clean(data["events"])
    if "description" in data:
        endpoint.description = str(data["description"] or "")[:500]
    if "enabled" in data:
        if not isinstance(data["enabled"], bool):
            raise ValidationError({"enabled": "Must be true or false."})
        if data["enabled"] and not endpoint.enabled:
            endpoint.failing_since, endpoint.disabled_reason = None, ""
        elif not data["enabled"] and endpoint.enabled:
            endpoint.disabled_reason = "disabled by its owner"
        endpoint.enabled = data["enabled"]
    return _organisations_clean(data["organisations"]) if "organisations" in data else None


@transaction.atomic
def webhook_endpoint_create(*, owner, data: dict, now: datetime | None = None) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its secret (which is shown only now)."""
    now = now or timezone.now()
    if not data.get("url"):
        raise ValidationError({"url": "This field is required."})
    endpoint = WebhookEndpoint(owner=owner, secret=rules.new_secret(), created_at=now, updated_at=now)
    organisations = _apply(endpoint, data)
    endpoint.save()
    if organisations is not None:
        endpoint.organisations.set(organisations)
    return endpoint, endpoint.secret


@transaction.atomic
def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, data: dict, now: datetime | None = None
) -> WebhookEndpoint:
    organisations = _apply(endpoint, data)
    endpoint.updated_at = now or timezone.now()
    endpoint.save()
    if organisations is not None:
        endpoint.organisations.set(organisations)
    return endpoint


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()  # its deliveries and their log go with it


def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, now: datetime | None = None) -> str:
    """A new secret; the old one keeps signing beside it for 24 hours (space-separated signatures)."""
    now = now or timezone.now()
    endpoint.previous_secret, endpoint.secret = endpoint.secret, rules.new_secret()
    endpoint.previous_secret_until, endpoint.updated_at = now + ROTATION_GRACE, now
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until", "updated_at"])
    return endpoint.secret


def webhook_endpoints_disable(
    *, endpoints: QuerySet[WebhookEndpoint], reason: str, now: datetime | None = None
) -> int:
    """Stop sending; pending deliveries wait (they go out if the endpoint is enabled again)."""
    return endpoints.filter(enabled=True).update(
        enabled=False, disabled_reason=reason[:200], updated_at=now or timezone.now()
    )


def webhook_ping(*, endpoint: WebhookEndpoint, now: datetime | None = None) -> WebhookDelivery:
    """A ``ping`` event for this endpoint alone, sent as soon as the transaction commits."""
    now = now or timezone.now()
    data = {"endpoint": endpoint.pk, "url": endpoint.url}
    with transaction.atomic():
        event = _event(rules.PING, data, now=now)
        (delivery,) = _deliveries(event, [endpoint], now)
    return delivery


def webhook_redeliver(*, delivery: WebhookDelivery, now: datetime | None = None) -> WebhookDelivery:
    """Send again now, with the same ``webhook-id``, starting the retry schedule afresh."""
    now = now or timezone.now()
    changes = {"next_attempt_at": now, "updated_at": now}
    if delivery.status != WebhookDelivery.Status.PENDING:
        changes |= {"status": WebhookDelivery.Status.PENDING, "failures": 0}
    # A pending row keeps its claim: a sender holding it finishes first, then it is due at once.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**changes)
    webhooks_send_after_commit()
    delivery.refresh_from_db()
    return delivery


# --- events --------------------------------------------------------------------------------


def _event(event_type: str, data: dict, *, now: datetime, once_key: str | None = None) -> WebhookEvent:
    stamp = now.astimezone(UTC).isoformat().replace("+00:00", "Z")
    body = rules.envelope_body(event_type, stamp, data)
    return WebhookEvent.objects.create(type=event_type, body=body.decode(), once_key=once_key, created_at=now)


def _deliveries(event: WebhookEvent, endpoints: list[WebhookEndpoint], now: datetime) -> list:
    rows = WebhookDelivery.objects.bulk_create(WebhookDelivery.due_now(e, event, now) for e in endpoints)
    webhooks_send_after_commit()
    return rows


def _enqueue_send() -> None:
    """Best effort: with the broker down the deliveries wait in the outbox for the next tick
    (or ``deliver_webhooks``); the change they describe is committed either way."""
    try:
        task_enqueue("webhooks_send")
    except Exception as error:  # kombu raises several kinds of connection errors
        log.warning("webhook deliveries left to the next tick: %s", error)


_enqueue_send.webhooks_send = True  # type: ignore[attr-defined]


def webhooks_send_after_commit() -> None:
    """Enqueue one send task when the transaction commits (one per transaction, however many
    events it wrote: an import of 500 milestones publishes once)."""
    pending = getattr(transaction.get_connection(), "run_on_commit", [])
    if not any(getattr(entry[1], "webhooks_send", False) for entry in pending):
        transaction.on_commit(_enqueue_send, robust=True)


def _listeners(types: Iterable[str]) -> list[WebhookEndpoint]:
    """Enabled endpoints that want any of ``types``, with their organisation filters."""
    wanted = set(types)
    endpoints = WebhookEndpoint.objects.filter(enabled=True).prefetch_related("organisations")
    return [e for e in endpoints if not e.events or wanted & set(e.events)]


def _record(
    event_type: str,
    listeners: list[WebhookEndpoint],
    organisation_ids: set[int],
    data: Callable[[], dict],
    now: datetime,
    once_key: str | None = None,
) -> WebhookEvent | None:
    endpoints = [
        e
        for e in listeners
        if (not e.events or event_type in e.events)
        and (not (orgs := {o.pk for o in e.organisations.all()}) or orgs & organisation_ids)
    ]
    if not endpoints:
        return None
    event = _event(event_type, data(), now=now, once_key=once_key)
    _deliveries(event, endpoints, now)
    return event


@dataclass
class MilestoneBefore:
    """A milestone as stored before a save, read only when some endpoint listens."""

    listeners: list[WebhookEndpoint] = field(default_factory=list)
    row: dict | None = None
    links: tuple[frozenset, frozenset] = (frozenset(), frozenset())


def _links(milestone: Milestone) -> tuple[frozenset, frozenset]:
    return (
        frozenset(milestone.participants.values_list("pk", flat=True)),
        frozenset(milestone.evidence.values_list("pk", flat=True)),
    )


def webhooks_milestone_before(*, milestone: Milestone) -> MilestoneBefore:
    """Call before changing ``milestone`` (after its row lock): one query when nobody listens."""
    listeners = _listeners(rules.MILESTONE_EVENTS)
    if not listeners or milestone.pk is None:
        return MilestoneBefore(listeners)
    row = Milestone.objects.filter(pk=milestone.pk).values().first()
    return MilestoneBefore(listeners, row, _links(milestone))


def _target(row: dict) -> dict:
    return {
        "edtf": row["target_edtf"],
        "text": row["target_text"],
        "display": row["target_display"],
        "start": row["window_start"].isoformat() if row["window_start"] else None,
        "end": row["window_end"].isoformat() if row["window_end"] else None,
        "approximate": row["target_approximate"],
        "open_start": row["target_open_start"],
        "open_end": row["window_end"] is None,
        "relative_to": row["target_relative_to"].isoformat() if row["target_relative_to"] else None,
    }


def _milestone_events(milestone: Milestone, before: MilestoneBefore) -> list[str]:
    row = before.row
    if row is None:
        return ["milestone.created"]
    types = []
    old_end, new_end = row["window_end"], milestone.window_end
    if old_end != new_end and old_end is not None and new_end is not None:
        types.append("milestone.slipped" if new_end > old_end else "milestone.pulled_in")
    if milestone.status == Milestone.Status.ACHIEVED and row["status"] != milestone.status:
        types.append("milestone.achieved")
    if not types:
        now_row = Milestone.objects.filter(pk=milestone.pk).values().first()
        unchanged = {k: v for k, v in row.items() if k != "updated_at"} == {
            k: v for k, v in now_row.items() if k != "updated_at"
        }
        if not (unchanged and before.links == _links(milestone)):
            types.append("milestone.changed")
    return types


def webhooks_milestone_saved(
    *,
    milestone: Milestone,
    before: MilestoneBefore,
    moved_by: Announcement | None = None,
    now: datetime | None = None,
) -> list[WebhookEvent]:
    """Write the events a saved milestone caused: created, slipped or pulled in (with the
    previous target and the announcement that moved it), achieved, else changed."""
    if not before.listeners:
        return []
    now = now or timezone.now()
    organisation_ids = {milestone.owner_id, *milestone.participants.values_list("pk", flat=True)}
    rendered: dict = {}

    def data(event_type: str) -> Callable[[], dict]:
        def build() -> dict:
            if "body" not in rendered:
                rendered["body"] = _render("milestone", milestone.pk)
            body = dict(rendered["body"])
            if event_type in ("milestone.slipped", "milestone.pulled_in"):
                body["previous_target"] = _target(before.row)
                # The moving announcement is evidence by now; its summary as the API shows it.
                found = [a for a in body.get("evidence", []) if moved_by and a["slug"] == moved_by.slug]
                body["moved_by"] = found[0] if found else None
            return body

        return build

    events = [
        _record(event_type, before.listeners, organisation_ids, data(event_type), now)
        for event_type in _milestone_events(milestone, before)
    ]
    return [event for event in events if event]


def webhooks_announcement_created(*, announcement: Announcement, now: datetime | None = None) -> None:
    listeners = _listeners(["announcement.created"])
    if listeners:
        organisation_ids = set(announcement.organisations.values_list("pk", flat=True))
        render = lambda: _render("announcement", announcement.pk)  # noqa: E731
        _record("announcement.created", listeners, organisation_ids, render, now or timezone.now())


def webhooks_overdue_scan(*, now: datetime | None = None) -> int:
    """``milestone.overdue`` once per milestone and target window, for windows that ended in the
    last week and whose milestone is not final; the event's unique key makes re-runs harmless."""
    now = now or timezone.now()
    listeners = _listeners(["milestone.overdue"])
    if not listeners:
        return 0
    today = timezone.localdate(now)
    due = (
        Milestone.objects.exclude(status__in=Milestone.FINAL_STATUSES)
        .filter(window_end__lt=today, window_end__gte=today - timedelta(days=OVERDUE_LOOKBACK_DAYS))
        .values_list("pk", "owner_id", "window_end")
    )
    keys = {f"milestone.overdue:{pk}:{end.isoformat()}": (pk, owner) for pk, owner, end in due}
    written_before = set(WebhookEvent.objects.filter(once_key__in=keys).values_list("once_key", flat=True))
    keys = {key: value for key, value in keys.items() if key not in written_before}
    written = 0
    for key, (pk, owner_id) in keys.items():
        participants = Milestone.participants.through.objects.filter(milestone_id=pk)
        organisation_ids = {owner_id, *participants.values_list("organisation_id", flat=True)}
        render = lambda pk=pk: _render("milestone", pk)  # noqa: E731
        try:
            with transaction.atomic():
                written += bool(_record("milestone.overdue", listeners, organisation_ids, render, now, key))
        except IntegrityError:
            pass  # another scan wrote this one first
    return written
