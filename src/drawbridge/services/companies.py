"""The company a caller acts in: its settings (read by every member, changed by an admin), and
the settings the serving layer reads before any use case runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drawbridge.domain.errors import Invalid, NotFound
from drawbridge.domain.rules import check_can_read, check_can_write, check_is_admin
from drawbridge.services import audit, render
from drawbridge.services.views import Actor, CompanyView
from drawbridge.store.models import Company
from drawbridge.store.uow import UnitOfWork

# The company-wide money rules (docs/billing.md): a contract may tighten them, never loosen them.
SETTINGS = ("prevent_overbilling", "prevent_overpayment")


def has_vendor_limits(uow: UnitOfWork, company_id: int) -> bool:
    """Whether the company asked for the vendors' request limits (fixture ``vendor_limits``);
    an unknown company has none."""
    with uow:
        company = uow.repo.company(company_id)
        return bool(company and company.vendor_limits)


def get_company(uow: UnitOfWork, actor: Actor) -> CompanyView:
    check_can_read(actor.scopes)
    with uow:
        return render.company_view(_company(uow, actor))


def update_settings(uow: UnitOfWork, actor: Actor, values: Mapping[str, Any]) -> CompanyView:
    """Change the company's money rules (``prevent_overbilling``, ``prevent_overpayment``)."""
    check_can_write(actor.scopes)
    check_is_admin(actor.role, "change the company's settings")
    with uow:
        company = _company(uow, actor)
        before = audit.snapshot(company)
        for name in SETTINGS:
            if name in values:
                if not isinstance(values[name], bool):
                    raise Invalid(f"{name}: true or false", field=name)
                setattr(company, name, values[name])
        uow.flush()
        audit.record(uow, actor, "update", "company", company.id, before, audit.snapshot(company))
        uow.commit()
        return render.company_view(company)


def _company(uow: UnitOfWork, actor: Actor) -> Company:
    company = uow.repo.company(actor.company_id)
    if company is None:
        raise NotFound(f"no company {actor.company_id}", field="company_id")
    return company
