"""Procore face: requisitions (subcontractor invoices) and contract payments."""

from __future__ import annotations

from fastapi import FastAPI

from drawbridge.api.common import make_face
from drawbridge.bootstrap import Runtime


def create_procore_app(runtime: Runtime) -> FastAPI:
    return make_face(runtime, title="drawbridge: Procore API", description="Procore face.")
