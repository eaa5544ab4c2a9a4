"""Predict: type a sentence, see the label and score from a finished run's model.

TensorFlow never loads in the TUI: one helper process (`seqtui predict RUN --json`, reading one
text a line from its stdin) loads the model once and answers each sentence; it ends with the
screen.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, RichLog, Static

from seqtui.tui.widgets.key_bar import KeyBar


class PredictAnswer(Message):
    """The helper's answer to one sentence, or why there is none."""

    def __init__(self, answer: dict | None, error: str = "") -> None:
        super().__init__()
        self.answer = answer
        self.error = error


class PredictScreen(Screen):
    """Enter sends the sentence; escape goes back and ends the helper process."""

    BINDINGS = [
        Binding("escape", "back", "Back", tooltip="Back to the runs list", id="predict.back"),
    ]

    def __init__(self, run_dir: Path) -> None:
        super().__init__()
        self.run_dir = Path(run_dir)
        self.helper: subprocess.Popen[str] | None = None
        self.waiting = False

    def compose(self) -> ComposeResult:
        yield Static(f"[b]Predict [/b]with {self.run_dir.name}", id="predict-title")
        yield Input(placeholder="type a sentence and press enter", id="predict-input")
        yield Static("", id="predict-status")
        yield RichLog(id="predict-answers", wrap=True, markup=False, highlight=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#predict-input", Input).focus()

    @on(Input.Submitted, "#predict-input")
    def submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text or self.waiting:
            return
        self.waiting = True
        first = self.helper is None
        self.query_one("#predict-status", Static).update(
            "loading the model (TensorFlow starts in a helper process)…" if first
            else "thinking…")
        self.ask(text)

    @work(thread=True, group="predict", exit_on_error=False)
    def ask(self, text: str) -> None:
        try:
            if self.helper is None:
                self.helper = subprocess.Popen(
                    [sys.executable, "-m", "seqtui", "predict", str(self.run_dir), "--json"],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    text=True, bufsize=1,
                    env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
            assert self.helper.stdin is not None and self.helper.stdout is not None
            self.helper.stdin.write(text.replace("\n", " ") + "\n")
            self.helper.stdin.flush()
            line = self.helper.stdout.readline()
        except (OSError, BrokenPipeError) as exc:
            self.post_message(PredictAnswer(None, f"predict helper failed: {exc}"))
            return
        if not line:
            self.post_message(PredictAnswer(None, self._helper_error()))
            return
        try:
            self.post_message(PredictAnswer(json.loads(line)))
        except json.JSONDecodeError:
            self.post_message(PredictAnswer(None, line.strip()))

    def _helper_error(self) -> str:
        """The helper's last stderr line: the one-line reason `seqtui predict` gives."""
        helper, self.helper = self.helper, None
        if helper is None:
            return "predict helper is gone"
        try:
            _, err = helper.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            helper.kill()
            return "predict helper did not answer"
        lines = [line for line in (err or "").splitlines() if line.strip()]
        return lines[-1] if lines else f"predict helper exited with status {helper.returncode}"

    @on(PredictAnswer)
    def answered(self, message: PredictAnswer) -> None:
        self.waiting = False
        status = self.query_one("#predict-status", Static)
        if message.answer is None:
            status.update(Text(message.error, style="red"))
            return
        answer = message.answer
        status.update("")
        line = Text()
        line.append(f"{answer.get('label')}", style="bold")
        probability = answer.get("probability")
        if isinstance(probability, int | float):
            line.append(f"  {probability:.3f}")
        line.append(f"  {answer.get('text', '')}", style="dim")
        self.query_one("#predict-answers", RichLog).write(line)
        self.query_one("#predict-input", Input).value = ""

    def action_back(self) -> None:
        self.app.pop_screen()

    def on_unmount(self) -> None:
        self.stop_helper()

    def stop_helper(self) -> None:
        helper, self.helper = self.helper, None
        if helper is not None and helper.poll() is None:
            try:
                if helper.stdin:
                    helper.stdin.close()  # end of input: the helper exits by itself
                helper.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                helper.kill()
