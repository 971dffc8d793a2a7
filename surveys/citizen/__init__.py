"""The citizen journey: code entry, the survey of a receipt, kiosk mode and open links."""
