"""The `seqtui` command as a user runs it: summary, train, runs, show; exit codes; one-line
errors with no traceback and no run directory left behind."""

from __future__ import annotations

import json

import pytest

from helpers import TINY_FLAGS, run_seqtui


@pytest.mark.parametrize("flags, total", [
    ("--preset lstm --vocab-size 10000 --embedding-dim 32 --max-length 120", "349,057"),
    ("--preset bilstm --vocab-size 8185 --embedding-dim 64", "598,209"),
    ("--preset bilstm --vocab-size 10000 --embedding-dim 32 --max-length 120", "377,985"),
    ("--preset stacked-bilstm --vocab-size 8185 --embedding-dim 64 --units 64,32", "635,329"),
    ("--preset stacked-bilstm --vocab-size 10000 --embedding-dim 32 --units 64,64", "476,801"),
    ("--preset bigru --vocab-size 8185 --embedding-dim 64", "582,081"),
    ("--preset conv1d --vocab-size 8185 --embedding-dim 64 --max-length 120", "573,249"),
])
def test_summary_prints_the_seeds_totals(flags, total):
    out = run_seqtui("summary", *flags.split())
    assert out.returncode == 0, out.stderr
    assert f"Total params: {total}" in out.stdout


def test_train_writes_a_run_and_runs_reports_it(runs_dir, tmp_path):
    out = run_seqtui("train", *TINY_FLAGS, "--preset", "gap", "--epochs", "2", "--name", "t1",
                     runs_dir=runs_dir)
    assert out.returncode == 0, out.stderr
    assert "epoch 2/2" in out.stdout and "completed" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr
    [run] = list(runs_dir.iterdir())
    assert run.name.endswith("_t1")
    assert (run / "worker.log").exists()  # TensorFlow's chatter goes there, not to the screen

    listing = run_seqtui("runs", "--json", runs_dir=runs_dir)
    [record] = json.loads(listing.stdout)
    assert record["status"] == "completed" and record["epochs_done"] == 2
    assert 0 <= record["best_val_accuracy"] <= 1

    table = run_seqtui("runs", runs_dir=runs_dir)
    assert "completed" in table.stdout and "gap" in table.stdout

    shown = run_seqtui("show", run.name[-10:], runs_dir=runs_dir)
    assert shown.returncode == 0, shown.stderr
    assert "val_accuracy" in shown.stdout and "best epoch" in shown.stdout
    assert "\x1b[" not in shown.stdout  # plain text when piped


def test_config_file_with_flags_overriding(runs_dir, tmp_path):
    exp = tmp_path / "exp.toml"
    exp.write_text('name = "fromtoml"\n[model]\npreset = "lstm"\nembedding_dim = 8\n'
                   'units = [8]\ndense_units = 8\n[training]\nepochs = 3\nbatch_size = 32\n'
                   '[data]\ndemo_size = 200\n')
    out = run_seqtui("train", "--config", str(exp), "--epochs", "1", runs_dir=runs_dir)
    assert out.returncode == 0, out.stderr
    [run] = list(runs_dir.iterdir())
    config = json.loads((run / "config.json").read_text())
    assert config["model"]["preset"] == "lstm" and config["training"]["epochs"] == 1
    assert config["name"] == "fromtoml"


@pytest.mark.parametrize("args, words", [
    (["train", "--preset", "bilstn"], "--preset: unknown preset 'bilstn' (did you mean 'bilstm'?)"),
    (["train", "--epochs", "abc"], "--epochs: expected an integer"),
    (["train", "--epochs", "0"], "--epochs: epochs must be a positive integer"),
    (["train", "--dropout", "1.5"], "--dropout"),
    (["train", "--learning-rate", "-1"], "--learning-rate"),
    (["train", "--units", "64,x"], "--units"),
    (["train", "--tokenizer", "chars"], "--tokenizer"),
    (["train", "--optimizer", "adamm"], "did you mean 'adam'"),
    (["train", "--dataset", "folder:/no/such/dir"], "does not exist"),
    (["train", "--config", "/no/such.toml"], "does not exist"),
    (["train", "--bogus"], "unrecognized arguments: --bogus"),
    (["train", "--vocab-size", "0"], "--vocab-size: vocabulary size must be an integer"),
    (["train", "--max-length", "-5"], "--max-length: max length must be a positive integer"),
    (["train", "--batch-size", "1.5"], "--batch-size: expected an integer"),
    (["train", "--units", "0"], "--units"),
    (["train", "--dataset", "imbd"], "--dataset: unknown dataset 'imbd'"),
    (["train", "--dataset", "csv:/no/such.csv"], "does not exist"),
    (["train", "--device", "tpu:0"], "--device"),
    (["train", "--lr-schedule", "cosin"], "--lr-schedule: unknown learning-rate schedule "
     "'cosin' (did you mean 'cosine'?)"),
    (["train", "--lr-schedule", "plateau", "--lr-min", "0.01"], "--lr-min: lr min (0.01) must "
     "be below the learning rate"),
    (["train", "--metrics", "precision,f1"], "--metrics: unknown metric 'f1'"),
    (["train", "--class-weight", "auto"], "--class-weight: unknown class weight 'auto'"),
    (["train", "--min-delta", "x"], "--min-delta: expected a number"),
    (["bogus"], "invalid choice"),
    (["show", "nope"], "no run 'nope'"),
    (["summary", "--num-classes", "1"], "--num-classes"),
])
def test_bad_input_gets_one_line_and_exit_2(runs_dir, args, words):
    out = run_seqtui(*args, runs_dir=runs_dir)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], out.stderr
    assert "Traceback" not in out.stderr
    assert not runs_dir.exists() or not any(runs_dir.iterdir())  # nothing half made


def test_bad_config_key_in_file(runs_dir, tmp_path):
    exp = tmp_path / "exp.toml"
    exp.write_text("[training]\nepoch = 3\n")
    out = run_seqtui("train", "--config", str(exp), runs_dir=runs_dir)
    assert out.returncode == 2
    assert "unknown key 'training.epoch' (did you mean 'epochs'?)" in out.stderr


def test_malformed_toml_gives_its_line_number(runs_dir, tmp_path):
    exp = tmp_path / "exp.toml"
    exp.write_text("[model]\npreset = 'lstm'\nunits = [64,,]\n")
    out = run_seqtui("train", "--config", str(exp), runs_dir=runs_dir)
    assert out.returncode == 2
    assert "not valid TOML" in out.stderr and "line 3" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_runs_at_80_columns_or_piped_keeps_val_acc_and_whole_statuses(tmp_path):
    from seqtui.engine.config import Config
    from seqtui.engine.runs.events import EventLog, make_event
    from seqtui.engine.runs.store import create_run

    runs_dir = tmp_path / "runs"
    for status in ("completed", "early_stopped"):
        config = Config()
        config.model.preset = "stacked-bilstm"  # the longest default id
        config.data.dataset = "tfds:ag_news_subset"
        run_dir = create_run(config, runs_dir)
        log = EventLog(run_dir / "events.jsonl")
        log(make_event("run_started", epochs=10, params=1_234_567))
        log(make_event("epoch_ended", epoch=1, seconds=1.0, partial=False,
                       logs={"loss": 0.5, "val_loss": 0.5, "val_accuracy": 0.8765}))
        log(make_event("run_finished", status=status, seconds=1.0))
        log.close()
    wide = run_seqtui("runs", runs_dir=runs_dir, env={"COLUMNS": "160"}).stdout
    assert "1,234,567" in wide and "tfds:ag_news_subset" in wide and "0.8765 e1" in wide
    out = run_seqtui("runs", runs_dir=runs_dir, env={"COLUMNS": "80"})  # piped, 80 wide
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "val acc" in lines[0] and all(len(line) <= 80 for line in lines)
    assert "test acc" in lines[0]
    assert all(line.split()[-3:] == ["1/10", "0.8765", "-"] for line in lines[1:])  # no test yet
    assert all(line.split()[1] in ("completed", "early_stopped") for line in lines[1:])
    assert lines[1].split()[2].startswith("stack")  # the preset gives way last
    assert "sweep" not in lines[0]  # no run here is a sweep's trial: no sweep column

    from seqtui.cmd_show import header
    from seqtui.engine.runs.status import read_run

    # `seqtui show`'s first lines: at 80 columns each part is whole on a line of its own choosing.
    run = read_run(next(p for p in runs_dir.iterdir() if "early_stopped" in
                        (p / "events.jsonl").read_text()))
    lines = header(run, 80).plain.splitlines()
    assert len(lines) == 2 and all(len(line) <= 80 for line in lines)
    assert lines == [f"{run.id}  early stopped",
                     "stacked-bilstm on tfds:ag_news_subset  1,234,567 params  1/10 epochs"]
    assert header(run, 160).plain == "  ".join(lines)


def test_runs_shows_each_trials_sweep_and_number_within_80_columns(tmp_path):
    import json

    from seqtui.engine.config import Config
    from seqtui.engine.runs.events import EventLog, make_event
    from seqtui.engine.runs.status import TRIAL_FILE
    from seqtui.engine.runs.store import create_run

    runs_dir = tmp_path / "runs"
    runs_dir.mkdir()
    # Two sweeps begun at the same time of day on two days: the time alone names neither.
    sweeps = ["2026-11-30_094000_sweep-bilstm", "2026-12-01_094000_sweep-bilstm",
              "2026-12-01_101500_sweep-bilstm"]
    for sweep in sweeps:
        (runs_dir / sweep).mkdir()
        (runs_dir / sweep / "sweep.json").write_text(json.dumps(
            {"id": sweep, "study": sweep, "trials": 2, "monitor": "val_loss",
             "sampler": "tpe", "pruner": "median", "space": []}))
    made = []
    for sweep, trial, status in [(sweeps[1], 0, "completed"), (sweeps[1], 1, "pruned"),
                                 (sweeps[2], 12, "early_stopped"), (None, None, "completed")]:
        config = Config()
        config.name = f"bilstm-t{trial}" if sweep else "bilstm"
        run_dir = create_run(config, runs_dir)
        if sweep:
            (run_dir / TRIAL_FILE).write_text(json.dumps({"sweep": sweep, "trial": trial}))
        log = EventLog(run_dir / "events.jsonl")
        log(make_event("run_started", epochs=10, params=598_209))
        log(make_event("epoch_ended", epoch=1, seconds=1.0, partial=False,
                       logs={"loss": 0.5, "val_loss": 0.5, "val_accuracy": 0.8765}))
        log(make_event("run_finished", status=status, seconds=1.0))
        log.close()
        made.append(run_dir.name)
    cells = {"completed": "12-01_094000 t0", "pruned": "12-01_094000 t1",
             "early_stopped": "101500 t12"}

    def by_run(out):
        return {line.split()[0]: line for line in out.splitlines()[1:]}

    wide = run_seqtui("runs", runs_dir=runs_dir, env={"COLUMNS": "160"}).stdout
    assert wide.splitlines()[0].split()[:3] == ["run", "status", "sweep"]
    rows = by_run(wide)
    for run, (status, cell) in zip(made, [("completed", cells["completed"]),
                                          ("pruned", cells["pruned"]),
                                          ("early_stopped", cells["early_stopped"]),
                                          ("completed", "-")], strict=True):
        assert rows[run].split()[1] == status and f" {cell} " in rows[run]
    assert rows[made[3]].split()[2:4] == ["-", "demo"]  # a run of its own

    out = run_seqtui("runs", runs_dir=runs_dir, env={"COLUMNS": "80"})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert lines[0].split()[:3] == ["run", "status", "sweep"] and "val acc" in lines[0]
    rows = by_run(out.stdout)
    assert set(rows) == set(made)  # every id whole: what a user types next
    assert rows[made[1]].split()[1:3] == ["pruned", "12-01_094000"]
    assert rows[made[2]].split()[1:3] == ["early_stopped", "101500"]
    assert all(row.split()[-2:] == ["0.8765", "-"] for row in rows.values())

    # The sweep cell is what `seqtui show` takes to find that sweep.
    shown = run_seqtui("show", "12-01_094000", runs_dir=runs_dir)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(sweeps[1])


def test_show_splits_a_wide_epoch_table_instead_of_cutting_every_figure():
    import io

    from rich.console import Console

    from seqtui.cmd_show import epoch_tables

    names = ["loss", "accuracy", "precision", "recall", "auc"]
    epochs = [{"epoch": e, "seconds": 1.0,
               "logs": {**{k: 0.5 + e / 100 for k in names}, "learning_rate": 0.001,
                        **{f"val_{k}": 0.6 for k in names}}} for e in (1, 2)]
    keys = sorted(epochs[0]["logs"], key=lambda k: (k.startswith("val_"), k))

    def shown(width: int, keys: list[str]) -> list[str]:
        console = Console(width=width, record=True, file=io.StringIO())
        for table in epoch_tables(epochs, keys, 2, console):
            console.print(table)
        return console.export_text().splitlines()

    narrow = shown(80, keys)
    assert all(len(line) <= 80 for line in narrow)
    assert "…" not in "".join(narrow)  # every figure whole
    assert [line.split()[0] for line in narrow if line.split()[0] == "epoch"] == ["epoch"] * 2
    assert "val_precision" in narrow[3] and "learning_rate" in narrow[0]
    assert narrow[2].split()[:2] == ["2", "*"]  # the best epoch is marked in each table
    # What fits stays one table, with the seconds.
    assert len(shown(80, ["loss", "accuracy", "val_loss", "val_accuracy"])) == 3
    assert len(shown(200, keys)) == 3
