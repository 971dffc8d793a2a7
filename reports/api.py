"""Score API for BI tools: `GET /api/v1/scores/`, filtered by unit, period, dimension, procedure, method.

Rule protected: a caller reads the scores of its own subtree only — an API token of a unit sees
that unit and everything below it; a signed-in user sees `agencies.permissions.visible_units`.
A unit outside that scope answers 404, exactly like a unit that does not exist.
Reads Score rows only, one query per page (plus the count).
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import (
    authentication,
    exceptions,
    generics,
    permissions,
    serializers,
)
from rest_framework.pagination import LimitOffsetPagination

from agencies import bounds
from agencies.models import Procedure, Unit
from agencies.permissions import visible_units
from surveys.api import ApiTokenAuthentication, error_responses
from surveys.models import ApiToken, Dimension
from surveys.models import Response as SurveyResponse

from .models import PeriodType, Scope, Score
from .periods import Period
from .presentation import judge_row
from .selectors import scores_method


def scope_units(request) -> QuerySet[Unit]:
    """The units a caller may read: a token's subtree, or what the signed-in user may see."""
    if isinstance(request.auth, ApiToken):
        return Unit.objects.subtree_of(request.auth.unit)
    return visible_units(request.user)


class CanReadScores(permissions.BasePermission):
    def has_permission(self, request, view):
        if isinstance(request.auth, ApiToken):
            return True
        return bool(request.user and request.user.is_authenticated and visible_units(request.user).exists())


CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"
PERIOD_PATTERN = r"^(20[0-9]{2}|2100)(-(0[1-9]|1[0-2])|-Q[1-4])?$"


@extend_schema_field({"type": "string", "format": "date", "pattern": r"^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$"})
class BoundedDateField(serializers.DateField):
    """A date between 2000 and 2100; given but empty (`?until=`) is refused like any malformed date,
    as the schema says (DRF would otherwise drop an empty optional query parameter silently)."""

    def get_value(self, dictionary):
        if self.field_name in dictionary and dictionary.get(self.field_name) == "":
            return ""
        return super().get_value(dictionary)

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not bounds.in_range(day):
            raise serializers.ValidationError(bounds.DATE_RANGE_MESSAGE)
        return day


class ScoreFilterSerializer(serializers.Serializer):
    """The query string, validated: a malformed filter is a 400 that names the field, never a 500."""

    unit = serializers.RegexField(CODE_PATTERN, required=False, max_length=32, help_text="Unit code.")
    subtree = serializers.BooleanField(
        required=False, default=False, help_text="With `unit`: also every unit below it."
    )
    period = serializers.RegexField(
        PERIOD_PATTERN,
        required=False,
        max_length=10,
        help_text="One period: 2025-10 (month), 2025-Q3 (quarter) or 2025 (year).",
    )
    period_type = serializers.ChoiceField(required=False, choices=[c for c, _l in PeriodType.choices])
    since = BoundedDateField(required=False, help_text="Periods starting on or after this date (2000–2100).")
    until = BoundedDateField(required=False, help_text="Periods starting on or before this date (2000–2100).")
    dimension = serializers.RegexField(
        CODE_PATTERN, required=False, max_length=32, help_text="A dimension code, `overall` (default) or `all`."
    )
    procedure = serializers.RegexField(
        CODE_PATTERN,
        required=False,
        max_length=32,
        help_text="A procedure's national code, `all` (default: all procedures "
        "together) or `each` (one row per procedure).",
    )
    scope = serializers.ChoiceField(required=False, default=Scope.SUBTREE, choices=[c for c, _l in Scope.choices])
    method = serializers.ChoiceField(required=False, default="both", choices=["sipas", "766", "both"])

    def validate_period(self, value):
        period = Period.parse(value)
        if period is None:
            raise serializers.ValidationError(_("Use 2025-10 (month), 2025-Q3 (quarter) or 2025 (year)."))
        return period


class MethodFiguresSerializer(serializers.Serializer):
    index = serializers.FloatField(allow_null=True, help_text="% of rated answers counted (null: not enough).")
    ci_low = serializers.FloatField(allow_null=True, help_text="95% interval, low end.")
    ci_high = serializers.FloatField(allow_null=True, help_text="95% interval, high end.")
    change = serializers.FloatField(
        allow_null=True,
        help_text="Points since the previous period; null when either period has too few responses (not comparable).",
    )
    change_significant = serializers.BooleanField()
    n_eff = serializers.FloatField(allow_null=True, help_text="Effective sample size behind the interval.")
    presentation = serializers.ChoiceField(
        choices=["reliable", "warning", "suppressed"],
        help_text="The presentation rule (docs/methodology.md): suppressed figures have a null index and interval.",
    )
    reason = serializers.CharField(help_text="Why the figure is suppressed or carries a warning; empty when reliable.")


class MethodSerializer(serializers.Serializer):
    version = serializers.CharField(help_text="Version of the scoring rules.")
    interval = serializers.ChoiceField(choices=["korn-graubard", "wilson-neff"])
    open_link_included = serializers.BooleanField(help_text="Whether open-link answers count in these scores.")
    min_responses = serializers.IntegerField(help_text="Responses needed to show, rank or compare a figure.")
    computed_at = serializers.DateTimeField(allow_null=True)


class ScoreSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code")
    unit_name = serializers.CharField(source="unit.name_vi")
    dimension = serializers.SerializerMethodField()
    scope = serializers.SerializerMethodField()
    procedure = serializers.SerializerMethodField()
    period = serializers.SerializerMethodField()
    period_end = serializers.SerializerMethodField()
    sipas = serializers.SerializerMethodField(help_text="SIPAS: answers rated 4–5 count as satisfied.")
    decision_766 = serializers.SerializerMethodField(help_text="Decision 766: answers not rated 1–2 count.")
    mean = serializers.SerializerMethodField(help_text="Mean rating 1–5 (null: not enough responses).")
    method = serializers.SerializerMethodField(help_text="The method these figures were computed with.")

    class Meta:
        model = Score
        fields = [
            "unit",
            "unit_name",
            "scope",
            "dimension",
            "procedure",
            "period_type",
            "period",
            "period_start",
            "period_end",
            "responses",
            "answers",
            "mean",
            "enough_responses",
            "sipas",
            "decision_766",
            "method",
            "computed_at",
        ]

    def get_scope(self, obj) -> str:
        # A unit without sub-units answers `subtree` with its own rows (ScoreQuerySet.in_scope).
        return self.context.get("scope") or obj.scope

    def get_mean(self, obj) -> float | None:
        # The same rule as every other figure of a small cell (docs/privacy.md): counts only.
        return obj.mean if obj.enough_responses else None

    def get_dimension(self, obj) -> str | None:
        return obj.dimension.code if obj.dimension_id else None

    def get_procedure(self, obj) -> str | None:
        return obj.procedure.code if obj.procedure_id else None

    def get_period(self, obj) -> str:
        return (
            Period(obj.period_type, obj.period_start).key
            if obj.period_type != PeriodType.DAY
            else (obj.period_start.isoformat())
        )

    def get_period_end(self, obj) -> str:
        if obj.period_type == PeriodType.DAY:
            return obj.period_start.isoformat()
        return Period(obj.period_type, obj.period_start).end.isoformat()

    def _method(self, obj, m: str) -> dict | None:
        if self.context.get("method") not in ("both", m):
            return None
        verdict = judge_row(obj, m, settings.MIN_RESPONSES_FOR_RANKING)
        enough = obj.enough_responses and verdict.shown
        return {
            "index": getattr(obj, f"index_{m}") if enough else None,
            "ci_low": getattr(obj, f"ci_low_{m}") if enough else None,
            "ci_high": getattr(obj, f"ci_high_{m}") if enough else None,
            "change": getattr(obj, f"change_{m}") if enough else None,
            "change_significant": getattr(obj, f"change_{m}_significant") and enough,
            "n_eff": getattr(obj, f"n_eff_{m}"),
            "presentation": verdict.status,
            "reason": str(verdict.detail),
        }

    @extend_schema_field(MethodSerializer(allow_null=True))
    def get_method(self, obj) -> dict | None:
        if "scores_method" not in self.context:
            self.context["scores_method"] = scores_method()
        return self.context["scores_method"]

    @extend_schema_field(MethodFiguresSerializer(allow_null=True))
    def get_sipas(self, obj) -> dict | None:
        return self._method(obj, "sipas")

    @extend_schema_field(MethodFiguresSerializer(allow_null=True))
    def get_decision_766(self, obj) -> dict | None:
        return self._method(obj, "766")


class ScorePagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000


@extend_schema(
    responses={200: ScoreSerializer(many=True), **error_responses(400, 401, 403, 404)},
    summary="Satisfaction scores",
    description=(
        "Score rows of the caller's subtree: an API token sees its unit and every unit below it; a signed-in "
        "user sees the units of their memberships. Indexes are null when the period has fewer responses than "
        "the ranking minimum (`enough_responses` false). Each figure block names its method."
    ),
    parameters=[ScoreFilterSerializer],
)
class ScoreList(generics.ListAPIView):
    serializer_class = ScoreSerializer
    pagination_class = ScorePagination
    authentication_classes = [ApiTokenAuthentication, authentication.SessionAuthentication]
    permission_classes = [CanReadScores]

    def get_filters(self) -> dict:
        if not hasattr(self, "_filters"):
            filters = ScoreFilterSerializer(data=self.request.query_params)
            filters.is_valid(raise_exception=True)
            self._filters = filters.validated_data
        return self._filters

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["method"] = self.get_filters().get("method", "both")
        context["scope"] = self.get_filters().get("scope", Scope.SUBTREE)
        return context

    def get_queryset(self):
        f = self.get_filters()
        units = scope_units(self.request)
        qs = Score.objects.in_scope(f.get("scope", Scope.SUBTREE))
        if f.get("unit"):
            unit = units.filter(code=f["unit"]).first()
            if unit is None:
                raise exceptions.NotFound({"unit": [_("No unit with this code in your scope.")]})
            qs = qs.filter(unit__path__startswith=unit.path) if f.get("subtree") else qs.filter(unit=unit)
        else:
            qs = qs.filter(unit__in=units)
        period = f.get("period")
        if period is not None:
            qs = qs.filter(period_type=period.type, period_start=period.start)
        else:
            qs = qs.filter(period_type=f.get("period_type", PeriodType.MONTH))
        if f.get("since"):
            qs = qs.filter(period_start__gte=f["since"])
        if f.get("until"):
            qs = qs.filter(period_start__lte=f["until"])
        dimension = f.get("dimension", "overall")
        if dimension == "overall":
            qs = qs.filter(dimension__isnull=True)
        elif dimension != "all":
            dim = Dimension.objects.filter(code=dimension).first()
            if dim is None:
                raise exceptions.NotFound({"dimension": [_("There is no such element.")]})
            qs = qs.filter(dimension=dim)
        procedure = f.get("procedure", "all")
        if procedure == "all":
            qs = qs.filter(procedure__isnull=True)
        elif procedure == "each":
            qs = qs.filter(procedure__isnull=False)
        else:
            proc = Procedure.objects.filter(code=procedure).first()
            if proc is None:
                raise exceptions.NotFound({"procedure": [_("There is no such administrative procedure.")]})
            qs = qs.filter(procedure=proc)
        return qs.select_related("unit", "dimension", "procedure").order_by(
            "unit__path", "period_start", "dimension__order", "procedure__code", "id"
        )


# --------------------------------------------------------------------------- channels (issue 14)


class ChannelFilterSerializer(serializers.Serializer):
    unit = serializers.RegexField(CODE_PATTERN, max_length=32, help_text="Unit code.")
    period = serializers.RegexField(
        PERIOD_PATTERN, max_length=10, help_text="2025-10 (month), 2025-Q3 (quarter) or 2025 (year)."
    )
    scope = serializers.ChoiceField(required=False, default=Scope.SUBTREE, choices=[c for c, _l in Scope.choices])

    def validate_period(self, value):
        period = Period.parse(value)
        if period is None:
            raise serializers.ValidationError(_("Use 2025-10 (month), 2025-Q3 (quarter) or 2025 (year)."))
        return period


class ChannelMethodSerializer(serializers.Serializer):
    index = serializers.FloatField(allow_null=True, help_text="% of rated answers counted (null: hidden).")
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    n_eff = serializers.FloatField(allow_null=True, help_text="Effective sample size behind the interval.")
    presentation = serializers.ChoiceField(choices=["reliable", "warning", "suppressed"])
    reason = serializers.CharField(help_text="Why the figure is hidden or uncertain; empty when reliable.")


class ChannelFiguresSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=[c for c, _l in SurveyResponse.Channel.choices])
    official = serializers.BooleanField(help_text="Whether this channel's answers count in the official scores.")
    responses = serializers.IntegerField()
    answers = serializers.IntegerField()
    sipas = ChannelMethodSerializer()
    decision_766 = ChannelMethodSerializer()


class ChannelListSerializer(serializers.Serializer):
    method = MethodSerializer(allow_null=True, help_text="The method the figures were computed with.")
    results = ChannelFiguresSerializer(many=True)


@extend_schema(
    summary="Figures by channel",
    description=(
        "Receipt, kiosk and open-link answers of one unit (its own answers or its subtree) in one period, each "
        "with its index, Korn–Graubard interval and the presentation rule's verdict. Open-link answers are "
        "reported here whether or not they count in the official scores (`official`)."
    ),
    parameters=[ChannelFilterSerializer],
    responses={200: ChannelListSerializer, **error_responses(400, 401, 403, 404)},
)
class ChannelList(generics.GenericAPIView):
    authentication_classes = [ApiTokenAuthentication, authentication.SessionAuthentication]
    permission_classes = [CanReadScores]
    serializer_class = ChannelFiguresSerializer

    def get(self, request):
        from rest_framework.response import Response

        from .channels import channel_breakdown

        filters = ChannelFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        unit = scope_units(request).filter(code=data["unit"]).first()
        if unit is None:
            raise exceptions.NotFound({"unit": [_("No unit with this code in your scope.")]})
        period = data["period"]
        rows = channel_breakdown(unit, scope=data["scope"], first=period.start, last=period.end)
        return Response({"method": scores_method(), "results": [row.as_dict() for row in rows]})
