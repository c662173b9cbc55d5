"""Reads every sheet of a workbook with python-calamine under an address-space limit.

Run by :mod:`households.imports.memory` as ``python -I memory_probe.py PATH LIMIT_MB`` in a
child process, so that a file needing more memory than allowed ends this process, never the
web or worker process. Standalone on purpose (standard library and python-calamine only: no
Django, nothing of the project is imported).

Exit status: 0 read (or refused by the reader as damaged: the parent's own reading says so in
its words); 3 out of memory (Python). The reader's own allocation failures abort the process
(SIGABRT), which the parent reads as out of memory too.
"""

from __future__ import annotations

import resource
import sys

OUT_OF_MEMORY = 3


def mapped_bytes() -> int:
    """The address space this interpreter already uses (the limit is on top of it)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def main(path: str, limit_mb: int) -> int:
    import python_calamine

    ceiling = mapped_bytes() + limit_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(path)
        for name in workbook.sheet_names:
            # The grid, every cell's value included, is built here; the parent turns rows into
            # Python values one at a time, so that is not tried again.
            sheet = workbook.get_sheet_by_name(name)
            del sheet
    except MemoryError:
        return OUT_OF_MEMORY
    except (python_calamine.CalamineError, ValueError, OSError):
        return 0  # damaged: the parent's reader refuses it with a message of its own
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
