"""Finding records by the stable UUIDs some faces use as their ids (ACC's containerId, contract
and payment ids).

These resolve a UUID to the ledger record within the caller's company and nothing else: an id of
another company is simply not found. They check no token scope, because both reads and writes
start by resolving ids; the use case called next checks the scope it needs.
"""

from __future__ import annotations

from collections.abc import Sequence

from drawbridge.domain.errors import NotFound
from drawbridge.services import render
from drawbridge.services.views import Actor, ContractView, ProjectView
from drawbridge.store.uow import UnitOfWork


def project_by_uuid(uow: UnitOfWork, actor: Actor, project_uuid: str) -> ProjectView:
    with uow:
        project = uow.repo.project_by_uuid(actor.company_id, project_uuid)
        if project is None:
            raise NotFound(f"no project {project_uuid}", field="containerId")
        return render.project_view(project)


def project_by_id(uow: UnitOfWork, actor: Actor, project_id: int) -> ProjectView:
    """The caller's project; another company's (or none) is not found."""
    with uow:
        project = uow.repo.project(actor.company_id, project_id)
        if project is None:
            raise NotFound(f"project_id: no project {project_id}", field="project_id")
        return render.project_view(project)


def contracts_of_project(uow: UnitOfWork, actor: Actor, project_id: int) -> Sequence[ContractView]:
    with uow:
        rows = uow.repo.contracts(actor.company_id, project_id)
        return render.contract_views(uow, rows)


def pay_app_id_by_uuid(uow: UnitOfWork, actor: Actor, pay_app_uuid: str, project_id: int) -> int:
    with uow:
        pay_app = uow.repo.pay_app_by_uuid(actor.company_id, pay_app_uuid)
        if pay_app is None or pay_app.project_id != project_id:
            raise NotFound(f"no payment {pay_app_uuid}", field="id")
        return pay_app.id
