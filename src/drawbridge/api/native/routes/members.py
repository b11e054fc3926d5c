"""The company's users (members, with their role), their passwords for the web pages, and their
API tokens: an admin's to manage (a user may also set their own password)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Response
from pydantic import Field

from drawbridge.api.listing import FilterField
from drawbridge.api.native import mapping
from drawbridge.api.native.deps import (
    Context,
    IdempotencyKey,
    IfMatch,
    check_if_match,
    created,
    read,
)
from drawbridge.api.native.errors import PROBLEM_RESPONSES
from drawbridge.api.native.lists import PAGED, list_parameters, respond_list
from drawbridge.api.native.responses import (
    IssuedTokenOut,
    Page,
    TokenOut,
    UserOut,
    ok,
)
from drawbridge.api.native.schemas import Body
from drawbridge.api.validation import Id, Text
from drawbridge.domain.rules import Role
from drawbridge.services import auth, web_sessions
from drawbridge.services.auth import IssuedToken
from drawbridge.services.idempotency import UnitOfWork
from drawbridge.services.views import MemberView, TokenView

router = APIRouter(responses=PROBLEM_RESPONSES)

RoleName = Literal["admin", "standard"]
ScopeName = Literal["data:read", "data:write"]
USER_FILTERS = {
    "email": FilterField("text"),
    "name": FilterField("text"),
    "role": FilterField("text"),
}
USER_SORTS = ("id", "email", "name", "role")
TOKEN_FILTERS = {"user_id": FilterField("integer")}
TOKEN_SORTS = ("id", "user_id", "created_at")


class UserCreate(Body):
    email: Annotated[Text, Field(max_length=320)]
    name: Text = ""
    role: RoleName = "standard"


class UserUpdate(Body):
    name: Text | None = None
    role: RoleName | None = None


class PasswordSet(Body):
    password: Annotated[str, Field(max_length=1024)]


class TokenCreate(Body):
    user_id: Id
    scopes: Annotated[list[ScopeName], Field(max_length=2)] = []


def _user_row(view: MemberView) -> dict[str, object]:
    return {
        "id": view.user.id,
        "email": view.user.email,
        "name": view.user.name,
        "role": view.role.value,
    }


@router.get(
    "/users",
    responses=ok(Page[UserOut]),
    tags=["users and tokens"],
    summary="The company's users and their roles (admins)",
    description=list_parameters(USER_FILTERS, USER_SORTS),
    dependencies=PAGED,
)
def list_users(ctx: Context) -> Response:
    members = auth.list_members(ctx.reader(), ctx.actor)
    return respond_list(ctx.request, members, _user_row, USER_FILTERS, USER_SORTS, mapping.member)


@router.post(
    "/users",
    responses=ok(UserOut, 201),
    tags=["users and tokens"],
    status_code=201,
    summary="Add a user to the company (admins)",
)
def add_user(body: UserCreate, ctx: Context, key: IdempotencyKey = None) -> Response:
    def create(uow: UnitOfWork) -> MemberView:
        return auth.add_member(
            uow, ctx.actor, email=body.email, name=body.name, role=Role(body.role)
        )

    return created(ctx, key, "users", body.model_dump(mode="json"), create, mapping.member)


@router.get(
    "/users/{user_id}",
    responses=ok(UserOut),
    tags=["users and tokens"],
    summary="One user (admins)",
)
def get_user(user_id: Id, ctx: Context) -> Response:
    return read(mapping.member(auth.get_member(ctx.reader(), ctx.actor, user_id)), ctx.request)


@router.patch(
    "/users/{user_id}",
    responses=ok(UserOut),
    tags=["users and tokens"],
    summary="Change a user's role or name (admins; the company keeps an admin)",
)
def update_user(user_id: Id, body: UserUpdate, ctx: Context, if_match: IfMatch = None) -> Response:
    check_if_match(if_match, mapping.member(auth.get_member(ctx.reader(), ctx.actor, user_id)))
    view = auth.change_member(
        ctx.uow(),
        ctx.actor,
        user_id,
        role=Role(body.role) if body.role is not None else None,
        name=body.name,
    )
    return read(mapping.member(view), ctx.request)


@router.delete(
    "/users/{user_id}",
    tags=["users and tokens"],
    status_code=204,
    summary="Remove a user from the company (admins)",
)
def remove_user(user_id: Id, ctx: Context, if_match: IfMatch = None) -> Response:
    check_if_match(if_match, mapping.member(auth.get_member(ctx.reader(), ctx.actor, user_id)))
    auth.remove_member(ctx.uow(), ctx.actor, user_id)
    return Response(status_code=204)


@router.put(
    "/users/{user_id}/password",
    tags=["users and tokens"],
    status_code=204,
    summary="Set a user's password for the web pages (admins, or the user themself)",
)
def set_password(user_id: Id, body: PasswordSet, ctx: Context) -> Response:
    web_sessions.set_password(ctx.uow(), ctx.actor, user_id, body.password)
    return Response(status_code=204)


def _token_row(view: TokenView) -> dict[str, object]:
    return {"id": view.id, "user_id": view.user.id, "created_at": view.created_at.date()}


@router.get(
    "/tokens",
    responses=ok(Page[TokenOut]),
    tags=["users and tokens"],
    summary="The API tokens of the company's users, without their secrets (admins)",
    description=list_parameters(TOKEN_FILTERS, TOKEN_SORTS),
    dependencies=PAGED,
)
def list_tokens(ctx: Context) -> Response:
    tokens = auth.list_tokens(ctx.reader(), ctx.actor)
    return respond_list(ctx.request, tokens, _token_row, TOKEN_FILTERS, TOKEN_SORTS, mapping.token)


def _issued(issued: IssuedToken) -> dict[str, object]:
    return {
        "id": issued.token_id,
        "token": issued.token,
        "email": issued.email,
        "role": issued.role.value,
        "scopes": list(issued.scopes),
    }


@router.post(
    "/tokens",
    responses=ok(IssuedTokenOut, 201),
    tags=["users and tokens"],
    status_code=201,
    summary="Issue a token for a user of the company; its secret is shown this once (admins)",
)
def issue_token(body: TokenCreate, ctx: Context, key: IdempotencyKey = None) -> Response:
    def create(uow: UnitOfWork) -> IssuedToken:
        return auth.issue_token(uow, ctx.actor, body.user_id, body.scopes)

    return created(ctx, key, "tokens", body.model_dump(mode="json"), create, _issued)


@router.delete(
    "/tokens/{token_id}",
    tags=["users and tokens"],
    status_code=204,
    summary="Revoke a token (admins)",
)
def revoke_token(token_id: Id, ctx: Context) -> Response:
    auth.revoke_token(ctx.uow(), ctx.actor, token_id)
    return Response(status_code=204)
