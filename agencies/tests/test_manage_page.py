"""The /manage/ preamble (agencies.permissions.manage_page): sign-in, then the role, then the units.

Personas from agencies/tests/factories.py::make_city: alice staff of ward A, bob manager of ward A,
charlie staff of ward B, dana administrator of the city.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory

from agencies.permissions import manage_page, require_role
from agencies.tests.factories import make_user

pytestmark = pytest.mark.django_db


def _call(view, user):
    request = RequestFactory().get("/manage/somewhere/")
    request.user = user
    return view(request), request


def _view(role, **options):
    @manage_page(role, **options)
    def view(request):
        return HttpResponse(",".join(sorted(u.code for u in request.units)))

    return view


def test_anonymous_is_sent_to_the_sign_in_page(city):
    response, _request = _call(_view("member"), AnonymousUser())
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/manage/somewhere/")


@pytest.mark.parametrize(
    ("role", "persona"),
    [("member", "frank"), ("manager", "alice"), ("manager", "charlie"), ("administrator", "bob")],
)
def test_a_user_without_the_role_anywhere_gets_403(city, role, persona):
    user = make_user("frank") if persona == "frank" else getattr(city, persona)
    with pytest.raises(PermissionDenied):
        _call(_view(role), user)


def test_the_view_gets_the_units_where_the_user_holds_the_role(city):
    response, request = _call(_view("manager"), city.bob)
    assert response.status_code == 200
    assert set(request.units) == set(require_role(city.bob, "manager"))
    assert city.ward_a in request.units and city.ward_b not in request.units
    staff, _request = _call(_view("member"), city.charlie)
    assert city.ward_b.code in staff.content.decode().split(",")
    assert city.ward_a.code not in staff.content.decode().split(",")


def test_an_administrator_holds_the_lower_roles_too(city):
    for role in ("member", "manager", "administrator"):
        response, request = _call(_view(role), city.dana)
        assert response.status_code == 200 and city.ward_a in request.units and city.ward_b in request.units


def test_a_superuser_passes_every_role(city):
    root = make_user("root", is_superuser=True)
    response, _request = _call(_view("administrator"), root)
    assert response.status_code == 200


def test_an_object_page_lets_the_view_answer_outsiders_with_its_404(city):
    """Without the role the view still runs, with no units, so its lookup answers 404."""
    response, request = _call(_view("manager", object_page=True), city.alice)
    assert response.status_code == 200 and not request.units.exists()


def test_an_unknown_role_is_a_programming_error():
    with pytest.raises(ValueError):
        manage_page("owner")
