"""What the database itself holds to, on SQLite as on PostgreSQL."""

import pytest
from django.db import IntegrityError, transaction

from tests.signing.factories import (
    ChronicRegistrationFactory,
    ContractFactory,
    DiagnosisFactory,
    UnsignedRecordFactory,
)


def _twice(factory, **same):
    first = factory()
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(person=first.person, **{key: getattr(first, key) for key in same})


def test_a_person_has_one_contract_a_year(db):
    _twice(ContractFactory, year=True)


def test_a_person_has_one_not_signed_record_a_year(db):
    _twice(UnsignedRecordFactory, year=True)


def test_a_person_is_registered_once_per_chronic_disease(db):
    _twice(ChronicRegistrationFactory, disease=True)


def test_a_person_is_diagnosed_once_per_special_disease(db):
    _twice(DiagnosisFactory, disease=True)
