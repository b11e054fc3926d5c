"""Signing in to the web pages from a test client, and reading the CSRF token of a page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

CONTRACTOR = ("alex.moreno@granitepeak.test", "demo-contractor-password")
APPROVER = ("jordan.lee@granitepeak.test", "demo-approver-password")
VIEWER = ("riley.chen@granitepeak.test", "demo-viewer-password")
CONTRACT = 760001  # the 20-line interiors subcontract
DRAFT_NUMBER = 2

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
