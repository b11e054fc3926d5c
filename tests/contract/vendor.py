"""The vendors' published schemas, as a generated client would use them.

``Schemas`` loads one of the JSON files next to this module (README.md says where each comes
from) and offers what the contract tests need: validate a response, list the documented fields
a response leaves out, and deserialize it with models built from the schemas, the way a client
generated from the vendor's description does (strict types: a string where the vendor says
integer fails, as it does in Procore's SDK).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, Optional, Union
from uuid import UUID

from jsonschema import Draft202012Validator, FormatChecker
from pydantic import (
    BaseModel,
    ConfigDict,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    create_model,
)

HERE = Path(__file__).resolve().parent


class Schemas:
    def __init__(self, filename: str) -> None:
        self.document: dict[str, Any] = json.loads((HERE / filename).read_text())
        self.components: dict[str, Any] = self.document["components"]["schemas"]
        self._models: dict[str, type[BaseModel]] = {}

    # -- schemas -----------------------------------------------------------------------------

    def response(self, method: str, path: str, status: int = 200) -> dict[str, Any]:
        """The documented body of one operation's response."""
        operation = self.document["paths"][path][method.lower()]
        return dict(operation["responses"][str(status)]["schema"])

    def component(self, name: str) -> dict[str, Any]:
        return {"$ref": f"#/components/schemas/{name}"}

    def validate(self, schema: dict[str, Any], instance: Any) -> list[str]:
        """Every way ``instance`` breaks ``schema`` (empty when it conforms)."""
        validator = Draft202012Validator(
            {**schema, "components": self.document["components"]}, format_checker=FormatChecker()
        )
        return [
            f"{'/'.join(str(p) for p in error.absolute_path) or '(body)'}: {error.message}"
            for error in validator.iter_errors(instance)
        ]

    def omitted(self, schema: dict[str, Any], instance: Any, where: str = "") -> list[str]:
        """Documented fields missing from ``instance``, at any depth it has a value."""
        schema = self._resolve(schema)
        if "anyOf" in schema:
            branches = [b for b in schema["anyOf"] if not self.validate(b, instance)]
            if not branches or instance is None:
                return []
            # The branch the value fits best: the one it omits least of.
            return min((self.omitted(b, instance, where) for b in branches), key=len)
        if isinstance(instance, list) and "items" in schema:
            found: list[str] = []
            for index, item in enumerate(instance):
                found += self.omitted(schema["items"], item, f"{where}[{index}]")
            return found
        if isinstance(instance, dict) and schema.get("properties"):
            found = []
            for name, sub in schema["properties"].items():
                path = f"{where}.{name}" if where else name
                if name not in instance:
                    found.append(path)
                else:
                    found += self.omitted(sub, instance[name], path)
            return found
        return []

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.components[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    # -- generated models --------------------------------------------------------------------

    def model(self, name: str) -> type[BaseModel]:
        """A pydantic model of a component: every property optional, strictly typed."""
        if name not in self._models:
            schema = self.components[name]
            if "properties" not in schema:
                raise TypeError(f"{name} is not an object schema")
            fields = {
                _python_name(prop): (Optional[self._annotation(sub)], _field(prop))  # noqa: UP045
                for prop, sub in schema["properties"].items()
            }
            self._models[name] = create_model(  # type: ignore[call-overload]
                _python_name(name),
                __config__=ConfigDict(populate_by_name=True, extra="allow"),
                **fields,
            )
        return self._models[name]

    def parse(self, schema: dict[str, Any], instance: Any) -> Any:
        """Deserialize ``instance`` as the client generated from ``schema`` would."""
        from pydantic import TypeAdapter

        return TypeAdapter(self._annotation(schema)).validate_python(instance)

    def _annotation(self, schema: dict[str, Any]) -> Any:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            target = self.components[name]
            if "properties" in target:
                return self.model(name)
            return self._annotation(target)
        if "anyOf" in schema:
            options = [self._annotation(s) for s in schema["anyOf"]]
            return Union[tuple(options)] if len(options) > 1 else options[0]  # noqa: UP007
        if "enum" in schema:
            return Optional[Literal[tuple(v for v in schema["enum"] if v is not None)]]  # noqa: UP045
        kind = schema.get("type")
        if kind == "array":
            return list[self._annotation(schema.get("items", {}))]  # type: ignore[misc]
        if kind == "object":
            return dict[str, Any]
        if kind == "string":
            return {"date": date, "date-time": datetime, "uuid": UUID}.get(
                schema.get("format", ""), StrictStr
            )
        return {
            "integer": StrictInt,
            "number": Union[StrictFloat, StrictInt],  # noqa: UP007
            "boolean": StrictBool,
            "null": type(None),
        }.get(kind, Any)


def _python_name(name: str) -> str:
    cleaned = "".join(c if c.isalnum() else "_" for c in name)
    return f"f_{cleaned}" if not cleaned[:1].isalpha() else cleaned


def _field(wire_name: str) -> Any:
    from pydantic import Field

    return Field(default=None, alias=wire_name)


class Sessions:
    """Both vendors' schemas, loaded once."""

    @cached_property
    def procore(self) -> Schemas:
        return Schemas("procore_schema.json")

    @cached_property
    def acc(self) -> Schemas:
        return Schemas("acc_schema.json")


VENDORS = Sessions()
