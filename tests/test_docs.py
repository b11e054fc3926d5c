"""The repository documents itself: every relative link in README.md and docs/*.md resolves inside
the repository (file and heading), nothing points outside it, and the fixture example in
docs/fixtures.md loads and computes the figures the page quotes."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from drawbridge.bootstrap import Runtime
from drawbridge.services import contracts, pay_apps
from tests.support import admin_actor, load

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"```.*?```", re.DOTALL)


def slug(heading: str) -> str:
    """A heading's anchor, as GitHub makes it."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(document: Path) -> set[str]:
    text = FENCE.sub("", document.read_text("utf-8"))
    return {slug(m.group(1)) for m in re.finditer(r"^#+ (.+)$", text, re.MULTILINE)}


def links(document: Path) -> list[str]:
    return LINK.findall(FENCE.sub("", document.read_text("utf-8")))


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: str(d.relative_to(ROOT)))
def test_every_relative_link_resolves_inside_the_repository(document: Path) -> None:
    for link in links(document):
        if re.match(r"[a-z]+:", link):  # http:, https:, mailto:
            continue
        target, _, anchor = link.partition("#")
        path = (document.parent / target).resolve() if target else document
        assert path.is_relative_to(ROOT), f"{document.name}: {link} leaves the repository"
        assert path.exists(), f"{document.name}: {link} does not exist"
        if anchor:
            assert anchor in anchors(path), f"{document.name}: {link}: no such heading"


def test_the_docs_link_the_billing_rules_and_fixture_format() -> None:
    readme = links(ROOT / "README.md")
    assert "docs/billing.md" in readme
    assert "docs/fixtures.md" in readme


def test_nothing_in_the_repository_points_outside_it() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    this = Path(__file__).relative_to(ROOT).as_posix()
    offending = [
        name
        for name in tracked
        if name != this
        and (ROOT / name).is_file()
        and "../shared" in (ROOT / name).read_text("utf-8", errors="replace")
    ]
    assert offending == []


def test_the_fixture_example_loads_with_the_figures_the_page_quotes(runtime: Runtime) -> None:
    text = (ROOT / "docs" / "fixtures.md").read_text("utf-8")
    example = re.search(r"<!-- fixture: example -->\s*\n```yaml\n(.*?)```", text, re.DOTALL)
    assert example is not None
    load(runtime, yaml.safe_load(example.group(1)))
    company_id, contract_id = contracts.resolve_contract(runtime.uow(), "SC-100")
    second = pay_apps.find_pay_app(
        runtime.uow(read_only=True), admin_actor(company_id), contract_id, 2
    )
    # line 4 = 6,000.00 + 3,000.00; 10 % held = 900.00; line 6 = 8,100.00; less 5,400.00.
    assert second.summary.total_completed_and_stored_to_date == 900_000
    assert second.summary.total_retainage == 90_000
    assert second.summary.current_payment_due == 270_000
    first = pay_apps.find_pay_app(
        runtime.uow(read_only=True), admin_actor(company_id), contract_id, 1
    )
    assert first.payments.amount_paid == 540_000
    assert first.payments.amount_unpaid == 0
