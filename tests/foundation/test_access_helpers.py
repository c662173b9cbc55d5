"""One naming for the access helpers of views and API modules.

A view reaches a record through ``get_visible_or_404`` (outside the user's places: 404); a
module's helper for one kind of record is ``_<record>_for_user_or_404(user, pk, *, edit=False)``
(``edit``: 403 for a read-only role). A helper that reads the record's id from the query says
so: ``_<record>_from_query_or_404(request)``.
"""

import ast
import re
from pathlib import Path

from django.conf import settings

APPS = ("coverage", "desk", "households", "inspections", "remediation", "signing", "treatment")
NAME = re.compile(r"^_\w+_(for_user|from_query)_or_404$")


def _helpers_calling_get_visible_or_404():
    for app in APPS:
        for module in ("views.py", "api.py"):
            path = Path(settings.BASE_DIR) / app / module
            if not path.exists():
                continue
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                if not isinstance(node, ast.FunctionDef) or not node.name.startswith("_"):
                    continue
                calls = {
                    call.func.id
                    for call in ast.walk(node)
                    if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                }
                if "get_visible_or_404" in calls:
                    yield f"{app}/{module}", node


def test_access_helpers_are_named_for_user_or_404():
    helpers = list(_helpers_calling_get_visible_or_404())
    assert helpers
    assert [f"{path}: {node.name}" for path, node in helpers if not NAME.match(node.name)] == []


def test_access_helpers_for_one_record_take_the_user_and_its_id():
    helpers = list(_helpers_calling_get_visible_or_404())
    wrong = [
        f"{path}: {node.name}"
        for path, node in helpers
        if "_for_user_" in node.name and [a.arg for a in node.args.args] != ["user", "pk"]
    ]
    assert wrong == []
