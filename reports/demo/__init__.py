"""The demo city (Hanoi after the 2025 reform) used by `manage.py seed_demo`."""

from .generator import (
    DemoExists,
    DemoSummary,
    build_demo,
    demo_accounts,
    demo_exists,
    wipe_demo,
)

__all__ = ["DemoExists", "DemoSummary", "build_demo", "demo_accounts", "demo_exists", "wipe_demo"]
