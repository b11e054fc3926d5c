"""Signing in and out, session cookies, expiry and CSRF, over HTTP."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from drawbridge.bootstrap import Runtime
from drawbridge.domain.rules import Role
from drawbridge.services import auth
from drawbridge.store.models import WebSession
from drawbridge.store.types import utcnow
from tests.support import admin_actor
from tests.web.helpers import APPROVER, CONTRACTOR, VIEWER, csrf_of, sign_in


def test_the_address_without_a_slash_leads_to_the_pages(web: TestClient) -> None:
    answer = web.get("/app", follow_redirects=True)
    assert answer.status_code == 200
    assert "Sign in" in answer.text


def test_pages_need_a_session(web: TestClient) -> None:
    answer = web.get("/app/projects", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/app/sign-in?next=/app/projects"


def test_a_write_without_a_session_is_refused_before_its_body_is_read(web: TestClient) -> None:
    answer = web.post("/app/pay-applications/1/status", data={"move": "submit"})
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("text/html")
    assert "Please sign in" in answer.text


def test_sign_in_sets_an_http_only_same_site_cookie(web: TestClient) -> None:
    page = web.get("/app/sign-in")
    answer = web.post(
        "/app/sign-in",
        data={
            "email": CONTRACTOR[0],
            "password": CONTRACTOR[1],
            "csrf_token": csrf_of(page.text),
            "next": "/app/projects/760000",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/app/projects/760000"
    cookie = next(
        value
        for value in answer.headers.get_list("set-cookie")
        if value.startswith("drawbridge_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http here
    assert "Marco Ruiz" in web.get("/app/projects").text


def test_the_cookie_is_secure_over_https(demo: Runtime) -> None:
    from drawbridge.api.app import create_app

    with TestClient(create_app(demo), base_url="https://testserver") as client:
        page = client.get("/app/sign-in")
        answer = client.post(
            "/app/sign-in",
            data={
                "email": CONTRACTOR[0],
                "password": CONTRACTOR[1],
                "csrf_token": csrf_of(page.text),
            },
            follow_redirects=False,
        )
    cookie = next(
        value
        for value in answer.headers.get_list("set-cookie")
        if value.startswith("drawbridge_session=")
    )
    assert "Secure" in cookie


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    web: TestClient,
) -> None:
    page = web.get("/app/sign-in")
    for email, password in ((CONTRACTOR[0], "not-the-password"), ("nobody@x.test", "whatever12")):
        answer = web.post(
            "/app/sign-in",
            data={"email": email, "password": password, "csrf_token": csrf_of(page.text)},
        )
        assert answer.status_code == 401
        assert "the email or password is not right" in answer.text
        assert "drawbridge_session" not in web.cookies
    # A user without a password (an API-only user) cannot sign in either.
    answer = web.post(
        "/app/sign-in",
        data={
            "email": "dana.whitfield@granitepeak.test",
            "password": "anything-at-all",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert answer.status_code == 401


def test_the_sign_in_form_needs_its_csrf_token(web: TestClient) -> None:
    web.get("/app/sign-in")
    answer = web.post(
        "/app/sign-in",
        data={"email": CONTRACTOR[0], "password": CONTRACTOR[1], "csrf_token": "forged"},
    )
    assert answer.status_code == 403
    assert "drawbridge_session" not in web.cookies


def test_sign_in_sends_only_to_pages_of_this_site(web: TestClient) -> None:
    page = web.get("/app/sign-in")
    answer = web.post(
        "/app/sign-in",
        data={
            "email": APPROVER[0],
            "password": APPROVER[1],
            "csrf_token": csrf_of(page.text),
            "next": "https://elsewhere.test/",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/app/projects"


def test_sign_out_ends_the_session(web: TestClient) -> None:
    csrf = sign_in(web, VIEWER)
    cookie = web.cookies["drawbridge_session"]
    answer = web.post("/app/sign-out", data={"csrf_token": csrf}, follow_redirects=False)
    assert answer.status_code == 303
    web.cookies.clear()
    web.cookies["drawbridge_session"] = cookie  # the old cookie, replayed
    assert web.get("/app/projects", follow_redirects=False).status_code == 303


def test_sign_out_needs_the_csrf_token(web: TestClient) -> None:
    sign_in(web, VIEWER)
    assert web.post("/app/sign-out", data={"csrf_token": "forged"}).status_code == 403
    assert web.get("/app/projects").status_code == 200


def test_an_expired_session_is_refused(web: TestClient, demo: Runtime) -> None:
    csrf = sign_in(web, CONTRACTOR)
    with demo.engine.begin() as connection:
        connection.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert web.get("/app/projects", follow_redirects=False).status_code == 303
    answer = web.post("/app/sign-out", data={"csrf_token": csrf})
    assert answer.status_code == 401
    assert "expired" in answer.text


def test_each_session_has_its_own_csrf_token(web: TestClient, demo: Runtime) -> None:
    from drawbridge.api.app import create_app

    first = sign_in(web, CONTRACTOR)
    with TestClient(create_app(demo)) as other:
        second = sign_in(other, CONTRACTOR)
        assert first != second
        # The other browser's token does not pass in this one.
        assert web.post("/app/sign-out", data={"csrf_token": second}).status_code == 403


def test_a_member_of_two_companies_switches_between_them(web: TestClient, demo: Runtime) -> None:
    # Dana, admin of Granite Peak (1), also joins Harbor Line Electric (2) as a standard member.
    auth.add_member(demo.uow(), admin_actor(2), email=APPROVER[0], role=Role.STANDARD)
    csrf = sign_in(web, APPROVER)
    page = web.get("/app/projects").text
    assert 'name="company_id"' in page
    assert "Harbor Line Electric" in page
    assert "Dimensions - Berkeley Technology Inc" in page  # company 1's projects

    forged = web.post("/app/company", data={"company_id": "2", "csrf_token": "forged"})
    assert forged.status_code == 403
    outsider = web.post("/app/company", data={"company_id": "3", "csrf_token": csrf})
    assert outsider.status_code == 403
    assert "company_id" in outsider.text
    unreadable = web.post("/app/company", data={"company_id": "two", "csrf_token": csrf})
    assert unreadable.status_code == 422
    assert "Dimensions - Berkeley Technology Inc" in web.get("/app/projects").text  # unchanged

    moved = web.post(
        "/app/company", data={"company_id": "2", "csrf_token": csrf}, follow_redirects=False
    )
    assert (moved.status_code, moved.headers["location"]) == (303, "/app/projects?done=company")
    harbor = web.get("/app/projects?done=company").text
    assert "Switched company." in harbor
    assert "Warehouse 7 Electrical Service Upgrade" in harbor
    assert "Dimensions - Berkeley Technology Inc" not in harbor
    assert "Harbor Line Electric · standard" in " ".join(harbor.split())  # her role there
    # Company 1's records are another company's now.
    assert web.get("/app/projects/760000").status_code == 404


def test_a_member_of_one_company_has_no_switcher(web: TestClient) -> None:
    sign_in(web, CONTRACTOR)
    assert 'name="company_id"' not in web.get("/app/projects").text
