"""The dashboard's system panel: CPU and memory of the machine and of the run's training process,
and each GPU's utilisation, memory, temperature and power, as sparklines with current values.

Read about once a second in a thread: /proc for CPU and memory, NVML for GPUs (never TensorFlow).
Without NVML or a GPU the panel says why in one quiet line. Sparklines are on fixed scales (0 to
100%, 0 to the total memory, 0 to the power limit) so a quiet machine looks quiet.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static

from seqtui.engine.runs.process import read_pid
from seqtui.engine.training import gpu_stats
from seqtui.engine.training.system_stats import SystemSample, SystemSampler

SAMPLE_SECONDS = 1.0
HISTORY = 120  # samples kept per line: two minutes at one a second
BLOCKS = "▁▂▃▄▅▆▇█"
LABEL_WIDTH = 17
VALUE_WIDTH = 22


def spark(values: list[float | None], high: float, width: int) -> str:
    """The last `width` values as block characters on a 0..high scale (a gap where unknown)."""
    out = []
    for value in values[-width:]:
        if value is None or high <= 0:
            out.append(" ")
        else:
            level = min(max(value / high, 0.0), 1.0)
            out.append(BLOCKS[min(len(BLOCKS) - 1, int(level * len(BLOCKS)))])
    return "".join(out).rjust(width)


def gib(n: float | None) -> str:
    if n is None:
        return "?"
    return f"{n / 2**30:.1f}" if n >= 2**28 else f"{n / 2**30:.2f}"


def human_bytes(n: float | None) -> str:
    if n is None:
        return "?"
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


class SystemRead(Message):
    def __init__(self, sample: SystemSample, gpus: list[dict[str, Any]] | None,
                 reason: str | None) -> None:
        super().__init__()
        self.sample, self.gpus, self.reason = sample, gpus, reason


class SystemPanel(Static):
    """Samples while shown on a running screen; `pause`/`resume` follow the dashboard."""

    def __init__(self, run_dir: Path, **kwargs: Any) -> None:
        super().__init__("Reading the system figures…", **kwargs)
        self.run_dir = Path(run_dir)
        self.sampler = SystemSampler()
        self.history: dict[str, deque] = {}
        self.latest: dict[str, tuple[float | None, float, str]] = {}  # line -> value, max, text
        self.gpu_reason: str | None = None
        self.gpu_names: dict[int, str] = {}
        self._timer: Timer | None = None
        self._reading = False

    def on_mount(self) -> None:
        self.poll()
        # A dashboard built ahead of being opened samples from when it shows.
        self._timer = self.set_interval(SAMPLE_SECONDS, self.poll,
                                        pause=self.screen not in self.app.screen_stack)

    def pause(self) -> None:
        if self._timer is not None:
            self._timer.pause()

    def resume(self) -> None:
        if self._timer is not None:
            self._timer.resume()

    def poll(self) -> None:
        if not self._reading:
            self._reading = True
            self.read()

    @work(thread=True, exclusive=True, group="system", exit_on_error=False)
    def read(self) -> None:
        try:
            sample = self.sampler.sample(read_pid(self.run_dir))
            gpus = gpu_stats.gpu_snapshot()
            reason = gpu_stats.nvml_unavailable_reason() if gpus is None else None
        finally:
            self._reading = False
        self.post_message(SystemRead(sample, gpus, reason))

    def on_system_read(self, message: SystemRead) -> None:
        sample = message.sample
        self.add("machine cpu", sample.cpu_percent, 100.0,
                 f"{sample.cpu_percent:.0f}% of {sample.cpus} cores"
                 if sample.cpu_percent is not None else f"? of {sample.cpus} cores")
        self.add("machine memory", sample.memory_used, float(sample.memory_total or 0),
                 f"{gib(sample.memory_used)}/{gib(sample.memory_total)} GiB")
        if sample.process_alive:
            self.add("training cpu", sample.process_cpu_percent, 100.0 * sample.cpus,
                     f"{sample.process_cpu_percent:.0f}% of a core"
                     if sample.process_cpu_percent is not None else "?")
            self.add("training memory", sample.process_memory, float(sample.memory_total or 0),
                     human_bytes(sample.process_memory))
        else:
            for line in ("training cpu", "training memory"):
                self.add(line, None, 1.0, "not running")
        self.gpu_reason = message.reason
        if message.gpus is not None and not message.gpus:
            self.gpu_reason = "NVML sees no NVIDIA GPU"
        for gpu in message.gpus or []:
            self.add_gpu(gpu)
        self.draw()

    def add(self, line: str, value: float | None, high: float, text: str) -> None:
        self.history.setdefault(line, deque(maxlen=HISTORY)).append(value)
        self.latest[line] = (value, high, text)

    def add_gpu(self, gpu: dict[str, Any]) -> None:
        index = gpu["index"]
        self.gpu_names[index] = str(gpu.get("name") or "GPU")
        util, temp = gpu.get("utilization"), gpu.get("temperature")
        used, total = gpu.get("memory_used"), gpu.get("memory_total")
        power, limit = gpu.get("power_watts"), gpu.get("power_limit_watts")
        self.add(f"gpu{index} util", util, 100.0, f"{util}%" if util is not None else "?")
        self.add(f"gpu{index} memory", used, float(total or 0), f"{gib(used)}/{gib(total)} GiB")
        self.add(f"gpu{index} temp", temp, 100.0, f"{temp}°C" if temp is not None else "?")
        self.add(f"gpu{index} power", power, float(limit or power or 0),
                 (f"{power:.0f}/{limit:.0f} W" if limit else f"{power:.0f} W")
                 if power is not None else "?")

    def lines(self, width: int) -> list[str]:
        """The panel as text lines of the given width."""
        bar = max(8, width - LABEL_WIDTH - VALUE_WIDTH - 2)
        out = []
        for line, (_, high, text) in self.latest.items():
            if line.endswith(" util"):
                index = int(line[3:].split()[0])
                out.append(f"gpu{index}: {self.gpu_names.get(index, 'GPU')}")
            out.append(f"{line:<{LABEL_WIDTH}}{spark(list(self.history[line]), high, bar)}  "
                       f"{text}")
        if self.gpu_reason:
            out.append(f"GPU: {self.gpu_reason}")
        return out

    def draw(self) -> None:
        self.update(Text("\n".join(self.lines(self.size.width or 80)), no_wrap=True))
