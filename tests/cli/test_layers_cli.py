"""Layer stacks from the command line: `--layers`, `[[model.layers]]` tables, `--save-config`
round trips, and one-line errors with exit status 2 and no run left behind."""

from __future__ import annotations

import tomllib

import pytest

from helpers import TINY_FLAGS, run_seqtui
from seqtui.engine.config import Config
from seqtui.engine.models.kinds import parse_layers
from seqtui.engine.models.summary import summarize

SEEDS_EXERCISE = "conv1d(128,5) maxpool(2) bigru(64) dropout(0.3) dense(64)"


def test_summary_of_a_compact_stack_matches_the_engine():
    out = run_seqtui("summary", "--layers", SEEDS_EXERCISE)
    assert out.returncode == 0, out.stderr
    config = Config()
    config.model.layers = parse_layers(SEEDS_EXERCISE)
    total = summarize(config).total_params
    assert f"Total params: {total:,}" in out.stdout
    assert 'Model: "custom"' in out.stdout
    for layer_type in ("MaskedConv1D", "MaskedPooling1D", "Bidirectional", "Dropout"):
        assert layer_type in out.stdout


def test_save_config_round_trips_a_stack(tmp_path):
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    out = run_seqtui("train", "--save-config", str(first), "--layers",
                     "embedding(100) spatialdropout(0.2) bilstm(64) globalmax dense(64)")
    assert out.returncode == 0, out.stderr
    raw = tomllib.loads(first.read_text())
    assert [layer["kind"] for layer in raw["model"]["layers"]] == \
        ["embedding", "spatialdropout", "lstm", "globalmax", "dense"]
    assert raw["model"]["layers"][2]["bidirectional"] is True
    assert raw["name"] == raw["model"]["preset"] == "custom"
    out = run_seqtui("train", "--config", str(first), "--save-config", str(second))
    assert out.returncode == 0, out.stderr
    assert second.read_text() == first.read_text()
    assert Config.from_file(second) == Config.from_file(first)


def test_hand_written_tables_train_as_the_same_model(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text('[model]\n\n[[model.layers]]\nkind = "conv1d"\nfilters = 16\nkernel = 3\n\n'
                    '[[model.layers]]\nkind = "bigru"\nunits = 8\n\n'
                    '[[model.layers]]\nkind = "dense"\nunits = 8\n')
    from_tables = run_seqtui("summary", "--config", str(path))
    compact = run_seqtui("summary", "--layers", "conv1d(16,3) bigru(8) dense(8)")
    assert from_tables.returncode == compact.returncode == 0, from_tables.stderr
    assert from_tables.stdout == compact.stdout


@pytest.mark.parametrize("stack, words", [
    ("conv1d(128,5) maxpol(2) bigru(64)", "unknown layer kind 'maxpol' (did you mean 'maxpool'?)"),
    ("lstm(sixty)", "layer 1 (lstm(sixty)): units must be a positive integer"),
    ("dropout(1.5) globalavg", "rate must be a number in [0, 1)"),
    ("conv1d(8, kernal=3) globalavg", "unknown argument 'kernal' (did you mean 'kernel'?)"),
    ("", "the layer stack is empty"),
    ("globalmax bigru(8)", "layer 2 (bigru(8)) needs a sequence, but layer 1 (globalmax)"),
    ("conv1d(8)", "ends with a sequence"),
    ("transformer globalavg", "--max-length: layer 1 (transformer) needs a max length"),
    ("lstm(8) embedding(4)", "an embedding can only be the first layer"),
])
def test_bad_stacks_get_one_line_and_exit_2(tmp_path, stack, words):
    out = run_seqtui("train", *TINY_FLAGS, "--layers", stack, runs_dir=tmp_path / "runs")
    assert out.returncode == 2
    assert words in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_a_kernel_longer_than_the_max_length_is_refused():
    out = run_seqtui("summary", "--max-length", "4", "--layers", "conv1d(8,5) globalmax")
    assert out.returncode == 2
    assert "the kernel spans 5 steps but the sequence has 4" in out.stderr


def test_a_table_with_a_bad_key_names_the_layer(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text('[[model.layers]]\nkind = "lstm"\nunits = 8\nbidirectionl = true\n')
    out = run_seqtui("summary", "--config", str(path))
    assert out.returncode == 2
    assert "layer 1 (lstm): unknown argument 'bidirectionl' (did you mean 'bidirectional'?)" \
        in out.stderr


def test_a_sentiment140_file_trains_end_to_end(tmp_path):
    from helpers import write_sentiment140

    path = write_sentiment140(tmp_path / "training.1600000.processed.noemoticon.csv", 200)
    out = run_seqtui("train", *TINY_FLAGS[2:], "--dataset", f"csv:{path}", "--text-column", "5",
                     "--label-column", "0", "--layers", "conv1d(8,3) maxpool(2) bigru(4) dense(8)",
                     "--epochs", "2", runs_dir=tmp_path / "runs")
    assert out.returncode == 0, out.stderr
    assert "completed" in out.stdout
    [run] = list((tmp_path / "runs").iterdir())
    events = [line for line in (run / "events.jsonl").read_text().splitlines()]
    assert any('"class_names": ["0", "4"]' in line for line in events)
    assert any("not valid UTF-8 (their bytes read as cp1252/latin-1)" in line for line in events)


def test_a_column_index_out_of_range_is_one_line(tmp_path):
    from helpers import write_sentiment140

    path = write_sentiment140(tmp_path / "s.csv", 20)
    out = run_seqtui("train", *TINY_FLAGS[2:], "--dataset", f"csv:{path}", "--text-column", "6",
                     "--label-column", "0", runs_dir=tmp_path / "runs")
    assert out.returncode == 2
    assert "--text-column 6 is out of range: the file has 6 columns (0 to 5)" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
