import datetime

import pytest
from django.core.exceptions import ValidationError

from signing import services
from signing.models import SignMethod
from tests.signing.factories import ContractFactory, HouseholdFactory, PersonFactory


def test_second_contract_message_reads_in_chinese(village_a, user_a):
    person = PersonFactory(household=HouseholdFactory(village=village_a), name="王五")
    ContractFactory(person=person, year=2018)
    with pytest.raises(ValidationError) as caught:
        services.contract_sign(
            person=person,
            year=2018,
            signed_on=datetime.date(2018, 4, 1),
            method=SignMethod.PAPER,
            actor=user_a,
        )
    assert caught.value.messages == ["王五 已有 2018 年度的签约记录,同一人同一年度只能签约一次。"]


def test_followup_for_non_patient_message_reads_in_chinese(village_a, user_a):
    person = PersonFactory(household=HouseholdFactory(village=village_a), name="赵六")
    with pytest.raises(ValidationError, match="随访只针对已登记的重点慢病患者"):
        services.followup_record(person=person, served_on=datetime.date(2018, 5, 1), actor=user_a)
