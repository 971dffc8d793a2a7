"""`GET /api/v1/comparison/`: the comparison's figures per unit, as /compare/ and its exports show
them — index and interval, funnel classification and rank range, response rate and coverage, and
Decision 766's yardstick (our reading) — for one period.

Access as the score API (reports.api.scope_units): a token reads its unit's subtree, a signed-in
user what `agencies.permissions.visible_units` allows; a parent outside that scope is a 404.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import authentication, exceptions, serializers
from rest_framework.response import Response as ApiResponse
from rest_framework.views import APIView

from agencies.models import Procedure, Unit
from surveys.api import ApiTokenAuthentication, error_responses
from surveys.models import Dimension

from . import compare_extras, selectors
from .api import CODE_PATTERN, PERIOD_PATTERN, CanReadScores, scope_units
from .periods import Period

MAX_UNITS = 5000


class ComparisonFilterSerializer(serializers.Serializer):
    period = serializers.RegexField(
        PERIOD_PATTERN,
        required=False,
        max_length=10,
        help_text="2025-10, 2025-Q3 or 2025 (default: the latest complete month).",
    )
    parent = serializers.RegexField(
        CODE_PATTERN,
        required=False,
        max_length=32,
        help_text="Compare this unit's direct sub-units (its pooled rate is the centre).",
    )
    kind = serializers.ChoiceField(required=False, choices=[c for c, _l in Unit.Kind.choices])
    method = serializers.ChoiceField(required=False, default="sipas", choices=["sipas", "766"])
    dimension = serializers.RegexField(
        CODE_PATTERN, required=False, max_length=32, help_text="An element code (default: overall)."
    )
    procedure = serializers.RegexField(
        CODE_PATTERN, required=False, max_length=32, help_text="A procedure's national code."
    )

    def validate_period(self, value):
        period = Period.parse(value)
        if period is None:
            raise serializers.ValidationError(_("Use 2025-10 (month), 2025-Q3 (quarter) or 2025 (year)."))
        return period


def _round(value, digits: int = 2):
    return None if value is None else round(value, digits)


@extend_schema(
    summary="Fair comparison of units",
    description=(
        "One row per active unit in the caller's scope (or the direct sub-units of `parent`) for one period: "
        "the index of the chosen method and element with its 95% interval (null without enough answers), the "
        "funnel-plot classification against the parent's pooled rate (`above`, `within`, `below`, `not_enough`; `centre` for the reference unit itself) "
        "and whether the unit is beyond the 99.8% limit, the range of ranks its uncertainty allows, the response "
        "rate and coverage (receipts issued / answered / expired, responses per channel), and Decision 766's "
        "yardstick as we read it: points = 6 × min(1, r / 0.90), 6 with no dossiers, r = not-dissatisfied / rated answers."
    ),
    parameters=[ComparisonFilterSerializer],
    responses={200: OpenApiTypes.OBJECT, **error_responses(400, 401, 403, 404)},
)
class ComparisonView(APIView):
    authentication_classes = [ApiTokenAuthentication, authentication.SessionAuthentication]
    permission_classes = [CanReadScores]

    def get(self, request):
        filters = ComparisonFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        scope = scope_units(request)
        units = scope.filter(active=True)
        centre = scope.order_by("depth", "path").first()
        if f.get("parent"):
            centre = scope.filter(code=f["parent"]).first()
            if centre is None:
                raise exceptions.NotFound({"parent": [_("No unit with this code in your scope.")]})
            units = units.filter(parent=centre)
        if f.get("kind"):
            units = units.filter(kind=f["kind"])
        dimension = procedure = None
        if f.get("dimension"):
            dimension = Dimension.objects.filter(code=f["dimension"]).first()
            if dimension is None:
                raise exceptions.NotFound({"dimension": [_("There is no such element.")]})
        if f.get("procedure"):
            procedure = Procedure.objects.filter(code=f["procedure"]).first()
            if procedure is None:
                raise exceptions.NotFound({"procedure": [_("There is no such administrative procedure.")]})
        period = f.get("period") or selectors.latest_period()
        method = f["method"]
        rows = selectors.comparison(
            units=units[:MAX_UNITS], period=period, method=method, dimension=dimension, procedure=procedure, load=[]
        )
        rows = selectors.sort_comparison(rows, "rank")
        extras = compare_extras.for_rows(
            rows,
            centre_unit=centre,
            period=period,
            method=method,
            dimension=dimension,
            procedure=procedure,
            min_responses=settings.MIN_RESPONSES_FOR_RANKING,
        )
        return ApiResponse(
            {
                "period": period.key,
                "method": method,
                "dimension": dimension.code if dimension else None,
                "procedure": procedure.code if procedure else None,
                "centre": {
                    "unit": extras.fair.centre_unit.code if extras.fair.centre_unit else None,
                    "index": _round(100 * extras.fair.centre) if extras.fair.centre is not None else None,
                },
                "response_rate_floor": settings.RESPONSE_RATE_FLOOR,
                "yardstick": {
                    "formula": "6 × min(1, r / 0.90); 6 with no dossiers",
                    "source": "Quyết định 766/QĐ-TTg ngày 23/6/2022",
                    "reading": "ours",
                },
                "results": [self._row(r, extras) for r in rows],
            }
        )

    @staticmethod
    def _row(row, extras) -> dict:
        x = extras.row(row.unit.id)
        f, c, y = x.fair, x.coverage, x.yardstick
        enough = row.focus.enough
        return {
            "unit": row.unit.code,
            "unit_name": row.unit.name_vi,
            "kind": row.unit.kind,
            "responses": row.focus.responses,
            "enough_responses": enough,
            "index": _round(row.focus.index) if enough else None,
            "ci_low": _round(row.focus.low) if enough else None,
            "ci_high": _round(row.focus.high) if enough else None,
            "rank": row.rank,
            "rank_range": [f.rank_low, f.rank_high] if f and f.rank_low is not None else None,
            "classification": f.classification if f else "not_enough",
            "beyond_998": bool(f and f.placed.beyond998),
            "effective_size": _round(f.n_eff, 1) if f and f.n_eff is not None else None,
            "coverage": {
                "receipts_issued": c.issued,
                "receipts_answered": c.answered,
                "receipts_expired": c.expired,
                "response_rate": _round(c.rate, 4),
                "below_floor": c.below_floor,
                "kiosk_sessions": c.kiosk_sessions,
                "responses_by_channel": {code: n for code, _label, n in c.channels},
                "responses_by_respondent_kind": {code or "unknown": n for code, _label, n in c.kinds},
            },
            "decision_766": {
                "numerator": y.numerator,
                "denominator": y.denominator,
                "share": _round(y.share),
                "points": _round(y.points, 3),
                "no_dossiers": y.no_dossiers,
            },
        }
