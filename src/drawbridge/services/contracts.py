"""Contract look-ups and settings shared by the use cases, the command line and the web pages."""

from __future__ import annotations

from drawbridge.domain.errors import Invalid, NotFound
from drawbridge.domain.rules import money_rule_allows
from drawbridge.services.views import Actor
from drawbridge.store.models import Contract
from drawbridge.store.uow import UnitOfWork


def contract_in_scope(
    uow: UnitOfWork,
    actor: Actor,
    contract_id: int,
    *,
    project_id: int | None = None,
    kind: str | None = None,
    lock: bool = False,
) -> Contract | None:
    """The caller's contract, if it is in the project and of the kind the caller names (a face
    may address only some contracts: Procore's requisitions only commitments); else None.

    ``lock`` takes the contract's row lock, which every writer of the contract holds.
    """
    contract = uow.repo.contract(actor.company_id, contract_id, lock=lock)
    if (
        contract is None
        or (project_id is not None and contract.project_id != project_id)
        or (kind is not None and contract.kind != kind)
    ):
        return None
    return contract


def overpayment_allowed(uow: UnitOfWork, contract: Contract) -> bool:
    """Whether payments on this contract may go beyond what is due (company rule, contract
    override: rules.money_rule_allows)."""
    company = uow.repo.company(contract.company_id)
    assert company is not None
    return money_rule_allows(
        company_prevents=company.prevent_overpayment, contract_allows=contract.allow_overpayment
    )


def resolve_contract(
    uow: UnitOfWork, reference: str, company_id: int | None = None
) -> tuple[int, int]:
    """(company id, contract id) for a contract named by its id or its number.

    Operator tools only: this looks across companies unless ``company_id`` narrows it, and
    refuses a number that more than one company's contracts use.
    """
    with uow:
        companies = (
            [company_id]
            if company_id is not None
            else [company.id for company in uow.repo.companies()]
        )
        matches: list[tuple[int, int]] = []
        for company in companies:
            if reference.isdigit():
                by_id = uow.repo.contract(company, int(reference))
                if by_id is not None:
                    matches.append((company, by_id.id))
                    continue
            matches.extend(
                (company, c.id) for c in uow.repo.contracts_by_number(company, reference)
            )
        if not matches:
            raise NotFound(f"no contract with id or number {reference!r}", field="contract")
        if len(matches) > 1:
            raise Invalid(
                f"contract {reference!r} is ambiguous: give --company, or the contract id",
                field="contract",
            )
        return matches[0]


def is_empty(uow: UnitOfWork) -> bool:
    with uow:
        return not uow.repo.companies()
