"""load_template reads CloudFormation short tags as their long form."""

from pathlib import Path
from typing import Any

import pytest

from infra.template import load_template


def _load(tmp_path: Path, text: str) -> dict[str, Any]:
    path = tmp_path / "template.yaml"
    path.write_text(text, encoding="utf-8")
    return load_template(path)


@pytest.mark.parametrize(
    ("yaml_value", "long_form"),
    [
        ("!Ref Table", {"Ref": "Table"}),
        ("!GetAtt Table.Arn", {"Fn::GetAtt": ["Table", "Arn"]}),
        ("!GetAtt [Table, StreamArn]", {"Fn::GetAtt": ["Table", "StreamArn"]}),
        ("!Sub ${Table.Arn}/index/*", {"Fn::Sub": "${Table.Arn}/index/*"}),
        ("!Sub ['x-${Name}', {Name: !Ref Table}]", {"Fn::Sub": ["x-${Name}", {"Name": {"Ref": "Table"}}]}),
        (
            '!Not [!Equals [!Ref PublicUrl, ""]]',
            {"Fn::Not": [{"Fn::Equals": [{"Ref": "PublicUrl"}, ""]}]},
        ),
        ("!If [HasUrl, a, !Ref AWS::NoValue]", {"Fn::If": ["HasUrl", "a", {"Ref": "AWS::NoValue"}]}),
        ("!Select [0, !GetAZs '']", {"Fn::Select": [0, {"Fn::GetAZs": ""}]}),
        ("!Join ['', [a, !Ref B]]", {"Fn::Join": ["", ["a", {"Ref": "B"}]]}),
        ("!Split [',', a]", {"Fn::Split": [",", "a"]}),
        ("!FindInMap [M, k, v]", {"Fn::FindInMap": ["M", "k", "v"]}),
        ("!And [!Condition A, !Condition B]", {"Fn::And": [{"Condition": "A"}, {"Condition": "B"}]}),
        ("!Or [!Condition A, !Condition B]", {"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]}),
        ("!Base64 text", {"Fn::Base64": "text"}),
        ("!ImportValue shared-vpc", {"Fn::ImportValue": "shared-vpc"}),
    ],
)
def test_short_tags_become_their_long_form(tmp_path: Path, yaml_value: str, long_form: Any) -> None:
    assert _load(tmp_path, f"Value: {yaml_value}\n") == {"Value": long_form}


def test_template_without_tags_loads_as_plain_yaml(tmp_path: Path) -> None:
    assert _load(tmp_path, "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n") == {
        "Resources": {"Q": {"Type": "AWS::SQS::Queue"}}
    }


def test_a_document_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a mapping"):
        _load(tmp_path, "- just\n- a list\n")


def test_unknown_tags_are_refused_as_in_safe_yaml(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="python/object"):
        _load(tmp_path, "Value: !!python/object:os.system {}\n")


def test_the_project_template_loads_by_default() -> None:
    template = load_template()

    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    assert template["Globals"]["Function"]["Environment"]["Variables"]["TABLE_NAME"] == {"Ref": "Table"}
