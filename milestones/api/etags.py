"""Entity tags and If-Match preconditions: no write is based on a stale read.

The ETag is a hash of the resource's current representation, so it changes
whenever anything a client sees changes (a new quote, a renamed owner), not only
the row's own ``updated_at``. Writes (PUT, PATCH, DELETE) must send ``If-Match``:
either the ETag from a GET, or ``*`` to overwrite without checking. Without it the
answer is 428; with a stale one, 412. The comparison is the services' version check
(the same one the admin's edit form uses), made with the row locked
(``SELECT … FOR UPDATE``), so two clients holding the same ETag cannot both win.
"""

from __future__ import annotations

import hashlib

import orjson
from django.utils.http import parse_etags
from rest_framework.request import Request

from .exceptions import PreconditionRequired


def etag_for(data: dict) -> str:
    digest = hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return f'"{digest[:32]}"'


def if_none_match(request: Request, etag: str) -> bool:
    """True when the client already holds this representation (answer 304)."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    tags = parse_etags(header)
    # If-None-Match compares weakly: W/"x" matches "x".
    return "*" in tags or etag in tags or etag in [tag.removeprefix("W/") for tag in tags]


def if_match_tags(request: Request) -> list[str]:
    """The strong tags of If-Match (``*`` included); 428 when the header is missing.
    If-Match compares strongly, so a weak tag never matches."""
    header = request.headers.get("If-Match")
    if not header or not header.strip():
        raise PreconditionRequired()
    return [tag for tag in parse_etags(header) if not tag.startswith("W/")]
