"""The New experiment form's widgets: the scroller and choice field (keyboard first, menus opened
inside the form), and the label and input each field is shown with."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.css.query import NoMatches
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select

from seqtui.engine.config import DEFAULT_UNITS, PRESETS, Config
from seqtui.tui.formfields import DATASET_SUGGESTIONS, LABEL_WIDTH, FormField
from seqtui.tui.widgets.layers_editor import LayersEditor


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


def preset_choices(current: str) -> list[str]:
    """Built-in presets, then saved ones (and the current value, so the select can show it)."""
    from seqtui.engine.models.userpresets import saved_presets

    names = list(PRESETS) + [p.name for p in saved_presets() if p.name not in PRESETS]
    return names if current in names or not current else [*names, current]


def label_widget(text: str) -> Label:
    """A field's label, in the form's label column."""
    label = Label(text, classes="field-label")
    label.styles.width = LABEL_WIDTH
    return label


def field_widget(form_field: FormField, config: Config) -> Widget:
    """The input a field is edited with, showing the config's value."""
    value = form_field.text_of(config)
    if form_field.key == "model.layers":
        return LayersEditor(config.model.layers, preset_stack(config), config.model.preset,
                            id=form_field.widget_id)
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
    return Input(value=value, placeholder=placeholder(form_field, config), compact=True,
                 id=form_field.widget_id, tooltip=form_field.help, suggester=suggester)


def placeholder(form_field: FormField, config: Config) -> str:
    """What leaving a field empty means, where it means something."""
    if form_field.key == "model.units":
        units = DEFAULT_UNITS.get(config.model.preset, [])
        return f"default: {','.join(map(str, units))}" if units else "none for this preset"
    if form_field.key == "name":
        return f"default: {config.model.preset}"
    return "default" if form_field.key.endswith(("subset", "max_length")) else ""


def preset_stack(config: Config) -> list[dict[str, Any]]:
    """The chosen preset's own stack, for the editor to show and copy."""
    from seqtui.engine.models.presets import preset_layers

    m = config.model
    if m.preset in PRESETS:
        return preset_layers(m.preset, config.units, m.dense_units, m.dropout, m.kernel_size)
    return list(m.layers or [])
