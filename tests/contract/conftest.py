"""The bundled demo ledger, loaded for the contract tests (they speak to it as a client would)."""

from __future__ import annotations

import pytest

from drawbridge.bootstrap import Runtime
from drawbridge.cli import demo_fixture_text
from drawbridge.services import fixtures


@pytest.fixture
def demo(runtime: Runtime) -> Runtime:
    fixtures.load_fixture_text(runtime.uow(), demo_fixture_text())
    return runtime
