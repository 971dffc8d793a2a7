"""Number formatting shared by templates (reports_tags) and by code that draws SVG or labels."""

from __future__ import annotations

from django.utils.formats import get_format


def decimal(value, digits: int = 1) -> str:
    """A figure with `digits` decimals and the language's decimal separator; '—' for none."""
    if value is None or value == "":
        return "—"
    text = f"{float(value):.{int(digits)}f}"
    separator = get_format("DECIMAL_SEPARATOR")
    return text.replace(".", separator) if separator != "." else text
