"""Two users acting on one item at once: exactly one wins, the other is told."""

import threading
import time

import pytest
from django.db import connection
from django.db.models import F

from remediation import services
from remediation.models import Item, ItemState, ItemTransition
from tests.inspections.factories import image_upload
from tests.remediation.factories import ItemFactory

A = ItemTransition.Action


def submitted(township, user):
    item = ItemFactory(township=township)
    services.item_transition(item_id=item.pk, action=A.START, actor=user)
    services.item_transition(
        item_id=item.pk, action=A.SUBMIT, actor=user, note="已整改", photos=[image_upload()]
    )
    return item


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need two real connections (PostgreSQL)"
)
@pytest.mark.django_db(transaction=True)
def test_close_and_send_back_at_once_on_two_connections(
    county_user, county_user_2, user_a, township_a, monkeypatch
):
    item = submitted(township_a, user_a)
    first_has_lock = threading.Event()
    original = services._check_actor

    def slow_check(item_, action, actor):
        # The first caller holds the row lock a while, so the second really has to wait.
        if action == A.CLOSE:
            first_has_lock.set()
            time.sleep(0.5)
        return original(item_, action, actor)

    monkeypatch.setattr(services, "_check_actor", slow_check)
    results: dict[str, str] = {}

    def act(name, action, actor, note="", wait=False):
        try:
            if wait:
                first_has_lock.wait(5)
            services.item_transition(
                item_id=item.pk,
                action=action,
                actor=actor,
                note=note,
                expected_state=ItemState.SUBMITTED,
            )
            results[name] = "won"
        except services.TransitionConflict as exc:
            results[name] = f"told: {exc.messages[0]}"
        finally:
            connection.close()

    closer = threading.Thread(target=act, args=("close", A.CLOSE, county_user_2))
    sender = threading.Thread(target=act, args=("back", A.SEND_BACK, county_user, "材料不全", True))
    closer.start()
    sender.start()
    closer.join(10)
    sender.join(10)
    assert results["close"] == "won"
    assert results["back"].startswith("told")
    item.refresh_from_db()
    assert item.state == ItemState.CLOSED
    assert item.transitions.filter(action__in=[A.CLOSE, A.SEND_BACK]).count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)"
)
@pytest.mark.django_db(transaction=True)
def test_same_close_clicked_twice_at_once(county_user, county_user_2, user_a, township_a):
    item = submitted(township_a, user_a)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(actor):
        try:
            barrier.wait(5)
            services.item_transition(
                item_id=item.pk, action=A.CLOSE, actor=actor, expected_state=ItemState.SUBMITTED
            )
            outcomes.append("won")
        except services.TransitionError:
            outcomes.append("told")
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(u,)) for u in (county_user, county_user_2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(outcomes) == ["told", "won"]
    assert ItemTransition.objects.filter(item=item, action=A.CLOSE).count() == 1


def test_change_between_read_and_write_is_a_conflict(county_user, user_a, township_a, monkeypatch):
    """Where row locks are not available (SQLite), the versioned UPDATE still lets one win."""
    item = submitted(township_a, user_a)
    original = services._check_actor

    def other_user_acts_meanwhile(item_, action, actor):
        Item.objects.filter(pk=item_.pk).update(
            state=ItemState.IN_PROGRESS, version=F("version") + 1
        )
        return original(item_, action, actor)

    monkeypatch.setattr(services, "_check_actor", other_user_acts_meanwhile)
    with pytest.raises(services.TransitionConflict):
        services.item_transition(
            item_id=item.pk, action=A.CLOSE, actor=county_user, expected_state=ItemState.SUBMITTED
        )
    assert not ItemTransition.objects.filter(item=item, action=A.CLOSE).exists()
