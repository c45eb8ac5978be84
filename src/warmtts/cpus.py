"""How many CPUs this process may really use: the affinity mask and the cgroup CPU quota.

`os.cpu_count()` is the host's count. Under `taskset`, or in a container with a CPU limit (a
Kubernetes pod's `limits.cpu` becomes a CFS quota), it overstates what we get, and workers or
ONNX threads sized from it fight over the same core: on one core, threads sized for two spent
~40 % more CPU per second of audio (issue 19). The quota is rounded up: 1.5 CPUs may run two
threads, each part of the time.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("warmtts.cpus")
CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_CGROUP = Path("/proc/self/cgroup")


@dataclass(frozen=True)
class CpuBudget:
    """What the process may use and why: `usable` is the smallest of the limits found."""

    usable: int
    host: int
    affinity: int
    quota: float | None  # CPUs the cgroup quota allows, None when unlimited or not found

    def log_line(self) -> str:
        quota = "none" if self.quota is None else f"{self.quota:g}"
        return f"cpus usable={self.usable} affinity={self.affinity} quota={quota} host={self.host}"


def parse_cpu_max(text: str) -> float | None:
    """cgroup v2 `cpu.max`: "QUOTA PERIOD" in microseconds, or "max PERIOD" for no limit."""
    parts = text.split()
    if not parts or parts[0] == "max":
        return None
    period = float(parts[1]) if len(parts) > 1 else 100_000.0
    quota = float(parts[0])
    return quota / period if quota > 0 and period > 0 else None


def parse_cfs(quota_text: str, period_text: str) -> float | None:
    """cgroup v1 `cpu.cfs_quota_us` (-1 for no limit) over `cpu.cfs_period_us`."""
    quota, period = float(quota_text.strip()), float(period_text.strip())
    return quota / period if quota > 0 and period > 0 else None


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None


def _own_paths(proc_cgroup: Path) -> tuple[str | None, str | None]:
    """This process's cgroup v2 path and v1 `cpu` controller path, from /proc/self/cgroup."""
    v2 = v1 = None
    for line in (_read(proc_cgroup) or "").splitlines():
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if hierarchy == "0" and controllers == "":
            v2 = path
        elif "cpu" in controllers.split(","):
            v1 = path
    return v2, v1


def cgroup_quota(root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP) -> float | None:
    """The tightest CPU quota over this process's cgroup and its parents, v2 or v1; None for
    none. Inside a container the cgroup namespace makes its own group the root, so the files
    at `root` are checked as well as those under the path /proc names."""
    v2_path, v1_path = _own_paths(proc_cgroup)
    quotas: list[float] = []
    for folder in _ancestors(root, v2_path):
        text = _read(folder / "cpu.max")
        if text is not None and (found := parse_cpu_max(text)) is not None:
            quotas.append(found)
    for base in (root / "cpu", root / "cpu,cpuacct", root / "cpuacct,cpu"):
        for folder in _ancestors(base, v1_path):
            quota, period = _read(folder / "cpu.cfs_quota_us"), _read(folder / "cpu.cfs_period_us")
            if quota is not None and period is not None and (found := parse_cfs(quota, period)) is not None:
                quotas.append(found)
    return min(quotas) if quotas else None


def _ancestors(base: Path, path: str | None) -> list[Path]:
    """`base` and each folder from it down to `base/path` (the group and every parent)."""
    folders = [base]
    for part in [p for p in (path or "").split("/") if p and p != ".."]:
        folders.append(folders[-1] / part)
    return folders


def affinity_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def budget(affinity: int | None = None, quota: float | None = None, host: int | None = None,
           read_quota: bool = True) -> CpuBudget:
    """The CPUs this process may use; each limit is read from the system unless given."""
    host = host or os.cpu_count() or 1
    affinity = affinity or affinity_count()
    if quota is None and read_quota:
        quota = cgroup_quota()
    usable = min(affinity, host)
    if quota is not None:
        usable = min(usable, math.ceil(quota - 1e-9))
    return CpuBudget(max(1, usable), host, affinity, quota)


def usable_cpus() -> int:
    """The count to size workers and threads by."""
    return budget().usable
