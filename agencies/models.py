"""Who: administrative units, their counters, procedures and the people who work for them."""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from agencies import audit_registry
from agencies.bounds import length_checks


class BilingualName(models.Model):
    """Vietnamese name always; English where given, else the Vietnamese one is shown."""

    name_vi = models.CharField(_("name (Vietnamese)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        if (get_language() or "vi").startswith("en") and self.name_en:
            return self.name_en
        return self.name_vi

    def __str__(self) -> str:
        return self.name


class UnitQuerySet(models.QuerySet):
    def subtree_of(self, unit: Unit) -> UnitQuerySet:
        """The unit and every unit below it, at any depth."""
        return self.filter(path__startswith=unit.path)


class Unit(BilingualName):
    """An administrative unit in a tree of any depth.

    `path` is a materialised path of ids ("/1/7/42/"), so a subtree is one indexed prefix
    query. It is kept by `save()`; the database refuses a parent that would make a unit its
    own ancestor (a trigger, see migration 0002), whatever code writes the row.
    """

    class Kind(models.TextChoices):
        CITY = "city", _("centrally-run city")
        PROVINCE = "province", _("province")
        DEPARTMENT = "department", _("department")
        DISTRICT = "district", _("district (before 1 July 2025)")
        COMMUNE = "commune", _("commune")
        WARD = "ward", _("ward")
        SPECIAL_ZONE = "special_zone", _("special zone")
        SERVICE_CENTRE = "service_centre", _("public administrative service centre")

    code = models.CharField(_("code"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    active = models.BooleanField(_("active"), default=True)
    dissolved_on = models.DateField(
        _("dissolved on"), null=True, blank=True, help_text=_("Date of the reorganisation that ended it.")
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="unit_not_own_parent"),
            *length_checks("unit", name_vi=255, name_en=255, code=32),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        with transaction.atomic():
            old_path = self.path
            if self.pk is None:
                super().save(*args, **kwargs)
                kwargs = {}
            self._set_path()
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                # Moving a unit moves its whole subtree.
                for child in Unit.objects.filter(parent=self):
                    child.save()

    def _set_path(self) -> None:
        prefix = self.parent.path if self.parent_id else "/"
        self.path = f"{prefix}{self.pk}/"
        self.depth = self.path.count("/") - 2

    def ancestors(self) -> models.QuerySet[Unit]:
        """From the root down to this unit's parent."""
        ids = [int(x) for x in self.path.strip("/").split("/")[:-1] if x]
        return Unit.objects.filter(id__in=ids).order_by("depth")

    def ancestor_ids(self) -> list[int]:
        """This unit's id first, then its parent's, up to the root."""
        return [int(x) for x in reversed(self.path.strip("/").split("/")) if x]

    def subtree(self) -> UnitQuerySet:
        return Unit.objects.subtree_of(self)

    def is_in_subtree_of(self, other: Unit) -> bool:
        return self.path.startswith(other.path)


class UnitSuccession(models.Model):
    """An old unit's history after a reorganisation.

    `full`: the whole old unit went into this successor; its history keeps counting in the
    successor's subtree from `effective_on`. `partial`: the old unit was split between several
    successors; its history stays its own. An old unit has at most one `full` successor.
    """

    class Kind(models.TextChoices):
        FULL = "full", _("full")
        PARTIAL = "partial", _("partial")

    predecessor = models.ForeignKey(Unit, models.CASCADE, related_name="successions")
    successor = models.ForeignKey(Unit, models.CASCADE, related_name="predecessions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    effective_on = models.DateField(_("effective on"))

    class Meta:
        verbose_name = _("succession")
        verbose_name_plural = _("successions")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="succession_unique_pair"),
            models.UniqueConstraint(
                fields=["predecessor"], condition=Q(kind="full"), name="succession_one_full_successor"
            ),
            models.CheckConstraint(condition=~Q(predecessor=models.F("successor")), name="succession_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor.code} → {self.successor.code} ({self.kind})"


class ServicePoint(BilingualName):
    """A one-stop counter (Bộ phận Một cửa) or a kiosk location of a unit."""

    class Kind(models.TextChoices):
        COUNTER = "counter", _("one-stop counter")
        KIOSK = "kiosk", _("electronic rating device")
        ONLINE = "online", _("online public service")

    unit = models.ForeignKey(Unit, models.CASCADE, related_name="service_points", verbose_name=_("unit"))
    code = models.CharField(_("code"), max_length=32)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.COUNTER)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["unit__path", "code"]
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        constraints = [
            models.UniqueConstraint(fields=["unit", "code"], name="service_point_code_per_unit"),
            *length_checks("service_point", name_vi=255, name_en=255, code=32),
        ]


class Procedure(BilingualName):
    """An administrative procedure (thủ tục hành chính) with its national code."""

    code = models.CharField(_("national code"), max_length=32, unique=True)
    field = models.CharField(_("field"), max_length=120, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("administrative procedure")
        verbose_name_plural = _("administrative procedures")
        constraints = length_checks("procedure", name_vi=255, name_en=255, code=32, field=120)


def derived_flags(user_id: int) -> tuple[bool, bool]:
    """(is_staff, is_superuser) that the user's memberships give (the rule: agencies.roles)."""
    roots = list(
        Membership.objects.filter(user_id=user_id, role=Membership.Role.ADMINISTRATOR).values_list(
            "unit__parent_id", flat=True
        )
    )
    return bool(roots), any(parent is None for parent in roots)


def sync_privileges(*, user_id: int) -> None:
    """Write the derived flags on the user (one UPDATE, only when they differ)."""
    from django.contrib.auth import get_user_model

    is_staff, is_superuser = derived_flags(user_id)
    get_user_model().objects.filter(pk=user_id).exclude(is_staff=is_staff, is_superuser=is_superuser).update(
        is_staff=is_staff, is_superuser=is_superuser
    )


class MembershipQuerySet(models.QuerySet):
    """Bulk writes resync the holders' is_staff / is_superuser too (agencies.roles), as saves do."""

    def update(self, **kwargs):
        users = set(self.values_list("user_id", flat=True))
        count = super().update(**kwargs)
        if "user" in kwargs or "user_id" in kwargs:
            new = kwargs.get("user_id", getattr(kwargs.get("user"), "pk", None))
            users.add(new)
        for user_id in users - {None}:
            sync_privileges(user_id=user_id)
        return count

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        for user_id in {m.user_id for m in created}:
            sync_privileges(user_id=user_id)
        return created


class Membership(models.Model):
    """A user's role over a unit and everything below it."""

    objects = MembershipQuerySet.as_manager()

    class Role(models.TextChoices):
        STAFF = "staff", _("staff")
        MANAGER = "manager", _("manager")
        ADMINISTRATOR = "administrator", _("administrator")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, models.CASCADE, related_name="memberships", verbose_name=_("unit"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="membership_one_role_per_unit")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit.code}"


class AuditEvent(models.Model):
    """One staff action worth answering for later: who did what to which object, when.

    Written only through `agencies.audit.record`; never edited or deleted from the admin. It holds
    no citizen data: objects are named by type, id and a short label (a survey title, a token's
    prefix, a username), never by a comment or a client address.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("actor")
    )
    # Kept as text too, so the trail still names the actor after the account is deleted.
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    # The actions are registered by the app that records them (agencies.audit_registry).
    action = models.CharField(_("action"), max_length=32, choices=audit_registry.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_label = models.CharField(_("object"), max_length=255, blank=True)
    unit = models.ForeignKey(Unit, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("unit"))
    details = models.JSONField(_("details"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or '-'} {self.action} {self.object_label}"


class UnitBoundary(models.Model):
    """The area of a unit on the map: MultiPolygon coordinates (agencies.geometry), already
    simplified for inline maps. Loaded from GeoJSON by `manage.py load_boundaries`."""

    unit = models.OneToOneField(Unit, models.CASCADE, related_name="boundary", verbose_name=_("unit"))
    polygons = models.JSONField(_("polygons"), default=list)
    source = models.CharField(_("source"), max_length=200, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    class Meta:
        verbose_name = _("unit boundary")
        verbose_name_plural = _("unit boundaries")
        constraints = length_checks("unit_boundary", source=200)

    def __str__(self) -> str:
        return f"{self.unit.code} ({self.source})"
