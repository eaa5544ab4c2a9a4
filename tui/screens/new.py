"""New experiment: every config field with its default and inline validation, the focused
field's help, a live model preview, and Start or Queue; fields marked to search start a sweep
instead (through `seqtui sweep --detach`: the TUI never loads Optuna)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

from seqtui.engine.config import DEFAULT_UNITS, PRESETS, Config
from seqtui.engine.config_rules import field_errors
from seqtui.engine.errors import BadInput, DataError
from seqtui.engine.sweeps.space import Param, check_space, field_types, parse_search
from seqtui.tui.formfields import (
    DATASET_SUGGESTIONS,
    FIELDS,
    LABEL_WIDTH,
    PRUNERS,
    SAMPLERS,
    SWEEP_HELP,
    FormField,
    field_for,
    plain_flags,
    sections,
    suggested_search,
)
from seqtui.tui.widgets.key_bar import KeyBar
from seqtui.tui.widgets.layers_editor import LayersEditor
from seqtui.tui.widgets.model_preview import ModelPreview
from seqtui.tui.workarounds import RestyleWhenStale


def preset_choices(current: str) -> list[str]:
    """Built-in presets, then saved ones (and the current value, so the select can show it)."""
    from seqtui.engine.models.userpresets import saved_presets

    names = list(PRESETS) + [p.name for p in saved_presets() if p.name not in PRESETS]
    return names if current in names or not current else [*names, current]


class FormScroll(VerticalScroll, inherit_bindings=False):
    """The form's scroller: up and down move between fields (the scroll follows the focus)."""

    BINDINGS = [
        Binding("down", "app.focus_next", "Next field", show=False, id="new.next"),
        Binding("up", "app.focus_previous", "Previous field", show=False, id="new.previous"),
        Binding("pageup", "page_up", show=False),
        Binding("pagedown", "page_down", show=False),
    ]


class FormSelect(Select, inherit_bindings=False):
    """A choice field: enter or space opens the menu; up and down move between fields. The menu
    opens inside the form, so it never covers the key bar."""

    BINDINGS = [Binding("enter,space", "show_overlay", "Choose", show=False)]

    def _watch_value(self, value: object) -> None:
        # Textual's Select shows its value from its own on_mount, and on a busy machine (or when
        # the form is built off screen at idle) the label inside SelectCurrent may not be mounted
        # yet: NoMatches would crash the app. Show it once the children are there.
        try:
            super()._watch_value(value)
        except NoMatches:
            self.call_after_refresh(self._watch_value, value)

    def action_show_overlay(self) -> None:
        form = next((a for a in self.ancestors if isinstance(a, FormScroll)), None)
        if form is None or self.expanded:
            super().action_show_overlay()
            return
        form.scroll_to_center(self, animate=False, immediate=True)
        self.call_after_refresh(self._open_inside, form)

    def _open_inside(self, form: FormScroll) -> None:
        room = form.region.bottom - self.region.bottom
        self.query_one("SelectOverlay").styles.max_height = max(3, min(12, room))
        super().action_show_overlay()


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


def _count_error(text: str) -> str:
    """`seqtui sweep`'s own check of --trials and --parallel (empty: its default)."""
    if not text.strip():
        return ""
    try:
        value = int(text)
    except ValueError:
        return f"expected a whole number, got {text.strip()!r}"
    return f"must be at least 1, got {value}" if value < 1 else ""


class NewExperimentScreen(RestyleWhenStale, Screen):
    """Edits a Config; ctrl+s starts a detached training process, ctrl+q queues the config.
    With fields marked to search (ctrl+r), ctrl+s starts a sweep over them instead."""

    # Below 100 columns the preview panel narrows, so the form's values are not cut.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("ctrl+s", "start", "Start", tooltip="Start training now", id="new.start",
                priority=True),
        Binding("ctrl+s", "start_sweep", "Start sweep",
                tooltip="Start a sweep over the fields marked to search", id="new.start_sweep",
                priority=True),
        Binding("ctrl+q", "queue", "Queue", tooltip="Queue this config to run after the others",
                id="new.queue", priority=True),
        Binding("ctrl+r", "toggle_search", "Search field",
                tooltip="Mark the field to search in a sweep (again: unmark it)",
                id="new.search"),
        Binding("escape", "cancel", "Cancel", tooltip="Back to the runs list", id="new.cancel"),
        Binding("f1", "app.help", "Help", tooltip="Every key", id="new.help"),
        Binding("question_mark", "app.help", "Help", show=False,
                tooltip="Help, where ? is not typed into a field", id="new.help_key"),
    ]

    def __init__(self, config: Config | None = None) -> None:
        super().__init__()
        self.config = Config.from_dict((config or Config()).to_dict())
        self.parse_errors: dict[str, str] = {}
        self.errors: dict[str, str] = {}
        self.queued_here = 0
        self.searches: dict[str, str] = {}  # field key -> its range, as `--search` takes it
        self.sweep_errors: dict[str, str] = {}  # field key or sweep setting -> the CLI's line
        self.starting_sweep = False
        self.searchable = field_types()  # read once: it walks the config's type hints

    # ---- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # The width's class is set before the fields are mounted: set by Textual when the form
        # is first shown, it would restyle every field during that key.
        width = self.app.size.width
        current = [name for least, name in self.HORIZONTAL_BREAKPOINTS if width >= least][-1]
        self.update_classes({name: name == current for _, name in self.HORIZONTAL_BREAKPOINTS})
        with Horizontal(id="new-body"):
            with FormScroll(id="new-form", can_focus=False):
                for title, fields in sections():
                    yield Static(title, classes="form-section")
                    for form_field in fields:
                        # The error line under a field is mounted when it is first needed:
                        # fewer widgets make this screen open and restyle faster.
                        classes = "field-row layers-row" if form_field.key == "model.layers" \
                            else "field-row"
                        with Horizontal(classes=classes, id=f"{form_field.widget_id}-row"):
                            yield self.label(form_field.label)
                            yield self.make_widget(form_field)
                yield from self.compose_sweep()
                yield Static(classes="form-end")  # room for a menu opened on the last field
            with Vertical(id="new-side"):
                preview = ModelPreview(id="model-preview")
                preview.border_title = "Model preview"
                yield preview
                yield Static(id="new-status")
        yield Static(id="field-help")
        yield KeyBar()

    def label(self, text: str) -> Label:
        label = Label(text, classes="field-label")
        label.styles.width = LABEL_WIDTH
        return label

    def compose_sweep(self) -> ComposeResult:
        yield Static("Sweep", classes="form-section")
        yield Static("ctrl+r on a field marks it to search; ctrl+s then starts a sweep",
                     id="sweep-hint")
        for name, label in SWEEP_SETTINGS:
            with Horizontal(classes="field-row", id=f"sweep-{name}-row"):
                yield self.label(label)
                if name in ("sampler", "pruner"):
                    choices = SAMPLERS if name == "sampler" else PRUNERS
                    yield FormSelect([(c, c) for c in choices], value=choices[0],
                                     allow_blank=False, compact=True, id=f"sweep-{name}")
                else:
                    yield Input(value="1" if name == "parallel" else "", compact=True,
                                placeholder="default: 10"
                                if name == "trials" else "", id=f"sweep-{name}")
            yield Static(id=f"sweep-{name}-error", classes="field-error")

    def make_widget(self, form_field: FormField) -> Widget:
        value = form_field.text_of(self.config)
        if form_field.key == "model.layers":
            return LayersEditor(self.config.model.layers, self.preset_stack(),
                                self.config.model.preset, id=form_field.widget_id)
        if form_field.kind == "choice":
            choices = form_field.choices
            if form_field.key == "model.preset":
                choices = preset_choices(value)
            return FormSelect([(c, c) for c in choices], value=value, allow_blank=False,
                              compact=True, id=form_field.widget_id, tooltip=form_field.help)
        if form_field.kind == "switch":
            # Its help is on the help line: a label beside the box would be cut at 80 columns.
            return Checkbox("", value=bool(value == "True"), compact=True,
                            id=form_field.widget_id, tooltip=form_field.help)
        suggester = SuggestFromList(DATASET_SUGGESTIONS, case_sensitive=False) \
            if form_field.key == "data.dataset" else None
        return Input(value=value, placeholder=self.placeholder(form_field), compact=True,
                     id=form_field.widget_id, tooltip=form_field.help, suggester=suggester)

    def placeholder(self, form_field: FormField) -> str:
        if form_field.key == "model.units":
            units = DEFAULT_UNITS.get(self.config.model.preset, [])
            return f"default: {','.join(map(str, units))}" if units else \
                "none for this preset"
        if form_field.key == "name":
            return f"default: {self.config.model.preset}"
        return "default" if form_field.key.endswith(("subset", "max_length")) else ""

    def preset_stack(self) -> list[dict[str, Any]]:
        """The chosen preset's own stack, for the editor to show and copy."""
        from seqtui.engine.models.presets import preset_layers

        m = self.config.model
        if m.preset in PRESETS:
            return preset_layers(m.preset, self.config.units, m.dense_units, m.dropout,
                                 m.kernel_size)
        return list(m.layers or [])

    def on_mount(self) -> None:
        self.validate_all()
        first = sections()[0][1][0]
        self.query_one(f"#{first.widget_id}").focus()

    # ---- the help line ---------------------------------------------------------------------

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self.show_help(event.widget)

    def show_help(self, widget: Widget) -> None:
        text = ""
        for node in (widget, *widget.ancestors):
            node_id = node.id or ""
            form_field = next((f for f in FIELDS if node_id in (f.widget_id,
                                                                 f"{f.widget_id}-search")), None)
            if form_field is not None:
                if node_id.endswith("-search"):
                    text = (f"{form_field.label}, searched: LOW:HIGH, LOW:HIGH:log or A,B,C "
                            "(ctrl+r: stop searching it)")
                else:
                    text = f"{form_field.label}: {form_field.description}"
                break
            if node_id.startswith("sweep-") and node_id[6:] in SWEEP_HELP:
                text = f"{node_id[6:]}: {SWEEP_HELP[node_id[6:]]}"
                break
        self.query_one("#field-help", Static).update(Text(text))

    # ---- edits -----------------------------------------------------------------------------

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def field_changed(self, event: Input.Changed | Select.Changed | Checkbox.Changed) -> None:
        widget = event.control
        widget_id = widget.id or ""
        if widget_id.startswith("sweep-") or widget_id.endswith("-search"):
            if widget_id.endswith("-search"):
                form_field = next(f for f in FIELDS if f"{f.widget_id}-search" == widget_id)
                self.searches[form_field.key] = str(event.value)
            self.validate_sweep()
            return
        form_field = next((f for f in FIELDS if f.widget_id == widget_id), None)
        if form_field is None:
            return
        before = self.config.model.preset
        self.set_field(form_field, event.value)
        if form_field.key == "model.preset" and self.config.model.preset != before:
            self.preset_chosen()
        if form_field.key.startswith("model.") and form_field.key != "model.preset":
            editor = self.query_one(LayersEditor)
            editor.preset_stack = self.preset_stack()
            if not editor.stack:
                editor.redraw()
        if form_field.key == "model.preset":
            for key in ("model.units", "name"):
                dependent = field_for(key)
                if dependent is not None:
                    self.query_one(f"#{dependent.widget_id}", Input).placeholder = \
                        self.placeholder(dependent)
        self.validate_all()

    def preset_chosen(self) -> None:
        """Choosing a preset makes it the model: a saved one's layers fill the editor, a
        built-in one empties it (`c` copies its stack in to change it)."""
        from seqtui.engine.models.userpresets import load_preset

        m = self.config.model
        saved = None if m.preset in PRESETS else load_preset(m.preset)
        m.layers = list(saved.layers) if saved else None
        self.query_one(LayersEditor).set_preset(m.preset, self.preset_stack(), m.layers)

    @on(LayersEditor.Changed)
    def layers_changed(self, event: LayersEditor.Changed) -> None:
        self.config.model.layers = event.stack
        self.validate_all()

    @on(LayersEditor.Saved)
    def preset_saved(self, event: LayersEditor.Saved) -> None:
        select = self.query_one("#field-model-preset", Select)
        select.set_options([(c, c) for c in preset_choices(event.name)])
        select.value = event.name

    def set_field(self, form_field: FormField, value: Any) -> None:
        try:
            form_field.apply(self.config, value)
        except ValueError as exc:
            self.parse_errors[form_field.key] = str(exc)
        else:
            self.parse_errors.pop(form_field.key, None)

    def validate_all(self) -> None:
        errors = dict(self.parse_errors)
        loose: list[str] = []
        from seqtui.engine.models.specs import stack_errors

        for error in field_errors(self.config) or stack_errors(self.config):
            if error.key == "model.preset" and self.config.model.layers is not None:
                error.key = "model.layers"
            if error.key and field_for(error.key) is not None:
                errors.setdefault(error.key, str(error))
            else:
                loose.append(plain_flags(str(error)))
        # Touch only the fields whose message changed: restyling every row on each keystroke
        # is what makes a big form slow.
        for form_field in FIELDS:
            message = errors.get(form_field.key, "")
            if message == self.errors.get(form_field.key, ""):
                continue
            self.show_error(form_field, message)
        self.errors = errors
        blocking = [k for k in errors if k.startswith(("model.", "tokenizer."))]
        preview = self.query_one(ModelPreview)
        if blocking:
            # A stack's problem is the preview's to explain: the editor may be scrolled away.
            key = blocking[0]
            form_field = field_for(key)
            preview.show(None, errors[key] if key == "model.layers" else
                         f"fix {form_field.label if form_field else key}: {errors[key]}")
        else:
            preview.show(self.config)
        self.loose = loose
        if self.searches:
            self.validate_sweep()  # a range is checked against the fields' other values
        else:
            self.show_status()

    def show_error(self, form_field: FormField, message: str) -> None:
        """Show (or clear) the message on the line under a field."""
        self.show_message(f"{form_field.widget_id}-error", f"{form_field.widget_id}-row",
                          message)
        self.query_one(f"#{form_field.widget_id}").set_class(bool(message), "-invalid")

    def show_message(self, box_id: str, after_id: str, message: str) -> None:
        found = self.query(f"#{box_id}")
        if found:
            box = found.first(Static)
            box.update(Text(message))
        elif message:
            box = Static(Text(message), id=box_id, classes="field-error")
            row = self.query_one(f"#{after_id}")
            row.parent.mount(box, after=row)
        else:
            return
        box.set_class(bool(message), "-shown")

    def show_status(self) -> None:
        lines: list[Text | str] = []
        # Names only: each message is on the line under its field (ctrl+s goes to the first).
        if self.errors:
            count = len(self.errors)
            lines.append(Text(f"{count} field{'s' * (count != 1)} to fix: "
                              f"{', '.join(map(self.field_label, self.errors))}", style="red"))
        lines += [Text(m, style="red") for m in getattr(self, "loose", [])]
        if self.searches:
            searched = ", ".join(self.field_label(k) for k in self.searches)
            lines.append(Text(f"Sweep over {searched}: ctrl+s starts it", style="bold"))
            if self.sweep_errors:
                lines.append(Text("to fix: " + ", ".join(
                    self.field_label(k) if field_for(k) else k for k in self.sweep_errors),
                    style="red"))
            if self.starting_sweep:
                lines.append(Text("Starting the sweep...", style="italic"))
        if self.queued_here:
            lines.append(Text(f"{self.queued_here} queued from this form"))
        if not self.searches:
            lines.append(Text("ctrl+r on a field marks it to search in a sweep",
                              style="italic"))
        self.query_one("#new-status", Static).update(Text("\n").join(
            line if isinstance(line, Text) else Text(line) for line in lines))

    @staticmethod
    def field_label(key: str) -> str:
        form_field = field_for(key)
        return form_field.label if form_field else key

    # ---- sweeps ----------------------------------------------------------------------------

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
        await row.parent.mount(Horizontal(self.label("  ~ search"), search,
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
        return str(self.query_one(f"#sweep-{name}").value or "").strip()

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

    @on(SweepOutcome)
    def sweep_started(self, outcome: SweepOutcome) -> None:
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

    # ---- actions ---------------------------------------------------------------------------

    def ready_config(self) -> Config | None:
        """The config to run, or None after pointing at what is wrong (the message is under
        the field and in the status panel, and goes away once the value is fixed)."""
        self.validate_all()
        if self.errors:
            first = next(f for f in FIELDS if f.key in self.errors)
            self.query_one(f"#{first.widget_id}").focus()
            return None
        from seqtui.engine.training.preflight import preflight

        try:
            preflight(self.config)
        except BadInput as exc:
            # A dataset that cannot be read is the dataset (or test path) field's to show; the
            # rest (TF_CONFIG, SEQTUI_BACKGROUND_NICE) is the environment, no field of the form.
            if isinstance(exc, DataError):
                key = "data.test_path" if "--test-path" in str(exc) else "data.dataset"
                form_field = field_for(key)
                if form_field is not None:
                    self.errors[key] = plain_flags(str(exc).split(": ", 1)[-1])
                    self.show_error(form_field, self.errors[key])
                    self.show_status()
                    self.query_one(f"#{form_field.widget_id}").focus()
                    return None
            self.notify(plain_flags(str(exc)), title="Fix this first", severity="error")
            return None
        return Config.from_dict(self.config.to_dict())

    def action_start(self) -> None:
        config = self.ready_config()
        if config is None:
            return
        from seqtui.engine.runs.store import create_run
        from seqtui.engine.training.launch import spawn_training

        try:
            run_dir = create_run(config, self.app.runs_dir)
            spawn_training(run_dir)
        except (BadInput, OSError) as exc:
            self.notify(plain_flags(str(exc)), title="Could not start", severity="error")
            return
        self.app.scan_runs()
        self.app.pop_screen()
        self.app.open_dashboard(run_dir)

    def action_queue(self) -> None:
        if self.searches:
            self.notify("A sweep is started, not queued: ctrl+s starts it (ctrl+r unmarks a "
                        "field).", severity="warning")
            return
        config = self.ready_config()
        if config is None:
            return
        from seqtui.engine.runs.store import create_run
        from seqtui.tui.runqueue import enqueue

        try:
            run_dir = create_run(config, self.app.runs_dir)
            place = enqueue(run_dir)
        except (BadInput, OSError) as exc:
            self.notify(plain_flags(str(exc)), title="Could not queue", severity="error")
            return
        self.queued_here += 1
        self.show_status()
        self.app.scan_runs()
        self.notify(f"{run_dir.name}: {place - 1} waiting ahead of it; queued runs train one at "
                    "a time. Change the form and ctrl+q again to queue another, or escape.",
                    title="Queued")

    def action_cancel(self) -> None:
        self.app.pop_screen()


def open_form_from_run(app: Any, run_dir: Path) -> None:
    """"New experiment from this run": a form holding that run's config, to change and start."""
    try:
        config = Config.from_file(Path(run_dir) / "config.json")
    except (BadInput, OSError, ValueError) as exc:
        app.notify(f"{Path(run_dir).name}: cannot read its config: {exc}", severity="error")
        return
    app.push_screen(NewExperimentScreen(config))
