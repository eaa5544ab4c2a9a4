"""Setting the devices up in a training process: visible devices, GPU memory growth, logical
CPU devices, mixed precision, the tf.distribute strategy, and the facts a run records about
its hardware. `setup_hardware` must run before TensorFlow touches a device (a fresh training
process): visible devices and memory growth cannot change once the runtime is up."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from seqtui.engine.config import HardwareConfig
from seqtui.engine.training.devices import ClusterTask, DevicePlan, cluster_task, plan_devices
from seqtui.engine.training.distribution import _patch_keras_for_distribution
from seqtui.engine.training.inventory import _tf, build_info


@dataclass
class Hardware:
    device: str  # what the run reports: "cpu", "gpu:1 (NVIDIA A100-SXM4-40GB)", "cpu:0,cpu:1"
    strategy: Any
    strategy_name: str
    replicas: int
    is_chief: bool = True
    build: dict[str, Any] | None = None
    plan: DevicePlan = field(default_factory=lambda: DevicePlan("cpu", (0,)))
    task: ClusterTask | None = None
    policy: str = "float32"  # Keras's global dtype policy: float32 or mixed_float16
    gpus: list[dict[str, Any]] = field(default_factory=list)  # model, compute capability

    @property
    def on_gpu(self) -> bool:
        return self.plan.kind == "gpu"

    @property
    def workers(self) -> int:
        return self.task.workers if self.task else 1

    def record(self) -> dict[str, Any]:
        """What run_started keeps about the hardware (JSON)."""
        return {"device": self.device, "devices": self.plan.names, "kind": self.plan.kind,
                "strategy": self.strategy_name, "replicas": self.replicas,
                "workers": self.workers, "task": self.task.name if self.task else None,
                "is_chief": self.is_chief, "policy": self.policy, "gpus": self.gpus,
                "build": self.build}


def setup_hardware(hw: HardwareConfig) -> Hardware:
    """Apply the user's device choice; must run before TensorFlow touches a device."""
    task = cluster_task(hw)  # a bad TF_CONFIG fails before anything starts
    tf = _tf()
    build = build_info()
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:  # two runs can share a card
        with contextlib.suppress(RuntimeError):  # already initialised: growth is fixed
            tf.config.experimental.set_memory_growth(gpu, True)
    plan = plan_devices(hw, len(gpus), build.get("is_cuda_build"))

    if plan.kind == "cpu":
        if gpus:
            tf.config.set_visible_devices([], "GPU")
        if plan.cpu_split:
            _split_cpu(tf, plan.cpu_split)
    else:
        chosen = [gpus[i] for i in plan.indexes]
        if chosen != gpus:
            tf.config.set_visible_devices(chosen, "GPU")

    import keras

    # Set every time, so a second run in the same process never inherits the first one's policy.
    policy = "mixed_float16" if hw.mixed_precision else "float32"
    keras.mixed_precision.set_global_policy(policy)

    if hw.strategy != "none":
        _patch_keras_for_distribution()
    if hw.strategy == "mirrored":
        strategy = tf.distribute.MirroredStrategy(devices=plan.tf_devices)
    elif hw.strategy == "multi-worker":
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    else:
        strategy = tf.distribute.get_strategy()
    details = _gpu_details(tf, gpus, plan) if plan.kind == "gpu" else []
    return Hardware(device=_label(plan, details, task), strategy=strategy,
                    strategy_name=hw.strategy if hw.strategy != "none" else "default",
                    replicas=strategy.num_replicas_in_sync,
                    is_chief=task.is_chief if task else True, build=build, plan=plan, task=task,
                    policy=policy, gpus=details)


def _split_cpu(tf: Any, count: int) -> None:
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(count)])
    except RuntimeError:
        # TensorFlow already started in this process: fine if it was split the same way before.
        if len(tf.config.list_logical_devices("CPU")) < count:
            raise RuntimeError(f"cannot split the CPU into {count} devices: TensorFlow already "
                               "started in this process (train in a fresh process)") from None


def _gpu_details(tf: Any, gpus: list[Any], plan: DevicePlan) -> list[dict[str, Any]]:
    details = []
    for index in plan.indexes:
        entry: dict[str, Any] = {"name": f"gpu:{index}"}
        with contextlib.suppress(ValueError, RuntimeError, AttributeError):
            info = tf.config.experimental.get_device_details(gpus[index])
            entry["model"] = info.get("device_name")
            if info.get("compute_capability"):
                entry["compute_capability"] = ".".join(map(str, info["compute_capability"]))
        details.append(entry)
    return details


def _label(plan: DevicePlan, gpus: list[dict[str, Any]], task: ClusterTask | None) -> str:
    label = ",".join(plan.names) if len(plan.indexes) > 1 or plan.kind == "gpu" else "cpu"
    models = {g.get("model") for g in gpus} - {None}
    if len(models) == 1:
        label += f" ({models.pop()})"
    if task is not None:
        label = f"{task.workers} workers x {label}"
    return label


# ---- during and after training ------------------------------------------------------------------

class GpuMemoryProbe:
    """Peak GPU memory per epoch from TensorFlow's allocator (tf.config.experimental
    .get_memory_info): reset when an epoch starts, read when it ends."""

    def __init__(self, tf_names: list[str], labels: list[str]) -> None:
        self.tf_names = tf_names
        self.labels = labels

    def reset(self) -> None:
        tf = _tf()
        for name in self.tf_names:
            with contextlib.suppress(ValueError, RuntimeError):
                tf.config.experimental.reset_memory_stats(name)

    def read(self) -> dict[str, dict[str, int]]:
        """{"gpu:1": {"peak": bytes, "current": bytes}} for each device training uses."""
        tf = _tf()
        out = {}
        for name, label in zip(self.tf_names, self.labels, strict=True):
            with contextlib.suppress(ValueError, RuntimeError):
                info = tf.config.experimental.get_memory_info(name)
                out[label] = {"peak": int(info["peak"]), "current": int(info["current"])}
        return out


def memory_probe(hw: Hardware) -> GpuMemoryProbe | None:
    """The probe for the GPUs a run trains on; None on the CPU (TensorFlow keeps no CPU stats)."""
    if not hw.on_gpu:
        return None
    return GpuMemoryProbe([f"GPU:{k}" for k in range(len(hw.plan.indexes))], hw.plan.names)


def cudnn_problems(model: Any) -> list[str]:
    """Recurrent layers of a built Keras model that cannot use the cuDNN kernel, and why.

    Keras runs LSTM and GRU on cuDNN only with tanh/sigmoid activations, a bias, no recurrent
    dropout, no unrolling (GRU: reset_after) and right-padded masks (the pipeline pads right);
    SimpleRNN has no cuDNN kernel at all.
    """
    problems = []
    for layer in _recurrent_layers(model):
        kind = type(layer).__name__
        if kind == "SimpleRNN":
            problems.append(f"{layer.name}: SimpleRNN has no cuDNN kernel (lstm or bigru "
                            "train much faster on a GPU)")
            continue
        if kind not in ("LSTM", "GRU"):
            continue
        why = []
        cell = getattr(layer, "cell", layer)
        activation = _function_name(getattr(cell, "activation", None))
        recurrent_activation = _function_name(getattr(cell, "recurrent_activation", None))
        if activation != "tanh":
            why.append(f"activation {activation}")
        if recurrent_activation != "sigmoid":
            why.append(f"recurrent activation {recurrent_activation}")
        if getattr(cell, "recurrent_dropout", 0):
            why.append(f"recurrent dropout {cell.recurrent_dropout}")
        if not getattr(cell, "use_bias", True):
            why.append("no bias")
        if getattr(layer, "unroll", False):
            why.append("unroll")
        if kind == "GRU" and not getattr(cell, "reset_after", True):
            why.append("reset_after=False")
        if getattr(layer, "use_cudnn", "auto") is False:
            why.append("use_cudnn=False")
        if why:
            problems.append(f"{layer.name}: {kind} cannot use the cuDNN kernel ({', '.join(why)})"
                            "; it runs the slower generic loop")
    return problems


def _function_name(function: Any) -> str:
    return getattr(function, "__name__", None) or type(function).__name__


def _recurrent_layers(model: Any) -> Iterator[Any]:
    for layer in model.layers:
        inner = [layer.forward_layer, layer.backward_layer] \
            if type(layer).__name__ == "Bidirectional" else [layer]
        for sub in inner:
            if type(sub).__name__ in ("LSTM", "GRU", "SimpleRNN"):
                yield sub


def hardware_warnings(config: Any, hw: Hardware, model: Any | None = None) -> list[str]:
    """What the run should say about speed settings that will not do what the user hopes: each
    becomes a `warning` event."""
    h = config.hardware
    warnings = []
    if h.mixed_precision and not hw.on_gpu:
        warnings.append("mixed precision on the CPU: float16 is emulated there and usually "
                        "slower than float32; it pays off on GPUs with Tensor Cores "
                        "(compute capability 7.0 or newer)")
    elif h.mixed_precision:
        old = [g for g in hw.gpus if g.get("compute_capability")
               and float(g["compute_capability"]) < 7.0]
        for gpu in old:
            warnings.append(f"mixed precision on {gpu['name']} ({gpu.get('model')}, compute "
                            f"capability {gpu['compute_capability']}): no Tensor Cores, so "
                            "float16 may not be faster")
    if model is not None:
        if hw.on_gpu:
            warnings.extend(cudnn_problems(model))
        if h.jit_compile and not getattr(model, "jit_compile", True):
            warnings.append("--jit-compile: Keras trains this model without XLA (its cuDNN "
                            "LSTM/GRU kernels cannot be XLA-compiled; the cuDNN kernel is the "
                            "faster of the two)")
        elif h.jit_compile and config.model.preset != "flatten":
            # Measured on the CPU: a 9-batch bilstm epoch took 110 s with XLA against 5 s without.
            warnings.append("--jit-compile: batches are padded to their own length, and XLA "
                            "compiles the model again for every new length, so training is slow "
                            "until every length has been seen (a fixed-length preset such as "
                            "flatten compiles once)")
    return warnings
