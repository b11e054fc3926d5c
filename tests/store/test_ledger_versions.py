"""Every committed write moves the ledger version of the companies it changed, and nothing else
does: what a cached answer is checked against (store/ledger_versions.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from drawbridge.bootstrap import Runtime
from drawbridge.cli import demo_fixture_text
from drawbridge.domain.errors import Invalid
from drawbridge.services import auth, fixtures, payments, web_sessions
from drawbridge.services.views import Actor
from drawbridge.store.models import Company, PayAppLine, Payment, User

GRANITE, HARBOR = 1, 2
pytestmark = pytest.mark.usefixtures("demo")


def _versions(runtime: Runtime) -> dict[int, int]:
    with runtime.engine.connect() as connection:
        return dict(connection.execute(select(Company.id, Company.ledger_version)).all())


def _admin(runtime: Runtime) -> Actor:
    return auth.act_as_member(runtime.uow(), "dana.whitfield@granitepeak.test", GRANITE)


def _a_payment(runtime: Runtime) -> int:
    with runtime.uow() as uow:
        return uow.session.scalars(
            select(Payment.id).where(Payment.company_id == GRANITE).order_by(Payment.id).limit(1)
        ).one()


def test_a_write_moves_its_own_company_and_no_other(demo: Runtime) -> None:
    before = _versions(demo)
    payments.update_payment(demo.uow(), _admin(demo), _a_payment(demo), {"notes": "checked"})
    after = _versions(demo)
    assert after[GRANITE] == before[GRANITE] + 1
    assert after[HARBOR] == before[HARBOR]


def test_reads_and_refused_writes_move_nothing(demo: Runtime) -> None:
    before = _versions(demo)
    with pytest.raises(Invalid):
        payments.update_payment(demo.uow(), _admin(demo), _a_payment(demo), {"amount_cents": -1})
    auth.authenticate(demo.uow(read_only=True), "demo-admin-token-0001")
    assert _versions(demo) == before


def test_what_no_answer_shows_moves_nothing(demo: Runtime) -> None:
    """Signing in to the web pages writes a session row: no answer shows it."""
    before = _versions(demo)
    web_sessions.sign_in(demo.uow(), "dana.whitfield@granitepeak.test", "demo-admin-password")
    assert _versions(demo) == before


def test_a_change_to_a_user_moves_every_company(demo: Runtime) -> None:
    """A user's name can show in any company the user belongs to."""
    before = _versions(demo)
    with demo.uow() as uow:
        user = uow.session.scalars(select(User).limit(1)).one()
        user.name = "Renamed"
        uow.commit()
    after = _versions(demo)
    assert all(after[company] == before[company] + 1 for company in before)


def test_a_statement_no_row_attributes_moves_every_company(demo: Runtime) -> None:
    """A batched statement names only its table: without a row of the same transaction naming
    the company, every company moves."""
    before = _versions(demo)
    with demo.uow() as uow:
        uow.session.execute(
            update(PayAppLine).where(PayAppLine.id == -1).values(position=0),
            execution_options={"synchronize_session": False},
        )
        uow.commit()
    after = _versions(demo)
    assert all(after[company] == before[company] + 1 for company in before)


def test_a_rolled_back_write_moves_nothing(demo: Runtime) -> None:
    before = _versions(demo)
    with demo.uow() as uow:
        payment = uow.session.scalars(select(Payment).limit(1)).one()
        payment.notes = "never committed"
        uow.flush()
    assert _versions(demo) == before


def test_a_company_loaded_again_under_its_id_gets_a_new_version(demo: Runtime) -> None:
    """The operator's reset empties every table; the demo loaded again has the same ids and
    tokens, but answers cached from before cannot match its versions."""
    before = _versions(demo)
    fixtures.load_fixture_text(demo.uow(), demo_fixture_text(), reset=True)
    after = _versions(demo)
    assert after.keys() == before.keys()
    assert all(after[company] != before[company] for company in before)
