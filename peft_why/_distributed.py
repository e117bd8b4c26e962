"""Distributed runs: one diagnosis per job per machine, not one per rank.

Every rank of a torchrun/accelerate/deepspeed job fails with the same traceback; the first rank
that reaches the hook creates an ``O_EXCL`` lock file keyed by the job, the others stay quiet.
Imported by the hook only when an exception is being diagnosed.
"""

from __future__ import annotations

import os
from typing import Any

# A distributed lock file older than this is from another job that reused the same key.
STALE_LOCK_SECONDS = 24 * 3600


def is_distributed(env: Any) -> bool:
    """Whether this process is one rank of several (torchrun, accelerate, deepspeed all set WORLD_SIZE)."""
    try:
        return int(env.get("WORLD_SIZE", "1") or "1") > 1
    except ValueError:
        return False


def job_key(env: Any, parent: int | None = None) -> str:
    """What the ranks of one job on one machine share: the rendezvous and the launcher (parent) process."""
    parent = os.getppid() if parent is None else parent
    rendezvous = [env.get(name, "") for name in ("TORCHELASTIC_RUN_ID", "MASTER_ADDR", "MASTER_PORT")]
    return "|".join([*rendezvous, str(parent), _process_start(parent)])


def lock_path(env: Any, parent: int | None = None) -> str:
    """The lock file the first failing rank of this job creates (in the temp dir: one per machine)."""
    import hashlib
    import tempfile

    digest = hashlib.sha256(job_key(env, parent).encode()).hexdigest()[:20]
    return os.path.join(tempfile.gettempdir(), f"peft-why-{digest}.lock")


def _process_start(pid: int) -> str:
    """The launcher's start time (Linux), so a reused pid is not the same job."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[19]
    except (OSError, IndexError):
        return ""


def first_in_job(env: Any) -> bool:
    """True for a single process, and for the first rank of a job that gets here (an O_EXCL lock file)."""
    if not is_distributed(env):
        return True
    import time

    path = lock_path(env)
    for _attempt in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                if time.time() - os.path.getmtime(path) > STALE_LOCK_SECONDS:
                    os.unlink(path)
                    continue
            except OSError:
                pass
            return False
        except OSError:
            return True  # no usable temp dir: a duplicate beats silence
        with os.fdopen(fd, "w") as lock:
            lock.write(f"{os.getpid()} rank {env.get('RANK', '?')}\n")
        return True
    return False
