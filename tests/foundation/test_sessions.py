"""The session store (healthpov/accounts/sessions.py) reads what Django's database store
wrote, and like it never an expired or unknown session."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from healthpov.accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


def stored(**data) -> str:
    store = DjangoStore()
    store.update(data)
    store.create()
    store.save()
    return store.session_key


def test_a_stored_session_is_read_back(django_assert_num_queries):
    key = stored(_auth_user_id="7", last_activity=1_700_000_000)

    store = SessionStore(key)
    with django_assert_num_queries(1):
        assert store.load() == {"_auth_user_id": "7", "last_activity": 1_700_000_000}
    assert store.session_key == key


def test_an_expired_session_is_not_read():
    key = stored(_auth_user_id="7")
    Session.objects.filter(pk=key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )

    store = SessionStore(key)

    assert store.load() == {}
    assert store.session_key is None


def test_an_unknown_session_is_not_read():
    store = SessionStore("x" * 32)

    assert store.load() == {}
    assert store.session_key is None
