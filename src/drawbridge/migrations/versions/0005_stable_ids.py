"""ids clients cache are never reused; pay application lines get UUIDs

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 16:00:00

SQLite gives a deleted row's id to the next insert unless its table is ``AUTOINCREMENT``. Pay
applications, their lines, payments and attachments become AUTOINCREMENT there (PostgreSQL's
sequences never reuse an id). SQLite cannot alter a primary key, so each table is rebuilt the
way SQLite documents (new table, copy, drop, rename); ``store/migrate.py`` runs every migration on
SQLite with foreign keys off and checks them before committing, so dropping ``pay_apps`` does not
cascade into its lines.

Pay application lines also get a ``uuid`` (ACC names payment items by UUID).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("pay_apps", "pay_app_lines", "payments", "attachments")
UUID_UNIQUE = "uq_pay_app_lines_uuid"


def upgrade() -> None:
    op.add_column("pay_app_lines", sa.Column("uuid", sa.String(length=36), nullable=True))
    _fill_line_uuids()
    if _is_sqlite():
        for table in TABLES:
            _rebuild(table, _autoincrement)
    else:
        op.alter_column("pay_app_lines", "uuid", existing_type=sa.String(36), nullable=False)
        op.create_unique_constraint(UUID_UNIQUE, "pay_app_lines", ["uuid"])


def downgrade() -> None:
    if _is_sqlite():
        for table in TABLES:
            _rebuild(table, _plain_key)
    else:
        op.drop_constraint(UUID_UNIQUE, "pay_app_lines", type_="unique")
        op.drop_column("pay_app_lines", "uuid")


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _fill_line_uuids() -> None:
    bind = op.get_bind()
    lines = sa.table("pay_app_lines", sa.column("id", sa.Integer), sa.column("uuid", sa.String))
    ids = bind.execute(sa.select(lines.c.id).where(lines.c.uuid.is_(None))).scalars().all()
    for line_id in ids:
        bind.execute(lines.update().where(lines.c.id == line_id).values(uuid=str(uuid.uuid4())))


def _autoincrement(table: str, sql: str) -> str:
    sql = re.sub(
        r"\bid INTEGER NOT NULL,", "id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,", sql, count=1
    )
    sql = re.sub(rf",\s*CONSTRAINT pk_{table} PRIMARY KEY \(id\)", "", sql)
    if table == "pay_app_lines":
        sql = sql.replace("uuid VARCHAR(36)", "uuid VARCHAR(36) NOT NULL", 1)
        sql = sql.rstrip().removesuffix(")") + f",\n\tCONSTRAINT {UUID_UNIQUE} UNIQUE (uuid)\n)"
    return sql


def _plain_key(table: str, sql: str) -> str:
    sql = sql.replace("id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,", "id INTEGER NOT NULL,", 1)
    sql = sql.rstrip().removesuffix(")") + f",\n\tCONSTRAINT pk_{table} PRIMARY KEY (id)\n)"
    if table == "pay_app_lines":
        sql = re.sub(r"\s*uuid VARCHAR\(36\) NOT NULL,", "", sql)
        sql = re.sub(rf",\s*CONSTRAINT {UUID_UNIQUE} UNIQUE \(uuid\)", "", sql)
    return sql


def _rebuild(table: str, change: Callable[[str, str], str]) -> None:
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()
    indexes = (
        bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (table,),
        )
        .scalars()
        .all()
    )
    new_sql = change(table, sql)
    new_sql = re.sub(rf'^CREATE TABLE "?{table}"?', f"CREATE TABLE _new_{table}", new_sql)
    bind.exec_driver_sql(new_sql)
    columns = [row[1] for row in bind.exec_driver_sql(f"PRAGMA table_info(_new_{table})")]
    names = ", ".join(columns)
    bind.exec_driver_sql(f"INSERT INTO _new_{table} ({names}) SELECT {names} FROM {table}")
    bind.exec_driver_sql(f"DROP TABLE {table}")
    bind.exec_driver_sql(f"ALTER TABLE _new_{table} RENAME TO {table}")
    for index in indexes:
        bind.exec_driver_sql(index)
