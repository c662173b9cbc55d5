"""Background work yields the CPU to page requests (healthpov/operations/priority.py): the
long commands run from a shell at ``WORKER_NICE`` (and, with ``WORKER_IDLE_POLICY``, under
``SCHED_IDLE``); called in process they change nothing.
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


def _priority_after_running(
    module: str, argv: list[str], nice: str, idle_policy: str = "false"
) -> tuple[int, int]:
    """The niceness and the scheduling policy of a process that ran the command."""
    code = "\n".join(
        [
            "import os, django",
            "django.setup()",
            f"from {module} import Command",
            "try:",
            f"    Command().run_from_argv(['manage.py', *{argv!r}])",
            "except SystemExit:",
            "    pass",
            "print(os.getpriority(os.PRIO_PROCESS, 0), os.sched_getscheduler(0))",
        ]
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "healthpov.settings.test",
        "WORKER_NICE": nice,
        "WORKER_IDLE_POLICY": idle_policy,
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    niceness, policy = result.stdout.split()[-2:]
    return int(niceness), int(policy)


@pytest.mark.parametrize(("module", "argv"), COMMANDS)
def test_a_long_command_run_from_a_shell_runs_at_the_workers_niceness(module, argv):
    here = os.getpriority(os.PRIO_PROCESS, 0)
    policy = os.sched_getscheduler(0)
    assert _priority_after_running(module, argv, "7") == (max(7, here), policy)
    assert _priority_after_running(module, argv, "0") == (here, policy)  # 0 leaves it alone


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="SCHED_IDLE is Linux's")
@pytest.mark.parametrize(("module", "argv"), COMMANDS[:1])
def test_with_the_idle_policy_a_long_command_runs_only_when_the_cpu_is_free(module, argv):
    here = os.getpriority(os.PRIO_PROCESS, 0)
    assert _priority_after_running(module, argv, "7", idle_policy="true") == (
        max(7, here),
        os.SCHED_IDLE,
    )


def test_a_command_called_in_process_leaves_the_callers_priority_alone():
    here = os.getpriority(os.PRIO_PROCESS, 0)
    with pytest.raises(CommandError):
        call_command("import_roster", "/no/such/file.xlsx")
    assert os.getpriority(os.PRIO_PROCESS, 0) == here
