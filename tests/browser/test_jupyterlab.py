"""Notebook 02 in a real JupyterLab, driven through Chromium: run every cell, move the backward
step widget's slider, and see the drawing and its caption follow to the chosen step; then check
that in JupyterLab's own layout at 1,280 px every output and drawing fits, text readable and in
its boxes.

The server runs on 127.0.0.1 with a random token and a free port, with its own settings and
runtime folders, on a copy of the notebook (the committed one is never touched); every wait is
bounded and the server is always stopped.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .browser_pages import ROOT, WINDOW_WIDTH, measure_page, report

NOTEBOOK = ROOT / "notebooks" / "02_computation_graphs_and_backward.ipynb"
SERVER_START = 120.0  # seconds for JupyterLab to answer (a cold start on a busy 2-core machine)
PAGE_LOAD = 120_000  # milliseconds for JupyterLab's page to open the notebook
RUN_ALL = 240_000  # milliseconds for the notebook's cells to run
UPDATE = 30_000  # milliseconds for the widget to show a new step
CAPTION = re.compile(r"step (\d+) of (\d+): (\S+)")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("font_set", ["dejavu"], indirect=True),  # once: DejaVu, the usual case
]


def free_port() -> int:
    """A TCP port nothing listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Server:
    """A running JupyterLab: where it is and the token that opens it."""

    url: str
    token: str


def wait_until_up(process: subprocess.Popen[bytes], status_url: str, log: Path) -> None:
    """Poll the server's status API until it answers, the process dies, or time runs out."""
    deadline = time.monotonic() + SERVER_START
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"jupyter lab exited with code {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(status_url, timeout=5) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    pytest.fail(f"jupyter lab did not answer within {SERVER_START:.0f} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def jupyter_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """JupyterLab serving a copy of notebook 02, its kernel importing this checkout's package."""
    pytest.importorskip(
        "jupyterlab", reason="JupyterLab is in the dev extra: pip install -e '.[dev]'"
    )
    pytest.importorskip("ipywidgets", reason="ipywidgets is in the dev extra")
    pytest.importorskip("graphviz", reason="notebook 02 draws: graphviz is in the dev extra")
    home = tmp_path_factory.mktemp("jupyter")
    work = home / "notebooks"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    # no "get notified about Jupyter news?" pop-up over the page, and every cell laid out (no
    # windowing), so the layout of cells far down the notebook can be measured too
    settings = {
        "apputils-extension/notification": '{"fetchNews": "false"}',
        "notebook-extension/tracker": '{"windowingMode": "none"}',
    }
    for name, value in settings.items():
        path = home / "settings" / "@jupyterlab" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value, encoding="utf-8")
    port, token = free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
    }
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        "--port-retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: run commands, not menus
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # CI containers run as root
    log = home / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(process, f"{url}/api/status?token={token}", log)
        yield Server(url, token)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


def highlighted_labels(drawing: Any) -> list[str]:
    """The bold labels of the nodes a step drawing highlights (the node being processed)."""
    from autograd_engine.viz.nodes import HIGHLIGHT

    labels: list[str] = drawing.evaluate(
        """(svg, colour) => [...svg.querySelectorAll('g.node')]
            .filter((node) => [...node.querySelectorAll('polygon, ellipse, path')]
                .some((shape) => (shape.getAttribute('fill') || '').toLowerCase() === colour))
            .flatMap((node) => [...node.querySelectorAll('text[font-weight="bold"]')])
            .map((text) => text.textContent.trim())""",
        HIGHLIGHT.lower(),
    )
    return labels


@pytest.fixture(scope="module")
def notebook_in_lab(
    jupyter_lab: Server, browser: Any, screenshot: Callable[[Any, str], None]
) -> Iterator[Any]:
    """Notebook 02 open in JupyterLab at a 1,280 px window, every cell run, no cell failing."""
    page = browser.new_page(viewport={"width": WINDOW_WIDTH, "height": 900})
    page.set_default_timeout(UPDATE)
    try:
        page.goto(
            f"{jupyter_lab.url}/lab/tree/{NOTEBOOK.name}?token={jupyter_lab.token}",
            timeout=PAGE_LOAD,
        )
        page.wait_for_function(
            """() => window.jupyterapp && window.jupyterapp.shell.currentWidget &&
                window.jupyterapp.shell.currentWidget.sessionContext &&
                window.jupyterapp.shell.currentWidget.sessionContext.session &&
                window.jupyterapp.shell.currentWidget.sessionContext.session.kernel""",
            timeout=PAGE_LOAD,
        )
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        # done when every code cell has its execution number and the kernel is idle again
        page.wait_for_function(
            """() => {
                const panel = window.jupyterapp.shell.currentWidget;
                const cells = panel.content.model.cells;
                let done = true;
                for (let i = 0; i < cells.length; i++) {
                    const cell = cells.get(i);
                    if (cell.type === 'code' && !cell.executionCount) done = false;
                }
                return done && panel.sessionContext.session.kernel.status === 'idle';
            }""",
            timeout=RUN_ALL,
        )
        errors = page.locator("[data-mime-type='application/vnd.jupyter.stderr']")
        assert errors.count() == 0, "a cell wrote an error: " + " / ".join(errors.all_inner_texts())
        yield page
    finally:
        screenshot(page, "jupyterlab-02")
        page.close()


def test_backward_stepper_widget_follows_its_slider_in_jupyterlab(notebook_in_lab: Any) -> None:
    from playwright.sync_api import expect

    page = notebook_in_lab
    stepper = page.locator(".widget-vbox", has=page.locator(".widget-slider")).last
    stepper.scroll_into_view_if_needed()
    readout = stepper.locator(".widget-readout")
    caption = stepper.locator("pre")
    drawing = stepper.locator("svg").first
    drawing.wait_for()

    # before moving: step 1, counted from 1 everywhere
    first = CAPTION.search(caption.inner_text())
    assert first is not None, f"no step caption under the slider: {caption.inner_text()!r}"
    total = int(first[2])
    assert (readout.inner_text().strip(), first[1]) == ("1", "1"), (
        f"the slider reads {readout.inner_text().strip()} and the caption says step "
        f"{first[1]}: both should start at step 1"
    )

    def shows_step(k: int, before: str) -> None:
        """Wait for the widget to show step ``k``, then check caption and drawing agree."""
        # the widget replaces its caption's element: wait through the locator, not an element
        expect(caption).to_contain_text(f"step {k} of {total}", timeout=UPDATE)
        shown = CAPTION.search(caption.inner_text())
        assert shown is not None
        assert (int(shown[1]), int(shown[2])) == (k, total)
        assert readout.inner_text().strip() == str(k)
        # the drawing is rendered after the caption is set: give it the same time to follow
        deadline = time.monotonic() + UPDATE / 1000
        while drawing.evaluate("svg => svg.outerHTML") == before and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        assert drawing.evaluate("svg => svg.outerHTML") != before, (
            f"the drawing did not change when the slider moved to step {k}"
        )
        named = set(re.findall(r"step (\d+) of (\d+)", drawing.text_content()))
        assert named <= {(str(k), str(total))}, f"the drawing is captioned with steps {named}"
        # the node the caption names is the node the drawing highlights
        highlighted = highlighted_labels(drawing)
        assert shown[3] in highlighted, (
            f"caption names {shown[3]!r}, drawing highlights {highlighted}"
        )

    # typed into the slider's readout: a step in the middle
    chosen = (total + 1) // 2 + 1
    before = drawing.evaluate("svg => svg.outerHTML")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(str(chosen))
    page.keyboard.press("Enter")
    shows_step(chosen, before)

    # the slider's handle moved one step back with the keyboard
    before = drawing.evaluate("svg => svg.outerHTML")
    stepper.locator(".noUi-handle").focus()
    page.keyboard.press("ArrowLeft")
    shows_step(chosen - 1, before)


def test_notebook_02_in_jupyterlab_fits_a_1280_px_window_without_scrolling_sideways(
    browser: Any, notebook_in_lab: Any
) -> None:
    """JupyterLab's own layout (the file browser open, as it first opens): outputs, the static
    drawings and the widget's drawing all fit, with text at least 9 px high inside its boxes."""
    problems, _ = measure_page(browser, notebook_in_lab, ".jp-Notebook")
    found = [p for claim in ("width", "textSize", "textInBox", "images") for p in problems[claim]]
    assert not found, report(f"{NOTEBOOK.name} in JupyterLab", found)
