"""Command-line tools the document tests read PDFs with (poppler's pdftotext and pdftoppm).

Missing on a developer's machine, the tests that need them are skipped with a note. Under CI
(CI=true) a missing tool is installed with apt-get, and if that fails the test fails: the PDF
checks are never silently left out of a build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

PACKAGE = "poppler-utils"  # Debian's package of pdftotext and pdftoppm
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def require(tool: str) -> str:
    """The path of ``tool``, installing it under CI; skips (locally) or fails (CI) without it."""
    found = shutil.which(tool)
    if found:
        return found
    in_ci = os.environ.get("CI", "").lower() == "true"
    if not in_ci:
        pytest.skip(f"{tool} is not installed (apt-get install {PACKAGE}); CI=true requires it")
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    for command in (
        [*sudo, "apt-get", "update", "-qq"],
        [*sudo, "apt-get", "install", "-y", "-qq", PACKAGE],
    ):
        subprocess.run(command, check=False, capture_output=True, timeout=600)
    found = shutil.which(tool)
    if not found:
        pytest.fail(f"{tool} is required under CI and apt-get could not install {PACKAGE}")
    return found


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text laid out as on the page (pdftotext -layout); pages split by form feeds."""
    source = tmp_path / "document.pdf"
    source.write_bytes(pdf)
    completed = subprocess.run(
        [require("pdftotext"), "-layout", str(source), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return completed.stdout


def render_first_page(pdf: bytes, tmp_path: Path, name: str, *, resolution: int = 100) -> Path:
    """Page 1 rendered to ``artifacts/<name>.png`` (kept after the run, ignored by git)."""
    source = tmp_path / "document.pdf"
    source.write_bytes(pdf)
    ARTIFACTS.mkdir(exist_ok=True)
    prefix = ARTIFACTS / name
    subprocess.run(
        [
            require("pdftoppm"),
            "-png",
            "-r",
            str(resolution),
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(source),
            str(prefix),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return prefix.with_suffix(".png")
