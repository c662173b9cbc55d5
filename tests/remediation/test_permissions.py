import pytest

from tests.inspections.permission_runner import build_cast, check_case
from tests.remediation.permission_cases import CASES


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.id}-{CASES.index(c)}")
def test_permission_case(case, request, client, db):
    check_case(case, build_cast(request), client)
