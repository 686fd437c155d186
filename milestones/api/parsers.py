"""JSON request bodies through orjson.

The stdlib parser recurses once per nesting level, so "[[[[…" a hundred
thousand deep raised RecursionError (a 500). orjson refuses documents nested
deeper than 1,024 levels with an ordinary decode error, which becomes a 400.
"""

from __future__ import annotations

import orjson
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class OrjsonParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return orjson.loads(stream.read())
        except (orjson.JSONDecodeError, UnicodeDecodeError) as error:
            raise ParseError(f"JSON parse error - {error}") from None
