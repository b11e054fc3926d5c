"""The company's users (members, with their role), their passwords for the web pages, and their
API tokens: an admin's to manage (a user may also set their own password)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Response
from pydantic import Field

from drawbridge.api.listing import FilterField
from drawbridge.api.native import mapping
from drawbridge.api.native.deps import (
    Caller,
    Context,
    IdempotencyKey,
    created,
)
from drawbridge.api.native.errors import PROBLEM_RESPONSES
from drawbridge.api.native.lists import PAGED, list_parameters, respond_list
from drawbridge.api.native.record_routes import RecordRoutes, Summaries, Write, add_record_routes
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


def _add_user(ctx: Caller, _: int | None, body: UserCreate) -> Write[MemberView]:
    return lambda uow: auth.add_member(
        uow, ctx.actor, email=body.email, name=body.name, role=Role(body.role)
    )


def _update_user(ctx: Caller, user_id: int, _: MemberView, body: UserUpdate) -> MemberView:
    return auth.change_member(
        ctx.uow(),
        ctx.actor,
        user_id,
        role=Role(body.role) if body.role is not None else None,
        name=body.name,
    )


add_record_routes(
    router,
    RecordRoutes(
        tag="users and tokens",
        singular="user",
        plural="users",
        segment="users",
        out=UserOut,
        create_body=UserCreate,
        update_body=UserUpdate,
        summaries=Summaries(
            list="The company's users and their roles (admins)",
            create="Add a user to the company (admins)",
            get="One user (admins)",
            update="Change a user's role or name (admins; the company keeps an admin)",
            delete="Remove a user from the company (admins)",
        ),
        filters=USER_FILTERS,
        sorts=USER_SORTS,
        row=_user_row,
        to_json=mapping.member,
        list_all=lambda ctx, _: auth.list_members(ctx.reader(), ctx.actor),
        get=lambda ctx, user_id: auth.get_member(ctx.reader(), ctx.actor, user_id),
        create=_add_user,
        update=_update_user,
        delete=lambda ctx, user_id, _: auth.remove_member(ctx.uow(), ctx.actor, user_id),
        # Every field, defaults included: a repeated key is compared on the whole user.
        request_of=lambda _, body: body.model_dump(mode="json"),
        create_verb="add",
        delete_verb="remove",
    ),
)


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
