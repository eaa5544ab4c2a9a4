"""The dashboard's system panel: the real /proc of this machine and of a real busy process, NVML
absent, and a stand-in pynvml module for the GPU rows (there is no GPU here)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

from helpers import wait_until
from seqtui.engine.runs.process import write_pid
from seqtui.engine.training import gpu_stats
from seqtui.engine.training.system_stats import SystemSampler, read_process
from seqtui.tui.widgets.system_panel import BLOCKS, spark


@pytest.fixture
def fresh_nvml(monkeypatch):
    """gpu_stats starts afresh (its NVML state is per process), and is left afresh."""
    monkeypatch.setattr(gpu_stats, "_state", {"nvml": None, "reason": None, "failed_at": None})


@pytest.fixture
def no_nvml(monkeypatch, fresh_nvml):
    monkeypatch.setitem(sys.modules, "pynvml", None)  # as if nvidia-ml-py were not installed


@pytest.fixture
def busy_process():
    """A real process spinning one core, gone after the test."""
    proc = subprocess.Popen([sys.executable, "-c", "print('ready', flush=True)\nwhile True: pass"],
                            stdout=subprocess.PIPE, text=True)
    # Sampled only once the interpreter runs: on a loaded machine a process sampled while it
    # is still starting has not yet the memory of a Python.
    assert proc.stdout.readline().strip() == "ready"
    yield proc
    proc.kill()
    proc.wait()


def test_the_real_proc_gives_machine_and_process_figures(busy_process):
    sampler = SystemSampler()
    first = sampler.sample(busy_process.pid)
    assert first.cpu_percent is None and first.process_cpu_percent is None  # rates need two
    meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    assert first.memory_total == int(meminfo["MemTotal"].split()[0]) * 1024
    assert 0 < first.memory_used < first.memory_total
    assert first.process_alive and first.process_memory > 1_000_000  # a Python is a few MB
    time.sleep(1.0)
    second = sampler.sample(busy_process.pid)
    assert 0 <= second.cpu_percent <= 100
    # A spinning process gets a good share of a core even on a busy two-core machine.
    assert 10 < second.process_cpu_percent <= 100 * second.cpus + 5


def test_a_process_that_is_gone_reads_as_not_running(busy_process):
    pid = busy_process.pid
    busy_process.kill()
    busy_process.wait()
    assert read_process(pid) is None
    assert not SystemSampler().sample(pid).process_alive


def test_sparklines_are_on_a_fixed_scale():
    assert spark([0, 50, 100, None], 100, 6) == "  " + BLOCKS[0] + BLOCKS[4] + BLOCKS[-1] + " "
    assert spark([5, 5, 5], 100, 3) == BLOCKS[0] * 3  # a quiet machine looks quiet


def stand_in_pynvml(utilization: list[int]) -> types.ModuleType:
    """Enough of pynvml's API for gpu_stats: one 15 GiB card whose load follows `utilization`."""
    module = types.ModuleType("pynvml")

    class NVMLError(Exception):
        pass

    calls = iter(utilization + [utilization[-1]] * 1000)
    gib = 2**30
    module.NVMLError = NVMLError
    module.NVML_TEMPERATURE_GPU = 0
    module.nvmlInit = lambda: None
    module.nvmlDeviceGetCount = lambda: 1
    module.nvmlDeviceGetHandleByIndex = lambda i: f"handle{i}"
    module.nvmlDeviceGetUtilizationRates = lambda h: types.SimpleNamespace(gpu=next(calls),
                                                                           memory=30)
    module.nvmlDeviceGetMemoryInfo = lambda h: types.SimpleNamespace(used=3 * gib, total=15 * gib)
    module.nvmlDeviceGetPciInfo = lambda h: types.SimpleNamespace(busId=b"00000000:00:04.0")
    module.nvmlDeviceGetPowerUsage = lambda h: 35_000
    module.nvmlDeviceGetPowerManagementLimit = lambda h: 70_000
    module.nvmlDeviceGetComputeRunningProcesses = lambda h: []
    module.nvmlDeviceGetName = lambda h: b"Tesla T4"
    module.nvmlDeviceGetUUID = lambda h: b"GPU-1234"
    module.nvmlDeviceGetTemperature = lambda h, sensor: 64
    return module


def running_run(runs, pid: int) -> Path:
    config = runs.tiny("gap")
    path = runs.create("2026-01-01_000000_gap", config, runs.start_events(config))
    write_pid(path, pid)
    return path


@pytest.mark.anyio
async def test_panel_without_nvml_shows_the_machine_and_one_quiet_gpu_line(
        runs, make_app, shown, no_nvml, busy_process):
    path = running_run(runs, busy_process.pid)
    app = make_app(attach=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6")
        panel = app.screen.query_one("#dash-system")
        await wait_until(pilot, lambda: "% of a core" in shown(panel), timeout=10)
        text = shown(panel)
        assert "machine cpu" in text and "cores" in text
        assert "GiB" in text.split("machine memory", 1)[1].splitlines()[0]
        assert "training memory" in text
        gpu_lines = [line for line in text.splitlines() if "GPU" in line]
        assert gpu_lines == ["GPU: NVML is not installed (pip install nvidia-ml-py)"]
        before = len(panel.history["machine cpu"])
        await wait_until(pilot, lambda: len(panel.history["machine cpu"]) >= before + 2,
                         timeout=5)  # about once a second


@pytest.mark.anyio
async def test_panel_with_a_stand_in_nvml_shows_every_gpu_figure(runs, make_app, shown,
                                                                   monkeypatch, fresh_nvml):
    monkeypatch.setitem(sys.modules, "pynvml", stand_in_pynvml([10, 90, 50]))
    path = running_run(runs, os.getpid())
    app = make_app(attach=path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("6")
        panel = app.screen.query_one("#dash-system")
        await wait_until(pilot, lambda: len(panel.history.get("gpu0 util", ())) >= 3,
                         timeout=10)
        lines = shown(panel).splitlines()
        assert "gpu0: Tesla T4" in lines
        row = {line.split()[1]: line for line in lines if line.startswith("gpu0 ")}
        assert row["util"].rstrip().endswith("50%")
        assert BLOCKS[0] + BLOCKS[7] + BLOCKS[4] in row["util"]  # 10%, 90%, 50%
        assert row["memory"].rstrip().endswith("3.0/15.0 GiB")
        assert row["temp"].rstrip().endswith("64°C")
        assert row["power"].rstrip().endswith("35/70 W")
        assert not any(line.startswith("GPU:") for line in lines)
