"""`seqtui presets`: built-in presets as stacks, saved presets kept one file each in the
user's config dir (an environment variable overrides it), listed and loaded by name."""

from __future__ import annotations

import json
import tomllib

from helpers import run_seqtui
from seqtui.engine.config import PRESETS


def test_presets_lists_every_built_in_with_its_layers(tmp_path):
    out = run_seqtui("presets", "--json", env={"SEQTUI_PRESETS_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [r["name"] for r in rows] == list(PRESETS)
    layers = {r["name"]: r["layers"] for r in rows}
    assert layers["bilstm"] == "bilstm(64) dense(64)"
    assert layers["cnn-bilstm"] == "conv1d(128) maxpool bilstm(64) dense(64)"
    assert layers["transformer"].startswith("transformer(")


def test_a_saved_preset_is_listed_and_loads_by_name(tmp_path):
    env = {"SEQTUI_PRESETS_DIR": str(tmp_path / "presets")}
    out = run_seqtui("presets", "save", "cnn-gru", "--layers", "conv1d(64,3) bigru(32) dense(32)",
                     "--description", "a conv under a GRU", env=env)
    assert out.returncode == 0, out.stderr
    path = tmp_path / "presets" / "cnn-gru.toml"
    saved = tomllib.loads(path.read_text())
    assert saved["description"] == "a conv under a GRU"
    assert [layer["kind"] for layer in saved["layers"]] == ["conv1d", "gru", "dense"]

    listing = run_seqtui("presets", env=env)
    assert "cnn-gru" in listing.stdout and "conv1d(64, 3) bigru(32) dense(32)" in listing.stdout
    by_name = run_seqtui("summary", "--preset", "cnn-gru", env=env)
    by_stack = run_seqtui("summary", "--layers", "conv1d(64,3) bigru(32) dense(32)", env=env)
    assert by_name.returncode == 0, by_name.stderr
    assert by_name.stdout.splitlines()[1:] == by_stack.stdout.splitlines()[1:]
    assert 'Model: "cnn-gru"' in by_name.stdout

    config = tmp_path / "exp.toml"
    out = run_seqtui("train", "--preset", "cnn-gru", "--save-config", str(config), env=env)
    assert out.returncode == 0, out.stderr
    raw = tomllib.loads(config.read_text())
    assert raw["model"]["preset"] == "cnn-gru" and len(raw["model"]["layers"]) == 3

    again = run_seqtui("presets", "save", "cnn-gru", "--layers", "lstm(4)", env=env)
    assert again.returncode == 2 and "exists already" in again.stderr
    gone = run_seqtui("presets", "delete", "cnn-gru", env=env)
    assert gone.returncode == 0 and not path.exists()


def test_saved_presets_live_in_the_xdg_config_dir(tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "SEQTUI_PRESETS_DIR": ""}
    out = run_seqtui("presets", "save", "mine", "--layers", "lstm(8)", env=env)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "xdg" / "seqtui" / "presets" / "mine.toml").is_file()


def test_bad_presets_are_one_line(tmp_path):
    env = {"SEQTUI_PRESETS_DIR": str(tmp_path)}
    for args, words in ((["presets", "save", "gap", "--layers", "lstm(4)"], "built-in preset"),
                        (["presets", "save", "../x", "--layers", "lstm(4)"], "a preset name is"),
                        (["presets", "save", "ok", "--layers", "lsm(4)"], "did you mean 'lstm'"),
                        (["presets", "delete", "nope"], "no saved preset 'nope'"),
                        (["summary", "--preset", "nope"], "unknown preset 'nope'")):
        out = run_seqtui(*args, env=env)
        assert out.returncode == 2, (args, out.stderr)
        assert words in out.stderr and len(out.stderr.strip().splitlines()) == 1
    (tmp_path / "broken.toml").write_text("layers = [{kind = 'lstmm'}]\n")
    out = run_seqtui("summary", "--preset", "broken", env=env)
    assert out.returncode == 2 and "unknown layer kind 'lstmm'" in out.stderr
