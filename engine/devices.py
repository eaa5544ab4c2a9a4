"""Device and distribution setup for a training process: which device, GPU memory growth, mixed
precision, the tf.distribute strategy, and the facts a run records about its hardware.

The choices themselves (`plan_devices`, `cluster_task`) are plain Python, so bad input is caught
before TensorFlow loads and the GPU cases are testable on a machine without one. TensorFlow is
imported only by the functions that need it; `setup_hardware` must run before TensorFlow touches a
device (a fresh training process), because visible devices, memory growth and logical CPU devices
cannot change once the runtime is up.

Device names are seqtui's: `cpu`, `gpu:N` with N TensorFlow's physical GPU index (what `seqtui
devices` lists). `--devices cpu:0,cpu:1` splits the CPU into logical devices: it gives the
mirrored strategy two replicas on a machine without GPUs (no faster, the cores are shared; it is
how the distributed path is exercised on a CPU).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seqtui.engine.config import HardwareConfig
from seqtui.engine.errors import BadInput

DEVICE_RE = re.compile(r"(cpu|gpu)(?::(\d+))?")


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


# ---- what TensorFlow sees ------------------------------------------------------------------------

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
        from seqtui.engine.gpu_stats import gpu_snapshot

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


def check_devices(hw: HardwareConfig, count_gpus: bool = True) -> None:
    """Bad device or TF_CONFIG input, found before a run directory is made.

    With count_gpus, a named GPU is looked for, which loads TensorFlow (only then: `auto` and
    `cpu` need no look). Without, only what is wrong whatever the machine has (a bad TF_CONFIG,
    --devices without a strategy, ...): for the TUI, which must not load TensorFlow; a missing
    GPU then fails the run at its start, with the same message.
    """
    cluster_task(hw)
    named = [hw.device, *(getattr(hw, "devices", None) or [])]
    if count_gpus and any(name.startswith("gpu") for name in named):
        with quiet_stderr():
            tf = _tf()
            count = len(tf.config.list_physical_devices("GPU"))
        plan_devices(hw, count, build_info().get("is_cuda_build"))
    else:
        plan_devices(hw, sys.maxsize if any(n.startswith("gpu") for n in named) else 0)


# ---- setting it up in a training process --------------------------------------------------------

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


def cluster_callbacks(hw: Hardware, control: Any) -> list[Any]:
    """Callbacks that keep the workers of a multi-worker run in step (none for one process);
    they go after the ControlCallback.

    A stop reaches one process: the chief sees `seqtui stop` (its run directory's control file)
    and any worker can get a SIGTERM. A worker that stops alone leaves the others waiting in a
    collective step that never comes, and the whole run fails. So after every batch, and at the
    end of every epoch, the workers agree (a one-number all-reduce) whether anyone wants to
    stop, and all stop after the same batch.
    """
    if hw.workers <= 1:
        return []
    import keras

    tf = _tf()
    strategy = hw.strategy

    def anyone(wants: bool) -> bool:
        flag = tf.constant(1.0 if wants else 0.0)
        votes = strategy.experimental_distribute_values_from_function(lambda ctx: flag)
        return float(strategy.reduce("SUM", votes, axis=None)) > 0

    class AgreeToStop(keras.callbacks.Callback):
        def _agree(self) -> None:
            if anyone(bool(control.stop_requested)):
                control.stop_requested = True
                self.model.stop_training = True

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            self._agree()

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            self._agree()

    return [AgreeToStop()]


def local_model(model: Any, hw: Hardware) -> Any:
    """The trained model, usable by this process alone. Under multi-worker training the model's
    predict() is a collective step that would wait for the other workers, so work only the chief
    does (the end-of-run analysis) gets a copy outside the strategy with the same weights."""
    if hw.workers <= 1:
        return model
    import keras

    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    copy.compile(loss=model.loss, metrics=["accuracy"])
    return copy


def _patch_keras_for_distribution() -> None:
    """Make Keras 3's fit() work under tf.distribute with seqtui's bucketed batches.

    Keras 3 (checked with 3.15; keras-team/keras#20585) fails twice. Before training it
    all-reduces the first batch across replicas only to learn its shapes: a bucketed batch split
    over replicas has halves of different sizes (13 examples: 7 and 6) and cannot be summed, and
    across workers a nested batch is not reducible at all. Under MultiWorkerMirroredStrategy it
    also averages each step's scalar logs with axis=0, which fails on scalars. Both are replaced:
    shapes come from this replica's own batch, and the logs are averaged over all replicas of all
    workers. Applied once, when a distributed run starts; skipped if Keras's internals move.
    """
    try:
        from keras.src import tree
        from keras.src.backend.tensorflow import trainer as tf_trainer
    except ImportError:
        return
    multi = getattr(tf_trainer, "_collective_all_reduce_multi_worker", None)
    trainer_cls = getattr(tf_trainer, "TensorFlowTrainer", None)
    if getattr(tf_trainer, "_seqtui_patched", False) or multi is None or trainer_cls is None \
            or not hasattr(tf_trainer, "reduce_per_replica") \
            or not hasattr(trainer_cls, "_maybe_symbolic_build"):
        return
    tf = _tf()
    distributed = tf.distribute.DistributedValues
    original_reduce = tf_trainer.reduce_per_replica
    original_build = trainer_cls._maybe_symbolic_build

    def reduce_per_replica(values: Any, strategy: Any, reduction: str) -> Any:
        if reduction in ("auto", "mean") and multi(strategy):
            return tree.map_structure(lambda v: _mean_over_workers(strategy, v), values)
        return original_reduce(values, strategy, reduction)

    def _mean_over_workers(strategy: Any, value: Any) -> Any:
        # A step's logs come back as this worker's own running metrics (Keras sees them as
        # mirrored, identical everywhere, and would not reduce them): average them over every
        # replica of every worker, so each worker's progress shows the same global figures.
        local = strategy.experimental_local_results(value) \
            if isinstance(value, distributed) else (value,)
        per_replica = strategy.experimental_distribute_values_from_function(
            lambda ctx: local[ctx.replica_id_in_sync_group % len(local)])
        return strategy.reduce("MEAN", per_replica, axis=None)

    def maybe_symbolic_build(self: Any, iterator: Any = None, data_batch: Any = None) -> None:
        strategy = self._distribute_strategy
        if strategy is None or iterator is None:
            return original_build(self, iterator=iterator, data_batch=data_batch)
        for _, _, batches in iterator:
            batch = next(batches)
            break
        local = tree.map_structure(
            lambda v: strategy.experimental_local_results(v)[0]
            if isinstance(v, distributed) else v, batch)
        with strategy.scope():
            self._symbolic_build(data_batch=local)

    tf_trainer.reduce_per_replica = reduce_per_replica
    trainer_cls._maybe_symbolic_build = maybe_symbolic_build
    tf_trainer._seqtui_patched = True


def worker_log_path(runs_dir: Path, name: str, task: ClusterTask, now: float | None = None) -> Path:
    """Where a non-chief worker logs: RUNS/workers/<time>_<name>_<task>.log. Only the chief
    writes the run directory; a worker's log stays on its own machine, beside the runs."""
    from seqtui.engine.runstore import new_run_id

    folder = Path(runs_dir) / "workers"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    base = f"{new_run_id(name, now)}_{task.name}"
    path = folder / f"{base}.log"
    attempt = 1
    while path.exists():
        attempt += 1
        path = folder / f"{base}-{attempt}.log"
    return path
