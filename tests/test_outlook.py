"""The outside view: slip ratios of past claims, reference classes and P50/P80 forecasts
(milestones/domain/outlook.py for the arithmetic, milestones/selectors/outlook.py for the reads)."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from milestones import selectors, services
from milestones.domain import outlook
from milestones.models import Milestone, Organisation
from tests.api_support import populate
from tests.factories import AnnouncementFactory, OrganisationFactory, make_milestone

TODAY = date(2026, 6, 1)
LAUNCH = Milestone.Category.VEHICLE_LAUNCH
SAMPLES = Milestone.Category.SAMPLES


def at(day: date) -> time_machine.travel:
    """Record at noon on ``day``: the change history then says what was known when."""
    return time_machine.travel(datetime.combine(day, time(12), tzinfo=UTC), tick=False)


def claim(
    owner: Organisation,
    *,
    stated_on: date,
    target: str,
    category: str = LAUNCH,
    moves: tuple[tuple[date, str], ...] = (),
    achieved_on: date | None = None,
    closed: tuple[date, str] | None = None,
) -> Milestone:
    """A claim stated by an announcement on ``stated_on``, moved by one on each ``moves`` day,
    then achieved, or closed as (day, "missed" | "cancelled"); every step recorded on its day."""
    with at(stated_on):
        milestone = make_milestone(
            owner=owner,
            target=target,
            category=category,
            moved_by=AnnouncementFactory(published_on=stated_on),
            opened_on=stated_on,
        )
    for day, new_target in moves:
        with at(day):
            milestone = services.milestone_reschedule(
                milestone=milestone, target_text=new_target, moved_by=AnnouncementFactory(published_on=day)
            )
    if achieved_on:
        with at(achieved_on):
            milestone = services.milestone_set_status(
                milestone=milestone, status="achieved", achieved_on=achieved_on
            )
    if closed:
        with at(closed[0]):
            milestone = services.milestone_set_status(milestone=milestone, status=closed[1])
    return milestone


def acme_claims() -> dict[str, Milestone]:
    """The worked example: six past claims by Acme Cells and one open claim.

    claim      a0 (stated)  e0 (first end)  e0−a0   e1 (outcome)   e1−e0   r
    early      2018-12-31   2019-12-31       365    2019-10-19      −73   −0.2
    on-time    2019-11-27   2020-12-31       400    2020-12-31        0    0.0
    half-late  2020-08-18   2021-12-31       500    2022-09-07      250    0.5
    late       2022-03-06   2022-12-31       300    2023-10-27      300    1.0
    missed     2022-11-26   2023-12-31       400    (missed)          –    none: miss rate
    moved      2019-05-11   2020-12-31       600    2023-06-19      900    1.5 (moved to 2023
                                                                           on 2020-10-01; e0
                                                                           stays the first end)
    open: first stated 2023-05-01 as 2026, moved on 2025-03-02 to 2028 (a = 2025-03-02,
    e = 2028-12-31).
    """
    owner = OrganisationFactory(name="Acme Cells", country="JP")
    return {
        "early": claim(owner, stated_on=date(2018, 12, 31), target="2019", achieved_on=date(2019, 10, 19)),
        "on-time": claim(owner, stated_on=date(2019, 11, 27), target="2020", achieved_on=date(2020, 12, 31)),
        "half-late": claim(owner, stated_on=date(2020, 8, 18), target="2021", achieved_on=date(2022, 9, 7)),
        "late": claim(owner, stated_on=date(2022, 3, 6), target="2022", achieved_on=date(2023, 10, 27)),
        "missed": claim(
            owner, stated_on=date(2022, 11, 26), target="2023", closed=(date(2024, 2, 1), "missed")
        ),
        "moved": claim(
            owner,
            stated_on=date(2019, 5, 11),
            target="2020",
            moves=((date(2020, 10, 1), "2023"),),
            achieved_on=date(2023, 6, 19),
        ),
        "open": claim(owner, stated_on=date(2023, 5, 1), target="2026", moves=((date(2025, 3, 2), "2028"),)),
    }


@pytest.fixture
def acme(db) -> dict[str, Milestone]:
    return acme_claims()


# The worked example by hand. Ratios −0.2, 0.0, 0.5, 1.0, 1.5 (five: the missed claim has none,
# the open claim is the one forecast and is left out of its own class).
#   median = 0.5
#   P80 ratio = quantiles(n=5, inclusive)[3]: position (5 − 1) × 4/5 = 3.2 in the sorted list,
#     so 1.0 + 0.2 × (1.5 − 1.0) = 1.1
#   h = e − a = 2028-12-31 − 2025-03-02 = 1,400 days
#   P50 = 2028-12-31 + 1,400 × 0.5 = + 700 days = 2030-12-01
#   P80 = 2028-12-31 + 1,400 × 1.1 = + 1,540 days = 2033-03-20
ACME_P50, ACME_P80 = date(2030, 12, 1), date(2033, 3, 20)


# The pure arithmetic


def test_slip_ratio_is_the_overrun_over_the_first_horizon():
    ratio = outlook.slip_ratio(
        stated_on=date(2022, 3, 6), first_end=date(2022, 12, 31), outcome_on=date(2023, 10, 27)
    )
    assert ratio == 1.0


def test_claims_under_ninety_days_are_left_out():
    stated = date(2025, 1, 1)
    assert (
        outlook.slip_ratio(stated_on=stated, first_end=stated + timedelta(days=89), outcome_on=stated) is None
    )
    assert (
        outlook.slip_ratio(stated_on=stated, first_end=stated + timedelta(days=90), outcome_on=stated) == -1.0
    )


def test_p80_interpolates_with_the_inclusive_method():
    ratios = [1.5, -0.2, 1.0, 0.0, 0.5]
    assert outlook.p80(ratios) == pytest.approx(1.1)
    assert outlook.p80(ratios) == statistics.quantiles(ratios, n=5, method="inclusive")[3]


def test_negative_ratios_count_as_they_are_and_bring_the_forecast_forward():
    # Five claims with a 400-day first horizon achieved 80 days early: r = −0.2 each.
    first_end = date(2020, 1, 1) + timedelta(days=400)
    early = [
        _claim(pk, first_end=first_end, status="achieved", achieved_on=first_end - timedelta(days=80))
        for pk in range(1, 6)
    ]
    open_claim = _claim(6, stated_on=date(2025, 1, 1), window_end=date(2026, 1, 1))  # h = 365
    view = outlook.ReferenceClasses([*early, open_claim], today=TODAY).outside_view(open_claim)
    assert view.p50 == view.p80 == date(2026, 1, 1) - timedelta(days=73)  # 365 × −0.2


def test_forecast_rounds_to_the_nearest_day():
    assert outlook.stretch(stated_on=date(2025, 1, 1), window_end=date(2025, 1, 11), ratio=0.26) == date(
        2025, 1, 14
    )


def _claim(pk: int, *, owner: int = 1, category: str = "samples", **dates) -> outlook.Claim:
    facts = {
        "first_stated_on": date(2020, 1, 1),
        "first_end": date(2021, 1, 1),
        "stated_on": date(2020, 1, 1),
        "window_end": date(2021, 1, 1),
        "status": "announced",
        "achieved_on": None,
        **dates,
    }
    return outlook.Claim(
        pk, f"m{pk}", "M", owner, f"o{owner}", f"Owner {owner}", category, "Samples", **facts
    )


def test_an_open_claim_is_at_least_as_late_as_today():
    overdue = _claim(1, window_end=date(2021, 1, 1))  # first horizon 366 days, window passed
    outcome = outlook.claim_outcome(overdue, today=date(2021, 7, 2))
    assert outcome.outcome_on == date(2021, 7, 2)
    assert outcome.ratio == pytest.approx(182 / 366)
    assert outcome.note == "open: lower bound"


def test_missed_and_cancelled_claims_have_no_ratio():
    for status in ("missed", "cancelled"):
        outcome = outlook.claim_outcome(_claim(1, status=status), today=TODAY)
        assert (outcome.ratio, outcome.outcome_on, outcome.note) == (None, None, status)


def test_a_claim_achieved_after_today_is_still_open_then():
    later = _claim(1, status="achieved", achieved_on=date(2022, 1, 1))
    outcome = outlook.claim_outcome(later, today=date(2021, 6, 1))
    assert outcome.note == "open: lower bound"
    assert outcome.status == "announced"
    assert not later.is_final(date(2021, 6, 1))


def test_a_milestone_is_not_in_its_own_reference_class():
    claims = [_claim(pk, achieved_on=date(2021, 1, 1), status="achieved") for pk in range(1, 6)]
    classes = outlook.ReferenceClasses(claims, today=TODAY)
    assert len(classes.ordered[("all", "all")]) == 5
    assert classes.ratios_for(claims[0]) is None  # four others besides itself
    assert classes.ratios_for(_claim(6))[0].kind == "owner"


# Reads from the database


def test_worked_example_forecast_equals_the_hand_computation(acme):
    view = selectors.outside_view(acme["open"], today=TODAY)
    assert isinstance(view, selectors.OutsideView)
    assert (view.p50, view.p80, view.n) == (ACME_P50, ACME_P80, 5)
    assert (view.stated_on, view.window_end) == (date(2025, 3, 2), date(2028, 12, 31))
    assert view.reference_class == selectors.ReferenceClass("owner", "acme-cells", "Acme Cells")


def test_worked_example_slip_record(acme):
    record = selectors.slip_record(Organisation.objects.get(slug="acme-cells"), today=TODAY)
    by_slug = {outcome.slug: outcome for outcome in record.outcomes}
    assert by_slug[acme["moved"].slug].first_end == date(2020, 12, 31)
    assert by_slug[acme["missed"].slug].note == "missed"
    # The open claim: e0 = 2026-12-31, a0 = 2023-05-01 (1,340 days), e1 = its current end
    # 2028-12-31 (later than today): at least 731 / 1,340.
    assert by_slug[acme["open"].slug].ratio == pytest.approx(731 / 1340)
    assert sorted(record.ratios) == pytest.approx([-0.2, 0.0, 0.5, 731 / 1340, 1.0, 1.5])
    assert record.on_time_rate == pytest.approx(2 / 6)  # early and on-time, of six settled
    assert record.miss_rate == pytest.approx(1 / 7)


def test_final_milestones_get_no_outside_view(acme):
    assert selectors.outside_view(acme["late"], today=TODAY) == selectors.NoOutsideView("final")


def _history(owner: Organisation, count: int, category: str = LAUNCH) -> None:
    """``count`` past claims, each achieved on its first deadline (ratio 0)."""
    for year in range(2015, 2015 + count):
        claim(
            owner,
            stated_on=date(year - 2, 6, 1),
            target=str(year),
            category=category,
            achieved_on=date(year, 12, 31),
        )


def _open_claim(owner: Organisation) -> Milestone:
    return claim(owner, stated_on=date(2025, 1, 1), target="2027")


def test_reference_class_is_the_owner_with_five_past_claims(db):
    owner = OrganisationFactory(name="Toyota", country="JP")
    _history(owner, 5)
    view = selectors.outside_view(_open_claim(owner), today=TODAY)
    assert view.reference_class == selectors.ReferenceClass("owner", "toyota", "Toyota")
    assert view.p50 == view.p80 == date(2027, 12, 31)  # every ratio 0


def test_reference_class_falls_back_to_the_category(db):
    owner, other = OrganisationFactory(name="Toyota", country="JP"), OrganisationFactory(name="Nissan")
    _history(owner, 4)
    _history(other, 1)
    view = selectors.outside_view(_open_claim(owner), today=TODAY)
    assert view.reference_class == selectors.ReferenceClass("category", LAUNCH, "Vehicle launch")
    assert view.n == 5


def test_reference_class_falls_back_to_all_claims(db):
    owner, other = OrganisationFactory(name="Toyota", country="JP"), OrganisationFactory(name="Nissan")
    _history(owner, 4)
    _history(other, 1, category=SAMPLES)
    view = selectors.outside_view(_open_claim(owner), today=TODAY)
    assert view.reference_class == selectors.ReferenceClass("all", "all", "all claims")


def test_too_little_history_gives_no_outside_view(db):
    owner = OrganisationFactory(name="Toyota", country="JP")
    _history(owner, 4)
    assert selectors.outside_view(_open_claim(owner), today=TODAY) == selectors.NoOutsideView(
        "not enough history"
    )


def test_as_of_judges_a_claim_achieved_later_as_open(acme):
    # On 2022-06-01 "half-late" (achieved 2022-09-07) was open: e1 = max(e0 2021-12-31, that
    # day) = 2022-06-01, 152 days over a 500-day horizon. Claims stated later are unknown.
    record = selectors.slip_record(acme["open"].owner, today=TODAY, as_of=date(2022, 6, 1))
    by_slug = {outcome.slug: outcome for outcome in record.outcomes}
    assert by_slug[acme["half-late"].slug].note == "open: lower bound"
    assert by_slug[acme["half-late"].slug].ratio == pytest.approx(152 / 500)
    assert acme["missed"].slug not in by_slug and acme["open"].slug not in by_slug
    then = selectors.outside_view(acme["half-late"], today=TODAY, as_of=date(2022, 6, 1))
    assert then == selectors.NoOutsideView("not enough history")  # open then; four others known


def test_as_of_forecast_uses_the_target_known_then(acme):
    # On 2024-06-01 the open claim still said 2026, stated 2023-05-01: h = 1,340 days; every
    # past claim was settled by then, so the same five ratios: P50 = 2026-12-31 + 1,340 × 0.5
    # = + 670 days, P80 = + 1,340 × 1.1 = + 1,474 days.
    view = selectors.outside_view(acme["open"], today=TODAY, as_of=date(2024, 6, 1))
    assert (view.stated_on, view.window_end) == (date(2023, 5, 1), date(2026, 12, 31))
    assert view.p50 == date(2026, 12, 31) + timedelta(days=670)
    assert view.p80 == date(2026, 12, 31) + timedelta(days=1474)


def test_seed_has_not_enough_history(seed):
    views = selectors.outside_views(Milestone.objects.all(), today=TODAY)
    reasons = {view.reason for view in views.values() if isinstance(view, selectors.NoOutsideView)}
    assert views and all(isinstance(view, selectors.NoOutsideView) for view in views.values())
    assert reasons <= {"not enough history", "final"}


def test_outside_views_cost_one_query_for_one_or_five_hundred(db, django_assert_num_queries):
    populate(500)
    milestones = list(Milestone.objects.order_by("pk"))
    for page in (milestones[:1], milestones):
        with django_assert_num_queries(1):
            views = selectors.outside_views(page, today=TODAY)
        assert len(views) == len(page)
    assert any(isinstance(view, selectors.OutsideView) for view in views.values())


@pytest.mark.django_db
def test_todays_reference_classes_are_cached_until_a_claim_changes(settings, django_assert_num_queries):
    """With the cache on, a second forecast reads only the fingerprint; a new revision (a slip)
    changes the fingerprint, so the next forecast judges the claims afresh."""
    from milestones.selectors import outlook

    settings.OUTLOOK_CACHE_SECONDS = 600
    outlook._memo = None
    owner = OrganisationFactory()
    milestones = [
        make_milestone(owner=owner, target=str(2027 + number), opened_on=date(2024, 1, 1))
        for number in range(2)
    ]
    today = date(2026, 6, 1)
    with django_assert_num_queries(2):  # the fingerprint, then every claim
        first = selectors.outside_views(milestones, today=today)
    with django_assert_num_queries(1):  # the fingerprint only
        assert selectors.outside_views(milestones, today=today) == first
    services.milestone_reschedule(milestone=milestones[0], target_text="2029")
    with django_assert_num_queries(2):
        selectors.outside_views(milestones, today=today)


@pytest.fixture
def judged_once(settings, db):
    """Two milestones, the outlook memo on, and today's judgement made once."""
    from milestones.selectors import outlook as outlook_selectors

    settings.OUTLOOK_CACHE_SECONDS = 600
    outlook_selectors._memo = None
    owner = OrganisationFactory()
    milestones = [
        make_milestone(owner=owner, target=str(2027 + number), opened_on=date(2024, 1, 1))
        for number in range(2)
    ]
    selectors.outside_views(milestones, today=TODAY)
    return milestones


def test_editing_a_description_keeps_the_judgement_of_every_claim(judged_once, django_assert_num_queries):
    services.milestone_save(milestone=judged_once[0], data={"description": "New words, same claim."})
    with django_assert_num_queries(1):  # the fingerprint only
        selectors.outside_views(judged_once, today=TODAY)


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Renamed claim"},
        {"status": Milestone.Status.DELAYED},
        {"category": Milestone.Category.PILOT_LINE},
    ],
)
def test_editing_what_a_claim_is_judged_by_judges_again(judged_once, change, django_assert_num_queries):
    milestone = Milestone.objects.get(pk=judged_once[0].pk)  # loaded from the database, as a request would
    services.milestone_save(milestone=milestone, data=change)
    with django_assert_num_queries(2):  # the fingerprint, then every claim
        views = selectors.outside_views(judged_once, today=TODAY)
    assert set(views) == {m.pk for m in judged_once}


def test_listed_changed_at_does_not_move_when_only_the_description_is_edited(db):
    milestone = make_milestone(owner=OrganisationFactory(), target="2028", opened_on=date(2024, 1, 1))
    stamp = Milestone.objects.get(pk=milestone.pk).listed_changed_at
    loaded = Milestone.objects.get(pk=milestone.pk)
    services.milestone_save(milestone=loaded, data={"description": "only words"})
    assert Milestone.objects.get(pk=milestone.pk).listed_changed_at == stamp
    loaded = Milestone.objects.get(pk=milestone.pk)
    services.milestone_save(milestone=loaded, data={"title": "A new title"})
    assert Milestone.objects.get(pk=milestone.pk).listed_changed_at > stamp


def test_stretch_of_a_target_near_the_calendars_end_does_not_overflow():
    """Found by schemathesis: a target in year 8316 stretched by a ratio ran past 9999-12-31."""
    from milestones.domain.outlook import stretch

    assert stretch(stated_on=date(2025, 1, 1), window_end=date(8316, 2, 7), ratio=2.0) == date.max
    assert stretch(stated_on=date(2025, 1, 1), window_end=date(2026, 1, 1), ratio=1.0) == date(2027, 1, 1)
