import pytest

from tests.coverage.permission_cases import CASES
from tests.inspections.permission_runner import build_cast, check_case


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_permission_case(case, request, client, db):
    check_case(case, build_cast(request), client)
