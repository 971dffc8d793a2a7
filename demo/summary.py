"""What building the demo city made: counts, first and last day, seconds, accounts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .accounts import DemoAccount


@dataclass
class DemoSummary:
    units: int = 0
    historical_units: int = 0
    successions: int = 0
    procedures: int = 0
    service_points: int = 0
    kiosks: int = 0
    receipts: int = 0
    responses: int = 0
    excluded: int = 0
    answers: int = 0
    first_day: date | None = None
    last_day: date | None = None
    seconds: float = 0.0
    accounts: list[DemoAccount] = field(default_factory=list)
