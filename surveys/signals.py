"""Signals of the surveys app, for the apps above it (surveys imports none of them).

`response_stored` is sent by `surveys.citizen.services.response_submit` inside its transaction,
once, when a new response has been stored (never for a retry that finds the response already
there), with `response=`. A receiver that raises rolls the submission back, so what it writes exists exactly
when the response does. A receiver may return a dict of values for the page that follows the
submission; they reach the view as `SubmitResult.extras` (the feedback app returns the citizen's
reply key this way).
"""

from django.dispatch import Signal

response_stored = Signal()
