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

needs_xvfb = pytest.mark.skipif(shutil.which("xvfb-run") is None,
                                reason="xvfb-run is not installed (Debian: apt-get install xvfb xauth)")


@needs_xvfb
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


def test_missing_x11_libraries_are_named_by_their_debian_package(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """Qt itself only aborts ("could not load the Qt platform plugin xcb"); `linkgraph gui` says what to install."""
    pytest.importorskip("PySide6")
    import ctypes

    from linkgraph.cli import main
    from ui import app as ui_app

    real = ctypes.CDLL

    def without_icccm(name, *args, **kwargs):
        if name in ("libxcb-icccm.so.4", "libxcb-keysyms.so.1"):
            raise OSError(f"{name}: cannot open shared object file")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(ctypes, "CDLL", without_icccm)
    monkeypatch.setattr(sys, "platform", "linux")
    env = {"DISPLAY": ":0"}
    assert ui_app.missing_system_packages(env) == ["libxcb-icccm4", "libxcb-keysyms1"]
    assert ui_app.missing_system_packages({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}) == []
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    assert main(["gui"]) == 1
    err = capsys.readouterr().err
    assert "Qt's xcb plugin needs system libraries that are missing" in err
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1" in err
