"""Every workbook is first read in a child process under a memory ceiling.

Measuring the used range (:mod:`households.imports.reading`, :mod:`households.imports.biff`)
stops grids larger than any roster, but not every way a small file grows once read: one long
shared string referenced by thousands of cells is copied into each of them (24 KB on disk,
320 MB read). So before the worker reads a file, ``memory_probe.py`` reads it in a child
process whose address space may grow by at most ``IMPORT_MEMORY_LIMIT_MB``; a file that needs
more ends the child, never the web or worker process, and is refused with a message. The
child starts as soon as the file's signature is known and reads while the parent measures the
used range (two processes, two cores).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from households.imports.memory_probe import OUT_OF_MEMORY

PROBE = Path(__file__).with_name("memory_probe.py")
READ_TIMEOUT_SECONDS = 300
# How the child ends when the file needs more memory: MemoryError in Python, or the reader's
# allocation failure (abort), or the kernel's OOM killer.
OUT_OF_MEMORY_ENDINGS = {OUT_OF_MEMORY, -signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV}


def memory_limit_mb() -> int:
    return settings.IMPORT_MEMORY_LIMIT_MB


class TrialRead:
    """A child process reading ``path`` under the ceiling; :meth:`verdict` waits for it."""

    def __init__(self, path: Path) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our interpreter and script, no shell
            [sys.executable, "-I", str(PROBE), str(path), str(memory_limit_mb())],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # an abort's backtrace is of no use in the logs
        )

    def verdict(self) -> str:
        """Why the file must be refused, or "" when it was read within the ceiling."""
        try:
            status = self.process.wait(timeout=READ_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.cancel()
            return _("Reading the file took too long and was stopped; split it and upload again.")
        if status in OUT_OF_MEMORY_ENDINGS:
            return _(
                "Reading this file would need more than %(limit)s MB of memory, far more "
                "than its size suggests; it was refused. Copy the data into a new blank "
                "workbook, save it as .xlsx and upload again."
            ) % {"limit": memory_limit_mb()}
        if status != 0:
            return _("The file is damaged and cannot be opened as a spreadsheet.")
        return ""

    def cancel(self) -> None:
        """Stop the child if it still runs (the file was refused for another reason)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
