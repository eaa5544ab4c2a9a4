"""`seqtui export`: tiny real runs exported as SavedModels and as Keras 3 files, loaded in a fresh
process that never imports seqtui, score every text as `seqtui predict` does; bad input is one
line and exit 2, with nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from helpers import TINY_FLAGS, run_seqtui

# Name: the flags that train it (each a tiny run; "subwords" a gap model on subword ids).
RUNS = {"gap": [], "conv1d": ["--units", "8"], "lstm": ["--units", "8"],
        "flatten": ["--max-length", "20"],
        "subwords": ["--tokenizer", "subwords", "--demo-size", "100", "--epochs", "1"]}
PRESETS = tuple(RUNS)
# Every seqtui layer the Keras file rebuilds from Keras's own, in one stack: learned positions
# and a Transformer block, a strided convolution, both masked poolings, a masked global max.
STACK = "transformer(ff=8) conv1d(4,3,stride=2) maxpool(2) avgpool(3,2) bigru(4) globalmax"
KERAS = ("gap", "conv1d", "lstm", "stack")
TEXTS = ["the plot was dull but the acting was superb", "Well-made, isn't it? Don't miss it!",
         "although the acting was superb, the plot was dull",
         "An unexpectedly MOVING film.", "two hours I will never get back", "!!!", "...  ---",
         "zzyzx qwvrt", "<br /><br />loved it<br />",
         "it's a don't-miss: 10/10, 4.5 stars (2024) -- naïve Café, ΟΔΟΣ İstanbul straße",
         "Antidisestablishmentarianism" * 5 + " film #1 ##!! ###",
         "日本語の映画 😀😀 x² ½\u00a0fine\u200bok\tyes<BR/>no"]
# Longer than any demo review, so longer than anything the models saw in training.
LONG = " ".join(["the acting was superb but the plot was dull"] * 200)

LOADER = r"""
import json, sys
import tensorflow as tf
texts = json.loads(sys.stdin.read())
out = {}
paths = json.loads(sys.argv[1])
try:  # a subwords export needs tensorflow-text's ops registered; words exports load without
    tf.saved_model.load(paths["subwords"])
    out["subwords without tensorflow_text"] = "loaded"
except Exception as exc:
    out["subwords without tensorflow_text"] = str(exc).splitlines()[0]
words = sorted(paths, key=lambda name: name == "subwords")
for name in words:
    if name == "subwords":
        import tensorflow_text  # noqa: F401
    path = paths[name]
    model = tf.saved_model.load(path)
    serve = model.signatures["serving_default"]
    result = serve(text=tf.constant(texts, dtype=tf.string))
    out[name] = {"probabilities": result["probabilities"].numpy().tolist(),
                 "label": [x.decode() for x in result["label"].numpy().tolist()],
                 "inputs": list(serve.structured_input_signature[1])}
# Keras 3 reads the SavedModel as a layer too.
import keras
layer = keras.layers.TFSMLayer(json.loads(sys.argv[1])["gap"], call_endpoint="serving_default")
out["gap in keras"] = layer(tf.constant(texts, dtype=tf.string))["probabilities"].numpy().tolist()
out["seqtui imported"] = any(m.split(".")[0] == "seqtui" for m in sys.modules)
print(json.dumps(out))
"""

KERAS_LOADER = r"""
import json, sys, zipfile
import keras
import tensorflow as tf
texts = json.loads(sys.stdin.read())
out = {}
for name, path in json.loads(sys.argv[1]).items():
    model = keras.saving.load_model(path, safe_mode=False)
    result = model.predict(tf.constant(texts, dtype=tf.string), verbose=0)
    out[name] = {"probabilities": result["probabilities"].tolist(),
                 "label": [x.decode() for x in result["label"].tolist()],
                 "class_names": [str(x) for x in model.get_layer("label").get_vocabulary()]}
try:  # Keras's default refuses the standardisation's Lambda
    keras.saving.load_model(path)
    out["safe mode"] = "loaded"
except ValueError as exc:
    out["safe mode"] = str(exc)
out["seqtui imported"] = any(m.split(".")[0] == "seqtui" for m in sys.modules)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    runs_dir = root / "runs"
    paths = {}
    for preset, extra in RUNS.items():
        kind = "gap" if preset == "subwords" else preset
        out = run_seqtui("train", *TINY_FLAGS, "--preset", kind, "--epochs", "2",
                         "--name", preset, *extra, runs_dir=runs_dir)
        assert out.returncode == 0, out.stderr
        target = root / f"{preset}-model"
        out = run_seqtui("export", preset, "-o", str(target), runs_dir=runs_dir)
        assert out.returncode == 0, out.stderr
        assert "signature serving_default" in out.stdout
        paths[preset] = str(target)
    return runs_dir, paths


@pytest.fixture(scope="module")
def keras_exported(exported):
    runs_dir, paths = exported
    out = run_seqtui("train", *TINY_FLAGS, "--demo-size", "100", "--layers", STACK,
                     "--max-length", "40", "--epochs", "1", "--name", "stack", runs_dir=runs_dir)
    assert out.returncode == 0, out.stderr
    files = {name: str(Path(paths["gap"]).parent / f"{name}.keras") for name in KERAS}
    out = run_seqtui("export", "stack", "-o", files["stack"], "--format", "keras",
                     runs_dir=runs_dir)
    assert out.returncode == 0, out.stderr
    assert "keras.saving.load_model(PATH, safe_mode=False)" in out.stdout
    from seqtui.engine.export import export_run

    for name in KERAS[:-1]:  # the command's engine call, in this process: no TensorFlow start
        export_run(next(runs_dir.glob(f"*_{name}")), Path(files[name]), "keras")
    return runs_dir, files


@pytest.fixture(scope="module")
def predicted(exported):
    """What `seqtui predict` says of every text, per run, computed once."""
    runs_dir, _ = exported
    cache: dict[str, list[dict]] = {}

    def expected(name: str, texts: list[str]) -> list[dict]:
        if name not in cache:
            # `seqtui predict` itself for every text it takes (it refuses an empty argument)...
            out = run_seqtui("predict", name, *texts[:-1], "--json", runs_dir=runs_dir)
            assert out.returncode == 0, out.stderr
            cache[name] = [json.loads(line) for line in out.stdout.splitlines()]
            # ...and the same engine call for the empty text.
            from seqtui.engine.reports.predict import Predictor

            run = next(runs_dir.glob(f"*_{name}"))
            cache[name].append(Predictor(run).predict([""])[0].to_dict())
        assert [want["text"] for want in cache[name]] == texts
        return cache[name]

    return expected


def test_a_fresh_tensorflow_process_scores_as_predict_does(exported, predicted, tmp_path):
    runs_dir, paths = exported
    texts = [*TEXTS, LONG, ""]
    loaded = subprocess.run([sys.executable, "-c", LOADER, json.dumps(paths)], cwd=tmp_path,
                            input=json.dumps(texts), capture_output=True, text=True,
                            timeout=300, env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin"})
    assert loaded.returncode == 0, loaded.stderr
    result = json.loads(loaded.stdout)
    assert result.pop("seqtui imported") is False
    assert "FastWordpieceTokenize" in result.pop("subwords without tensorflow_text")
    in_keras = result.pop("gap in keras")
    for preset in PRESETS:
        expected = predicted(preset, texts)
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


def test_a_fresh_keras_process_loads_the_keras_file_and_scores_as_predict_does(
        keras_exported, predicted, tmp_path):
    runs_dir, files = keras_exported
    texts = [*TEXTS, LONG, ""]
    loaded = subprocess.run([sys.executable, "-c", KERAS_LOADER, json.dumps(files)],
                            cwd=tmp_path, input=json.dumps(texts), capture_output=True,
                            text=True, timeout=300,
                            env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin"})
    assert loaded.returncode == 0, loaded.stderr
    result = json.loads(loaded.stdout)
    assert result.pop("seqtui imported") is False
    assert "safe_mode=False" in result.pop("safe mode")
    for name in KERAS:
        expected = predicted(name, texts)
        got = result[name]
        assert got["class_names"] == ["negative", "positive"]
        assert len(got["probabilities"]) == len(texts)
        for row, label, want in zip(got["probabilities"], got["label"], expected, strict=True):
            assert row == pytest.approx(list(want["scores"].values()), abs=1e-5), \
                (name, want["text"][:40])
            assert label == want["label"]
    with zipfile.ZipFile(files["stack"]) as archive:
        info = json.loads(archive.read("seqtui.json"))
    assert info["class_names"] == ["negative", "positive"] and info["max_length"] == 40
    assert info["checkpoint"] == "checkpoints/best.keras" and info["epoch"] == 1


def test_an_existing_keras_file_needs_force_and_force_replaces_only_an_export(keras_exported,
                                                                              tmp_path):
    runs_dir, files = keras_exported
    target = Path(files["gap"])
    before = target.stat().st_mtime_ns
    out = run_seqtui("export", "gap", "-o", str(target), "--format", "keras",
                     runs_dir=runs_dir)
    _one_line_exit_2(out, f"-o: {target} already exists; choose another path or add --force")
    assert target.stat().st_mtime_ns == before
    from seqtui.engine.export import export_run

    # The command's engine call (the stack's export ran the command itself).
    export_run(next(runs_dir.glob("*_gap")), target, "keras", checkpoint="last", force=True)
    with zipfile.ZipFile(target) as archive:
        assert json.loads(archive.read("seqtui.json"))["checkpoint"] == "checkpoints/last.keras"
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]


def test_the_export_records_its_classes_and_checkpoint(exported):
    runs_dir, paths = exported
    info = json.loads((Path(paths["gap"]) / "assets.extra" / "seqtui.json").read_text())
    assert info["class_names"] == ["negative", "positive"]
    assert info["checkpoint"] == "checkpoints/best.keras" and info["epoch"] in (1, 2)
    assert info["signature"] == "serving_default"
    assert info["tokenizer"] == "words" and "requires" not in info
    info = json.loads((Path(paths["subwords"]) / "assets.extra" / "seqtui.json").read_text())
    assert info["tokenizer"] == "subwords" and info["requires"] == ["tensorflow_text"]
    assert info["loading"].startswith("import tensorflow_text before tf.saved_model.load")


# Texts for the in-graph WordPiece against the `tokenizers` one: what a review holds, and what
# exercises each step (the <br /> rule with any whitespace, per-character lowercasing with no
# final sigma, words against punctuation runs in every script, the word length limit in
# characters rather than bytes, words that begin with the "##" continuation marker).
SUBWORD_TEXTS = [*TEXTS, LONG, "", " ", "\n\t", "#", "##", "###", "####", "##!", "#!#", "!##",
                 "a" * 100, "a" * 101, "é" * 100, "é" * 101, "日" * 101, "😀" * 40,
                 "<br/><BR /><bR\u3000/><br\u00a0\u2003>ok<br//><br", "ΣΊΣΥΦΟΣ ΟΔΟΣ. σς",
                 "İSTANBUL ǅemal ẞ ﬁne Å", "cafe\u0301 café Ⅻ ① ¼ ²³", "snake_case x_1 __init__",
                 "l'été, c’est « super » ! ¿qué? ¡sí!", "don't won't can't it's o'clock",
                 "zero\u200bwidth\ufeffbom soft\u00adhyphen", "\x00\x01\x7f\x85 \u2028x",
                 "3.14159 1,000,000 10/10 5-star 4th", "--- ... !!! ??? ***", "tab\tand\r\nlines"]
CORPUS = ["The film was great, 10/10 ## fine #1 ###! ##x", "naïve café ΟΔΟΣ Σοφία İstanbul",
          "straße ẞ don't won't it's l'été c’est", "<br />loved it<br/> 日本語のテキスト",
          "emoji 😀😀 x² ½ Ⅻ under_score", "a\u00a0b\u2003c zero\u200bwidth", "!! ?? ## ### ####"]


def _hf_ids(hf, texts):
    return [e.ids for e in hf.encode_batch(texts, add_special_tokens=False)]


def _graph_ids(encode, texts):
    import tensorflow as tf

    return tf.function(encode)(tf.constant(texts, dtype=tf.string)).to_list()


def test_the_in_graph_wordpiece_gives_the_runs_own_ids(exported):
    from seqtui.engine.data.subwords import learn
    from seqtui.engine.data.tokenizers import load_tokenizer
    from seqtui.engine.export.wordpiece import make_encoder

    runs_dir, _ = exported
    run = load_tokenizer(next(runs_dir.glob("*_subwords")) / "assets")
    assert run.kind == "subwords"
    # The tiny run's vocabulary, and one learned from text in several scripts with "#" runs,
    # so that the rare paths (accents, Greek, CJK, "##" words) meet tokens they can reach.
    for hf in (run.hf, learn(CORPUS * 3, 300, lambda event: None)):
        want = _hf_ids(hf, SUBWORD_TEXTS)
        got = _graph_ids(make_encoder(hf), SUBWORD_TEXTS)
        for text, ids, expected in zip(SUBWORD_TEXTS, got, want, strict=True):
            assert ids == expected, text[:60]
    assert want[SUBWORD_TEXTS.index("a" * 101)] == [1]  # over the limit: one [UNK]


def test_words_that_begin_with_the_continuation_marker_match_too():
    import itertools
    import random

    from seqtui.engine.data.subwords import _new_hf_tokenizer
    from seqtui.engine.export.wordpiece import make_encoder

    # Every punctuation word of up to five "#", "!" and "?" characters, against vocabularies
    # drawn at random from such strings with and without the "##" prefix: the greedy
    # longest match is what `tokenizers` does, FastWordpieceTokenizer alone is not.
    words = ["".join(w) for n in range(1, 6) for w in itertools.product("#!?", repeat=n)]
    pool = sorted({w for w in words if len(w) <= 3} | {"##" + w for w in words if len(w) <= 3})
    rng = random.Random(7)
    for _ in range(4):
        chosen = rng.sample(pool, 40)
        hf = _new_hf_tokenizer({t: i for i, t in enumerate(["[PAD]", "[UNK]", *chosen])})
        assert _graph_ids(make_encoder(hf), words) == _hf_ids(hf, words)


def test_every_character_is_read_as_the_runs_tokenizer_reads_it():
    import random

    import tensorflow as tf

    from seqtui.engine.data.subwords import _new_hf_tokenizer
    from seqtui.engine.export.wordpiece import _ranges, char_tables, make_splitter

    # Each code point where a class or the lowercase table changes, its neighbours, and a
    # seeded sample of the rest, in the contexts that matter: inside a word, doubled, in a
    # <br> tag. (Every code point, the same way: 17,376 texts, about 25 s; none differed.)
    tables = char_tables()
    points = set(range(0x250)) | set(tables["lower"]) | set(tables["lower"].values())
    for cls in ("space", "word"):
        for a, b in _ranges(tables[cls]):
            points |= {a - 1, a, b, b + 1}
    points |= set(random.Random(3).sample(range(0x110000), 3000))
    chars = [chr(c) for c in sorted(points) if 0 <= c < 0x110000 and not 0xD800 <= c <= 0xDFFF]
    texts = ["".join(f"A{c}b{c}{c} <BR{c}/>{c}Σ!" for c in chars[i:i + 32])
             for i in range(0, len(chars), 32)]
    hf = _new_hf_tokenizer({"[PAD]": 0, "[UNK]": 1})
    want = [[w for w, _ in hf.pre_tokenizer.pre_tokenize_str(hf.normalizer.normalize_str(t))]
            for t in texts]
    got = tf.function(make_splitter())(tf.constant(texts)).to_list()
    assert [[w.decode() for w in row] for row in got] == want
    assert len(chars) > 8000


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
    (plain / "notes.keras").write_text("mine too")
    cases = [
        (["gap", "-o", str(tmp_path / "m"), "--format", "onnx"], "--format: 'onnx'"),
        (["gap", "-o", str(tmp_path / "m"), "--format", "keras"],
         "-o: a Keras file's name ends in .keras (keras.saving.load_model reads no other); "
         "try -o m.keras"),
        (["gap", "-o", str(plain / "notes.keras"), "--format", "keras", "--force"],
         "notes.keras is not a seqtui Keras export; --force only replaces an earlier export"),
        (["gap", "-o", str(tmp_path / "m"), "--checkpoint", "worst"], "--checkpoint: 'worst'"),
        (["gap", "-o", str(plain), "--force"], "is a folder but not a SavedModel"),
        (["gap", "-o", str(tmp_path / "no" / "m")], "is not a folder"),
        (["nosuchrun", "-o", str(tmp_path / "m")], "no run 'nosuchrun'"),
    ]
    for args, words in cases:
        _one_line_exit_2(run_seqtui("export", *args, runs_dir=runs_dir), words)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-model"]
    assert (plain / "notes.txt").read_text() == "mine"
    assert (plain / "notes.keras").read_text() == "mine too"


def test_a_running_run_a_run_without_checkpoint_and_an_unknown_subword_pipeline_are_refused(
        tmp_path):
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

    # A subword pipeline other than the one the export rebuilds (here with NFKC first) would
    # score differently in the graph: refused, not approximated.
    from seqtui.engine.data.subwords import _new_hf_tokenizer

    sub = create_run(Config(name="sub"), runs_dir)
    (sub / "events.jsonl").write_text((nothing / "events.jsonl").read_text())
    (sub / "checkpoints").mkdir(exist_ok=True)
    (sub / "checkpoints" / "best.keras").write_bytes(b"")
    (sub / "assets").mkdir(exist_ok=True)
    (sub / "assets" / "tokenizer.json").write_text(json.dumps(
        {"kind": "subwords", "tokenizer_file": "subwords.json"}))
    saved = json.loads(_new_hf_tokenizer({"[PAD]": 0, "[UNK]": 1, "a": 2}).to_str())
    saved["normalizer"]["normalizers"].insert(0, {"type": "NFKC"})
    (sub / "assets" / "subwords.json").write_text(json.dumps(saved))
    _one_line_exit_2(run_seqtui("export", sub.name, "-o", str(tmp_path / "m"),
                                runs_dir=runs_dir),
                     'uses a subword tokenizer whose normalizer is {"type": "Sequence"')
    _one_line_exit_2(run_seqtui("export", sub.name, "-o", str(tmp_path / "m.keras"), "--format",
                                "keras", runs_dir=runs_dir),
                     f"--format keras: run {sub.name} uses the subwords tokenizer, which a "
                     ".keras file cannot hold")

    # Keras's own GlobalMaxPooling1D ignores the mask: no Keras file can score it as seqtui
    # trained it, so the export names it and points to the SavedModel.
    import keras

    from seqtui.engine.data.tokenizers import WordsTokenizer

    odd = create_run(Config(name="odd"), runs_dir)
    (odd / "events.jsonl").write_text((nothing / "events.jsonl").read_text())
    (odd / "checkpoints").mkdir(exist_ok=True)
    tokens = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(10, 4, mask_zero=True)(tokens)
    with pytest.warns(UserWarning, match="does not support masking"):
        x = keras.layers.GlobalMaxPooling1D(name="peak")(x)
    keras.Model(tokens, keras.layers.Dense(1, activation="sigmoid")(x)).save(
        odd / "checkpoints" / "best.keras")
    (odd / "assets").mkdir(exist_ok=True)
    WordsTokenizer(10, vocabulary=["", "[UNK]", "good", "bad"]).save(odd / "assets")
    _one_line_exit_2(run_seqtui("export", odd.name, "-o", str(tmp_path / "m.keras"),
                                "--format", "keras", runs_dir=runs_dir),
                     f"--format keras: run {odd.name}'s layer peak (GlobalMaxPooling1D) has no "
                     "exact rebuild from Keras's own layers, and an approximation would score "
                     "differently from `seqtui predict`; use --format savedmodel")
    assert not (tmp_path / "m").exists() and not (tmp_path / "m.keras").exists()


def test_a_subwords_export_without_tensorflow_text_says_how_to_install_it(exported, tmp_path):
    runs_dir, _ = exported
    # Not installed: refused before TensorFlow is imported.
    absent = tmp_path / "absent"
    absent.mkdir()
    (absent / "sitecustomize.py").write_text("import sys\nsys.modules['tensorflow_text'] = None\n")
    # Installed but built for another TensorFlow: its import fails.
    broken = tmp_path / "broken" / "tensorflow_text"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text(
        "raise ImportError('undefined symbol: _ZN10tensorflow8OpKernel')\n")
    for path in (absent, broken.parent):
        out = run_seqtui("export", "subwords", "-o", str(tmp_path / "m"), runs_dir=runs_dir,
                         env={"PYTHONPATH": str(path)})
        _one_line_exit_2(out, "needs tensorflow-text")
        assert out.stderr.strip().endswith("pip install 'seqtui[export]'")
    assert "built for this TensorFlow (undefined symbol" in out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["absent", "broken"]
