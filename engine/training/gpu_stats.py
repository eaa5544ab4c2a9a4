"""Live GPU facts (utilisation, memory, temperature, power, processes) read through NVML.

For the TUI's hardware panel and `seqtui devices`: it never imports TensorFlow and never touches
the training process; it asks the NVIDIA driver, as `nvidia-smi` does. NVML comes from the
optional `nvidia-ml-py` package (module `pynvml`; `pip install 'seqtui[gpu]'`). Without it, or
without an NVIDIA driver, `gpu_snapshot()` returns None and `nvml_unavailable_reason()` says why.

NVML numbers GPUs in PCI bus order; TensorFlow (CUDA) numbers them fastest first unless
CUDA_DEVICE_ORDER=PCI_BUS_ID. Each entry carries its PCI bus id and name so the two can be matched.
"""

from __future__ import annotations

import threading
import time
from typing import Any

# After a failed start (no package, no driver), try again at most this often: a driver can load
# later, but a panel refreshing every second should not pay for a failing dlopen each time.
RETRY_SECONDS = 30.0

_lock = threading.Lock()
_state: dict[str, Any] = {"nvml": None, "reason": None, "failed_at": None}


def _nvml() -> Any | None:
    """The initialised pynvml module, or None (the reason is kept for nvml_unavailable_reason)."""
    with _lock:
        if _state["nvml"] is not None:
            return _state["nvml"]
        failed_at = _state["failed_at"]
        if failed_at is not None and time.monotonic() - failed_at < RETRY_SECONDS:
            return None
        try:
            import pynvml
        except ImportError:
            return _fail("NVML is not installed (pip install nvidia-ml-py)")
        try:
            pynvml.nvmlInit()
        except pynvml.NVMLError as exc:
            return _fail(f"NVML is not available: {_nvml_message(exc)} (no NVIDIA driver?)")
        except OSError as exc:  # an unusable libnvidia-ml
            return _fail(f"NVML is not available: {exc}")
        _state.update(nvml=pynvml, reason=None, failed_at=None)
        return pynvml


def _fail(reason: str) -> None:
    _state.update(nvml=None, reason=reason, failed_at=time.monotonic())
    return None


def _nvml_message(exc: BaseException) -> str:
    return str(exc).strip() or type(exc).__name__


def nvml_unavailable_reason() -> str | None:
    """Why gpu_snapshot() returned None, in one line; None when NVML works."""
    _nvml()
    return _state["reason"]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _try(call: Any, *args: Any) -> Any:
    """One NVML query; a field the card or driver does not support becomes None."""
    nvml = _state["nvml"]
    try:
        return call(*args)
    except nvml.NVMLError:
        return None


def gpu_snapshot() -> list[dict[str, Any]] | None:
    """One dict per NVIDIA GPU, or None when NVML is not available (see nvml_unavailable_reason).

    Keys: index (NVML's), name, uuid, pci_bus_id, utilization (percent of time a kernel ran),
    memory_utilization (percent), memory_used, memory_total (bytes), temperature (Celsius),
    power_watts, power_limit_watts, processes ([{"pid", "memory_used"}] of compute processes).
    A value the card does not report is None. Costs a few milliseconds; safe from any thread.
    """
    nvml = _nvml()
    if nvml is None:
        return None
    with _lock:
        count = _try(nvml.nvmlDeviceGetCount)
        if count is None:
            return None
        gpus = []
        for index in range(count):
            handle = _try(nvml.nvmlDeviceGetHandleByIndex, index)
            if handle is None:
                continue
            util = _try(nvml.nvmlDeviceGetUtilizationRates, handle)
            memory = _try(nvml.nvmlDeviceGetMemoryInfo, handle)
            pci = _try(nvml.nvmlDeviceGetPciInfo, handle)
            power = _try(nvml.nvmlDeviceGetPowerUsage, handle)  # milliwatts
            limit = _try(nvml.nvmlDeviceGetPowerManagementLimit, handle)
            procs = _try(nvml.nvmlDeviceGetComputeRunningProcesses, handle) or []
            name = _try(nvml.nvmlDeviceGetName, handle)
            uuid = _try(nvml.nvmlDeviceGetUUID, handle)
            gpus.append({
                "index": index,
                "name": _text(name) if name is not None else None,
                "uuid": _text(uuid) if uuid is not None else None,
                "pci_bus_id": _text(pci.busId) if pci is not None else None,
                "utilization": util.gpu if util is not None else None,
                "memory_utilization": util.memory if util is not None else None,
                "memory_used": int(memory.used) if memory is not None else None,
                "memory_total": int(memory.total) if memory is not None else None,
                "temperature": _try(nvml.nvmlDeviceGetTemperature, handle,
                                    nvml.NVML_TEMPERATURE_GPU),
                "power_watts": round(power / 1000, 1) if power is not None else None,
                "power_limit_watts": round(limit / 1000, 1) if limit is not None else None,
                "processes": [{"pid": int(p.pid),
                               "memory_used": int(p.usedGpuMemory) if p.usedGpuMemory else None}
                              for p in procs],
            })
        return gpus
