"""Navigation links by role, so every page shows a user only where they may go."""

from django.utils.translation import gettext as _

from agencies import permissions


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    if permissions.is_staff_member(user):
        items.append({"url": "/dashboard/", "label": _("Dashboard")})
    administrator = permissions.is_administrator(user)
    if administrator or permissions.is_manager(user):
        items.append({"url": "/compare/", "label": _("Compare units")})
    if permissions.is_manager(user):
        items.append({"url": "/manage/", "label": _("Manage")})
    elif permissions.is_staff_member(user):
        # Staff read their units' surveys without managing them.
        items.append({"url": "/manage/surveys/", "label": _("Surveys")})
    if administrator:
        items.append({"url": "/manage/audit/", "label": _("Audit log")})
    if user.is_staff:
        items.append({"url": "/admin/", "label": _("Administration")})
    return {"nav_items": items}
