"""A service's refusal becomes one kind of API answer whichever app's API called it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework import exceptions

from healthpov.service_errors import Conflict, ServiceConflict, api_errors


def _answer(error: Exception) -> exceptions.APIException:
    with pytest.raises(exceptions.APIException) as raised, api_errors():
        raise error
    return raised.value


def test_field_errors_answer_400_naming_the_fields():
    answer = _answer(ValidationError({"total_cost": "不相等", "__all__": "重复"}))
    assert answer.status_code == 400
    assert answer.get_full_details().keys() == {"total_cost", "non_field_errors"}


def test_an_error_of_no_field_answers_400_under_non_field_errors():
    answer = _answer(ValidationError("已签约"))
    assert answer.status_code == 400
    assert [str(m) for m in answer.detail["non_field_errors"]] == ["已签约"]


def test_a_conflict_answers_409_with_its_message():
    answer = _answer(ServiceConflict("已被他人修改"))
    assert isinstance(answer, Conflict)
    assert (answer.status_code, str(answer.detail)) == (409, "已被他人修改")


@pytest.mark.parametrize("error", [PermissionDenied("无权操作"), PermissionError("无权操作")])
def test_a_refused_user_answers_403(error):
    answer = _answer(error)
    assert (answer.status_code, str(answer.detail)) == (403, "无权操作")
