"""What a phrase is read against: the owner's fiscal calendar, the stating date, a bracketed year."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from milestones.domain.targets.spans import Span, TargetError, year

RELATIVE_HINT = "attach the announcement that said it"


class Reading:
    """One parse's context; records whether the stating date or the bracketed year was used."""

    __slots__ = (
        "fiscal_year_start",
        "hint_is_bracketed",
        "phrase",
        "stated_on",
        "used_hint",
        "used_stated_on",
        "year_hint",
    )

    def __init__(
        self,
        *,
        fiscal_year_start: int,
        stated_on: date | None,
        year_hint: int | None,
        phrase: str,
        hint_is_bracketed: bool = True,
    ):
        self.fiscal_year_start = fiscal_year_start
        self.stated_on = stated_on
        self.year_hint = year_hint
        self.phrase = phrase
        # A bracketed year resolves "next year" too; the year a range's first end borrows
        # from its second ("March to May 2027") only completes a part without a year.
        self.hint_is_bracketed = hint_is_bracketed
        self.used_stated_on = False
        self.used_hint = False

    def reference(self) -> date:
        """The stating announcement's publication date, which a relative phrase needs."""
        if self.stated_on is None:
            raise TargetError(f"'{self.phrase}' is relative; {RELATIVE_HINT}")
        self.used_stated_on = True
        return self.stated_on

    def relative_year(self, word: str) -> int:
        """ "this year" / "next year": the bracketed year if given, else counted from the stating date."""
        if self.year_hint is not None and self.hint_is_bracketed:
            self.used_hint = True
            return self.year_hint
        return year(self.reference().year + (1 if word == "next" else 0))

    def implicit_year(self, span_in: Callable[[int], Span]) -> Span:
        """A part of a year named without one ("the fourth quarter", "November"): the bracketed
        year; else the stating year, or the next one when that part of it is already over."""
        if self.year_hint is not None:
            self.used_hint = True
            return span_in(self.year_hint)
        stated_on = self.reference()
        span = span_in(year(stated_on.year))
        return span if span.end >= stated_on else span_in(year(stated_on.year + 1))

    def decade(self) -> int:
        if self.year_hint is not None and self.hint_is_bracketed:
            self.used_hint = True
            return self.year_hint - self.year_hint % 10
        stated_year = self.reference().year
        return stated_year - stated_year % 10

    def fiscal_year_of(self, word: str) -> int:
        """The fiscal year (named by the calendar year it starts in) current on the stating date."""
        if self.year_hint is not None and self.hint_is_bracketed:
            self.used_hint = True
            return self.year_hint
        stated_on = self.reference()
        current = stated_on.year if stated_on.month >= self.fiscal_year_start else stated_on.year - 1
        return year(current + (1 if word == "next" else 0))
