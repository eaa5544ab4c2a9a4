"""The New experiment form's Layers editor: the stack as a list, keys to add, edit, remove and
move a layer, copy the preset's stack, and save the stack as a preset. Layers are typed in the
compact form (`conv1d(128,5)`), parsed by the engine's TensorFlow-free kinds module."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static

from seqtui.engine.errors import ConfigError
from seqtui.engine.models.kinds import KINDS, format_layer, format_layers, parse_layers

HINT = "a add · e edit · d remove · shift+↑↓ move · c copy preset · s save as preset"
# At 80 columns the editor is 23 cells wide: two lines (the help line below the form says every
# key in full while the editor has the focus).
SHORT_HINT = "a add · e edit · d del\nc copy · s save · ⇧↑↓"
FULL_HINT_WIDTH = 42  # from this width HINT takes two lines


class LayerList(OptionList):
    """The stack, one layer a line; up and down leave the list at its ends, as in the form."""

    BINDINGS = [
        Binding("a", "editor('add')", "Add layer", show=False, id="layers.add"),
        Binding("e,enter", "editor('edit')", "Edit layer", show=False, id="layers.edit"),
        Binding("d,delete", "editor('remove')", "Remove layer", show=False, id="layers.remove"),
        Binding("shift+up", "editor('up')", "Move up", show=False, id="layers.up"),
        Binding("shift+down", "editor('down')", "Move down", show=False, id="layers.down"),
        Binding("c", "editor('copy')", "Copy the preset's layers", show=False, id="layers.copy"),
        Binding("s", "editor('save')", "Save as preset", show=False, id="layers.save"),
    ]

    def action_editor(self, what: str) -> None:
        editor = next(a for a in self.ancestors if isinstance(a, LayersEditor))
        editor.command(what)

    def action_cursor_up(self) -> None:
        if self.highlighted in (None, 0):
            self.app.action_focus_previous()
        else:
            super().action_cursor_up()

    def action_cursor_down(self) -> None:
        if self.highlighted is None or self.highlighted >= self.option_count - 1:
            self.app.action_focus_next()
        else:
            super().action_cursor_down()


class LayerPrompt(Input):
    """Where a layer (or a preset's name) is typed; escape puts it away."""

    BINDINGS = [Binding("escape", "dismiss", "Cancel", show=False)]

    def action_dismiss(self) -> None:
        editor = next(a for a in self.ancestors if isinstance(a, LayersEditor))
        editor.close_prompt()


class LayersEditor(Vertical):
    """Edits a layer stack; posts Changed with the new stack (None: the preset's own)."""

    class Changed(Message):
        def __init__(self, editor: LayersEditor, layers: list[dict[str, Any]] | None) -> None:
            super().__init__()
            self.editor, self.stack = editor, layers

        @property
        def control(self) -> LayersEditor:
            return self.editor

    class Saved(Message):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(self, layers: list[dict[str, Any]] | None, preset_stack: list[dict[str, Any]],
                 preset: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stack: list[dict[str, Any]] = list(layers or [])
        self.preset_stack, self.preset = preset_stack, preset
        self.mode: str | None = None

    def compose(self) -> ComposeResult:
        yield LayerList(id="layers-list")
        yield LayerPrompt(id="layers-prompt", compact=True, classes="-hidden",
                          select_on_focus=False)
        yield Static(id="layers-message")

    def on_mount(self) -> None:
        self.redraw()

    def focus(self, scroll_visible: bool = True) -> LayersEditor:
        self.query_one(LayerList).focus(scroll_visible)
        return self

    # ---- drawing ---------------------------------------------------------------------------

    def redraw(self, keep: int | None = None) -> None:
        options = self.query_one(LayerList)
        options.clear_options()
        if self.stack:
            options.add_options([f"{i + 1}. {format_layer(layer)}"
                                 for i, layer in enumerate(self.stack)])
            options.highlighted = min(keep or 0, len(self.stack) - 1)
        else:
            options.add_option(f"preset {self.preset}: {format_layers(self.preset_stack)}")
            options.highlighted = 0
        self.say_hint()

    def say_hint(self) -> None:
        self.say(HINT if self.content_size.width >= FULL_HINT_WIDTH else SHORT_HINT)
        self._hinting = True

    def on_resize(self) -> None:
        if getattr(self, "_hinting", False):
            self.say_hint()

    def say(self, text: str, error: bool = False) -> None:
        self._hinting = False
        message = self.query_one("#layers-message", Static)
        message.update(text)
        message.set_class(error, "-error")

    def set_preset(self, preset: str, stack: list[dict[str, Any]],
                   layers: list[dict[str, Any]] | None) -> None:
        """A preset was chosen: its stack (a saved preset's layers, or none) replaces this."""
        self.preset, self.preset_stack = preset, stack
        self.stack = list(layers or [])
        self.redraw()

    # ---- commands --------------------------------------------------------------------------

    def command(self, what: str) -> None:
        current = self.query_one(LayerList).highlighted or 0
        if what == "add":
            self.open_prompt("add", "", f"a layer after {current + 1}, e.g. bigru(64); kinds: "
                             f"{', '.join(KINDS)}" if self.stack else "a layer, e.g. lstm(64)")
        elif what == "edit" and self.stack:
            self.open_prompt("edit", format_layer(self.stack[current]),
                             f"layer {current + 1}: enter to keep, escape to cancel")
        elif what == "remove" and self.stack:
            del self.stack[current]
            self.changed(max(current - 1, 0))
        elif what in ("up", "down") and self.stack:
            target = current + (-1 if what == "up" else 1)
            if 0 <= target < len(self.stack):
                self.stack[current], self.stack[target] = self.stack[target], \
                    self.stack[current]
                self.changed(target)
        elif what == "copy":
            self.stack = [dict(layer) for layer in self.preset_stack]
            self.changed(0)
        elif what == "save":
            if not (self.stack or self.preset_stack):
                self.say("nothing to save: add a layer first", error=True)
            else:
                self.open_prompt("save", "", "the new preset's name (letters, digits, . _ -)")

    def open_prompt(self, mode: str, value: str, placeholder: str) -> None:
        self.mode = mode
        prompt = self.query_one(LayerPrompt)
        prompt.value, prompt.placeholder = value, placeholder
        prompt.remove_class("-hidden")
        prompt.focus()

    def close_prompt(self) -> None:
        self.mode = None
        self.query_one(LayerPrompt).add_class("-hidden")
        self.query_one(LayerList).focus()

    @on(Input.Submitted, "#layers-prompt")
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        current = self.query_one(LayerList).highlighted or 0
        if self.mode == "save":
            self.save(text)
            return
        try:
            parsed = parse_layers(text)
        except ConfigError as exc:
            self.say(str(exc), error=True)
            return
        if self.mode == "edit" and self.stack:
            self.stack[current:current + 1] = parsed
            at = current
        else:
            at = current + 1 if self.stack else 0
            self.stack[at:at] = parsed
        self.close_prompt()
        self.changed(at)

    @on(Input.Changed, "#layers-prompt")
    def typing(self, event: Input.Changed) -> None:
        event.stop()  # the form's fields are not this input

    def save(self, name: str) -> None:
        from seqtui.engine.models.userpresets import save_preset

        try:
            path = save_preset(name, self.stack or self.preset_stack)
        except (ConfigError, OSError) as exc:
            self.say(str(exc), error=True)
            return
        self.close_prompt()
        self.say(f"saved preset {name} in {path.parent}")
        self.post_message(self.Saved(name))

    def changed(self, keep: int) -> None:
        self.redraw(keep)
        self.post_message(self.Changed(self, list(self.stack) or None))
