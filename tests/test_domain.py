"""Invariants in the database and the write services around milestones."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from milestones import selectors, services
from milestones.models import Milestone, Organisation, Region, Relation, TargetRevision
from tests.factories import AnnouncementFactory, OrganisationFactory, PersonFactory, make_milestone

pytestmark = pytest.mark.django_db


def test_region_follows_country():
    assert OrganisationFactory(country="JP").region == Region.JAPAN
    assert OrganisationFactory(country="DE").region == Region.EUROPE
    assert OrganisationFactory(country="US").region == Region.NORTH_AMERICA
    assert OrganisationFactory(country="KR").region == Region.SOUTH_KOREA
    assert OrganisationFactory(country="AU").region == Region.OTHER


def test_unknown_country_code_is_a_validation_error():
    organisation = Organisation(name="Nowhere Cells", slug="nowhere", kind="battery_maker", country="XX")
    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert "country" in error.value.message_dict


def test_slugs_are_unique():
    OrganisationFactory(name="Dup", slug="dup")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="Dup two", slug="dup", kind="automaker", country="CN")


def test_announcement_urls_are_unique_after_normalisation():
    AnnouncementFactory(url="https://www.example.com/story/")
    with pytest.raises(IntegrityError), transaction.atomic():
        AnnouncementFactory(url="http://example.com/story?utm_source=x")


def test_relation_to_itself_is_refused_by_the_database():
    catl = OrganisationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Relation.objects.create(source=catl, target=catl, kind=Relation.Kind.PARTNER_OF)


def test_relation_to_itself_is_a_clear_validation_error():
    catl = OrganisationFactory()
    with pytest.raises(ValidationError, match="cannot have a relation with itself"):
        Relation(source=catl, target=catl, kind=Relation.Kind.PARTNER_OF).full_clean()


def test_window_end_before_start_is_refused_by_the_database():
    milestone = make_milestone()
    with pytest.raises(IntegrityError), transaction.atomic():
        Milestone.objects.filter(pk=milestone.pk).update(window_start=date(2031, 1, 1))


def test_achieved_on_requires_status_achieved_in_the_database():
    milestone = make_milestone()
    with pytest.raises(IntegrityError), transaction.atomic():
        Milestone.objects.filter(pk=milestone.pk).update(achieved_on=date(2026, 1, 1))


def test_achieved_on_without_achieved_status_is_a_service_error():
    milestone = make_milestone()
    milestone.achieved_on = date(2026, 1, 1)
    with pytest.raises(ValidationError, match="only allowed when the status is achieved"):
        services.milestone_save(milestone=milestone)


@pytest.mark.parametrize("delete", ["organisation", "announcement", "person"])
def test_deleting_cited_records_is_refused(delete):
    owner = OrganisationFactory()
    announcement = AnnouncementFactory()
    milestone = make_milestone(owner=owner, moved_by=announcement)
    person = PersonFactory(affiliation=owner)
    announcement.quotes.create(speaker=person, text="Soon.")
    target = {"organisation": owner, "announcement": announcement, "person": person}[delete]
    with pytest.raises(ProtectedError):
        target.delete()
    assert Milestone.objects.filter(pk=milestone.pk).exists()


def test_creating_a_milestone_records_the_original_target():
    milestone = make_milestone(target="H2 2026")
    (revision,) = milestone.revisions.all()
    assert (revision.old_edtf, revision.new_edtf, revision.new_display) == ("", "2026-41", "H2 2026")


def test_rescheduling_records_old_and_new_target_and_the_announcement():
    nissan = OrganisationFactory(name="Nissan", country="JP", fiscal_year_start_month=4, kind="automaker")
    milestone = make_milestone(owner=nissan, target="FY2028")
    report = AnnouncementFactory(published_on=date(2026, 5, 1))
    services.milestone_reschedule(milestone=milestone, target_text="FY2029", moved_by=report)
    revision = milestone.revisions.order_by("-id").first()
    assert (revision.old_display, revision.new_display) == ("FY2028", "FY2029")
    assert (revision.old_end, revision.new_end) == (date(2029, 3, 31), date(2030, 3, 31))
    assert revision.moved_by == report and revision.effective_on == date(2026, 5, 1)


def test_moving_the_deadline_later_marks_the_milestone_delayed():
    milestone = make_milestone(target="2027", status=Milestone.Status.ON_TRACK)
    services.milestone_reschedule(milestone=milestone, target_text="2028")
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.DELAYED


def test_moving_the_deadline_earlier_keeps_the_status():
    milestone = make_milestone(target="2028", status=Milestone.Status.ON_TRACK)
    services.milestone_reschedule(milestone=milestone, target_text="H1 2028")
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.ON_TRACK


def test_final_milestone_is_not_marked_delayed_when_moved():
    milestone = make_milestone(target="2027", status=Milestone.Status.CANCELLED)
    services.milestone_reschedule(milestone=milestone, target_text="2029")
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.CANCELLED


def test_saving_without_a_target_change_records_no_revision():
    milestone = make_milestone(target="2030")
    milestone.title = "Renamed"
    services.milestone_save(milestone=milestone)
    assert milestone.revisions.count() == 1


def test_retyping_the_same_deadline_keeps_its_open_start():
    milestone = make_milestone(target="by 2030", opened_on=date(2024, 2, 13))
    services.milestone_reschedule(milestone=milestone, target_text="no later than 2030")
    assert milestone.window_start == date(2024, 2, 13)
    assert milestone.revisions.count() == 1


def test_achieving_without_a_date_means_today():
    milestone = make_milestone()
    services.milestone_set_status(milestone=milestone, status="achieved", today=date(2026, 3, 1))
    milestone.refresh_from_db()
    assert (milestone.status, milestone.achieved_on) == ("achieved", date(2026, 3, 1))


def test_leaving_achieved_clears_the_date():
    milestone = make_milestone()
    services.milestone_set_status(milestone=milestone, status="achieved", achieved_on=date(2026, 3, 1))
    services.milestone_set_status(milestone=milestone, status="at_risk")
    milestone.refresh_from_db()
    assert milestone.achieved_on is None


def test_unknown_status_is_refused_with_the_choices():
    with pytest.raises(ValidationError, match="on_track"):
        services.milestone_set_status(milestone=make_milestone(), status="done")


def test_overdue_is_derived_from_window_end_and_final_status():
    late = make_milestone(target="2025", status="on_track")
    done = make_milestone(target="2025", status="cancelled")
    future = make_milestone(target="2030")
    overdue = set(selectors.milestones_overdue(today=date(2026, 11, 26)))
    assert overdue == {late}
    assert late.is_overdue(date(2026, 11, 26)) and not done.is_overdue(date(2026, 11, 26))
    assert not future.is_overdue(date(2026, 11, 26))


def test_track_record_counts_on_time_late_missed_and_slips():
    owner = OrganisationFactory()
    on_time = make_milestone(owner=owner, target="2025")
    services.milestone_set_status(milestone=on_time, status="achieved", achieved_on=date(2025, 6, 1))
    late = make_milestone(owner=owner, target="2024")
    services.milestone_set_status(milestone=late, status="achieved", achieved_on=date(2025, 3, 1))
    missed = make_milestone(owner=owner, target="2023")
    services.milestone_set_status(milestone=missed, status="missed")
    slipped = make_milestone(owner=owner, target="2027")
    services.milestone_reschedule(milestone=slipped, target_text="2028")
    record = selectors.track_record(owner)
    assert (record.achieved_on_time, record.achieved_late, record.missed, record.slips) == (1, 1, 1, 1)
    assert record.average_slip_months == 12.0


def test_as_of_shows_the_target_believed_then():
    nissan = OrganisationFactory(name="Nissan", country="JP", fiscal_year_start_month=4)
    first = AnnouncementFactory(published_on=date(2024, 4, 1))
    milestone = make_milestone(owner=nissan, target="FY2028", moved_by=first)
    services.milestone_reschedule(
        milestone=milestone, target_text="FY2029", moved_by=AnnouncementFactory(published_on=date(2026, 5, 1))
    )
    queryset = Milestone.objects.filter(pk=milestone.pk)
    (then,) = [selectors.apply_as_of(m) for m in selectors.milestones_as_of(queryset, date(2025, 1, 1))]
    (now,) = [selectors.apply_as_of(m) for m in selectors.milestones_as_of(queryset, date(2026, 6, 1))]
    assert (then.target_display, then.window_end) == ("FY2028", date(2029, 3, 31))
    assert (now.target_display, now.window_end) == ("FY2029", date(2030, 3, 31))
    assert not selectors.milestones_as_of(queryset, date(2024, 1, 1)).exists()


def test_bulk_status_change_goes_through_the_single_edit_path():
    milestones = [make_milestone(target=f"{2027 + i}") for i in range(3)]
    services.milestone_set_status(milestone=milestones[0], status="achieved", achieved_on=date(2026, 1, 1))
    count = services.milestones_set_status(milestones=Milestone.objects.all(), status="at_risk")
    assert count == 3
    assert set(Milestone.objects.values_list("status", "achieved_on")) == {("at_risk", None)}
    # simple-history saw each change, as it would for a single edit
    assert Milestone.history.filter(status="at_risk").count() == 3


def test_revision_history_survives_only_with_its_milestone():
    milestone = make_milestone()
    milestone.delete()
    assert not TargetRevision.objects.exists()
