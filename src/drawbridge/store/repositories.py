"""Every query of the ledger. Each one is scoped by ``company_id``: no company sees another's data.

The repository returns rows; it never commits (the unit of work does) and holds no rules.
"""

from __future__ import annotations

import json
import operator
import os
from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import groupby
from typing import Any, TypeVar, cast

from sqlalchemy import (
    Connection,
    Integer,
    Row,
    Select,
    String,
    Table,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    inspect,
    not_,
    select,
    true,
    tuple_,
    type_coerce,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, aliased, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from drawbridge.domain.errors import Invalid
from drawbridge.domain.rules import APPROVED_STATUSES, PayAppStatus
from drawbridge.store import ledger_versions, text_guard
from drawbridge.store.models import (
    ApiToken,
    Attachment,
    AuditEvent,
    Base,
    BillingPeriod,
    ChangeOrderItem,
    ChangeOrderPackage,
    Company,
    Contract,
    ContractPayAppTotal,
    DirectoryEntry,
    IdempotencyKey,
    Membership,
    OAuthAuthorizationCode,
    OAuthClient,
    OAuthRedirectUri,
    OAuthRefreshToken,
    Party,
    PayApp,
    PayAppLine,
    PayAppPackage,
    PayAppPaymentTotal,
    Payment,
    Project,
    SovLine,
    SovLineEntry,
    User,
    WebSession,
)
from drawbridge.store.types import DecimalText

Model = TypeVar("Model", bound=Base)
Granted = TypeVar("Granted", OAuthRefreshToken, OAuthAuthorizationCode)
_LINES = cast(Table, PayAppLine.__table__)
_PAY_APPS = cast(Table, PayApp.__table__)
# Aliases of pay_apps for the page queries that join a page to its chain, made once: an alias
# builds its collection of a hundred columns the first time it is read, on every request if it
# were made there.
_FOLLOWING_PAY_APPS = _PAY_APPS.alias("following")
_GIVEN_PAY_APPS = _PAY_APPS.alias("given")
_CHAIN_PAY_APPS = _PAY_APPS.alias("chain")
_PREVIOUS_PAY_APPS = _PAY_APPS.alias("previous")
_PAYMENTS = cast(Table, Payment.__table__)
# The payments of the pay application of the enclosing statement's row, and their sum (0 for
# none), read through the payments' pay_app_id index.
_OF_PAY_APP_PAYMENTS = (_PAYMENTS.c.pay_app_id == _PAY_APPS.c.id) & (
    _PAYMENTS.c.company_id == _PAY_APPS.c.company_id
)
_PAID_ON_PAY_APP = (
    select(func.coalesce(func.sum(_PAYMENTS.c.amount_cents), 0))
    .where(_OF_PAY_APP_PAYMENTS)
    .correlate(_PAY_APPS)
    .scalar_subquery()
)


_APPROVED = sorted(status.value for status in APPROVED_STATUSES)


def paid_in_full_condition(status: Any, due: Any, written_off: Any, paid: Any) -> Any:
    """``rollups.is_paid`` as a condition the database evaluates, given an application's
    status, current payment due, written-off amount and payments' sum (never null): approved
    and paid something that covers what is due. tests/store/test_paid_in_full_condition.py
    holds the two to the same answer on every case."""
    owed = due - written_off
    # In whole cents "paid > 0 and paid >= owed" is "paid >= the larger of 1 and owed": the
    # payments' sum (a subquery) is named once, so the database computes it once.
    return and_(status.in_(_APPROVED), paid >= case((owed > 1, owed), else_=1))


def _placed_values() -> tuple[Any, ...]:
    """What a page row of pay_apps needs from the rest of its chain, each a subquery of that
    one application's rows (its contract's earlier applications, its payments, its lines),
    read through their indexes: see Repository.pay_app_page_placed."""
    row = _PAY_APPS.c
    chain = _CHAIN_PAY_APPS.c
    payments = _PAYMENTS.c
    lines = _LINES.c
    of_chain = chain.contract_id == row.contract_id
    earlier = of_chain & (chain.number < row.number)
    of_payments = _OF_PAY_APP_PAYMENTS
    of_lines = lines.pay_app_id == row.id
    claimed = func.coalesce(
        lines.subcontractor_claimed_amount_cents, lines.work_completed_this_period_cents
    )

    def value(column: Any, condition: Any, name: str) -> Any:
        return select(column).where(condition).correlate(_PAY_APPS).scalar_subquery().label(name)

    def count_of(condition: Any, name: str) -> Any:
        return value(func.count(), condition, name)

    return (
        value(func.coalesce(func.sum(chain.advance_amount_cents), 0), earlier, "earlier_advance"),
        value(
            func.coalesce(func.sum(chain.recoupment_amount_cents), 0),
            earlier,
            "earlier_recoupment",
        ),
        value(func.max(chain.number), of_chain, "latest_number"),
        _PAID_ON_PAY_APP.label("paid"),
        count_of(of_payments, "payment_count"),
        value(func.max(payments.date), of_payments, "last_payment_date"),
        value(func.coalesce(func.sum(claimed), 0), of_lines, "claimed"),
        count_of(of_lines & (lines.review_status == "rejected"), "rejected_lines"),
        count_of(of_lines & (func.coalesce(lines.review_status, "") != ""), "reviewed_lines"),
        count_of(of_lines & (func.coalesce(lines.review_comment, "") != ""), "commented_lines"),
    )


_PLACED_VALUES = _placed_values()


# What a new line's column holds when a row does not name it: the column's default.
_LINE_DEFAULTS: dict[str, Any] = {
    column.key: (
        cast(ScalarElementColumnDefault, column.default).arg
        if column.default is not None and column.default.is_scalar
        else None
    )
    for column in _LINES.c
}
_LINE_INSERTS: dict[str, tuple[str, list[str], dict[str, Callable[[Any], Any]]]] = {}


def _line_insert(dialect: Dialect) -> tuple[str, list[str], dict[str, Callable[[Any], Any]]]:
    """The INSERT of a pay-app line (every column but the id) as the dialect's driver takes it:
    its SQL, the columns in parameter order and each column's conversion of a value."""
    found = _LINE_INSERTS.get(dialect.name)
    if found is None:
        keys = [column.key for column in _LINES.c if column.key != "id"]
        compiled = insert(_LINES).compile(dialect=dialect, column_keys=keys)
        # A positional driver takes tuples in this order; a named one (empty) takes each row's
        # values by name.
        keys = list(compiled.positiontup) if compiled.positiontup is not None else []
        converters: dict[str, Callable[[Any], Any]] = {
            column.key: processor
            for column in _LINES.c
            if (processor := column.type._cached_bind_processor(dialect)) is not None
        }
        found = _LINE_INSERTS[dialect.name] = (str(compiled), keys, converters)
    return found


_AUDIT_EVENTS = cast(Table, AuditEvent.__table__)
_AUDIT_JSON = frozenset({"before", "after"})


def _json_text(key: str, value: Any) -> str:
    """A JSON column's value as its type writes it (``json.dumps``; on PostgreSQL the
    statement casts the text), serialized once, and refused as the flush refuses what cannot be
    stored: the text shows when the value may hold NUL, a lone surrogate (whose escape a pair
    shares) or a non-finite number, and only then is the value walked to name the problem."""
    try:
        text: str | None = json.dumps(value, allow_nan=False)
    except ValueError:
        text = None
    if text is None or "\\u0000" in text or "\\ud" in text:
        problem = text_guard.value_problem(value)
        if problem is not None:
            raise Invalid(f"{key}: {problem}", field=key)
    return json.dumps(value) if text is None else text


# A new pay application's columns (the id aside) and each one's default where the row sets
# none: a value, or (made) a function of the insert's context that makes one (a uuid, the time).
_PAY_APP_KEYS = [column.key for column in _PAY_APPS.c if column.key != "id"]
_PAY_APP_DEFAULTS: list[tuple[str, Any, bool]] = [
    (
        column.key,
        None if column.default is None else cast(Any, column.default).arg,
        column.default is not None and not column.default.is_scalar,
    )
    for column in _PAY_APPS.c
    if column.key != "id"
]
# Single-row INSERTs sent to the driver as they are, compiled once per table and database: their
# SQL, their parameters' order (empty: by name) and each column's conversion of a value.
_ROW_INSERTS: dict[tuple[str, str], tuple[str, list[str], dict[str, Callable[[Any], Any]]]] = {}


def _insert_row(
    session: Session, table: Table, values: dict[str, Any], *, given: frozenset[str] = frozenset()
) -> int:
    """Insert one row (every column but the id, each value as the ORM would hold it, those
    named in ``given`` as the driver takes them) through the driver, with none of SQLAlchemy's
    per-statement work, and answer its new id."""
    connection = session.connection()
    dialect = connection.dialect
    found = _ROW_INSERTS.get((table.name, dialect.name))
    if found is None:
        keys = [column.key for column in table.c if column.key != "id"]
        statement = insert(table)
        if dialect.insert_returning:
            statement = statement.returning(table.c.id)
        compiled = statement.compile(dialect=dialect, column_keys=keys)
        order = list(compiled.positiontup) if compiled.positiontup is not None else []
        converters: dict[str, Callable[[Any], Any]] = {
            column.key: processor
            for column in table.c
            if (processor := column.type._cached_bind_processor(dialect)) is not None
        }
        found = _ROW_INSERTS[table.name, dialect.name] = (str(compiled), order, converters)
    sql, order, converters = found
    converted = {
        key: (
            convert(value)
            if key not in given and (convert := converters.get(key)) is not None
            else value
        )
        for key, value in values.items()
    }
    parameters = tuple(converted[key] for key in order) if order else converted
    result = connection.exec_driver_sql(sql, parameters)
    new_id = result.scalar_one() if dialect.insert_returning else result.lastrowid
    ledger_versions.note_written(session, (values["company_id"],))
    return int(new_id)


# A written line as :meth:`Repository.line_values` reads it: every column of the table, in the
# table's order, by name and by position. Built from the values a write just stored (each
# column's type stores them exactly: integers, text, and decimals as their canonical text), so
# the write need not read its lines back.
_column_keys = [column.key for column in _LINES.c]
_written_line_type: Callable[..., Any] = namedtuple
WrittenLine: Any = _written_line_type("WrittenLine", _column_keys)


def _line_columns(rows: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    """Every column's values for the new rows, the id aside: each row's own value, or the
    column's default where no row names it (every row names the same columns, so the values
    are gathered a column at a time, with no dictionary built per row), a uuid made for each
    row that has none."""
    named = set(rows[0])
    count = len(rows)
    columns: dict[str, list[Any]] = {}
    for key in _column_keys[1:]:
        if key == "uuid":
            made = _new_uuids(count)
            given = [row.get("uuid") for row in rows] if "uuid" in named else made
            columns[key] = [value or new for value, new in zip(given, made, strict=True)]
        elif key in named:
            columns[key] = list(map(operator.itemgetter(key), rows))
        else:
            columns[key] = [_LINE_DEFAULTS[key]] * count
    return columns


def _new_uuids(count: int) -> list[str]:
    """``count`` random uuids as text, each what ``str(uuid.uuid4())`` makes (version 4, RFC
    4122 variant), from one read of the system's random source: a ``UUID`` object per line
    cost more than the line's other columns."""
    random = bytearray(os.urandom(16 * count))
    random[6::16] = bytes(byte & 0x0F | 0x40 for byte in random[6::16])
    random[8::16] = bytes(byte & 0x3F | 0x80 for byte in random[8::16])
    text = random.hex()
    return [
        f"{text[at : at + 8]}-{text[at + 8 : at + 12]}-{text[at + 12 : at + 16]}-"
        f"{text[at + 16 : at + 20]}-{text[at + 20 : at + 32]}"
        for at in range(0, 32 * count, 32)
    ]


def _line_parameters(
    columns: dict[str, list[Any]],
    keys: list[str],
    converters: dict[str, Callable[[Any], Any]],
) -> list[Any]:
    """Each row's values in parameter order (by name when ``keys`` is empty) as the driver
    takes them: each column converted in one pass, then the rows' tuples zipped together."""
    order = keys or _column_keys[1:]
    converted = []
    for key in order:
        values = columns[key]
        convert = converters.get(key)
        if convert is None:
            converted.append(values)
            continue
        # Lines share their values (a contract's retainage percent, None): each distinct
        # object is converted once. By identity, not equality: 10 and 10.0 are equal decimals
        # stored as different text.
        made = {
            id(value): convert(value) for value in {id(value): value for value in values}.values()
        }
        converted.append([made[id(value)] for value in values])
    if keys:
        return list(zip(*converted, strict=False))
    return [dict(zip(order, values, strict=True)) for values in zip(*converted, strict=False)]


# Statements of a create's reads as each dialect's driver takes them, compiled once: their SQL and
# their parameters' order (None: the driver takes them by name).
_DRIVER_READS: dict[tuple[int, str], tuple[str, tuple[str, ...] | None]] = {}


def _driver_rows(session: Session, statement: Select[Any], values: dict[str, Any]) -> list[Any]:
    """The rows of a statement built once (bound parameters only), sent to the driver as it is:
    SQLAlchemy's cache key, compiled-cache lookup and result processing cost more than a small
    read. Values come back as the driver reads them: integers and text (read a decimal column
    through :func:`_as_stored`, then :func:`_exact_decimals`)."""
    connection = session.connection()
    dialect = connection.dialect
    found = _DRIVER_READS.get((id(statement), dialect.name))
    if found is None:
        compiled = statement.compile(dialect=dialect)
        order = tuple(compiled.positiontup) if compiled.positiontup is not None else None
        found = _DRIVER_READS[id(statement), dialect.name] = (str(compiled), order)
    sql, order = found
    parameters = tuple(values[name] for name in order) if order is not None else values
    return list(connection.exec_driver_sql(sql, parameters).fetchall())


GroupedRow = TypeVar("GroupedRow")


@dataclass(frozen=True)
class PayAppFilter:
    """What a list of pay applications may be narrowed by (all optional, all ANDed)."""

    project_id: int | None = None
    contract_ids: Sequence[int] | None = None
    ids: Sequence[int] | None = None
    uuids: Sequence[str] | None = None
    numbers: Sequence[int] | None = None
    period_id: int | None = None
    statuses: Sequence[str] | None = None
    origin_id: str | None = None
    external_system: str | None = None
    external_id: str | None = None
    contract_kind: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None
    is_last: bool | None = None
    # Of the approved applications (APPROVED_STATUSES), only those paid in full
    # (rollups.is_paid, as paid_in_full_condition has it) when True, only those not when
    # False; the others are not affected.
    paid_in_full: bool | None = None


@dataclass(frozen=True)
class LatestPayApp:
    """A contract's last pay application (None before the first) and the advances and
    recoupments of all its applications, added up."""

    pay_app: PayApp | None
    advances: int
    recoupments: int


@dataclass(frozen=True, slots=True)
class PaymentRoom:
    """:meth:`Repository.payment_room`: cents, and the latest submitted application's number
    (None when none is submitted) and its earned less retainage (0 then)."""

    paid_on_contract: int
    paid_on_pay_app: int
    submitted_written_off: int
    latest_submitted: int | None
    latest_earned_less_retainage: int


def _payment_room() -> Select[Any]:
    """The statement of :meth:`Repository.payment_room`, built once (see below)."""
    payments, apps = _PAYMENTS, _PAY_APPS

    def paid(where: ColumnElement[bool]) -> Any:
        return (
            select(func.coalesce(func.sum(payments.c.amount_cents), 0))
            .where(
                where,
                payments.c.company_id == bindparam("company_id"),
                payments.c.id != bindparam("excluding_payment_id"),
            )
            .scalar_subquery()
        )

    submitted = (
        apps.c.company_id == bindparam("company_id"),
        apps.c.contract_id == bindparam("contract_id"),
        apps.c.status != PayAppStatus.DRAFT.value,
    )
    latest = (
        select(apps.c.number, apps.c.total_earned_less_retainage_cents)
        .where(*submitted)
        .order_by(apps.c.number.desc())
        .limit(1)
        .subquery()
    )
    return select(
        paid(payments.c.contract_id == bindparam("contract_id")),
        paid(payments.c.pay_app_id == bindparam("pay_app_id")),
        select(func.coalesce(func.sum(apps.c.written_off_cents), 0))
        .where(*submitted)
        .scalar_subquery(),
        select(latest.c.number).scalar_subquery(),
        select(latest.c.total_earned_less_retainage_cents).scalar_subquery(),
    )


# Built once: the statement is the same for every contract, and building it costs more than
# running it.
_PAYMENT_ROOM = _payment_room()
# The advances and recoupments of all the contract's applications are the sums the
# triggers keep (migration 0015): one row, however long the chain.
_LATEST_PAY_APP = (
    select(
        PayApp,
        ContractPayAppTotal.advance_amount_cents,
        ContractPayAppTotal.recoupment_amount_cents,
    )
    .outerjoin(ContractPayAppTotal, ContractPayAppTotal.contract_id == PayApp.contract_id)
    .where(PayApp.contract_id == bindparam("contract_id"))
    .order_by(PayApp.number.desc())
    .limit(1)
)

# A contract with what every answer about its pay applications shows of its header: its
# company, party, architect (when it has one), project, and the user asking (when there is
# one), in one query (built once, as above). The rows join the session like any it loads, so
# the answer's reads of them (Repository.company, parties, users, by_ids) find them there.
# ``FOR UPDATE OF contracts``: a writer locks the contract only (PostgreSQL; SQLite's writers
# hold the database's write lock), not the company and parties every other contract shares.
_CONTRACT_ARCHITECT = aliased(Party, name="architect")
_CONTRACT_WITH_HEADER = (
    select(Contract, Company, Party, _CONTRACT_ARCHITECT, Project, User)
    .join(Company, Company.id == Contract.company_id)
    .outerjoin(Party, and_(Party.id == Contract.party_id, Party.company_id == Contract.company_id))
    .outerjoin(
        _CONTRACT_ARCHITECT,
        and_(
            _CONTRACT_ARCHITECT.id == Contract.architect_id,
            _CONTRACT_ARCHITECT.company_id == Contract.company_id,
        ),
    )
    .outerjoin(
        Project, and_(Project.id == Contract.project_id, Project.company_id == Contract.company_id)
    )
    .outerjoin(User, User.id == bindparam("user_id"))
    .where(Contract.company_id == bindparam("company_id"), Contract.id == bindparam("contract_id"))
)
_CONTRACT_WITH_HEADER_LOCKED = _CONTRACT_WITH_HEADER.with_for_update(of=Contract.__table__)

# What a new pay application is built from, by contract, each statement built once: the
# contract's change-order packages, their items, the packages billed so far (with the number of
# the application that billed each) and its SOV lines' columns that a create computes with and
# shows.
_CONTRACT_PACKAGES = (
    select(ChangeOrderPackage)
    .where(ChangeOrderPackage.contract_id == bindparam("contract_id"))
    .order_by(ChangeOrderPackage.id)
)
_CONTRACT_ITEMS = (
    select(ChangeOrderItem)
    .where(ChangeOrderItem.contract_id == bindparam("contract_id"))
    .order_by(ChangeOrderItem.package_id, ChangeOrderItem.position, ChangeOrderItem.id)
)
_CONTRACT_BILLED_PACKAGES = (
    select(PayApp.number, PayAppPackage)
    .join(PayApp, PayApp.id == PayAppPackage.pay_app_id)
    .where(PayApp.contract_id == bindparam("contract_id"))
    .order_by(PayAppPackage.id)
)
_SOV_TABLE = cast(Table, SovLine.__table__)
NEW_APPLICATION_SOV_COLUMNS = (
    "id",
    "position",
    "number",
    "description",
    "cost_code",
    "scheduled_value_cents",
    "unit_price",
    "quantity",
    "origin_id",
)
# A plain named tuple: its fields are read at C speed, a Row's by a lookup each.
ScheduledSovLine: Any = _written_line_type("ScheduledSovLine", NEW_APPLICATION_SOV_COLUMNS)
_CONTRACT_SCHEDULE = (
    # Decimals read as their stored text (as _as_stored, defined below, reads them).
    select(
        *(
            type_coerce(column, String()) if isinstance(column.type, DecimalText) else column
            for column in (_SOV_TABLE.c[name] for name in NEW_APPLICATION_SOV_COLUMNS)
        )
    )
    .where(_SOV_TABLE.c.contract_id == bindparam("contract_id"))
    .order_by(_SOV_TABLE.c.position, _SOV_TABLE.c.id)
)
# The statements of Repository.lines_of_pay_app, by the columns they read.
_ONE_APPLICATION_LINES: dict[tuple[str, ...], Select[Any]] = {}
# The ids the database gave a pay application's new lines, by their uuids.
_LINE_IDS_BY_UUID = select(_LINES.c.uuid, _LINES.c.id).where(
    _LINES.c.pay_app_id == bindparam("pay_app_id")
)


@dataclass(frozen=True)
class PaymentFilter:
    project_id: int | None = None
    contract_id: int | None = None
    pay_app_id: int | None = None
    pay_app_ids: Sequence[int] | None = None
    ids: Sequence[int] | None = None
    contract_kind: str | None = None
    on_pay_app: bool | None = None  # True: only payments against a pay application
    # More conditions, all ANDed: see PaymentCondition.
    conditions: tuple[PaymentCondition, ...] = ()


# What a page of pay applications in ``Repository.pay_app_page_in_order`` may be sorted by: an
# invoice's date is its billing date, or the end of its period when it has none.
PAY_APP_SORT_KEYS: dict[str, ColumnElement[Any]] = {
    "current_payment_due_cents": _PAY_APPS.c.current_payment_due_cents,
    "due_date": _PAY_APPS.c.due_date,
    "invoiced_on": func.coalesce(_PAY_APPS.c.billing_date, _PAY_APPS.c.end_date),
}
PAYMENT_CONDITION_COLUMNS = frozenset({"id", "pay_app_id", "project_id", "date", "amount_cents"})
PAYMENT_SORT_COLUMNS = frozenset({"id", "date", "amount_cents"})


@dataclass(frozen=True)
class PaymentCondition:
    """A payment column compared with values: ``eq`` holds when the column equals any of them,
    ``not_eq`` when it equals none, ``gt``, ``gt_eq``, ``lt``, ``lt_eq`` when the comparison holds
    for every one. Columns: PAYMENT_CONDITION_COLUMNS (none of them is ever null)."""

    column: str
    operator: str
    values: tuple[Any, ...]


def token_holder(connection: Connection, token_hash: str) -> Sequence[Row[Any]]:
    """Who a token speaks for, in one indexed query of plain rows: one row per membership
    of its user (a single row with a NULL company when it has none), each with the token's
    scopes and expiry, the user, the company of the OAuth client it was issued to (NULL
    for a token of no client) and the membership company's ledger version. No row: no
    such token. Asked on every request, so on a bare connection (``UnitOfWork.read``)."""
    return connection.execute(_TOKEN_HOLDER, {"token_hash": token_hash}).all()


# Every request asks it: built once, so a request spends nothing on building the statement.
_TOKEN_HOLDER = (
    select(
        ApiToken.scopes,
        ApiToken.expires_at,
        User.id.label("user_id"),
        User.email,
        User.name,
        OAuthClient.company_id.label("client_company_id"),
        ApiToken.oauth_client_id,
        Membership.company_id,
        Membership.role,
        Membership.read_only,
        Company.ledger_version,
    )
    .join(User, User.id == ApiToken.user_id)
    .outerjoin(OAuthClient, OAuthClient.id == ApiToken.oauth_client_id)
    .outerjoin(Membership, Membership.user_id == User.id)
    .outerjoin(Company, Company.id == Membership.company_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


class Repository:
    def __init__(self, session: Session) -> None:
        self.session = session
        # Rows read for later reads of this transaction to find in the session: its identity
        # map holds them only while something else does.
        self._kept: list[Any] = []

    # -- generic -------------------------------------------------------------------------------
    def add(self, row: Base) -> None:
        self.session.add(row)

    def insert_audit_event(self, values: dict[str, Any]) -> None:
        """An audit event (every column but the id), written at once by the driver: an
        append-only row the session never reads back would cost a flush of its own as an ORM
        object. Its JSON is checked as the flush checks every row's. The caller flushes the rows
        it speaks of first (its company and user may be among them)."""
        _insert_row(
            self.session,
            _AUDIT_EVENTS,
            {
                **values,
                "before": _json_text("before", values["before"]),
                "after": _json_text("after", values["after"]),
            },
            given=_AUDIT_JSON,
        )

    def insert_pay_app(self, pay_app: PayApp) -> None:
        """Write a new pay application (built, not yet added) at once through the driver, then
        hold it in the session as if it had been flushed: every column set (the columns'
        defaults where it set none), its id given, nothing pending. A create's single-row
        INSERT through the session's flush costs several times the statement itself. Its
        values are checked as the flush checks every row's."""
        # Straight into the row's state: the history that attribute events would keep is reset
        # below, as a flush resets it.
        values = inspect(pay_app).dict
        for key, default, made in _PAY_APP_DEFAULTS:
            if key not in values:
                values[key] = default(None) if made else default
        text_guard.refuse_unstorable_row(pay_app)
        written = {key: values[key] for key in _PAY_APP_KEYS}
        values["id"] = _insert_row(self.session, _PAY_APPS, written)
        make_transient_to_detached(pay_app)
        self.session.add(pay_app)

    def delete(self, row: Base) -> None:
        self.session.delete(row)

    def by_ids(self, model: type[Model], company_id: int, ids: Iterable[int]) -> dict[int, Model]:
        """Rows of one kind by id, in one query, within the company."""
        wanted = set(ids)
        found: dict[int, Model] = {}
        # Rows this transaction already loaded are not read again.
        for row_id in list(wanted):
            loaded = self.session.identity_map.get(identity_key(model, row_id))
            if loaded is not None:
                wanted.discard(row_id)
                if getattr(loaded, "company_id", None) == company_id:
                    found[row_id] = loaded
        if not wanted:
            return found
        table: Any = model
        rows = self.session.scalars(
            select(model).where(table.company_id == company_id, _ids_in(table.id, wanted))
        )
        found.update({row.id: row for row in rows})  # type: ignore[attr-defined]
        return found

    def _scoped(self, model: type[Model], company_id: int, row_id: int) -> Model | None:
        row = self.session.get(model, row_id)
        if row is None or getattr(row, "company_id", None) != company_id:
            return None
        return row

    # -- people --------------------------------------------------------------------------------
    def project_and_company_by_uuid(
        self, company_id: int, project_uuid: str
    ) -> tuple[Project, Company] | None:
        """:meth:`project_by_uuid` and its company, read in one query: while the caller holds
        the company, the session has it and :meth:`company` asks the database nothing more."""
        row = self.session.execute(
            select(Project, Company)
            .join(Company, Company.id == Project.company_id)
            .where(Project.company_id == company_id, Project.uuid == project_uuid)
        ).first()
        return None if row is None else (row[0], row[1])

    def company(self, company_id: int) -> Company | None:
        return self.session.get(Company, company_id)

    def ledger_version(self, company_id: int) -> int | None:
        """The company's version as committed now (never a value the session holds)."""
        return self.session.scalar(select(Company.ledger_version).where(Company.id == company_id))

    def companies(self) -> Sequence[Company]:
        return self.session.scalars(select(Company).order_by(Company.id)).all()

    def companies_of_user(self, user_id: int) -> Sequence[Company]:
        """The companies a user is a member of, by id."""
        return self.session.scalars(
            select(Company)
            .join(Membership, Membership.company_id == Company.id)
            .where(Membership.user_id == user_id)
            .order_by(Company.id)
        ).all()

    def token_by_hash(self, token_hash: str) -> tuple[ApiToken, User, OAuthClient | None] | None:
        """A token, its user and, for a token issued to an OAuth client, that client."""
        found = self.session.execute(
            select(ApiToken, User, OAuthClient)
            .join(User, User.id == ApiToken.user_id)
            .outerjoin(OAuthClient, OAuthClient.id == ApiToken.oauth_client_id)
            .where(ApiToken.token_hash == token_hash)
        ).first()
        return None if found is None else (found[0], found[1], found[2])

    def oauth_client(self, client_id: str) -> OAuthClient | None:
        return self.session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))

    def refresh_token_by_hash(
        self, token_hash: str, *, lock: bool = False
    ) -> tuple[OAuthRefreshToken, OAuthClient] | None:
        return self._with_client(
            OAuthRefreshToken, OAuthRefreshToken.token_hash == token_hash, lock=lock
        )

    def _with_client(
        self, model: type[Granted], condition: ColumnElement[bool], *, lock: bool
    ) -> tuple[Granted, OAuthClient] | None:
        """The one row of an OAuth client's refresh tokens or codes matching ``condition``, and
        its client; ``lock`` holds the row until the transaction ends (it is about to be used)."""
        query = (
            select(model, OAuthClient)
            .join(OAuthClient, OAuthClient.id == model.oauth_client_id)
            .where(condition)
        )
        if lock:
            query = query.with_for_update()
        found = self.session.execute(query).first()
        return None if found is None else (found[0], found[1])

    def delete_expired_tokens(self, oauth_client_id: int, now: datetime) -> None:
        """Drop a client's access and refresh tokens that can no longer be used."""
        self.session.execute(
            delete(ApiToken).where(
                ApiToken.oauth_client_id == oauth_client_id, ApiToken.expires_at <= now
            )
        )
        self.session.execute(
            delete(OAuthRefreshToken).where(
                OAuthRefreshToken.oauth_client_id == oauth_client_id,
                OAuthRefreshToken.expires_at <= now,
            )
        )

    def oauth_token_grant(
        self, oauth_client_id: int, token_hash: str
    ) -> tuple[ApiToken | OAuthRefreshToken, str | None] | None:
        """The client's access or refresh token with this hash, and the grant that issued it."""
        access = self.session.scalar(
            select(ApiToken).where(
                ApiToken.token_hash == token_hash, ApiToken.oauth_client_id == oauth_client_id
            )
        )
        if access is not None:
            return access, access.oauth_grant
        refresh = self.session.scalar(
            select(OAuthRefreshToken).where(
                OAuthRefreshToken.token_hash == token_hash,
                OAuthRefreshToken.oauth_client_id == oauth_client_id,
            )
        )
        return None if refresh is None else (refresh, refresh.oauth_grant)

    def delete_grant_tokens(self, oauth_client_id: int, grant: str) -> int:
        """Drop every access and refresh token one grant of the client issued; how many."""
        dropped = 0
        for model in (ApiToken, OAuthRefreshToken):
            result = self.session.execute(
                delete(model).where(
                    model.oauth_client_id == oauth_client_id, model.oauth_grant == grant
                )
            )
            dropped += result.rowcount  # type: ignore[attr-defined]
        return dropped

    def redirect_uris(self, oauth_client_id: int) -> list[str]:
        """A client's registered redirect URIs, in the order they were registered."""
        return list(
            self.session.scalars(
                select(OAuthRedirectUri.uri)
                .where(OAuthRedirectUri.oauth_client_id == oauth_client_id)
                .order_by(OAuthRedirectUri.id)
            )
        )

    def authorization_code_by_hash(
        self, code_hash: str, *, lock: bool = False
    ) -> tuple[OAuthAuthorizationCode, OAuthClient] | None:
        return self._with_client(
            OAuthAuthorizationCode, OAuthAuthorizationCode.code_hash == code_hash, lock=lock
        )

    def delete_expired_codes(self, oauth_client_id: int, now: datetime) -> None:
        self.session.execute(
            delete(OAuthAuthorizationCode).where(
                OAuthAuthorizationCode.oauth_client_id == oauth_client_id,
                OAuthAuthorizationCode.expires_at <= now,
            )
        )

    def memberships_of(self, user_id: int) -> dict[int, str]:
        rows = self.session.execute(
            select(Membership.company_id, Membership.role).where(Membership.user_id == user_id)
        ).all()
        return {company_id: role for company_id, role in rows}  # noqa: C416 - rows are Row tuples

    def membership(self, user_id: int, company_id: int) -> Membership | None:
        return self.session.scalar(
            select(Membership).where(
                Membership.user_id == user_id, Membership.company_id == company_id
            )
        )

    def members(self, company_id: int) -> Sequence[tuple[Membership, User]]:
        """The company's memberships with their users, by user id."""
        rows = self.session.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.company_id == company_id)
            .order_by(User.id)
        )
        return [(membership, user) for membership, user in rows.tuples()]

    def tokens_of(self, user_ids: Iterable[int]) -> Sequence[ApiToken]:
        ids = set(user_ids)
        if not ids:
            return []
        return self.session.scalars(
            select(ApiToken).where(ApiToken.user_id.in_(ids)).order_by(ApiToken.id)
        ).all()

    def api_token(self, token_id: int) -> ApiToken | None:
        return self.session.get(ApiToken, token_id)

    def read_only_companies(self, user_id: int) -> frozenset[int]:
        """The companies where the user is a read-only member."""
        return frozenset(
            self.session.scalars(
                select(Membership.company_id).where(
                    Membership.user_id == user_id, Membership.read_only.is_(True)
                )
            )
        )

    def user(self, user_id: int) -> User | None:
        return self.session.get(User, user_id)

    def web_session_by_hash(self, token_hash: str) -> tuple[WebSession, User] | None:
        found = self.session.execute(
            select(WebSession, User)
            .join(User, User.id == WebSession.user_id)
            .where(WebSession.token_hash == token_hash)
        ).first()
        return None if found is None else (found[0], found[1])

    def web_sessions_of(self, user_id: int) -> Sequence[WebSession]:
        return self.session.scalars(select(WebSession).where(WebSession.user_id == user_id)).all()

    def delete_expired_web_sessions(self, now: datetime) -> None:
        self.session.execute(delete(WebSession).where(WebSession.expires_at <= now))

    def user_by_email(self, email: str) -> User | None:
        return self.session.scalar(select(User).where(func.lower(User.email) == email.lower()))

    def users(self, user_ids: Iterable[int]) -> dict[int, User]:
        ids = set(user_ids)
        found: dict[int, User] = {}
        # Users this transaction already loaded are not read again.
        for user_id in list(ids):
            loaded = self.session.identity_map.get(identity_key(User, user_id))
            if loaded is not None:
                ids.discard(user_id)
                found[user_id] = loaded
        if ids:
            found.update(
                {u.id: u for u in self.session.scalars(select(User).where(_ids_in(User.id, ids)))}
            )
        return found

    # -- directory and projects ----------------------------------------------------------------
    def parties(self, company_id: int, party_ids: Iterable[int]) -> dict[int, Party]:
        return self.by_ids(Party, company_id, party_ids)

    def project(self, company_id: int, project_id: int) -> Project | None:
        return self._scoped(Project, company_id, project_id)

    def project_by_uuid(self, company_id: int, project_uuid: str) -> Project | None:
        return self.session.scalar(
            select(Project).where(Project.company_id == company_id, Project.uuid == project_uuid)
        )

    def projects(self, company_id: int) -> Sequence[Project]:
        return self.session.scalars(
            select(Project).where(Project.company_id == company_id).order_by(Project.id)
        ).all()

    def period(self, company_id: int, period_id: int) -> BillingPeriod | None:
        return self._scoped(BillingPeriod, company_id, period_id)

    def periods(self, company_id: int, project_id: int) -> Sequence[BillingPeriod]:
        return self.session.scalars(
            select(BillingPeriod)
            .where(BillingPeriod.company_id == company_id, BillingPeriod.project_id == project_id)
            .order_by(BillingPeriod.start_date)
        ).all()

    # -- contracts -----------------------------------------------------------------------------
    def contract(self, company_id: int, contract_id: int, *, lock: bool = False) -> Contract | None:
        query = select(Contract).where(
            Contract.company_id == company_id, Contract.id == contract_id
        )
        if lock:
            # Serializes every writer of one contract on PostgreSQL (SQLite: BEGIN IMMEDIATE).
            query = query.with_for_update()
        return self.session.scalar(query)

    def contract_with_header(
        self, company_id: int, contract_id: int, user_id: int | None, *, lock: bool = False
    ) -> Contract | None:
        """:meth:`contract`, read with its company, party, architect, project and the user
        ``user_id`` in the same query: they join the session, so the reads that follow
        (``company``, ``parties``, ``by_ids``, ``users``) take them from it."""
        statement = _CONTRACT_WITH_HEADER_LOCKED if lock else _CONTRACT_WITH_HEADER
        found = self.session.execute(
            statement, {"company_id": company_id, "contract_id": contract_id, "user_id": user_id}
        ).first()
        if found is None:
            return None
        self._kept.extend(found[1:])
        return cast(Contract, found[0])

    def contracts_by_number(self, company_id: int, number: str) -> Sequence[Contract]:
        return self.session.scalars(
            select(Contract)
            .where(Contract.company_id == company_id, Contract.number == number)
            .order_by(Contract.id)
        ).all()

    def contracts(self, company_id: int, project_id: int | None = None) -> Sequence[Contract]:
        query = select(Contract).where(Contract.company_id == company_id)
        if project_id is not None:
            query = query.where(Contract.project_id == project_id)
        return self.session.scalars(query.order_by(Contract.id)).all()

    def contract_refs(
        self, company_id: int, kind: str, *, offset: int, limit: int
    ) -> tuple[list[tuple[int, str]], int]:
        """One page of a company's contracts of a kind as (id, number), by id, and how many
        there are: a list of references needs no contract loaded."""
        where = (Contract.company_id == company_id, Contract.kind == kind)
        total = self.session.scalar(select(func.count()).select_from(Contract).where(*where)) or 0
        rows = self.session.execute(
            select(Contract.id, Contract.number)
            .where(*where)
            .order_by(Contract.id)
            .offset(offset)
            .limit(limit)
        ).all()
        return [(row.id, row.number) for row in rows], total

    def contract_line_refs(
        self, company_id: int, kind: str, *, offset: int, limit: int
    ) -> tuple[list[tuple[int, str]], int]:
        """One page of the SOV lines of a company's contracts of a kind as (id, number), by
        contract and then by position, and how many there are."""
        where = (Contract.company_id == company_id, Contract.kind == kind)
        lines = select(SovLine.id, SovLine.number).join(
            Contract, Contract.id == SovLine.contract_id
        )
        total = (
            self.session.scalar(
                select(func.count())
                .select_from(SovLine)
                .join(Contract, Contract.id == SovLine.contract_id)
                .where(*where)
            )
            or 0
        )
        rows = self.session.execute(
            lines.where(*where)
            .order_by(Contract.id, SovLine.position, SovLine.id)
            .offset(offset)
            .limit(limit)
        ).all()
        return [(row.id, row.number) for row in rows], total

    def contracts_with_parties(
        self, company_id: int, ids: Iterable[int]
    ) -> tuple[dict[int, Contract], dict[int, Party]]:
        """Contracts by id and their parties and architects by id, read in one query."""
        wanted = set(ids)
        if not wanted:
            return {}, {}
        return self._contracts_and_parties(company_id, _ids_in(Contract.id, wanted))

    def project_contracts_with_parties(
        self, company_id: int, project_id: int
    ) -> tuple[dict[int, Contract], dict[int, Party]]:
        """A project's contracts by id, in id order (``contracts``' order), and their parties
        and architects by id, read in one query: what a list of its pay applications needs to
        find contracts by UUID, name its prime ones and show the page's."""
        return self._contracts_and_parties(company_id, Contract.project_id == project_id)

    def _contracts_and_parties(
        self, company_id: int, condition: Any
    ) -> tuple[dict[int, Contract], dict[int, Party]]:
        rows = self.session.execute(
            select(Contract, Party)
            .join(Party, (Party.id == Contract.party_id) | (Party.id == Contract.architect_id))
            .where(Contract.company_id == company_id, Party.company_id == company_id, condition)
            .order_by(Contract.id)
        )
        contracts: dict[int, Contract] = {}
        parties: dict[int, Party] = {}
        for contract, party in rows:
            contracts[contract.id] = contract
            parties[party.id] = party
        return contracts, parties

    def contracts_by_id(self, company_id: int, ids: Iterable[int]) -> dict[int, Contract]:
        return self.by_ids(Contract, company_id, ids)

    def sov_line_ids(self, contract_id: int) -> list[int]:
        """A contract's SOV line ids, in schedule order."""
        return list(
            self.session.scalars(
                select(SovLine.id)
                .where(SovLine.contract_id == contract_id)
                .order_by(SovLine.position, SovLine.id)
            )
        )

    def sov_lines(self, contract_id: int) -> Sequence[SovLine]:
        return self.session.scalars(
            select(SovLine)
            .where(SovLine.contract_id == contract_id)
            .order_by(SovLine.position, SovLine.id)
        ).all()

    def package(self, company_id: int, package_id: int) -> ChangeOrderPackage | None:
        return self._scoped(ChangeOrderPackage, company_id, package_id)

    def packages(self, contract_id: int) -> Sequence[ChangeOrderPackage]:
        return self.session.scalars(_CONTRACT_PACKAGES, {"contract_id": contract_id}).all()

    def packages_of(self, contract_ids: Iterable[int]) -> dict[int, list[ChangeOrderPackage]]:
        ids = set(contract_ids)
        rows = self.session.scalars(
            select(ChangeOrderPackage)
            .where(_ids_in(ChangeOrderPackage.contract_id, ids))
            .order_by(ChangeOrderPackage.id)
        )
        return _grouped(ids, rows, lambda row: row.contract_id)

    def package_items(self, contract_id: int) -> Sequence[ChangeOrderItem]:
        return self.session.scalars(_CONTRACT_ITEMS, {"contract_id": contract_id}).all()

    def package_items_of(self, contract_ids: Iterable[int]) -> dict[int, list[ChangeOrderItem]]:
        ids = set(contract_ids)
        rows = self.session.scalars(
            select(ChangeOrderItem)
            .where(_ids_in(ChangeOrderItem.contract_id, ids))
            .order_by(ChangeOrderItem.package_id, ChangeOrderItem.position, ChangeOrderItem.id)
        )
        return _grouped(ids, rows, lambda row: row.contract_id)

    # -- pay applications ----------------------------------------------------------------------
    def pay_app(self, company_id: int, pay_app_id: int) -> PayApp | None:
        return self._scoped(PayApp, company_id, pay_app_id)

    def pay_app_by_uuid(self, company_id: int, pay_app_uuid: str) -> PayApp | None:
        return self.session.scalar(
            select(PayApp).where(PayApp.company_id == company_id, PayApp.uuid == pay_app_uuid)
        )

    def pay_app_by_origin_id(self, company_id: int, origin_id: str) -> PayApp | None:
        return self.session.scalar(
            select(PayApp).where(PayApp.company_id == company_id, PayApp.origin_id == origin_id)
        )

    def pay_apps_of_contract(self, contract_id: int) -> Sequence[PayApp]:
        return self.pay_apps_of([contract_id])[contract_id]

    def pay_app_columns_of_contract(
        self, company_id: int, contract_id: int, columns: Sequence[str]
    ) -> list[Row[Any]]:
        """A contract's pay applications in number order as plain rows of the named columns,
        by name: a write that needs a few columns of every application (a recompute) loads no
        ORM object for them, nor has them to refresh after it stores their new figures."""
        table = cast(Table, PayApp.__table__)
        contracts = cast(Table, Contract.__table__)
        return list(
            self.session.execute(
                select(*(table.c[name] for name in columns))
                # Scoped through the contract: the applications are then found by their
                # (contract_id, number) index, in order (see sov_line_columns_of).
                .join(contracts, contracts.c.id == table.c.contract_id)
                .where(contracts.c.company_id == company_id, table.c.contract_id == contract_id)
                .order_by(table.c.number)
            ).all()
        )

    def pay_apps_of(self, contract_ids: Iterable[int]) -> dict[int, list[PayApp]]:
        """Each contract's pay applications, in number order."""
        ids = set(contract_ids)
        rows = self.session.scalars(
            select(PayApp).where(_ids_in(PayApp.contract_id, ids)).order_by(PayApp.number)
        )
        return _grouped(ids, rows, lambda row: row.contract_id)

    def pay_apps_by_number(
        self, wanted: Iterable[tuple[int, int]]
    ) -> dict[tuple[int, int], PayApp]:
        """Pay applications by (contract id, number), in one query."""
        pairs = set(wanted)
        if not pairs:
            return {}
        rows = self.session.scalars(
            select(PayApp).where(tuple_(PayApp.contract_id, PayApp.number).in_(sorted(pairs)))
        )
        return {(row.contract_id, row.number): row for row in rows}

    def advance_history(self, contract_ids: Iterable[int]) -> dict[int, list[Row[Any]]]:
        """Each contract's (number, exchange_rate, advance, recoupment) by number: plain rows,
        for what a page of applications needs from the earlier ones."""
        ids = set(contract_ids)
        rows = self.session.execute(
            select(
                PayApp.contract_id,
                PayApp.number,
                PayApp.exchange_rate,
                PayApp.advance_amount_cents,
                PayApp.recoupment_amount_cents,
            )
            .where(_ids_in(PayApp.contract_id, ids))
            .order_by(PayApp.contract_id, PayApp.number)
        )
        return _grouped(ids, rows, lambda row: row.contract_id)

    def billed_packages_of(
        self, contract_ids: Iterable[int]
    ) -> dict[int, list[tuple[int, PayAppPackage]]]:
        """The packages billed on each contract's pay applications, with the number of the
        application that billed each."""
        ids = set(contract_ids)
        rows = self.session.execute(
            select(PayApp.contract_id, PayApp.number, PayAppPackage)
            .join(PayApp, PayApp.id == PayAppPackage.pay_app_id)
            .where(_ids_in(PayApp.contract_id, ids))
            .order_by(PayAppPackage.id)
        )
        grouped: dict[int, list[tuple[int, PayAppPackage]]] = {cid: [] for cid in ids}
        for contract_id, number, billed in rows:
            grouped[contract_id].append((number, billed))
        return grouped

    def billed_packages(self, contract_id: int) -> list[tuple[int, PayAppPackage]]:
        """:meth:`billed_packages_of` of one contract."""
        rows = self.session.execute(_CONTRACT_BILLED_PACKAGES, {"contract_id": contract_id})
        return [(number, billed) for number, billed in rows]

    def latest_pay_app(self, contract_id: int) -> LatestPayApp:
        """A contract's last pay application (None before its first), with what the advances
        and recoupments of all its applications add up to: one query gives a new application
        its number, the application it is computed from and the sums its answer shows."""
        found = self.session.execute(_LATEST_PAY_APP, {"contract_id": contract_id}).first()
        if found is None:
            return LatestPayApp(None, 0, 0)
        if found[1] is None:
            # Only a hand-edited database lacks the row: its sums would be guesses.
            raise RuntimeError(f"contract {contract_id} has pay applications but no kept totals")
        return LatestPayApp(found[0], found[1], found[2])

    def latest_numbers(self, contract_ids: Iterable[int]) -> dict[int, int]:
        ids = set(contract_ids)
        if not ids:
            return {}
        rows = self.session.execute(
            select(PayApp.contract_id, func.max(PayApp.number))
            .where(_ids_in(PayApp.contract_id, ids))
            .group_by(PayApp.contract_id)
        ).all()
        return {contract_id: number for contract_id, number in rows}  # noqa: C416

    def pay_app_lines(self, pay_app_ids: Iterable[int]) -> dict[int, list[PayAppLine]]:
        ids = list(pay_app_ids)
        result: dict[int, list[PayAppLine]] = {pay_app_id: [] for pay_app_id in ids}
        if not ids:
            return result
        rows = self.session.scalars(
            select(PayAppLine)
            .where(_ids_in(PayAppLine.pay_app_id, ids))
            .order_by(PayAppLine.pay_app_id, PayAppLine.position, PayAppLine.id)
        )
        for row in rows:
            result[row.pay_app_id].append(row)
        return result

    def line_values(self, pay_app_ids: Iterable[int]) -> dict[int, list[Any]]:
        """Pay-app lines as plain rows of every column, by name and by position in the table's
        order (no ORM objects): read as :meth:`line_columns` reads, no type's result processing
        per value."""
        return {
            pay_app_id: list(map(WrittenLine._make, lines))
            for pay_app_id, lines in self._line_tuples(None, pay_app_ids, _column_keys).items()
        }

    def line_columns(
        self, company_id: int, pay_app_ids: Iterable[int], columns: Sequence[str]
    ) -> dict[int, list[tuple[Any, ...]]]:
        """The named columns of the given pay applications' lines, each line a plain tuple of
        them in that order, each application's lines in their order: the fast path for reading
        many lines when only some columns are needed.

        Decimal columns come back as ``Decimal``, the others as the driver reads them (integers
        and text). Each value passes through no type's result processing: a decimal column is
        read as its stored text and each distinct text made a ``Decimal`` once, the columns
        turned into rows by ``zip``, with no per-row Python step."""
        return self._line_tuples(company_id, pay_app_ids, columns)

    def _line_tuples(
        self, company_id: int | None, pay_app_ids: Iterable[int], columns: Sequence[str]
    ) -> dict[int, list[tuple[Any, ...]]]:
        """:meth:`line_columns`; ``company_id`` None: the ids are the caller's own, already
        scoped (:meth:`line_values`)."""
        ids = list(pay_app_ids)
        result: dict[int, list[tuple[Any, ...]]] = {pay_app_id: [] for pay_app_id in ids}
        if not ids:
            return result
        statement = select(_LINES.c.pay_app_id, *(_as_stored(_LINES.c[name]) for name in columns))
        if company_id is not None:
            # Scoped through the pay application: a condition on the lines' own company_id
            # leads SQLite to read every line of the company by that index, then sort them.
            statement = statement.join(_PAY_APPS, _PAY_APPS.c.id == _LINES.c.pay_app_id).where(
                _PAY_APPS.c.company_id == _written_in(company_id)
            )
        rows = self.session.execute(
            statement.where(_ids_in(_LINES.c.pay_app_id, ids)).order_by(
                _LINES.c.pay_app_id, _LINES.c.position, _LINES.c.id
            )
        ).all()
        if not rows:
            return result
        pay_app_of, *values = zip(*rows, strict=True)
        lines = list(zip(*_exact_columns(_LINES, columns, list(values)), strict=True))
        start = 0
        # The rows come grouped by pay application (the order above).
        for pay_app_id, run in groupby(pay_app_of):
            end = start + sum(1 for _ in run)
            result[pay_app_id] = lines[start:end]
            start = end
        return result

    def lines_of_pay_app(
        self, company_id: int, pay_app_id: int, columns: tuple[str, ...]
    ) -> list[tuple[Any, ...]]:
        """:meth:`line_columns` of one pay application, each line a plain tuple of the named
        columns, by a statement built once for those columns and sent to the driver as it is
        (a create reads the previous application's lines so)."""
        statement = _ONE_APPLICATION_LINES.get(columns)
        if statement is None:
            statement = _ONE_APPLICATION_LINES[columns] = (
                select(*(_as_stored(_LINES.c[name]) for name in columns))
                .join(_PAY_APPS, _PAY_APPS.c.id == _LINES.c.pay_app_id)
                .where(
                    _PAY_APPS.c.company_id == bindparam("company_id"),
                    _LINES.c.pay_app_id == bindparam("pay_app_id"),
                )
                .order_by(_LINES.c.position, _LINES.c.id)
            )
        rows = _driver_rows(
            self.session, statement, {"company_id": company_id, "pay_app_id": pay_app_id}
        )
        if not rows:
            return []
        values = _exact_columns(_LINES, columns, list(zip(*rows, strict=True)))
        return list(zip(*values, strict=True))

    def stored_materials_of(
        self, pay_app_ids: Iterable[int]
    ) -> dict[int, dict[tuple[int | None, int | None], int]]:
        """Each pay app's F per line, keyed by the SOV line or change-order item it bills."""
        ids = list(pay_app_ids)
        result: dict[int, dict[tuple[int | None, int | None], int]] = {i: {} for i in ids}
        if not ids:
            return result
        table = PayAppLine.__table__
        rows = self.session.execute(
            select(
                table.c.pay_app_id,
                table.c.sov_line_id,
                table.c.change_order_item_id,
                table.c.materials_presently_stored_cents,
            ).where(_ids_in(table.c.pay_app_id, ids))
        )
        for pay_app_id, sov_line_id, item_id, stored in rows:
            result[pay_app_id][(sov_line_id, item_id)] = stored
        return result

    def sov_line_values_of(self, contract_ids: Iterable[int]) -> dict[int, list[Row[Any]]]:
        """Each contract's SOV lines as plain rows (no ORM objects)."""
        ids = set(contract_ids)
        table = SovLine.__table__
        rows = self.session.execute(
            select(table)
            .where(_ids_in(table.c.contract_id, ids))
            .order_by(table.c.position, table.c.id)
        )
        return _grouped(ids, rows, lambda row: row.contract_id)

    def sov_schedule(self, contract_id: int) -> Sequence[Row[Any]]:
        """A contract's SOV lines as plain rows of ``NEW_APPLICATION_SOV_COLUMNS`` (what a new pay
        application computes with and shows of them), in schedule order."""
        rows = _driver_rows(self.session, _CONTRACT_SCHEDULE, {"contract_id": contract_id})
        if not rows:
            return []
        columns = _exact_columns(
            _SOV_TABLE, NEW_APPLICATION_SOV_COLUMNS, list(zip(*rows, strict=True))
        )
        return list(map(ScheduledSovLine._make, zip(*columns, strict=True)))

    def sov_line_columns_of(
        self, company_id: int, contract_ids: Iterable[int], columns: Sequence[str]
    ) -> dict[int, list[Row[Any]]]:
        """Each contract's SOV lines as plain rows of the named columns only, by name (and
        ``contract_id``): a reader that shows or computes with a few of them does not read the
        others (``details`` is JSON, decoded for every row it is read in)."""
        ids = set(contract_ids)
        table = cast(Table, SovLine.__table__)
        contracts = cast(Table, Contract.__table__)
        rows = self.session.execute(
            select(
                table.c.contract_id, *(table.c[name] for name in columns if name != "contract_id")
            )
            # Scoped through the contract: the lines are then found by the contract's index (a
            # condition on their own company_id can lead SQLite to read the company's every line
            # by that index; see line_columns).
            .join(contracts, contracts.c.id == table.c.contract_id)
            .where(contracts.c.company_id == company_id, _ids_in(table.c.contract_id, ids))
            .order_by(table.c.position, table.c.id)
        )
        return _grouped(ids, rows, lambda row: row.contract_id)

    def pay_app_packages(self, contract_id: int) -> Sequence[PayAppPackage]:
        return self.pay_app_packages_of([contract_id])[contract_id]

    def pay_app_packages_of(self, contract_ids: Iterable[int]) -> dict[int, list[PayAppPackage]]:
        """The packages billed on each contract's pay applications."""
        ids = set(contract_ids)
        rows = self.session.execute(
            select(PayApp.contract_id, PayAppPackage)
            .join(PayApp, PayApp.id == PayAppPackage.pay_app_id)
            .where(_ids_in(PayApp.contract_id, ids))
            .order_by(PayAppPackage.id)
        )
        grouped: dict[int, list[PayAppPackage]] = {contract_id: [] for contract_id in ids}
        for contract_id, billed in rows:
            grouped[contract_id].append(billed)
        return grouped

    def insert_pay_app_lines(self, rows: Sequence[dict[str, Any]]) -> None:
        """New pay-app lines in one batched statement (column defaults apply); read them back
        with :meth:`pay_app_lines`."""
        if rows:
            self.session.execute(insert(_LINES), list(rows))

    def insert_pay_app_lines_returning(self, rows: Sequence[dict[str, Any]]) -> list[Row[Any]]:
        """New pay-app lines (every row naming the same columns) in one batched statement,
        answered as rows with the columns :meth:`line_values` reads, by name and position (in
        its order: by pay application, position, id): a write that already holds the lines
        need not read them back."""
        if not rows:
            return []
        # The driver's executemany of a statement compiled once, each row's values as the
        # driver takes them (every column given: the defaults and the uuid are filled here),
        # then the rows read back in one query: a fraction of the Python steps per row that
        # SQLAlchemy's batched INSERT ... RETURNING takes.
        sql, keys, converters = _line_insert(self.session.get_bind().dialect)
        columns = _line_columns(rows)
        self.session.connection().exec_driver_sql(sql, _line_parameters(columns, keys, converters))
        ledger_versions.note_written(self.session, {row["company_id"] for row in rows})
        # Only the ids the database gave are read back, by uuid; the rest is what was written.
        id_of: dict[str, int] = {}
        for pay_app_id in sorted({row["pay_app_id"] for row in rows}):
            id_of.update(_driver_rows(self.session, _LINE_IDS_BY_UUID, {"pay_app_id": pay_app_id}))
        uuids = columns["uuid"]
        written = map(
            WrittenLine._make,
            zip([id_of[value] for value in uuids], *columns.values(), strict=False),
        )
        return sorted(written, key=operator.attrgetter("pay_app_id", "position", "id"))

    def store_line_values(self, changes: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """Set columns of pay-app lines (each change: a line's id and its new values, the same
        columns for every line) in one batched UPDATE. A line the session holds takes the values
        as stored, so it is neither stale nor written a second time."""
        self._store_values(PayAppLine, changes)

    def store_pay_app_values(self, changes: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """Set columns of pay applications as :meth:`store_line_values` sets lines': one batched
        UPDATE, where the session's flush sends one statement per application."""
        self._store_values(PayApp, changes)

    def _store_values(
        self, model: type[PayAppLine] | type[PayApp], changes: Sequence[tuple[int, dict[str, Any]]]
    ) -> None:
        if not changes:
            return
        table = cast(Table, model.__table__)
        columns = list(changes[0][1])
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({column: bindparam(column) for column in columns})
        )
        self.session.execute(
            statement, [{"row_id": row_id, **values} for row_id, values in changes]
        )
        for row_id, values in changes:
            held = self.session.identity_map.get(identity_key(model, row_id))
            if held is not None:
                for column, value in values.items():
                    set_committed_value(held, column, value)

    def delete_lines_of_items(self, pay_app_ids: Sequence[int], item_ids: Sequence[int]) -> None:
        self.session.execute(
            delete(PayAppLine).where(
                _ids_in(PayAppLine.pay_app_id, pay_app_ids),
                _ids_in(PayAppLine.change_order_item_id, item_ids),
            )
        )

    def list_pay_apps(
        self,
        company_id: int,
        where: PayAppFilter,
        *,
        order_by: Sequence[tuple[str, bool]] = (("id", False),),
        offset: int = 0,
        limit: int | None = None,
    ) -> tuple[Sequence[PayApp], int]:
        """A page of pay applications and the total that matched. ``order_by``: (column, desc)."""
        page, total = self._pay_app_page(company_id, where, order_by, offset, limit)
        return self.session.scalars(page).all(), total

    def pay_app_page_values(
        self,
        company_id: int,
        where: PayAppFilter,
        *,
        order_by: Sequence[tuple[str, bool]] = (("id", False),),
        offset: int = 0,
        limit: int | None = None,
    ) -> tuple[list[Row[Any]], int]:
        """:meth:`list_pay_apps`'s page and total, the applications as plain rows (no ORM
        objects): a list page reads them once and builds nothing else from them."""
        page, total = self._pay_app_page(company_id, where, order_by, offset, limit)
        return list(self.session.execute(page.with_only_columns(*_PAY_APPS.c))), total

    def _pay_app_page(
        self,
        company_id: int,
        where: PayAppFilter,
        order_by: Sequence[tuple[str, bool]],
        offset: int,
        limit: int | None,
    ) -> tuple[Select[Any], int]:
        """The statement of a page of pay applications, sorted and cut, and the total that
        matched."""
        total = self.pay_app_count(company_id, where)
        page = _pay_app_order(self._pay_app_query(company_id, where), order_by).offset(offset)
        return (page if limit is None else page.limit(limit)), total

    def previous_pay_app_values(
        self, company_id: int, pay_app_ids: Iterable[int], columns: Iterable[str]
    ) -> dict[int, Row[Any]]:
        """The previous application (same contract, number less one) of each of the given
        ones, as plain rows of the named columns, keyed by the id of the one it precedes;
        first applications are left out."""
        ids = set(pay_app_ids)
        if not ids:
            return {}
        following = _FOLLOWING_PAY_APPS
        named = set(columns)
        rows = self.session.execute(
            select(
                following.c.id.label("following_id"),
                *(column for column in _PAY_APPS.c if column.name in named),
            )
            .join(
                following,
                # The arithmetic on the given side, so the previous one is read by the
                # (contract_id, number) index and not by scanning every application.
                (_PAY_APPS.c.contract_id == following.c.contract_id)
                & (_PAY_APPS.c.number == following.c.number - 1),
            )
            .where(following.c.company_id == company_id, _ids_in(following.c.id, ids))
        )
        return {row.following_id: row for row in rows}

    def chain_positions(
        self, company_id: int, pay_app_ids: Iterable[int]
    ) -> dict[int, tuple[int, int, int]]:
        """Where each given pay application stands in its contract's chain, summed by the
        database: (the advances of the applications before it, their recoupments, the latest
        number of the chain). One row an application, whatever the length of the chain."""
        ids = set(pay_app_ids)
        if not ids:
            return {}
        given = _GIVEN_PAY_APPS
        chain = _PAY_APPS.c
        earlier = chain.number < given.c.number

        def before(column: Any) -> Any:
            return func.coalesce(func.sum(case((earlier, column), else_=0)), 0)

        rows = self.session.execute(
            select(
                given.c.id,
                before(chain.advance_amount_cents),
                before(chain.recoupment_amount_cents),
                func.max(chain.number),
            )
            .join(given, given.c.contract_id == chain.contract_id)
            .where(given.c.company_id == company_id, _ids_in(given.c.id, ids))
            .group_by(given.c.id)
        )
        return {
            pay_app_id: (int(advances), int(recoupments), int(latest))
            for pay_app_id, advances, recoupments, latest in rows
        }

    def pay_app_count(self, company_id: int, where: PayAppFilter) -> int:
        """How many pay applications match (``list_pay_apps``' total)."""
        query = self._pay_app_query(company_id, where)
        return self.session.scalar(select(func.count()).select_from(query.subquery())) or 0

    def pay_app_page_placed(
        self,
        company_id: int,
        where: PayAppFilter,
        *,
        order_by: Sequence[tuple[str, bool]] = (("id", False),),
        offset: int = 0,
        limit: int | None = None,
        nulls_last: bool = False,
        previous_columns: Sequence[str] = (),
        counted: bool = False,
    ) -> list[Row[Any]]:
        """:meth:`pay_app_page_values`' page (not counted), each row with what it needs from
        the rest of its chain in the same statement: ``earlier_advance``,
        ``earlier_recoupment`` (of the applications before it), ``latest_number`` (of its
        chain), ``paid``, ``payment_count``, ``last_payment_date`` (its payments) and its
        lines' digest as :meth:`line_digests` has it (``claimed``, ``rejected_lines``,
        ``reviewed_lines``, ``commented_lines``). One round trip instead of five; each value a
        subquery of one application's rows, read through the indexes of its contract, payments
        and lines. ``nulls_last``: sorted as :meth:`pay_app_page_in_order` sorts (keys of
        PAY_APP_SORT_KEYS, nulls after every value), else by columns as ``list_pay_apps``.
        ``previous_columns``: the named columns of each row's previous application (same
        contract, number less one) too, as ``previous_<name>`` (all null for a first one),
        read in the same statement instead of :meth:`previous_pay_app_values`' own.
        ``counted``: each row carries ``matching``, how many applications matched before the
        page was cut (:meth:`pay_app_count`, which a page past the end must still ask)."""
        # The page is cut on the ids (and sort keys) alone, then joined to its rows: the
        # values below are computed for the page's rows only, and the statement is built from
        # parts made once (a subquery of every column would be built again on each call).
        keys: list[Any] = []
        for position, (key, _) in enumerate(order_by):
            if nulls_last and key not in PAY_APP_SORT_KEYS:
                raise ValueError(f"pay applications are not sorted by {key}")
            value = PAY_APP_SORT_KEYS[key] if nulls_last else getattr(PayApp, key)
            keys.append(value.label(f"key_{position}"))
        query = self._pay_app_query(company_id, where).with_only_columns(PayApp.id, *keys)
        if counted:
            query = query.add_columns(func.count().over().label("matching"))
        for key, (_, descending) in zip(keys, order_by, strict=True):
            query = query.order_by(_direction(key, descending, nulls_last))
        query = query.order_by(PayApp.id).offset(offset)
        page = (query if limit is None else query.limit(limit)).subquery("page")
        statement = select(*_PAY_APPS.c, *_PLACED_VALUES).join_from(
            page, _PAY_APPS, _PAY_APPS.c.id == page.c.id
        )
        if counted:
            statement = statement.add_columns(page.c.matching)
        if previous_columns:
            previous = _PREVIOUS_PAY_APPS.c
            statement = statement.add_columns(
                *(previous[name].label(f"previous_{name}") for name in previous_columns)
            ).outerjoin(
                _PREVIOUS_PAY_APPS,
                # The arithmetic on the page's side, so the previous one is read by the
                # (contract_id, number) index.
                (previous.contract_id == _PAY_APPS.c.contract_id)
                & (previous.number == _PAY_APPS.c.number - 1)
                & (previous.company_id == _PAY_APPS.c.company_id),
            )
        for position, (_, descending) in enumerate(order_by):
            statement = statement.order_by(
                _direction(page.c[f"key_{position}"], descending, nulls_last)
            )
        return list(self.session.execute(statement.order_by(page.c.id)))

    def paid_sums(self, company_id: int, pay_app_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
        """Each pay application's payments as (sum in cents, how many), summed by the database:
        the applications without a payment are left out."""
        ids = set(pay_app_ids)
        if not ids:
            return {}
        rows = self.session.execute(
            select(Payment.pay_app_id, func.sum(Payment.amount_cents), func.count())
            .where(Payment.company_id == company_id, _ids_in(Payment.pay_app_id, ids))
            .group_by(Payment.pay_app_id)
        )
        return {pay_app_id: (int(total), int(count)) for pay_app_id, total, count in rows}

    def last_payment_dates(self, company_id: int, pay_app_ids: Iterable[int]) -> dict[int, date]:
        """The date of each pay application's latest payment (those without one are left out)."""
        ids = set(pay_app_ids)
        if not ids:
            return {}
        rows = self.session.execute(
            select(Payment.pay_app_id, func.max(Payment.payment_date))
            .where(Payment.company_id == company_id, _ids_in(Payment.pay_app_id, ids))
            .group_by(Payment.pay_app_id)
        )
        return {pay_app_id: last for pay_app_id, last in rows if last is not None}

    def line_digests(
        self, company_id: int, pay_app_ids: Iterable[int]
    ) -> dict[int, tuple[int, bool, bool, bool]]:
        """What each pay application's lines add up to, read by the database instead of the
        lines: (claimed cents, any line rejected, any reviewed, any with a review comment). A
        line's claim is the subcontractor's claimed amount, or its work this period when none
        was given (the rule ACC's payment items show per line)."""
        ids = set(pay_app_ids)
        if not ids:
            return {}
        lines = _LINES.c
        claimed = func.coalesce(
            lines.subcontractor_claimed_amount_cents, lines.work_completed_this_period_cents
        )
        rows = self.session.execute(
            select(
                lines.pay_app_id,
                func.coalesce(func.sum(claimed), 0),
                func.count().filter(lines.review_status == "rejected"),
                func.count().filter(func.coalesce(lines.review_status, "") != ""),
                func.count().filter(func.coalesce(lines.review_comment, "") != ""),
            )
            # Scoped through the pay application, as in _line_tuples: a condition on the lines'
            # own company_id leads SQLite to read every line of the company.
            .join(_PAY_APPS, _PAY_APPS.c.id == lines.pay_app_id)
            .where(
                _PAY_APPS.c.company_id == _written_in(company_id), _ids_in(lines.pay_app_id, ids)
            )
            .group_by(lines.pay_app_id)
        )
        return {
            pay_app_id: (int(total), rejected > 0, reviewed > 0, commented > 0)
            for pay_app_id, total, rejected, reviewed, commented in rows
        }

    def contract_uuids(self, company_id: int, project_id: int, kind: str) -> list[str]:
        """The UUIDs of a project's contracts of one kind, in id order (``contracts``' order)."""
        return list(
            self.session.scalars(
                select(Contract.uuid)
                .where(
                    Contract.company_id == company_id,
                    Contract.project_id == project_id,
                    Contract.kind == kind,
                )
                .order_by(Contract.id)
            )
        )

    def pay_app_page_in_order(
        self,
        company_id: int,
        where: PayAppFilter,
        *,
        order_by: Sequence[tuple[str, bool]],
        offset: int,
        limit: int,
    ) -> list[Row[Any]]:
        """A page of pay applications as plain rows, sorted by ``order_by`` ((key, descending),
        keys of PAY_APP_SORT_KEYS) as a list sorted in memory is: nulls after every value (so
        first when descending), ties by id. Not counted: see :meth:`pay_app_totals`."""
        query = self._pay_app_query(company_id, where).with_only_columns(*_PAY_APPS.c)
        for key, descending in order_by:
            if key not in PAY_APP_SORT_KEYS:
                raise ValueError(f"pay applications are not sorted by {key}")
            value = PAY_APP_SORT_KEYS[key]
            query = query.order_by(_direction(value, descending, nulls_last=True))
        page = query.order_by(PayApp.id).offset(offset).limit(limit)
        return list(self.session.execute(page))

    def pay_app_totals(self, company_id: int, where: PayAppFilter) -> tuple[int, int, int, int]:
        """How many pay applications match and, summed by the database, their current payments
        due, their written-off amounts and the payments recorded against them: (count, due,
        written off, paid), in cents."""
        if where == PayAppFilter():
            # Every application and every payment against one: the totals the triggers keep per
            # contract (migrations 0011 and 0014), instead of sums over the whole ledger.
            kept = ContractPayAppTotal
            count, due, written_off = self.session.execute(
                select(
                    func.coalesce(func.sum(kept.pay_app_count), 0),
                    func.coalesce(func.sum(kept.current_payment_due_cents), 0),
                    func.coalesce(func.sum(kept.written_off_cents), 0),
                ).where(kept.company_id == company_id)
            ).one()
            paid = self.session.scalar(
                select(func.coalesce(func.sum(PayAppPaymentTotal.amount_cents), 0)).where(
                    PayAppPaymentTotal.company_id == company_id
                )
            )
            return int(count), int(due), int(written_off), int(paid or 0)
        matching = self._pay_app_query(company_id, where)
        figures = matching.with_only_columns(
            PayApp.current_payment_due_cents, PayApp.written_off_cents
        ).subquery()
        count, due, written_off = self.session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(figures.c.current_payment_due_cents), 0),
                func.coalesce(func.sum(figures.c.written_off_cents), 0),
            )
        ).one()
        paid = self.session.scalar(
            select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
                Payment.company_id == company_id,
                Payment.pay_app_id.in_(matching.with_only_columns(PayApp.id)),
            )
        )
        return int(count), int(due), int(written_off), int(paid or 0)

    def _pay_app_query(self, company_id: int, where: PayAppFilter) -> Select[tuple[PayApp]]:
        query = select(PayApp).where(PayApp.company_id == company_id)
        conditions: list[Any] = []
        if where.project_id is not None:
            conditions.append(PayApp.project_id == where.project_id)
        if where.contract_ids is not None:
            conditions.append(_ids_in(PayApp.contract_id, where.contract_ids))
        if where.ids is not None:
            conditions.append(_ids_in(PayApp.id, where.ids))
        if where.uuids is not None:
            conditions.append(PayApp.uuid.in_(where.uuids))
        if where.numbers is not None:
            conditions.append(_ids_in(PayApp.number, where.numbers))
        if where.period_id is not None:
            conditions.append(PayApp.period_id == where.period_id)
        if where.statuses is not None:
            conditions.append(PayApp.status.in_(where.statuses))
        if where.origin_id is not None:
            conditions.append(PayApp.origin_id == where.origin_id)
        if where.external_system is not None:
            conditions.append(PayApp.external_system == where.external_system)
        if where.external_id is not None:
            conditions.append(PayApp.external_id == where.external_id)
        if where.created_from is not None:
            conditions.append(PayApp.created_at >= where.created_from)
        if where.created_to is not None:
            conditions.append(PayApp.created_at <= where.created_to)
        if where.updated_from is not None:
            conditions.append(PayApp.updated_at >= where.updated_from)
        if where.updated_to is not None:
            conditions.append(PayApp.updated_at <= where.updated_to)
        if where.contract_kind is not None:
            conditions.append(
                PayApp.contract_id.in_(
                    select(Contract.id).where(
                        Contract.company_id == company_id, Contract.kind == where.contract_kind
                    )
                )
            )
        if where.paid_in_full is not None:
            in_full = paid_in_full_condition(
                PayApp.status,
                PayApp.current_payment_due_cents,
                PayApp.written_off_cents,
                _PAID_ON_PAY_APP,
            )
            conditions.append(
                PayApp.status.not_in(_APPROVED) | (in_full if where.paid_in_full else not_(in_full))
            )
        if where.is_last is not None:
            later = aliased(PayApp)
            has_later = (
                select(later.id)
                .where(later.contract_id == PayApp.contract_id, later.number > PayApp.number)
                .exists()
            )
            conditions.append(~has_later if where.is_last else has_later)
        return query.where(*conditions)

    # -- payments ------------------------------------------------------------------------------
    def payment(self, company_id: int, payment_id: int) -> Payment | None:
        return self._scoped(Payment, company_id, payment_id)

    def payment_by_origin_id(self, company_id: int, origin_id: str) -> Payment | None:
        return self.session.scalar(
            select(Payment).where(Payment.company_id == company_id, Payment.origin_id == origin_id)
        )

    def payments(
        self, company_id: int, where: PaymentFilter, *, offset: int = 0, limit: int | None = None
    ) -> tuple[Sequence[Payment], int]:
        query = self._payments_where(company_id, where)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        return self.payment_page(company_id, where, offset=offset, limit=limit), total

    def payment_page(
        self,
        company_id: int,
        where: PaymentFilter,
        *,
        offset: int = 0,
        limit: int | None = None,
        order_by: Sequence[tuple[str, bool]] = (),
    ) -> Sequence[Payment]:
        """Payments sorted by ``order_by`` ((column, descending), PAYMENT_SORT_COLUMNS), then by
        id, without counting them (counting a ledger reads all of it)."""
        query = self._payments_where(company_id, where)
        for name, descending in order_by:
            if name not in PAYMENT_SORT_COLUMNS:
                raise ValueError(f"payments are not sorted by {name}")
            column = Payment.__table__.c[name]
            query = query.order_by(column.desc() if descending else column.asc())
        query = query.order_by(Payment.id).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return self.session.scalars(query).all()

    def payment_sums_by_rate(
        self, company_id: int, where: PaymentFilter
    ) -> list[tuple[Decimal, int, int]]:
        """The payments summed by the database, per exchange rate: (rate, cents, how many)."""
        if where == PaymentFilter(on_pay_app=True):
            return self._pay_app_payment_sums_by_rate(company_id)
        matching = self._payments_where(company_id, where).subquery()
        rows = self.session.execute(
            select(matching.c.exchange_rate, func.sum(matching.c.amount_cents), func.count())
            .group_by(matching.c.exchange_rate)
            .order_by(matching.c.exchange_rate)
        ).all()
        return [(rate, int(total), int(count)) for rate, total, count in rows]

    def _pay_app_payment_sums_by_rate(self, company_id: int) -> list[tuple[Decimal, int, int]]:
        """Every payment against a pay application, from the totals the payments' triggers keep
        per contract and rate (a few rows a contract, however many payments)."""
        totals = PayAppPaymentTotal
        how_many = func.sum(totals.payment_count)
        rows = self.session.execute(
            select(totals.exchange_rate, func.sum(totals.amount_cents), how_many)
            .where(totals.company_id == company_id)
            .group_by(totals.exchange_rate)
            .having(how_many > 0)
            .order_by(totals.exchange_rate)
        ).all()
        return [(rate, int(total), int(count)) for rate, total, count in rows]

    def payment_amounts_at_rate(
        self, company_id: int, where: PaymentFilter, rate: Decimal
    ) -> list[tuple[int, int]]:
        """The payments at one exchange rate as (cents, how many), one row per amount."""
        matching = self._payments_where(company_id, where).subquery()
        rows = self.session.execute(
            select(matching.c.amount_cents, func.count())
            .where(matching.c.exchange_rate == rate)
            .group_by(matching.c.amount_cents)
            .order_by(matching.c.amount_cents)
        ).all()
        return [(int(amount), int(count)) for amount, count in rows]

    def _payments_where(self, company_id: int, where: PaymentFilter) -> Select[tuple[Payment]]:
        query = select(Payment).where(Payment.company_id == company_id)
        if where.on_pay_app:
            query = query.where(Payment.pay_app_id.is_not(None))
        if where.project_id is not None:
            query = query.where(Payment.project_id == where.project_id)
        if where.contract_id is not None:
            query = query.where(Payment.contract_id == where.contract_id)
        if where.pay_app_id is not None:
            query = query.where(Payment.pay_app_id == where.pay_app_id)
        if where.pay_app_ids is not None:
            query = query.where(_ids_in(Payment.pay_app_id, where.pay_app_ids))
        if where.ids is not None:
            query = query.where(_ids_in(Payment.id, where.ids))
        for condition in where.conditions:
            query = query.where(_payment_condition(condition))
        if where.contract_kind is not None:
            query = query.where(
                Payment.contract_id.in_(
                    select(Contract.id).where(
                        Contract.company_id == company_id, Contract.kind == where.contract_kind
                    )
                )
            )
        return query

    def paid_by_pay_app(self, pay_app_ids: Iterable[int]) -> dict[int, list[int]]:
        """Each pay application's payment amounts (cents)."""
        ids = set(pay_app_ids)
        result: dict[int, list[int]] = {pay_app_id: [] for pay_app_id in ids}
        if not ids:
            return result
        rows = self.session.execute(
            select(Payment.pay_app_id, Payment.amount_cents)
            .where(_ids_in(Payment.pay_app_id, ids))
            .order_by(Payment.id)
        ).all()
        for pay_app_id, amount in rows:
            result[pay_app_id].append(amount)
        return result

    def payment_room(
        self,
        company_id: int,
        contract_id: int,
        pay_app_id: int | None,
        excluding_payment_id: int | None,
    ) -> PaymentRoom:
        """What the over-payment rules weigh a payment against, summed by the database in one
        statement (a contract paid a thousand times loads no payment to take one more): the
        contract's payments and the pay application's, but for the one excluded (the payment
        being changed), its latest submitted (not draft) application and the write-offs of its
        submitted applications."""
        on_contract, on_pay_app, written_off, number, earned = self.session.execute(
            _PAYMENT_ROOM,
            {
                "company_id": company_id,
                "contract_id": contract_id,
                # NULL: no payment is on it; 0: no payment has that id.
                "pay_app_id": pay_app_id,
                "excluding_payment_id": excluding_payment_id or 0,
            },
        ).one()
        # PostgreSQL sums a BIGINT as NUMERIC: every sum here is a whole number of cents.
        return PaymentRoom(
            paid_on_contract=int(on_contract),
            paid_on_pay_app=int(on_pay_app),
            submitted_written_off=int(written_off),
            latest_submitted=number,
            latest_earned_less_retainage=earned if earned is not None else 0,
        )

    def payments_of_contract(self, contract_id: int) -> Sequence[Payment]:
        return self.session.scalars(
            select(Payment).where(Payment.contract_id == contract_id).order_by(Payment.id)
        ).all()

    def payment_by_check(self, pay_app_id: int, check_number: str) -> Payment | None:
        return self.session.scalar(
            select(Payment).where(
                Payment.pay_app_id == pay_app_id, Payment.check_number == check_number
            )
        )

    def paid_on_contract(self, contract_id: int) -> int:
        return int(
            self.session.scalar(
                select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
                    Payment.contract_id == contract_id
                )
            )
            or 0
        )

    # -- the directory of named references and the schedule of values's entries -------------
    def directory(self, company_id: int, kind: str | None = None) -> Sequence[DirectoryEntry]:
        query = select(DirectoryEntry).where(DirectoryEntry.company_id == company_id)
        if kind is not None:
            query = query.where(DirectoryEntry.kind == kind)
        return self.session.scalars(query.order_by(DirectoryEntry.id)).all()

    def directory_entry(self, company_id: int, entry_id: int) -> DirectoryEntry | None:
        return self._scoped(DirectoryEntry, company_id, entry_id)

    def directory_entry_by_code(
        self, company_id: int, kind: str, code: str
    ) -> DirectoryEntry | None:
        return self.session.scalar(
            select(DirectoryEntry).where(
                DirectoryEntry.company_id == company_id,
                DirectoryEntry.kind == kind,
                DirectoryEntry.code == code,
            )
        )

    def party_by_code(self, company_id: int, code: str) -> Party | None:
        return self.session.scalar(
            select(Party).where(Party.company_id == company_id, Party.code == code)
        )

    def all_parties(self, company_id: int) -> Sequence[Party]:
        return self.session.scalars(
            select(Party).where(Party.company_id == company_id).order_by(Party.id)
        ).all()

    def contracts_of_party(self, company_id: int, party_id: int) -> Sequence[Contract]:
        """The contracts that name a party as counterparty or architect."""
        return self.session.scalars(
            select(Contract)
            .where(
                Contract.company_id == company_id,
                (Contract.party_id == party_id) | (Contract.architect_id == party_id),
            )
            .order_by(Contract.id)
        ).all()

    def pay_apps_in_period(self, company_id: int, period_id: int) -> Sequence[PayApp]:
        return self.session.scalars(
            select(PayApp)
            .where(PayApp.company_id == company_id, PayApp.period_id == period_id)
            .order_by(PayApp.id)
        ).all()

    def project_by_code(self, company_id: int, code: str) -> Project | None:
        return self.session.scalar(
            select(Project).where(Project.company_id == company_id, Project.code == code)
        )

    def sov_line(self, company_id: int, line_id: int) -> SovLine | None:
        return self._scoped(SovLine, company_id, line_id)

    def sov_lines_of(self, contract_ids: Iterable[int]) -> dict[int, list[SovLine]]:
        ids = set(contract_ids)
        rows = self.session.scalars(
            select(SovLine)
            .where(_ids_in(SovLine.contract_id, ids))
            .order_by(SovLine.position, SovLine.id)
        )
        return _grouped(ids, rows, lambda row: row.contract_id)

    def sov_line_entries_of(self, line_ids: Iterable[int]) -> dict[int, list[SovLineEntry]]:
        ids = set(line_ids)
        rows = self.session.scalars(
            select(SovLineEntry)
            .where(_ids_in(SovLineEntry.sov_line_id, ids))
            .order_by(SovLineEntry.id)
        )
        return _grouped(ids, rows, lambda row: row.sov_line_id)

    def items_on_sov_line(self, line_id: int) -> Sequence[ChangeOrderItem]:
        return self.session.scalars(
            select(ChangeOrderItem).where(ChangeOrderItem.sov_line_id == line_id)
        ).all()

    def paid_on_contracts(self, contract_ids: Iterable[int]) -> dict[int, int]:
        """Each contract's payments received or made (cents)."""
        ids = set(contract_ids)
        result = dict.fromkeys(ids, 0)
        if not ids:
            return result
        rows = self.session.execute(
            select(Payment.contract_id, func.sum(Payment.amount_cents))
            .where(_ids_in(Payment.contract_id, ids))
            .group_by(Payment.contract_id)
        ).all()
        for contract_id, total in rows:
            result[contract_id] = int(total or 0)
        return result

    def audit_trail_ends(
        self, company_id: int, entity_type: str, entity_ids: Iterable[int]
    ) -> dict[int, tuple[AuditEvent, AuditEvent]]:
        """The first and the last audit event of each record (who created it, who changed it
        last, and when)."""
        ids = set(entity_ids)
        if not ids:
            return {}
        rows = self.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.company_id == company_id,
                AuditEvent.entity_type == entity_type,
                _ids_in(AuditEvent.entity_id, ids),
            )
            .order_by(AuditEvent.id)
        )
        ends: dict[int, tuple[AuditEvent, AuditEvent]] = {}
        for event in rows:
            first = ends.get(event.entity_id, (event, event))[0]
            ends[event.entity_id] = (first, event)
        return ends

    # -- idempotency keys -----------------------------------------------------------------------
    def idempotency_key(self, company_id: int, scope: str, key: str) -> IdempotencyKey | None:
        return self.session.scalar(
            select(IdempotencyKey).where(
                IdempotencyKey.company_id == company_id,
                IdempotencyKey.scope == scope,
                IdempotencyKey.key == key,
            )
        )

    # -- attachments and audit -----------------------------------------------------------------
    def attachment(self, company_id: int, attachment_id: int) -> Attachment | None:
        return self._scoped(Attachment, company_id, attachment_id)

    def attachments_of(
        self, *, pay_app_ids: Iterable[int] = (), payment_ids: Iterable[int] = ()
    ) -> Sequence[Attachment]:
        pay_apps, payments = set(pay_app_ids), set(payment_ids)
        if not pay_apps and not payments:
            return []
        return self.session.scalars(
            select(Attachment)
            .where(
                _ids_in(Attachment.pay_app_id, pay_apps) | _ids_in(Attachment.payment_id, payments)
            )
            .order_by(Attachment.id)
        ).all()

    def audit_events(
        self, company_id: int, entity_type: str | None = None, entity_id: int | None = None
    ) -> Sequence[AuditEvent]:
        query = select(AuditEvent).where(AuditEvent.company_id == company_id)
        if entity_type is not None:
            query = query.where(AuditEvent.entity_type == entity_type)
        if entity_id is not None:
            query = query.where(AuditEvent.entity_id == entity_id)
        return self.session.scalars(query.order_by(AuditEvent.id)).all()


def _pay_app_order(query: Select[Any], order_by: Sequence[tuple[str, bool]]) -> Select[Any]:
    """Pay applications sorted by ``order_by`` ((column, descending)), ties by id."""
    for column, descending in order_by:
        attribute = getattr(PayApp, column)
        query = query.order_by(attribute.desc() if descending else attribute.asc())
    return query.order_by(PayApp.id)


def _direction(key: Any, descending: bool, nulls_last: bool) -> Any:
    """A sort key's order; with ``nulls_last``, nulls after every value (first descending)."""
    if not nulls_last:
        return key.desc() if descending else key.asc()
    return key.desc().nulls_first() if descending else key.asc().nulls_last()


def _ids_in(column: Any, ids: Iterable[int]) -> ColumnElement[bool]:
    """``column IN ids``, with the ids written into the statement rather than bound one
    parameter each: a statement takes at most 65,535 parameters on PostgreSQL (32,766 on
    SQLite), and a company's ledger names more pay applications or payments than that. The ids
    are integers, so writing them in is safe."""
    values = [int(value) for value in ids]
    return cast(
        "ColumnElement[bool]",
        column.in_(bindparam("ids", values, expanding=True, literal_execute=True, unique=True)),
    )


def _written_in(value: int) -> Any:
    """An integer written into the statement, as :func:`_ids_in` writes its ids: the
    statement's bound parameters stay the ones it had."""
    return bindparam("written", int(value), literal_execute=True, unique=True)


# Every column of the lines is an integer, text or an exact decimal: read as the driver gives
# them, only the decimals need converting (see _as_stored).
assert all(isinstance(column.type, (Integer, String, DecimalText)) for column in _LINES.c)


def _as_stored(column: Any) -> Any:
    """A column read as the database stores it: an exact decimal (``DecimalText``) as its text,
    for :func:`_exact_decimals`; any other column as it is (its type has no result
    processing on either database: integers and text)."""
    return type_coerce(column, String()) if isinstance(column.type, DecimalText) else column


def _exact_columns(
    table: Table, names: Sequence[str], columns: list[Sequence[Any]]
) -> list[Sequence[Any]]:
    """The values of ``table``'s columns ``names`` read through :func:`_as_stored`, one
    sequence a column: each exact decimal column's texts made ``Decimal`` (in place)."""
    for index, name in enumerate(names):
        if isinstance(table.c[name].type, DecimalText):
            columns[index] = _exact_decimals(columns[index])
    return columns


def _exact_decimals(texts: Sequence[str | None]) -> tuple[Decimal | None, ...]:
    """Decimals stored as text, each distinct text made a ``Decimal`` once (a column holds few:
    rates, percents, NULL), then looked up for every value at C speed."""
    made: dict[str | None, Decimal | None] = {
        text: Decimal(text) for text in set(texts) if text is not None
    }
    made[None] = None
    return tuple(map(made.__getitem__, texts))


def _grouped(
    keys: Iterable[int], rows: Iterable[GroupedRow], key: Callable[[GroupedRow], int]
) -> dict[int, list[GroupedRow]]:
    """Rows grouped by ``key``, every asked-for key present (an empty list when none)."""
    grouped: dict[int, list[GroupedRow]] = {k: [] for k in keys}
    for row in rows:
        grouped[key(row)].append(row)
    return grouped


def _payment_condition(condition: PaymentCondition) -> Any:
    if condition.column not in PAYMENT_CONDITION_COLUMNS:
        raise ValueError(f"payments are not filtered by {condition.column}")
    column = Payment.__table__.c[condition.column]
    values = condition.values
    if condition.operator in ("eq", "not_eq"):
        among = (
            _ids_in(column, values)
            if all(type(value) is int for value in values)
            else column.in_(values)
        )
        return among if condition.operator == "eq" else not_(among)
    compare = {
        "gt": operator.gt,
        "gt_eq": operator.ge,
        "lt": operator.lt,
        "lt_eq": operator.le,
    }[condition.operator]
    return and_(true(), *(compare(column, value) for value in values))


def empty_all_tables(connection: Connection) -> None:
    """Delete every row of the ledger, children first; PostgreSQL restarts its id sequences."""
    tables = list(reversed(Base.metadata.sorted_tables))
    if connection.dialect.name == "postgresql":
        names = ", ".join(table.name for table in tables)
        connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        return
    for table in tables:
        connection.execute(table.delete())
    # AUTOINCREMENT tables remember their last id; a reset starts them over, as on PostgreSQL.
    connection.exec_driver_sql("DELETE FROM sqlite_sequence")


def sync_id_sequences(connection: Connection) -> None:
    """After rows were inserted with explicit ids, move PostgreSQL's sequences past them."""
    if connection.dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        if "id" not in table.columns:
            continue
        connection.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
        )
