"""New experiment: every config field with its default and inline validation, a live model
preview, and Start or Queue."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

from seqtui.engine.config import DEFAULT_UNITS, Config, field_errors
from seqtui.engine.errors import BadInput, DataError
from seqtui.tui.formfields import DATASET_SUGGESTIONS, FIELDS, FormField, field_for, sections
from seqtui.tui.widgets.key_bar import KeyBar
from seqtui.tui.widgets.model_preview import ModelPreview


class FormScroll(VerticalScroll, inherit_bindings=False):
    """The form's scroller: up and down move between fields (the scroll follows the focus)."""

    BINDINGS = [
        Binding("down", "app.focus_next", "Next field", show=False, id="new.next"),
        Binding("up", "app.focus_previous", "Previous field", show=False, id="new.previous"),
        Binding("pageup", "page_up", show=False),
        Binding("pagedown", "page_down", show=False),
    ]


class FormSelect(Select, inherit_bindings=False):
    """A choice field: enter or space opens the menu; up and down move between fields."""

    BINDINGS = [Binding("enter,space", "show_overlay", "Choose", show=False)]

    def _watch_value(self, value: object) -> None:
        # Textual's Select shows its value from its own on_mount, and on a busy machine (or when
        # the form is built off screen at idle) the label inside SelectCurrent may not be mounted
        # yet: NoMatches would crash the app. Show it once the children are there.
        try:
            super()._watch_value(value)
        except NoMatches:
            self.call_after_refresh(self._watch_value, value)


class NewExperimentScreen(Screen):
    """Edits a Config; ctrl+s starts a detached training process, ctrl+q queues the config."""

    BINDINGS = [
        Binding("ctrl+s", "start", "Start", tooltip="Start training now", id="new.start",
                priority=True),
        Binding("ctrl+q", "queue", "Queue", tooltip="Queue this config to run after the others",
                id="new.queue", priority=True),
        Binding("escape", "cancel", "Cancel", tooltip="Back to the runs list", id="new.cancel"),
        Binding("question_mark", "app.help", "Help", show=False, id="new.help"),
    ]

    def __init__(self, config: Config | None = None) -> None:
        super().__init__()
        self.config = Config.from_dict((config or Config()).to_dict())
        self.parse_errors: dict[str, str] = {}
        self.errors: dict[str, str] = {}
        self.queued_here = 0

    # ---- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="new-body"):
            with FormScroll(id="new-form", can_focus=False):
                for title, fields in sections():
                    yield Static(title, classes="form-section")
                    for form_field in fields:
                        # The error line under a field is mounted when it is first needed:
                        # fewer widgets make this screen open and restyle faster.
                        with Horizontal(classes="field-row", id=f"{form_field.widget_id}-row"):
                            yield Label(form_field.label, classes="field-label")
                            yield self.make_widget(form_field)
            with Vertical(id="new-side"):
                preview = ModelPreview(id="model-preview")
                preview.border_title = "Model preview"
                yield preview
                yield Static(id="new-status")
        yield KeyBar()

    def make_widget(self, form_field: FormField) -> Widget:
        value = form_field.text_of(self.config)
        if form_field.kind == "choice":
            return FormSelect([(c, c) for c in form_field.choices], value=value, allow_blank=False,
                          compact=True, id=form_field.widget_id, tooltip=form_field.help)
        if form_field.kind == "switch":
            return Checkbox(form_field.help, value=bool(value == "True"), compact=True,
                            id=form_field.widget_id)
        suggester = SuggestFromList(DATASET_SUGGESTIONS, case_sensitive=False) \
            if form_field.key == "data.dataset" else None
        return Input(value=value, placeholder=self.placeholder(form_field), compact=True,
                     id=form_field.widget_id, tooltip=form_field.help, suggester=suggester,
                     select_on_focus=False)

    def placeholder(self, form_field: FormField) -> str:
        if form_field.key == "model.units":
            units = DEFAULT_UNITS.get(self.config.model.preset, [])
            return f"preset default: {','.join(map(str, units))}" if units else \
                "none for this preset"
        if form_field.key == "name":
            return f"default: {self.config.model.preset}"
        return "default" if form_field.key.endswith(("subset", "max_length")) else ""

    def on_mount(self) -> None:
        self.validate_all()
        first = sections()[0][1][0]
        self.query_one(f"#{first.widget_id}").focus()

    # ---- edits -----------------------------------------------------------------------------

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def field_changed(self, event: Input.Changed | Select.Changed | Checkbox.Changed) -> None:
        widget = event.control
        form_field = next((f for f in FIELDS if f.widget_id == widget.id), None)
        if form_field is None:
            return
        self.set_field(form_field, event.value)
        if form_field.key == "model.preset":
            for key in ("model.units", "name"):
                dependent = field_for(key)
                if dependent is not None:
                    self.query_one(f"#{dependent.widget_id}", Input).placeholder = \
                        self.placeholder(dependent)
        self.validate_all()

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
        for error in field_errors(self.config):
            if error.key and field_for(error.key) is not None:
                errors.setdefault(error.key, str(error))
            else:
                loose.append(str(error))
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
            preview.show(None, f"fix {blocking[0]}")
        else:
            preview.show(self.config)
        self.show_status(loose)

    def show_error(self, form_field: FormField, message: str) -> None:
        """Show (or clear) the message on the line under a field."""
        found = self.query(f"#{form_field.widget_id}-error")
        if found:
            box = found.first(Static)
            box.update(message)
        elif message:
            box = Static(message, id=f"{form_field.widget_id}-error", classes="field-error")
            row = self.query_one(f"#{form_field.widget_id}-row")
            row.parent.mount(box, after=row)
        else:
            return
        box.set_class(bool(message), "-shown")
        self.query_one(f"#{form_field.widget_id}").set_class(bool(message), "-invalid")

    def show_status(self, loose: list[str] | None = None) -> None:
        lines = []
        if self.errors:
            count = len(self.errors)
            lines.append(f"[red]{count} field{'s' * (count != 1)} to fix[/red]")
        lines += [f"[red]{m}[/red]" for m in loose or []]
        if self.queued_here:
            lines.append(f"{self.queued_here} queued from this form")
        lines.append("ctrl+s start · ctrl+q queue · esc cancel")
        self.query_one("#new-status", Static).update("\n".join(lines))

    # ---- actions ---------------------------------------------------------------------------

    def ready_config(self) -> Config | None:
        """The config to run, or None after pointing at what is wrong."""
        self.validate_all()
        if self.errors:
            first = next(f for f in FIELDS if f.key in self.errors)
            self.query_one(f"#{first.widget_id}").focus()
            self.notify(f"{first.label}: {self.errors[first.key]}", title="Fix this first",
                        severity="error")
            return None
        from seqtui.engine.training.preflight import preflight

        try:
            preflight(self.config)
        except BadInput as exc:
            # A dataset that cannot be read is the dataset (or test path) field's to show; the
            # rest (TF_CONFIG, SEQTUI_BACKGROUND_NICE) is the environment, no field of the form.
            if isinstance(exc, DataError):
                key = "data.test_path" if "--test-path" in str(exc) else "data.dataset"
                self.errors[key] = str(exc).split(": ", 1)[-1]
                form_field = field_for(key)
                if form_field is not None:
                    self.show_error(form_field, self.errors[key])
                    self.query_one(f"#{form_field.widget_id}").focus()
            self.notify(str(exc), title="Fix this first", severity="error")
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
            self.notify(str(exc), title="Could not start", severity="error")
            return
        self.app.scan_runs()
        self.app.pop_screen()
        self.app.open_dashboard(run_dir)

    def action_queue(self) -> None:
        config = self.ready_config()
        if config is None:
            return
        from seqtui.engine.runs.store import create_run
        from seqtui.tui.runqueue import enqueue

        try:
            run_dir = create_run(config, self.app.runs_dir)
            place = enqueue(run_dir)
        except (BadInput, OSError) as exc:
            self.notify(str(exc), title="Could not queue", severity="error")
            return
        self.queued_here += 1
        self.show_status()
        self.app.scan_runs()
        self.notify(f"{run_dir.name}: {place - 1} waiting ahead of it; queued runs train one at "
                    "a time. Change the form and ctrl+q again to queue another, or escape.",
                    title="Queued")

    def action_cancel(self) -> None:
        self.app.pop_screen()
