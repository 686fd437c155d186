"""The load test's data set: the seed plus 2,000 milestones, 2,000 announcements and
300 organisations, built once into the database the load test owns; an editor's key."""

from __future__ import annotations

import os


def build_data(env: dict) -> dict:
    """Seed plus a bulk data set (once), an editor with a token; returns what clients need."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssbtracker.settings")
    import django

    django.setup()
    from datetime import date, timedelta

    from django.contrib.auth import get_user_model

    from milestones import services
    from milestones.models import Announcement, Milestone, Organisation, Publisher, TargetRevision

    if Milestone.objects.count() < 2000:
        print("building data set …", flush=True)
        publisher = Publisher.objects.get_or_create(slug="load-wire", defaults={"name": "Load Wire"})[0]
        countries = ["CN", "JP", "KR", "US", "DE", "FR", "SE", "CA"]
        orgs = Organisation.objects.bulk_create(
            Organisation(name=f"Load Org {i}", slug=f"load-org-{i}", kind="battery_maker",
                         country=countries[i % 8], region=services_region(countries[i % 8]))
            for i in range(300)
        )  # fmt: skip
        Announcement.objects.bulk_create(
            Announcement(title=f"Load announcement {i}", slug=f"load-ann-{i}", publisher=publisher,
                         published_on=date(2024, 1, 1) + timedelta(days=i % 700),
                         url=f"https://load.example/{i}", url_normalized=f"load.example/{i}")
            for i in range(2000)
        )  # fmt: skip
        phrases = ["2027", "by 2030", "H2 2026", "FY2028", "around 2029", "Q3 2027", "2027/28", "late 2031"]
        milestones = []
        for i in range(2000):
            owner = orgs[i % 300]
            target = services.target_parse(text=phrases[i % 8], owner=owner, opened_on=date(2024, 6, 1))
            milestone = Milestone(owner=owner, title=f"Load milestone {i}", slug=f"load-ms-{i}",
                                  category="start_of_production")  # fmt: skip
            milestone.set_target(target)
            milestones.append(milestone)
        Milestone.objects.bulk_create(milestones)
        TargetRevision.objects.bulk_create(
            TargetRevision(milestone=m, new_text=m.target_text, new_edtf=m.target_edtf, new_display=m.target_display,
                           new_start=m.window_start, new_end=m.window_end, recorded_at=m.created_at,
                           effective_on=date(2024, 6, 1))
            for m in Milestone.objects.filter(slug__startswith="load-ms-")
        )  # fmt: skip
    editor, _ = get_user_model().objects.get_or_create(username="load-editor", defaults={"is_staff": True})
    editor.groups.add(services.editors_group_ensure())
    _, key = services.api_token_create(user=editor, name="load test", rotate=True)  # one key per run
    return {
        "token": key,
        "milestones": list(Milestone.objects.values_list("slug", flat=True)[:2000]),
        "organisations": list(Organisation.objects.values_list("slug", flat=True)[:300]),
        "writable": list(
            Milestone.objects.filter(slug__startswith="load-ms-").values_list("slug", flat=True)[:200]
        ),
    }


def services_region(country: str) -> str:
    from milestones.models import region_for_country

    return region_for_country(country)
