"""The ``drawbridge`` command line: serve, load fixtures, create tokens, and run a job: parties,
projects, contracts, schedules of values, change orders, pay applications and payments.

Every failure is one line on stderr that says what to do, and exit code 1: a bad value, a missing
database, a database server that cannot be reached. Read-only commands never create a database.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from importlib import metadata, resources
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from drawbridge.bootstrap import DEFAULT_REQUEST_THREADS, DatabaseUnavailable, Runtime, build
from drawbridge.domain.errors import LedgerError
from drawbridge.domain.money import parse_amount
from drawbridge.domain.rules import PayAppStatus, Role, Scope
from drawbridge.exports.formats import day, money
from drawbridge.services import (
    auth,
    change_orders,
    contracts,
    documents,
    fixtures,
    oauth,
    parties,
    pay_apps,
    payments,
    projects,
    web_sessions,
)
from drawbridge.services import sov as sov_service
from drawbridge.services.imports import ImportReport, Sheet, without_thousands
from drawbridge.services.views import Actor, PartyView, PayAppView

T = TypeVar("T")
# Plain help for every group, shown when a group is called without a command.
_GROUP: dict[str, Any] = {"rich_markup_mode": None, "no_args_is_help": True}

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
# Who signs in to the demo's web pages (the demo fixture sets these passwords).
DEMO_WEB_USERS = {
    "dana.whitfield@granitepeak.test": "demo-admin-password",
    "marco.ruiz@granitepeak.test": "demo-standard-password",
    "priya.shah@granitepeak.test": "demo-readonly-password",
}
OPERATOR_TOKEN_VARIABLE = "DRAWBRIDGE_OPERATOR_TOKEN"
# Who the job commands act as, when --as and --company are not given.
AS_VARIABLE = "DRAWBRIDGE_AS"
COMPANY_VARIABLE = "DRAWBRIDGE_COMPANY"
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
    threads: Annotated[
        int,
        typer.Option(
            "--threads",
            min=1,
            max=64,
            metavar="N",
            help="requests each server process computes at once; the others wait their turn",
        ),
    ] = DEFAULT_REQUEST_THREADS,
) -> None:
    """Run the server (migrations are applied on start)."""
    import uvicorn

    from drawbridge.api.app import (
        WORKER_THREADS_VARIABLE,
        WORKER_VENDOR_LIMITS_VARIABLE,
        create_app,
        served,
    )

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
            application = served(create_app(runtime, request_threads=threads))
            uvicorn.run(application, host=host, port=port, log_level="info")
            return
        # Each worker is a process of its own that builds its runtime (engine, connection pool)
        # from the environment: the database this command migrated, its files and operator token.
        os.environ["DRAWBRIDGE_DATABASE_URL"] = runtime.settings.database_url
        os.environ["DRAWBRIDGE_DATA_DIR"] = str(runtime.settings.data_dir.resolve())
        if operator_token:
            os.environ[OPERATOR_TOKEN_VARIABLE] = operator_token
        os.environ[WORKER_VENDOR_LIMITS_VARIABLE] = "1" if vendor_limits else ""
        os.environ[WORKER_THREADS_VARIABLE] = str(threads)
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
    console.print(f"  own API:   {base}/v1/docs (drawbridge's own API, docs/native.md)")
    console.print(f"  health:    {base}/healthz")
    console.print(f"  web pages: {base}/app (docs/web.md), passwords:")
    for email, password in DEMO_WEB_USERS.items():
        console.print(f"             {email} / {password}")
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
    help="OAuth clients (client credentials, authorization code and refresh-token grants).",
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
    redirect_uri: Annotated[
        list[str] | None,
        typer.Option(
            metavar="URI",
            help="a redirect URI for the authorization-code grant (https://, http://localhost, "
            "or urn:ietf:wg:oauth:2.0:oob); repeat for several",
        ),
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Register an OAuth client; prints its client_id and secret (shown only this once)."""
    with _open(database, create=False) as runtime:
        credentials = oauth.create_client(
            runtime.uow(),
            company_id=company,
            email=email,
            name=name,
            redirect_uris=redirect_uri or (),
        )
    typer.echo(f"client_id: {credentials.client_id}")
    typer.echo(f"client_secret: {credentials.client_secret}")
    for uri in credentials.redirect_uris:
        typer.echo(f"redirect_uri: {uri}")


# -- running a job: who acts, and how records are named ------------------------------------------
#
# The job commands act as a member of a company, named by email (--as or $DRAWBRIDGE_AS) and,
# for a member of several companies, the company id (--company or $DRAWBRIDGE_COMPANY). They
# are thin: each parses its options, calls one use case and prints what it returns; every rule
# (roles, the SOV lock, over-billing, payments) is the use case's, as on every API face.

party_app = typer.Typer(help="Parties: vendors, customers, architects.", **_GROUP)
project_app = typer.Typer(help="Projects.", **_GROUP)
contract_app = typer.Typer(help="Contracts.", **_GROUP)
sov_app = typer.Typer(help="Schedules of values: import and export.", **_GROUP)
co_app = typer.Typer(help="Change orders.", **_GROUP)
payment_app = typer.Typer(help="Payments.", **_GROUP)
app.add_typer(party_app, name="party")
app.add_typer(project_app, name="project")
app.add_typer(contract_app, name="contract")
app.add_typer(sov_app, name="sov")
app.add_typer(co_app, name="co")
app.add_typer(payment_app, name="payment")

AsOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        metavar="EMAIL",
        envvar=AS_VARIABLE,
        show_envvar=False,
        help=f"act as this member of the company (default: ${AS_VARIABLE})",
    ),
]
CompanyOption = Annotated[
    int | None,
    typer.Option(
        "--company",
        metavar="ID",
        envvar=COMPANY_VARIABLE,
        show_envvar=False,
        help=f"company id, for a member of several (default: ${COMPANY_VARIABLE})",
    ),
]
ContractOption = Annotated[
    str, typer.Option("--contract", metavar="NUMBER-OR-ID", help="the contract's number or id")
]
NumberOption = Annotated[
    int | None,
    typer.Option("--number", metavar="N", help="application number (default: the latest)"),
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", metavar="FILE", help="write here (default: a name of its own)"),
]


@contextmanager
def _acting(
    database: str | None, email: str | None, company: int | None
) -> Iterator[tuple[Runtime, Actor]]:
    if not email:
        raise Failed(f"say who acts: --as EMAIL (or set {AS_VARIABLE})")
    with _open(database, create=False) as runtime:
        yield runtime, auth.act_as_member(runtime.uow(read_only=True), email, company)


def _contract_id(runtime: Runtime, actor: Actor, reference: str) -> int:
    return contracts.resolve_contract(runtime.uow(read_only=True), reference, actor.company_id)[1]


def _pay_app(runtime: Runtime, actor: Actor, contract: str, number: int | None) -> PayAppView:
    contract_id = _contract_id(runtime, actor, contract)
    return pay_apps.find_pay_app(runtime.uow(read_only=True), actor, contract_id, number)


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise Failed(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from error


def _amount(value: str, option: str) -> int:
    try:
        return parse_amount(without_thousands(value), option)
    except LedgerError as error:
        raise Failed(error.message) from error


def _read_file(path: Path) -> Sheet:
    from drawbridge.exports import spreadsheets  # imported when used: keeps start-up quick

    try:
        data = path.read_bytes()
    except OSError as error:
        raise Failed(f"{path}: {error.strerror or error}") from error
    try:
        return spreadsheets.read_table(data, path.name)
    except LedgerError as error:
        raise Failed(f"{path}: {error.message}") from error


def _with_progress(label: str, total: int, work: Callable[[Callable[[int], None]], T]) -> T:
    """Run ``work`` with a progress bar (drawn on a terminal only) it advances to a count."""
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=errors, transient=True) as progress:
        task = progress.add_task(label, total=total)
        return work(lambda done: progress.update(task, completed=done))


def _report(report: ImportReport, what: str) -> None:
    """What an import did, or in a dry run would do: a table of the rows that change."""
    changed = [change for change in report.changes if change.action != "unchanged"]
    if changed:
        table = Table(title=f"{what}: {'would change' if report.dry_run else 'changed'}")
        for header, justify in (("Row", "right"), ("Action", "left"), ("Item", "left")):
            table.add_column(header, justify=justify)  # type: ignore[arg-type]
        table.add_column("Description", overflow="fold")
        table.add_column("Changes", overflow="fold")
        for change in changed:
            table.add_row(
                str(change.row),
                change.action,
                change.key,
                change.description,
                "; ".join(
                    f"{name}: {old or '-'} -> {new or '-'}"
                    for name, (old, new) in change.changes.items()
                ),
            )
        console.print(table)
    counts = ", ".join(
        f"{report.count(action)} {word}"
        for action, word in (
            ("create", "to create" if report.dry_run else "created"),
            ("update", "to update" if report.dry_run else "updated"),
            ("unchanged", "unchanged"),
        )
    )
    console.print(f"{what}: {counts}", highlight=False)
    for name, value in report.summary.items():
        console.print(f"  {name}: {value}", highlight=False)
    if report.dry_run:
        console.print("dry run: nothing was changed", highlight=False)


def _write(data: bytes | str, output: Path | None, default: str) -> None:
    path = output or Path(default)
    try:
        if isinstance(data, str):
            path.write_text(data, "utf-8")
        else:
            path.write_bytes(data)
    except OSError as error:
        raise Failed(f"{path}: {error.strerror or error}") from error
    console.print(f"wrote {path}", highlight=False)


def _file_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in text).strip("-") or "export"


# -- parties and projects -------------------------------------------------------------------------


@party_app.command("add")
def add_party(
    kind: Annotated[
        str, typer.Option(metavar="vendor|customer|architect", help="what the party is to us")
    ],
    code: Annotated[str, typer.Option(metavar="CODE", help="short code, unique in the company")],
    name: Annotated[str, typer.Option(metavar="NAME", help="the party's name")],
    street: Annotated[str | None, typer.Option(metavar="TEXT")] = None,
    city: Annotated[str | None, typer.Option(metavar="TEXT")] = None,
    state: Annotated[str | None, typer.Option(metavar="CODE", help="state code, e.g. CA")] = None,
    zip_code: Annotated[str | None, typer.Option("--zip", metavar="TEXT")] = None,
    country: Annotated[
        str | None, typer.Option(metavar="CODE", help="country code, e.g. US")
    ] = None,
    as_: AsOption = None,
    company: CompanyOption = None,
    database: DatabaseOption = None,
) -> None:
    """Add a vendor, customer or architect to the company's directory."""
    values = {
        "kind": kind,
        "code": code,
        "name": name,
        "street": street,
        "city": city,
        "state_code": state,
        "zip": zip_code,
        "country_code": country,
    }
    with _acting(database, as_, company) as (runtime, actor):
        party = parties.create_party(runtime.uow(), actor, values)
    console.print(f"added {party.kind} {party.code} ({party.name}), id {party.id}", highlight=False)


@project_app.command("create")
def create_project(
    code: Annotated[str, typer.Option(metavar="CODE", help="short code, unique in the company")],
    name: Annotated[str, typer.Option(metavar="NAME")],
    number: Annotated[str | None, typer.Option(metavar="TEXT", help="the project number")] = None,
    as_: AsOption = None,
    company: CompanyOption = None,
    database: DatabaseOption = None,
) -> None:
    """Create a project."""
    with _acting(database, as_, company) as (runtime, actor):
        project = projects.create_project(
            runtime.uow(), actor, {"code": code, "name": name, "number": number}
        )
    console.print(
        f"created project {project.code} ({project.name}), id {project.id}", highlight=False
    )


@project_app.command("list")
def list_projects(
    as_: AsOption = None, company: CompanyOption = None, database: DatabaseOption = None
) -> None:
    """List the company's projects."""
    with _acting(database, as_, company) as (runtime, actor):
        found = projects.list_projects(runtime.uow(read_only=True), actor)
    table = Table(title="Projects")
    for header in ("Id", "Code", "Name", "Number"):
        table.add_column(header)
    for project in found:
        table.add_row(str(project.id), project.code, project.name, project.number or "")
    console.print(table)


# -- contracts and their schedules of values ------------------------------------------------------


@contract_app.command("create")
def create_contract(
    project: Annotated[str, typer.Option(metavar="CODE", help="the project's code or id")],
    number: Annotated[
        str, typer.Option(metavar="TEXT", help="contract number, unique in the company")
    ],
    title: Annotated[str, typer.Option(metavar="TEXT")],
    party: Annotated[
        str, typer.Option(metavar="CODE", help="the customer (prime) or vendor (commitment)")
    ],
    kind: Annotated[
        str, typer.Option(metavar="prime|commitment", help="prime: a customer pays us")
    ] = "prime",
    architect: Annotated[str | None, typer.Option(metavar="CODE")] = None,
    contract_date: Annotated[str | None, typer.Option("--date", metavar="YYYY-MM-DD")] = None,
    retainage: Annotated[
        str | None, typer.Option(metavar="PERCENT", help="retainage on work, e.g. 10")
    ] = None,
    materials_retainage: Annotated[
        str | None, typer.Option(metavar="PERCENT", help="on stored materials (default: as work)")
    ] = None,
    retainage_method: Annotated[str | None, typer.Option(metavar="cumulative|incremental")] = None,
    stored_materials: Annotated[str | None, typer.Option(metavar="manual|move_to_previous")] = None,
    steps: Annotated[
        list[str] | None,
        typer.Option(
            "--retainage-step",
            metavar="AT:WORK[:MATERIALS]",
            help="from the application after the one reaching AT % complete, retain WORK % "
            "(and MATERIALS %); repeat for more steps",
        ),
    ] = None,
    as_: AsOption = None,
    company: CompanyOption = None,
    database: DatabaseOption = None,
) -> None:
    """Create a contract (its schedule of values comes next: sov import)."""
    retainage_steps = []
    for step in steps or []:
        parts = step.split(":")
        if len(parts) not in (2, 3):
            raise Failed(f"--retainage-step: {step!r} is not AT:WORK or AT:WORK:MATERIALS")
        names = ("at_percent_complete", "work_percent", "materials_percent")
        retainage_steps.append(dict(zip(names, parts, strict=False)))
    with _acting(database, as_, company) as (runtime, actor):
        found = projects.find_project(runtime.uow(read_only=True), actor, project)
        values = {
            "project": found.code,
            "number": number,
            "title": title,
            "party": party,
            "architect": architect,
            "contract_date": _date(contract_date, "--date"),
            "work_retainage_percent": retainage,
            "materials_retainage_percent": materials_retainage,
            "retainage_method": retainage_method,
            "stored_materials": stored_materials,
            "retainage_steps": retainage_steps or None,
        }
        contract_id = contracts.create_contract(
            runtime.uow(), actor, contracts.ContractChanges(values=values), kind=kind
        )
    console.print(f"created contract {number} ({title}), id {contract_id}", highlight=False)


@contract_app.command("list")
def list_contracts(
    project: Annotated[str | None, typer.Option(metavar="CODE", help="only this project's")] = None,
    as_: AsOption = None,
    company: CompanyOption = None,
    database: DatabaseOption = None,
) -> None:
    """List the company's contracts."""
    with _acting(database, as_, company) as (runtime, actor):
        project_id = (
            projects.find_project(runtime.uow(read_only=True), actor, project).id
            if project
            else None
        )
        found = contracts.list_contracts(runtime.uow(read_only=True), actor, project_id)
    table = Table(title="Contracts")
    for header in ("Id", "Number", "Title", "Kind", "Party", "Retainage", "Status"):
        table.add_column(header)
    for contract in found:
        table.add_row(
            str(contract.id),
            contract.number,
            contract.title,
            contract.kind,
            contract.party.name,
            f"{contract.work_retainage_percent} % {contract.retainage_method}",
            contract.status,
        )
    console.print(table)


@contract_app.command("show")
def show_contract(
    contract: Annotated[str, typer.Argument(metavar="NUMBER-OR-ID")],
    as_: AsOption = None,
    company: CompanyOption = None,
    database: DatabaseOption = None,
) -> None:
    """A contract: its terms, schedule of values, change orders and pay applications."""
    with _acting(database, as_, company) as (runtime, actor):
        contract_id = _contract_id(runtime, actor, contract)
        sov = documents.contract_sov(runtime.uow(read_only=True), actor, contract_id)
        packages = change_orders.list_packages(runtime.uow(read_only=True), actor, contract_id)
        history = documents.contract_history(runtime.uow(read_only=True), actor, contract_id)
    view = sov.contract
    heading = Table(title=f"Contract {view.number} {view.title}", show_header=False)
    heading.add_column("field", style="bold")
    heading.add_column("value")
    for label, value in (
        ("Project", f"{sov.project.name} ({sov.project.code})"),
        ("Kind", view.kind),
        ("Party", view.party.name),
        ("Architect", view.architect.name if view.architect else "-"),
        ("Contract date", str(view.contract_date or "-")),
        (
            "Retainage",
            f"{view.work_retainage_percent} % on work, {view.materials_retainage_percent} % on "
            f"stored materials, {view.retainage_method}",
        ),
        ("Stored materials", view.stored_materials),
    ):
        heading.add_row(label, value)
    console.print(heading)
    console.print(sov_table(sov))
    if packages:
        table = Table(title="Change orders")
        for header, justify in (
            ("Number", "left"),
            ("Title", "left"),
            ("Status", "left"),
            ("Approved", "left"),
            ("Amount", "right"),
        ):
            table.add_column(header, justify=justify)  # type: ignore[arg-type]
        for package in packages:
            table.add_row(
                package.number,
                package.title,
                package.status,
                str(package.approved_date or ""),
                money(package.amount),
            )
        console.print(table)
    console.print(history_table(history))


def sov_table(sov: documents.SovDocument) -> Table:
    table = Table(title="Schedule of values", show_footer=True)
    table.add_column("Number")
    table.add_column("Description", footer="Total", overflow="fold", ratio=1)
    table.add_column("Cost code")
    table.add_column("Scheduled value", footer=money(sov.total), justify="right", no_wrap=True)
    for line in sov.lines:
        table.add_row(
            line.number, line.description, line.cost_code or "", money(line.scheduled_value)
        )
    return table


def history_table(history: documents.HistoryDocument) -> Table:
    table = Table(title="Pay applications")
    for header, justify in (
        ("No.", "right"),
        ("Date", "left"),
        ("Period to", "left"),
        ("Status", "left"),
        ("Completed to date", "right"),
        ("Retainage", "right"),
        ("Payment due", "right"),
        ("Paid", "right"),
    ):
        table.add_column(header, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for document in history.applications:
        s = document.summary
        table.add_row(
            str(document.number),
            day(document.application_date),
            day(document.period_to),
            document.pay_app.status.value,
            money(s.total_completed_and_stored_to_date),
            money(s.total_retainage),
            money(s.current_payment_due),
            money(document.pay_app.payments.amount_paid),
        )
    return table


@sov_app.command("import")
def import_sov(
    file: Annotated[Path, typer.Argument(metavar="FILE", help=".xlsx or .csv", exists=True)],
    contract: ContractOption,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="show what would change; change nothing")
    ] = False,
    as_: AsOption = None,
    company: CompanyOption = None,
    database: DatabaseOption = None,
) -> None:
    """Create or update a contract's SOV lines from a spreadsheet (all or nothing)."""
    table = _read_file(file)
    with _acting(database, as_, company) as (runtime, actor):
        contract_id = _contract_id(runtime, actor, contract)
        report = _with_progress(
            "importing SOV lines",
            len(table.rows),
            lambda advance: sov_service.import_sov(
                runtime.uow(), actor, contract_id, table, dry_run=dry_run, progress=advance
            ),
        )
    _report(report, f"SOV of {contract} from {file.name}")


@sov_app.command("export")
def export_sov(
    contract: ContractOption,
    format_: Annotated[str, typer.Option("--format", metavar="xlsx|csv")] = "xlsx",
    output: OutputOption = None,
    as_: AsOption = None,
    company: CompanyOption = None,
    database: DatabaseOption = None,
) -> None:
    """Write a contract's schedule of values as XLSX or CSV."""
    from drawbridge.exports import spreadsheets  # imported when used: keeps start-up quick

    if format_ not in ("xlsx", "csv"):
        raise Failed("--format: xlsx or csv")
    with _acting(database, as_, company) as (runtime, actor):
        sov = documents.contract_sov(
            runtime.uow(read_only=True), actor, _contract_id(runtime, actor, contract)
        )
    data = spreadsheets.sov_xlsx(sov) if format_ == "xlsx" else spreadsheets.sov_csv(sov)
    _write(data, output, f"{_file_name(sov.contract.number)}-sov.{format_}")


# -- change orders --------------------------------------------------------------------------------


@co_app.command("create")
def create_change_order(
    contract: ContractOption,
    number: Annotated[
        str, typer.Option(metavar="TEXT", help="e.g. CO-001, unique in the contract")
    ],
    title: Annotated[str, typer.Option(metavar="TEXT")],
    items: Annotated[
        list[str],
        typer.Option(
            "--item",
            metavar="'DESCRIPTION=AMOUNT'",
            help="an item; repeat for more; a negative amount is a deduction",
        ),
    ],
    approve: Annotated[
        str | None, typer.Option("--approved", metavar="YYYY-MM-DD", help="approved on this date")
    ] = None,
    as_: AsOption = None,
    company: CompanyOption = None,
    database: DatabaseOption = None,
) -> None:
    """Create a change order (draft, or approved with --approved)."""
    given = []
    for item in items:
        description, _, amount = item.rpartition("=")
        if not description.strip():
            raise Failed(f"--item: {item!r} is not DESCRIPTION=AMOUNT")
        given.append(
            change_orders.ItemInput(description.strip(), _amount(amount.strip(), "--item"))
        )
    values: dict[str, object] = {"number": number, "title": title}
    if approve is not None:
        values.update(status="approved", approved_date=_date(approve, "--approved"))
    with _acting(database, as_, company) as (runtime, actor):
        package_id = change_orders.create_package(
            runtime.uow(),
            actor,
            _contract_id(runtime, actor, contract),
            change_orders.PackageChanges(values=values, items=given),
        )
        package = change_orders.get_package(runtime.uow(read_only=True), actor, package_id)
    console.print(
        f"created change order {package.number} ({package.title}), {package.status}, "
        f"{money(package.amount)}",
        highlight=False,
    )


@co_app.command("approve")
def approve_change_order(
    number: Annotated[str, typer.Argument(metavar="NUMBER")],
    contract: ContractOption,
    approved: Annotated[
        str | None, typer.Option("--date", metavar="YYYY-MM-DD", help="default: today")
    ] = None,
    as_: AsOption = None,
    company: CompanyOption = None,
    database: DatabaseOption = None,
) -> None:
    """Approve a change order: the next pay application (dated on or after) bills it."""
    values: dict[str, object] = {"status": "approved"}
    if approved is not None:
        values["approved_date"] = _date(approved, "--date")
    with _acting(database, as_, company) as (runtime, actor):
        contract_id = _contract_id(runtime, actor, contract)
        found = change_orders.find_package(runtime.uow(read_only=True), actor, contract_id, number)
        package_id = change_orders.update_package(
            runtime.uow(), actor, found.id, change_orders.PackageChanges(values=values)
        )
        package = change_orders.get_package(runtime.uow(read_only=True), actor, package_id)
    console.print(
        f"approved change order {package.number} on {package.approved_date}, "
        f"{money(package.amount)}",
        highlight=False,
    )


@co_app.command("list")
def list_change_orders(
    contract: ContractOption,
    as_: AsOption = None,
    company: CompanyOption = None,
    database: DatabaseOption = None,
) -> None:
    """A contract's change orders and their items."""
    with _acting(database, as_, company) as (runtime, actor):
        contract_id = _contract_id(runtime, actor, contract)
        packages = change_orders.list_packages(runtime.uow(read_only=True), actor, contract_id)
    table = Table(title=f"Change orders of {contract}")
    for header, justify in (
        ("Number", "left"),
        ("Item", "left"),
        ("Status", "left"),
        ("Approved", "left"),
        ("Amount", "right"),
    ):
        table.add_column(header, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for package in packages:
        table.add_row(
            package.number,
            package.title,
            package.status,
            str(package.approved_date or ""),
            money(package.amount),
            style="bold",
        )
        for item in package.items:
            table.add_row(
                f"{package.number}.{item.position}", item.description, "", "", money(item.amount)
            )
    console.print(table)


# -- pay applications -----------------------------------------------------------------------------


@payapp_app.command("new")
def new_pay_app(
    contract: ContractOption,
    work: Annotated[
        Path | None,
        typer.Option(
            "--work", metavar="FILE", help="this period's work from .xlsx or .csv", exists=True
        ),
    ] = None,
    billing_date: Annotated[
        str | None, typer.Option("--date", metavar="YYYY-MM-DD", help="the application date")
    ] = None,
    period_start: Annotated[
        str | None, typer.Option("--from", metavar="YYYY-MM-DD", help="period start")
    ] = None,
    period_end: Annotated[
        str | None, typer.Option("--to", metavar="YYYY-MM-DD", help="period end")
    ] = None,
    invoice: Annotated[
        str | None, typer.Option("--invoice", metavar="TEXT", help="invoice number")
    ] = None,
    final: Annotated[
        bool, typer.Option("--final", help="the contract's final application")
    ] = False,
    as_: AsOption = None,
    company: CompanyOption = None,
    database: DatabaseOption = None,
) -> None:
    """Create the next pay application of a contract (a draft), with its work from a file."""
    header = {
        name: value
        for name, value in (
            ("billing_date", _date(billing_date, "--date")),
            ("start_date", _date(period_start, "--from")),
            ("end_date", _date(period_end, "--to")),
            ("invoice_number", invoice),
            ("final", True if final else None),
        )
        if value is not None
    }
    table = _read_file(work) if work is not None else None
    with _acting(database, as_, company) as (runtime, actor):
        command = pay_apps.CreatePayApp(
            contract_id=_contract_id(runtime, actor, contract), header=header
        )
        view, report = _with_progress(
            "entering this period's work",
            len(table.rows) if table else 0,
            lambda advance: pay_apps.create_pay_app_with_work(
                runtime.uow(), actor, command, table, progress=advance
            ),
        )
    if report is not None and work is not None:
        _report(report, f"work from {work.name}")
    console.print(
        f"created pay application {view.number} on {view.contract.number} ({view.status.value}): "
        f"current payment due {money(view.summary.current_payment_due)}",
        highlight=False,
    )


@payapp_app.command("work")
def enter_work(
    file: Annotated[Path, typer.Argument(metavar="FILE", help=".xlsx or .csv", exists=True)],
    contract: ContractOption,
    number: NumberOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="show what would change; change nothing")
    ] = False,
    as_: AsOption = None,
    company: CompanyOption = None,
    database: DatabaseOption = None,
) -> None:
    """Enter a period's work (E) and stored materials (F) on a pay application from a file."""
    table = _read_file(file)
    with _acting(database, as_, company) as (runtime, actor):
        view = _pay_app(runtime, actor, contract, number)
        report = _with_progress(
            "entering this period's work",
            len(table.rows),
            lambda advance: pay_apps.import_work(
                runtime.uow(), actor, view.id, table, dry_run=dry_run, progress=advance
            ),
        )
    _report(report, f"work from {file.name}")


def _set_status(
    status: PayAppStatus,
    contract: str,
    number: int | None,
    as_: str | None,
    company: int | None,
    database: str | None,
) -> None:
    with _acting(database, as_, company) as (runtime, actor):
        found = _pay_app(runtime, actor, contract, number)
        view = pay_apps.update_pay_app(
            runtime.uow(), actor, pay_apps.UpdatePayApp(pay_app_id=found.id, status=status)
        )
    console.print(
        f"pay application {view.number} on {view.contract.number} is {view.status.value}: "
        f"current payment due {money(view.summary.current_payment_due)}",
        highlight=False,
    )


@payapp_app.command("submit")
def submit_pay_app(
    contract: ContractOption,
    number: NumberOption = None,
    as_: AsOption = None,
    company: CompanyOption = None,
    database: DatabaseOption = None,
) -> None:
    """Submit a pay application for review (under_review): from then on it can be paid."""
    _set_status(PayAppStatus.UNDER_REVIEW, contract, number, as_, company, database)


@payapp_app.command("approve")
def approve_pay_app(
    contract: ContractOption,
    number: NumberOption = None,
    as_noted: Annotated[bool, typer.Option("--as-noted", help="approved as noted")] = False,
    as_: AsOption = None,
    company: CompanyOption = None,
    database: DatabaseOption = None,
) -> None:
    """Approve a pay application (an admin's decision)."""
    status = PayAppStatus.APPROVED_AS_NOTED if as_noted else PayAppStatus.APPROVED
    _set_status(status, contract, number, as_, company, database)


@payapp_app.command("list")
def list_pay_apps(
    contract: ContractOption,
    as_: AsOption = None,
    company: CompanyOption = None,
    database: DatabaseOption = None,
) -> None:
    """A contract's pay applications with their G702 totals and payments."""
    with _acting(database, as_, company) as (runtime, actor):
        history = documents.contract_history(
            runtime.uow(read_only=True), actor, _contract_id(runtime, actor, contract)
        )
    console.print(history_table(history))


@payapp_app.command("export")
def export_pay_app(
    contract: ContractOption,
    number: NumberOption = None,
    format_: Annotated[str, typer.Option("--format", metavar="pdf|xlsx|csv")] = "pdf",
    history: Annotated[
        bool,
        typer.Option("--history", help="every application of the contract in one workbook (xlsx)"),
    ] = False,
    output: OutputOption = None,
    as_: AsOption = None,
    company: CompanyOption = None,
    database: DatabaseOption = None,
) -> None:
    """Write a pay application as a G702/G703 PDF, or its G703 as XLSX or CSV."""
    from drawbridge.exports import pdf, spreadsheets  # imported when used: quick start-up

    if format_ not in ("pdf", "xlsx", "csv"):
        raise Failed("--format: pdf, xlsx or csv")
    if history and format_ != "xlsx":
        raise Failed("--history: the billing history is a workbook: use --format xlsx")
    with _acting(database, as_, company) as (runtime, actor):
        if history:
            found = documents.contract_history(
                runtime.uow(read_only=True), actor, _contract_id(runtime, actor, contract)
            )
            data = _with_progress(
                "writing the billing history",
                len(found.applications),
                lambda advance: spreadsheets.history_xlsx(found, progress=advance),
            )
            _write(data, output, f"{_file_name(found.contract.number)}-history.xlsx")
            return
        view = _pay_app(runtime, actor, contract, number)
        document = documents.pay_app_document(runtime.uow(read_only=True), actor, view.id)
    stem = f"{_file_name(document.contract.number)}-{document.number}"
    if format_ == "pdf":
        _write(pdf.pay_app_pdf(document), output, f"{stem}.pdf")
    elif format_ == "xlsx":
        _write(spreadsheets.pay_app_xlsx(document), output, f"{stem}.xlsx")
    else:
        _write(spreadsheets.pay_app_csv(document), output, f"{stem}.csv")


user_app = typer.Typer(help="Users.", rich_markup_mode=None, no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("set-password")
def set_password(
    email: Annotated[str, typer.Option(metavar="EMAIL", help="the user's email")],
    database: DatabaseOption = None,
) -> None:
    """Set the password a user signs in to the web pages (/app) with.

    The password is read from standard input when it is not a terminal (one line), or asked for
    twice at a prompt; it never appears on the command line. Sessions signed in with the old
    password end.
    """
    if sys.stdin.isatty():
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    with _open(database, create=False) as runtime:
        name = web_sessions.set_password_by_email(runtime.uow(), email, password)
    errors.print(f"password set for {email} ({name})")


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
    """Print a pay application: the G702 header, the G703 table and the G702 lines 1 to 9."""
    with _open(database, create=False) as runtime:
        view = _find(runtime, contract, number, company)
    document = documents.document_of(view)
    console.print(g702_header(document))
    console.print(g703_table(document))
    console.print(g702_table(document))
    console.print(change_order_table(document))


@payment_app.command("record")
def record_payment(
    contract: ContractOption,
    amount: Annotated[str, typer.Option(metavar="AMOUNT", help="e.g. 12500.00")],
    number: Annotated[
        int | None,
        typer.Option(
            "--number", metavar="N", help="the pay application it pays (default: the latest)"
        ),
    ] = None,
    paid_on: Annotated[
        str | None, typer.Option("--date", metavar="YYYY-MM-DD", help="default: today")
    ] = None,
    method: Annotated[str | None, typer.Option(metavar="check|electronic|credit_card")] = None,
    check_number: Annotated[str | None, typer.Option(metavar="TEXT")] = None,
    notes: Annotated[str | None, typer.Option(metavar="TEXT")] = None,
    as_: AsOption = None,
    company: CompanyOption = None,
    database: DatabaseOption = None,
) -> None:
    """Record a payment against a submitted pay application (at most what is still due)."""
    cents = _amount(amount, "--amount")
    with _acting(database, as_, company) as (runtime, actor):
        view = _pay_app(runtime, actor, contract, number)
        values = {
            name: value
            for name, value in (
                ("pay_app_id", view.id),
                ("amount_cents", cents),
                ("payment_date", _date(paid_on, "--date")),
                ("payment_method", method),
                ("check_number", check_number),
                ("notes", notes),
            )
            if value is not None
        }
        payment = payments.record_payment(
            runtime.uow(),
            actor,
            payments.RecordPayment(contract_id=view.contract.id, values=values),
        )
        after = pay_apps.get_pay_app(runtime.uow(read_only=True), actor, view.id, with_lines=False)
    console.print(
        f"recorded payment {payment.id} of {money(payment.amount)} on {payment.payment_date} "
        f"for pay application {view.number}: {money(after.payments.amount_unpaid)} still unpaid",
        highlight=False,
    )


def _find(runtime: Runtime, contract: str, number: int | None, company: int | None) -> PayAppView:
    company_id, contract_id = contracts.resolve_contract(runtime.uow(), contract, company)
    operator = Actor(
        user_id=None,
        company_id=company_id,
        role=Role.ADMIN,
        scopes=frozenset({Scope.READ.value}),
    )
    return pay_apps.find_pay_app(runtime.uow(read_only=True), operator, contract_id, number)


def _party(party: PartyView | None) -> str:
    if party is None:
        return ""
    place = ", ".join(part for part in (party.city, party.state_code) if part)
    return f"{party.name} ({place})" if place else party.name


def g702_header(document: documents.PayAppDocument) -> Table:
    """The G702's heading: who bills whom, for which project, which application."""
    view = document.pay_app
    contract = view.contract
    company = view.company.name
    # A commitment bills us (the company) as its owner; a prime contract bills the customer.
    if contract.kind == "prime":
        owner, contractor = _party(contract.party), company
    else:
        owner, contractor = company, _party(contract.party)
    project = view.project
    period = f"{day(document.period_from) or '-'} to {day(document.period_to) or '-'}"
    rows = [
        ("To owner", owner),
        ("From contractor", contractor),
        ("Project", f"{project.name} ({project.code}, no. {project.number or '-'})"),
        ("Via architect", _party(contract.architect) or "-"),
        ("Contract for", f"{contract.number} {contract.title}"),
        ("Contract date", str(contract.contract_date or "-")),
        ("Application no.", f"{view.number} ({view.status.value})"),
        ("Application date", str(view.billing_date or "-")),
        ("Period", period),
        ("Invoice number", view.invoice_number or "-"),
    ]
    table = Table(title="G702 application and certificate for payment", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for label, value in rows:
        table.add_row(label, value)
    return table


def g703_table(document: documents.PayAppDocument) -> Table:
    view = document.pay_app
    table = Table(
        title=(
            f"G703 continuation sheet: {view.contract.number} {view.contract.title}, "
            f"application {view.number} ({view.status.value})"
        ),
        show_footer=True,
    )
    totals = document.totals
    columns = [
        ("A Item", "", "left"),
        ("B Description", "Totals", "left"),
        ("C Scheduled", money(totals.scheduled_value), "right"),
        ("D Previous", money(totals.from_previous_application), "right"),
        ("E This period", money(totals.this_period), "right"),
        ("F Stored", money(totals.materials_presently_stored), "right"),
        ("G Completed", money(totals.completed_and_stored_to_date), "right"),
        ("%", str(totals.percent_complete), "right"),
        ("H To finish", money(totals.balance_to_finish), "right"),
        ("I Retainage", money(totals.retainage), "right"),
    ]
    for header, footer, justify in columns:
        # Figures never wrap; a long description wraps onto more lines instead of being cut.
        wraps = header == "B Description"
        table.add_column(
            header,
            footer=footer,
            justify=justify,  # type: ignore[arg-type]
            no_wrap=not wraps,
            overflow="fold" if wraps else "ellipsis",
            ratio=1 if wraps else None,
        )
    for row in document.rows:
        table.add_row(
            row.item,
            row.description,
            money(row.scheduled_value),
            money(row.from_previous_application),
            money(row.this_period),
            money(row.materials_presently_stored),
            money(row.completed_and_stored_to_date),
            str(row.percent_complete + 0),
            money(row.balance_to_finish),
            money(row.retainage),
        )
    return table


def g702_table(document: documents.PayAppDocument) -> Table:
    view = document.pay_app
    table = Table(title="G702 application for payment", show_header=False)
    table.add_column("line")
    table.add_column("item")
    table.add_column("amount", justify="right")
    for line, label, cents in document.g702_lines():
        table.add_row(line, label, money(cents))
    table.add_row("", "Percent complete", f"{document.summary.percent_complete} %")
    table.add_row("", "Amount paid", money(view.payments.amount_paid))
    table.add_row("", "Amount unpaid", money(view.payments.amount_unpaid))
    return table


def change_order_table(document: documents.PayAppDocument) -> Table:
    changes = document.change_orders
    table = Table(title="Change-order summary")
    table.add_column("Change orders")
    table.add_column("Additions", justify="right")
    table.add_column("Deductions", justify="right")
    table.add_row(
        "Approved on previous applications",
        money(changes.previous_additions),
        money(changes.previous_deductions),
    )
    table.add_row(
        "Approved on this application",
        money(changes.this_period_additions),
        money(changes.this_period_deductions),
    )
    table.add_row("Totals", money(changes.total_additions), money(changes.total_deductions))
    table.add_row("Net change (line 2)", money(changes.net_change), "")
    return table


def main() -> None:
    app()
