"""What TensorFlow sees on this machine: devices, the build's CUDA and cuDNN, memory; for
`seqtui devices`, a run's record of its hardware, and the check that a named GPU exists. Loads
TensorFlow (only when a function is called)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from seqtui.engine.config import HardwareConfig
from seqtui.engine.training.devices import check_device_settings, plan_devices


def _tf() -> Any:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    return tf

@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2 (TensorFlow's C++ start-up chatter about CUDA drivers ignores
    TF_CPP_MIN_LOG_LEVEL), so that bad input stays one line. Python's own sys.stderr is kept."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (embedded, pytest capture): nothing to hide
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)

def build_info() -> dict[str, Any]:
    """TensorFlow's build: CUDA and cuDNN versions it was built against, and GPU architectures."""
    info = _tf().sysconfig.get_build_info()
    keys = ("is_cuda_build", "cuda_version", "cudnn_version", "cuda_compute_capabilities")
    return {k: info.get(k) for k in keys}

def _memory_total() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None

def describe_devices(with_nvml: bool = True) -> list[dict[str, Any]]:
    """What TensorFlow sees, for `seqtui devices` and error messages: name (cpu:0, gpu:N), kind,
    model and compute capability for GPUs, and memory where known (the machine's RAM for the
    CPU; NVML's total and used memory for a GPU when nvidia-ml-py is installed)."""
    tf = _tf()
    found: list[dict[str, Any]] = []
    for index, device in enumerate(tf.config.list_physical_devices("CPU")):
        found.append({"name": f"cpu:{index}", "kind": "CPU", "tf_name": device.name,
                      "model": _cpu_model(), "cores": os.cpu_count(),
                      "memory_total": _memory_total()})
    nvml = None
    if with_nvml:
        from seqtui.engine.training.gpu_stats import gpu_snapshot

        nvml = gpu_snapshot()
    for index, device in enumerate(tf.config.list_physical_devices("GPU")):
        entry: dict[str, Any] = {"name": f"gpu:{index}", "kind": "GPU", "tf_name": device.name}
        with contextlib.suppress(ValueError, RuntimeError, AttributeError):
            details = tf.config.experimental.get_device_details(device)
            entry["model"] = details.get("device_name")
            capability = details.get("compute_capability")
            if capability:
                entry["compute_capability"] = ".".join(map(str, capability))
        match = _nvml_match(entry, index, nvml)
        if match:
            entry.update(memory_total=match["memory_total"], memory_used=match["memory_used"],
                         utilization=match["utilization"], pci_bus_id=match["pci_bus_id"])
        found.append(entry)
    return found

def _nvml_match(entry: dict[str, Any], index: int,
                nvml: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """NVML's view of a TensorFlow GPU. NVML counts in PCI order and CUDA fastest first, so
    indexes agree only when the names do too (or CUDA_DEVICE_ORDER=PCI_BUS_ID); otherwise no
    memory is claimed rather than another card's."""
    if not nvml or os.environ.get("CUDA_VISIBLE_DEVICES"):
        return None
    same_order = os.environ.get("CUDA_DEVICE_ORDER") == "PCI_BUS_ID" or \
        len({g["name"] for g in nvml}) == 1
    if index < len(nvml) and same_order and (
            not entry.get("model") or nvml[index]["name"] == entry["model"]):
        return nvml[index]
    return None

def _cpu_model() -> str | None:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    import platform

    return platform.processor() or platform.machine() or None


def check_devices(hw: HardwareConfig) -> None:
    """Bad device or TF_CONFIG input, found before a run directory is made. A named GPU is
    looked for, which loads TensorFlow (only then: `auto` and `cpu` need no look)."""
    named = [hw.device, *(getattr(hw, "devices", None) or [])]
    if not any(name.startswith("gpu") for name in named):
        check_device_settings(hw)
        return
    with quiet_stderr():
        tf = _tf()
        count = len(tf.config.list_physical_devices("GPU"))
    check_device_settings(hw)
    plan_devices(hw, count, build_info().get("is_cuda_build"))
