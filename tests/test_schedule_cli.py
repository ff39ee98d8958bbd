"""anagen schedule and the scheduling schemas: output contract and exit codes."""

import io
import json
import sys

import jsonschema
import pytest

from anagen.cli import main
from anagen.core.knowledge import load
from anagen.core.schemas import schema
from tests.core.test_scheduling import check, course, scenario

SCENARIO = scenario(course("c1"), course("c2", minutes=45))


def write(tmp_path, name, doc):
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return str(path)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("solver", ["cp-sat", "greedy"])
def test_a_scenario_file_gives_the_result_document(tmp_path, capsys, solver):
    path = write(tmp_path, "clinic.json", SCENARIO)
    code, out, err = run(capsys, "schedule", path, "--solver", solver, "--time-limit", "5")
    assert code == 0, err
    result = json.loads(out)
    jsonschema.validate(result, schema("schedule-result", load()))
    assert check(SCENARIO, result) == []
    assert result["stats"]["courses_scheduled"] == 2
    assert result["stats"]["solver"] == solver
    assert out.startswith('{\n  "schema"')  # indented by 2


def test_dash_reads_the_scenario_from_standard_input(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(SCENARIO)))
    code, out, _ = run(capsys, "schedule", "-", "--solver", "greedy")
    assert code == 0
    assert [s["course"] for s in json.loads(out)["sessions"]] == ["c1"] * 3 + ["c2"] * 3


BAD = [
    ("wrong schema", {**SCENARIO, "schema": "anagen.plan/1"}, "clinic.json: schema: must be"),
    (
        "unknown practitioner",
        {**SCENARIO, "courses": [course("c1", practitioners=["p7"])]},
        "clinic.json: courses[0].practitioners[0]: unknown practitioner 'p7'",
    ),
    ("no rooms", {**SCENARIO, "rooms": []}, "clinic.json: rooms: must list at least one room"),
    ("not JSON", "{nope", "clinic.json: not JSON"),
]


@pytest.mark.parametrize(("case", "doc", "expected"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_scenario_exits_2_with_one_line_naming_file_and_field(
    tmp_path, capsys, case, doc, expected
):
    code, out, err = run(capsys, "schedule", write(tmp_path, "clinic.json", doc))
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert expected in err
    assert "Traceback" not in err


def test_bad_standard_input_is_named_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps({**SCENARIO, "days": 0})))
    code, _, err = run(capsys, "schedule", "-")
    assert code == 2 and "stdin: days: must be a whole number" in err


@pytest.mark.parametrize("limit", ["0", "-3", "nan", "inf"])
def test_the_time_limit_must_be_a_positive_number_of_seconds(tmp_path, capsys, limit):
    path = write(tmp_path, "clinic.json", SCENARIO)
    code, out, err = run(capsys, "schedule", path, "--time-limit", limit)
    assert code == 2 and out == ""
    assert "--time-limit" in err


def test_an_unknown_solver_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["schedule", write(tmp_path, "clinic.json", SCENARIO), "--solver", "simplex"])
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["schedule-scenario", "schedule-result"])
def test_the_schema_command_prints_the_scheduling_schemas(capsys, name):
    code, out, _ = run(capsys, "schema", name)
    printed = json.loads(out)
    assert code == 0
    jsonschema.Draft202012Validator.check_schema(printed)
    assert printed["title"] == f"anagen.{name}/1"


def test_the_scenario_schema_is_closed(capsys):
    _, out, _ = run(capsys, "schema", "schedule-scenario")
    validator = jsonschema.Draft202012Validator(json.loads(out))
    assert not list(validator.iter_errors(SCENARIO))
    assert list(validator.iter_errors({**SCENARIO, "colour": "red"}))
    assert list(validator.iter_errors({**SCENARIO, "courses": [{**course("c1"), "colour": "red"}]}))
