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

from milestones import selectors, services
from milestones.models import Announcement, Milestone, Organisation, Person, Publisher, Relation

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

    def upsert(
        self, model: type[Model], lookup: dict, values: dict, kind: str, many: dict | None = None
    ) -> Model:
        """Create, or update only what differs (so a re-run writes nothing), through the services."""
        obj = selectors.record_find(model, lookup)
        created = obj is None
        obj = obj or model(**lookup)
        changed = {name: value for name, value in values.items() if created or getattr(obj, name) != value}
        many = {name: items for name, items in (many or {}).items() if created or _differs(obj, name, items)}
        if created or changed or many:
            self.write(obj, changed, many)
        self._count(kind, created, bool(changed or many))
        return obj

    def write(self, obj: Model, data: dict, many: dict) -> None:
        if isinstance(obj, Milestone):
            services.milestone_save(milestone=obj, data={**data, **many})
        elif isinstance(obj, Announcement):
            quotes = many.pop("quotes", None)
            services.announcement_save(announcement=obj, data={**data, **many}, quotes=quotes)
        else:
            services.record_save(instance=obj, data=data, many=many)

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
        quotes = [
            {
                "speaker": people[q["speaker"]],
                "text": q["text"],
                "occasion": q.get("occasion", ""),
                "position": i,
            }
            for i, q in enumerate(row.get("quotes", []))
        ]
        many = {"organisations": [organisations[s] for s in row.get("organisations", [])], "quotes": quotes}
        return self.upsert(Announcement, {"slug": row["slug"]}, values, "announcements", many)

    def _relation(self, row, organisations, default_evidence) -> Relation:
        lookup = {
            "source": organisations[row["source"]],
            "target": organisations[row["target"]],
            "kind": row["kind"],
        }
        values = {"role": row.get("role", ""), "note": row.get("note", "")}
        return self.upsert(Relation, lookup, values, "relations", {"evidence": default_evidence})

    def _milestone(self, row, organisations, announcements, default_evidence) -> Milestone:
        values = {
            "title": row["title"],
            "owner": organisations[row["owner"]],
            "category": row["category"],
            "technology": row.get("technology", Milestone.Technology.ALL_SOLID_STATE),
            "description": row.get("description", ""),
            "status": row.get("status", Milestone.Status.ANNOUNCED),
            "claim_strength": row.get("claim_strength", Milestone.ClaimStrength.UNSTATED),
            "semi_solid_called_solid_state": row.get("semi_solid_called_solid_state", False),
            "target_text": row["target"],
        }
        evidence = [announcements[s] for s in row["evidence"]] if "evidence" in row else default_evidence
        many = {"participants": [organisations[s] for s in row.get("participants", [])], "evidence": evidence}
        return self.upsert(Milestone, {"slug": row["slug"]}, values, "milestones", many)


def _differs(obj: Model, name: str, items: list) -> bool:
    if name == "quotes":
        stored = list(obj.quotes.values("speaker_id", "text", "occasion", "position"))
        wanted = [
            {"speaker_id": q["speaker"].pk, **{k: q[k] for k in ("text", "occasion", "position")}}
            for q in items
        ]
        return stored != wanted
    return set(getattr(obj, name).values_list("pk", flat=True)) != {item.pk for item in items}
