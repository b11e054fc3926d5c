"""Hand-computed examples of docs/billing.md, checked to the cent.

Every expected figure below was worked out by hand from docs/billing.md (the arithmetic is in the
comments) and never by running the engine. Amounts are written in dollars ("1,234.50") and
converted to cents by ``usd`` so the comments and the expectations read the same.
"""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal
from typing import Any

import pytest

from drawbridge.domain.billing import (
    ApplicationEntry,
    ApplicationFigures,
    BillingTerms,
    LineEntry,
    LineFigures,
    LineKind,
    LineRef,
    RetainageMethod,
    RetainageStep,
    ScheduledLine,
    StoredMaterialsMode,
    Summary,
    compute_chain,
)
from drawbridge.domain.errors import Invalid

CUMULATIVE = RetainageMethod.CUMULATIVE
INCREMENTAL = RetainageMethod.INCREMENTAL
MANUAL = StoredMaterialsMode.MANUAL
MOVE = StoredMaterialsMode.MOVE_TO_PREVIOUS


def usd(text: str) -> int:
    """ "1,234.50" -> 123450 cents (exact, independent of the code under test)."""
    cents = Decimal(text.replace(",", "")) * 100
    assert cents == cents.to_integral_value()
    return int(cents)


def pct(text: str) -> Decimal:
    return Decimal(text)


# Fields of LineFigures that are carried state, not G703 columns or Procore fields.
CARRIED = {"work_retainage_released_to_date", "work_percent_override", "materials_percent_override"}
SHOWN_LINE_FIELDS = set(LineFigures._fields) - CARRIED
SUMMARY_FIELDS = {f.name for f in fields(Summary)}
SUMMARY_PERCENTS = {
    "percent_complete",
    "completed_work_retainage_percent",
    "stored_materials_retainage_percent",
    "work_percent",
    "materials_percent",
}


def as_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, LineFigures):
        return dict(obj._asdict())
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def row(
    ref: LineRef,
    *,
    c: str,
    d: str,
    e: str,
    f: str,
    g: str,
    h: str,
    rate: str,
    work: tuple[str, str, str, str],
    materials: tuple[str, str, str, str] = ("0", "0", "0", "0"),
    moved: tuple[str, str] = ("0", "0"),
    materials_rate: str | None = None,
    package: int | None = None,
) -> dict[str, Any]:
    """One expected G703 row. ``work``/``materials`` are Procore's retainage breakdown:
    (from previous application, retained this period, released this period, currently retained).
    ``moved`` is (materials_moved, materials_retainage_retained_moved)."""
    return {
        "ref": ref,
        "change_order_package_id": package,
        "scheduled_value": usd(c),
        "work_completed_from_previous_application": usd(d),
        "work_completed_this_period": usd(e),
        "materials_presently_stored": usd(f),
        "total_completed_and_stored_to_date": usd(g),
        "balance_to_finish": usd(h),
        "work_retainage_percent": pct(rate),
        "materials_retainage_percent": pct(materials_rate or rate),
        "work_retainage_from_previous_application": usd(work[0]),
        "work_retainage_retained_this_period": usd(work[1]),
        "work_retainage_released_this_period": usd(work[2]),
        "work_retainage_currently_retained": usd(work[3]),
        "materials_retainage_from_previous_application": usd(materials[0]),
        "materials_retainage_retained_this_period": usd(materials[1]),
        "materials_retainage_released_this_period": usd(materials[2]),
        "materials_retainage_currently_retained": usd(materials[3]),
        "materials_moved": usd(moved[0]),
        "materials_retainage_retained_moved": usd(moved[1]),
    }


def g702(**figures: str) -> dict[str, Any]:
    """Every Summary field, written out: money in dollars, percents as written."""
    assert set(figures) == SUMMARY_FIELDS, set(figures) ^ SUMMARY_FIELDS
    return {
        name: pct(value) if name in SUMMARY_PERCENTS else usd(value)
        for name, value in figures.items()
    }


def assert_rows(application: ApplicationFigures, *expected: dict[str, Any]) -> None:
    assert [line.ref for line in application.lines] == [r["ref"] for r in expected]
    for line, want in zip(application.lines, expected, strict=True):
        assert set(want) == SHOWN_LINE_FIELDS
        got = {name: value for name, value in as_dict(line).items() if name in SHOWN_LINE_FIELDS}
        assert got == want, f"application {application.number}, line {line.ref}"


def assert_g702(application: ApplicationFigures, expected: dict[str, Any]) -> None:
    assert as_dict(application.summary) == expected, f"application {application.number}"


# =============================================================================================
# The worked example: a 4-period subcontract.
#
#   SOV 1  General conditions   C = 10,000.00
#   SOV 2  Electrical           C = 30,000.00
#   CO item 5001 (package 12345), approved before period 2's end: C = +5,000.00
#   Retainage 10 % work / 10 % materials, stepping to 5 % / 5 % at 50 % complete.
#
# Inputs (the same job in both stored-materials modes; what the client types differs):
#   period 1  SOV1 E 2,000   SOV2 E 6,000
#   period 2  SOV1 E 2,000   SOV2 E 8,000 and 4,000 delivered and stored   CO E 1,000
#   period 3  SOV1 E 3,000   SOV2 installs the 4,000 stored and does 5,000 new work:
#               manual: E 9,000 (= 4,000 installed + 5,000 new), F 0
#               move_to_previous: the 4,000 moved into D by itself; E 5,000, F not mentioned
#             CO E 1,234.50
#   period 4  SOV1 E 3,000 and a partial release of 300.00 of its work retainage
#             SOV2 E 7,000   CO E 2,765.50   -> every line 100 % complete
#
# Step: period 2 reaches 23,000 / 45,000 = 51.11 % >= 50 %, so period 2 is still retained at
# 10 % and the 5 % rates apply from period 3 on (docs/billing.md: "the application that crosses the
# threshold is still retained at the old rate"). Period 1 is at 8,000 / 40,000 = 20 %.
# =============================================================================================

SOV1 = LineRef(LineKind.SOV, 1)
SOV2 = LineRef(LineKind.SOV, 2)
CO1 = LineRef(LineKind.CHANGE_ORDER, 5001)
SOV_LINES = (ScheduledLine(SOV1, usd("10,000.00")), ScheduledLine(SOV2, usd("30,000.00")))
CO_LINE = ScheduledLine(CO1, usd("5,000.00"), change_order_package_id=12345)
WITH_CO = (*SOV_LINES, CO_LINE)


def worked_terms(method: RetainageMethod, mode: StoredMaterialsMode) -> BillingTerms:
    return BillingTerms(
        retainage_method=method,
        work_percent=pct("10"),
        materials_percent=pct("10"),
        steps=(RetainageStep(pct("50"), pct("5"), pct("5")),),
        stored_materials=mode,
    )


def worked_history(mode: StoredMaterialsMode) -> list[ApplicationEntry]:
    if mode is MANUAL:
        # 4,000 installed + 5,000 new work billed in E; the stored balance falls to 0.
        sov2_period3 = LineEntry(
            work_completed_this_period=usd("9,000.00"), materials_presently_stored=0
        )
    else:
        sov2_period3 = LineEntry(work_completed_this_period=usd("5,000.00"))
    return [
        ApplicationEntry(
            SOV_LINES,
            {
                SOV1: LineEntry(work_completed_this_period=usd("2,000.00")),
                SOV2: LineEntry(work_completed_this_period=usd("6,000.00")),
            },
        ),
        ApplicationEntry(
            WITH_CO,
            {
                SOV1: LineEntry(work_completed_this_period=usd("2,000.00")),
                SOV2: LineEntry(
                    work_completed_this_period=usd("8,000.00"),
                    materials_presently_stored=usd("4,000.00"),
                ),
                CO1: LineEntry(work_completed_this_period=usd("1,000.00")),
            },
        ),
        ApplicationEntry(
            WITH_CO,
            {
                SOV1: LineEntry(work_completed_this_period=usd("3,000.00")),
                SOV2: sov2_period3,
                CO1: LineEntry(work_completed_this_period=usd("1,234.50")),
            },
        ),
        ApplicationEntry(
            WITH_CO,
            {
                SOV1: LineEntry(
                    work_completed_this_period=usd("3,000.00"),
                    work_retainage_released=usd("300.00"),
                ),
                SOV2: LineEntry(work_completed_this_period=usd("7,000.00")),
                CO1: LineEntry(work_completed_this_period=usd("2,765.50")),
            },
        ),
    ]


# --- Period 1 (all four combinations alike) ---------------------------------------------------
# rate 10 %. SOV1: 10 % x 2,000 = 200.00; SOV2: 10 % x 6,000 = 600.00. No materials.
# line 4 = 2,000 + 6,000 = 8,000; 5 = 800; 6 = 8,000 - 800 = 7,200; 7 = 0; 8 = 7,200;
# 9 = 40,000 - 7,200 = 32,800 (= sum H 8,000 + 24,000 + sum I 800). % = 8,000/40,000 = 20.00.
# effective work rate = 800 / (sum D 0 + sum E 8,000) = 10.00.
PERIOD1_ROWS = (
    row(SOV1, c="10,000", d="0", e="2,000", f="0", g="2,000", h="8,000", rate="10",
        work=("0", "200", "0", "200")),
    row(SOV2, c="30,000", d="0", e="6,000", f="0", g="6,000", h="24,000", rate="10",
        work=("0", "600", "0", "600")),
)  # fmt: skip
PERIOD1 = g702(
    original_contract_sum="40,000", net_change_by_change_orders="0",
    contract_sum_to_date="40,000", total_completed_and_stored_to_date="8,000",
    completed_work_retainage_amount="800", stored_materials_retainage_amount="0",
    total_retainage="800", total_earned_less_retainage="7,200",
    less_previous_certificates_for_payment="0", current_payment_due="7,200",
    balance_to_finish_including_retainage="32,800",
    percent_complete="20.00", completed_work_retainage_percent="10.00",
    stored_materials_retainage_percent="0.00",
    positive_previous_change_order_item_total="0", negative_previous_change_order_item_total="0",
    positive_new_change_order_item_total="0", negative_new_change_order_item_total="0",
    work_completed_from_previous_application="0", work_completed_this_period="8,000",
    materials_presently_stored="0", balance_to_finish="32,000",
    retainage_retained_this_period="800", retainage_released_this_period="0",
    materials_moved="0", work_percent="10", materials_percent="10",
)  # fmt: skip

# --- Period 2 (all four alike: F(1) = 0, so nothing moves yet) -------------------------------
# rate 10 %. The change order joins: line 2 = +5,000, line 3 = 45,000.
# SOV1: D 2,000, E 2,000, G 4,000, H 6,000.
#   cumulative: round(10 % x 4,000) - round(10 % x 2,000) = 400 - 200 = 200 retained; re-pricing
#   round(10 % x D) - releases 0 - from previous 200 = 0. incremental: 10 % x 2,000 = 200.
#   held 200 + 200 = 400.
# SOV2: D 6,000, E 8,000, F 4,000, G 18,000, H 12,000. work: 1,400 - 600 = 800 retained (or
#   10 % x 8,000), held 1,400. materials: 10 % x 4,000 = 400 held; retained = 400 - 0 + 0 = 400.
# CO: D 0, E 1,000, G 1,000, H 4,000; work 100.
# line 4 = 4,000 + 18,000 + 1,000 = 23,000; 5a = 400 + 1,400 + 100 = 1,900; 5b = 400; 5 = 2,300
# 6 = 23,000 - 2,300 = 20,700; 7 = 7,200; 8 = 13,500; 9 = 45,000 - 20,700 = 24,300
#   (= sum H 6,000 + 12,000 + 4,000 = 22,000 plus sum I 2,300).
# % = 23,000 / 45,000 = 51.111 -> 51.11 (crosses the 50 % step; still 10 % here).
# work rate = 1,900 / (sum D 8,000 + sum E 11,000) = 10.00; materials rate = 400 / 4,000 = 10.00.
# retained this period = work 200 + 800 + 100 + materials 400 = 1,500 (= 2,300 - 800).
PERIOD2_ROWS = (
    row(SOV1, c="10,000", d="2,000", e="2,000", f="0", g="4,000", h="6,000", rate="10",
        work=("200", "200", "0", "400")),
    row(SOV2, c="30,000", d="6,000", e="8,000", f="4,000", g="18,000", h="12,000", rate="10",
        work=("600", "800", "0", "1,400"), materials=("0", "400", "0", "400")),
    row(CO1, c="5,000", d="0", e="1,000", f="0", g="1,000", h="4,000", rate="10",
        work=("0", "100", "0", "100"), package=12345),
)  # fmt: skip
PERIOD2 = g702(
    original_contract_sum="40,000", net_change_by_change_orders="5,000",
    contract_sum_to_date="45,000", total_completed_and_stored_to_date="23,000",
    completed_work_retainage_amount="1,900", stored_materials_retainage_amount="400",
    total_retainage="2,300", total_earned_less_retainage="20,700",
    less_previous_certificates_for_payment="7,200", current_payment_due="13,500",
    balance_to_finish_including_retainage="24,300",
    percent_complete="51.11", completed_work_retainage_percent="10.00",
    stored_materials_retainage_percent="10.00",
    positive_previous_change_order_item_total="0", negative_previous_change_order_item_total="0",
    positive_new_change_order_item_total="5,000", negative_new_change_order_item_total="0",
    work_completed_from_previous_application="8,000", work_completed_this_period="11,000",
    materials_presently_stored="4,000", balance_to_finish="22,000",
    retainage_retained_this_period="1,500", retainage_released_this_period="0",
    materials_moved="0", work_percent="10", materials_percent="10",
)  # fmt: skip


# --- Period 3, cumulative + manual (rate 5 %) --------------------------------------------------
# SOV1: D 4,000, E 3,000, G 7,000, H 3,000.
#   retained = round(5 % x 7,000) - round(5 % x 4,000) = 350 - 200 = 150.
#   re-pricing = round(5 % x D) 200 - releases 0 - from previous 400 = -200 -> released 200.
#   held = 400 + 150 - 200 = 350 (= round(5 % x 7,000) - 0).
# SOV2: D 14,000, E 9,000 (4,000 installed + 5,000 new), F 0, G 23,000, H 7,000.
#   retained = 5 % x 23,000 - 5 % x 14,000 = 1,150 - 700 = 450.
#   re-pricing = 700 - 0 - 1,400 = -700 -> released 700. held = 1,400 + 450 - 700 = 1,150.
#   materials: F 0 -> held 0; from previous 400; retained = 0 - 400 + 0 = -400 (its retainage
#   followed the material into the work bucket).
# CO: D 1,000, E 1,234.50, G 2,234.50, H 2,765.50.
#   round(5 % x 2,234.50) = round(111.725) = 111.73 (half-up; half-even would give 111.72).
#   retained = 111.73 - round(5 % x 1,000) 50.00 = 61.73; re-pricing = 50 - 0 - 100 = -50
#   -> released 50. held = 100 + 61.73 - 50 = 111.73.
# line 4 = 7,000 + 23,000 + 2,234.50 = 32,234.50; 5a = 350 + 1,150 + 111.73 = 1,611.73; 5b = 0
# 6 = 32,234.50 - 1,611.73 = 30,622.77; 7 = 20,700; 8 = 9,922.77; 9 = 45,000 - 30,622.77 =
# 14,377.23 (= sum H 3,000 + 7,000 + 2,765.50 = 12,765.50 plus 1,611.73).
# % = 32,234.50 / 45,000 = 71.632 -> 71.63. work rate = 1,611.73 / (19,000 + 13,234.50) = 5.00.
# retained this period = 150 + 450 + 61.73 - 400 = 261.73; released = 200 + 700 + 50 = 950
#   (check: 261.73 - 950 = -688.27 = 1,611.73 - 2,300).
P3_CUMULATIVE_MANUAL_ROWS = (
    row(SOV1, c="10,000", d="4,000", e="3,000", f="0", g="7,000", h="3,000", rate="5",
        work=("400", "150", "200", "350")),
    row(SOV2, c="30,000", d="14,000", e="9,000", f="0", g="23,000", h="7,000", rate="5",
        work=("1,400", "450", "700", "1,150"), materials=("400", "-400", "0", "0")),
    row(CO1, c="5,000", d="1,000", e="1,234.50", f="0", g="2,234.50", h="2,765.50", rate="5",
        work=("100", "61.73", "50", "111.73"), package=12345),
)  # fmt: skip
P3_CUMULATIVE_MANUAL = g702(
    original_contract_sum="40,000", net_change_by_change_orders="5,000",
    contract_sum_to_date="45,000", total_completed_and_stored_to_date="32,234.50",
    completed_work_retainage_amount="1,611.73", stored_materials_retainage_amount="0",
    total_retainage="1,611.73", total_earned_less_retainage="30,622.77",
    less_previous_certificates_for_payment="20,700", current_payment_due="9,922.77",
    balance_to_finish_including_retainage="14,377.23",
    percent_complete="71.63", completed_work_retainage_percent="5.00",
    stored_materials_retainage_percent="0.00",
    positive_previous_change_order_item_total="5,000",
    negative_previous_change_order_item_total="0",
    positive_new_change_order_item_total="0", negative_new_change_order_item_total="0",
    work_completed_from_previous_application="19,000", work_completed_this_period="13,234.50",
    materials_presently_stored="0", balance_to_finish="12,765.50",
    retainage_retained_this_period="261.73", retainage_released_this_period="950",
    materials_moved="0", work_percent="5", materials_percent="5",
)  # fmt: skip

# --- Period 3, cumulative + move_to_previous --------------------------------------------------
# SOV1 and CO exactly as in manual mode (nothing stored on them).
# SOV2: F(2) 4,000 moves into D: D = 6,000 + 8,000 + 4,000 = 18,000; materials_moved 4,000 and
#   materials_retainage_retained_moved = 400 (materials held at period 2).
#   E 5,000 (new work only), F 0, G 23,000, H 7,000.
#   work from previous = 1,400 + 400 moved = 1,800.
#   retained = round(5 % x 23,000) - round(5 % x 18,000) = 1,150 - 900 = 250.
#   re-pricing = 900 - 0 - 1,800 = -900 -> released 900. held = 1,800 + 250 - 900 = 1,150.
#   materials: from previous 0 (it moved to work), held 0, retained 0.
# Summary as manual except: sum D = 4,000 + 18,000 + 1,000 = 23,000; sum E = 3,000 + 5,000 +
#   1,234.50 = 9,234.50 (D + E still 32,234.50, work rate 5.00); retained = 150 + 250 + 61.73 =
#   461.73; released = 200 + 900 + 50 = 1,150 (461.73 - 1,150 = -688.27 again); moved 4,000.
P3_CUMULATIVE_MOVE_ROWS = (
    P3_CUMULATIVE_MANUAL_ROWS[0],
    row(SOV2, c="30,000", d="18,000", e="5,000", f="0", g="23,000", h="7,000", rate="5",
        work=("1,800", "250", "900", "1,150"), moved=("4,000", "400")),
    P3_CUMULATIVE_MANUAL_ROWS[2],
)  # fmt: skip
P3_CUMULATIVE_MOVE = {
    **P3_CUMULATIVE_MANUAL,
    "work_completed_from_previous_application": usd("23,000"),
    "work_completed_this_period": usd("9,234.50"),
    "retainage_retained_this_period": usd("461.73"),
    "retainage_released_this_period": usd("1,150"),
    "materials_moved": usd("4,000"),
}

# --- Period 3, incremental + manual (each period retains on its own new work) ---------------
# SOV1: 5 % x 3,000 = 150; held 400 + 150 = 550.
# SOV2: 5 % x 9,000 = 450; held 1,400 + 450 = 1,850. (The installed 4,000 leaves the materials
#   bucket, 400 -> 0, and is retained again as work at the rate now in force, 5 %.)
#   materials: from previous 400, held 0, retained -400.
# CO: round(5 % x 1,234.50) = round(61.725) = 61.73; held 100 + 61.73 = 161.73.
# 5a = 550 + 1,850 + 161.73 = 2,561.73; 6 = 32,234.50 - 2,561.73 = 29,672.77; 7 = 20,700;
# 8 = 8,972.77; 9 = 45,000 - 29,672.77 = 15,327.23 (= 12,765.50 + 2,561.73).
# work rate = 2,561.73 / 32,234.50 = 7.9472 % -> 7.95.
# retained = 150 + 450 + 61.73 - 400 = 261.73 (= 2,561.73 - 2,300); released 0.
P3_INCREMENTAL_MANUAL_ROWS = (
    row(SOV1, c="10,000", d="4,000", e="3,000", f="0", g="7,000", h="3,000", rate="5",
        work=("400", "150", "0", "550")),
    row(SOV2, c="30,000", d="14,000", e="9,000", f="0", g="23,000", h="7,000", rate="5",
        work=("1,400", "450", "0", "1,850"), materials=("400", "-400", "0", "0")),
    row(CO1, c="5,000", d="1,000", e="1,234.50", f="0", g="2,234.50", h="2,765.50", rate="5",
        work=("100", "61.73", "0", "161.73"), package=12345),
)  # fmt: skip
P3_INCREMENTAL_MANUAL = {
    **P3_CUMULATIVE_MANUAL,
    "completed_work_retainage_amount": usd("2,561.73"),
    "total_retainage": usd("2,561.73"),
    "total_earned_less_retainage": usd("29,672.77"),
    "current_payment_due": usd("8,972.77"),
    "balance_to_finish_including_retainage": usd("15,327.23"),
    "completed_work_retainage_percent": pct("7.95"),
    "retainage_retained_this_period": usd("261.73"),
    "retainage_released_this_period": 0,
}

# --- Period 3, incremental + move_to_previous -------------------------------------------------
# SOV1, CO as incremental + manual.
# SOV2: D 18,000 (4,000 moved, with its 400 of retainage, kept at the 10 % it was held at);
#   from previous = 1,400 + 400 = 1,800; retained 5 % x 5,000 = 250; held 2,050.
# 5a = 550 + 2,050 + 161.73 = 2,761.73; 6 = 32,234.50 - 2,761.73 = 29,472.77; 8 = 8,772.77;
# 9 = 45,000 - 29,472.77 = 15,527.23. work rate = 2,761.73 / 32,234.50 = 8.5676 % -> 8.57.
# retained = 150 + 250 + 61.73 = 461.73 (= 2,761.73 - 2,300); released 0; moved 4,000.
P3_INCREMENTAL_MOVE_ROWS = (
    P3_INCREMENTAL_MANUAL_ROWS[0],
    row(SOV2, c="30,000", d="18,000", e="5,000", f="0", g="23,000", h="7,000", rate="5",
        work=("1,800", "250", "0", "2,050"), moved=("4,000", "400")),
    P3_INCREMENTAL_MANUAL_ROWS[2],
)  # fmt: skip
P3_INCREMENTAL_MOVE = {
    **P3_INCREMENTAL_MANUAL,
    "completed_work_retainage_amount": usd("2,761.73"),
    "total_retainage": usd("2,761.73"),
    "total_earned_less_retainage": usd("29,472.77"),
    "current_payment_due": usd("8,772.77"),
    "balance_to_finish_including_retainage": usd("15,527.23"),
    "completed_work_retainage_percent": pct("8.57"),
    "work_completed_from_previous_application": usd("23,000"),
    "work_completed_this_period": usd("9,234.50"),
    "retainage_retained_this_period": usd("461.73"),
    "materials_moved": usd("4,000"),
}

# --- Period 4, cumulative (manual and move_to_previous alike: F(3) = 0) ----------------------
# SOV1: D 7,000, E 3,000, G 10,000, H 0. Held before the release = round(5 % x 10,000) - 0 =
#   500, so the 300 release is partial. retained = 500 - round(5 % x 7,000) 350 = 150;
#   re-pricing = 350 - 0 - 350 = 0; released 300; held 350 + 150 - 300 = 200 (= 500 - 300).
# SOV2: D 23,000 (manual 14,000 + 9,000; move 18,000 + 5,000 + F 0), E 7,000, G 30,000.
#   retained = 1,500 - 1,150 = 350; held 1,500.
# CO: D 2,234.50, E 2,765.50, G 5,000. retained = 250.00 - round(111.725) 111.73 = 138.27;
#   held 250.
# line 4 = 45,000; 5a = 200 + 1,500 + 250 = 1,950; 6 = 43,050; 7 = 30,622.77; 8 = 12,427.23;
# 9 = 45,000 - 43,050 = 1,950 (sum H = 0). % = 100.00; work rate = 1,950 / 45,000 = 4.33.
# sum D = 7,000 + 23,000 + 2,234.50 = 32,234.50; sum E = 3,000 + 7,000 + 2,765.50 = 12,765.50.
# retained = 150 + 350 + 138.27 = 638.27; released 300 (638.27 - 300 = 338.27 = 1,950 -
# 1,611.73). Sum of line 8: 7,200 + 13,500 + 9,922.77 + 12,427.23 = 43,050 = line 6.
P4_CUMULATIVE_ROWS = (
    row(SOV1, c="10,000", d="7,000", e="3,000", f="0", g="10,000", h="0", rate="5",
        work=("350", "150", "300", "200")),
    row(SOV2, c="30,000", d="23,000", e="7,000", f="0", g="30,000", h="0", rate="5",
        work=("1,150", "350", "0", "1,500")),
    row(CO1, c="5,000", d="2,234.50", e="2,765.50", f="0", g="5,000", h="0", rate="5",
        work=("111.73", "138.27", "0", "250"), package=12345),
)  # fmt: skip
P4_CUMULATIVE = g702(
    original_contract_sum="40,000", net_change_by_change_orders="5,000",
    contract_sum_to_date="45,000", total_completed_and_stored_to_date="45,000",
    completed_work_retainage_amount="1,950", stored_materials_retainage_amount="0",
    total_retainage="1,950", total_earned_less_retainage="43,050",
    less_previous_certificates_for_payment="30,622.77", current_payment_due="12,427.23",
    balance_to_finish_including_retainage="1,950",
    percent_complete="100.00", completed_work_retainage_percent="4.33",
    stored_materials_retainage_percent="0.00",
    positive_previous_change_order_item_total="5,000",
    negative_previous_change_order_item_total="0",
    positive_new_change_order_item_total="0", negative_new_change_order_item_total="0",
    work_completed_from_previous_application="32,234.50", work_completed_this_period="12,765.50",
    materials_presently_stored="0", balance_to_finish="0",
    retainage_retained_this_period="638.27", retainage_released_this_period="300",
    materials_moved="0", work_percent="5", materials_percent="5",
)  # fmt: skip

# --- Period 4, incremental + manual --------------------------------------------------------
# SOV1: from previous 550; retained 5 % x 3,000 = 150; release 300 (<= 550 + 150); held 400.
# SOV2: 1,850 + 5 % x 7,000 = 350 -> 2,200.
# CO: round(5 % x 2,765.50) = round(138.275) = 138.28; held 161.73 + 138.28 = 300.01.
# 5a = 400 + 2,200 + 300.01 = 2,900.01; 6 = 45,000 - 2,900.01 = 42,099.99; 7 = 29,672.77;
# 8 = 12,427.22; 9 = 2,900.01. work rate = 2,900.01 / 45,000 = 6.4445 % -> 6.44.
# retained = 150 + 350 + 138.28 = 638.28; released 300.
# Sum of line 8: 7,200 + 13,500 + 8,972.77 + 12,427.22 = 42,099.99 = line 6.
P4_INCREMENTAL_MANUAL_ROWS = (
    row(SOV1, c="10,000", d="7,000", e="3,000", f="0", g="10,000", h="0", rate="5",
        work=("550", "150", "300", "400")),
    row(SOV2, c="30,000", d="23,000", e="7,000", f="0", g="30,000", h="0", rate="5",
        work=("1,850", "350", "0", "2,200")),
    row(CO1, c="5,000", d="2,234.50", e="2,765.50", f="0", g="5,000", h="0", rate="5",
        work=("161.73", "138.28", "0", "300.01"), package=12345),
)  # fmt: skip
P4_INCREMENTAL_MANUAL = {
    **P4_CUMULATIVE,
    "completed_work_retainage_amount": usd("2,900.01"),
    "total_retainage": usd("2,900.01"),
    "total_earned_less_retainage": usd("42,099.99"),
    "less_previous_certificates_for_payment": usd("29,672.77"),
    "current_payment_due": usd("12,427.22"),
    "balance_to_finish_including_retainage": usd("2,900.01"),
    "completed_work_retainage_percent": pct("6.44"),
    "retainage_retained_this_period": usd("638.28"),
}

# --- Period 4, incremental + move_to_previous -------------------------------------------------
# SOV1 as manual (400). SOV2: 2,050 + 350 = 2,400. CO: 300.01.
# 5a = 400 + 2,400 + 300.01 = 3,100.01; 6 = 41,899.99; 7 = 29,472.77; 8 = 12,427.22;
# 9 = 3,100.01; work rate = 3,100.01 / 45,000 = 6.8889 % -> 6.89.
# Sum of line 8: 7,200 + 13,500 + 8,772.77 + 12,427.22 = 41,899.99 = line 6.
P4_INCREMENTAL_MOVE_ROWS = (
    P4_INCREMENTAL_MANUAL_ROWS[0],
    row(SOV2, c="30,000", d="23,000", e="7,000", f="0", g="30,000", h="0", rate="5",
        work=("2,050", "350", "0", "2,400")),
    P4_INCREMENTAL_MANUAL_ROWS[2],
)  # fmt: skip
P4_INCREMENTAL_MOVE = {
    **P4_INCREMENTAL_MANUAL,
    "completed_work_retainage_amount": usd("3,100.01"),
    "total_retainage": usd("3,100.01"),
    "total_earned_less_retainage": usd("41,899.99"),
    "less_previous_certificates_for_payment": usd("29,472.77"),
    "balance_to_finish_including_retainage": usd("3,100.01"),
    "completed_work_retainage_percent": pct("6.89"),
}

WORKED = {
    (CUMULATIVE, MANUAL): (
        (P3_CUMULATIVE_MANUAL_ROWS, P3_CUMULATIVE_MANUAL),
        (P4_CUMULATIVE_ROWS, P4_CUMULATIVE),
    ),
    (CUMULATIVE, MOVE): (
        (P3_CUMULATIVE_MOVE_ROWS, P3_CUMULATIVE_MOVE),
        (P4_CUMULATIVE_ROWS, P4_CUMULATIVE),
    ),
    (INCREMENTAL, MANUAL): (
        (P3_INCREMENTAL_MANUAL_ROWS, P3_INCREMENTAL_MANUAL),
        (P4_INCREMENTAL_MANUAL_ROWS, P4_INCREMENTAL_MANUAL),
    ),
    (INCREMENTAL, MOVE): (
        (P3_INCREMENTAL_MOVE_ROWS, P3_INCREMENTAL_MOVE),
        (P4_INCREMENTAL_MOVE_ROWS, P4_INCREMENTAL_MOVE),
    ),
}
COMBINATIONS = pytest.mark.parametrize(
    ("method", "mode"), list(WORKED), ids=[f"{m.value}-{s.value}" for m, s in WORKED]
)


@COMBINATIONS
def test_worked_example_periods_1_and_2(method: RetainageMethod, mode: StoredMaterialsMode) -> None:
    chain = compute_chain(worked_terms(method, mode), worked_history(mode))
    assert [application.number for application in chain] == [1, 2, 3, 4]
    assert_rows(chain[0], *PERIOD1_ROWS)
    assert_g702(chain[0], PERIOD1)
    assert_rows(chain[1], *PERIOD2_ROWS)
    assert_g702(chain[1], PERIOD2)


@COMBINATIONS
def test_worked_example_period_3_steps_down_and_installs_stored_material(
    method: RetainageMethod, mode: StoredMaterialsMode
) -> None:
    chain = compute_chain(worked_terms(method, mode), worked_history(mode))
    rows, summary = WORKED[method, mode][0]
    assert_rows(chain[2], *rows)
    assert_g702(chain[2], summary)


@COMBINATIONS
def test_worked_example_period_4_completes_with_a_partial_release(
    method: RetainageMethod, mode: StoredMaterialsMode
) -> None:
    chain = compute_chain(worked_terms(method, mode), worked_history(mode))
    rows, summary = WORKED[method, mode][1]
    assert_rows(chain[3], *rows)
    assert_g702(chain[3], summary)
    # Everything certified adds up to the last line 6.
    assert (
        sum(a.summary.current_payment_due for a in chain) == summary["total_earned_less_retainage"]
    )


def test_worked_example_uses_half_up_not_half_even() -> None:
    # 5 % of 2,234.50 = 111.725 -> 111.73 held on the CO line at period 3 (cumulative);
    # 5 % of 2,765.50 = 138.275 -> 138.28 retained at period 4 (incremental).
    chain = compute_chain(worked_terms(CUMULATIVE, MANUAL), worked_history(MANUAL))
    assert chain[2].line(CO1).work_retainage_currently_retained == 11_173
    chain = compute_chain(worked_terms(INCREMENTAL, MANUAL), worked_history(MANUAL))
    assert chain[3].line(CO1).work_retainage_retained_this_period == 13_828


def test_editing_an_earlier_application_flows_into_every_later_one() -> None:
    # Period 1 SOV1 becomes 2,500 instead of 2,000 (cumulative + manual, 10 %):
    # period 2 SOV1 D 2,500; period 2 line 7 = old line 6 of period 1 + 500 - 50 = 7,650;
    # line 4 of period 2 = 23,500, still >= 50 % of 45,000, so period 3 is still stepped.
    history = worked_history(MANUAL)
    history[0] = ApplicationEntry(
        SOV_LINES,
        {
            SOV1: LineEntry(work_completed_this_period=usd("2,500")),
            SOV2: LineEntry(work_completed_this_period=usd("6,000")),
        },
    )
    chain = compute_chain(worked_terms(CUMULATIVE, MANUAL), history)
    assert chain[1].line(SOV1).work_completed_from_previous_application == usd("2,500")
    assert chain[1].summary.less_previous_certificates_for_payment == usd("7,650")
    assert chain[3].line(SOV1).work_completed_from_previous_application == usd("7,500")
    # period 4 SOV1: G 10,500 (over-billed by 500), H -500.
    assert chain[3].line(SOV1).balance_to_finish == usd("-500")
    assert chain[2].summary.work_percent == 5


# =============================================================================================
# Smaller examples
# =============================================================================================

PLAIN = BillingTerms(work_percent=pct("10"), materials_percent=pct("10"))


def entry(e: str = "0", **kwargs: Any) -> LineEntry:
    return LineEntry(work_completed_this_period=usd(e), **kwargs)


# --- A deduct change order -----------------------------------------------------------------
# SOV1 C 10,000; CO item 6001 (package 200) C = -2,000, added on application 2. 10 %
# cumulative, manual.
# app 1: SOV1 E 4,000 -> held 400. line 3 10,000; 4 4,000; 5 400; 6 3,600; 8 3,600; 9 6,400.
# app 2: SOV1 E 1,000 -> G 5,000, H 5,000, held 500.
#        CO E -500 (a credit) -> G -500, H = -2,000 - (-500) = -1,500;
#        retainage round(10 % x -500) = -50 (a deduct line holds negative retainage).
#        line 2 = -2,000 (negative_new); 3 = 8,000; 4 = 5,000 - 500 = 4,500; 5 = 500 - 50 = 450;
#        6 = 4,050; 7 = 3,600; 8 = 450; 9 = 8,000 - 4,050 = 3,950 (= H 5,000 - 1,500 + I 450);
#        % = 4,500 / 8,000 = 56.25; CO line % = -500 / -2,000 = 25.00.
# app 3: CO releases -20 of its -50 -> held -30; nothing else billed.
#        line 2 = -2,000 now as negative_previous; 5 = 500 - 30 = 470; 6 = 4,500 - 470 = 4,030;
#        7 = 4,050; 8 = -20; 9 = 8,000 - 4,030 = 3,970.
SOV_ONLY = (ScheduledLine(SOV1, usd("10,000")),)
DEDUCT = LineRef(LineKind.CHANGE_ORDER, 6001)
WITH_DEDUCT = (*SOV_ONLY, ScheduledLine(DEDUCT, usd("-2,000"), change_order_package_id=200))


def deduct_history(release: str = "-20") -> list[ApplicationEntry]:
    return [
        ApplicationEntry(SOV_ONLY, {SOV1: entry("4,000")}),
        ApplicationEntry(WITH_DEDUCT, {SOV1: entry("1,000"), DEDUCT: entry("-500")}),
        ApplicationEntry(WITH_DEDUCT, {DEDUCT: entry(work_retainage_released=usd(release))}),
    ]


@pytest.mark.parametrize("method", [CUMULATIVE, INCREMENTAL])
def test_deduct_change_order(method: RetainageMethod) -> None:
    terms = BillingTerms(retainage_method=method, work_percent=pct("10"))
    first, second, third = compute_chain(terms, deduct_history())

    assert (first.summary.contract_sum_to_date, first.summary.current_payment_due) == (
        usd("10,000"),
        usd("3,600"),
    )

    line = second.line(DEDUCT)
    assert line.change_order_package_id == 200
    assert line.total_completed_and_stored_to_date == usd("-500")
    assert line.balance_to_finish == usd("-1,500")
    assert line.work_retainage_retained_this_period == usd("-50")
    assert line.work_retainage_currently_retained == usd("-50")
    assert line.percent_complete == pct("25.00")
    s = second.summary
    assert s.original_contract_sum == usd("10,000")
    assert s.net_change_by_change_orders == usd("-2,000")
    assert s.negative_new_change_order_item_total == usd("-2,000")
    assert s.positive_new_change_order_item_total == 0
    assert s.negative_previous_change_order_item_total == 0
    assert s.contract_sum_to_date == usd("8,000")
    assert s.total_completed_and_stored_to_date == usd("4,500")
    assert s.total_retainage == usd("450")
    assert s.total_earned_less_retainage == usd("4,050")
    assert s.current_payment_due == usd("450")
    assert s.balance_to_finish_including_retainage == usd("3,950")
    assert s.percent_complete == pct("56.25")

    line = third.line(DEDUCT)
    assert line.work_retainage_from_previous_application == usd("-50")
    assert line.work_retainage_released_this_period == usd("-20")
    assert line.work_retainage_currently_retained == usd("-30")
    s = third.summary
    assert s.negative_previous_change_order_item_total == usd("-2,000")
    assert s.negative_new_change_order_item_total == 0
    assert s.total_retainage == usd("470")
    assert s.total_earned_less_retainage == usd("4,030")
    assert s.less_previous_certificates_for_payment == usd("4,050")
    assert s.current_payment_due == usd("-20")
    assert s.balance_to_finish_including_retainage == usd("3,970")
    assert s.retainage_released_this_period == usd("-20")


@pytest.mark.parametrize("method", [CUMULATIVE, INCREMENTAL])
@pytest.mark.parametrize("release", ["20", "-60"])
def test_deduct_line_release_must_be_negative_and_within_what_is_held(
    method: RetainageMethod, release: str
) -> None:
    terms = BillingTerms(retainage_method=method, work_percent=pct("10"))
    with pytest.raises(Invalid, match="application 3, line change_order:6001") as caught:
        compute_chain(terms, deduct_history(release))
    assert caught.value.field == "work_completed_retainage_released_this_period"


def test_releasing_all_of_a_deduct_lines_retainage_is_allowed() -> None:
    chain = compute_chain(PLAIN, deduct_history("-50"))
    assert chain[2].line(DEDUCT).work_retainage_currently_retained == 0


# --- Releases ----------------------------------------------------------------------------------
# SOV1 at 10 %: app 1 E 5,000 (held 500) and F 2,000 (materials held 200).


def release_history(work: str = "0", materials: str = "0") -> list[ApplicationEntry]:
    return [
        ApplicationEntry(SOV_ONLY, {SOV1: entry("5,000", materials_presently_stored=usd("2,000"))}),
        ApplicationEntry(
            SOV_ONLY,
            {
                SOV1: entry(
                    work_retainage_released=usd(work), materials_retainage_released=usd(materials)
                )
            },
        ),
    ]


@pytest.mark.parametrize("method", [CUMULATIVE, INCREMENTAL])
def test_releasing_exactly_what_is_held(method: RetainageMethod) -> None:
    # app 2 (manual: F 2,000 carried): work held 500 - 500 = 0; materials 200 - 200 = 0.
    terms = BillingTerms(
        retainage_method=method, work_percent=pct("10"), materials_percent=pct("10")
    )
    line = compute_chain(terms, release_history("500", "200"))[1].line(SOV1)
    assert line.materials_presently_stored == usd("2,000")
    assert line.work_retainage_from_previous_application == usd("500")
    assert line.work_retainage_released_this_period == usd("500")
    assert line.work_retainage_currently_retained == 0
    # materials: from previous 200, released 200, held 0, retained = 0 - 200 + 200 = 0.
    assert line.materials_retainage_from_previous_application == usd("200")
    assert line.materials_retainage_released_this_period == usd("200")
    assert line.materials_retainage_retained_this_period == 0
    assert line.materials_retainage_currently_retained == 0


def test_partial_materials_release() -> None:
    # F 2,000 at 10 % = 200, release 50 -> held 150; line 5b = 150; line 8 of app 2 = +50.
    second = compute_chain(PLAIN, release_history(materials="50"))[1]
    line = second.line(SOV1)
    assert line.materials_retainage_currently_retained == usd("150")
    assert second.summary.stored_materials_retainage_amount == usd("150")
    assert second.summary.current_payment_due == usd("50")


@pytest.mark.parametrize("method", [CUMULATIVE, INCREMENTAL])
@pytest.mark.parametrize(
    ("work", "materials", "field"),
    [
        ("500.01", "0", "work_completed_retainage_released_this_period"),  # larger than 500
        ("0", "200.01", "materials_stored_retainage_released_this_period"),  # larger than 200
        ("-10", "0", "work_completed_retainage_released_this_period"),  # wrong sign
        ("0", "-10", "materials_stored_retainage_released_this_period"),  # wrong sign
    ],
)
def test_release_larger_than_held_or_of_the_wrong_sign_is_invalid(
    method: RetainageMethod, work: str, materials: str, field: str
) -> None:
    terms = BillingTerms(
        retainage_method=method, work_percent=pct("10"), materials_percent=pct("10")
    )
    with pytest.raises(Invalid, match=f"application 2, line sov:1: {field}") as caught:
        compute_chain(terms, release_history(work, materials))
    assert caught.value.field == field


def test_release_when_nothing_is_held_is_invalid() -> None:
    terms = BillingTerms()  # 0 % retainage
    with pytest.raises(Invalid, match="larger than, or of another sign than"):
        compute_chain(terms, release_history("1"))


def test_cumulative_release_counts_against_every_later_application() -> None:
    # app 2 releases 300 of 500; app 3 bills 1,000 more: held = 10 % x 6,000 - 300 = 300;
    # releasing 300.01 on app 3 is more than the 300 held.
    history = release_history("300")
    history.append(ApplicationEntry(SOV_ONLY, {SOV1: entry("1,000")}))
    assert compute_chain(PLAIN, history)[2].line(SOV1).work_retainage_currently_retained == usd(
        "300"
    )
    history[2] = ApplicationEntry(
        SOV_ONLY, {SOV1: entry("1,000", work_retainage_released=usd("300.01"))}
    )
    with pytest.raises(Invalid, match="application 3"):
        compute_chain(PLAIN, history)


# --- Over-billing ------------------------------------------------------------------------------


def overbilling_history() -> list[ApplicationEntry]:
    # SOV1 C 10,000: app 1 E 6,000; app 2 E 3,000 and F 2,000 -> G 11,000 > C.
    return [
        ApplicationEntry(SOV_ONLY, {SOV1: entry("6,000")}),
        ApplicationEntry(SOV_ONLY, {SOV1: entry("3,000", materials_presently_stored=usd("2,000"))}),
    ]


def test_overbilling_forbidden_is_invalid_naming_the_line() -> None:
    terms = BillingTerms(work_percent=pct("10"), allow_overbilling=False)
    with pytest.raises(Invalid) as caught:
        compute_chain(terms, overbilling_history())
    assert "application 2, line sov:1" in caught.value.message
    assert "11000.00 would go beyond the scheduled value 10000.00" in caught.value.message
    assert caught.value.field == "work_completed_this_period"
    assert caught.value.code == "overbilling"


def test_an_overbilled_line_is_named_by_its_label_when_it_has_one() -> None:
    labelled = [ScheduledLine(SOV1, usd("10,000"), label="1 (General conditions)")]
    history = [ApplicationEntry(labelled, entries.entries) for entries in overbilling_history()]
    with pytest.raises(Invalid) as caught:
        compute_chain(BillingTerms(allow_overbilling=False), history)
    assert caught.value.message.startswith("application 2, line 1 (General conditions): ")


def test_billing_exactly_the_scheduled_value_is_not_overbilling() -> None:
    terms = BillingTerms(allow_overbilling=False)
    history = [
        ApplicationEntry(SOV_ONLY, {SOV1: entry("6,000")}),
        ApplicationEntry(SOV_ONLY, {SOV1: entry("2,000", materials_presently_stored=usd("2,000"))}),
    ]
    assert compute_chain(terms, history)[1].line(SOV1).balance_to_finish == 0


def test_overbilling_allowed_gives_a_negative_balance_to_finish() -> None:
    # G 11,000, H = 10,000 - 11,000 = -1,000; retainage 10 % x 9,000 = 900 + 10 % x 2,000 = 200
    # -> line 5 = 1,100; 6 = 9,900; 9 = 10,000 - 9,900 = 100 (= H -1,000 + I 1,100).
    terms = BillingTerms(work_percent=pct("10"), materials_percent=pct("10"))
    assert terms.allow_overbilling  # the default, as Procore
    second = compute_chain(terms, overbilling_history())[1]
    assert second.line(SOV1).balance_to_finish == usd("-1,000")
    assert second.line(SOV1).percent_complete == pct("110.00")
    assert second.summary.balance_to_finish == usd("-1,000")
    assert second.summary.total_retainage == usd("1,100")
    assert second.summary.balance_to_finish_including_retainage == usd("100")


def test_a_deduct_line_billed_within_its_value_is_not_overbilled() -> None:
    # C -2,000, G -500: inside the deduct, not beyond it.
    terms = BillingTerms(allow_overbilling=False)
    chain = compute_chain(terms, deduct_history("0"))
    assert chain[1].line(DEDUCT).balance_to_finish == usd("-1,500")


def test_a_deduct_line_billed_beyond_its_value_is_overbilled() -> None:
    terms = BillingTerms(allow_overbilling=False)
    history = deduct_history("0")[:2]
    history[1] = ApplicationEntry(WITH_DEDUCT, {DEDUCT: entry("-2,000.01")})
    with pytest.raises(Invalid, match="application 2, line change_order:6001"):
        compute_chain(terms, history)


# --- Per-line retainage overrides carry forward --------------------------------------------------
# Contract 10 % / 10 %. SOV1 C 10,000, SOV2 C 30,000 (cumulative, manual).
# app 1: SOV1 E 1,000 with work override 20 % and materials override 0 %, F 500.
#        SOV1 work 20 % x 1,000 = 200; materials 0 % x 500 = 0. SOV2 E 1,000 -> 100 at 10 %.
# app 2: SOV1 not mentioned: E 0, F 500 kept, overrides kept: held 200, materials 0.
# app 3: SOV1 E 1,000, still 20 %: round(20 % x 2,000) = 400 held, retained 200.
# app 4: SOV1 override back to 10 %: cumulative re-prices all work: 10 % x 2,000 = 200 held;
#        re-pricing 200 - 0 - 400 = -200 released. Materials override 0 % still in force.


def override_history(method_last_e: str = "0") -> list[ApplicationEntry]:
    return [
        ApplicationEntry(
            SOV_LINES,
            {
                SOV1: entry(
                    "1,000",
                    materials_presently_stored=usd("500"),
                    work_retainage_percent=pct("20"),
                    materials_retainage_percent=pct("0"),
                ),
                SOV2: entry("1,000"),
            },
        ),
        ApplicationEntry(SOV_LINES, {SOV2: entry("1,000")}),
        ApplicationEntry(SOV_LINES, {SOV1: entry("1,000")}),
        ApplicationEntry(SOV_LINES, {SOV1: entry(method_last_e, work_retainage_percent=pct("10"))}),
    ]


def test_per_line_override_is_carried_forward_until_changed() -> None:
    chain = compute_chain(PLAIN, override_history())
    rates = [
        (a.line(SOV1).work_retainage_percent, a.line(SOV1).materials_retainage_percent)
        for a in chain
    ]
    twenty, ten, zero = pct("20"), pct("10"), pct("0")
    assert rates == [(twenty, zero), (twenty, zero), (twenty, zero), (ten, zero)]
    assert [a.line(SOV2).work_retainage_percent for a in chain] == [10, 10, 10, 10]
    assert [a.line(SOV1).work_retainage_currently_retained for a in chain] == [
        usd("200"),
        usd("200"),
        usd("400"),
        usd("200"),
    ]
    assert [a.line(SOV1).materials_presently_stored for a in chain] == [usd("500")] * 4
    assert [a.line(SOV1).materials_retainage_currently_retained for a in chain] == [0] * 4
    fourth = chain[3].line(SOV1)
    assert fourth.work_retainage_retained_this_period == 0
    assert fourth.work_retainage_released_this_period == usd("200")
    # The contract rate is unchanged on the summary.
    assert chain[3].summary.work_percent == 10


def test_override_change_under_incremental_affects_only_new_work() -> None:
    # Same, incremental; app 4 SOV1 E 1,000 at 10 %: held 400 + 100 = 500.
    terms = BillingTerms(
        retainage_method=INCREMENTAL, work_percent=pct("10"), materials_percent=pct("10")
    )
    chain = compute_chain(terms, override_history("1,000"))
    assert [a.line(SOV1).work_retainage_currently_retained for a in chain] == [
        usd("200"),
        usd("200"),
        usd("400"),
        usd("500"),
    ]


# --- Lines must carry over -----------------------------------------------------------------


def test_an_application_that_drops_a_previous_line_is_invalid() -> None:
    history = [
        ApplicationEntry(WITH_CO, {SOV1: entry("100")}),
        ApplicationEntry(SOV_LINES, {SOV1: entry("100")}),
    ]
    with pytest.raises(Invalid, match=r"application 2: .*missing: change_order:5001") as caught:
        compute_chain(PLAIN, history)
    assert caught.value.field == "items"


def test_an_entry_for_a_line_not_on_the_application_is_invalid() -> None:
    history = [ApplicationEntry(SOV_LINES, {CO1: entry("100")})]
    with pytest.raises(Invalid, match=r"application 1: no such line .*change_order:5001"):
        compute_chain(PLAIN, history)


# --- Stored materials on lines the client does not mention ---------------------------------


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # manual: F 2,000 stays stored, E 0, D 5,000; materials retainage 200 stays.
        (MANUAL, {"d": "5,000", "e": "0", "f": "2,000", "moved": "0", "work_held": "500",
                  "materials_held": "200"}),
        # move: F 2,000 moves into D (7,000) with its 200 of retainage; F 0.
        (MOVE, {"d": "7,000", "e": "0", "f": "0", "moved": "2,000", "work_held": "700",
                "materials_held": "0"}),
    ],
)  # fmt: skip
def test_unmentioned_line_on_the_next_application(
    mode: StoredMaterialsMode, expected: dict[str, str]
) -> None:
    terms = BillingTerms(work_percent=pct("10"), materials_percent=pct("10"), stored_materials=mode)
    history = [
        ApplicationEntry(SOV_ONLY, {SOV1: entry("5,000", materials_presently_stored=usd("2,000"))}),
        ApplicationEntry(SOV_ONLY),
    ]
    line = compute_chain(terms, history)[1].line(SOV1)
    assert line.work_completed_from_previous_application == usd(expected["d"])
    assert line.work_completed_this_period == usd(expected["e"])
    assert line.materials_presently_stored == usd(expected["f"])
    assert line.materials_moved == usd(expected["moved"])
    assert line.total_completed_and_stored_to_date == usd("7,000")
    assert line.work_retainage_currently_retained == usd(expected["work_held"])
    assert line.materials_retainage_currently_retained == usd(expected["materials_held"])


# --- Steps ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first_e", "stepped"),
    [
        ("5,000", True),  # exactly 50.00 % reached at app 1 -> app 2 at 5 %
        ("4,999.99", False),  # 49.9999 % (shown as 50.00) has not reached it
    ],
)
def test_a_step_applies_from_the_application_after_the_one_that_reaches_it(
    first_e: str, stepped: bool
) -> None:
    terms = BillingTerms(
        work_percent=pct("10"),
        materials_percent=pct("10"),
        steps=(RetainageStep(pct("50"), pct("5"), pct("2.5")),),
    )
    history = [
        ApplicationEntry(SOV_ONLY, {SOV1: entry(first_e)}),
        ApplicationEntry(SOV_ONLY, {SOV1: entry("0.01")}),
    ]
    first, second = compute_chain(terms, history)
    assert (first.summary.work_percent, first.summary.materials_percent) == (pct("10"), pct("10"))
    assert first.line(SOV1).work_retainage_percent == 10
    expected = (pct("5"), pct("2.5")) if stepped else (pct("10"), pct("10"))
    assert (second.summary.work_percent, second.summary.materials_percent) == expected
    assert second.line(SOV1).work_retainage_percent == expected[0]
    assert second.line(SOV1).materials_retainage_percent == expected[1]


def test_steps_only_advance_even_if_completion_falls_back() -> None:
    # app 1 reaches 60 %; app 2 corrects down to 40 % (E -2,000) and is at 5 %; app 3 stays 5 %.
    terms = BillingTerms(
        work_percent=pct("10"), steps=(RetainageStep(pct("50"), pct("5"), pct("5")),)
    )
    history = [
        ApplicationEntry(SOV_ONLY, {SOV1: entry("6,000")}),
        ApplicationEntry(SOV_ONLY, {SOV1: entry("-2,000")}),
        ApplicationEntry(SOV_ONLY, {SOV1: entry("0")}),
    ]
    assert [a.summary.work_percent for a in compute_chain(terms, history)] == [10, 5, 5]


def test_two_steps_apply_in_turn() -> None:
    # 10 % -> 5 % after 50 %, -> 0 % after 90 %. app 1 at 60 %, app 2 at 95 %, app 3 at 100 %.
    terms = BillingTerms(
        work_percent=pct("10"),
        steps=(
            RetainageStep(pct("50"), pct("5"), pct("5")),
            RetainageStep(pct("90"), pct("0"), pct("0")),
        ),
    )
    history = [
        ApplicationEntry(SOV_ONLY, {SOV1: entry("6,000")}),
        ApplicationEntry(SOV_ONLY, {SOV1: entry("3,500")}),
        ApplicationEntry(SOV_ONLY, {SOV1: entry("500")}),
    ]
    chain = compute_chain(terms, history)
    assert [a.summary.work_percent for a in chain] == [10, 5, 0]
    # cumulative: 600, then 5 % x 9,500 = 475, then 0.
    assert [a.summary.total_retainage for a in chain] == [usd("600"), usd("475"), 0]


def test_zero_scheduled_value_line_shows_zero_percent() -> None:
    zero = (ScheduledLine(SOV1, 0),)
    only = compute_chain(PLAIN, [ApplicationEntry(zero, {SOV1: entry("100")})])[0]
    assert only.line(SOV1).percent_complete == pct("0.00")
    assert only.summary.percent_complete == pct("0.00")
    assert only.line(SOV1).balance_to_finish == usd("-100")
