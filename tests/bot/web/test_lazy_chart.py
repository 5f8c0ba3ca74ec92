"""matplotlib is loaded on the first chart, not when the service and its web app start."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
import bot.service, bot.web.pages, bot.telegram.handlers
print("matplotlib" in sys.modules, "bot.charts.render" in sys.modules)
"""


def test_starting_the_service_does_not_import_matplotlib() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=True
    )

    assert result.stdout.split() == ["False", "False"]
