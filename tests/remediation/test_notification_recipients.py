"""Notifications carry an item's problem text: only users who can see the item get them."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from healthpov.notifications.models import Notification
from remediation import services
from remediation.models import Item, ItemSource


def create(actor, place, **kwargs):
    return services.item_create(
        place=place,
        actor=actor,
        source=ItemSource.FEEDBACK,
        feedback_document="卫巡办通〔2026〕5号",
        problem="部分贫困人口不知道自己的家庭签约医生",
        deadline=timezone.localdate() + dt.timedelta(days=30),
        **kwargs,
    )


def recipients(item) -> set[str]:
    link = reverse("remediation:item_detail", args=[item.pk])
    notified = Notification.objects.filter(link=link)
    return set(notified.values_list("recipient__username", flat=True))


def test_staff_of_another_townships_responsible_institution_are_not_notified(
    county_user, user_a, user_b, township_a, centre_b
):
    item = create(county_user, township_a, responsible_institution=centre_b)

    assert not Item.objects.visible_to(user_b).filter(pk=item.pk).exists()
    assert recipients(item) == {user_a.username}


def test_staff_of_the_own_responsible_institution_are_notified(
    county_user, user_a, township_a, centre_a
):
    item = create(county_user, township_a, responsible_institution=centre_a)

    assert user_a.username in recipients(item)
