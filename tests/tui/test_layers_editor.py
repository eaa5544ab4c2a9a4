"""The New experiment screen's Layers editor, driven by the keyboard through Pilot: copy the
preset's stack, add, edit, move and remove layers, an invalid stack explained inline, the
preview following every change, and "save as preset"."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from seqtui.engine.models.kinds import format_layers
from seqtui.engine.models.summary import summarize
from seqtui.engine.models.userpresets import load_preset
from seqtui.tui.widgets.layers_editor import LayersEditor
from seqtui.tui.widgets.model_preview import ModelPreview

pytestmark = pytest.mark.anyio


def preview(app, shown) -> str:
    widget = app.screen.query_one(ModelPreview)
    return f"{shown(widget)} {widget.border_subtitle}"


def error_under_layers(app, shown) -> str:
    found = app.screen.query("#field-model-layers-error")
    return shown(found.first()).strip() if found else ""


async def open_editor(pilot) -> LayersEditor:
    await pilot.press("n")
    editor = pilot.app.screen.query_one(LayersEditor)
    editor.focus()
    await pilot.pause()
    return editor


async def test_the_stack_is_edited_by_keyboard_and_the_preview_follows(runs, make_app, shown):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        editor = await open_editor(pilot)
        # Without the default dropout the preset's stack is its two layers, easy to move about.
        app.screen.query_one("#field-model-dropout").value = "0"
        await pilot.pause()
        editor.focus()
        await pilot.pause()
        config = app.screen.config
        before = summarize(config).total_params
        await pilot.press("c")  # the preset's own stack, to change
        assert format_layers(editor.stack) == "bilstm(64) dense(64)"
        assert config.model.layers == editor.stack
        assert f"{before:,}" in preview(app, shown)  # the same model, now as a stack

        await pilot.press("a", *"conv1d(32,3)", "enter")  # after layer 1: under the dense head
        await pilot.press("shift+up", "shift+up")  # ... moved to the bottom of the stack
        assert format_layers(editor.stack) == "conv1d(32, 3) bilstm(64) dense(64)"
        assert f"{summarize(config).total_params:,}" in preview(app, shown)
        assert "Conv1D" in preview(app, shown) and "Masked" not in preview(app, shown)

        await pilot.press("down", "e", "ctrl+u", *"bigru(16)", "enter")
        assert format_layers(editor.stack) == "conv1d(32, 3) bigru(16) dense(64)"
        assert f"{summarize(config).total_params:,}" in preview(app, shown)

        await pilot.press("d")
        assert format_layers(editor.stack) == "conv1d(32, 3) dense(64)"
        assert "ends with a sequence" in error_under_layers(app, shown)
        assert "No preview" in preview(app, shown)
        await pilot.press("a", *"globalmax", "enter")
        assert format_layers(editor.stack) == "conv1d(32, 3) globalmax dense(64)"
        assert error_under_layers(app, shown) == ""
        assert f"{summarize(config).total_params:,}" in preview(app, shown)


async def test_a_bad_layer_is_explained_in_the_editor(runs, make_app, shown):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        editor = await open_editor(pilot)
        await pilot.press("a", *"lstmm(8)", "enter")
        message = shown(app.screen.query_one("#layers-message")).strip()
        assert "unknown layer kind 'lstmm' (did you mean 'lstm'?)" in message
        assert editor.stack == []  # nothing half-added
        await pilot.press("escape")  # the prompt goes away; the screen stays
        assert app.screen.query_one(LayersEditor) is editor
        assert app.focused.id == "layers-list"


async def test_save_as_preset_and_choose_it(runs, make_app, shown):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        editor = await open_editor(pilot)
        await pilot.press("a", *"conv1d(16,3) bigru(8) dense(8)", "enter")
        await pilot.press("s", *"cnn-gru", "enter")
        saved = load_preset("cnn-gru")
        assert saved is not None and saved.compact == "conv1d(16, 3) bigru(8) dense(8)"
        assert Path(os.environ["SEQTUI_PRESETS_DIR"]) == saved.path.parent
        assert app.screen.query_one("#field-model-preset").value == "cnn-gru"
        # Another preset empties the editor; the saved one fills it again.
        app.screen.query_one("#field-model-preset").value = "lstm"
        await pilot.pause()
        assert editor.stack == [] and app.screen.config.model.layers is None
        app.screen.query_one("#field-model-preset").value = "cnn-gru"
        await pilot.pause()
        assert format_layers(editor.stack) == "conv1d(16, 3) bigru(8) dense(8)"
        assert "BiGRU" in preview(app, shown)
    saved.path.unlink()


async def test_at_80_columns_the_editors_hint_takes_two_lines_and_the_help_line_every_key(
        runs, make_app, shown):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        app.screen.query_one("#field-model-layers").focus()
        await pilot.pause()
        message = app.screen.query_one("#layers-message")
        assert message.size.height <= 2 and "a add" in shown(message)
        help_line = app.screen.query_one("#field-help")
        text = " ".join(shown(help_line).split())
        assert help_line.size.height <= 2 and text.endswith("s save as a preset")
        assert "shift+↑↓ move" in text
