"""Device planning: which device or devices a run asks for, what TF_CONFIG says of this
machine's place in a cluster. Plain Python: no TensorFlow.

The choices (`plan_devices`, `cluster_task`) are plain Python, so bad input is caught before
TensorFlow loads and the GPU cases are testable on a machine without one. Device names are
seqtui's: `cpu`, `gpu:N` with N TensorFlow's physical GPU index. `--devices cpu:0,cpu:1` splits
the CPU into logical devices: it gives the mirrored strategy two replicas on a machine without
GPUs (no faster, the cores are shared; it is how the distributed path is exercised on a CPU)."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from seqtui.engine.config import HardwareConfig
from seqtui.engine.errors import BadInput

DEVICE_RE = re.compile(r"(cpu|gpu)(?::(\d+))?")






# ---- what the user asked for: pure Python ------------------------------------------------------

@dataclass(frozen=True)
class ClusterTask:
    """This process's place in a multi-worker cluster, from TF_CONFIG."""

    type: str  # "worker" or "chief"
    index: int
    workers: int  # every training process in the cluster, the chief included
    is_chief: bool

    @property
    def name(self) -> str:
        return f"{self.type}{self.index}"


def cluster_task(hw: HardwareConfig, environ: dict[str, str] | None = None) -> ClusterTask | None:
    """The TF_CONFIG task of a multi-worker run (None for any other strategy); BadInput when
    TF_CONFIG is missing or does not describe a cluster this process belongs to."""
    if hw.strategy != "multi-worker":
        return None
    environ = os.environ if environ is None else environ
    raw = environ.get("TF_CONFIG", "").strip()
    example = ('e.g. TF_CONFIG=\'{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
               '"task": {"type": "worker", "index": 0}}\'')
    if not raw:
        raise BadInput(f"--strategy multi-worker needs TF_CONFIG (the cluster and this task), "
                       f"{example}")
    try:
        tf_config = json.loads(raw)
    except ValueError as exc:
        raise BadInput(f"TF_CONFIG is not valid JSON ({exc}); {example}") from None
    cluster = tf_config.get("cluster") if isinstance(tf_config, dict) else None
    task = tf_config.get("task") if isinstance(tf_config, dict) else None
    if not isinstance(cluster, dict) or not isinstance(task, dict):
        raise BadInput(f"TF_CONFIG needs a 'cluster' and a 'task' object; {example}")
    for role, addresses in cluster.items():
        if role not in ("worker", "chief"):
            raise BadInput(f"TF_CONFIG cluster has {role!r} tasks; multi-worker training uses "
                           "'worker' (and at most one 'chief')")
        if not isinstance(addresses, list) or not addresses or not all(
                isinstance(a, str) and re.fullmatch(r"[^\s:]+:\d+", a) for a in addresses):
            raise BadInput(f"TF_CONFIG cluster {role!r} must be a list of host:port, "
                           f"got {addresses!r}")
    if len(cluster.get("chief", [])) > 1:
        raise BadInput("TF_CONFIG cluster may have one chief, got "
                       f"{len(cluster['chief'])}")
    kind, index = task.get("type"), task.get("index", 0)
    if kind not in cluster:
        raise BadInput(f"TF_CONFIG task type {kind!r} is not in the cluster "
                       f"({', '.join(cluster)})")
    if isinstance(index, bool) or not isinstance(index, int) or not \
            0 <= index < len(cluster[kind]):
        raise BadInput(f"TF_CONFIG task index {index!r} is out of range: the cluster has "
                       f"{len(cluster[kind])} {kind} task(s), numbered from 0")
    workers = sum(len(addresses) for addresses in cluster.values())
    # TensorFlow's rule: the chief task if there is one, else worker 0, saves for everyone.
    is_chief = kind == "chief" or ("chief" not in cluster and index == 0)
    return ClusterTask(type=kind, index=index, workers=workers, is_chief=is_chief)


@dataclass(frozen=True)
class DevicePlan:
    """Which local devices the replicas of this process run on."""

    kind: str  # "cpu" or "gpu"
    indexes: tuple[int, ...]  # physical GPU indexes, or logical CPU indexes
    cpu_split: int = 0  # logical CPU devices to make (0: leave the CPU whole)

    @property
    def names(self) -> list[str]:
        return [f"{self.kind}:{i}" for i in self.indexes]

    @property
    def tf_devices(self) -> list[str]:
        """TensorFlow's logical names once only the planned GPUs are visible (they renumber)."""
        if self.kind == "gpu":
            return [f"/gpu:{k}" for k in range(len(self.indexes))]
        return [f"/cpu:{i}" for i in self.indexes]


def parse_device(name: str) -> tuple[str, int | None]:
    match = DEVICE_RE.fullmatch(name.strip().lower())
    if not match:
        raise BadInput(f"device must be auto, cpu, gpu or gpu:N, got {name!r}")
    return match.group(1), int(match.group(2)) if match.group(2) is not None else None


def parse_device_list(text: str) -> list[str]:
    """'gpu:0, gpu:1' -> ['gpu:0', 'gpu:1'] (for --devices)."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not names:
        raise ValueError("expected devices like gpu:0,gpu:1")
    for name in names:
        if not re.fullmatch(r"(cpu|gpu):\d+", name):
            raise ValueError(f"expected devices like gpu:0,gpu:1 (cpu:N or gpu:N), got {name!r}")
    return names


def _seen(gpu_count: int) -> str:
    return ", ".join(["cpu:0", *(f"gpu:{i}" for i in range(gpu_count))])


def _no_gpu(asked: str, gpu_count: int, cuda_build: bool | None) -> BadInput:
    why = ""
    if gpu_count == 0:
        why = ("; this TensorFlow build has no CUDA support (pip install 'tensorflow[and-cuda]')"
               if cuda_build is False else
               "; no GPU is visible (no NVIDIA driver, or CUDA_VISIBLE_DEVICES hides them)")
    return BadInput(f"device {asked} does not exist; TensorFlow sees: {_seen(gpu_count)}{why}")


def plan_devices(hw: HardwareConfig, gpu_count: int,
                 cuda_build: bool | None = None) -> DevicePlan:
    """Turn --device/--devices/--strategy into the devices this process trains on.

    Without a strategy one device trains: auto is gpu:0 when there is a GPU, else the CPU.
    mirrored uses --devices, else the one device named by --device gpu:N, else every local GPU
    (or the CPU); multi-worker does the same on each worker. A device that does not exist is a
    BadInput that lists what TensorFlow sees.
    """
    devices = list(getattr(hw, "devices", None) or [])
    if devices:
        if hw.device != "auto":
            raise BadInput("--device and --devices both given: --devices names every device, "
                           "--device picks one")
        parsed = [parse_device(name) for name in devices]
        kinds = {kind for kind, _ in parsed}
        if len(kinds) > 1:
            raise BadInput(f"--devices mixes CPU and GPU ({','.join(devices)}); "
                           "mirror over GPUs or over CPU devices")
        indexes = tuple(index or 0 for _, index in parsed)
        if len(set(indexes)) != len(indexes):
            raise BadInput(f"--devices names a device twice: {','.join(devices)}")
        if len(indexes) == 1 and hw.strategy == "none":  # one device: the same as --device
            return plan_devices(dataclasses.replace(hw, device=devices[0], devices=None),
                                gpu_count, cuda_build)
        if len(indexes) > 1 and hw.strategy == "none":
            raise BadInput(f"--devices {','.join(devices)} trains on {len(indexes)} devices; "
                           "add --strategy mirrored")
        kind = kinds.pop()
        if kind == "gpu":
            missing = [f"gpu:{i}" for i in indexes if i >= gpu_count]
            if missing:
                raise _no_gpu(missing[0], gpu_count, cuda_build)
            return DevicePlan("gpu", indexes)
        if hw.strategy == "multi-worker" and len(indexes) > 1:
            raise BadInput("multi-worker training uses one CPU device per worker; "
                           "drop --devices or name GPUs")
        split = max(indexes) + 1
        return DevicePlan("cpu", indexes, cpu_split=split if split > 1 else 0)

    kind, index = parse_device(hw.device) if hw.device != "auto" else ("auto", None)
    if kind == "cpu":
        if index:
            raise BadInput(f"device {hw.device} does not exist; TensorFlow sees: "
                           f"{_seen(gpu_count)} (split the CPU with --devices cpu:0,cpu:1 "
                           "and --strategy mirrored)")
        return DevicePlan("cpu", (0,))
    if kind == "gpu" and index is not None:
        if index >= gpu_count:
            raise _no_gpu(hw.device, gpu_count, cuda_build)
        return DevicePlan("gpu", (index,))
    if kind == "gpu" and gpu_count == 0:
        raise _no_gpu("gpu", gpu_count, cuda_build)
    if gpu_count == 0:  # auto on a machine without GPUs
        return DevicePlan("cpu", (0,))
    if hw.strategy == "none":
        return DevicePlan("gpu", (0,))
    return DevicePlan("gpu", tuple(range(gpu_count)))  # mirrored / multi-worker: every GPU















def check_device_settings(hw: HardwareConfig) -> None:
    """What is wrong with the device settings whatever the machine has (a bad TF_CONFIG,
    --devices without a strategy, ...), without loading TensorFlow: the TUI's form and the
    CLI's first look. A GPU that is not there is found by `inventory.check_devices`, or fails
    the run at its start with the same message."""
    cluster_task(hw)
    named = [hw.device, *(getattr(hw, "devices", None) or [])]
    plan_devices(hw, sys.maxsize if any(n.startswith("gpu") for n in named) else 0)


def worker_log_path(runs_dir: Path, name: str, task: ClusterTask, now: float | None = None) -> Path:
    """Where a non-chief worker logs: RUNS/workers/<time>_<name>_<task>.log. Only the chief
    writes the run directory; a worker's log stays on its own machine, beside the runs."""
    from seqtui.engine.runs.store import new_run_id

    folder = Path(runs_dir) / "workers"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    base = f"{new_run_id(name, now)}_{task.name}"
    path = folder / f"{base}.log"
    attempt = 1
    while path.exists():
        attempt += 1
        path = folder / f"{base}-{attempt}.log"
    return path
