"""The ``drawbridge`` command line: serve, load fixtures, create tokens, show a pay application."""

from __future__ import annotations

import os
import secrets
import shutil
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from drawbridge.bootstrap import Runtime, build
from drawbridge.domain.errors import LedgerError
from drawbridge.domain.money import format_cents
from drawbridge.domain.rules import Role, Scope
from drawbridge.services import auth, contracts, fixtures, oauth, pay_apps
from drawbridge.services.views import Actor, PayAppView

app = typer.Typer(help="drawbridge: construction progress-billing and payments server.")
token_app = typer.Typer(help="API tokens.")
payapp_app = typer.Typer(help="Pay applications.")
app.add_typer(token_app, name="token")
app.add_typer(payapp_app, name="payapp")
# Wide enough for the ten G703 columns even when the output is piped.
console = Console(width=max(shutil.get_terminal_size((160, 24)).columns, 150))
errors = Console(stderr=True)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database", help="SQLAlchemy URL (default: $DRAWBRIDGE_DATABASE_URL or ./drawbridge.db)"
    ),
]
DEMO_TOKENS = {
    "admin": "demo-admin-token-0001",
    "standard": "demo-standard-token-0001",
    "read-only": "demo-readonly-token-0001",
}


def demo_fixture_text() -> str:
    return resources.files("drawbridge.fixtures").joinpath("demo.yaml").read_text("utf-8")


def _fail(error: LedgerError) -> typer.Exit:
    errors.print(f"[red]error:[/red] {error.message}", highlight=False)
    return typer.Exit(code=1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    database: DatabaseOption = None,
    demo: Annotated[bool, typer.Option(help="load the demo data into an empty database")] = False,
) -> None:
    """Run the server (migrations are applied on start)."""
    import uvicorn

    from drawbridge.api.app import create_app

    operator_token = None
    if demo:
        # The demo prints an operator token so /_admin can be tried at once.
        operator_token = os.environ.get("DRAWBRIDGE_OPERATOR_TOKEN") or (
            f"op_{secrets.token_urlsafe(24)}"
        )
    runtime = build(database, operator_token=operator_token)
    if demo:
        if contracts.is_empty(runtime.uow()):
            counts = fixtures.load_fixture_text(runtime.uow(), demo_fixture_text())
            console.print(f"loaded the demo data: {counts}")
        else:
            console.print("the database already holds data: the demo fixture was not loaded")
        _print_demo(host, port, operator_token)
    uvicorn.run(create_app(runtime), host=host, port=port, log_level="info")


def _print_demo(host: str, port: int, operator_token: str | None) -> None:
    base = f"http://{host}:{port}"
    console.print(f"\n[bold]drawbridge[/bold] on {base}")
    console.print(f"  API docs:  {base}/docs, {base}/rest/docs (Procore), {base}/cost/docs (ACC)")
    console.print(f"  health:    {base}/healthz")
    for role, token in DEMO_TOKENS.items():
        console.print(f"  {role} token (company 1): {token}")
    console.print("  Harbor Line Electric admin token (company 2): harbor-admin-token-0001")
    console.print(f"  operator token (/_admin): {operator_token}\n")


@app.command()
def load(
    file: Annotated[Path, typer.Argument(help="fixture file, JSON or YAML", exists=True)],
    database: DatabaseOption = None,
    reset: Annotated[bool, typer.Option(help="empty the database first")] = False,
) -> None:
    """Load a fixture in one transaction: all of it, or nothing."""
    runtime = build(database)
    try:
        counts = fixtures.load_fixture_text(runtime.uow(), file.read_text("utf-8"), reset=reset)
    except LedgerError as error:
        raise _fail(error) from error
    finally:
        runtime.close()
    console.print(f"loaded {file}: {counts}")


@token_app.command("create")
def create_token(
    email: Annotated[str, typer.Option(help="the user's email (created if new)")],
    company: Annotated[int, typer.Option(help="company id")],
    role: Annotated[Role, typer.Option(help="role in that company")] = Role.STANDARD,
    scopes: Annotated[
        list[str] | None, typer.Option("--scopes", help="data:read, data:write (default both)")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Print a new API token for a user in a company."""
    runtime = build(database)
    try:
        given = [part for value in scopes or [] for part in value.replace(",", " ").split()]
        token = auth.create_token(
            runtime.uow(), email=email, company_id=company, role=role, scopes=given
        )
    except LedgerError as error:
        raise _fail(error) from error
    finally:
        runtime.close()
    typer.echo(token)


client_app = typer.Typer(help="OAuth clients (client credentials and refresh-token grants).")
app.add_typer(client_app, name="client")


@client_app.command("create")
def create_client(
    company: Annotated[int, typer.Option(help="company id")],
    email: Annotated[str, typer.Option(help="the member of the company the client acts as")],
    name: Annotated[str | None, typer.Option(help="a name for the client")] = None,
    database: DatabaseOption = None,
) -> None:
    """Register an OAuth client; prints its client_id and secret (shown only this once)."""
    runtime = build(database)
    try:
        credentials = oauth.create_client(runtime.uow(), company_id=company, email=email, name=name)
    except LedgerError as error:
        raise _fail(error) from error
    finally:
        runtime.close()
    typer.echo(f"client_id: {credentials.client_id}")
    typer.echo(f"client_secret: {credentials.client_secret}")


@payapp_app.command("show")
def show_pay_app(
    contract: Annotated[str, typer.Option(help="contract id or number")],
    number: Annotated[int | None, typer.Option(help="application number (default latest)")] = None,
    company: Annotated[int | None, typer.Option(help="company id, if numbers repeat")] = None,
    database: DatabaseOption = None,
) -> None:
    """Print a pay application's G703 lines and G702 summary."""
    runtime = build(database)
    try:
        view = _find(runtime, contract, number, company)
    except LedgerError as error:
        raise _fail(error) from error
    finally:
        runtime.close()
    console.print(g703_table(view))
    console.print(g702_table(view))


def _find(runtime: Runtime, contract: str, number: int | None, company: int | None) -> PayAppView:
    company_id, contract_id = contracts.resolve_contract(runtime.uow(), contract, company)
    operator = Actor(
        user_id=None,
        company_id=company_id,
        role=Role.ADMIN,
        scopes=frozenset({Scope.READ.value}),
    )
    return pay_apps.find_pay_app(runtime.uow(read_only=True), operator, contract_id, number)


def g703_table(view: PayAppView) -> Table:
    table = Table(
        title=(
            f"G703 continuation sheet: {view.contract.number} {view.contract.title}, "
            f"application {view.number} ({view.status.value})"
        ),
        show_footer=True,
    )
    summary = view.summary
    columns = [
        ("Item", "", "left"),
        ("Description", "Totals", "left"),
        ("C Scheduled", format_cents(summary.contract_sum_to_date), "right"),
        ("D Previous", format_cents(summary.work_completed_from_previous_application), "right"),
        ("E This period", format_cents(summary.work_completed_this_period), "right"),
        ("F Stored", format_cents(summary.materials_presently_stored), "right"),
        ("G Completed", format_cents(summary.total_completed_and_stored_to_date), "right"),
        ("%", str(summary.percent_complete), "right"),
        ("H To finish", format_cents(summary.balance_to_finish), "right"),
        ("I Retainage", format_cents(summary.total_retainage), "right"),
    ]
    for header, footer, justify in columns:
        table.add_column(
            header,
            footer=footer,
            justify=justify,  # type: ignore[arg-type]
            no_wrap=True,
            max_width=32 if header == "Description" else None,
            overflow="ellipsis",
        )
    for line in view.g703_lines:
        figures = line.figures
        item = line.sov_line.number if line.sov_line else f"CO {line.change_order_item.id}"  # type: ignore[union-attr]
        table.add_row(
            item,
            line.description,
            format_cents(figures.scheduled_value),
            format_cents(figures.work_completed_from_previous_application),
            format_cents(figures.work_completed_this_period),
            format_cents(figures.materials_presently_stored),
            format_cents(figures.total_completed_and_stored_to_date),
            str(figures.percent_complete),
            format_cents(figures.balance_to_finish),
            format_cents(figures.total_retainage_currently_retained),
        )
    return table


def g702_table(view: PayAppView) -> Table:
    s = view.summary
    table = Table(title="G702 application for payment", show_header=False)
    table.add_column("line")
    table.add_column("item")
    table.add_column("amount", justify="right")
    rows = [
        ("1", "Original contract sum", s.original_contract_sum),
        ("2", "Net change by change orders", s.net_change_by_change_orders),
        ("3", "Contract sum to date (1 + 2)", s.contract_sum_to_date),
        ("4", "Total completed and stored to date", s.total_completed_and_stored_to_date),
        ("5a", "Retainage on completed work", s.completed_work_retainage_amount),
        ("5b", "Retainage on stored materials", s.stored_materials_retainage_amount),
        ("5", "Total retainage (5a + 5b)", s.total_retainage),
        ("6", "Total earned less retainage (4 - 5)", s.total_earned_less_retainage),
        ("7", "Less previous certificates for payment", s.less_previous_certificates_for_payment),
        ("8", "Current payment due (6 - 7)", s.current_payment_due),
        ("9", "Balance to finish incl. retainage (3 - 6)", s.balance_to_finish_including_retainage),
    ]
    for line, label, cents in rows:
        table.add_row(line, label, format_cents(cents))
    table.add_row("", "Percent complete", f"{s.percent_complete} %")
    table.add_row("", "Amount paid", format_cents(view.payments.amount_paid))
    table.add_row("", "Amount unpaid", format_cents(view.payments.amount_unpaid))
    return table


def main() -> None:
    app()
