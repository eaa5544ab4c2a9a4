"""`seqtui export`: tiny real runs exported as SavedModels, loaded in a fresh process that never
imports seqtui, score every text as `seqtui predict` does; bad input is one line and exit 2,
with nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import TINY_FLAGS, run_seqtui

PRESETS = ("gap", "conv1d", "lstm", "flatten")
TEXTS = ["the plot was dull but the acting was superb",
         "although the acting was superb, the plot was dull",
         "An unexpectedly MOVING film.", "two hours I will never get back", "!!!", "...  ---",
         "zzyzx qwvrt", "<br /><br />loved it<br />"]
# Longer than any demo review, so longer than anything the models saw in training.
LONG = " ".join(["the acting was superb but the plot was dull"] * 200)

LOADER = r"""
import json, sys
import tensorflow as tf
texts = json.loads(sys.stdin.read())
out = {}
for name, path in json.loads(sys.argv[1]).items():
    model = tf.saved_model.load(path)
    serve = model.signatures["serving_default"]
    result = serve(text=tf.constant(texts, dtype=tf.string))
    out[name] = {"probabilities": result["probabilities"].numpy().tolist(),
                 "label": [x.decode() for x in result["label"].numpy().tolist()],
                 "inputs": list(serve.structured_input_signature[1])}
# What `--format keras` is refused in favour of: Keras 3 reading the SavedModel as a layer.
import keras
layer = keras.layers.TFSMLayer(json.loads(sys.argv[1])["gap"], call_endpoint="serving_default")
out["gap in keras"] = layer(tf.constant(texts, dtype=tf.string))["probabilities"].numpy().tolist()
out["seqtui imported"] = any(m.split(".")[0] == "seqtui" for m in sys.modules)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    runs_dir = root / "runs"
    paths = {}
    for preset in PRESETS:
        extra = ["--units", "8"] if preset in ("conv1d", "lstm") else []
        if preset == "flatten":
            extra = ["--max-length", "20"]
        out = run_seqtui("train", *TINY_FLAGS, "--preset", preset, "--epochs", "2",
                         "--name", preset, *extra, runs_dir=runs_dir)
        assert out.returncode == 0, out.stderr
        target = root / f"{preset}-model"
        out = run_seqtui("export", preset, "-o", str(target), runs_dir=runs_dir)
        assert out.returncode == 0, out.stderr
        assert "signature serving_default" in out.stdout
        paths[preset] = str(target)
    return runs_dir, paths


def test_a_fresh_tensorflow_process_scores_as_predict_does(exported, tmp_path):
    runs_dir, paths = exported
    texts = [*TEXTS, LONG, ""]
    loaded = subprocess.run([sys.executable, "-c", LOADER, json.dumps(paths)], cwd=tmp_path,
                            input=json.dumps(texts), capture_output=True, text=True,
                            timeout=300, env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin"})
    assert loaded.returncode == 0, loaded.stderr
    result = json.loads(loaded.stdout)
    assert result.pop("seqtui imported") is False
    in_keras = result.pop("gap in keras")
    from seqtui.engine.reports.predict import Predictor

    for preset in PRESETS:
        # `seqtui predict` itself for every text it takes (it refuses an empty argument)...
        out = run_seqtui("predict", preset, *texts[:-1], "--json", runs_dir=runs_dir)
        assert out.returncode == 0, out.stderr
        expected = [json.loads(line) for line in out.stdout.splitlines()]
        # ...and the same engine call for the empty text.
        empty = Predictor(next(runs_dir.glob(f"*_{preset}"))).predict([""])[0].to_dict()
        expected.append(empty)
        got = result[preset]
        assert got["inputs"] == ["text"]
        assert len(got["probabilities"]) == len(texts)
        for row, label, want in zip(got["probabilities"], got["label"], expected, strict=True):
            assert row == pytest.approx(list(want["scores"].values()), abs=1e-5), \
                (preset, want["text"][:40])
            assert label == want["label"]
            assert list(want["scores"]) == ["negative", "positive"]
    for row, want in zip(in_keras, result["gap"]["probabilities"], strict=True):
        assert row == pytest.approx(want, abs=1e-6)


def test_the_export_records_its_classes_and_checkpoint(exported):
    runs_dir, paths = exported
    info = json.loads((Path(paths["gap"]) / "assets.extra" / "seqtui.json").read_text())
    assert info["class_names"] == ["negative", "positive"]
    assert info["checkpoint"] == "checkpoints/best.keras" and info["epoch"] in (1, 2)
    assert info["signature"] == "serving_default"


def test_an_existing_path_needs_force_and_force_replaces_it(exported, tmp_path):
    runs_dir, paths = exported
    target = Path(paths["gap"])
    before = (target / "saved_model.pb").stat().st_mtime_ns
    out = run_seqtui("export", "gap", "-o", str(target), runs_dir=runs_dir)
    assert out.returncode == 2 and out.stderr.strip().splitlines() == [
        f"seqtui: error: -o: {target} already exists; choose another path or add --force to "
        "replace it"]
    assert (target / "saved_model.pb").stat().st_mtime_ns == before
    out = run_seqtui("export", "gap", "-o", str(target), "--force", "--checkpoint", "last",
                     runs_dir=runs_dir)
    assert out.returncode == 0, out.stderr
    info = json.loads((target / "assets.extra" / "seqtui.json").read_text())
    assert info["checkpoint"] == "checkpoints/last.keras"
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]


def _one_line_exit_2(out, words: str) -> None:
    assert out.returncode == 2 and "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], out.stderr


def test_bad_exports_get_one_line_and_leave_nothing(exported, tmp_path):
    runs_dir, _ = exported
    plain = tmp_path / "not-a-model"
    plain.mkdir()
    (plain / "notes.txt").write_text("mine")
    cases = [
        (["gap", "-o", str(tmp_path / "m"), "--format", "onnx"], "--format: 'onnx'"),
        (["gap", "-o", str(tmp_path / "m.keras"), "--format", "keras"],
         "--format keras: a .keras file cannot hold this run's standardisation"),
        (["gap", "-o", str(tmp_path / "m"), "--checkpoint", "worst"], "--checkpoint: 'worst'"),
        (["gap", "-o", str(plain), "--force"], "is a folder but not a SavedModel"),
        (["gap", "-o", str(tmp_path / "no" / "m")], "is not a folder"),
        (["nosuchrun", "-o", str(tmp_path / "m")], "no run 'nosuchrun'"),
    ]
    for args, words in cases:
        _one_line_exit_2(run_seqtui("export", *args, runs_dir=runs_dir), words)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-model"]
    assert (plain / "notes.txt").read_text() == "mine"


def test_a_running_run_a_run_without_checkpoint_and_a_subwords_run_are_refused(tmp_path):
    import os

    from seqtui.engine.config import Config
    from seqtui.engine.runs.process import write_pid
    from seqtui.engine.runs.store import create_run

    runs_dir = tmp_path / "runs"
    running = create_run(Config(), runs_dir)
    write_pid(running, os.getpid())  # this test's process: alive
    (running / "events.jsonl").write_text(json.dumps({"type": "run_started", "time": 1}) + "\n")
    _one_line_exit_2(run_seqtui("export", running.name, "-o", str(tmp_path / "m"),
                                runs_dir=runs_dir), "is still running")

    nothing = create_run(Config(name="empty"), runs_dir)
    (nothing / "events.jsonl").write_text(
        json.dumps({"type": "run_started", "time": 1}) + "\n"
        + json.dumps({"type": "run_finished", "time": 2, "status": "stopped"}) + "\n")
    _one_line_exit_2(run_seqtui("export", nothing.name, "-o", str(tmp_path / "m"),
                                runs_dir=runs_dir), "has no best checkpoint: a model is saved")

    sub = create_run(Config(name="sub"), runs_dir)
    (sub / "events.jsonl").write_text((nothing / "events.jsonl").read_text())
    (sub / "checkpoints").mkdir(exist_ok=True)
    (sub / "checkpoints" / "best.keras").write_bytes(b"")
    (sub / "assets").mkdir(exist_ok=True)
    (sub / "assets" / "tokenizer.json").write_text(json.dumps({"kind": "subwords"}))
    _one_line_exit_2(run_seqtui("export", sub.name, "-o", str(tmp_path / "m"),
                                runs_dir=runs_dir), "uses the subwords tokenizer")
    assert not (tmp_path / "m").exists()
