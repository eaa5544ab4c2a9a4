"""Two controllers share one study in a real PostgreSQL server: a throwaway cluster of the test's
own (initdb + pg_ctl, a unix socket in a temporary directory, no TCP port)."""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from helpers import TINY_FLAGS, run_seqtui, wait_for
from seqtui.cmd_sweep import sweep_record
from seqtui.engine.sweeps.state import list_sweeps


def _pg_bindir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    candidates += ["/usr/local/bin", *os.environ.get("PATH", "").split(os.pathsep)]
    for folder in candidates:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


@pytest.fixture
def postgres_url():
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL binaries (initdb, pg_ctl) on this machine; "
                    "apt-get install postgresql")
    base = Path(tempfile.mkdtemp(prefix="seqtui-pg-"))  # short: a socket path has 107 bytes
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: the server runs as a plain user
        name = "postgres" if _user_exists("postgres") else "nobody"
        user = pwd.getpwnam(name)
        os.chown(base, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", name, "--"]
    data, sock = base / "data", base
    subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(data), "-U", "seqtui",
                    "--auth=trust", "-E", "UTF8"], check=True, capture_output=True)
    subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l",
                    str(base / "server.log"), "-w", "-o",
                    f"-k {sock} -c listen_addresses='' -c fsync=off", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql://seqtui@/postgres?host={sock}"
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def sweeps(runs_dir):
    return json.loads(run_seqtui("sweeps", "--json", runs_dir=runs_dir).stdout)


def polled(runs_dir):
    """What `seqtui sweeps --json` says, read in this process (no Python start per look)."""
    return [sweep_record(s) for s in list_sweeps(runs_dir)]


def test_two_controllers_share_one_study(tmp_path, postgres_url):
    first, second = tmp_path / "box1", tmp_path / "box2"  # two machines' runs dirs
    # The second controller joins while the first trial starts (a trial's process takes
    # seconds to import TensorFlow), so each controller gets trials of its own.
    out = run_seqtui("sweep", *TINY_FLAGS, "--preset", "gap", "--epochs", "2", "--trials", "3",
                     "--search", "training.learning_rate=1e-3:1e-1:log", "--pruner", "none",
                     "--storage", postgres_url, "--detach", runs_dir=first)
    assert out.returncode == 0, out.stderr
    [sweep] = sweeps(first)
    wait_for(lambda: polled(first)[0]["running"] == 1, what="the first trial")

    joined = run_seqtui("sweep", "--join", sweep["id"], "--storage", postgres_url,
                        runs_dir=second)
    assert joined.returncode == 0, joined.stderr
    wait_for(lambda: polled(first)[0]["status"] == "completed", what="the first controller")

    mine, theirs = sweeps(first)[0], sweeps(second)[0]
    assert theirs["id"] == sweep["id"] and theirs["status"] == "completed"
    assert mine["done"] >= 1 and theirs["done"] >= 1  # each controller ran trials of its own
    assert mine["done"] + theirs["done"] == 3  # pulled from one study until its total
    # Each machine keeps its own trials' runs; the leaderboard lists every trial of the study.
    local_runs = json.loads(run_seqtui("runs", "--json", runs_dir=second).stdout)
    assert len(local_runs) == theirs["done"]
    shown = run_seqtui("show", sweep["id"], runs_dir=first)
    assert shown.returncode == 0, shown.stderr
    trial_lines = [line.split()[0] for line in shown.stdout.splitlines()
                   if line.split() and line.split()[0].isdigit()]
    assert sorted(trial_lines) == ["0", "1", "2"]

    missing = run_seqtui("sweep", "--join", "no-such-sweep", "--storage", postgres_url,
                         runs_dir=tmp_path / "box3")
    assert missing.returncode == 2 and "no such sweep in that storage" in missing.stderr
    assert not (tmp_path / "box3").exists() or not any((tmp_path / "box3").iterdir())
