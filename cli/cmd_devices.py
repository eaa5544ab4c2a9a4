"""`seqtui devices`: what TensorFlow sees (CPU and GPUs, with memory where known), how it was built
(CUDA, cuDNN), and the names --device and --devices take. --json for scripts."""

from __future__ import annotations

import argparse
import json
from typing import Any

ORDER = 80


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("devices", help="the devices TensorFlow sees, with memory where known",
                            description="List the CPU and GPUs TensorFlow sees, their memory "
                            "(GPU memory through NVML when nvidia-ml-py is installed), and "
                            "TensorFlow's CUDA/cuDNN build. Names are what --device takes.")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.set_defaults(handler=handle)


def collect() -> dict[str, Any]:
    from seqtui.engine.training.gpu_stats import gpu_snapshot, nvml_unavailable_reason
    from seqtui.engine.training.inventory import build_info, describe_devices, quiet_stderr

    with quiet_stderr():  # TensorFlow's start-up chatter about CUDA drivers
        import tensorflow as tf

        devices = describe_devices()
        build = build_info()
    gpus = [d for d in devices if d["kind"] == "GPU"]
    return {"tensorflow": tf.__version__, "build": build, "devices": devices,
            "nvml": gpu_snapshot(), "nvml_unavailable": nvml_unavailable_reason(),
            "note": _note(build, gpus)}


def _note(build: dict[str, Any], gpus: list[dict[str, Any]]) -> str | None:
    if gpus:
        return None
    if not build.get("is_cuda_build"):
        return ("this TensorFlow build has no CUDA support; on an NVIDIA machine: "
                "pip install 'tensorflow[and-cuda]'")
    return "no GPU visible: no NVIDIA driver found, or CUDA_VISIBLE_DEVICES hides the GPUs"


def _gib(value: int | None) -> str:
    return f"{value / 2**30:.1f} GiB" if value else "?"


def handle(args: argparse.Namespace) -> int:
    facts = collect()
    if args.json:
        print(json.dumps(facts, indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    console = Console()
    build = facts["build"]
    cuda = (f"CUDA {build.get('cuda_version')}, cuDNN {build.get('cudnn_version')}"
            if build.get("is_cuda_build") else "no CUDA")
    console.print(f"TensorFlow {facts['tensorflow']} ({cuda})")
    table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
    for column in ("device", "model", "compute", "memory", "in use"):
        table.add_column(column)
    for device in facts["devices"]:
        if device["kind"] == "CPU":
            model = device.get("model") or "CPU"
            if device.get("cores"):
                model += f", {device['cores']} cores"
            table.add_row(device["name"], model, "", _gib(device.get("memory_total")), "")
        else:
            used = device.get("memory_used")
            util = device.get("utilization")
            in_use = f"{_gib(used)}, {util}% busy" if used is not None else ""
            table.add_row(device["name"], device.get("model") or "GPU",
                          device.get("compute_capability", ""),
                          _gib(device.get("memory_total")) if device.get("memory_total")
                          else "(needs nvidia-ml-py)", in_use)
    console.print(table)
    if facts["note"]:
        console.print(facts["note"])
    elif facts["nvml_unavailable"]:
        console.print(f"GPU memory: {facts['nvml_unavailable']}")
    console.print("one device: --device gpu:N; several: --strategy mirrored", soft_wrap=True)
    return 0
