"""Background work yields the CPU to page requests (healthpov/operations/priority.py): the
long commands run from a shell at ``WORKER_NICE``; called in process they change nothing.
The Celery worker's processes: tests/foundation/test_celery_worker.py."""

import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from tests.foundation.envscan import ROOT

COMMANDS = [
    ("households.management.commands.import_roster", ["import_roster", "/no/such/file.xlsx"]),
    ("households.management.commands.import_ledger", ["import_ledger", "--list"]),
    ("coverage.management.commands.recompute_coverage", ["recompute_coverage", "--year", "x"]),
]


def _niceness_after_running(module: str, argv: list[str], nice: str) -> int:
    code = "\n".join(
        [
            "import os, django",
            "django.setup()",
            f"from {module} import Command",
            "try:",
            f"    Command().run_from_argv(['manage.py', *{argv!r}])",
            "except SystemExit:",
            "    pass",
            "print(os.getpriority(os.PRIO_PROCESS, 0))",
        ]
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "healthpov.settings.test", "WORKER_NICE": nice}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return int(result.stdout.split()[-1])


@pytest.mark.parametrize(("module", "argv"), COMMANDS)
def test_a_long_command_run_from_a_shell_runs_at_the_workers_niceness(module, argv):
    here = os.getpriority(os.PRIO_PROCESS, 0)
    assert _niceness_after_running(module, argv, "7") == max(7, here)
    assert _niceness_after_running(module, argv, "0") == here  # 0 leaves it alone


def test_a_command_called_in_process_leaves_the_callers_priority_alone():
    here = os.getpriority(os.PRIO_PROCESS, 0)
    with pytest.raises(CommandError):
        call_command("import_roster", "/no/such/file.xlsx")
    assert os.getpriority(os.PRIO_PROCESS, 0) == here
