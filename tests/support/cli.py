"""The real `giftbot` console script, run as a shell would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

GIFTBOT = str(Path(sys.executable).with_name("giftbot"))
TOKEN = "123456:" + "A" * 35


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.isupper() or k in {"PATH", "HOME"}}
    clean.update(env)
    return subprocess.run(
        [GIFTBOT, *args], cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=60
    )
