"""Who is calling: ACC's bearer token implies the company (the account of the token)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from drawbridge.api.common import bearer_principal, runtime_of
from drawbridge.bootstrap import Runtime
from drawbridge.services import auth
from drawbridge.services.views import Actor


@dataclass(frozen=True)
class AccCaller:
    runtime: Runtime  # each service call takes a fresh unit of work from it
    actor: Actor


def acc_caller(request: Request) -> AccCaller:
    runtime = runtime_of(request)
    principal = bearer_principal(request, runtime)
    return AccCaller(runtime=runtime, actor=auth.only_company(principal))


Caller = Annotated[AccCaller, Depends(acc_caller)]
