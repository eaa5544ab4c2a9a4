"""Which device a trial trains on: side by side, each trial its own GPU (round robin over the
ones the box has) unless the user fixed a device; on the CPU the trials share the cores.

The controller never loads TensorFlow to count GPUs: it asks the driver (nvidia-smi) and honours
CUDA_VISIBLE_DEVICES as TensorFlow would.
"""

from __future__ import annotations

import os
import shutil
import subprocess


def visible_gpus(env: dict[str, str] | None = None, smi_output: str | None = None) -> list[str]:
    """`gpu:0`, `gpu:1`, ... as TensorFlow in a trial will number them."""
    env = os.environ if env is None else env
    visible = env.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        ids = [part for part in visible.split(",") if part.strip()]
        if not ids or ids[0].strip() == "-1":
            return []
        return [f"gpu:{i}" for i in range(len(ids))]
    if smi_output is None:
        smi = shutil.which("nvidia-smi")
        if smi is None:
            return []
        try:
            smi_output = subprocess.run([smi, "-L"], capture_output=True, text=True,
                                        timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            return []
    count = sum(1 for line in smi_output.splitlines() if line.startswith("GPU "))
    return [f"gpu:{i}" for i in range(count)]


def trial_device(device: str, slot: int, gpus: list[str] | None = None) -> str:
    """The device for the trial in side-by-side slot `slot` (0-based)."""
    if device != "auto":
        return device  # the user's choice holds for every trial
    gpus = visible_gpus() if gpus is None else gpus
    if not gpus:
        return "auto"  # the CPU: every trial shares the cores
    return gpus[slot % len(gpus)]
