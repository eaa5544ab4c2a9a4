"""Device and distribution setup for a training process: which device, GPU memory growth, mixed
precision, and the tf.distribute strategy. Imports TensorFlow."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from typing import Any

import tensorflow as tf

from seqtui.engine.config import HardwareConfig
from seqtui.engine.errors import BadInput


@dataclass
class Hardware:
    device: str  # what the run reports: "cpu", "gpu:0", "2 x GPU", ...
    strategy: Any
    strategy_name: str
    replicas: int
    is_chief: bool = True
    build: dict[str, Any] | None = None


def describe_devices() -> list[dict[str, Any]]:
    """What TensorFlow sees, for `seqtui devices` and error messages."""
    found = []
    for kind in ("CPU", "GPU"):
        for index, device in enumerate(tf.config.list_physical_devices(kind)):
            entry: dict[str, Any] = {"name": f"{kind.lower()}:{index}", "tf_name": device.name}
            if kind == "GPU":
                try:
                    details = tf.config.experimental.get_device_details(device)
                    entry["model"] = details.get("device_name")
                except (ValueError, RuntimeError):
                    pass
            found.append(entry)
    return found


def build_info() -> dict[str, Any]:
    info = tf.sysconfig.get_build_info()
    return {k: info.get(k) for k in ("cuda_version", "cudnn_version", "is_cuda_build")}


def setup_hardware(hw: HardwareConfig) -> Hardware:
    """Apply the user's device choice; must run before TensorFlow touches a device."""
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:  # two runs can share a card
        with contextlib.suppress(RuntimeError):  # already initialised: growth is fixed
            tf.config.experimental.set_memory_growth(gpu, True)
    device = hw.device
    if device == "auto":
        device = "gpu:0" if gpus else "cpu"
    if device in ("cpu", "cpu:0"):
        if gpus:
            tf.config.set_visible_devices([], "GPU")
        chosen = "cpu"
    else:
        index = int(device.split(":")[1]) if ":" in device else 0
        if index >= len(gpus):
            seen = ", ".join(d["name"] for d in describe_devices())
            raise BadInput(f"device {hw.device} does not exist; TensorFlow sees: {seen}")
        if hw.strategy != "mirrored":
            tf.config.set_visible_devices([gpus[index]], "GPU")
        chosen = f"gpu:{index}"

    if hw.mixed_precision:
        import keras

        keras.mixed_precision.set_global_policy("mixed_float16")

    is_chief = True
    if hw.strategy == "mirrored":
        strategy = tf.distribute.MirroredStrategy()
    elif hw.strategy == "multi-worker":
        if "TF_CONFIG" not in os.environ:
            raise BadInput("--strategy multi-worker needs TF_CONFIG (the cluster and this task)")
        try:
            tf_config = json.loads(os.environ["TF_CONFIG"])
            task = tf_config["task"]
        except (ValueError, KeyError, TypeError):
            raise BadInput("TF_CONFIG is not valid JSON with a 'task' entry") from None
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
        is_chief = task.get("type") == "chief" or (
            task.get("type") == "worker" and int(task.get("index", 0)) == 0
            and "chief" not in tf_config.get("cluster", {}))
    else:
        strategy = tf.distribute.get_strategy()
    replicas = strategy.num_replicas_in_sync
    name = hw.strategy if hw.strategy != "none" else "default"
    label = chosen if replicas == 1 else f"{replicas} replicas ({name})"
    return Hardware(device=label, strategy=strategy, strategy_name=name, replicas=replicas,
                    is_chief=is_chief, build=build_info())
