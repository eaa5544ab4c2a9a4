"""New experiment: every config field with its default and inline validation, the focused
field's help, a live model preview, and Start or Queue; fields marked to search start a sweep
instead (through `seqtui sweep --detach`: the TUI never loads Optuna)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Select, Static

from seqtui.engine.config import PRESETS, Config
from seqtui.engine.config_rules import field_errors
from seqtui.engine.errors import BadInput, DataError
from seqtui.engine.sweeps.space import field_types
from seqtui.tui.formfields import (
    FIELDS,
    SWEEP_HELP,
    FormField,
    field_for,
    plain_flags,
    sections,
)
from seqtui.tui.screens.new_sweep import SweepFields
from seqtui.tui.widgets.form_inputs import (
    FormScroll,
    field_widget,
    label_widget,
    placeholder,
    preset_choices,
    preset_stack,
)
from seqtui.tui.widgets.key_bar import KeyBar
from seqtui.tui.widgets.layers_editor import LayersEditor
from seqtui.tui.widgets.model_preview import ModelPreview
from seqtui.tui.workarounds import RestyleWhenStale

# Built in stages, the form is composed with its top (the Run and Data sections: its first frame
# at 80x24) and the rest is mounted a piece of at most PIECE_ROWS fields at a time.
STAGED_FIRST = ("Run", "Data")
PIECE_ROWS = 6
SWEEP_PIECE = "Sweep"


def form_pieces() -> list[tuple[str, int]]:
    """The form in building order: (section title, index of the piece's first field)."""
    pieces = []
    for title, fields in sections():
        step = len(fields) if title in STAGED_FIRST else PIECE_ROWS
        pieces += [(title, start) for start in range(0, len(fields), step)]
    return [*pieces, (SWEEP_PIECE, 0)]


class NewExperimentScreen(RestyleWhenStale, SweepFields, Screen):
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

    def __init__(self, config: Config | None = None, staged: bool = False) -> None:
        """`staged`: compose only the form's first sections; the others are mounted one by
        one by `build_next_piece` (the app builds the form so while the user is idle, and a
        key pressed meanwhile is answered between two sections)."""
        super().__init__()
        self.staged = staged
        self.unbuilt: list[tuple[str, int]] = []  # pieces not mounted yet, in order
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
        pieces = form_pieces()
        first = sum(title in STAGED_FIRST for title, _ in pieces) if self.staged else len(pieces)
        self.unbuilt = pieces[first:]
        with Horizontal(id="new-body"):
            with FormScroll(id="new-form", can_focus=False):
                for piece in pieces[:first]:
                    yield from self.piece_widgets(piece)
                yield Static(classes="form-end")  # room for a menu opened on the last field
            with Vertical(id="new-side"):
                preview = ModelPreview(id="model-preview")
                preview.border_title = "Model preview"
                yield preview
                yield Static(id="new-status")
        yield Static(id="field-help")
        yield KeyBar()

    def piece_widgets(self, piece: tuple[str, int]) -> list[Widget]:
        """A piece of the form: a section's title (with its first fields) and a row per field
        (label and input). The error line under a field is mounted when it is first needed:
        fewer widgets make this screen open and restyle faster."""
        title, start = piece
        if title == SWEEP_PIECE:
            return self.sweep_widgets()
        widgets: list[Widget] = [Static(title, classes="form-section")] if start == 0 else []
        for form_field in self.piece_fields(piece):
            classes = "field-row layers-row" if form_field.key == "model.layers" else "field-row"
            widgets.append(Horizontal(label_widget(form_field.label),
                                      field_widget(form_field, self.config),
                                      classes=classes, id=f"{form_field.widget_id}-row"))
        return widgets

    @staticmethod
    def piece_fields(piece: tuple[str, int]) -> list[FormField]:
        title, start = piece
        if title == SWEEP_PIECE:
            return []
        fields = dict(sections())[title]
        return fields[start:] if title in STAGED_FIRST else fields[start:start + PIECE_ROWS]

    async def build_next_piece(self) -> bool:
        """One step of a staged build (see `staged`): style what is composed (hidden), or
        mount the next piece not built yet. False once the form is whole."""
        if not self._hidden_styled and not self.is_current:
            self._style_hidden()  # a step of its own; the pieces are styled as they come
            return bool(self.unbuilt)
        if not self.unbuilt:
            return False
        piece = self.unbuilt.pop(0)
        form = self.query_one("#new-form", FormScroll)
        before = self._style_inputs()
        held = None not in (before, self._styled_with) and \
            self._styles_still_hold(self._styled_with, before)
        await form.mount_all(self.piece_widgets(piece), before=form.query_one(".form-end"))
        if held:
            # The CSS the piece brought (its widget classes' own) is scoped to those classes,
            # whose nodes here are the piece's, styled with it as they were mounted: the rest
            # of the screen still holds, and showing it need not restyle every node for it.
            self._styled_with = self._style_inputs()
        # Messages found while the piece was not there are shown now.
        for form_field in self.piece_fields(piece):
            if self.errors.get(form_field.key):
                self.show_error(form_field, self.errors[form_field.key])
        if piece[0] == SWEEP_PIECE and self.searches:
            self.validate_sweep()
        if not self.unbuilt and not self.is_current:
            self.call_after_refresh(self._lay_out_hidden)
        return bool(self.unbuilt)

    def _ready_to_lay_out(self) -> bool:
        return not self.unbuilt

    def build_ahead_of(self, widget: Widget) -> None:
        """Shown before the idle build was done (a key pressed at start-up), the form gets its
        missing pieces as the app finds the user idle; moving into the last piece built
        mounts the next at once, so moving down the form never runs out of fields."""
        built = [f for piece in form_pieces() if piece not in self.unbuilt
                 for f in self.piece_fields(piece)]
        near_end = {f"{f.widget_id}-row" for f in built[-PIECE_ROWS:]}
        if any(node.id in near_end for node in widget.ancestors):
            self.call_later(self.build_next_piece)

    # ---- the help line ---------------------------------------------------------------------

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self.show_help(event.widget)
        if self.unbuilt:
            self.build_ahead_of(event.widget)

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
            editor.preset_stack = preset_stack(self.config)
            if not editor.stack:
                editor.redraw()
        if form_field.key == "model.preset":
            for key in ("model.units", "name"):
                dependent = field_for(key)
                if dependent is not None:
                    self.query_one(f"#{dependent.widget_id}", Input).placeholder = \
                        placeholder(dependent, self.config)
        self.validate_all()

    def preset_chosen(self) -> None:
        """Choosing a preset makes it the model: a saved one's layers fill the editor, a
        built-in one empties it (`c` copies its stack in to change it)."""
        from seqtui.engine.models.userpresets import load_preset

        m = self.config.model
        saved = None if m.preset in PRESETS else load_preset(m.preset)
        m.layers = list(saved.layers) if saved else None
        self.query_one(LayersEditor).set_preset(m.preset, preset_stack(self.config), m.layers)

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
        for widget in self.query(f"#{form_field.widget_id}"):  # none: its section is to come
            widget.set_class(bool(message), "-invalid")

    def show_message(self, box_id: str, after_id: str, message: str) -> None:
        found = self.query(f"#{box_id}")
        if found:
            box = found.first(Static)
            box.update(Text(message))
        elif message and self.query(f"#{after_id}"):
            box = Static(Text(message), id=box_id, classes="field-error")
            row = self.query_one(f"#{after_id}")
            row.parent.mount(box, after=row)
        else:
            return  # nothing to show, or its row is in a section still to be built
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

    # ---- actions ---------------------------------------------------------------------------

    def ready_config(self) -> Config | None:
        """The config to run, or None after pointing at what is wrong (the message is under
        the field and in the status panel, and goes away once the value is fixed)."""
        self.validate_all()
        if self.errors:
            first = next(f for f in FIELDS if f.key in self.errors)
            for widget in self.query(f"#{first.widget_id}"):  # none: its section is to come
                widget.focus()
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
