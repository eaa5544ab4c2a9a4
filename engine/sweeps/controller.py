"""The sweep controller: asks Optuna for trials, starts each as an ordinary detached run, follows
the runs by reading their directories, reports every epoch to Optuna and prunes through the run's
stop control. No sweep code runs inside a training process.

It survives its own death: on a restart (`seqtui resume SWEEP`) it adopts the trials still
training, settles those that ended meanwhile, and tells Optuna the ones whose process is gone
as failed.
"""

from __future__ import annotations

import math
import os
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import TrialState

from seqtui.engine.config import Config
from seqtui.engine.config_rules import field_errors
from seqtui.engine.errors import BadInput
from seqtui.engine.runs.control import CONTROL_DIR, request_stop
from seqtui.engine.runs.events import (
    TERMINAL_TYPES,
    EventLog,
    EventTail,
    Listener,
    make_event,
    read_events,
)
from seqtui.engine.runs.files import write_private
from seqtui.engine.runs.process import process_alive, write_pid
from seqtui.engine.runs.status import TRIAL_FILE, read_run
from seqtui.engine.runs.store import create_run
from seqtui.engine.sweeps.devices import trial_device, visible_gpus
from seqtui.engine.sweeps.space import Param, apply_params
from seqtui.engine.sweeps.state import TRIAL_END_TYPES, read_spec
from seqtui.engine.sweeps.study import (
    NOT_RUN_ATTR,
    STATUS_ATTR,
    counts_toward_total,
    distributions,
    load_study,
)
from seqtui.engine.training.launch import spawn_training

POLL_SECONDS = 0.25
BATCH_PREFIX = b'{"type": "batch"'  # how EventLog writes a batch event: skipped unparsed


@dataclass
class Active:
    """A trial being followed: its Optuna handle, its run, what was reported so far."""

    trial: optuna.Trial
    run_dir: Path
    slot: int
    tail: EventTail
    reported: set[int] = field(default_factory=set)
    last_value: float | None = None
    prune_asked: bool = False
    stop_asked: bool = False
    last_word: bool = False  # run_finished or run_failed seen in its log


class Controller:
    def __init__(self, sweep_dir: Path, listener: Listener | None = None,
                 gpus: list[str] | None = None) -> None:
        self.dir = Path(sweep_dir)
        self.runs_dir = self.dir.parent
        self.spec = read_spec(self.dir)
        self.base = Config.from_dict(self.spec["base"])
        self.params = [Param.from_dict(p) for p in self.spec["space"]]
        self.dists = distributions(self.params)
        self.monitor = self.spec["monitor"]
        self.host = socket.gethostname()
        self.owner = f"{self.host}:{self.dir.resolve()}"
        self.study = load_study(self.spec, self.dir)
        self.log = EventLog(self.dir / "events.jsonl")
        self.listener = listener
        self.active: dict[int, Active] = {}
        self.gpus = visible_gpus() if gpus is None else gpus
        self.stopping = False

    # ---- the loop ----------------------------------------------------------------------------

    def run(self) -> str:
        write_pid(self.dir)
        self.emit("sweep_started", pid=os.getpid(), host=self.host, trials=self.spec["trials"])
        self.adopt()
        try:
            while True:
                if not self.stopping and self.stop_requested():
                    self.stop_all()
                self.follow()
                if not self.stopping:
                    self.launch()
                if not self.active and (self.stopping or self.started() >= self.spec["trials"]):
                    break
                time.sleep(POLL_SECONDS)
        except KeyboardInterrupt:  # a foreground sweep's Ctrl-C: stop the trials, then end
            self.stop_all()
            while self.active:
                self.follow()
                time.sleep(POLL_SECONDS)
        status = "stopped" if self.stopping else "completed"
        best = self.best()
        self.emit("sweep_finished", status=status,
                  best_trial=best.number if best else None,
                  best_value=best.value if best else None)
        self.log.close()
        return status

    def stop_requested(self) -> bool:
        return (self.dir / CONTROL_DIR / "stop").exists()

    def stop_all(self) -> None:
        self.stopping = True
        for active in self.active.values():
            active.stop_asked = True
            request_stop(active.run_dir)

    def started(self) -> int:
        """Trials the study has begun, whichever controller began them (a shared study's total)."""
        return sum(1 for t in self.study.get_trials(deepcopy=False) if counts_toward_total(t))

    def best(self) -> optuna.trial.FrozenTrial | None:
        try:
            return self.study.best_trial
        except ValueError:  # no completed trial yet
            return None

    # ---- starting trials ---------------------------------------------------------------------

    def launch(self) -> None:
        while len(self.active) < self.spec.get("parallel", 1) \
                and self.started() < self.spec["trials"]:
            trial = self.claim()
            if trial is None:
                break
            self.start_trial(trial)

    def claim(self) -> optuna.Trial | None:
        """A new trial within the sweep's total, or None when the total is reached.

        Counting and asking are two steps, so controllers sharing a study can both see room
        for the last trial. Optuna numbers trials in the order its storage creates them (the RDB
        storage locks the study's row for it, the journal its file), so the trial that finds
        the total already begun below its number is the one too many: it is told failed,
        marked not run, and counted nowhere."""
        trial = self.study.ask(self.dists)
        trial.set_user_attr("controller", self.owner)
        trial.set_user_attr("host", self.host)
        before = sum(1 for t in self.study.get_trials(deepcopy=False)
                     if t.number < trial.number and counts_toward_total(t))
        if before >= self.spec["trials"]:
            trial.set_user_attr(NOT_RUN_ATTR, True)
            self.study.tell(trial, state=TrialState.FAIL)
            return None
        return trial

    def _free_slot(self) -> int:
        used = {a.slot for a in self.active.values()}
        return next(i for i in range(len(used) + 1) if i not in used)

    def start_trial(self, trial: optuna.Trial) -> None:
        number, params = trial.number, dict(trial.params)
        config = apply_params(self.base, params)
        config.name = f"{self.spec['name']}-t{number}"
        slot = self._free_slot()
        config.hardware.device = trial_device(config.hardware.device, slot, self.gpus)
        errors = field_errors(config)
        if errors:  # a bad combination, e.g. flatten without a max length: the sweep goes on
            self.study.tell(trial, state=TrialState.FAIL)
            self.emit("trial_failed", trial=number, params=params, run=None,
                      message=str(errors[0]))
            return
        try:
            run_dir = create_run(config, self.runs_dir)
        except BadInput as exc:
            self.study.tell(trial, state=TrialState.FAIL)
            self.emit("trial_failed", trial=number, params=params, run=None, message=str(exc))
            return
        write_private(run_dir / TRIAL_FILE, _json({"sweep": self.spec["id"], "trial": number,
                                                   "host": self.host, "params": params}))
        trial.set_user_attr("run", run_dir.name)
        self.emit("trial_started", trial=number, params=params, run=run_dir.name,
                  host=self.host, device=config.hardware.device)
        spawn_training(run_dir)
        self.active[number] = Active(trial, run_dir, slot, _tail(run_dir))

    def adopt(self) -> None:
        """After a restart: follow this controller's trials that were still open."""
        events = read_events(self.dir / "events.jsonl")
        ended = {int(e["trial"]) for e in events if e.get("type") in TRIAL_END_TYPES}
        started = {int(e["trial"]): e for e in events if e.get("type") == "trial_started"}
        frozen = {t.number: t for t in self.study.get_trials(deepcopy=False)}
        for number, event in started.items():
            if number in ended or number not in frozen:
                continue
            ft = frozen[number]
            if ft.state != TrialState.RUNNING:
                continue
            active = Active(optuna.Trial(self.study, ft._trial_id), self.runs_dir / event["run"],
                            self._free_slot(), _tail(self.runs_dir / event["run"]),
                            reported=set(ft.intermediate_values))
            self.active[number] = active
        # Asked for but never started (the controller died in between): nothing ran.
        for ft in frozen.values():
            if ft.state == TrialState.RUNNING and ft.number not in started \
                    and ft.user_attrs.get("controller") == self.owner:
                self.study.tell(ft.number, state=TrialState.FAIL)
                self.emit("trial_failed", trial=ft.number, params=ft.params, run=None,
                          message="the sweep controller stopped before the trial started")

    # ---- following trials --------------------------------------------------------------------

    def follow(self) -> None:
        """New epochs of each trial go to Optuna; a trial whose log has its last word, or whose
        process is gone, is settled. Only the new lines are read (batch lines unparsed), and
        the whole run is read once, at its end."""
        for number in list(self.active):
            active = self.active[number]
            for event in active.tail.read_new():
                kind = event.get("type")
                if kind == "epoch_ended" and not event.get("partial"):
                    self.report(active, event)
                elif kind in TERMINAL_TYPES:
                    active.last_word = True
            if not active.last_word and process_alive(active.run_dir):
                continue
            info = read_run(active.run_dir)
            if info.status in ("running", "pending"):
                continue
            self.settle(active, info)
            del self.active[number]

    def report(self, active: Active, event: dict[str, Any]) -> None:
        value = event.get("logs", {}).get(self.monitor)
        step = int(event["epoch"])
        if not isinstance(value, int | float) or not math.isfinite(value):
            return
        active.last_value = float(value)
        if step in active.reported:
            return
        active.reported.add(step)
        active.trial.report(float(value), step)
        if not active.prune_asked and not active.stop_asked and active.trial.should_prune():
            active.prune_asked = True
            request_stop(active.run_dir, reason="pruned")

    def settle(self, active: Active, info) -> None:
        number, params = active.trial.number, dict(active.trial.params)
        best = info.best(self.monitor)
        seconds = round(info.ended - info.started, 3) if info.ended and info.started else None
        common = dict(trial=number, params=params, run=active.run_dir.name,
                      epochs_done=info.epochs_done, seconds=seconds,
                      value=best[1] if best else None, epoch=best[0] if best else None)
        status = info.status
        if status in ("completed", "early_stopped") and best is not None:
            self._tell(active, status, best[1])
            self.emit("trial_finished", status=status, **common)
        elif status in ("pruned", "stopped"):
            # Optuna keeps a pruned trial's intermediate values: the sampler still learns from
            # it. One stopped before its first epoch ended taught nothing of its parameters:
            # Optuna is told it failed, which its samplers skip (a pruned trial without a value
            # would count as the worst), while the sweep records what happened.
            learnt = best is not None or status == "pruned"
            self._tell(active, status, state=TrialState.PRUNED if learnt else TrialState.FAIL)
            if best is None:
                common["message"] = f"{status} before its first epoch ended" \
                    if not info.epochs_done else f"{status} with no {self.monitor} to report"
            self.emit("trial_pruned" if status == "pruned" else "trial_stopped", status=status,
                      **common)
        else:
            reason = info.message or "no epoch finished"
            if status == "died":
                reason = "its training process died without a last word" + (
                    f" (last: {info.message})" if info.message else "")
            self._tell(active, "failed", state=TrialState.FAIL)
            self.emit("trial_failed", status="failed", message=reason, **common)

    def _tell(self, active: Active, status: str, value: float | None = None,
              state: TrialState | None = None) -> None:
        """Ends the trial in the study, with seqtui's word for how it ended, so a shared
        study's leaderboard on another machine says `stopped` where Optuna has no such state."""
        active.trial.set_user_attr(STATUS_ATTR, status)
        if state is None:
            self.study.tell(active.trial, value)
        else:
            self.study.tell(active.trial, state=state)

    def emit(self, type_: str, **fields: Any) -> None:
        event = make_event(type_, **fields)
        self.log(event)
        if self.listener:
            self.listener(event)


def _tail(run_dir: Path) -> EventTail:
    return EventTail(run_dir / "events.jsonl", skip_prefix=BATCH_PREFIX)


def _json(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data) + "\n"


def run_controller(sweep_dir: Path, listener: Listener | None = None) -> str:
    """The controller process's body: returns the sweep's final status; writes the report."""
    controller = Controller(sweep_dir, listener)
    status = controller.run()
    try:
        from seqtui.engine.sweeps.report import write_sweep_report

        write_sweep_report(Path(sweep_dir))
    except Exception as exc:  # noqa: BLE001 - a report that fails must not mask the outcome
        print(f"seqtui: could not write the sweep report: {type(exc).__name__}: {exc}",
              file=sys.stderr)
    return status
