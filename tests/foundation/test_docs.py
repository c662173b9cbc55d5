"""docs/domain.md stays in step with the indicator registry and the ledgers it describes."""

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
