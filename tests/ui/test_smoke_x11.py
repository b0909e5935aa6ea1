"""The real app on a real X server (Xvfb through xvfb-run, Qt's xcb plugin: not offscreen).

Every other GUI test runs offscreen, which needs none of the X11 libraries a desktop needs; this
one starts `linkgraph gui --smoke` as a user would, on the sample case, and reads back what was
shown: the xcb platform, the window mapped on the display, a chart with entities drawn on it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("xvfb-run") is None,
                                reason="xvfb-run is not installed (Debian: apt-get install xvfb xauth)")


@pytest.mark.parametrize("screen", ["1366x768", "1920x1080"])
def test_the_app_starts_on_an_x_display_and_shows_the_chart(built_sample: Path, tmp_path: Path, screen: str) -> None:
    report = tmp_path / "smoke.json"
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    env["HOME"] = str(tmp_path)                      # the app's settings and log stay in this test
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    done = subprocess.run(
        ["xvfb-run", "-a", "-s", f"-screen 0 {screen}x24", sys.executable, "-m", "linkgraph", "gui",
         "--smoke", str(report), str(built_sample)],
        env=env, capture_output=True, text=True, timeout=240,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    shown = json.loads(report.read_text(encoding="utf-8"))
    width, height = (int(v) for v in screen.split("x"))
    assert shown["platform"] == "xcb"
    assert shown["window_visible"] and shown["window_exposed"]
    assert shown["window_size"][0] <= width and shown["window_size"][1] <= height      # fits the screen
    assert shown["entities_on_chart"] > 20 and shown["ties_on_chart"] > 20
    assert shown["chart_pixels_drawn"] > 0.02 * shown["chart_pixels"]                  # not a speck
    assert shown["labels_shown"] > 0
    assert shown["errors"] == []
    assert Path(shown["screenshot"]).stat().st_size > 10_000
