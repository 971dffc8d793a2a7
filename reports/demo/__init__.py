"""The demo city (Hanoi after the 2025 reform) used by `manage.py seed_demo`."""

from .accounts import DemoAccount, demo_accounts
from .generator import DemoExists, DemoSummary, build_demo
from .scope import demo_exists, wipe_demo

__all__ = ["DemoAccount", "DemoExists", "DemoSummary", "build_demo", "demo_accounts", "demo_exists", "wipe_demo"]
