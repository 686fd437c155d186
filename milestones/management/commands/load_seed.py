"""Load the project's seed data (the CASIP story). Running it again changes nothing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Model

from milestones import services
from milestones.models import (
    Announcement,
    Milestone,
    Organisation,
    Person,
    Publisher,
    Quote,
    Relation,
)

SEED_FILE = Path(__file__).resolve().parents[2] / "seed" / "casip.json"


class Command(BaseCommand):
    help = "Load the seed data (CASIP, Toyota, Nissan …) from milestones/seed/casip.json; idempotent."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--file", type=Path, default=SEED_FILE, help="seed JSON file")

    def handle(self, *args, file: Path, **options) -> None:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise CommandError(f"cannot read seed file {file}: {error}") from None
        try:
            with transaction.atomic():
                stats = SeedLoader(data).load()
        except (ValidationError, KeyError, ValueError) as error:
            raise CommandError(f"seed file {file} is invalid, nothing was loaded: {error}") from None
        summary = ", ".join(
            f"{kind}: {created} new, {updated} updated" for kind, (created, updated) in stats.items()
        )
        self.stdout.write(self.style.SUCCESS(f"Seed loaded from {file.name} — {summary}"))


class SeedLoader:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.stats: dict[str, list[int]] = {}

    def _count(self, kind: str, created: bool, changed: bool) -> None:
        counts = self.stats.setdefault(kind, [0, 0])
        if created:
            counts[0] += 1
        elif changed:
            counts[1] += 1

    def upsert(self, model: type[Model], lookup: dict, values: dict, kind: str) -> Model:
        """Create, or update only the fields that differ (so a re-run writes nothing)."""
        obj = model.objects.filter(**lookup).first()
        created = obj is None
        obj = obj or model(**lookup)
        changed = [name for name, value in values.items() if created or getattr(obj, name) != value]
        for name in changed:
            setattr(obj, name, values[name])
        if created or changed:
            obj.full_clean()
            obj.save()
        self._count(kind, created, bool(changed))
        return obj

    def load(self) -> dict[str, list[int]]:
        publishers = {p["slug"]: self._publisher(p) for p in self.data["publishers"]}
        organisations = {}
        for row in self.data["organisations"]:
            organisations[row["slug"]] = self._organisation(row, organisations)
        people = {p["slug"]: self._person(p, organisations) for p in self.data["people"]}
        announcements = {
            a["slug"]: self._announcement(a, publishers, organisations, people)
            for a in self.data["announcements"]
        }
        default_evidence = [announcements[s] for s in self.data.get("default_evidence", [])]
        for row in self.data["relations"]:
            self._relation(row, organisations, default_evidence)
        for row in self.data["milestones"]:
            self._milestone(row, organisations, announcements, default_evidence)
        return self.stats

    def _publisher(self, row: dict) -> Publisher:
        values = {"name": row["name"], "website": row.get("website", ""), "country": row.get("country", "")}
        return self.upsert(Publisher, {"slug": row["slug"]}, values, "publishers")

    def _organisation(self, row: dict, known: dict[str, Organisation]) -> Organisation:
        values = {
            "name": row["name"],
            "kind": row["kind"],
            "country": row["country"],
            "parent": known[row["parent"]] if row.get("parent") else None,
            "state_owned": row.get("state_owned", False),
            "aliases": "\n".join(row.get("aliases", [])),
            "fiscal_year_start_month": row.get("fiscal_year_start_month", 1),
            "founded": row.get("founded", ""),
            "description": row.get("description", ""),
        }
        return self.upsert(Organisation, {"slug": row["slug"]}, values, "organisations")

    def _person(self, row: dict, organisations: dict[str, Organisation]) -> Person:
        values = {
            "name": row["name"],
            "title": row.get("title", ""),
            "affiliation": organisations.get(row.get("affiliation")),
        }
        return self.upsert(Person, {"slug": row["slug"]}, values, "people")

    def _announcement(self, row, publishers, organisations, people) -> Announcement:
        values = {
            "title": row["title"],
            "published_on": date.fromisoformat(row["published_on"]),
            "publisher": publishers[row["publisher"]],
            "original_source": publishers.get(row.get("original_source")),
            "url": row["url"],
            "paywalled": row.get("paywalled", False),
            "summary": row.get("summary", ""),
        }
        announcement = self.upsert(Announcement, {"slug": row["slug"]}, values, "announcements")
        _set_m2m(announcement.organisations, [organisations[s] for s in row.get("organisations", [])])
        for position, quote in enumerate(row.get("quotes", [])):
            lookup = {"announcement": announcement, "position": position}
            values = {
                "speaker": people[quote["speaker"]],
                "text": quote["text"],
                "occasion": quote.get("occasion", ""),
            }
            self.upsert(Quote, lookup, values, "quotes")
        return announcement

    def _relation(self, row, organisations, default_evidence) -> Relation:
        lookup = {
            "source": organisations[row["source"]],
            "target": organisations[row["target"]],
            "kind": row["kind"],
        }
        values = {"role": row.get("role", ""), "note": row.get("note", "")}
        relation = self.upsert(Relation, lookup, values, "relations")
        _set_m2m(relation.evidence, default_evidence)
        return relation

    def _milestone(self, row, organisations, announcements, default_evidence) -> Milestone:
        owner = organisations[row["owner"]]
        evidence = [announcements[s] for s in row["evidence"]] if "evidence" in row else default_evidence
        opened_on = min((a.published_on for a in evidence), default=None)
        target = services.target_parse(text=row["target"], owner=owner, opened_on=opened_on)
        milestone = Milestone.objects.filter(slug=row["slug"]).first()
        created = milestone is None
        milestone = milestone or Milestone(slug=row["slug"])
        values = {
            "title": row["title"],
            "owner": owner,
            "category": row["category"],
            "technology": row.get("technology", Milestone.Technology.ALL_SOLID_STATE),
            "description": row.get("description", ""),
            "status": row.get("status", Milestone.Status.ANNOUNCED),
            "claim_strength": row.get("claim_strength", Milestone.ClaimStrength.UNSTATED),
            "semi_solid_called_solid_state": row.get("semi_solid_called_solid_state", False),
        }
        changed = [name for name, value in values.items() if getattr(milestone, name, None) != value]
        target_changed = created or milestone.target_edtf != target.edtf or milestone.window_end != target.end
        for name in changed:
            setattr(milestone, name, values[name])
        if created or changed or target_changed:
            services.milestone_save(
                milestone=milestone,
                target=target if target_changed else None,
                moved_by=evidence[0] if evidence else None,
            )
        self._count("milestones", created, bool(changed) or target_changed)
        _set_m2m(milestone.participants, [organisations[s] for s in row.get("participants", [])])
        _set_m2m(milestone.evidence, evidence)
        return milestone


def _set_m2m(manager, objects: list) -> None:
    """Replace a many-to-many set only when it differs."""
    if set(manager.values_list("pk", flat=True)) != {o.pk for o in objects}:
        manager.set(objects)
