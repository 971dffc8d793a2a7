"""The manage pages of the citizen journey: printed receipts, kiosks and API tokens."""
