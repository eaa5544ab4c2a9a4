"""The New experiment form's sweep: fields marked to search (ctrl+r) with their ranges, the
sweep's settings, and ctrl+s starting `seqtui sweep --detach` (the TUI never loads Optuna).

A mixin of NewExperimentScreen: it reads the screen's config and uses its show_message,
show_status, field_label and ready_config."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from textual import work
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from seqtui.engine.config import Config
from seqtui.engine.errors import BadInput
from seqtui.engine.sweeps.space import Param, check_space, parse_search
from seqtui.tui.formfields import (
    FIELDS,
    PRUNERS,
    SAMPLERS,
    FormField,
    field_for,
    plain_flags,
    suggested_search,
)
from seqtui.tui.widgets.form_inputs import FormSelect, label_widget


class SweepOutcome(Message):
    """What `seqtui sweep --detach` said: the sweep directory, or the line that went wrong."""

    def __init__(self, sweep_dir: Path | None, problem: str = "") -> None:
        super().__init__()
        self.sweep_dir, self.problem = sweep_dir, problem


# Fields a sweep could vary in the CLI but the form does not offer: a layer stack is not a
# range or a short list of values.
NOT_SEARCHED_HERE = ("model.layers",)
SWEEP_SETTINGS = (("trials", "trials"), ("parallel", "parallel"), ("sampler", "sampler"),
                  ("pruner", "pruner"))
SWEEP_DEFAULTS = {"trials": "", "parallel": "1", "sampler": SAMPLERS[0], "pruner": PRUNERS[0]}


def _count_error(text: str) -> str:
    """`seqtui sweep`'s own check of --trials and --parallel (empty: its default)."""
    if not text.strip():
        return ""
    try:
        value = int(text)
    except ValueError:
        return f"expected a whole number, got {text.strip()!r}"
    return f"must be at least 1, got {value}" if value < 1 else ""


class SweepFields:
    """The sweep's part of the form. Textual finds `on_sweep_outcome` by its name (a plain
    mixin has no `@on` handlers of its own)."""

    searches: dict[str, str]  # field key -> its range, as `--search` takes it
    sweep_errors: dict[str, str]  # field key or sweep setting -> the CLI's line
    starting_sweep: bool
    searchable: dict

    def sweep_widgets(self) -> list[Widget]:
        """The sweep's section of the form: its title, hint and settings."""
        widgets: list[Widget] = [
            Static("Sweep", classes="form-section"),
            Static("ctrl+r on a field marks it to search; ctrl+s then starts a sweep",
                   id="sweep-hint")]
        for name, label in SWEEP_SETTINGS:
            if name in ("sampler", "pruner"):
                choices = SAMPLERS if name == "sampler" else PRUNERS
                setting: Widget = FormSelect([(c, c) for c in choices], value=choices[0],
                                             allow_blank=False, compact=True, id=f"sweep-{name}")
            else:
                setting = Input(value=SWEEP_DEFAULTS[name], compact=True,
                                placeholder="default: 10" if name == "trials" else "",
                                id=f"sweep-{name}")
            widgets.append(Horizontal(label_widget(label), setting, classes="field-row",
                                      id=f"sweep-{name}-row"))
            widgets.append(Static(id=f"sweep-{name}-error", classes="field-error"))
        return widgets

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "start":
            return not self.searches
        if action == "start_sweep":
            return bool(self.searches)
        if action == "queue":
            return None if self.searches else True  # shown dimmed: a sweep is not queued
        return True

    async def action_toggle_search(self) -> None:
        focused = self.focused
        form_field = None
        for node in (focused, *(focused.ancestors if focused else ())):
            node_id = getattr(node, "id", None) or ""
            form_field = next((f for f in FIELDS if node_id in (f.widget_id,
                                                                 f"{f.widget_id}-search")), None)
            if form_field is not None:
                break
        if form_field is None:
            self.notify("Put the focus on a field of the form to search it.",
                        severity="warning")
            return
        if form_field.key in self.searches:
            self.unmark(form_field)
        elif form_field.key in NOT_SEARCHED_HERE or form_field.key not in self.searchable:
            why = "a sweep keeps it fixed" if form_field.key not in NOT_SEARCHED_HERE else \
                "search the preset or the units instead"
            self.notify(f"{form_field.label} cannot be searched: {why}.", severity="warning")
        else:
            await self.mark(form_field)
        self.refresh_bindings()

    async def mark(self, form_field: FormField) -> None:
        """A range line under the field, filled with a start to change (typing replaces it)."""
        text = suggested_search(form_field, self.config)
        row = self.query_one(f"#{form_field.widget_id}-row")
        after = self.query(f"#{form_field.widget_id}-error") or [row]
        search = Input(value=text, compact=True, id=f"{form_field.widget_id}-search",
                       placeholder="LOW:HIGH, LOW:HIGH:log or A,B,C")
        await row.parent.mount(Horizontal(label_widget("  ~ search"), search,
                                          classes="field-row search-row",
                                          id=f"{form_field.widget_id}-search-row"),
                               after=list(after)[0])
        self.searches[form_field.key] = text
        row.query_one(".field-label", Label).update(f"~ {form_field.label}")
        search.focus()
        self.validate_sweep()

    def unmark(self, form_field: FormField) -> None:
        self.searches.pop(form_field.key, None)
        self.sweep_errors.pop(form_field.key, None)
        row = self.query_one(f"#{form_field.widget_id}-row")
        row.query_one(".field-label", Label).update(form_field.label)
        for widget_id in (f"{form_field.widget_id}-search-row",
                          f"{form_field.widget_id}-search-error"):
            for widget in self.query(f"#{widget_id}"):
                widget.remove()
        self.query_one(f"#{form_field.widget_id}").focus()
        self.validate_sweep()

    def sweep_setting(self, name: str) -> str:
        """A sweep setting as shown (its default while the sweep's section is not built)."""
        found = self.query(f"#sweep-{name}")  # type: ignore[attr-defined]
        if not found:
            return SWEEP_DEFAULTS[name]
        return str(found.first().value or "").strip()

    def sweep_params(self) -> tuple[list[Param], dict[str, str]]:
        """The searched fields as a space, and the CLI's message for each that is wrong."""
        errors: dict[str, str] = {}
        params: list[Param] = []
        for key, text in self.searches.items():
            try:
                params.append(parse_search(f"{key}={text}", self.searchable))
            except BadInput as exc:
                errors[key] = str(exc)
        for name in ("trials", "parallel"):
            message = _count_error(self.sweep_setting(name))
            if message:
                errors[name] = f"--{name}: {message}"
        if params and len(params) == len(self.searches):
            try:
                check_space(params, self.config, self.sweep_setting("sampler"))
            except BadInput as exc:
                named = next((p.name for p in params
                              if str(exc).startswith(f"--search {p.name}:")), "sampler")
                errors[named] = str(exc)
        return params, errors

    def validate_sweep(self) -> None:
        _, errors = self.sweep_params() if self.searches else ([], {})
        self.sweep_errors = errors
        for key in self.searches:
            form_field = field_for(key)
            if form_field is not None:
                self.show_message(f"{form_field.widget_id}-search-error",
                                  f"{form_field.widget_id}-search-row", errors.get(key, ""))
                self.query_one(f"#{form_field.widget_id}-search").set_class(key in errors,
                                                                            "-invalid")
        for name, _label in SWEEP_SETTINGS:
            self.show_message(f"sweep-{name}-error", f"sweep-{name}-row", errors.get(name, ""))
        self.show_status()

    def action_start_sweep(self) -> None:
        if self.starting_sweep:
            return
        self.validate_sweep()
        if self.sweep_errors:
            key = next(iter(self.sweep_errors))
            form_field = field_for(key)
            self.query_one(f"#{form_field.widget_id}-search" if form_field else
                           f"#sweep-{key}").focus()
            return
        config = self.ready_config()
        if config is None:
            return
        command = [sys.executable, "-m", "seqtui", "sweep", "--detach",
                   "--runs-dir", str(self.app.runs_dir),
                   "--parallel", self.sweep_setting("parallel") or "1",
                   "--sampler", self.sweep_setting("sampler"),
                   "--pruner", self.sweep_setting("pruner")]
        if self.sweep_setting("trials"):
            command += ["--trials", self.sweep_setting("trials")]
        for key, text in self.searches.items():
            command += ["--search", f"{key}={text.strip()}"]
        self.starting_sweep = True
        self.show_status()
        self.start_sweep_process(command, config, Path(self.app.runs_dir))

    @work(thread=True, exclusive=True, group="sweep", exit_on_error=False)
    def start_sweep_process(self, command: list[str], config: Config, runs_dir: Path) -> None:
        """`seqtui sweep --detach` checks the space as the CLI does, makes the sweep directory
        and starts its controller; it returns once the controller runs."""
        handle, config_path = tempfile.mkstemp(prefix="seqtui-sweep-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(json.dumps(config.to_dict()))
            done = subprocess.run([*command, "--config", config_path], capture_output=True,
                                  text=True, stdin=subprocess.DEVNULL, timeout=300)
        except (OSError, subprocess.SubprocessError) as exc:
            self.post_message(SweepOutcome(None, f"could not run seqtui sweep: {exc}"))
            return
        finally:
            Path(config_path).unlink(missing_ok=True)
        if done.returncode == 0:
            name = done.stdout.split(":", 1)[0].strip()
            if name and (runs_dir / name / "sweep.json").is_file():
                self.post_message(SweepOutcome(runs_dir / name))
                return
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        problem = lines[-1] if lines else f"seqtui sweep exited with status {done.returncode}"
        self.post_message(SweepOutcome(None, problem.removeprefix("seqtui: error: ")))

    def on_sweep_outcome(self, outcome: SweepOutcome) -> None:
        self.starting_sweep = False
        self.show_status()
        if outcome.sweep_dir is None:
            self.notify(plain_flags(outcome.problem), title="Could not start the sweep",
                        severity="error")
            return
        from seqtui.tui.screens.sweeps import SweepScreen

        self.app.scan_runs()
        if self.app.screen is self:
            self.app.pop_screen()
        self.app.push_screen(SweepScreen(outcome.sweep_dir))
