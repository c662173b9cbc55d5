"""docs/domain.md stays in step with the indicator registry and the ledgers it describes."""

import ast
import functools
import re
from pathlib import Path

from coverage.indicators import CODES
from households.imports import ledger_kinds

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = (ROOT / "docs" / "domain.md").read_text(encoding="utf-8")
CODE_SPANS = set(re.findall(r"`([a-z_]+)`", DOMAIN))


def test_domain_page_documents_every_indicator_code():
    missing = [code for code in CODES if code not in CODE_SPANS]

    assert missing == [], f"add these indicators to docs/domain.md: {missing}"


def test_domain_page_documents_every_ledger_kind():
    missing = [kind for kind in ledger_kinds() if kind not in CODE_SPANS]

    assert missing == [], f"add these ledgers to docs/domain.md: {missing}"


def test_readme_links_the_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")

    assert "(docs/domain.md)" in readme
    assert "(docs/architecture.md)" in readme


# --- docs/architecture.md: every name of the rules table is in the code ---

ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
APPS = ("healthpov", "households", "signing", "treatment", "coverage", "inspections", "remediation")


def _rules_table_rows() -> list[str]:
    start = ARCHITECTURE.index("| rule (domain.md) |")
    rows = []
    for line in ARCHITECTURE[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


@functools.cache
def _names_in(path: Path) -> frozenset[str]:
    """Functions, classes, methods, module and class attributes, and annotation keywords
    (``.annotate(followup_recheck_from=...)``) of one file."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.keyword) and node.arg:
            names.add(node.arg)
    return frozenset(names)


def _names_defined(paths) -> set[str]:
    return set().union(*(_names_in(path) for path in paths))


def _module_file(parts: list[str]) -> tuple[Path | None, list[str]]:
    """The longest prefix of ``parts`` that is a module, and the names after it."""
    for end in range(len(parts), 0, -1):
        path = ROOT.joinpath(*parts[:end])
        for candidate in (path.with_suffix(".py"), path / "__init__.py"):
            if candidate.exists():
                return candidate, parts[end:]
    return None, parts


def test_every_name_in_the_rules_table_is_defined_by_its_owner():
    """A dotted name is looked up in its module; a bare one in the owner app's code."""
    app_files = {
        app: [p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts] for app in APPS
    }
    missing = []
    for row in _rules_table_rows():
        owner = row.split("|")[2].strip().replace("ground", "healthpov")
        for span in re.findall(r"`([A-Za-z_][\w.]*)`", row):
            parts = span.split(".")
            module, rest = _module_file(parts) if parts[0] in APPS else (None, parts)
            names = _names_defined([module] if module else app_files[owner])
            if rest and not set(rest) <= names:
                missing.append(span)
    assert _rules_table_rows() and not missing, f"not in the code: {missing}"


def test_the_rules_table_names_each_rule_once():
    rules = [row.split("|")[1].strip() for row in _rules_table_rows()]
    assert len(rules) == len(set(rules))
    assert "Lead to check" not in ARCHITECTURE
