"""Template helpers of issue 17's comparison figures (reports.compare_extras)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def row_extras(extras, unit_id):
    """The funnel class, rank range, coverage and yardstick of one unit of a comparison."""
    return extras.row(unit_id) if extras is not None else None


@register.filter
def points(value) -> str:
    """Decision 766 points, two decimals, with the language's decimal separator."""
    from reports.templatetags.reports_tags import pct

    return "" if value is None else pct(value, 2)


@register.filter
def lookup(mapping, key):
    """mapping[key], or None."""
    return mapping.get(key) if mapping else None


@register.filter
def open_class(row) -> str:
    """The funnel class of a published open-data row, in the reader's language."""
    from reports.open_data_extras import class_label

    return class_label(row)


@register.filter
def open_rank_range(row) -> str:
    from reports.open_data_extras import rank_range

    return rank_range(row)
