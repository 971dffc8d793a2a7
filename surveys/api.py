"""REST API for the one-stop software: issue a receipt when a dossier is returned to the citizen.

Authenticated by an API token of one unit (`Authorization: Token <key>`); the token may issue for
its unit's subtree only. The dossier reference is kept only as a keyed hash, and a dossier gets
one receipt: asking again returns the same receipt with 200 and the very same fields as when it
was issued — never whether or when it was used (docs/privacy.md: a caller who knows the dossier
must learn nothing of the citizen's answer, not even its time).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import authentication, exceptions, permissions, serializers, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response as ApiResponse
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from agencies.models import Procedure, ServicePoint, Unit

from . import receipts, selectors
from .links import survey_url
from .models import ApiToken, Receipt, RespondentKind


class ApiError(serializers.Serializer):
    """Every error of the API: `detail` says what went wrong; a refused field is named by its own
    key with a list of messages instead (e.g. `{"unit": ["No unit has this code."]}`)."""

    detail = serializers.CharField(required=False, help_text="What went wrong, in the caller's language.")


def error_responses(*statuses: int) -> dict:
    """The documented error answers of an endpoint, each with the ApiError body."""
    meaning = {
        400: "Malformed: a field is invalid (named by its key), the JSON cannot be read, is nested too "
        "deeply or too large, or contains NUL.",
        401: "No token, or an invalid or revoked one.",
        403: "The unit is outside the token's subtree.",
        404: "A unit, procedure or service point with this code does not exist (named by its key), or is "
        "not in the caller's scope.",
        409: "This dossier already has a receipt of a unit outside the token's subtree.",
        415: "Only application/json bodies are accepted.",
        429: "Too many requests for this token; wait the Retry-After seconds.",
    }
    return {code: OpenApiResponse(ApiError, description=meaning[code]) for code in statuses}


class ApiTokenUser:
    """The caller of a token request: a unit's software, not a person."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    is_staff = False
    is_anonymous = False

    def __init__(self, token: ApiToken):
        self.token = token
        self.pk = None

    def __str__(self) -> str:
        return f"token {self.token.prefix}…"


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>` (or `Bearer <key>`) with a live token; revoked tokens fail."""

    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header: give the keyword and the token."))
        token = selectors.api_token_by_key(header[1].decode(errors="replace"))
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            # Written at most once a minute per token, to keep the hot path free of extra writes.
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return ApiTokenUser(token), token

    def authenticate_header(self, request):
        return "Token"


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "surveys.api.ApiTokenAuthentication"
    name = "ApiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>` — a token of one unit, created in /manage/tokens/ or the admin.",
        }


class HasApiToken(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, ApiToken)


class TokenRateThrottle(SimpleRateThrottle):
    """Per token: a one-stop system issues at most a few receipts a second."""

    scope = "receipts"
    rate = "600/min"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            return f"throttle:receipts:{request.auth.pk}"
        return None


# Codes as units, procedures and counters have them; a dossier reference is any text without NUL
# or lone surrogates (neither can be stored nor hashed). The schema states both, so what it accepts
# is accepted, and what it refuses is refused.
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"
DOSSIER_PATTERN = r"^[^\u0000\ud800-\udfff]*$"


def strict_request_bodies(result, generator, request, public):
    """drf-spectacular post-processing hook: request bodies admit no undeclared property (the
    serializers refuse them too), so the schema says what the API refuses."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    return result


class ReceiptRequestSerializer(serializers.Serializer):
    unit = serializers.RegexField(CODE_PATTERN, max_length=32, help_text="Code of the unit that served the citizen.")
    procedure = serializers.RegexField(
        CODE_PATTERN,
        max_length=32,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="National code of the administrative procedure (TTHC).",
    )
    service_point = serializers.RegexField(
        CODE_PATTERN,
        max_length=32,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Code of the counter within the unit.",
    )
    dossier = serializers.RegexField(
        DOSSIER_PATTERN,
        max_length=200,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Dossier reference (mã số hồ sơ). Stored only as a keyed hash; "
        "the same dossier always gets the same receipt.",
    )

    channel = serializers.ChoiceField(
        choices=Receipt.Channel.choices,
        required=False,
        default=Receipt.Channel.COUNTER,
        help_text="How the dossier was handled: `counter` (default) or `online` (a level 3–4 online public "
        "service; send the returned link with the result notification).",
        error_messages={
            # The values are the API's words, not translated (test_online_dossiers checks them).
            "invalid_choice": _("“{input}” is not a channel; the allowed values are: counter, online.")
        },
    )
    respondent_kind = serializers.ChoiceField(
        choices=RespondentKind.choices,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Who filed the dossier: `individual` or `organisation` (a business or other organisation).",
        error_messages={
            "invalid_choice": _("“{input}” is not a respondent kind; the allowed values are: individual, organisation.")
        },
    )

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key[:64]: [_("Unknown field.")] for key in unknown[:10]})
        return super().to_internal_value(data)

    def validate_unit(self, value: str) -> Unit:
        unit = Unit.objects.filter(code=value.strip()).first()
        if unit is None:
            raise serializers.ValidationError(_("No unit has this code."), code="not_found")
        if not unit.active:
            raise serializers.ValidationError(_("This unit is no longer active."))
        return unit

    def validate_procedure(self, value):
        if not value:
            return None
        procedure = Procedure.objects.filter(code=value.strip()).first()
        if procedure is None:
            raise serializers.ValidationError(_("No administrative procedure has this code."), code="not_found")
        return procedure

    def validate(self, attrs):
        point_code = (attrs.get("service_point") or "").strip()
        attrs["service_point"] = None
        if point_code:
            point = ServicePoint.objects.filter(unit=attrs["unit"], code=point_code).first()
            if point is None:
                raise serializers.ValidationError(
                    {"service_point": [ErrorDetail(_("This unit has no service point with this code."), "not_found")]}
                )
            attrs["service_point"] = point
        attrs["dossier"] = (attrs.get("dossier") or "").strip() or None
        attrs["respondent_kind"] = attrs.get("respondent_kind") or ""
        return attrs


class ReceiptSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="display_code")
    url = serializers.SerializerMethodField(help_text="The survey link (the QR code points here).")
    qr_svg = serializers.SerializerMethodField()
    qr_png = serializers.SerializerMethodField()
    unit = serializers.CharField(source="unit.code")
    procedure = serializers.CharField(source="procedure.code", allow_null=True, default=None)
    service_point = serializers.CharField(source="service_point.code", allow_null=True, default=None)

    class Meta:
        model = Receipt
        fields = (
            "code",
            "url",
            "qr_svg",
            "qr_png",
            "issued_at",
            "expires_at",
            "unit",
            "procedure",
            "service_point",
            "channel",
            "respondent_kind",
        )

    def get_url(self, obj) -> str:
        return survey_url(obj.code)

    def _qr(self, obj, fmt):
        return settings.SITE_URL + reverse("surveys:receipt_qr", kwargs={"code": obj.display_code, "fmt": fmt})

    def get_qr_svg(self, obj) -> str:
        return self._qr(obj, "svg")

    def get_qr_png(self, obj) -> str:
        return self._qr(obj, "png")


def _codes(errors) -> set[str]:
    """Every error code in a DRF error structure."""
    if isinstance(errors, dict):
        return set().union(*(_codes(v) for v in errors.values())) if errors else set()
    if isinstance(errors, list):
        return set().union(*(_codes(v) for v in errors)) if errors else set()
    return {getattr(errors, "code", "invalid")}


class ReceiptCreateView(APIView):
    authentication_classes = (ApiTokenAuthentication,)
    permission_classes = (HasApiToken,)
    throttle_classes = (TokenRateThrottle,)

    @extend_schema(
        request=ReceiptRequestSerializer,
        responses={
            201: ReceiptSerializer,
            200: OpenApiResponse(
                ReceiptSerializer,
                description="This dossier already has a receipt: the same body as when it was issued "
                "(never whether or when it was used).",
            ),
            **error_responses(400, 401, 403, 404, 409, 415, 429),
        },
        summary="Issue a receipt (survey code and QR) for a completed transaction",
        description="201 with a new receipt; 200 with the existing one when this dossier already has a "
        "receipt. 403 when the unit is outside the token's subtree, 404 when a code names nothing, "
        "409 when the dossier's receipt belongs to a unit outside it. JSON bodies only (415).",
        examples=[
            OpenApiExample(
                "Birth registration at Ba Dinh",
                request_only=True,
                value={
                    "unit": "00004",
                    "procedure": "1.001193",
                    "service_point": "Q1",
                    "dossier": "000.00.23.H26-251125-0001",
                },
            ),
            OpenApiExample(
                "An online dossier filed by a business",
                request_only=True,
                value={
                    "unit": "00004",
                    "procedure": "1.001193",
                    "dossier": "000.00.23.H26-251125-0002",
                    "channel": "online",
                    "respondent_kind": "organisation",
                },
            ),
        ],
    )
    def post(self, request):
        token: ApiToken = request.auth
        serializer = ReceiptRequestSerializer(data=request.data)
        if not serializer.is_valid():
            codes = _codes(serializer.errors)
            # Well-formed, but naming a unit, procedure or service point that does not exist: 404.
            status_code = status.HTTP_404_NOT_FOUND if codes == {"not_found"} else status.HTTP_400_BAD_REQUEST
            return ApiResponse(serializer.errors, status=status_code)
        data = serializer.validated_data
        unit: Unit = data["unit"]
        if not unit.is_in_subtree_of(token.unit):
            raise exceptions.PermissionDenied(
                _("This token belongs to %(unit)s and may only issue receipts for it and the units below it.")
                % {"unit": token.unit.code}
            )
        receipt, created = receipts.receipt_issue(
            unit=unit,
            procedure=data.get("procedure"),
            service_point=data["service_point"],
            dossier=data["dossier"],
            token=token,
            channel=data["channel"],
            respondent_kind=data["respondent_kind"],
        )
        if not created and not receipt.unit.is_in_subtree_of(token.unit):
            return ApiResponse(
                {"detail": _("This dossier already has a receipt of another unit.")}, status=status.HTTP_409_CONFLICT
            )
        return ApiResponse(
            ReceiptSerializer(receipt).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
