"""``/methodology/``: how the outside view is computed, with one worked example.

The example's numbers are computed on every render from the dates below by the
same domain functions the outside view uses, so the page cannot drift from the
method it describes (tests/test_pages_outlook.py recomputes them by hand).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from milestones.domain import outlook


@dataclass(frozen=True)
class PastClaim:
    """One past claim of the example: stated on a0, first window ending e0, outcome e1."""

    label: str
    outcome: str
    stated_on: date
    first_end: date
    outcome_on: date

    @property
    def slip_days(self) -> int:
        return (self.outcome_on - self.first_end).days

    @property
    def horizon_days(self) -> int:
        return (self.first_end - self.stated_on).days

    @property
    def ratio(self) -> float | None:
        return outlook.slip_ratio(
            stated_on=self.stated_on, first_end=self.first_end, outcome_on=self.outcome_on
        )


EXAMPLE_CLAIMS = (
    PastClaim("Pilot line", "achieved", date(2015, 6, 1), date(2020, 12, 31), date(2022, 6, 30)),
    PastClaim("Sample cells", "achieved", date(2017, 3, 10), date(2020, 12, 31), date(2024, 3, 31)),
    PastClaim("Supply deal", "achieved early", date(2018, 9, 1), date(2021, 12, 31), date(2021, 10, 15)),
    PastClaim("Test fleet", "open: a lower bound", date(2019, 1, 20), date(2022, 12, 31), date(2025, 12, 31)),
    PastClaim("Second plant", "achieved on the day", date(2020, 5, 5), date(2023, 6, 30), date(2023, 6, 30)),
    PastClaim("B-sample", "achieved", date(2021, 2, 1), date(2024, 12, 31), date(2026, 3, 31)),
)
EXAMPLE_STATED_ON = date(2025, 1, 15)
EXAMPLE_WINDOW_END = date(2027, 12, 31)


@dataclass(frozen=True)
class Forecast:
    ratios: list[float]
    sorted_ratios: list[float]
    median: float
    p80_ratio: float
    horizon_days: int
    p50_days: float
    p80_days: float
    p50: date
    p80: date


def worked_example() -> Forecast:
    ratios = [claim.ratio for claim in EXAMPLE_CLAIMS]
    median = statistics.median(ratios)
    p80_ratio = outlook.p80(ratios)
    horizon = (EXAMPLE_WINDOW_END - EXAMPLE_STATED_ON).days
    return Forecast(
        ratios=ratios,
        sorted_ratios=sorted(ratios),
        median=median,
        p80_ratio=p80_ratio,
        horizon_days=horizon,
        p50_days=horizon * median,
        p80_days=horizon * p80_ratio,
        p50=outlook.stretch(stated_on=EXAMPLE_STATED_ON, window_end=EXAMPLE_WINDOW_END, ratio=median),
        p80=outlook.stretch(stated_on=EXAMPLE_STATED_ON, window_end=EXAMPLE_WINDOW_END, ratio=p80_ratio),
    )


@require_safe
def methodology(request: HttpRequest) -> HttpResponse:
    context = {
        "claims": EXAMPLE_CLAIMS,
        "example": worked_example(),
        "stated_on": EXAMPLE_STATED_ON,
        "window_end": EXAMPLE_WINDOW_END,
        "min_horizon_days": outlook.MIN_HORIZON_DAYS,
        "min_claims": outlook.MIN_CLASS_SIZE,
    }
    return render(request, "milestones/methodology.html", context)
