"""The web pages' tests run against the demo ledger (its users have passwords), with a
20-line contract added (tests/web/clinic.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from drawbridge.api.app import create_app
from drawbridge.bootstrap import Runtime
from drawbridge.services import fixtures, pay_apps
from drawbridge.services.pay_apps import CreatePayApp
from tests.support import standard_actor
from tests.web.helpers import AUGUST, CONTRACT, demo_with_clinic


@pytest.fixture
def demo(runtime: Runtime) -> Runtime:
    """The demo ledger and, for the web pages' walk-through, the clinic's 20-line contract."""
    fixtures.load_fixture_text(runtime.uow(), demo_with_clinic())
    return runtime


@pytest.fixture
def web(demo: Runtime) -> Iterator[TestClient]:
    """A browser-like client on the demo, with a draft application 1 on the 20-line contract."""
    pay_apps.create_pay_app(
        demo.uow(),
        standard_actor(1),
        CreatePayApp(contract_id=CONTRACT, header={"period_id": AUGUST}),
    )
    with TestClient(create_app(demo)) as client:
        yield client
