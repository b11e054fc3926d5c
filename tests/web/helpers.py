"""Signing in to the web pages from a test client, and reading the CSRF token of a page."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from fastapi.testclient import TestClient

from drawbridge.cli import demo_fixture_text

CONTRACTOR = ("marco.ruiz@granitepeak.test", "demo-standard-password")  # standard member
APPROVER = ("dana.whitfield@granitepeak.test", "demo-admin-password")  # admin
VIEWER = ("priya.shah@granitepeak.test", "demo-readonly-password")  # read-only member
CONTRACT = 760001  # the 20-line interiors subcontract, not billed in the demo
AUGUST = 760011  # its billing period for August 2025
DRAFT_NUMBER = 1  # the draft the web tests start on it

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, who: tuple[str, str]) -> str:
    """Sign in through the form; returns the session's CSRF token (from the next page)."""
    page = client.get("/app/sign-in")
    assert page.status_code == 200
    answer = client.post(
        "/app/sign-in",
        data={"email": who[0], "password": who[1], "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    projects = client.get("/app/projects")
    assert projects.status_code == 200
    return csrf_of(projects.text)


def demo_with_clinic() -> str:
    """The demo fixture with the clinic fit-out (tests/web/clinic.yaml) added to company 1."""
    document = yaml.safe_load(demo_fixture_text())
    clinic = yaml.safe_load((Path(__file__).parent / "clinic.yaml").read_text("utf-8"))
    company = document["companies"][0]
    company["parties"].extend(clinic["parties"])
    company["projects"].extend(clinic["projects"])
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
