"""Company settings the serving layer reads before any use case runs."""

from __future__ import annotations

from drawbridge.store.uow import UnitOfWork


def has_vendor_limits(uow: UnitOfWork, company_id: int) -> bool:
    """Whether the company asked for the vendors' request limits (fixture ``vendor_limits``);
    an unknown company has none."""
    with uow:
        company = uow.repo.company(company_id)
        return bool(company and company.vendor_limits)
