"""Request examples for the OpenAPI schema: records from the seed data, so every example works
as written against a fresh `make run` (and schemathesis' examples phase sends exactly these)."""

from __future__ import annotations

from dataclasses import dataclass

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema


@dataclass(frozen=True)
class Examples:
    lookup: str  # a record of the seed data
    create: dict
    update: dict  # a whole record, for PUT
    patch: dict

    def path(self) -> OpenApiParameter:
        return OpenApiParameter(
            "slug",
            OpenApiTypes.STR,
            OpenApiParameter.PATH,
            examples=[OpenApiExample("seed", value=self.lookup)],
        )

    def body(self, name: str, value: dict) -> OpenApiExample:
        return OpenApiExample(name, value=value, request_only=True)

    def actions(self, parameters: dict[str, list]) -> dict:
        """extend_schema per action, with the shared parameters of ``parameters``."""
        return {
            "create": extend_schema(
                parameters=parameters["create"], examples=[self.body("new", self.create)]
            ),
            "update": extend_schema(
                parameters=[self.path(), *parameters["update"]], examples=[self.body("whole", self.update)]
            ),
            "partial_update": extend_schema(
                parameters=[self.path(), *parameters["partial_update"]],
                examples=[self.body("one field", self.patch)],
            ),
            "retrieve": extend_schema(parameters=[self.path(), *parameters["retrieve"]]),
        }


MILESTONE = Examples(
    lookup="nissan-solid-state-cars-fy2028",
    create={"title": "Sulfide pilot line", "owner": "catl", "category": "pilot_line", "target": "H2 2027"},
    update={
        "title": "Solid-state cars on sale",
        "owner": "nissan",
        "category": "vehicle",
        "target": "FY2028",
        "claim_strength": "plans",
    },
    patch={"target": "by 2030"},
)
ANNOUNCEMENT = Examples(
    lookup="china-launches-solid-state-battery-offensive",
    create={
        "title": "CATL shows sulfide samples",
        "published_on": "2025-02-01",
        "publisher": "electrive",
        "source_url": "https://example.org/catl-sulfide-samples",
        "organisations": ["catl"],
    },
    update={
        "title": "China launches solid-state battery offensive",
        "published_on": "2025-01-28",
        "publisher": "electrive",
        "source_url": "https://example.org/china-solid-state-offensive",
    },
    patch={"summary": "A state-backed platform unites battery makers, automakers and research."},
)
ORGANISATION = Examples(
    lookup="catl",
    create={"name": "Example Cells", "kind": "start_up", "country": "DE", "aliases": ["ExCells"]},
    update={"name": "CATL", "kind": "battery_maker", "country": "CN", "founded": "2011"},
    patch={"website": "https://www.catl.com/"},
)
PERSON = Examples(
    lookup="ouyang-minggao",
    create={"name": "Example Researcher", "title": "Professor"},
    update={"name": "Ouyang Minggao", "title": "Academician"},
    patch={"title": "Professor"},
)
PUBLISHER = Examples(
    lookup="electrive",
    create={"name": "Example Wire"},
    update={"name": "electrive"},
    patch={"name": "electrive.com"},
)
