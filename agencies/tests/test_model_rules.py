"""Rules the database itself enforces, whatever code writes the rows."""

import pytest
from django.db import IntegrityError, transaction

from agencies.models import Unit, UnitSuccession
from agencies.tests.factories import make_unit

pytestmark = [pytest.mark.django_db, pytest.mark.anydb]


def test_subtree_is_the_unit_and_everything_below_it():
    root = make_unit(kind=Unit.Kind.CITY)
    child = make_unit(parent=root)
    grandchild = make_unit(parent=child)
    other = make_unit(parent=root)
    assert set(child.subtree()) == {child, grandchild}
    assert set(root.subtree()) == {root, child, grandchild, other}
    assert grandchild.ancestor_ids() == [grandchild.id, child.id, root.id]
    assert list(grandchild.ancestors()) == [root, child]


def test_moving_a_unit_moves_its_subtree():
    root = make_unit(kind=Unit.Kind.CITY)
    a = make_unit(parent=root)
    b = make_unit(parent=root)
    leaf = make_unit(parent=a)
    a.parent = b
    a.save()
    leaf.refresh_from_db()
    assert leaf.path == f"/{root.id}/{b.id}/{a.id}/{leaf.id}/"
    assert leaf in b.subtree()


def test_database_refuses_a_unit_as_its_own_parent():
    unit = make_unit()
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.filter(pk=unit.pk).update(parent=unit.pk)


def test_database_refuses_a_unit_below_its_own_descendant():
    root = make_unit(kind=Unit.Kind.CITY)
    child = make_unit(parent=root)
    grandchild = make_unit(parent=child)
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.filter(pk=root.pk).update(parent=grandchild.pk)


def test_an_old_unit_has_at_most_one_full_successor():
    old = make_unit(kind=Unit.Kind.DISTRICT)
    new_a, new_b = make_unit(), make_unit()
    UnitSuccession.objects.create(predecessor=old, successor=new_a, kind="full", effective_on="2025-07-01")
    with pytest.raises(IntegrityError), transaction.atomic():
        UnitSuccession.objects.create(predecessor=old, successor=new_b, kind="full", effective_on="2025-07-01")
    UnitSuccession.objects.create(predecessor=old, successor=new_b, kind="partial", effective_on="2025-07-01")
