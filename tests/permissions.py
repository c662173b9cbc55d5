"""The permission matrix: every URL of the project, tried as every kind of user.

Each app lists its URLs in ``tests/<app>/permission_cases.py`` as ``CASES``. A case builds a
record of township B (the township "we", user A, must never see) and says what kind of URL it
is; ``tests/foundation/test_permission_matrix.py`` runs every case and fails when a URL of the
project has no case.

Kinds:
- ``detail``: a URL about one of B's records (page, edit, delete, download, API detail).
  User A gets 404 for every method; a county user does not.
- ``list``: a list, search, count, export or report. User A gets 200 and never sees the
  marker (a text unique to B's record); a county user gets 200 and does see it, which proves
  the check can fail.
- ``county_only``: bureau work (closing items, recompute). User A gets 403 or 404.
- ``own``: pages about the caller only (home, profile). Anonymous is sent to log in.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any


@dataclass
class Target:
    """What a case built: URL kwargs, and the text that must not leak to user A."""

    kwargs: dict[str, Any] = field(default_factory=dict)
    marker: str = ""
    query: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class PermissionCase:
    url_name: str
    kind: str  # detail | list | county_only | own
    make: Callable[[SimpleNamespace], Target] = lambda cast: Target()
    methods: tuple[str, ...] = ("get",)
    api: bool = False  # anonymous gets 401/403 instead of a redirect to log in

    def __post_init__(self) -> None:
        assert self.kind in {"detail", "list", "county_only", "own"}, self.kind

    @property
    def id(self) -> str:
        return f"{self.url_name}[{','.join(self.methods)}]"


def all_cases() -> list[PermissionCase]:
    import tests

    cases: list[PermissionCase] = []
    for module_info in pkgutil.iter_modules(tests.__path__):
        if not module_info.ispkg:
            continue
        try:
            module = importlib.import_module(f"tests.{module_info.name}.permission_cases")
        except ModuleNotFoundError as exc:
            if exc.name != f"tests.{module_info.name}.permission_cases":
                raise
            continue
        cases.extend(module.CASES)
    return cases
