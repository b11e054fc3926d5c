"""Contracts: look-ups and money-rule settings for the use cases, the command line and web pages,
the generic create/update/delete use cases any face calls, and the prime-contract read with its
owner-billing roll-up.

Every figure of the roll-up comes from the billing engine's stored figures and the domain's
``owner_billing`` (the owner-billing roll-up); nothing here rounds money except
through domain/money.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from drawbridge.domain.billing import RetainageMethod, StoredMaterialsMode
from drawbridge.domain.errors import Conflict, Invalid, NotFound
from drawbridge.domain.money import allocate, decimal_from_input, parse_percent, percent_of
from drawbridge.domain.rollups import owner_billing
from drawbridge.domain.rules import (
    check_can_read,
    check_can_write,
    check_contract_money_setting,
    money_rule_allows,
)
from drawbridge.domain.text import required_text
from drawbridge.services import audit, chain, directory, render
from drawbridge.services.views import (
    Actor,
    ContractRef,
    ContractView,
    LineBillingView,
    Page,
    PrimeContractView,
    SovLineEntryView,
    TrailView,
)
from drawbridge.store.models import (
    ChangeOrderItem,
    Contract,
    Party,
    PayApp,
    Project,
    SovLine,
    SovLineEntry,
)
from drawbridge.store.types import utcnow
from drawbridge.store.uow import UnitOfWork


def contract_in_scope(
    uow: UnitOfWork,
    actor: Actor,
    contract_id: int,
    *,
    project_id: int | None = None,
    kind: str | None = None,
    lock: bool = False,
    with_header: bool = False,
) -> Contract | None:
    """The caller's contract, if it is in the project and of the kind the caller names (a face
    may address only some contracts: Procore's requisitions only commitments); else None.

    ``lock`` takes the contract's row lock, which every writer of the contract holds.
    ``with_header``: its company, parties and project, and the caller's user, are read with it
    (for an answer that shows them).
    """
    repo = uow.repo
    contract = (
        repo.contract_with_header(actor.company_id, contract_id, actor.user_id, lock=lock)
        if with_header
        else repo.contract(actor.company_id, contract_id, lock=lock)
    )
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


# -- writing contracts ---------------------------------------------------------------------------

DESCRIPTIVE = (
    "description",
    "scope",
    "inclusions",
    "exclusions",
    "terms",
    "is_billable",
    "exclude_from_wip_reporting",
    "schedule",
    "contract_type",
    "location",
    "attachment",
    "internal_reference",
    "external_reference",
)
# The settings the billing engine reads. Those in FIXED_ONCE_BILLED change billed figures, so
# they are set before the first pay application and stay; the money policies (may this contract
# over-bill, over-pay) govern the next write only and may change at any time.
TERMS = (
    "currency",
    "exchange_rate",
    "retainage_method",
    "work_retainage_percent",
    "materials_retainage_percent",
    "retainage_steps",
    "stored_materials",
    "allow_overbilling",
    "allow_overpayment",
)
FIXED_ONCE_BILLED = frozenset(TERMS) - {"allow_overbilling", "allow_overpayment"}
TERMS_LOCKED = (
    "the contract's billing terms are fixed from its first pay application on: "
    "retainage, stored materials, currency and exchange rate no longer change"
)
MAX_NUMBER_LENGTH = 64
MAX_TITLE_LENGTH = 255


@dataclass(frozen=True)
class ContractChanges:
    """What a create or update sets; a key not in ``values`` stays as it is.

    ``values`` keys: ``number``, ``title``, ``project`` (a project code), ``party`` (a customer
    code for a prime contract, a vendor code for a commitment), ``architect`` (a code or None),
    ``contract_date``, ``is_active``, the descriptive fields in :data:`DESCRIPTIVE` (kept in
    the contract's details), and the billing terms in :data:`TERMS` (retainage, stored
    materials, currency, over-billing and over-payment policy). ``references`` are the
    directory codes the values name, each checked to exist in the company.
    """

    values: Mapping[str, Any] = field(default_factory=dict)
    references: Sequence[directory.Reference] = ()


def create_contract(
    uow: UnitOfWork, actor: Actor, changes: ContractChanges, *, kind: str = "prime"
) -> int:
    """Create a contract (no schedule of values yet); returns its id."""
    check_can_write(actor.scopes)
    values = changes.values
    with uow:
        repo = uow.repo
        company = repo.company(actor.company_id)
        assert company is not None
        directory.check_references(uow, actor.company_id, changes.references)
        project = _project(uow, actor, values.get("project"))
        number = _number(values.get("number"))
        _check_unique_number(uow, actor, number, None)
        now = utcnow()
        contract = Contract(
            company_id=actor.company_id,
            project_id=project.id,
            kind=kind,
            commitment_type="subcontract" if kind == "commitment" else None,
            number=number,
            title=_title(values.get("title")),
            party_id=_party(uow, actor, values.get("party"), _party_kind(kind)).id,
            architect_id=None,
            contract_date=values.get("contract_date"),
            status="approved",
            currency=company.base_currency,
            exchange_rate=Decimal(1),
            retainage_steps=[],
            details={name: values.get(name) for name in DESCRIPTIVE},
            is_active=bool(values.get("is_active", True)),
            created_at=now,
            updated_at=now,
        )
        if values.get("architect") is not None:
            contract.architect_id = _party(uow, actor, values["architect"], "architect").id
        _apply_terms(contract, company, values, creating=True)
        repo.add(contract)
        uow.flush()
        audit.record(uow, actor, "create", "contract", contract.id, None, audit.snapshot(contract))
        uow.commit()
        return contract.id


def update_contract(
    uow: UnitOfWork, actor: Actor, contract_id: int, changes: ContractChanges, *, kind: str
) -> int:
    """Change the fields given. The project may change only before the first pay application."""
    check_can_write(actor.scopes)
    values = changes.values
    with uow:
        contract = _contract(uow, actor, contract_id, kind)
        before = audit.snapshot(contract)
        directory.check_references(uow, actor.company_id, changes.references)
        if "project" in values:
            project = _project(uow, actor, values["project"])
            if project.id != contract.project_id:
                if uow.repo.latest_numbers([contract.id]):
                    raise Invalid(
                        "project: a contract with pay applications stays on its project",
                        field="project",
                    )
                contract.project_id = project.id
        if "number" in values:
            number = _number(values["number"])
            _check_unique_number(uow, actor, number, contract.id)
            contract.number = number
        if "title" in values:
            contract.title = _title(values["title"])
        if "party" in values:
            contract.party_id = _party(uow, actor, values["party"], _party_kind(kind)).id
        if "architect" in values:
            architect = values["architect"]
            contract.architect_id = (
                None if architect is None else _party(uow, actor, architect, "architect").id
            )
        if "contract_date" in values:
            contract.contract_date = values["contract_date"]
        if "is_active" in values:
            contract.is_active = bool(values["is_active"])
        given = {name: values[name] for name in DESCRIPTIVE if name in values}
        if given:
            contract.details = {**contract.details, **given}
        _update_terms(uow, contract, values)
        contract.updated_at = utcnow()
        uow.flush()
        audit.record(
            uow, actor, "update", "contract", contract.id, before, audit.snapshot(contract)
        )
        uow.commit()
        return contract.id


def delete_contract(uow: UnitOfWork, actor: Actor, contract_id: int, *, kind: str) -> None:
    """Delete a contract that has neither pay applications nor payments, with its schedule of
    values and change orders."""
    check_can_write(actor.scopes)
    with uow:
        repo = uow.repo
        contract = _contract(uow, actor, contract_id, kind)
        if repo.latest_numbers([contract.id]) or repo.paid_on_contract(contract.id):
            raise Invalid(
                f"contract {contract.number} has pay applications or payments and cannot be "
                "deleted; set its status to inactive to keep it from new billing",
                field="key",
                code="has_billing",
            )
        before = audit.snapshot(contract)
        for item in repo.package_items(contract.id):
            repo.delete(item)
        for package in repo.packages(contract.id):
            repo.delete(package)
        uow.flush()
        for line in repo.sov_lines(contract.id):
            repo.delete(line)
        uow.flush()
        repo.delete(contract)
        audit.record(uow, actor, "delete", "contract", contract_id, before, None)
        uow.commit()


def _update_terms(uow: UnitOfWork, contract: Contract, values: Mapping[str, Any]) -> None:
    """Apply the billing terms given, refusing a change to billed figures' terms once billed."""
    given = {name: values[name] for name in TERMS if name in values}
    if not given:
        return
    changed = [
        name
        for name in FIXED_ONCE_BILLED
        if given.get(name) is not None and _differs(contract, name, given[name])
    ]
    if changed and uow.repo.latest_numbers([contract.id]):
        name = sorted(changed)[0]
        raise Invalid(f"{name}: {TERMS_LOCKED}", field=name, code="terms_locked")
    company = uow.repo.company(contract.company_id)
    assert company is not None
    _apply_terms(contract, company, given, creating=False)


def _differs(contract: Contract, name: str, value: object) -> bool:
    current: object = getattr(contract, name)
    if name == "retainage_steps":
        return _steps(value) != current
    if name in ("exchange_rate", "work_retainage_percent", "materials_retainage_percent"):
        number = decimal_from_input(value)
        return number is None or number != current
    return bool(value != current)


def _apply_terms(
    contract: Contract, company: Any, values: Mapping[str, Any], *, creating: bool
) -> None:
    """Check and set the billing terms ``values`` gives (a term given as None is not given,
    except the money policies, where None follows the company). On a new contract the materials
    rate is the work rate unless it is given too."""
    if values.get("currency") is not None:
        currency = values["currency"]
        if not (isinstance(currency, str) and len(currency) == 3 and currency.isascii()):
            raise Invalid("currency: a three-letter ISO 4217 code", field="currency")
        contract.currency = currency.upper()
    if values.get("exchange_rate") is not None:
        rate = decimal_from_input(values["exchange_rate"])
        if rate is None or rate <= 0 or rate >= 10**9:
            raise Invalid("exchange_rate: a positive decimal number", field="exchange_rate")
        contract.exchange_rate = rate
    if values.get("retainage_method") is not None:
        contract.retainage_method = _choice(
            values["retainage_method"], "retainage_method", [m.value for m in RetainageMethod]
        )
    work = values.get("work_retainage_percent")
    if work is not None:
        contract.work_retainage_percent = parse_percent(work, "work_retainage_percent")
    materials = values.get("materials_retainage_percent")
    if materials is not None:
        contract.materials_retainage_percent = parse_percent(
            materials, "materials_retainage_percent"
        )
    elif work is not None and creating:
        contract.materials_retainage_percent = contract.work_retainage_percent
    if values.get("retainage_steps") is not None:
        contract.retainage_steps = _steps(values["retainage_steps"])
    if values.get("stored_materials") is not None:
        contract.stored_materials = _choice(
            values["stored_materials"], "stored_materials", [m.value for m in StoredMaterialsMode]
        )
    for name, prevents in (
        ("allow_overbilling", company.prevent_overbilling),
        ("allow_overpayment", company.prevent_overpayment),
    ):
        if name in values:
            allows = values[name]
            if allows is not None and not isinstance(allows, bool):
                raise Invalid(f"{name}: true, false or null (follow the company)", field=name)
            check_contract_money_setting(
                company_prevents=bool(prevents), contract_allows=allows, field=name
            )
            setattr(contract, name, allows)


def _choice(value: object, name: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise Invalid(f"{name}: must be one of {', '.join(allowed)}", field=name)
    assert isinstance(value, str)
    return value


def _steps(value: object) -> list[dict[str, str]]:
    """Retainage steps as stored: each reached percent complete with the rates from then on,
    in rising order of percent complete."""
    if not isinstance(value, (list, tuple)):
        raise Invalid("retainage_steps: a list of steps", field="retainage_steps")
    steps: list[dict[str, str]] = []
    for index, step in enumerate(value):
        where = f"retainage_steps/{index}"
        if not isinstance(step, Mapping):
            raise Invalid(
                f"{where}: a step has at_percent_complete, work_percent, materials_percent",
                field=where,
            )
        parsed = {
            name: str(parse_percent(step.get(name), f"{where}/{name}"))
            for name in ("at_percent_complete", "work_percent")
        }
        materials = step.get("materials_percent")
        parsed["materials_percent"] = (
            parsed["work_percent"]
            if materials is None
            else str(parse_percent(materials, f"{where}/materials_percent"))
        )
        if steps and Decimal(parsed["at_percent_complete"]) <= Decimal(
            steps[-1]["at_percent_complete"]
        ):
            raise Invalid(
                f"{where}/at_percent_complete: steps rise in percent complete",
                field=f"{where}/at_percent_complete",
            )
        steps.append(parsed)
    return steps


def get_contract(uow: UnitOfWork, actor: Actor, contract_id: int) -> ContractView:
    """One contract of the caller's company, of either kind."""
    check_can_read(actor.scopes)
    with uow:
        contract = contract_in_scope(uow, actor, contract_id)
        if contract is None:
            raise NotFound(f"no contract {contract_id}", field="id")
        return render.contract_views(uow, [contract])[0]


def list_contracts(
    uow: UnitOfWork, actor: Actor, project_id: int | None = None
) -> Sequence[ContractView]:
    """The company's contracts (of one project when named), both kinds."""
    check_can_read(actor.scopes)
    with uow:
        return render.contract_views(uow, uow.repo.contracts(actor.company_id, project_id))


def _contract(uow: UnitOfWork, actor: Actor, contract_id: int, kind: str) -> Contract:
    contract = contract_in_scope(uow, actor, contract_id, kind=kind, lock=True)
    if contract is None:
        raise NotFound(f"no contract with key {contract_id}", field="key")
    return contract


def _party_kind(kind: str) -> str:
    return "customer" if kind == "prime" else "vendor"


def _project(uow: UnitOfWork, actor: Actor, code: object) -> Project:
    if not isinstance(code, str) or not code:
        raise Invalid("project: required, a project id", field="project")
    project = uow.repo.project_by_code(actor.company_id, code)
    if project is None:
        raise Invalid(f"project: no project with id {code!r}", field="project")
    return project


def _party(uow: UnitOfWork, actor: Actor, code: object, kind: str) -> Party:
    field_name = "party" if kind in ("customer", "vendor") else kind
    if not isinstance(code, str) or not code:
        raise Invalid(f"{field_name}: required, a {kind} id", field=field_name)
    party = uow.repo.party_by_code(actor.company_id, code)
    if party is None or party.kind != kind:
        raise Invalid(f"{field_name}: no {kind} with id {code!r}", field=field_name)
    return party


def _check_unique_number(
    uow: UnitOfWork, actor: Actor, number: str, contract_id: int | None
) -> None:
    if any(c.id != contract_id for c in uow.repo.contracts_by_number(actor.company_id, number)):
        raise Conflict(f"id: a contract {number!r} already exists", field="number")


def _number(value: object) -> str:
    return required_text(value, "number", MAX_NUMBER_LENGTH)


def _title(value: object) -> str:
    return required_text(value, "title", MAX_TITLE_LENGTH, strip=False)


# -- reading prime contracts with their owner-billing roll-up ------------------------------------


def prime_contract_refs(
    uow: UnitOfWork, actor: Actor, *, offset: int, limit: int
) -> Page[ContractRef]:
    """One page of the company's prime contracts by id, named only: a company may hold
    thousands, and listing their references needs none of them priced."""
    check_can_read(actor.scopes)
    with uow:
        rows, total = uow.repo.contract_refs(actor.company_id, "prime", offset=offset, limit=limit)
    return _ref_page(rows, total, offset, limit)


def prime_contract_line_refs(
    uow: UnitOfWork, actor: Actor, *, offset: int, limit: int
) -> Page[ContractRef]:
    """One page of the lines of the company's prime contracts (by contract, then position),
    named only: listing their references needs no contract priced."""
    check_can_read(actor.scopes)
    with uow:
        rows, total = uow.repo.contract_line_refs(
            actor.company_id, "prime", offset=offset, limit=limit
        )
    return _ref_page(rows, total, offset, limit)


def _ref_page(
    rows: Iterable[tuple[int, str]], total: int, offset: int, limit: int
) -> Page[ContractRef]:
    return Page(
        items=tuple(ContractRef(id=key, number=number) for key, number in rows),
        total=total,
        offset=offset,
        limit=limit,
    )


def prime_contracts(
    uow: UnitOfWork, actor: Actor, contract_ids: Iterable[int] | None = None
) -> list[PrimeContractView]:
    """The company's prime contracts (or those of ``contract_ids``), each priced and rolled up
    from the billing engine's stored figures by ``domain.rollups.owner_billing``."""
    check_can_read(actor.scopes)
    with uow:
        repo = uow.repo
        rows = [c for c in repo.contracts(actor.company_id) if c.kind == "prime"]
        if contract_ids is not None:
            wanted = set(contract_ids)
            rows = [c for c in rows if c.id in wanted]
        if not rows:
            return []
        ids = [c.id for c in rows]
        views = render.contract_views(uow, rows)
        projects = {p.id: render.project_view(p) for p in repo.projects(actor.company_id)}
        references = directory.resolve(uow, actor.company_id)
        lines_of = repo.sov_lines_of(ids)
        entries_of = repo.sov_line_entries_of(
            line.id for lines in lines_of.values() for line in lines
        )
        packages_of = repo.packages_of(ids)
        items_of = repo.package_items_of(ids)
        apps_of = repo.pay_apps_of(ids)
        app_lines = repo.line_values(app.id for apps in apps_of.values() for app in apps)
        paid = repo.paid_on_contracts(ids)
        contract_trails = _trails(uow, actor, "contract", ids)
        line_trails = _trails(
            uow, actor, "sov_line", [line.id for lines in lines_of.values() for line in lines]
        )
        result = []
        for view in views:
            status_of = {p.id: p.status for p in packages_of[view.id]}
            items = items_of[view.id]
            apps = apps_of[view.id]
            billed_lines = _billed_by_line(apps, app_lines, items)
            lines = _line_views(
                view.id,
                lines_of[view.id],
                entries_of,
                items,
                status_of,
                billed_lines,
                paid[view.id],
                line_trails,
            )
            billing = owner_billing(
                original_price=sum(line.original for line in lines),
                revision_price=sum(line.revision for line in lines),
                approved_change_price=_changes(items, status_of, "approved"),
                pending_change_price=_changes(items, status_of, "pending"),
                chain=[chain.summary_figures(app) for app in apps],
                payments_received=paid[view.id],
                other_price=sum(line.other for line in lines),
                forecast_price=sum(line.forecast for line in lines),
            )
            result.append(
                PrimeContractView(
                    contract=view,
                    project=projects[view.project_id],
                    billing=billing,
                    references=references,
                    lines=tuple(lines),
                    trail=contract_trails.get(view.id, _NO_TRAIL),
                )
            )
        return result


_NO_TRAIL = TrailView(None, None, None, None)


def _trails(
    uow: UnitOfWork, actor: Actor, entity_type: str, ids: Sequence[int]
) -> dict[int, TrailView]:
    return {
        entity_id: TrailView(
            created_at=first.occurred_at,
            created_by=first.user_id,
            modified_at=last.occurred_at,
            modified_by=last.user_id,
        )
        for entity_id, (first, last) in uow.repo.audit_trail_ends(
            actor.company_id, entity_type, ids
        ).items()
    }


def _changes(items: Sequence[ChangeOrderItem], status_of: dict[int, str], status: str) -> int:
    return sum(item.amount_cents for item in items if status_of[item.package_id] == status)


@dataclass
class _LineBilled:
    """One SOV line's billing on the latest application, with the change-order rows that name
    it, and the retainage it ever released."""

    billed: int = 0
    previous: int = 0
    retainage_balance: int = 0
    released: int = 0


def _billed_by_line(
    apps: Sequence[PayApp], app_lines: dict[int, list[Any]], items: Sequence[ChangeOrderItem]
) -> dict[int, _LineBilled]:
    line_of_item = {item.id: item.sov_line_id for item in items if item.sov_line_id}
    billed: dict[int, _LineBilled] = {}
    for app in apps:
        latest = app is apps[-1]
        for row in app_lines[app.id]:
            line_id = row.sov_line_id or line_of_item.get(row.change_order_item_id or 0)
            if line_id is None:
                continue
            figures = billed.setdefault(line_id, _LineBilled())
            figures.released += (
                row.work_retainage_released_this_period_cents
                + row.materials_retainage_released_this_period_cents
            )
            if latest:
                figures.billed += row.total_completed_and_stored_to_date_cents
                figures.previous += row.work_completed_from_previous_application_cents
                figures.retainage_balance += (
                    row.work_retainage_currently_retained_cents
                    + row.materials_retainage_currently_retained_cents
                )
    return billed


def _line_views(
    contract_id: int,
    lines: Sequence[SovLine],
    entries_of: dict[int, list[SovLineEntry]],
    items: Sequence[ChangeOrderItem],
    status_of: dict[int, str],
    billed: dict[int, _LineBilled],
    paid: int,
    trails: dict[int, TrailView],
) -> list[LineBillingView]:
    nets = [
        billed.get(line.id, _LineBilled()).billed
        - billed.get(line.id, _LineBilled()).retainage_balance
        for line in lines
    ]
    # The contract's payments are not made per line: they are spread over the lines in
    # proportion to what each has billed net of retainage (the parts sum to the whole).
    shares = allocate(paid, nets) if lines and sum(nets) else [0] * len(lines)
    views = []
    for line, share in zip(lines, shares, strict=True):
        entries = entries_of.get(line.id, [])
        revision = sum(e.amount_cents for e in entries if e.workflow_type == "revision")
        on_line = [item for item in items if item.sov_line_id == line.id]
        approved = _changes(on_line, status_of, "approved")
        total = line.scheduled_value_cents + approved
        figures = billed.get(line.id, _LineBilled())
        net = figures.billed - figures.retainage_balance
        views.append(
            LineBillingView(
                line=render.sov_line_view(line),
                contract_id=contract_id,
                details=dict(line.details),
                entries=tuple(_entry_view(e) for e in entries),
                original=line.scheduled_value_cents - revision,
                revision=revision,
                approved_change=approved,
                pending_change=_changes(on_line, status_of, "pending"),
                forecast=sum(e.amount_cents for e in entries if e.workflow_type == "forecast"),
                other=sum(e.amount_cents for e in entries if e.workflow_type == "other"),
                total=total,
                billed=figures.billed,
                previously_applied=figures.previous,
                retainage_held=figures.retainage_balance + figures.released,
                retainage_released=figures.released,
                retainage_balance=figures.retainage_balance,
                payments_received=share,
                percent_billed=percent_of(figures.billed, total),
                percent_billed_net_retainage=percent_of(net, total),
                trail=trails.get(line.id, _NO_TRAIL),
            )
        )
    return views


def _entry_view(row: SovLineEntry) -> SovLineEntryView:
    return SovLineEntryView(
        id=row.id,
        sov_line_id=row.sov_line_id,
        workflow_type=row.workflow_type,
        amount=row.amount_cents,
        effective_date=row.effective_date,
        memo=row.memo,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def prime_contract_id(
    uow: UnitOfWork, actor: Actor, *, key: int | None, number: str | None, field_name: str
) -> int:
    """The id of the caller's prime contract named by its key (id) or its number; ``Invalid``
    naming ``field_name`` when there is none."""
    with uow:
        found: Contract | None = None
        if key is not None:
            found = uow.repo.contract(actor.company_id, key)
        elif number is not None:
            matches = uow.repo.contracts_by_number(actor.company_id, number)
            found = next((c for c in matches if c.kind == "prime"), None)
        if found is None or found.kind != "prime":
            named = key if key is not None else number
            raise Invalid(
                f"{field_name}: no project contract {named!r}",
                field=field_name,
                code="unknown_reference",
            )
        return found.id
