"""The outside view: how late a claim will be, judged by how comparable past claims turned out.

Reference class forecasting (Flyvbjerg). Each past claim gives a slip ratio
r = (e1 − e0) / (e0 − a0): a0 the day the claim was first stated, e0 the end of its first
window, e1 its outcome (the day it was achieved; for a claim still open, its current window
end or today, whichever is later: a lower bound). An open milestone whose current target was
stated on a with window end e is then forecast as e + (e − a) × median(r) (P50) and
e + (e − a) × the 80th percentile of r (P80), the ratios coming from the owner's other
claims, else the category's, else all claims, whichever first has enough of them.

Pure: plain dates in, plain dataclasses out. The selectors read the facts from the database.
"""

from __future__ import annotations

import bisect
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

# Statuses as the models spell them (the domain imports no models).
ACHIEVED = "achieved"
MISSED_OR_CANCELLED = frozenset({"missed", "cancelled"})
FINAL = frozenset({ACHIEVED, *MISSED_OR_CANCELLED})

MIN_HORIZON_DAYS = 90  # a first horizon shorter than this says little about planning optimism
MIN_CLASS_SIZE = 5  # fewer ratios than this and the page says "not enough history"

NOT_ENOUGH_HISTORY = "not enough history"
FINAL_REASON = "final"
NOT_STATED = "not stated yet"
STATED_AFTER_WINDOW = "stated after its window ended"
OPEN_ENDED = "open-ended: no end to stretch"
REASONS = (NOT_ENOUGH_HISTORY, FINAL_REASON, NOT_STATED, STATED_AFTER_WINDOW, OPEN_ENDED)

NOTE_ACHIEVED = "achieved"
NOTE_OPEN = "open: lower bound"
NOTE_SHORT = "first horizon under 90 days"

ALL_LABEL = "all claims"


@dataclass(frozen=True)
class ReferenceClass:
    kind: str  # "owner" | "category" | "all"
    key: str  # owner slug | category value | "all"
    label: str  # "Toyota" | "Vehicle launch" | "all claims"


@dataclass(frozen=True)
class OutsideView:
    p50: date
    p80: date
    n: int  # ratios in the reference class
    reference_class: ReferenceClass
    stated_on: date  # a: when the current target was stated
    window_end: date  # e: the current window's end


@dataclass(frozen=True)
class NoOutsideView:
    reason: str  # one of REASONS


@dataclass(frozen=True)
class ClaimOutcome:
    milestone_id: int
    slug: str
    title: str
    owner_id: int
    category: str
    stated_on: date  # a0
    first_end: date | None  # e0; None when first stated open-ended
    outcome_on: date | None  # e1; None for missed and cancelled claims
    status: str
    ratio: float | None  # None when left out (missed/cancelled, short horizon)
    note: str  # why left out, or "open: lower bound" / "achieved"


@dataclass(frozen=True)
class SlipRecord:
    outcomes: list[ClaimOutcome]  # the organisation's claims
    ratios: list[float]
    on_time_rate: float | None  # achieved with e1 <= e0, over judged claims
    miss_rate: float | None  # missed + cancelled over all its claims


@dataclass(frozen=True)
class Claim:
    """A milestone's facts as known on one day: what the selectors read, one row per milestone."""

    milestone_id: int
    slug: str
    title: str
    owner_id: int
    owner_slug: str
    owner_name: str
    category: str
    category_label: str
    first_stated_on: date  # a0: the first revision's effective day
    first_end: date | None  # e0: the first window's end (None: open-ended)
    stated_on: date  # a: the latest revision's effective day
    window_end: date | None  # e: the current window's end (None: open-ended)
    status: str
    achieved_on: date | None

    def achieved_by(self, today: date) -> bool:
        return self.status == ACHIEVED and self.achieved_on is not None and self.achieved_on <= today

    def is_final(self, today: date) -> bool:
        """Missed, cancelled, or achieved by ``today`` (a date achieved later is still open then)."""
        return self.status in MISSED_OR_CANCELLED or self.achieved_by(today)


def slip_ratio(*, stated_on: date, first_end: date | None, outcome_on: date) -> float | None:
    """(e1 − e0) / (e0 − a0); None when the first horizon is under 90 days or had no end."""
    if first_end is None:
        return None
    horizon = (first_end - stated_on).days
    if horizon < MIN_HORIZON_DAYS:
        return None
    return (outcome_on - first_end).days / horizon


def claim_outcome(claim: Claim, *, today: date) -> ClaimOutcome:
    """How one claim turned out by ``today``, with its ratio or why it has none."""
    outcome_on: date | None
    # Achieved on a later day: as of ``today`` it was still an open claim.
    status = "announced" if claim.status == ACHIEVED and not claim.achieved_by(today) else claim.status
    if claim.status in MISSED_OR_CANCELLED:
        outcome_on, note = None, claim.status
    elif claim.achieved_by(today):
        outcome_on, note = claim.achieved_on, NOTE_ACHIEVED
    else:
        # Still open: it is at least this late, and may be later still.
        outcome_on, note = max(claim.window_end or today, today), NOTE_OPEN
    ratio = None
    if outcome_on is not None:
        ratio = slip_ratio(stated_on=claim.first_stated_on, first_end=claim.first_end, outcome_on=outcome_on)
        if ratio is None:
            note = NOTE_SHORT
    return ClaimOutcome(
        milestone_id=claim.milestone_id,
        slug=claim.slug,
        title=claim.title,
        owner_id=claim.owner_id,
        category=claim.category,
        stated_on=claim.first_stated_on,
        first_end=claim.first_end,
        outcome_on=outcome_on,
        status=status,
        ratio=ratio,
        note=note,
    )


def p80(ratios: list[float]) -> float:
    """The 80th percentile as the method states it: ``quantiles(n=5, method="inclusive")[3]``."""
    if len(ratios) == 1:
        return ratios[0]
    return statistics.quantiles(ratios, n=5, method="inclusive")[3]


def stretch(*, stated_on: date, window_end: date, ratio: float) -> date:
    """e + (e − a) × ratio, to the nearest day (halves to even, as ``round`` does); a date past
    the calendar's end (a target near year 9999) stays at its last day."""
    days = round((window_end - stated_on).days * ratio)
    if days > (date.max - window_end).days:
        return date.max
    return window_end + timedelta(days=days)


class ReferenceClasses:
    """Every claim's ratio grouped by owner, by category and all together, built once for a
    batch of forecasts; a milestone's own ratio is left out of the class it is judged by.

    Each group keeps its ratios sorted, so leaving one out is a copy and a bisect rather than a
    scan, and the median and P80 are computed once per (group, ratio left out): a timeline of
    thousands of milestones in one class costs milliseconds, not a quadratic loop."""

    def __init__(self, claims: Iterable[Claim], *, today: date) -> None:
        self.today = today
        members: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
        for claim in claims:
            ratio = claim_outcome(claim, today=today).ratio
            if ratio is not None:
                for group in (("owner", claim.owner_slug), ("category", claim.category), ("all", "all")):
                    members[group][claim.milestone_id] = ratio
        self.members = dict(members)
        self.ordered = {group: sorted(ratios.values()) for group, ratios in self.members.items()}
        self._stretches: dict[tuple, tuple[float, float]] = {}

    def _others(self, group: tuple[str, str], claim: Claim) -> list[float]:
        ordered = self.ordered.get(group, [])
        own = self.members.get(group, {}).get(claim.milestone_id)
        if own is None:
            return ordered
        others = ordered.copy()
        del others[bisect.bisect_left(others, own)]
        return others

    def ratios_for(self, claim: Claim) -> tuple[ReferenceClass, list[float]] | None:
        """The first class with enough ratios besides the claim's own: owner, category, all."""
        candidates = (
            ReferenceClass("owner", claim.owner_slug, claim.owner_name),
            ReferenceClass("category", claim.category, claim.category_label),
            ReferenceClass("all", "all", ALL_LABEL),
        )
        for reference_class in candidates:
            group = (reference_class.kind, reference_class.key)
            own_ratio = self.members.get(group, {}).get(claim.milestone_id)
            if len(self.ordered.get(group, [])) - (own_ratio is not None) >= MIN_CLASS_SIZE:
                return reference_class, self._others(group, claim)
        return None

    def outside_view(self, claim: Claim | None) -> OutsideView | NoOutsideView:
        if claim is None:
            return NoOutsideView(NOT_STATED)
        if claim.is_final(self.today):
            return NoOutsideView(FINAL_REASON)
        if claim.window_end is None:
            return NoOutsideView(OPEN_ENDED)
        if claim.window_end <= claim.stated_on:
            return NoOutsideView(STATED_AFTER_WINDOW)
        found = self.ratios_for(claim)
        if found is None:
            return NoOutsideView(NOT_ENOUGH_HISTORY)
        reference_class, ratios = found
        group = (reference_class.kind, reference_class.key)
        key = (group, self.members[group].get(claim.milestone_id))
        if key not in self._stretches:
            self._stretches[key] = (statistics.median(ratios), p80(ratios))
        return forecast(claim, reference_class, len(ratios), *self._stretches[key])


def forecast(
    claim: Claim, reference_class: ReferenceClass, n: int, median: float, eightieth: float
) -> OutsideView:
    """P50 and P80 end dates for an open claim from its reference class's median and P80 ratios."""
    return OutsideView(
        p50=stretch(stated_on=claim.stated_on, window_end=claim.window_end, ratio=median),
        p80=stretch(stated_on=claim.stated_on, window_end=claim.window_end, ratio=eightieth),
        n=n,
        reference_class=reference_class,
        stated_on=claim.stated_on,
        window_end=claim.window_end,
    )


def slip_record(claims: Iterable[Claim], *, today: date) -> SlipRecord:
    """One organisation's outcomes, ratios, on-time rate and miss rate.

    On time: achieved by the first window's end. Judged: every claim whose on-time question
    is settled: final ones, and open ones whose first window has already ended."""
    outcomes = sorted(
        (claim_outcome(claim, today=today) for claim in claims),
        key=lambda outcome: (outcome.stated_on, outcome.slug),
    )
    on_time = sum(
        1
        for o in outcomes
        if o.status == ACHIEVED
        and o.outcome_on is not None
        and (o.first_end is None or o.outcome_on <= o.first_end)
    )
    judged = sum(
        1 for o in outcomes if o.status in FINAL or (o.first_end is not None and o.first_end < today)
    )
    missed = sum(1 for o in outcomes if o.status in MISSED_OR_CANCELLED)
    return SlipRecord(
        outcomes=outcomes,
        ratios=[o.ratio for o in outcomes if o.ratio is not None],
        on_time_rate=on_time / judged if judged else None,
        miss_rate=missed / len(outcomes) if outcomes else None,
    )
