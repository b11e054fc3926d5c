"""Autodesk Construction Cloud Cost face: payments (pay applications)."""

from __future__ import annotations

from fastapi import FastAPI

from drawbridge.api.common import make_face
from drawbridge.bootstrap import Runtime


def create_acc_app(runtime: Runtime) -> FastAPI:
    return make_face(runtime, title="drawbridge: ACC Cost API", description="ACC Cost face.")
