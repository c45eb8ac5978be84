"""Sizing to the CPUs the process may use: the affinity mask (real, with taskset) and the
cgroup quota (v2 and v1 files laid out as the kernel does, in a temporary folder)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from warmtts.cpus import budget, cgroup_quota, parse_cfs, parse_cpu_max

CLI = [sys.executable, "-m", "warmtts.cli"]
needs_taskset = pytest.mark.skipif(shutil.which("taskset") is None, reason="taskset (util-linux) not installed")


def test_cpu_max_reads_a_quota_and_no_limit() -> None:
    assert parse_cpu_max("max 100000\n") is None
    assert parse_cpu_max("150000 100000\n") == 1.5
    assert parse_cpu_max("50000 100000") == 0.5
    assert parse_cfs("-1\n", "100000\n") is None
    assert parse_cfs("200000\n", "100000\n") == 2.0


def _proc(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "proc-cgroup"
    path.write_text(text)
    return path


def test_cgroup_v2_quota_of_the_group_or_a_parent_is_found(tmp_path: Path) -> None:
    root = tmp_path / "cg"
    group = root / "kubepods" / "pod1"
    group.mkdir(parents=True)
    (root / "cpu.max").write_text("max 100000\n")
    (root / "kubepods" / "cpu.max").write_text("300000 100000\n")
    (group / "cpu.max").write_text("150000 100000\n")
    proc = _proc(tmp_path, "0::/kubepods/pod1\n")
    assert cgroup_quota(root, proc) == 1.5
    (group / "cpu.max").write_text("max 100000\n")  # no limit of its own: the parent's holds
    assert cgroup_quota(root, proc) == 3.0
    (root / "kubepods" / "cpu.max").write_text("max 100000\n")
    assert cgroup_quota(root, proc) is None


def test_cgroup_v1_cfs_quota_is_found(tmp_path: Path) -> None:
    root = tmp_path / "cg"
    cpu = root / "cpu,cpuacct" / "docker" / "abc"
    cpu.mkdir(parents=True)
    (cpu / "cpu.cfs_quota_us").write_text("100000\n")
    (cpu / "cpu.cfs_period_us").write_text("100000\n")
    proc = _proc(tmp_path, "4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/\n")
    assert cgroup_quota(root, proc) == 1.0
    (cpu / "cpu.cfs_quota_us").write_text("-1\n")
    assert cgroup_quota(root, proc) is None


def test_a_container_sees_its_own_group_as_the_root(tmp_path: Path) -> None:
    """With a cgroup namespace /proc says "/" and the quota is in the root's own file."""
    root = tmp_path / "cg"
    root.mkdir()
    (root / "cpu.max").write_text("100000 100000\n")
    assert cgroup_quota(root, _proc(tmp_path, "0::/\n")) == 1.0


def test_usable_is_the_tightest_limit_and_a_fraction_rounds_up() -> None:
    assert budget(affinity=4, quota=1.5, host=8).usable == 2
    assert budget(affinity=1, quota=3.0, host=8).usable == 1
    assert budget(affinity=8, quota=0.2, host=8).usable == 1
    assert budget(affinity=4, quota=None, host=8, read_quota=False).usable == 4
    assert budget(affinity=2, quota=1.0, host=2).log_line() == "cpus usable=1 affinity=2 quota=1 host=2"


SIZES = (
    "from warmtts.config import Settings; from warmtts.cli import _settings, build_parser; "
    "s = Settings(); c = _settings(build_parser().parse_args(['say', 'x'])); "
    "print(s.workers, s.wide_threads, c.onnx_threads)"
)


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("WARMTTS_")}


@needs_taskset
def test_under_taskset_one_core_every_default_is_one() -> None:
    """Real affinity: what the settings derive for workers, wide threads and the CLI's threads."""
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("needs two CPUs to show the difference")
    pinned = subprocess.run(["taskset", "-c", "0", sys.executable, "-c", SIZES], capture_output=True, text=True,
                            env=_clean_env(), timeout=60, check=True)
    assert pinned.stdout.split() == ["1", "1", "1"]
    free = subprocess.run([sys.executable, "-c", SIZES], capture_output=True, text=True, env=_clean_env(),
                          timeout=60, check=True)
    usable = budget().usable
    assert free.stdout.split() == [str(min(4, usable)), str(min(4, usable)), str(usable)]


@needs_taskset
def test_the_cli_logs_the_usable_cpus_at_start() -> None:
    run = subprocess.run(["taskset", "-c", "0", *CLI, "--verbose", "phonemes", "hello", "--voice", "en-joe"],
                         capture_output=True, text=True, env=_clean_env(), timeout=180)
    assert run.returncode == 0, run.stderr
    line = next(line for line in run.stderr.splitlines() if "cpus usable=" in line)
    assert re.search(r"cpus usable=1 affinity=1 .* onnx_threads=1 wide_threads=1", line), line
