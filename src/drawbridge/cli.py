"""The ``drawbridge`` command line: serve, load fixtures, create tokens, show a pay application.

Every failure is one line on stderr that says what to do, and exit code 1: a bad value, a missing
database, a database server that cannot be reached. Read-only commands never create a database.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from importlib import metadata, resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from drawbridge.bootstrap import DatabaseUnavailable, Runtime, build
from drawbridge.domain.errors import LedgerError
from drawbridge.domain.rules import Role, Scope
from drawbridge.services import auth, contracts, fixtures, oauth, pay_apps
from drawbridge.services.views import Actor, PartyView, PayAppView

# Plain help (click's): flags read as flags, without the type labels Rich help puts after them.
app = typer.Typer(
    help="drawbridge: construction progress-billing and payments server.",
    rich_markup_mode=None,
    no_args_is_help=True,
)
token_app = typer.Typer(help="API tokens.", rich_markup_mode=None, no_args_is_help=True)
payapp_app = typer.Typer(help="Pay applications.", rich_markup_mode=None, no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(payapp_app, name="payapp")
# Wide enough for the ten G703 columns even when the output is piped.
console = Console(width=max(shutil.get_terminal_size((160, 24)).columns, 150))
errors = Console(stderr=True, highlight=False, soft_wrap=True)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        metavar="URL",
        help="SQLAlchemy URL (default: $DRAWBRIDGE_DATABASE_URL or ./drawbridge.db)",
    ),
]
DEMO_TOKENS = {
    "admin": "demo-admin-token-0001",
    "standard": "demo-standard-token-0001",
    "read-only": "demo-readonly-token-0001",
}
# Public like the other demo tokens, and the same on every start, so a demo session's commands
# keep working across restarts. A real deployment sets DRAWBRIDGE_OPERATOR_TOKEN.
DEMO_OPERATOR_TOKEN = "demo-operator-token-0001"
OPERATOR_TOKEN_VARIABLE = "DRAWBRIDGE_OPERATOR_TOKEN"
# A load that replays at least this many pay applications and payments shows a progress bar.
PROGRESS_FROM = 100


def demo_fixture_text() -> str:
    return resources.files("drawbridge.fixtures").joinpath("demo.yaml").read_text("utf-8")


class Failed(typer.Exit):
    """A command failed: the message was printed on stderr; exit code 1."""

    def __init__(self, message: str) -> None:
        errors.print(f"[red]error:[/red] {message}")
        super().__init__(code=1)


@contextmanager
def _open(
    database: str | None,
    *,
    create: bool,
    operator_token: str | None = None,
    vendor_limits: bool = False,
) -> Iterator[Runtime]:
    """The runtime for one command, closed at the end; every failure is one line."""
    try:
        runtime = build(
            database, operator_token=operator_token, create=create, vendor_limits=vendor_limits
        )
    except DatabaseUnavailable as error:
        raise Failed(str(error)) from error
    try:
        yield runtime
    except LedgerError as error:
        raise Failed(error.message) from error
    finally:
        runtime.close()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"drawbridge {metadata.version('drawbridge')}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """drawbridge: construction progress-billing and payments server."""


@app.command()
def serve(
    host: Annotated[str, typer.Option(metavar="ADDRESS", help="address to listen on")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(metavar="PORT", help="port to listen on")] = 8000,
    database: DatabaseOption = None,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo", help="load the demo data into an empty database and print its tokens"
        ),
    ] = False,
    reset: Annotated[
        bool,
        typer.Option(
            "--reset", help="with --demo: empty the database first, then load the demo data"
        ),
    ] = False,
    vendor_limits: Annotated[
        bool,
        typer.Option(
            "--vendor-limits",
            help="apply Productive's and Procore's published request limits (429)",
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            metavar="N",
            help="server processes sharing the port and the database (PostgreSQL for real use)",
        ),
    ] = 1,
) -> None:
    """Run the server (migrations are applied on start)."""
    import uvicorn

    from drawbridge.api.app import WORKER_VENDOR_LIMITS_VARIABLE, create_app

    if reset and not demo:
        raise Failed("--reset empties the database to load the demo data: use it with --demo")
    given = os.environ.get(OPERATOR_TOKEN_VARIABLE) or None
    if given is not None:
        try:
            auth.check_operator_token(given)
        except LedgerError as error:
            raise Failed(f"{OPERATOR_TOKEN_VARIABLE}: {error.message}") from error
    operator_token = given or (DEMO_OPERATOR_TOKEN if demo else None)
    with _open(
        database, create=True, operator_token=operator_token, vendor_limits=vendor_limits
    ) as runtime:
        if demo:
            if reset or contracts.is_empty(runtime.uow()):
                document = fixtures.parse_fixture_text(demo_fixture_text())
                counts = fixtures.load_fixture(runtime.uow(), document, reset=reset)
                console.print(f"loaded the demo data: {_summary(counts)}")
            else:
                console.print(
                    "[yellow]the database already holds data, so the demo data was not loaded;"
                    "[/yellow] `drawbridge serve --demo --reset` empties it and loads the demo"
                )
            _print_demo(host, port, operator_token, from_environment=given is not None)
        elif operator_token is None:
            console.print(
                f"/_admin is disabled: set {OPERATOR_TOKEN_VARIABLE} (at least "
                f"{auth.MIN_OPERATOR_TOKEN_LENGTH} characters) to load fixtures over HTTP"
            )
        if workers == 1:
            uvicorn.run(create_app(runtime), host=host, port=port, log_level="info")
            return
        # Each worker is a process of its own that builds its runtime (engine, connection pool)
        # from the environment: the database this command migrated, its files and operator token.
        os.environ["DRAWBRIDGE_DATABASE_URL"] = runtime.settings.database_url
        os.environ["DRAWBRIDGE_DATA_DIR"] = str(runtime.settings.data_dir.resolve())
        if operator_token:
            os.environ[OPERATOR_TOKEN_VARIABLE] = operator_token
        os.environ[WORKER_VENDOR_LIMITS_VARIABLE] = "1" if vendor_limits else ""
        runtime.close()
        uvicorn.run(
            "drawbridge.api.app:create_worker_app",
            factory=True,
            workers=workers,
            host=host,
            port=port,
            log_level="info",
        )


def _print_demo(
    host: str, port: int, operator_token: str | None, *, from_environment: bool
) -> None:
    base = f"http://{host}:{port}"
    console.print(f"\n[bold]drawbridge[/bold] on {base}")
    console.print(f"  API docs:  {base}/rest/docs (Procore), {base}/cost/docs (ACC),")
    console.print(f"             {base}/ia/api/v1/docs (Sage Intacct),")
    console.print(f"             {base}/api/v2/docs (Productive), {base}/_admin/docs (operator)")
    console.print(f"  health:    {base}/healthz")
    for role, token in DEMO_TOKENS.items():
        console.print(f"  {role} token (company 1): {token}")
    console.print("  Harbor Line Electric admin token (company 2): harbor-admin-token-0001")
    if from_environment and operator_token:
        shown = f"{operator_token[:4]}… (from {OPERATOR_TOKEN_VARIABLE})"
    else:
        shown = f"{operator_token}"
    console.print(f"  operator token (/_admin): {shown}")
    if not _is_loopback(host):
        console.print(
            f"[yellow]  {host} is reachable from other machines, and the demo tokens are public"
            "[/yellow]"
        )
    console.print()


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@app.command()
def load(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="fixture file, JSON or YAML", exists=True)
    ],
    database: DatabaseOption = None,
    reset: Annotated[bool, typer.Option("--reset", help="empty the database first")] = False,
) -> None:
    """Load a fixture in one transaction: all of it, or nothing."""
    started = time.monotonic()
    with _open(database, create=True) as runtime:
        document = fixtures.parse_fixture_text(file.read_text("utf-8"))
        total = fixtures.history_size(document)
        if total < PROGRESS_FROM:
            counts = fixtures.load_fixture(runtime.uow(), document, reset=reset)
        else:
            # Said on every output; the bar itself is drawn only on a terminal.
            errors.print(f"loading {file}: replaying {total} pay applications and payments")
            columns = (
                TextColumn("replaying pay applications and payments"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
            )
            with Progress(*columns, console=errors, transient=True) as progress:
                task = progress.add_task("load", total=total)

                def advance(kind: str, _count: int) -> None:
                    if kind in ("pay_apps", "payments"):
                        progress.advance(task)

                counts = fixtures.load_fixture(
                    runtime.uow(), document, reset=reset, progress=advance
                )
    elapsed = time.monotonic() - started
    console.print(f"loaded {file}: {_summary(counts)} in {elapsed:.1f} s", highlight=False)


def _summary(counts: dict[str, int]) -> str:
    names = {
        "companies": ("company", "companies"),
        "projects": ("project", "projects"),
        "contracts": ("contract", "contracts"),
        "pay_apps": ("pay application", "pay applications"),
        "payments": ("payment", "payments"),
    }
    return ", ".join(
        f"{counts.get(kind, 0)} {one if counts.get(kind, 0) == 1 else many}"
        for kind, (one, many) in names.items()
    )


@token_app.command("create")
def create_token(
    email: Annotated[str, typer.Option(metavar="EMAIL", help="the user's email")],
    company: Annotated[int, typer.Option(metavar="ID", help="company id")],
    role: Annotated[
        Role | None,
        typer.Option(
            metavar="admin|standard",
            help="role in that company (default: the member's role; standard for a new member)",
        ),
    ] = None,
    scopes: Annotated[
        list[str] | None,
        typer.Option("--scopes", metavar="SCOPES", help="data:read,data:write (default both)"),
    ] = None,
    grant_membership: Annotated[
        bool,
        typer.Option(
            "--grant-membership",
            help="make the user a member of the company in that role (creating the user if new), "
            "or change their role there",
        ),
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Create an API token: who it is for goes to stderr, the token alone to stdout."""
    given = [part for value in scopes or [] for part in value.replace(",", " ").split()]
    with _open(database, create=False) as runtime:
        try:
            issued = auth.create_token(
                runtime.uow(),
                email=email,
                company_id=company,
                role=role,
                scopes=given,
                grant_membership=grant_membership,
            )
        except auth.MembershipRequired as error:
            wanted = (role or Role.STANDARD).value
            raise Failed(
                f"{error.message}: add --grant-membership to make them {wanted} there"
            ) from error
    if issued.user_created:
        errors.print(f"created the user {issued.email}")
    if issued.membership_granted:
        errors.print(
            f"granted {issued.email} the {issued.role.value} role in company "
            f"{issued.company_id} ({issued.company_name})"
        )
    errors.print(
        f"token for {issued.email} ({issued.name}), {issued.role.value} in company "
        f"{issued.company_id} ({issued.company_name}), scopes {' '.join(issued.scopes)}:"
    )
    typer.echo(issued.token)


client_app = typer.Typer(
    help="OAuth clients (client credentials and refresh-token grants).",
    rich_markup_mode=None,
    no_args_is_help=True,
)
app.add_typer(client_app, name="client")


@client_app.command("create")
def create_client(
    company: Annotated[int, typer.Option(metavar="ID", help="company id")],
    email: Annotated[
        str, typer.Option(metavar="EMAIL", help="the member of the company the client acts as")
    ],
    name: Annotated[str | None, typer.Option(metavar="NAME", help="a name for the client")] = None,
    database: DatabaseOption = None,
) -> None:
    """Register an OAuth client; prints its client_id and secret (shown only this once)."""
    with _open(database, create=False) as runtime:
        credentials = oauth.create_client(runtime.uow(), company_id=company, email=email, name=name)
    typer.echo(f"client_id: {credentials.client_id}")
    typer.echo(f"client_secret: {credentials.client_secret}")


@payapp_app.command("show")
def show_pay_app(
    contract: Annotated[str, typer.Option(metavar="ID-OR-NUMBER", help="contract id or number")],
    number: Annotated[
        int | None, typer.Option(metavar="N", help="application number (default: the latest)")
    ] = None,
    company: Annotated[
        int | None, typer.Option(metavar="ID", help="company id, if contract numbers repeat")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Print a pay application: the G702 header, G703 lines and G702 summary."""
    with _open(database, create=False) as runtime:
        view = _find(runtime, contract, number, company)
    console.print(g702_header(view))
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


def money(cents: int) -> str:
    """Cents for people: thousands separated, 2 places, a minus sign when negative."""
    return f"{Decimal(cents).scaleb(-2):,.2f}"


def _party(party: PartyView | None) -> str:
    if party is None:
        return ""
    place = ", ".join(part for part in (party.city, party.state_code) if part)
    return f"{party.name} ({place})" if place else party.name


def g702_header(view: PayAppView) -> Table:
    """The G702's heading: who bills whom, for which project, which application."""
    contract = view.contract
    company = view.company.name
    # A commitment bills us (the company) as its owner; a prime contract bills the customer.
    if contract.kind == "prime":
        owner, contractor = _party(contract.party), company
    else:
        owner, contractor = company, _party(contract.party)
    period_to = view.end_date or (view.period.end_date if view.period else None)
    project = view.project
    rows = [
        ("To owner", owner),
        ("From contractor", contractor),
        ("Project", f"{project.name} ({project.code}, no. {project.number or '-'})"),
        ("Via architect", _party(contract.architect) or "-"),
        ("Contract for", f"{contract.number} {contract.title}"),
        ("Contract date", str(contract.contract_date or "-")),
        ("Application no.", f"{view.number} ({view.status.value})"),
        ("Application date", str(view.billing_date or "-")),
        ("Period to", str(period_to or "-")),
        ("Invoice number", view.invoice_number or "-"),
    ]
    table = Table(title="AIA G702 application and certificate for payment", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for label, value in rows:
        table.add_row(label, value)
    return table


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
        ("C Scheduled", money(summary.contract_sum_to_date), "right"),
        ("D Previous", money(summary.work_completed_from_previous_application), "right"),
        ("E This period", money(summary.work_completed_this_period), "right"),
        ("F Stored", money(summary.materials_presently_stored), "right"),
        ("G Completed", money(summary.total_completed_and_stored_to_date), "right"),
        ("%", str(summary.percent_complete), "right"),
        ("H To finish", money(summary.balance_to_finish), "right"),
        ("I Retainage", money(summary.total_retainage), "right"),
    ]
    for header, footer, justify in columns:
        # Figures never wrap; a long description wraps onto more lines instead of being cut.
        wraps = header == "Description"
        table.add_column(
            header,
            footer=footer,
            justify=justify,  # type: ignore[arg-type]
            no_wrap=not wraps,
            overflow="fold" if wraps else "ellipsis",
            ratio=1 if wraps else None,
        )
    for line in view.g703_lines:
        figures = line.figures
        item = line.sov_line.number if line.sov_line else f"CO {line.change_order_item.id}"  # type: ignore[union-attr]
        table.add_row(
            item,
            line.description,
            money(figures.scheduled_value),
            money(figures.work_completed_from_previous_application),
            money(figures.work_completed_this_period),
            money(figures.materials_presently_stored),
            money(figures.total_completed_and_stored_to_date),
            str(figures.percent_complete),
            money(figures.balance_to_finish),
            money(figures.total_retainage_currently_retained),
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
        table.add_row(line, label, money(cents))
    table.add_row("", "Percent complete", f"{s.percent_complete} %")
    table.add_row("", "Amount paid", money(view.payments.amount_paid))
    table.add_row("", "Amount unpaid", money(view.payments.amount_unpaid))
    return table


def main() -> None:
    app()
