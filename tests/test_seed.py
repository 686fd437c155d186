"""The seed story loads the facts of the CASIP article, once."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from milestones.models import Announcement, Milestone, Organisation, Relation, TargetRevision
from milestones.selectors import organisation_search_q

pytestmark = pytest.mark.django_db


def test_nissan_fy2028_runs_april_to_march(seed):
    nissan = Milestone.objects.get(owner__slug="nissan")
    assert (nissan.window_start, nissan.window_end) == (date(2028, 4, 1), date(2029, 3, 31))
    assert nissan.target_display == "FY2028" and nissan.target_text == "the 2028 financial year"


def test_toyota_2027_28_spans_two_calendar_years(seed):
    toyota = Milestone.objects.get(owner__slug="toyota")
    assert (toyota.window_start, toyota.window_end) == (date(2027, 1, 1), date(2028, 12, 31))


def test_casip_supply_chain_is_a_deadline_from_the_report(seed):
    supply = Milestone.objects.get(slug="casip-solid-state-supply-chain-by-2030")
    assert supply.target_open_start and supply.window_end == date(2030, 12, 31)
    assert supply.window_start == date(2024, 2, 13)


def test_breakthrough_expectation_is_approximate(seed):
    breakthrough = Milestone.objects.get(category="research_breakthrough")
    assert breakthrough.target_approximate and breakthrough.target_display == "around 2030"


def test_casip_members_by_role(seed):
    members = Relation.objects.filter(target__slug="casip", kind="member_of")
    roles = {r.source.slug: r.role for r in members}
    assert roles["catl"] == roles["findreams-battery"] == "battery maker"
    assert roles["nio"] == "automaker" and roles["sasac"] == "government"
    assert roles["chinese-academy-of-sciences"] == "research"
    assert len(roles) == 13


def test_findreams_is_a_subsidiary_of_byd(seed):
    findreams = Organisation.objects.get(slug="findreams-battery")
    assert findreams.parent.slug == "byd"
    assert Relation.objects.filter(source=findreams, kind="subsidiary_of", target__slug="byd").exists()


def test_catl_litigation_against_calb_and_svolt(seed):
    sued = Relation.objects.filter(source__slug="catl", kind="litigation_against").values_list(
        "target__slug", flat=True
    )
    assert set(sued) == {"calb", "svolt"}


def test_aliases_find_organisations(seed):
    for alias, slug in [
        ("Contemporary Amperex Technology", "catl"),
        ("弗迪电池", "findreams-battery"),
        ("MIIT", "miit"),
    ]:
        assert list(
            Organisation.objects.filter(organisation_search_q(alias)).values_list("slug", flat=True)
        ) == [slug]


def test_quotes_and_second_hand_source(seed):
    announcement = Announcement.objects.get()
    assert announcement.publisher.name == "electrive" and announcement.original_source.name == "Nikkei Asia"
    texts = [q.text for q in announcement.quotes.select_related("speaker")]
    assert len(texts) == 2 and "By around 2030" in texts[1]
    assert {q.speaker.affiliation.slug for q in announcement.quotes.all()} == {"tsinghua-university"}


def test_every_organisation_has_a_country_and_aliases(seed):
    assert not Organisation.objects.filter(country="").exists()
    assert not Organisation.objects.filter(aliases="").exists()


def test_running_twice_changes_nothing(seed):
    def snapshot():
        return (
            list(Organisation.objects.values()),
            list(Milestone.objects.values()),
            list(Relation.objects.values()),
            list(TargetRevision.objects.values()),
            Milestone.history.count(),
            Organisation.history.count(),
        )

    before = snapshot()
    out = io.StringIO()
    call_command("load_seed", stdout=out)
    assert before == snapshot()
    assert "milestones: 0 new, 0 updated" in out.getvalue()


def test_broken_seed_file_fails_without_loading_anything(tmp_path):
    path = tmp_path / "seed.json"
    data = json.loads((__import__("pathlib").Path("milestones/seed/casip.json")).read_text())
    data["milestones"][0]["target"] = "whenever"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match=r"nothing was loaded.*not a target date"):
        call_command("load_seed", file=path, stdout=io.StringIO())
    assert not Organisation.objects.exists()


def test_claim_strength_follows_the_source_wording(seed):
    strengths = dict(
        Milestone.objects.values_list("owner__slug", "claim_strength").filter(category="vehicle_launch")
    )
    assert strengths == {"nissan": "plans", "toyota": "aims"}
    assert Milestone.objects.get(category="research_breakthrough").claim_strength == "expects"
