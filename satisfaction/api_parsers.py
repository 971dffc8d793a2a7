"""The API's JSON parser, bounded: body size and nesting depth are checked before json.loads runs.

A body nested thousands of levels deep made json.loads raise RecursionError, a 500; a body of
megabytes cost memory for nothing (a receipt request is a few hundred bytes). Both are a 400 now.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def json_depth(text: str) -> int:
    """The deepest nesting of [ and { in a JSON text, strings skipped."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise ParseError(_("The request body is too large (at most %(limit)d bytes).") % {"limit": limit})
        try:
            text = raw.decode((parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET)
        except UnicodeDecodeError:
            raise ParseError(_("The request body is not valid UTF-8.")) from None
        if json_depth(text) > settings.API_MAX_JSON_DEPTH:
            raise ParseError(
                _("The JSON is nested too deeply (at most %(depth)d levels).") % {"depth": settings.API_MAX_JSON_DEPTH}
            )
        import io

        return super().parse(io.BytesIO(raw), media_type, parser_context)
