"""CPU and memory of the machine and of one process, read from Linux's /proc, for the TUI's system
panel (no TensorFlow, no psutil: the same files `top` reads).

CPU figures are rates, so they need two readings: a SystemSampler keeps the previous one, and its
first sample reports no CPU figure rather than a made-up one. Process CPU is in percent of one
core, as `top` shows it (a process using two cores reads 200%).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass
class SystemSample:
    """One reading; a figure /proc could not give is None."""

    cpu_percent: float | None = None  # the whole machine, 0 to 100
    cpus: int = 1
    memory_used: int | None = None  # bytes: total minus available, as `free` counts it
    memory_total: int | None = None
    process_cpu_percent: float | None = None  # of one core
    process_memory: int | None = None  # resident bytes
    process_alive: bool = False


def read_cpu_times(proc: Path = PROC) -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs since boot from /proc/stat."""
    try:
        with open(proc / "stat", encoding="ascii") as handle:
            fields = handle.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    values = [int(v) for v in fields[1:]]
    # user nice system idle iowait irq softirq steal (guest time is already inside user)
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])
    return total - idle, total


def read_memory(proc: Path = PROC) -> tuple[int, int] | None:
    """(used, total) bytes from /proc/meminfo; used is MemTotal minus MemAvailable."""
    info = {}
    try:
        with open(proc / "meminfo", encoding="ascii") as handle:
            for line in handle:
                key, _, rest = line.partition(":")
                if key in ("MemTotal", "MemAvailable"):
                    info[key] = int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    if "MemTotal" not in info or "MemAvailable" not in info:
        return None
    return info["MemTotal"] - info["MemAvailable"], info["MemTotal"]


def read_process(pid: int, proc: Path = PROC) -> tuple[int, int] | None:
    """(cpu ticks used, resident bytes) of a process, or None when it is gone."""
    try:
        stat = (proc / str(pid) / "stat").read_text()
        statm = (proc / str(pid) / "statm").read_text().split()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # the name in parentheses may hold spaces
    if fields[0] == "Z":
        return None
    utime, stime = int(fields[11]), int(fields[12])
    return utime + stime, int(statm[1]) * os.sysconf("SC_PAGE_SIZE")


class SystemSampler:
    """Call `sample()` about once a second; CPU percentages are over the time since the last."""

    def __init__(self, proc: Path = PROC) -> None:
        self.proc = proc
        self.ticks = os.sysconf("SC_CLK_TCK")
        self._cpu: tuple[int, int] | None = None
        self._process: tuple[int, int, float] | None = None  # pid, ticks, when

    def sample(self, pid: int | None = None) -> SystemSample:
        out = SystemSample(cpus=os.cpu_count() or 1)
        cpu = read_cpu_times(self.proc)
        if cpu is not None and self._cpu is not None and cpu[1] > self._cpu[1]:
            out.cpu_percent = 100.0 * (cpu[0] - self._cpu[0]) / (cpu[1] - self._cpu[1])
        self._cpu = cpu
        memory = read_memory(self.proc)
        if memory is not None:
            out.memory_used, out.memory_total = memory
        process = read_process(pid, self.proc) if pid else None
        now = time.monotonic()
        if process is not None:
            out.process_alive = True
            out.process_memory = process[1]
            last = self._process
            if last is not None and last[0] == pid and now > last[2]:
                out.process_cpu_percent = 100.0 * (process[0] - last[1]) / self.ticks \
                    / (now - last[2])
            self._process = (pid, process[0], now)
        else:
            self._process = None
        return out
