"""Re-extract the vendor response schemas the contract tests validate against.

Procore publishes no OpenAPI file we can keep, but its OpenAPI-generated Python SDK
(github.com/weigandconstruction/procore_python_sdk, "Procore Rest API Documentation", OpenAPI
document version 2.0) carries every operation's response types and every model's fields. This
script reads a local checkout of that SDK with ``ast`` (nothing is imported or executed) and
writes the operations drawbridge serves, with the closure of their models, as JSON Schema to
``tests/contract/procore_schema.json``.

Autodesk describes the ACC Cost and Authentication APIs in OpenAPI; the Kiota-generated .NET
clients of github.com/adsk-duszykf/Adsk.Platform.Toolkit.dotNet carry each model's wire names and
types. From a local checkout of that repository the script rewrites
``tests/contract/acc_schema.json`` the same way.

    python scripts/refresh_vendor_schemas.py procore path/to/procore_python_sdk
    python scripts/refresh_vendor_schemas.py acc path/to/Adsk.Platform.Toolkit.dotNet
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent / "tests" / "contract"

# The Procore operations drawbridge serves: (method, path).
PROCORE_OPERATIONS = (
    ("GET", "/oauth/authorize"),
    ("POST", "/oauth/token"),
    ("GET", "/rest/v1.0/me"),
    ("GET", "/rest/v1.0/companies"),
    ("GET", "/rest/v1.0/projects"),
    ("GET", "/rest/v1.0/commitments"),
    ("GET", "/rest/v1.0/commitments/{id}"),
    ("GET", "/rest/v1.0/work_order_contracts/{id}"),
    ("GET", "/rest/v1.0/work_order_contracts/{work_order_contract_id}/line_items"),
    ("GET", "/rest/v1.0/purchase_order_contracts/{id}"),
    ("GET", "/rest/v1.0/purchase_order_contracts/{purchase_order_contract_id}/line_items"),
    ("GET", "/rest/v1.0/change_order_packages"),
    ("GET", "/rest/v1.0/requisitions"),
    ("POST", "/rest/v1.0/requisitions"),
    ("GET", "/rest/v1.0/requisitions/{id}"),
    ("PATCH", "/rest/v1.0/requisitions/{id}"),
    ("DELETE", "/rest/v1.0/requisitions/{id}"),
    ("GET", "/rest/v1.0/requisitions/{requisition_id}/detail"),
    ("POST", "/rest/v1.0/requisitions/{requisition_id}/add_change_order_package"),
    ("DELETE", "/rest/v1.0/requisitions/{requisition_id}/remove_change_order_package"),
    ("GET", "/rest/v1.1/requisitions"),
    ("POST", "/rest/v1.1/requisitions"),
    ("GET", "/rest/v1.1/requisitions/{id}"),
    ("PATCH", "/rest/v1.1/requisitions/{id}"),
    ("DELETE", "/rest/v1.1/requisitions/{id}"),
    (
        "PATCH",
        "/rest/v2.0/companies/{company_id}/projects/{project_id}/requisitions/{id}/payment_details",
    ),
    ("GET", "/rest/v1.0/contract_payments"),
    ("POST", "/rest/v1.0/contract_payments"),
    ("GET", "/rest/v1.0/contract_payments/{id}"),
    ("PATCH", "/rest/v1.0/contract_payments/{id}"),
    ("DELETE", "/rest/v1.0/contract_payments/{id}"),
)

SCALARS: dict[str, dict[str, Any]] = {
    "StrictInt": {"type": "integer"},
    "int": {"type": "integer"},
    "StrictStr": {"type": "string"},
    "str": {"type": "string"},
    "StrictBool": {"type": "boolean"},
    "bool": {"type": "boolean"},
    "StrictFloat": {"type": "number"},
    "float": {"type": "number"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "StrictBytes": {"type": "string"},
    "bytearray": {"type": "string"},
    "bytes": {"type": "string"},
    "Any": {},
    "object": {"type": "object"},
}


# -- Procore: the generated SDK ------------------------------------------------------------------


def _operations(sdk: Path) -> dict[tuple[str, str], dict[str, str | None]]:
    """(method, path) -> {status: response type} from the SDK's api modules."""
    found: dict[tuple[str, str], dict[str, str | None]] = {}
    for module in sorted((sdk / "procore_sdk" / "api").glob("*.py")):
        tree = ast.parse(module.read_text())
        for cls in (node for node in tree.body if isinstance(node, ast.ClassDef)):
            functions = {f.name: f for f in cls.body if isinstance(f, ast.FunctionDef)}
            for name, function in functions.items():
                if not name.startswith("_") or not name.endswith("_serialize"):
                    continue
                call = _keywords(function, "param_serialize")
                method, path = call.get("method"), call.get("resource_path")
                public = functions.get(name[1:].removesuffix("_serialize"))
                if method is None or path is None or public is None:
                    continue
                found[(method, path)] = _response_types(public)
    return found


def _keywords(function: ast.FunctionDef, callee: str) -> dict[str, str]:
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == callee
        ):
            return {
                keyword.arg: keyword.value.value
                for keyword in node.keywords
                if keyword.arg
                and isinstance(keyword.value, ast.Constant)
                and isinstance(keyword.value.value, str)
            }
    return {}


def _response_types(function: ast.FunctionDef) -> dict[str, str | None]:
    for node in ast.walk(function):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == "_response_types_map"
            and isinstance(node.value, ast.Dict)
        ):
            return {
                key.value: value.value if isinstance(value, ast.Constant) else None
                for key, value in zip(node.value.keys, node.value.values, strict=True)
                if isinstance(key, ast.Constant)
            }
    return {}


def _model_file(sdk: Path, name: str) -> Path:
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
    snake = re.sub(r"(?<=[a-z])(?=[0-9])", "", snake)
    candidates = [sdk / "procore_sdk" / "models" / f"{snake}.py"]
    candidates += sorted((sdk / "procore_sdk" / "models").glob("*.py"))
    for path in candidates:
        if path.exists() and f"class {name}(" in path.read_text():
            return path
    raise LookupError(f"no model {name}")


class _Models:
    """JSON Schemas of SDK models, read on demand with their closure."""

    def __init__(self, sdk: Path) -> None:
        self.sdk = sdk
        self.schemas: dict[str, dict[str, Any]] = {}
        self.index = {
            match.group(1): path
            for path in sorted((sdk / "procore_sdk" / "models").glob("*.py"))
            for match in re.finditer(r"^class (\w+)\(", path.read_text(), re.M)
        }

    def ref(self, name: str) -> dict[str, Any]:
        if name not in self.schemas:
            self.schemas[name] = {}  # placeholder: models may refer to themselves
            self.schemas[name] = self._model(name)
        return {"$ref": f"#/components/schemas/{name}"}

    def _model(self, name: str) -> dict[str, Any]:
        tree = ast.parse(self.index[name].read_text())
        cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name)
        variants = [
            node.annotation
            for node in cls.body
            if isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and re.fullmatch(r"oneof_schema_[0-9]+_validator", node.target.id)
        ]
        if variants:  # a oneOf wrapper: the response is one of the variant models
            return {"anyOf": [self.annotation(variant) for variant in variants]}
        enums = _enums(cls)
        properties: dict[str, Any] = {}
        patterns: dict[str, Any] = {}
        for node in cls.body:
            if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
                continue
            field = node.target.id
            if field.startswith("__") or _is_classvar(node.annotation):
                continue
            wire = _alias(node.value) or field
            schema = self.annotation(node.annotation)
            description = _description(node.value)
            if description:
                schema = {**schema, "description": description}
            if field in enums:
                schema = {**schema, "enum": [*enums[field], None]}
            if "%{" in wire:  # a templated key: custom_field_%{definition_id}
                pattern = "^" + re.sub(r"%\{[^}]*\}", "[0-9]+", wire) + "$"
                patterns.setdefault(pattern, {"anyOf": []})["anyOf"].append(schema)
            else:
                properties[wire] = schema
        out: dict[str, Any] = {"type": "object", "properties": properties}
        if patterns:
            out["patternProperties"] = patterns
        return out

    def annotation(self, node: ast.expr) -> dict[str, Any]:
        if isinstance(node, ast.Name):
            if node.id in SCALARS:
                return dict(SCALARS[node.id])
            return self.ref(node.id)
        if isinstance(node, ast.Constant) and node.value is None:
            return {"type": "null"}
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            outer = node.value.id
            inner = node.slice
            args = list(inner.elts) if isinstance(inner, ast.Tuple) else [inner]
            if outer == "Optional":
                return {"anyOf": [self.annotation(args[0]), {"type": "null"}]}
            if outer == "List":
                return {"type": "array", "items": self.annotation(args[0])}
            if outer == "Dict":
                return {"type": "object", "additionalProperties": self.annotation(args[1])}
            if outer == "Union":
                return {"anyOf": [self.annotation(arg) for arg in args]}
            if outer == "Annotated":
                return self.annotation(args[0])
        if isinstance(node, ast.Call):  # conint(...), constr(...)
            name = node.func.id if isinstance(node.func, ast.Name) else ""
            return {"type": "integer"} if name.startswith("conint") else {"type": "string"}
        return {}


def _is_classvar(node: ast.expr) -> bool:
    return isinstance(node, ast.Subscript) and getattr(node.value, "id", "") == "ClassVar"


def _alias(value: ast.expr | None) -> str | None:
    if isinstance(value, ast.Call):
        for keyword in value.keywords:
            if keyword.arg == "alias" and isinstance(keyword.value, ast.Constant):
                return str(keyword.value.value)
    return None


def _description(value: ast.expr | None) -> str | None:
    if isinstance(value, ast.Call):
        for keyword in value.keywords:
            if keyword.arg == "description" and isinstance(keyword.value, ast.Constant):
                return str(keyword.value.value)
    return None


def _enums(cls: ast.ClassDef) -> dict[str, list[Any]]:
    """``@field_validator('status')`` bodies that check ``value not in set([...])``."""
    found: dict[str, list[Any]] = {}
    for function in cls.body:
        if not isinstance(function, ast.FunctionDef):
            continue
        fields = [
            arg.value
            for decorator in function.decorator_list
            if isinstance(decorator, ast.Call)
            and getattr(decorator.func, "id", "") == "field_validator"
            for arg in decorator.args
            if isinstance(arg, ast.Constant)
        ]
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", "") == "set"
                and node.args
                and isinstance(node.args[0], ast.List)
            ):
                values = [e.value for e in node.args[0].elts if isinstance(e, ast.Constant)]
                for field in fields:
                    found[field] = values
    return found


def refresh_procore(sdk: Path) -> dict[str, Any]:
    operations = _operations(sdk)
    models = _Models(sdk)
    paths: dict[str, dict[str, Any]] = {}
    for method, path in PROCORE_OPERATIONS:
        responses: dict[str, Any] = {}
        for status, type_name in operations[(method, path)].items():
            if type_name is None:
                responses[status] = {"description": "no body"}
            else:
                responses[status] = {
                    "schema": models.annotation(ast.parse(type_name).body[0].value)
                }  # type: ignore[attr-defined]
        paths.setdefault(path, {})[method.lower()] = {"responses": responses}
    return {
        "info": {
            "source": "weigandconstruction/procore_python_sdk (OpenAPI Generator output of "
            "Procore's published REST API description, document version 2.0): procore_sdk/api "
            "response types and procore_sdk/models fields",
            "refresh": "python scripts/refresh_vendor_schemas.py procore <sdk checkout>",
        },
        "paths": paths,
        "components": {"schemas": dict(sorted(models.schemas.items()))},
    }


# -- ACC: the Kiota client of Autodesk's OpenAPI description -------------------------------------

# Autodesk publishes the Cost and Authentication APIs as OpenAPI; Kiota-generated clients of them
# (github.com/adsk-duszykf/Adsk.Platform.Toolkit.dotNet, Autodesk.ACC.CostManagement and
# Autodesk.Authentication) keep every model's wire names and types in GetFieldDeserializers.
ACC_MODELS = {
    "Autodesk.ACC.CostManagement/GeneratedCode/Models": (
        "PaymentListResponse",
        "PaymentItemListResponse",
        "ContractListResponse",
    ),
    "Autodesk.Authentication/GeneratedCode/Models": ("Authtoken",),
}
FIELD = re.compile(r'\{ "([A-Za-z0-9_]+)", n => \{ [A-Za-z0-9_]+ = n\.Get([A-Za-z]+)(?:<([^>]+)>)?')
KIOTA = {
    "StringValue": {"type": "string"},
    "DoubleValue": {"type": "number"},
    "FloatValue": {"type": "number"},
    "DecimalValue": {"type": "number"},
    "IntValue": {"type": "integer"},
    "LongValue": {"type": "integer"},
    "BoolValue": {"type": "boolean"},
    "GuidValue": {"type": "string", "format": "uuid"},
    "DateTimeOffsetValue": {"type": "string", "format": "date-time"},
    "DateValue": {"type": "string", "format": "date"},
}


class _Kiota:
    def __init__(self, checkout: Path) -> None:
        self.checkout = checkout
        self.schemas: dict[str, dict[str, Any]] = {}

    def _source(self, name: str) -> str:
        for folder in ACC_MODELS:
            path = self.checkout / folder / f"{name}.cs"
            if path.exists():
                return path.read_text()
        raise LookupError(f"no Kiota model {name}")

    def ref(self, name: str) -> dict[str, Any]:
        if name not in self.schemas:
            self.schemas[name] = {}
            source = self._source(name)
            values = re.findall(r'EnumMember\(Value = "([^"]*)"\)', source)
            if values and "GetFieldDeserializers" not in source:
                self.schemas[name] = {"enum": [*values, None]}
            else:
                properties = {
                    wire: self._type(getter, generic)
                    for wire, getter, generic in FIELD.findall(source)
                }
                self.schemas[name] = {"type": "object", "properties": properties}
        return {"$ref": f"#/components/schemas/{name}"}

    def _type(self, getter: str, generic: str) -> dict[str, Any]:
        model = generic.rsplit(".", 1)[-1] if generic else ""
        if getter == "ObjectValue" or getter == "EnumValue":
            out = self.ref(model)
        elif getter == "CollectionOfObjectValues" or getter == "CollectionOfEnumValues":
            out = {"type": "array", "items": self.ref(model)}
        elif getter == "CollectionOfPrimitiveValues":
            item = {"string": "string", "int": "integer", "double": "number"}.get(model, "string")
            out = {"type": "array", "items": {"type": item}}
        else:
            out = dict(KIOTA.get(getter, {}))
        return {"anyOf": [out, {"type": "null"}]}  # Kiota models every property as nullable


def refresh_acc(checkout: Path) -> dict[str, Any]:
    models = _Kiota(checkout)
    for names in ACC_MODELS.values():
        for name in names:
            models.ref(name)
    return {
        "info": {
            "source": "Autodesk's OpenAPI descriptions of the ACC Cost and Authentication APIs, "
            "as compiled into the Kiota clients of adsk-duszykf/Adsk.Platform.Toolkit.dotNet "
            "(Autodesk.ACC.CostManagement and Autodesk.Authentication GeneratedCode/Models)",
            "refresh": "python scripts/refresh_vendor_schemas.py acc <toolkit checkout>",
        },
        "components": {"schemas": dict(sorted(models.schemas.items()))},
    }


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in ("procore", "acc"):
        print(__doc__)
        return 2
    source = Path(argv[2])
    if argv[1] == "procore":
        document, target = refresh_procore(source), HERE / "procore_schema.json"
    else:
        document, target = refresh_acc(source), HERE / "acc_schema.json"
    target.write_text(json.dumps(document, indent=1, sort_keys=False) + "\n")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
