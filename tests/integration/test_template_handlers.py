"""Every function in template.yaml names a handler that its CodeUri really holds.

Importing a handler module builds its powertools Tracer, whose X-Ray emitter opens a
socket: so this runs with the integration tests, not the socket-less unit tests.
"""

import importlib
from pathlib import Path

import pytest

from infra.template import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template()
FUNCTIONS = sorted(
    name
    for name, resource in TEMPLATE["Resources"].items()
    if resource["Type"] == "AWS::Serverless::Function"
)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_handler_is_a_callable_in_its_code_uri(function: str) -> None:
    properties = TEMPLATE["Resources"][function]["Properties"]
    code_uri = ROOT / properties.get("CodeUri", TEMPLATE["Globals"]["Function"]["CodeUri"])
    module_name, _, attribute = properties["Handler"].rpartition(".")
    module_path = code_uri / Path(*module_name.split("."))

    assert module_path.with_suffix(".py").is_file() or (module_path / "__init__.py").is_file(), (
        f"{function}: no module {module_name} under {code_uri}"
    )
    module = importlib.import_module(module_name)
    assert Path(module.__file__ or "").resolve().is_relative_to(code_uri)
    assert callable(getattr(module, attribute, None)), f"{function}: {module_name} has no {attribute}"
