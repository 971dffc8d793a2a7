"""Small text helpers for the citizen pages."""

import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()

SOFT_HYPHEN = "\u00ad"
# Long rating words that do not fit a fifth of a phone screen: where they may break, with a
# hyphen, at English syllable breaks (dis·satis·fied).
_BREAKS = re.compile(r"(?<=\b[Dd]is)(?=satisfied\b)|(?<=[Ss]atis)(?=fied\b)")


@register.filter(needs_autoescape=True)
def breakable(text, autoescape=True):
    """The text with soft hyphens where long words may break ("Dis-satisfied"), never mid-letter."""
    text = conditional_escape(text) if autoescape else str(text)
    return mark_safe(_BREAKS.sub(SOFT_HYPHEN, str(text)))
