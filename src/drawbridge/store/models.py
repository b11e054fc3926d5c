"""Tables of the ledger (rows, not domain objects).

Money is ``BigInteger`` cents in columns ending ``_cents``; rates and quantities are exact
``DecimalText``. Every row carries ``company_id`` so every query can be scoped by company.
Pay applications and their lines hold the *inputs* a client gave and the *derived* figures the
billing engine computed from them; the services recompute the derived ones on every write, so they
never drift from the engine.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from drawbridge.store.types import BigId, DecimalText, UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {Decimal: DecimalText(), datetime: UTCDateTime(), dict[str, Any]: JSON}


# SQLite hands a deleted row's id to the next insert unless the table is AUTOINCREMENT; clients
# cache pay applications, lines, payments and files by id, so those ids are never reused.
NEVER_REUSED_IDS = {"sqlite_autoincrement": True}


def _uuid() -> str:
    return str(uuid.uuid4())


def _new_ledger_version() -> int:
    # Random, not 0: a company emptied and loaded again under the same id (the operator's
    # reset) must not meet an answer cached from before under the same version.
    return secrets.randbits(62)


def _company_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)


class Company(Base):
    __tablename__ = "companies"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    base_currency: Mapped[str] = mapped_column(String(3), default="USD")
    # Company-wide money rules (docs/billing.md "Over-billing", "Payments"); a contract may
    # tighten them, never loosen one the company sets.
    prevent_overbilling: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    prevent_overpayment: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Apply the vendors' published request limits to this company's callers (api/ratelimit.py).
    vendor_limits: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Changes with every committed write to the company's records (store/ledger_versions.py):
    # an answer cached for a version is current as long as the version is.
    ledger_version: Mapped[int] = mapped_column(
        BigInteger, default=_new_ledger_version, server_default="0"
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # For signing in to the web pages: ``scrypt$n$r$p$salt$hash`` (services/web_sessions.py);
    # None until a password is set, and then the user cannot sign in.
    password_hash: Mapped[str | None] = mapped_column(String(255))


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "company_id"),
        CheckConstraint("role IN ('admin', 'standard')", name="role"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    company_id: Mapped[int] = _company_fk()
    role: Mapped[str] = mapped_column(String(16))
    # A read-only member may look at everything in the company and change nothing, whatever
    # scopes a token or a web session of theirs was issued with.
    read_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class WebSession(Base):
    """A signed-in browser: only the SHA-256 of its cookie is stored. It acts in one company,
    until it expires or its user signs out; ``csrf_secret`` is what every form must echo."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[int] = _company_fk()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    csrf_secret: Mapped[str] = mapped_column(String(64))


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(255))  # space separated
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Tokens issued to an OAuth client expire, and act only in the client's company.
    expires_at: Mapped[datetime | None] = mapped_column()
    oauth_client_id: Mapped[int | None] = mapped_column(
        ForeignKey("oauth_clients.id", ondelete="CASCADE"), index=True
    )
    # The OAuth grant that issued it (see OAuthRefreshToken.oauth_grant).
    oauth_grant: Mapped[str | None] = mapped_column(String(32), index=True)


class OAuthClient(Base):
    """A registered API client: it acts as one user in one company. Only the secret's SHA-256
    is stored (secrets are long and random, so a fast hash is enough, as for tokens)."""

    __tablename__ = "oauth_clients"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = _company_fk()
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(128), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    scopes: Mapped[str] = mapped_column(String(255))  # space separated, given to its tokens
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OAuthRefreshToken(Base):
    """A refresh token of an OAuth client (its SHA-256); using it replaces it with a new one."""

    __tablename__ = "oauth_refresh_tokens"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    oauth_client_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_clients.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(255))
    # One grant (a client-credentials request, an authorization code) and every refresh after
    # it share this id, so revoking any of its tokens revokes them all. None: issued before
    # grants were recorded.
    oauth_grant: Mapped[str | None] = mapped_column(String(32), index=True)
    expires_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OAuthRedirectUri(Base):
    """A redirect URI registered for a client: the authorization endpoint sends codes only to
    one of these, compared character for character."""

    __tablename__ = "oauth_redirect_uris"
    __table_args__ = (UniqueConstraint("oauth_client_id", "uri"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    oauth_client_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_clients.id", ondelete="CASCADE"), index=True
    )
    uri: Mapped[str] = mapped_column(String(2000))


class OAuthAuthorizationCode(Base):
    """An authorization code (its SHA-256), bound to the client and the redirect URI it was
    issued for, with the PKCE challenge when the client sent one. It is exchanged once; the used
    code is kept until it expires, with the grant it started, so a replay revokes that grant."""

    __tablename__ = "oauth_authorization_codes"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    oauth_client_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_clients.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    scopes: Mapped[str] = mapped_column(String(255))
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column()
    oauth_grant: Mapped[str | None] = mapped_column(String(32), index=True)


class Party(Base):
    __tablename__ = "parties"
    __table_args__ = (
        UniqueConstraint("company_id", "code"),
        CheckConstraint("kind IN ('vendor', 'customer', 'architect')", name="kind"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = _company_fk()
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=_uuid)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    street: Mapped[str | None] = mapped_column(String(255))
    city: Mapped[str | None] = mapped_column(String(128))
    state_code: Mapped[str | None] = mapped_column(String(16))
    zip: Mapped[str | None] = mapped_column(String(16))
    country_code: Mapped[str | None] = mapped_column(String(2))


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("company_id", "code"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = _company_fk()
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=_uuid)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    number: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BillingPeriod(Base):
    __tablename__ = "billing_periods"
    __table_args__ = (
        CheckConstraint("start_date <= end_date", name="dates"),
        Index("ix_billing_periods_project_id", "project_id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = _company_fk()
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=_uuid)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)


class Contract(Base):
    __tablename__ = "contracts"
    __table_args__ = (
        UniqueConstraint("project_id", "number"),
        CheckConstraint("kind IN ('commitment', 'prime')", name="kind"),
        CheckConstraint("status IN ('draft', 'approved', 'void')", name="status"),
        CheckConstraint("retainage_method IN ('cumulative', 'incremental')", name="method"),
        CheckConstraint("stored_materials IN ('manual', 'move_to_previous')", name="stored"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = _company_fk()
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=_uuid)
    kind: Mapped[str] = mapped_column(String(16))
    commitment_type: Mapped[str | None] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(255))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    architect_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    contract_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="approved")
    currency: Mapped[str] = mapped_column(String(3))
    exchange_rate: Mapped[Decimal] = mapped_column(default=Decimal(1))
    retainage_method: Mapped[str] = mapped_column(String(16), default="cumulative")
    work_retainage_percent: Mapped[Decimal] = mapped_column(default=Decimal(0))
    materials_retainage_percent: Mapped[Decimal] = mapped_column(default=Decimal(0))
    # [{"at_percent_complete": "50", "work_percent": "5", "materials_percent": "5"}], ascending
    retainage_steps: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    stored_materials: Mapped[str] = mapped_column(String(16), default="manual")
    # None follows the company's rule; False forbids on this contract; True allows it where the
    # company does not forbid it (a company that prevents overrides every contract).
    allow_overbilling: Mapped[bool | None] = mapped_column(Boolean)
    allow_overpayment: Mapped[bool | None] = mapped_column(Boolean)
    # Intacct's descriptive fields (description, scope, inclusions, exclusions, terms, ...)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Intacct's status: an inactive contract takes no new billing but keeps its history.
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SovLine(Base):
    __tablename__ = "sov_lines"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = _company_fk()
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    cost_code: Mapped[str | None] = mapped_column(String(64))
    scheduled_value_cents: Mapped[int] = mapped_column(BigInteger)
    unit_price: Mapped[Decimal | None] = mapped_column()
    quantity: Mapped[Decimal | None] = mapped_column()
    origin_id: Mapped[str | None] = mapped_column(String(255))
    # Descriptive fields no figure depends on (Intacct's line date, billing setup, ...).
    details: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'"))


class SovLineEntry(Base):
    """An amount recorded on an SOV line (Intacct's project contract line entry).

    ``original`` and ``revision`` entries make up the line's scheduled value: the services keep
    ``sov_lines.scheduled_value_cents`` equal to the line's original amount plus its revisions, so
    the billing engine reads one number (G702 line 1 = original + revisions). ``forecast`` and
    ``other`` entries are reported, never billed. A line without entries is all original.
    """

    __tablename__ = "sov_line_entries"
    __table_args__ = (
        CheckConstraint(
            "workflow_type IN ('original', 'revision', 'forecast', 'other')", name="workflow_type"
        ),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = _company_fk()
    sov_line_id: Mapped[int] = mapped_column(
        ForeignKey("sov_lines.id", ondelete="CASCADE"), index=True
    )
    workflow_type: Mapped[str] = mapped_column(String(16))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    effective_date: Mapped[date | None] = mapped_column(Date)
    memo: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DirectoryEntry(Base):
    """A named record of the company that contracts refer to by code: an employee or contact
    (Intacct's internal and external references), a location (entity), a supporting document or
    a project contract type."""

    __tablename__ = "directory_entries"
    __table_args__ = (
        UniqueConstraint("company_id", "kind", "code"),
        CheckConstraint(
            "kind IN ('employee', 'contact', 'location', 'supporting_document', 'contract_type')",
            name="kind",
        ),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = _company_fk()
    kind: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ChangeOrderPackage(Base):
    __tablename__ = "change_order_packages"
    __table_args__ = (
        UniqueConstraint("contract_id", "number"),
        CheckConstraint(
            "status IN ('draft', 'pending', 'approved', 'rejected', 'void')", name="status"
        ),
        CheckConstraint("status <> 'approved' OR approved_date IS NOT NULL", name="approved"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = _company_fk()
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=_uuid)
    number: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    approved_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChangeOrderItem(Base):
    __tablename__ = "change_order_items"
    __table_args__ = (Index("ix_change_order_items_contract_id", "contract_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = _company_fk()
    package_id: Mapped[int] = mapped_column(
        ForeignKey("change_order_packages.id", ondelete="CASCADE"), index=True
    )
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    cost_code: Mapped[str | None] = mapped_column(String(64))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    # The SOV line the change applies to, when it names one (Intacct's projectContractLine).
    sov_line_id: Mapped[int | None] = mapped_column(ForeignKey("sov_lines.id"))


class PayApp(Base):
    __tablename__ = "pay_apps"
    __table_args__ = (
        UniqueConstraint("contract_id", "number"),
        UniqueConstraint("company_id", "origin_id"),
        # A project's list pages in id order straight from this index (no scan, no sort).
        Index("ix_pay_apps_project_id_id", "project_id", "id"),
        Index("ix_pay_apps_period_id", "period_id"),
        # A company's invoices counted, summed and sorted by amount from the index alone.
        Index(
            "ix_pay_apps_company_id_due",
            "company_id",
            "current_payment_due_cents",
            "written_off_cents",
        ),
        CheckConstraint("number >= 1", name="number"),
        CheckConstraint(
            "status IN ('draft', 'under_review', 'revise_and_resubmit', "
            "'pending_owner_approval', 'approved_as_noted', 'approved')",
            name="status",
        ),
        NEVER_REUSED_IDS,
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = _company_fk()
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=_uuid)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32), default="draft")
    period_id: Mapped[int | None] = mapped_column(ForeignKey("billing_periods.id"))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    billing_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    payment_date: Mapped[date | None] = mapped_column(Date)
    submitted_at: Mapped[date | None] = mapped_column(Date)
    final: Mapped[bool] = mapped_column(Boolean, default=False)
    invoice_number: Mapped[str | None] = mapped_column(String(255))
    origin_id: Mapped[str | None] = mapped_column(String(255))
    origin_data: Mapped[str | None] = mapped_column(Text)
    erp_status: Mapped[str] = mapped_column(String(32), default="not_ready")
    custom_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # ACC's own fields
    name: Mapped[str | None] = mapped_column(String(1024))
    description: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    exchange_rate: Mapped[Decimal | None] = mapped_column()  # None: the contract's rate
    approved_at: Mapped[datetime | None] = mapped_column()
    paid_at: Mapped[datetime | None] = mapped_column()
    aggregate_by: Mapped[str | None] = mapped_column(String(64))
    integration_state: Mapped[str | None] = mapped_column(String(32))
    integration_state_changed_at: Mapped[datetime | None] = mapped_column()
    integration_state_changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    external_id: Mapped[str | None] = mapped_column(String(255))
    external_system: Mapped[str | None] = mapped_column(String(255))
    external_message: Mapped[str | None] = mapped_column(String(255))
    last_sync_time: Mapped[datetime | None] = mapped_column()
    advance_amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    recoupment_amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    written_off_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Derived: the G702 summary as the engine computed it.
    original_contract_sum_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    net_change_by_change_orders_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    contract_sum_to_date_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    total_completed_and_stored_to_date_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    completed_work_retainage_amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    stored_materials_retainage_amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    total_retainage_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    total_earned_less_retainage_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    less_previous_certificates_for_payment_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    current_payment_due_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    balance_to_finish_including_retainage_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    percent_complete: Mapped[Decimal] = mapped_column(default=Decimal(0))
    completed_work_retainage_percent: Mapped[Decimal] = mapped_column(default=Decimal(0))
    stored_materials_retainage_percent: Mapped[Decimal] = mapped_column(default=Decimal(0))
    positive_previous_change_order_item_total_cents: Mapped[int] = mapped_column(
        BigInteger, default=0
    )
    negative_previous_change_order_item_total_cents: Mapped[int] = mapped_column(
        BigInteger, default=0
    )
    positive_new_change_order_item_total_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    negative_new_change_order_item_total_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    work_completed_from_previous_application_cents: Mapped[int] = mapped_column(
        BigInteger, default=0
    )
    work_completed_this_period_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    materials_presently_stored_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    balance_to_finish_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    retainage_retained_this_period_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    retainage_released_this_period_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    materials_moved_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    work_percent: Mapped[Decimal] = mapped_column(default=Decimal(0))
    materials_percent: Mapped[Decimal] = mapped_column(default=Decimal(0))


class PayAppPackage(Base):
    """A change-order package billed on a pay application (and every later one)."""

    __tablename__ = "pay_app_packages"
    __table_args__ = (UniqueConstraint("package_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = _company_fk()
    pay_app_id: Mapped[int] = mapped_column(
        ForeignKey("pay_apps.id", ondelete="CASCADE"), index=True
    )
    package_id: Mapped[int] = mapped_column(ForeignKey("change_order_packages.id"))
    added_explicitly: Mapped[bool] = mapped_column(Boolean, default=False)


class PayAppLine(Base):
    __tablename__ = "pay_app_lines"
    __table_args__ = (
        UniqueConstraint("pay_app_id", "sov_line_id"),
        UniqueConstraint("pay_app_id", "change_order_item_id"),
        CheckConstraint(
            "(sov_line_id IS NULL) <> (change_order_item_id IS NULL)", name="one_source"
        ),
        CheckConstraint(
            "total_completed_and_stored_to_date_cents"
            " = work_completed_from_previous_application_cents"
            " + work_completed_this_period_cents + materials_presently_stored_cents",
            name="g_is_d_e_f",
        ),
        Index("ix_pay_app_lines_pay_app_position", "pay_app_id", "position"),
        NEVER_REUSED_IDS,
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = _company_fk()
    pay_app_id: Mapped[int] = mapped_column(ForeignKey("pay_apps.id", ondelete="CASCADE"))
    # ACC names payment items by UUID; a line keeps its own for as long as it exists.
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=_uuid)
    sov_line_id: Mapped[int | None] = mapped_column(ForeignKey("sov_lines.id"))
    change_order_item_id: Mapped[int | None] = mapped_column(ForeignKey("change_order_items.id"))
    position: Mapped[int] = mapped_column(Integer)
    # Inputs
    work_completed_this_period_input_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    materials_presently_stored_input_cents: Mapped[int | None] = mapped_column(BigInteger)
    work_retainage_percent_input: Mapped[Decimal | None] = mapped_column()
    materials_retainage_percent_input: Mapped[Decimal | None] = mapped_column()
    work_retainage_released_input_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    materials_retainage_released_input_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    work_completed_this_period_quantity: Mapped[Decimal | None] = mapped_column()
    subcontractor_claimed_amount_cents: Mapped[int | None] = mapped_column(BigInteger)
    review_status: Mapped[str | None] = mapped_column(String(32))
    review_comment: Mapped[str | None] = mapped_column(Text)
    # Derived: the G703 row as the engine computed it.
    work_completed_this_period_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    scheduled_value_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    work_completed_from_previous_application_cents: Mapped[int] = mapped_column(
        BigInteger, default=0
    )
    materials_presently_stored_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    total_completed_and_stored_to_date_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    balance_to_finish_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    work_retainage_percent: Mapped[Decimal] = mapped_column(default=Decimal(0))
    materials_retainage_percent: Mapped[Decimal] = mapped_column(default=Decimal(0))
    work_retainage_from_previous_application_cents: Mapped[int] = mapped_column(
        BigInteger, default=0
    )
    work_retainage_retained_this_period_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    work_retainage_released_this_period_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    work_retainage_currently_retained_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    materials_retainage_from_previous_application_cents: Mapped[int] = mapped_column(
        BigInteger, default=0
    )
    materials_retainage_retained_this_period_cents: Mapped[int] = mapped_column(
        BigInteger, default=0
    )
    materials_retainage_released_this_period_cents: Mapped[int] = mapped_column(
        BigInteger, default=0
    )
    materials_retainage_currently_retained_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    materials_moved_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    materials_retainage_retained_moved_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    work_retainage_released_to_date_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    work_percent_override: Mapped[Decimal | None] = mapped_column()
    materials_percent_override: Mapped[Decimal | None] = mapped_column()


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("company_id", "origin_id"),
        # One check pays a pay application once (NULLs never collide: payments on account, or
        # without a check number).
        UniqueConstraint("pay_app_id", "check_number"),
        # Lists of a project's or a contract's payments page in id order from these indexes.
        Index("ix_payments_project_id_id", "project_id", "id"),
        Index("ix_payments_contract_id_id", "contract_id", "id"),
        # A company's payments sorted by date or amount (Productive's list) page from these.
        Index("ix_payments_company_id_date", "company_id", "date"),
        Index("ix_payments_company_id_amount_cents", "company_id", "amount_cents"),
        CheckConstraint("amount_cents > 0", name="positive"),
        CheckConstraint(
            "payment_method IS NULL OR payment_method IN ('check', 'electronic', 'credit_card')",
            name="method",
        ),
        NEVER_REUSED_IDS,
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = _company_fk()
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    pay_app_id: Mapped[int | None] = mapped_column(ForeignKey("pay_apps.id"), index=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=_uuid)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    payment_date: Mapped[date] = mapped_column("date", Date)
    payment_method: Mapped[str | None] = mapped_column(String(16))
    check_number: Mapped[str | None] = mapped_column(String(64))
    payment_number: Mapped[str | None] = mapped_column(String(64))
    draw_request_number: Mapped[str | None] = mapped_column(String(64))
    invoice_number: Mapped[str | None] = mapped_column(String(255))
    invoice_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    write_off_date: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    exchange_rate: Mapped[Decimal] = mapped_column(default=Decimal(1))
    origin_id: Mapped[str | None] = mapped_column(String(255))
    origin_data: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PayAppPaymentTotal(Base):
    """How many payments against pay applications a contract has at each exchange rate, and
    their sum: kept by database triggers on ``payments`` (migration 0011) on every insert,
    update and delete, whoever writes, so a company's totals are a read of its contracts' rows
    instead of a sum over every payment it ever received."""

    __tablename__ = "pay_app_payment_totals"
    company_id: Mapped[int] = _company_fk()
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True
    )
    exchange_rate: Mapped[Decimal] = mapped_column(primary_key=True)
    payment_count: Mapped[int] = mapped_column(BigInteger)
    amount_cents: Mapped[int] = mapped_column(BigInteger)


class ContractPayAppTotal(Base):
    """How many pay applications a contract has, and their current payments due, written-off
    amounts, advances and recoupments summed: kept by database triggers on ``pay_apps``
    (migrations 0014 and 0015) on every insert, delete and change of those columns, whoever
    writes, so a company's totals, and what a new application recoups, are a read of one row a
    contract instead of a sum over every application."""

    __tablename__ = "contract_pay_app_totals"
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[int] = _company_fk()
    pay_app_count: Mapped[int] = mapped_column(BigInteger)
    current_payment_due_cents: Mapped[int] = mapped_column(BigInteger)
    written_off_cents: Mapped[int] = mapped_column(BigInteger)
    advance_amount_cents: Mapped[int] = mapped_column(BigInteger, server_default="0")
    recoupment_amount_cents: Mapped[int] = mapped_column(BigInteger, server_default="0")


class Attachment(Base):
    """A stored file; the bytes live under the data directory at ``storage_key``."""

    __tablename__ = "attachments"
    __table_args__ = (NEVER_REUSED_IDS,)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = _company_fk()
    pay_app_id: Mapped[int | None] = mapped_column(
        ForeignKey("pay_apps.id", ondelete="CASCADE"), index=True
    )
    payment_id: Mapped[int | None] = mapped_column(
        ForeignKey("payments.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """Append-only: who changed what, when, with the values before and after."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "company_id", "entity_type", "entity_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(32))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int] = mapped_column(BigInteger)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class IdempotencyKey(Base):
    """The first answer to a create sent with an ``Idempotency-Key``: a repeat within the
    retention window gets it back instead of creating again. Unique per (company, scope, key), so
    two simultaneous requests with one key cannot both create."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("company_id", "scope", "key"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = _company_fk()
    scope: Mapped[str] = mapped_column(String(128))  # the operation: "intacct:project-contract"
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
