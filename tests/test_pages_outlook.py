"""The outside view on the reader pages: milestone, organisation, timeline, race and /methodology/.

The numbers are checked against a hand computation here (``statistics`` on the dates the
test builds), not against the code under test.
"""

from __future__ import annotations

import re
import statistics
from datetime import date, timedelta

import pytest
import time_machine

from milestones import services
from milestones.models import Milestone, Organisation
from tests.factories import AnnouncementFactory, OrganisationFactory, make_milestone

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 1)
LAUNCH = Milestone.Category.VEHICLE_LAUNCH
PILOT = Milestone.Category.PILOT_LINE

# (first stated a0, target, achieved e1): e0 is the end of the target's year or month.
PAST_CLAIMS = [
    (date(2015, 6, 1), "2020", date(2022, 6, 30)),
    (date(2017, 3, 10), "2020", date(2024, 3, 31)),
    (date(2018, 9, 1), "2021", date(2021, 10, 15)),
    (date(2019, 1, 20), "2022", date(2025, 12, 31)),
    (date(2020, 5, 5), "2023-06", date(2023, 6, 30)),
    (date(2021, 2, 1), "2024", date(2026, 3, 31)),
]
FIRST_ENDS = [date(2020, 12, 31), date(2020, 12, 31), date(2021, 12, 31), date(2022, 12, 31)]
FIRST_ENDS += [date(2023, 6, 30), date(2024, 12, 31)]


@pytest.fixture(autouse=True)
def _today(settings):
    settings.PAGE_CACHE_SECONDS = 0
    with time_machine.travel(date(2026, 6, 1), tick=False):
        yield


def hand_ratios() -> list[float]:
    return [
        (achieved - end).days / (end - stated).days
        for (stated, _target, achieved), end in zip(PAST_CLAIMS, FIRST_ENDS, strict=True)
    ]


def hand_forecast(stated: date, end: date) -> tuple[date, date]:
    ratios = sorted(hand_ratios())
    horizon = (end - stated).days
    median = (ratios[2] + ratios[3]) / 2  # six ratios: the mean of the middle two
    p80 = ratios[4]  # inclusive method, n=5: position 0.8 × (6 − 1) = 4 exactly
    assert median == statistics.median(ratios)
    return end + timedelta(days=round(horizon * median)), end + timedelta(days=round(horizon * p80))


def past_claim(owner: Organisation, stated: date, target: str, achieved: date | None, **fields) -> Milestone:
    milestone = make_milestone(owner=owner, target=target, opened_on=stated, **fields)
    if achieved:
        services.milestone_set_status(milestone=milestone, status="achieved", achieved_on=achieved)
    return milestone


def owner_with_record(name: str = "Slowcell", *, category: str = PILOT, country: str = "JP") -> Organisation:
    owner = OrganisationFactory(name=name, country=country)
    for number, (stated, target, achieved) in enumerate(PAST_CLAIMS):
        past_claim(owner, stated, target, achieved, category=category, title=f"Past claim {number}")
    return owner


def open_claim(owner: Organisation, *, target: str = "2027", category: str = LAUNCH, **fields) -> Milestone:
    return make_milestone(
        owner=owner, target=target, opened_on=date(2025, 1, 15), category=category, **fields
    )


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


# --- milestone page ---------------------------------------------------------------------


def test_milestone_page_states_p50_and_p80_in_months(client):
    milestone = open_claim(owner_with_record())
    p50, p80 = hand_forecast(date(2025, 1, 15), date(2027, 12, 31))
    text = text_of(client.get(milestone.get_absolute_url()).content.decode())
    expected = f"Outside view (from 6 past claims by Slowcell): P50 around {p50:%B %Y}, P80 {p80:%B %Y}."
    assert expected in text
    assert "P50 around November 2028, P80 March 2030" in text  # the same, written out


def test_milestone_page_links_owner_class_and_methodology(client):
    owner = owner_with_record()
    html = client.get(open_claim(owner).get_absolute_url()).content.decode()
    block = html[html.index('id="outside-view"') :]
    assert f'by <a href="{owner.get_absolute_url()}">Slowcell</a>' in block
    assert 'href="/methodology/"' in block


def test_milestone_chart_has_window_marks_and_text_alternative(client):
    html = client.get(open_claim(owner_with_record()).get_absolute_url()).content.decode()
    svg = re.search(r'<svg class="ov-chart".*?</svg>', html, re.S).group(0)
    assert 'role="img"' in svg and "<title>" in svg
    assert "P50 around November 2028, P80 March 2030" in re.search(r'aria-label="([^"]*)"', svg).group(1)
    for mark in ('class="ov-window"', 'class="ov-p50"', 'class="ov-p80"', ">P50<", ">P80<"):
        assert mark in svg


def test_milestone_without_history_says_not_enough_history(client):
    milestone = open_claim(OrganisationFactory(name="Newcell"))
    text = text_of(client.get(milestone.get_absolute_url()).content.decode())
    assert "Outside view: not enough history (fewer than 5 comparable past claims)" in text
    assert "P50" not in text


def test_achieved_milestone_shows_no_outside_view(client):
    owner = owner_with_record()
    done = Milestone.objects.get(owner=owner, title="Past claim 0")
    html = client.get(done.get_absolute_url()).content.decode()
    assert 'id="outside-view"' not in html
    assert "not enough history" not in html


def test_category_class_links_the_timeline_filtered_by_category(client):
    for number in range(5):
        owner = OrganisationFactory(name=f"Launcher {number}")
        past_claim(owner, date(2019, 1, 1), "2021", date(2022, 6, 30), category=LAUNCH)
    milestone = open_claim(OrganisationFactory(name="Loner"))
    html = client.get(milestone.get_absolute_url()).content.decode()
    assert 'from 5 past claims in <a href="/?category=vehicle_launch">Vehicle launch</a>' in html


def test_all_class_links_the_whole_timeline(client):
    for number, category in enumerate((PILOT, PILOT, Milestone.Category.SAMPLES, PILOT, PILOT)):
        owner = OrganisationFactory(name=f"Maker {number}")
        past_claim(owner, date(2019, 1, 1), "2021", date(2021, 12, 31), category=category)
    milestone = open_claim(OrganisationFactory(name="Loner"))
    text = text_of(client.get(milestone.get_absolute_url()).content.decode())
    html = client.get(milestone.get_absolute_url()).content.decode()
    assert 'across <a href="/">all organisations</a>' in html
    assert "from 5 past claims across all organisations): P50 around December 2027" in text


# --- organisation page ------------------------------------------------------------------


def test_organisation_strip_plot_lists_every_ratio(client):
    owner = owner_with_record()
    html = client.get(owner.get_absolute_url()).content.decode()
    svg = re.search(r'<svg class="slip-strip".*?</svg>', html, re.S).group(0)
    assert svg.count('class="ss-dot"') == 6
    assert 'class="ss-zero"' in svg and 'class="ss-median"' in svg
    label = re.search(r'aria-label="([^"]*)"', svg).group(1)
    listed = ", ".join(f"{r:+.2f}".replace("-", "−") for r in sorted(hand_ratios()))
    assert listed.replace("+0.00", "0") in label
    assert f"Median {statistics.median(hand_ratios()):+.2f}" in label


def test_organisation_shows_on_time_and_miss_rates(client):
    owner = owner_with_record()
    missed = past_claim(owner, date(2019, 1, 1), "2021", None, title="Missed claim")
    services.milestone_set_status(milestone=missed, status="missed")
    html = client.get(owner.get_absolute_url()).content.decode()
    # On time: the early one and the one on the day, of 7 judged; missed: 1 of 7.
    assert "<dt>On time</dt><dd>29%</dd>" in html
    assert "<dt>Missed or cancelled</dt><dd>14%</dd>" in html
    assert 'href="/methodology/">How the outside view is computed</a>' in html


def test_organisation_without_ratios_has_an_empty_state(client):
    owner = OrganisationFactory(name="Quietcell")
    html = client.get(owner.get_absolute_url()).content.decode()
    assert "No claim by Quietcell has a slip ratio yet" in text_of(html)
    assert "<dt>On time</dt><dd>—</dd>" in html and "<dt>Missed or cancelled</dt><dd>—</dd>" in html
    assert 'class="slip-strip"' not in html


# --- /methodology/ ----------------------------------------------------------------------


def test_methodology_worked_example_matches_a_hand_computation(client):
    text = text_of(client.get("/methodology/").content.decode())
    ratios = sorted(hand_ratios())  # the page's six claims are the ones this module builds
    for ratio in ratios:
        assert f"{ratio:.3f}" in text
    median = statistics.median(ratios)
    p80 = statistics.quantiles(ratios, n=5, method="inclusive")[3]
    assert f"The median is the mean of the middle two: {median:.3f}" in text
    assert f"is {p80:.3f}" in text
    p50_day, p80_day = hand_forecast(date(2025, 1, 15), date(2027, 12, 31))
    assert (p50_day, p80_day) == (date(2028, 11, 11), date(2030, 3, 31))
    assert "h = 1080 days" in text
    assert "≈ 11 November 2028" in text and "≈ 31 March 2030" in text
    assert "P50 around November 2028, P80 March 2030" in text


def test_methodology_explains_the_method(client):
    text = text_of(client.get("/methodology/").content.decode())
    for words in (
        "Flyvbjerg",
        "r = (e1 − e0) / (e0 − a0)",
        "under 90 days",
        "miss rate",
        "at least 5",
        'statistics.quantiles(r, n=5, method="inclusive")[3]',
        "never show a made-up number",
    ):
        assert words in text.replace("&quot;", '"'), words


def test_every_page_links_to_the_methodology(client):
    assert 'href="/methodology/"' in client.get("/race/").content.decode()


# --- timeline ---------------------------------------------------------------------------


def test_timeline_outside_view_is_off_by_default(client):
    open_claim(owner_with_record())
    html = client.get("/").content.decode()
    assert 'class="tl-outlook"' not in html
    assert re.search(r'<input type="checkbox" name="outside" value="1"[^>]*id="id_outside">', html)


def test_timeline_outside_view_draws_an_extension_to_p80(client):
    milestone = open_claim(owner_with_record())
    html = client.get("/?outside=1").content.decode()
    bar = re.search(
        rf'<a class="tl-bar[^"]*" href="{milestone.get_absolute_url()}".*?</a>', html, re.S
    ).group(0)
    assert bar.count('class="tl-outlook"') == 1
    assert "P80 March 2030 if it slips like past claims" in bar
    assert html.count('class="tl-outlook"') == 2  # the bar's and the legend's swatch
    assert "outside view: from the stated end to P80" in html
    assert re.search(r'name="outside" value="1"[^>]*checked', html)


def test_outside_view_stays_in_shareable_links_but_not_the_feed(client):
    open_claim(owner_with_record())
    html = client.get("/?outside=1&lanes=region").content.decode()
    assert "outside=1" in re.search(r'href="(\?[^"]*)"[^>]*>Organisation<', html).group(1)
    assert "%2F%3Foutside%3D1" in html or "/?outside=1" in html  # the embed and page URLs
    ics = re.search(r'href="(/feeds/timeline\.ics[^"]*)"', html).group(1)
    assert "outside" not in ics


def test_outside_view_is_not_a_filter(client):
    html = client.get("/?outside=1").content.decode()
    assert "No milestones recorded yet." in html  # not "No milestones match these filters"


@pytest.mark.parametrize("rows", [1, 50])
def test_timeline_with_outside_view_costs_constant_queries(client, rows, django_assert_num_queries):
    open_claim(owner_with_record())
    for number in range(rows):
        milestone = make_milestone(owner=OrganisationFactory(), target="2030", title=f"Cells {number}")
        milestone.evidence.add(AnnouncementFactory())
        milestone.participants.add(OrganisationFactory())
    with django_assert_num_queries(6):  # the timeline's 5, plus one read of every claim
        response = client.get("/?outside=1")
    assert response.status_code == 200
    assert response.content.decode().count('class="tl-outlook"') >= 2  # Slowcell's bar and the legend


# --- race -------------------------------------------------------------------------------


def race_pair() -> tuple[Milestone, Milestone]:
    """Two Japanese launches: the earlier stated target by an owner that slips a lot."""
    late = open_claim(owner_with_record("Slowcell"), target="2027", title="Slowcell launch")
    prompt_owner = OrganisationFactory(name="Promptcell", country="JP")
    for number in range(5):
        past_claim(
            prompt_owner, date(2018, 1, 1), "2020", date(2020, 12, 31), category=PILOT, title=f"P{number}"
        )
    prompt = open_claim(prompt_owner, target="2028-06", title="Promptcell launch")
    return late, prompt


def race_cell(html: str) -> str:
    row = re.search(r"<th scope=\"row\">Japan</th>(.*?)</tr>", html, re.S).group(1)
    return re.findall(r"<td.*?</td>", row, re.S)[0]  # vehicle launch


def test_race_orders_by_stated_date_by_default(client):
    late, _prompt = race_pair()
    cell = race_cell(client.get("/race/").content.decode())
    assert late.get_absolute_url() in cell
    assert "Slowcell" in cell and "1 more" in cell


def test_race_can_order_by_p50(client):
    race_pair()
    html = client.get("/race/?order=p50").content.decode()
    cell = race_cell(html)
    assert "Promptcell" in cell
    assert "P50 around June 2028" in cell  # on time in the past: P50 is its stated end
    assert '<a href="/race/?order=p50" aria-current="true">' in html


def test_race_ignores_an_unknown_order(client):
    race_pair()
    assert "Slowcell" in race_cell(client.get("/race/?order=nonsense").content.decode())


@pytest.mark.parametrize("rows", [1, 500])
def test_milestone_and_organisation_pages_cost_constant_queries(client, rows, django_assert_num_queries):
    """The outside view reads every claim in one query, however many there are."""
    owner = owner_with_record()
    milestone = open_claim(owner)
    for number in range(rows):
        past_claim(owner, date(2019, 1, 1), "2021", date(2022, 1, 31), title=f"Extra claim {number}")
    with django_assert_num_queries(5):  # the page's 4, plus one read of every claim
        client.get(milestone.get_absolute_url())
    # The page's queries (no relations here, so no relation-evidence prefetch) plus its claims.
    with django_assert_num_queries(11):
        response = client.get(owner.get_absolute_url())
    assert response.content.decode().count('class="ss-dot"') == 6 + rows + 1


def test_outside_view_as_believed_on_a_past_day(client):
    """With as_of the chart (and its extensions) shows what was known then; the embed takes the option too."""
    milestone = open_claim(owner_with_record())
    html = client.get("/?outside=1&as_of=2024-06-01").content.decode()
    assert milestone.get_absolute_url() not in html  # first stated in 2025: not yet known
    assert client.get("/embed/?outside=1").status_code == 200
