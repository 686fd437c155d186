"""The target-date parser: every phrase of DESIGN.md, EDTF, fiscal years and refusals."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from milestones.domain.targets import ACCEPTED_FORMS, TargetError, parse_target

ANNOUNCED = date(2025, 2, 13)

# (text, fiscal start month, edtf, start, end, display) — DESIGN.md's table, row by row.
DESIGN_TABLE = [
    ("2030", 1, "2030", date(2030, 1, 1), date(2030, 12, 31), "2030"),
    ("in 2030", 1, "2030", date(2030, 1, 1), date(2030, 12, 31), "2030"),
    ("by 2030", 1, "../2030", ANNOUNCED, date(2030, 12, 31), "by 2030"),
    ("no later than 2030", 1, "../2030", ANNOUNCED, date(2030, 12, 31), "by 2030"),
    ("around 2030", 1, "2030~", date(2030, 1, 1), date(2030, 12, 31), "around 2030"),
    ("circa 2030", 1, "2030~", date(2030, 1, 1), date(2030, 12, 31), "around 2030"),
    ("2027/28", 1, "2027/2028", date(2027, 1, 1), date(2028, 12, 31), "2027/28"),
    ("2027-28", 1, "2027/2028", date(2027, 1, 1), date(2028, 12, 31), "2027/28"),
    ("2027 or 2028", 1, "2027/2028", date(2027, 1, 1), date(2028, 12, 31), "2027/28"),
    ("FY2028", 4, "2028-04/2029-03", date(2028, 4, 1), date(2029, 3, 31), "FY2028"),
    ("fiscal 2028", 4, "2028-04/2029-03", date(2028, 4, 1), date(2029, 3, 31), "FY2028"),
    ("H2 2026", 1, "2026-41", date(2026, 7, 1), date(2026, 12, 31), "H2 2026"),
    ("second half of 2026", 1, "2026-41", date(2026, 7, 1), date(2026, 12, 31), "H2 2026"),
    ("Q3 2027", 1, "2027-35", date(2027, 7, 1), date(2027, 9, 30), "Q3 2027"),
    ("early 2027", 1, "2027-37", date(2027, 1, 1), date(2027, 4, 30), "early 2027"),
    ("mid 2027", 1, "2027-38", date(2027, 5, 1), date(2027, 8, 31), "mid 2027"),
    ("late 2027", 1, "2027-39", date(2027, 9, 1), date(2027, 12, 31), "late 2027"),
    ("end of 2025", 1, "2025-36", date(2025, 10, 1), date(2025, 12, 31), "end of 2025"),
    ("March 2027", 1, "2027-03", date(2027, 3, 1), date(2027, 3, 31), "March 2027"),
    ("2027-03-15", 1, "2027-03-15", date(2027, 3, 15), date(2027, 3, 15), "15 March 2027"),
]


@pytest.mark.parametrize(("text", "fiscal", "edtf", "start", "end", "display"), DESIGN_TABLE)
def test_design_table_row(text, fiscal, edtf, start, end, display):
    target = parse_target(text, fiscal_year_start=fiscal, opened_on=ANNOUNCED)
    assert (target.edtf, target.start, target.end, target.display) == (edtf, start, end, display)
    assert target.text == text


def test_fy2028_uses_april_fiscal_year():
    target = parse_target("FY2028", fiscal_year_start=4)
    assert (target.start, target.end) == (date(2028, 4, 1), date(2029, 3, 31))


def test_fy2028_with_calendar_fiscal_year_is_the_calendar_year():
    target = parse_target("FY2028", fiscal_year_start=1)
    assert (target.edtf, target.start, target.end) == ("2028", date(2028, 1, 1), date(2028, 12, 31))


def test_fiscal_year_starting_in_march_ends_on_leap_day():
    target = parse_target("FY2027", fiscal_year_start=3)
    assert target.end == date(2028, 2, 29)


def test_source_wording_of_nissan_is_understood():
    target = parse_target("the 2028 financial year", fiscal_year_start=4)
    assert (target.display, target.start, target.end) == ("FY2028", date(2028, 4, 1), date(2029, 3, 31))


@pytest.mark.parametrize("text", ["  H2   2026 ", "h2 2026", "SECOND HALF OF 2026", "Second half of 2026."])
def test_phrases_are_case_and_whitespace_insensitive(text):
    target = parse_target(text)
    assert (target.start, target.end) == (date(2026, 7, 1), date(2026, 12, 31))
    assert target.text == text.strip()


def test_leap_day_is_accepted_in_a_leap_year():
    assert parse_target("2028-02-29").start == date(2028, 2, 29)


def test_leap_day_is_refused_in_a_common_year():
    with pytest.raises(TargetError, match="2027-02-29 is not a calendar date"):
        parse_target("2027-02-29")


def test_february_window_ends_on_the_29th_in_leap_years():
    assert parse_target("February 2028").end == date(2028, 2, 29)
    assert parse_target("February 2027").end == date(2027, 2, 28)


def test_around_is_marked_approximate():
    target = parse_target("around 2030")
    assert target.approximate and not target.open_start


def test_by_deadline_has_an_open_start_from_the_announcement():
    target = parse_target("by 2030", opened_on=date(2024, 2, 13))
    assert target.open_start
    assert (target.start, target.end) == (date(2024, 2, 13), date(2030, 12, 31))


def test_deadline_recorded_after_it_passed_collapses_to_the_deadline_day():
    target = parse_target("by 2025", opened_on=date(2026, 6, 1))
    assert (target.start, target.end) == (date(2025, 12, 31), date(2025, 12, 31))


@pytest.mark.parametrize(
    ("edtf", "start", "end"),
    [
        ("2030", date(2030, 1, 1), date(2030, 12, 31)),
        ("2030-06", date(2030, 6, 1), date(2030, 6, 30)),
        ("2030-06-15", date(2030, 6, 15), date(2030, 6, 15)),
        ("2027/2029-06", date(2027, 1, 1), date(2029, 6, 30)),
        ("2030~", date(2030, 1, 1), date(2030, 12, 31)),
        ("2030?", date(2030, 1, 1), date(2030, 12, 31)),
        ("2030-21", date(2030, 3, 1), date(2030, 5, 31)),
        ("2030-24", date(2030, 12, 1), date(2031, 2, 28)),
        ("2031-24", date(2031, 12, 1), date(2032, 2, 29)),
        ("2030-33", date(2030, 1, 1), date(2030, 3, 31)),
        ("2030-40", date(2030, 1, 1), date(2030, 6, 30)),
        ("2030-41", date(2030, 7, 1), date(2030, 12, 31)),
        ("../2030", date(2025, 2, 13), date(2030, 12, 31)),
    ],
)
def test_edtf_forms(edtf, start, end):
    target = parse_target(edtf, opened_on=ANNOUNCED)
    assert (target.start, target.end, target.edtf) == (start, end, edtf)


def test_uncertain_qualifier_is_shown():
    target = parse_target("2030?")
    assert target.uncertain and target.display == "2030 (uncertain)"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2030/2027", "ends before it starts"),
        ("Q5 2027", "not a target date we understand"),
        ("FY", "not a target date we understand"),
        ("", "empty"),
        ("   ", "empty"),
        ("x" * 500, "longer than"),
        ("2027/", "write 2027/.. for an open-ended one"),
        ("../..", "needs a start or an end"),
        ("0000", "outside"),
        ("9999", "outside"),
        ("2030-13", "ends before it starts"),
        ("Smarch 2030", "not a month name"),
        ("soon", "not a target date we understand"),
    ],
)
def test_invalid_input_is_refused_naming_the_accepted_forms(text, reason):
    with pytest.raises(TargetError) as error:
        parse_target(text)
    assert reason in str(error.value)
    assert ACCEPTED_FORMS in str(error.value)


def test_non_string_is_refused():
    with pytest.raises(TargetError):
        parse_target(None)  # type: ignore[arg-type]


years = st.integers(min_value=1990, max_value=2150)
phrases = st.one_of(
    years.map(str),
    years.map(lambda y: f"in {y}"),
    years.map(lambda y: f"by {y}"),
    years.map(lambda y: f"around {y}"),
    years.map(lambda y: f"{y}/{(y + 1) % 100:02d}"),
    years.map(lambda y: f"{y} or {y + 1}"),
    st.tuples(st.sampled_from(["FY", "fiscal "]), years).map(lambda t: f"{t[0]}{t[1]}"),
    st.tuples(
        st.sampled_from(["H1 ", "H2 ", "Q1 ", "Q2 ", "Q3 ", "Q4 ", "early ", "mid ", "late ", "end of "]),
        years,
    ).map(lambda t: f"{t[0]}{t[1]}"),
    st.tuples(st.sampled_from(["January", "February", "June", "December"]), years).map(
        lambda t: f"{t[0]} {t[1]}"
    ),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2150, 12, 31)).map(date.isoformat),
    st.tuples(
        years, st.sampled_from(["", "-06", "-21", "-24", "-35", "-41"]), st.sampled_from(["", "~", "?", "%"])
    ).map(lambda t: f"{t[0]}{t[1]}{t[2]}"),
    st.tuples(years, years).map(lambda t: f"{min(t)}/{max(t)}"),
    st.tuples(st.sampled_from(["by ", "around "]), st.sampled_from(["H2 ", "Q1 ", "FY", "late "]), years).map(
        lambda t: f"{t[0]}{t[1]}{t[2]}"
    ),
)


@settings(max_examples=400, deadline=None)
@given(
    text=phrases,
    fiscal=st.integers(1, 12),
    opened=st.dates(min_value=date(1990, 1, 1), max_value=date(2150, 1, 1)),
)
def test_accepted_targets_have_ordered_windows_and_reparse_to_the_same_window(text, fiscal, opened):
    try:
        target = parse_target(text, fiscal_year_start=fiscal, opened_on=opened)
    except TargetError:
        return  # e.g. a range past MAX_YEAR: refused with a message, which is the contract
    assert_reparses_to_the_same_window(target, fiscal_year_start=fiscal, opened_on=opened)


def assert_reparses_to_the_same_window(target, **context) -> None:
    """start <= end when there is an end, and the stored EDTF, parsed in the same context, gives the same window."""
    assert target.end is None or target.start <= target.end
    assert target.open_end is (target.end is None)
    again = parse_target(target.edtf, **context)
    assert (again.start, again.end, again.edtf) == (target.start, target.end, target.edtf)
    assert (again.approximate, again.open_start, again.open_end) == (
        target.approximate,
        target.open_start,
        target.open_end,
    )


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200))
def test_arbitrary_text_gives_a_target_or_a_clear_error(text):
    try:
        target = parse_target(text)
    except TargetError as error:
        assert "Accepted forms" in str(error)
    else:
        assert target.end is None or target.start <= target.end
