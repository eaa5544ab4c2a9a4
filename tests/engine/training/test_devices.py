"""Device choice, TF_CONFIG, GPU facts and speed warnings, on a machine without a GPU.

The choices are plain functions of what TensorFlow sees (a count of GPUs), so the GPU cases are
checked here with the counts a GPU box would have; what needs TensorFlow itself runs on the CPU.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from helpers import TINY_FLAGS, run_seqtui, tiny_config
from seqtui.engine.config import HardwareConfig
from seqtui.engine.errors import BadInput
from seqtui.engine.training.devices import (
    ClusterTask,
    DevicePlan,
    cluster_task,
    parse_device_list,
    plan_devices,
)
from seqtui.engine.training.hardware import Hardware, hardware_warnings, memory_probe


def hw(**fields) -> HardwareConfig:
    return HardwareConfig(**fields)


# ---- which devices ------------------------------------------------------------------------------

@pytest.mark.parametrize(("config", "gpus", "kind", "indexes"), [
    (hw(), 0, "cpu", (0,)),  # auto without a GPU: the CPU
    (hw(), 2, "gpu", (0,)),  # auto with GPUs, one device: the first
    (hw(strategy="mirrored"), 2, "gpu", (0, 1)),  # mirrored: every GPU
    (hw(strategy="multi-worker"), 4, "gpu", (0, 1, 2, 3)),  # each worker: its every GPU
    (hw(device="gpu:1"), 2, "gpu", (1,)),
    (hw(device="gpu:1", strategy="mirrored"), 2, "gpu", (1,)),  # the chosen device only
    (hw(device="cpu"), 2, "cpu", (0,)),  # the CPU even on a GPU box
    (hw(strategy="mirrored", devices=["gpu:0", "gpu:2"]), 3, "gpu", (0, 2)),
    (hw(devices=["gpu:1"]), 2, "gpu", (1,)),  # one listed device needs no strategy
])
def test_the_devices_a_run_trains_on(config, gpus, kind, indexes):
    plan = plan_devices(config, gpus)
    assert (plan.kind, plan.indexes) == (kind, indexes)


def test_chosen_gpus_are_renumbered_from_zero_once_only_they_are_visible():
    plan = plan_devices(hw(strategy="mirrored", devices=["gpu:1", "gpu:3"]), 4)
    assert plan.names == ["gpu:1", "gpu:3"]
    assert plan.tf_devices == ["/gpu:0", "/gpu:1"]


def test_listed_cpu_devices_split_the_cpu_into_logical_devices():
    plan = plan_devices(hw(strategy="mirrored", devices=["cpu:0", "cpu:1"]), 0)
    assert (plan.kind, plan.cpu_split, plan.tf_devices) == ("cpu", 2, ["/cpu:0", "/cpu:1"])
    assert plan_devices(hw(), 0).cpu_split == 0  # a plain run leaves the CPU whole


@pytest.mark.parametrize(("config", "gpus", "words"), [
    (hw(device="gpu:2"), 2, ["gpu:2 does not exist", "TensorFlow sees: cpu:0, gpu:0, gpu:1"]),
    (hw(device="gpu:0"), 0, ["gpu:0 does not exist", "sees: cpu:0;", "no GPU is visible"]),
    (hw(device="gpu"), 0, ["does not exist", "no GPU is visible"]),
    (hw(strategy="mirrored", devices=["gpu:0", "gpu:5"]), 2, ["gpu:5 does not exist"]),
    (hw(device="cpu:1"), 0, ["cpu:1 does not exist", "--devices cpu:0,cpu:1"]),
    (hw(devices=["gpu:0", "gpu:1"]), 2, ["add --strategy mirrored"]),
    (hw(strategy="mirrored", devices=["cpu:0", "gpu:0"]), 1, ["mixes CPU and GPU"]),
    (hw(strategy="mirrored", devices=["gpu:0", "gpu:0"]), 1, ["names a device twice"]),
    (hw(device="gpu:0", devices=["gpu:0", "gpu:1"], strategy="mirrored"), 2,
     ["--device and --devices"]),
    (hw(strategy="multi-worker", devices=["cpu:0", "cpu:1"]), 0, ["one CPU device per worker"]),
])
def test_impossible_device_choices_say_what_exists_in_one_line(config, gpus, words):
    with pytest.raises(BadInput) as caught:
        plan_devices(config, gpus)
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_a_tensorflow_without_cuda_is_named_as_the_reason_for_no_gpu():
    with pytest.raises(BadInput, match="no CUDA support"):
        plan_devices(hw(device="gpu:0"), 0, cuda_build=False)


def test_devices_flag_parsing():
    assert parse_device_list(" GPU:0, gpu:1 ") == ["gpu:0", "gpu:1"]
    for bad in ("", "gpu0", "gpu:0,tpu:1", "gpu:-1"):
        with pytest.raises(ValueError):
            parse_device_list(bad)


# ---- TF_CONFIG ----------------------------------------------------------------------------------

def tf_config(cluster: dict, kind: str = "worker", index: int = 0) -> dict[str, str]:
    return {"TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": kind, "index": index}})}


TWO = {"worker": ["127.0.0.1:2001", "127.0.0.1:2002"]}
MW = hw(strategy="multi-worker")


def test_worker_zero_is_the_chief_when_there_is_no_chief_task():
    assert cluster_task(MW, tf_config(TWO, index=0)) == ClusterTask("worker", 0, 2, True)
    assert cluster_task(MW, tf_config(TWO, index=1)) == ClusterTask("worker", 1, 2, False)


def test_a_chief_task_is_the_chief_and_counts_as_a_worker():
    cluster = {"chief": ["10.0.0.1:2000"], **TWO}
    assert cluster_task(MW, tf_config(cluster, "chief")).is_chief
    worker0 = cluster_task(MW, tf_config(cluster, index=0))
    assert not worker0.is_chief and worker0.workers == 3


def test_tf_config_is_ignored_without_the_multi_worker_strategy():
    assert cluster_task(hw(strategy="mirrored"), tf_config(TWO)) is None


@pytest.mark.parametrize(("environ", "words"), [
    ({}, "needs TF_CONFIG"),
    ({"TF_CONFIG": "{not json"}, "not valid JSON"),
    ({"TF_CONFIG": json.dumps({"cluster": TWO})}, "'cluster' and a 'task'"),
    (tf_config(TWO, index=2), "index 2 is out of range"),
    (tf_config({"worker": ["a:1"], "ps": ["b:2"]}, "ps"), "'ps' tasks"),
    (tf_config({"worker": ["host-without-port"]}), "host:port"),
    (tf_config(TWO, "chief"), "'chief' is not in the cluster"),
])
def test_a_bad_tf_config_is_one_clear_line(environ, words):
    with pytest.raises(BadInput, match=words) as caught:
        cluster_task(MW, environ)
    assert "\n" not in str(caught.value)


# ---- warnings and GPU memory --------------------------------------------------------------------

def hardware(kind: str = "cpu", gpus: list | None = None) -> Hardware:
    plan = DevicePlan(kind, (0,))
    return Hardware(device=kind, strategy=None, strategy_name="default", replicas=1, plan=plan,
                    gpus=gpus or [])


def test_mixed_precision_on_the_cpu_is_called_out():
    config = tiny_config("gap", hardware__mixed_precision=True)
    [warning] = hardware_warnings(config, hardware("cpu"))
    assert "mixed precision on the CPU" in warning
    assert hardware_warnings(tiny_config("gap"), hardware("cpu")) == []


def test_mixed_precision_on_a_gpu_without_tensor_cores_is_called_out():
    config = tiny_config("gap", hardware__mixed_precision=True)
    old = [{"name": "gpu:0", "model": "Tesla P100", "compute_capability": "6.0"}]
    new = [{"name": "gpu:0", "model": "A100", "compute_capability": "8.0"}]
    [warning] = hardware_warnings(config, hardware("gpu", old))
    assert "gpu:0" in warning and "6.0" in warning
    assert hardware_warnings(config, hardware("gpu", new)) == []


def test_recurrent_layers_that_lose_the_cudnn_kernel_are_named_on_a_gpu():
    import keras

    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(50, 4, mask_zero=True)(inputs)
    x = keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=True))(x)  # eligible
    x = keras.layers.LSTM(4, recurrent_dropout=0.2, return_sequences=True, name="rd")(x)
    x = keras.layers.GRU(4, reset_after=False, return_sequences=True, name="gru_ra")(x)
    x = keras.layers.SimpleRNN(4, name="simple")(x)
    model = keras.Model(inputs, keras.layers.Dense(1)(x))
    config = tiny_config("lstm")

    warnings = hardware_warnings(config, hardware("gpu"), model)
    assert len(warnings) == 3
    assert "rd" in warnings[0] and "recurrent dropout 0.2" in warnings[0]
    assert "gru_ra" in warnings[1] and "reset_after=False" in warnings[1]
    assert "simple" in warnings[2] and "no cuDNN kernel" in warnings[2]
    assert hardware_warnings(config, hardware("cpu"), model) == []  # no cuDNN to lose


def test_peak_gpu_memory_goes_into_epoch_ended_only_when_training_on_a_gpu():
    from seqtui.engine.training.callbacks import EventCallback

    class Probe:  # the GpuMemoryProbe interface, with the numbers a GPU would give
        resets = 0

        def reset(self):
            self.resets += 1

        def read(self):
            return {"gpu:1": {"peak": 3 * 2**20, "current": 2**20}}

    assert memory_probe(hardware("cpu")) is None
    assert memory_probe(hardware("gpu")) is not None
    for probe, expected in ((Probe(), {"gpu:1": {"peak": 3 * 2**20, "current": 2**20}}),
                            (None, None)):
        events = []
        callback = EventCallback(events.append, steps=1, batch_size=32, monitor="val_loss",
                                 memory=probe)
        callback.set_params({"epochs": 1})
        callback.on_epoch_begin(0)
        callback.on_train_batch_end(0, {"loss": 0.5})
        callback.on_epoch_end(0, {"loss": 0.5, "val_loss": 0.6})
        ended = events[-1]
        assert ended["type"] == "epoch_ended"
        assert ended.get("gpu_memory") == expected
        if probe is not None:
            assert probe.resets == 1  # the peak is per epoch


# ---- NVML without TensorFlow --------------------------------------------------------------------

def test_gpu_snapshot_says_why_it_has_nothing_and_never_loads_tensorflow():
    script = textwrap.dedent("""
        import sys
        sys.modules["pynvml"] = None  # as if nvidia-ml-py were not installed
        from seqtui.engine.training import gpu_stats
        assert gpu_stats.gpu_snapshot() is None
        print(gpu_stats.nvml_unavailable_reason())
        del sys.modules["pynvml"]
        gpu_stats._state["failed_at"] = None  # allow an immediate retry
        try:
            import pynvml  # noqa: F401
        except ImportError:
            print("no pynvml")
        else:
            snapshot = gpu_stats.gpu_snapshot()
            if snapshot is None:
                print(gpu_stats.nvml_unavailable_reason())
            else:
                assert all({"name", "memory_used", "memory_total", "utilization"} <= set(g)
                           for g in snapshot)
                print("gpus", len(snapshot))
        print("tensorflow loaded" if "tensorflow" in sys.modules else "no tensorflow")
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    first, second, last = out.stdout.strip().splitlines()
    assert first == "NVML is not installed (pip install nvidia-ml-py)"
    assert second == "no pynvml" or second.startswith(("NVML is not available", "gpus "))
    assert last == "no tensorflow"


# ---- the commands -------------------------------------------------------------------------------

def test_a_gpu_that_does_not_exist_is_refused_before_a_run_directory_is_made(tmp_path):
    runs = tmp_path / "runs"
    out = run_seqtui("train", *TINY_FLAGS, "--device", "gpu:7", runs_dir=runs)
    assert out.returncode == 2
    [line] = out.stderr.strip().splitlines()
    assert line.startswith("seqtui: error: device gpu:7 does not exist; TensorFlow sees: cpu:0")
    assert not runs.exists()


def test_multi_worker_without_tf_config_is_refused(tmp_path):
    out = run_seqtui("train", *TINY_FLAGS, "--strategy", "multi-worker",
                     runs_dir=tmp_path / "runs", env={"TF_CONFIG": ""})
    assert out.returncode == 2
    [line] = out.stderr.strip().splitlines()
    assert "needs TF_CONFIG" in line
    assert not (tmp_path / "runs").exists()


def test_seqtui_devices_lists_the_cpu_with_its_memory_and_the_build(capsys):
    from seqtui.cli import main

    assert main(["devices", "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    cpu = next(d for d in facts["devices"] if d["name"] == "cpu:0")
    assert cpu["memory_total"] > 0
    assert {"is_cuda_build", "cuda_version", "cudnn_version"} <= set(facts["build"])
    gpus = [d for d in facts["devices"] if d["kind"] == "GPU"]
    assert gpus or facts["note"]  # no GPU: the output says why

    assert main(["devices"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"TensorFlow {facts['tensorflow']}")
    assert "cpu:0" in text
    assert any(word in text for word in ("gpu:0", facts["note"] or "-"))


# ---- mixed precision and XLA, trained for real on the CPU ---------------------------------------

@pytest.fixture
def float32_after():
    import keras

    yield
    keras.mixed_precision.set_global_policy("float32")  # other tests build float32 models


def _xla_works() -> bool:
    import tensorflow as tf

    try:
        tf.function(lambda x: x * 2, jit_compile=True)(tf.constant([1.0]))
    except Exception:  # noqa: BLE001 - any failure means this build cannot run XLA
        return False
    return True


def test_mixed_precision_and_xla_are_applied_and_recorded(float32_after):
    if not _xla_works():
        pytest.skip("this TensorFlow build cannot XLA-compile on the CPU")
    from seqtui.engine.training.train import train

    # flatten: fixed-length batches, so XLA compiles a handful of shapes and no more.
    config = tiny_config("flatten", hardware__mixed_precision=True, hardware__jit_compile=True)
    events = []
    result = train(config, None, events.append)
    assert result["status"] == "completed"

    [started] = [e for e in events if e["type"] == "run_started"]
    assert started["mixed_precision"] is True and started["jit_compile"] is True
    assert started["hardware"]["policy"] == "mixed_float16"
    assert started["hardware"]["devices"] == ["cpu:0"]
    warnings = [e["message"] for e in events if e["type"] == "warning"]
    assert any("mixed precision on the CPU" in w for w in warnings)

    model = result["model"]
    assert model.jit_compile is True
    assert model.get_layer("output").compute_dtype == "float32"  # a stable sigmoid
    hidden = [layer for layer in model.layers if layer.name != "output" and layer.weights]
    assert hidden and all(layer.compute_dtype == "float16" for layer in hidden)


def test_the_form_check_never_loads_tensorflow_even_for_a_named_gpu():
    # The TUI runs preflight before starting a run, and must not load TensorFlow to do it.
    script = textwrap.dedent("""
        import sys
        from seqtui.engine.training.preflight import preflight
        from seqtui.engine.config import Config
        from seqtui.engine.errors import BadInput
        config = Config()
        config.hardware.device = "gpu:3"
        preflight(config)  # whether gpu:3 exists is for the training process to find out
        config.hardware.device = "auto"
        config.hardware.devices = ["gpu:0", "gpu:1"]
        try:
            preflight(config)
        except BadInput as exc:
            print(exc)
        print("tensorflow loaded" if "tensorflow" in sys.modules else "no tensorflow")
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "--devices gpu:0,gpu:1 trains on 2 devices; add --strategy mirrored", "no tensorflow"]
