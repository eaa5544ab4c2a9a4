"""Screens kept and shown again (the New experiment form, Help, dashboards): shown without
restyling every node when nothing their styles depend on changed, restyled when something did,
and in both cases styled exactly as a full restyle styles them."""

from __future__ import annotations

import pytest

from helpers import wait_until
from seqtui.tui.screens.dashboard import DashboardScreen
from seqtui.tui.screens.help import HelpScreen
from seqtui.tui.screens.new import NewExperimentScreen

pytestmark = pytest.mark.anyio


def styles_of(screen) -> dict[int, tuple[str, ...]]:
    """Every node's computed CSS declarations (the stylesheet's, not inline ones)."""
    return {id(node): tuple(node._css_styles.css_lines)
            for node in screen.walk_children(with_self=True)}


def restyled(screen) -> dict[int, tuple[str, ...]]:
    """The same after Textual restyles every node of the screen from the stylesheet."""
    screen.app.update_styles(screen, animate=False)
    return styles_of(screen)


@pytest.fixture
def full_restyles(monkeypatch):
    """The screens Textual restyled whole since the fixture started, by class name."""
    from textual.app import App

    seen: list[str] = []
    original = App.update_styles

    def update_styles(self, node, animate: bool = True) -> None:
        seen.append(type(node).__name__)
        original(self, node, animate=animate)

    monkeypatch.setattr(App, "update_styles", update_styles)
    return seen


async def open_and_close(pilot, key: str, screen_class) -> None:
    await pilot.press(key)
    await pilot.pause()
    assert isinstance(pilot.app.screen, screen_class)
    await pilot.press("escape")
    await pilot.pause()


async def test_kept_screens_shown_again_are_not_restyled_and_their_styles_hold(
        runs, make_app, full_restyles):
    runs.finished("2026-01-01_090000_gap", preset="gap")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        # Built while the user is idle on the first screen, as the app does.
        await wait_until(pilot, lambda: app.is_screen_installed("new")
                         and app.get_screen("new").is_mounted)
        # A dashboard and Help bring CSS the form has never used (tabs, plots, modal screens).
        await open_and_close(pilot, "n", NewExperimentScreen)
        await open_and_close(pilot, "enter", DashboardScreen)
        await open_and_close(pilot, "question_mark", HelpScreen)
        full_restyles.clear()
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, NewExperimentScreen)
        assert "NewExperimentScreen" not in full_restyles
        assert styles_of(form) == restyled(form)
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen) and "HelpScreen" not in full_restyles
        assert styles_of(app.screen) == restyled(app.screen)
        await pilot.press("escape", "enter")  # a kept dashboard, shown again
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert "DashboardScreen" not in full_restyles
        assert styles_of(app.screen) == restyled(app.screen)


async def test_kept_screens_are_restyled_after_a_theme_or_size_change(runs, make_app,
                                                                     full_restyles):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_and_close(pilot, "n", NewExperimentScreen)
        form = app.get_screen("new")
        dark = styles_of(form)
        app.theme = "textual-light"  # from the Runs screen: the form is not on the stack
        await pilot.pause()
        full_restyles.clear()
        await pilot.press("n")
        await pilot.pause()
        assert "NewExperimentScreen" in full_restyles
        light = styles_of(form)
        assert light != dark and light == restyled(form)

        await pilot.press("escape")
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        full_restyles.clear()
        await pilot.press("n")
        await pilot.pause()
        assert "NewExperimentScreen" in full_restyles
        assert styles_of(form) == restyled(form)
