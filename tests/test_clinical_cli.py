"""anagen screen / plan / knowledge / schema: output contracts and exit codes."""

import io
import json
import subprocess
import sys

import jsonschema
import pytest

from anagen.cli import main
from anagen.core.knowledge import load
from anagen.core.schemas import schema

INTAKE = {
    "schema": "anagen.intake/1",
    "assessed_on": "2026-11-20",
    "patient": {
        "birth_date": "1994-03-02",
        "sex": "female",
        "pregnancy": "no",
        "postmenopausal": False,
        "reliable_contraception": True,
        "negative_pregnancy_test_on": "2026-11-18",
    },
    "hair_loss": {
        "diagnosis": "L64.9",
        "onset_months_ago": 36,
        "stage": {"scale": "ludwig", "value": "I"},
        "pull_test_positive_regions": 0,
        "trichoscopy_signs": ["anisotrichosis", "yellow_dots"],
        "scalp": [],
    },
    "conditions": [{"icd10": "E11.65", "onset": "2019-06-01"}],
    "medications": [{"atc": "A10BA02", "name": "metformin"}],
    "allergies": ["minoxidil"],
    "labs": {"hba1c_percent": 7.1},
    "requested": {"ingredients": ["dutasteride", "biotin"]},
}


def write(tmp_path, name, doc):
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return str(path)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_contract_example_is_screened(tmp_path, capsys):
    code, out, err = run(capsys, "screen", write(tmp_path, "a.json", INTAKE))
    assert code == 0, err
    result = json.loads(out)
    jsonschema.validate(result, schema("screening", load()))
    assert result["verdict"] == "eligible_with_caution"
    assert result["excluded_ingredients"] == ["minoxidil"]
    assert {f["rule"] for f in result["findings"]} >= {"CI-03", "CI-05", "CI-10"}
    assert result["knowledge_version"] == load().version


def test_several_files_give_json_lines_in_order(tmp_path, capsys):
    pregnant = json.loads(json.dumps(INTAKE))
    pregnant["patient"]["pregnancy"] = "pregnant"
    files = [write(tmp_path, "1.json", INTAKE), write(tmp_path, "2.json", pregnant)]
    code, out, _ = run(capsys, "screen", *files, files[0])
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3
    verdicts = [json.loads(line)["verdict"] for line in lines]
    assert verdicts == ["eligible_with_caution", "not_eligible", "eligible_with_caution"]


def test_text_format_is_a_readable_table(tmp_path, capsys):
    code, out, _ = run(capsys, "screen", "--format", "text", write(tmp_path, "a.json", INTAKE))
    assert code == 0
    assert "ELIGIBLE_WITH_CAUTION" in out
    assert "CI-10" in out and "diabetes" in out
    assert "excluded: minoxidil" in out


def test_dash_reads_standard_input(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(INTAKE)))
    code, out, _ = run(capsys, "screen", "-")
    assert code == 0 and json.loads(out)["verdict"] == "eligible_with_caution"


BAD = [
    ("unknown key", {**INTAKE, "alergies": []}, "alergies: unknown key"),
    (
        "unknown nested key",
        {**INTAKE, "patient": {**INTAKE["patient"], "pregnant": True}},
        "patient.pregnant: unknown key",
    ),
    (
        "bad date",
        {**INTAKE, "assessed_on": "2026-13-01"},
        "assessed_on: '2026-13-01' is not a date",
    ),
    (
        "malformed code",
        {**INTAKE, "conditions": [{"icd10": "E11-65"}]},
        "conditions[0].icd10: 'E11-65' is not an ICD-10 code",
    ),
    (
        "malformed ATC",
        {**INTAKE, "medications": [{"atc": "metformin"}]},
        "medications[0].atc: 'metformin' is not an ATC code",
    ),
    (
        "wrong scale value",
        {
            **INTAKE,
            "hair_loss": {**INTAKE["hair_loss"], "stage": {"scale": "ludwig", "value": "IV"}},
        },
        "hair_loss.stage.value",
    ),
    ("not JSON", "{not json", "not JSON"),
    (
        "wrong sex",
        {**INTAKE, "patient": {**INTAKE["patient"], "sex": "f"}},
        "allowed: female, male",
    ),
]


@pytest.mark.parametrize(("case", "doc", "expected"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_exits_2_with_one_line_naming_the_problem(tmp_path, capsys, case, doc, expected):
    code, out, err = run(capsys, "screen", write(tmp_path, "bad.json", doc))
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert expected in err
    assert "bad.json" in err
    assert "Traceback" not in err


def test_a_bad_file_among_good_ones_prints_nothing_to_stdout(tmp_path, capsys):
    good = write(tmp_path, "good.json", INTAKE)
    bad = write(tmp_path, "bad.json", {**INTAKE, "labs": {"inr": "high"}})
    code, out, err = run(capsys, "screen", good, bad)
    assert code == 2 and out == ""
    assert "bad.json: labs.inr" in err


def test_a_missing_file_is_exit_2(tmp_path, capsys):
    code, _, err = run(capsys, "screen", str(tmp_path / "nope.json"))
    assert code == 2 and "nope.json: cannot read" in err


def test_plan_follows_the_contract(tmp_path, capsys):
    prices = write(tmp_path, "prices.json", {"currency": "EUR", "default": 150})
    intake = write(tmp_path, "a.json", INTAKE)
    code, out, err = run(capsys, "plan", intake, "--start", "2027-01-05", "--prices", prices)
    assert code == 0, err
    plan = json.loads(out)
    jsonschema.validate(plan, schema("plan", load()))
    assert plan["protocol"]["id"] == "dutasteride-vitamins"
    assert {i["id"] for i in plan["ingredients"]} == {"dutasteride", "biotin"}
    assert plan["sessions"][0] == {
        "number": 1, "date": "2027-01-05", "earliest": "2027-01-05", "latest": "2027-01-08",
        "phase": "induction",
    }  # fmt: skip
    assert len(plan["sessions"]) == 11
    assert plan["review"]["date"] == "2027-05-11"  # week 18 (T3)
    assert plan["cost"] == {"currency": "EUR", "total": 1650.0, "per_session": 150.0}
    first_wash = next(a for a in plan["aftercare"] if a["item"] == "no_hair_washing")
    assert first_wash["until"] == "2027-01-07"


def test_plan_for_a_patient_who_cannot_be_treated_has_no_sessions(tmp_path, capsys):
    pregnant = {**INTAKE, "patient": {**INTAKE["patient"], "pregnancy": "pregnant"}}
    code, out, _ = run(capsys, "plan", write(tmp_path, "p.json", pregnant), "--start", "2027-01-05")
    plan = json.loads(out)
    assert code == 0
    assert plan["sessions"] == [] and plan["notes"]
    assert "not suitable" in plan["notes"][0]


def test_plan_with_a_protocol_that_does_not_fit_says_why(tmp_path, capsys):
    intake = write(tmp_path, "a.json", INTAKE)
    code, out, _ = run(
        capsys, "plan", intake, "--start", "2027-01-05", "--protocol", "dutasteride-weekly"
    )
    assert code == 0
    assert json.loads(out)["sessions"] == []


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--start", "05/01/2027"], "--start: '05/01/2027' is not a date"),
        (["--start", "2027-01-05", "--protocol", "nope"], "protocol: unknown protocol 'nope'"),
    ],
)
def test_plan_bad_options_exit_2(tmp_path, capsys, argv, expected):
    code, _, err = run(capsys, "plan", write(tmp_path, "a.json", INTAKE), *argv)
    assert code == 2 and expected in err


def test_policy_file_changes_the_clinic_limits(tmp_path, capsys):
    strict = write(tmp_path, "policy.json", {"parameters": {"hba1c_defer_above_percent": 7.0}})
    code, out, _ = run(capsys, "screen", "--policy", strict, write(tmp_path, "a.json", INTAKE))
    assert code == 0 and json.loads(out)["verdict"] == "defer"


def test_knowledge_list_and_show(capsys):
    code, out, _ = run(capsys, "knowledge", "list")
    assert code == 0
    assert "CI-08" in out and "dutasteride-weekly" in out and "report_nodules" in out
    code, out, _ = run(capsys, "knowledge", "show", "CI-08")
    record = json.loads(out)
    assert code == 0 and record["kind"] == "rule"
    assert record["cited"][0]["citation"]
    assert "DISAGREE" not in record["disagreement"] and record["disagreement"]
    code, _, err = run(capsys, "knowledge", "show", "CI-99")
    assert code == 2 and "unknown record" in err


@pytest.mark.parametrize("name", ["intake", "screening", "plan"])
def test_schemas_are_valid_json_schemas(capsys, name):
    code, out, _ = run(capsys, "schema", name)
    assert code == 0
    jsonschema.Draft202012Validator.check_schema(json.loads(out))


def test_the_intake_schema_accepts_the_example_and_rejects_a_typo():
    validator = jsonschema.Draft202012Validator(schema("intake", load()))
    assert not list(validator.iter_errors(INTAKE))
    assert list(validator.iter_errors({**INTAKE, "alergies": []}))


def test_the_installed_command_runs_without_django(tmp_path):
    path = write(tmp_path, "a.json", INTAKE)
    probe = (
        "import sys; from anagen.cli import main; code = main(['screen', sys.argv[1]]);"
        "assert 'django' not in sys.modules, 'django imported'; sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, path], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
