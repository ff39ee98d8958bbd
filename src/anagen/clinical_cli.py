"""The clinical subcommands of ``anagen``: screen, plan, schedule, knowledge, schema.

They run the pure core only (no Django, no database). Exit 0 on success whatever the verdict;
2 on invalid input, with one line per problem naming the file and the field; never a traceback
for bad input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
import textwrap
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from anagen.core.invalid import InvalidDocument
from anagen.core.knowledge import Knowledge, load, with_policy
from anagen.core.planning import PriceList, plan_document, read_prices
from anagen.core.scheduling import SOLVERS, schedule_document
from anagen.core.schemas import SCHEMA_NAMES, schema
from anagen.core.screening import screen_document

__all__ = ["add_commands"]

INVALID = 2


class _BadInput(Exception):
    """Input the user must fix; the message is one line naming the file and the field."""


def add_commands(sub: Any) -> None:
    """Register the clinical subcommands on the ``anagen`` parser's subparsers."""
    screen = sub.add_parser("screen", help="screen intake documents (anagen.intake/1)")
    screen.add_argument("files", nargs="+", metavar="FILE", help="intake JSON; - for stdin")
    screen.add_argument("--format", choices=("json", "text"), default="json")
    screen.add_argument("--policy", metavar="FILE", help="clinic policy overrides (JSON)")
    screen.set_defaults(handler=_guarded(cmd_screen))

    plan = sub.add_parser("plan", help="build a treatment plan (anagen.plan/1)")
    plan.add_argument("file", metavar="FILE", help="intake JSON; - for stdin")
    plan.add_argument("--start", required=True, metavar="YYYY-MM-DD", help="first session")
    plan.add_argument("--protocol", metavar="ID", help="protocol id (default: the best fit)")
    plan.add_argument("--prices", metavar="FILE", help="price list (JSON)")
    plan.add_argument("--policy", metavar="FILE", help="clinic policy overrides (JSON)")
    plan.set_defaults(handler=_guarded(cmd_plan))

    sched = sub.add_parser(
        "schedule", help="book courses into the clinic diary (anagen.schedule-scenario/1)"
    )
    sched.add_argument("file", metavar="SCENARIO", help="scenario JSON; - for stdin")
    sched.add_argument("--solver", choices=SOLVERS, default="cp-sat")
    sched.add_argument(
        "--time-limit", type=float, default=30.0, metavar="S", help="seconds (default 30)"
    )
    sched.set_defaults(handler=_guarded(cmd_schedule))

    knowledge = sub.add_parser("knowledge", help="read the clinical knowledge base")
    knowledge_sub = knowledge.add_subparsers(dest="knowledge_command", required=True)
    knowledge_sub.add_parser("list", help="every record: kind, id, title").set_defaults(
        handler=_guarded(cmd_knowledge_list)
    )
    show = knowledge_sub.add_parser("show", help="one record with its sources, as JSON")
    show.add_argument("id")
    show.set_defaults(handler=_guarded(cmd_knowledge_show))

    schema_cmd = sub.add_parser("schema", help="print a JSON Schema")
    schema_cmd.add_argument("name", choices=SCHEMA_NAMES)
    schema_cmd.set_defaults(handler=_guarded(cmd_schema))


def _guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except _BadInput as error:
            print(f"anagen {args.command}: {error}", file=sys.stderr)
            return INVALID

    return run


# --- Commands ------------------------------------------------------------------------------


def cmd_screen(args: argparse.Namespace) -> int:
    kb = _knowledge(args.policy)
    results, errors = [], []
    for name in args.files:
        try:
            with _naming(name):
                results.append((name, screen_document(_read_json(name), kb)[1].as_json()))
        except _BadInput as error:
            errors.append(str(error))
    if errors:  # nothing is printed unless every file could be read
        raise _BadInput("\n".join(errors))
    for name, result in results:
        if args.format == "text":
            _print_table(name, result, sys.stdout)
        else:
            print(json.dumps(result, ensure_ascii=False, indent=None if len(results) > 1 else 2))
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    kb = _knowledge(args.policy)
    start = _date(args.start, "--start")
    prices = _prices(args.prices)
    doc = _read_json(args.file)
    with _naming(args.file):
        plan = plan_document(doc, kb, start=start, protocol_id=args.protocol, prices=prices)
    print(json.dumps(plan, ensure_ascii=False, indent=2))
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    if not (math.isfinite(args.time_limit) and args.time_limit > 0):
        raise _BadInput(f"--time-limit: {args.time_limit} is not a number of seconds above 0")
    doc = _read_json(args.file)
    with _naming(args.file):
        result = schedule_document(doc, args.solver, args.time_limit)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


def cmd_knowledge_list(args: argparse.Namespace) -> int:
    kb = load()
    print(f"# Anagen knowledge base {kb.version}")
    for key, (kind, record) in kb.raw.items():
        title = record.get("title") or record.get("name") or record.get("label") or ""
        title = title or record.get("citation", "") or record.get("text", "")
        print(f"{kind:<11} {key:<28} {textwrap.shorten(str(title), 90)}")
    return 0


def cmd_knowledge_show(args: argparse.Namespace) -> int:
    kb = load()
    if args.id not in kb.raw:
        raise _BadInput(f"id: unknown record {args.id!r}; 'anagen knowledge list' lists them")
    kind, record = kb.raw[args.id]
    cited = [_source_json(kb, s) for s in record.get("sources", ())]
    out = {"kind": kind, "knowledge_version": kb.version, **record, "cited": cited}
    print(json.dumps(out, ensure_ascii=False, indent=2, default=str))
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    print(json.dumps(schema(args.name, load()), indent=2))
    return 0


# --- Input --------------------------------------------------------------------------------


@contextmanager
def _naming(name: str) -> Iterator[None]:
    """Turn an InvalidDocument into a one-line message that starts with the file name."""
    try:
        yield
    except InvalidDocument as error:
        raise _BadInput(f"{'stdin' if name == '-' else name}: {error}") from None


def _read_json(name: str) -> Any:
    label = "stdin" if name == "-" else name
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise _BadInput(
            f"{label}: cannot read: {getattr(error, 'strerror', None) or error}"
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise _BadInput(
            f"{label}: not JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None


def _knowledge(policy: str | None) -> Knowledge:
    kb = load()
    if policy is None:
        return kb
    with _naming(policy):
        return with_policy(kb, _object(_read_json(policy), policy))


def _prices(name: str | None) -> PriceList | None:
    if name is None:
        return None
    with _naming(name):
        return read_prices(_read_json(name))


def _object(doc: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(doc, Mapping):
        raise _BadInput(f"{name}: must be a JSON object")
    return doc


def _date(value: str, option: str) -> dt.date:
    try:
        parsed = dt.date.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or len(value) != len("YYYY-MM-DD"):
        raise _BadInput(f"{option}: {value!r} is not a date (YYYY-MM-DD)")
    return parsed


def _source_json(kb: Knowledge, source_id: str) -> dict[str, str]:
    source = kb.sources[source_id]
    return {"id": source.id, "citation": source.citation, "url": source.url, "doi": source.doi,
            "evidence": source.evidence}  # fmt: skip


# --- Text output ---------------------------------------------------------------------------


def _print_table(name: str, result: Mapping[str, Any], out: TextIO) -> None:
    out.write(f"{name}: {result['verdict'].upper()}  (knowledge {result['knowledge_version']})\n")
    for line in _rows(result):
        out.write(line + "\n")
    out.write("\n")


def _rows(result: Mapping[str, Any]) -> Iterator[str]:
    findings = result["findings"]
    if findings:
        yield f"  {'severity':<11} {'rule':<10} {'topic':<22} message"
    for f in findings:
        message = textwrap.wrap(f["message"], 70) or [""]
        yield f"  {f['severity']:<11} {f['rule']:<10} {f['topic']:<22} {message[0]}"
        yield from (f"  {'':<45} {line}" for line in message[1:])
    if result["excluded_ingredients"]:
        yield f"  excluded: {', '.join(result['excluded_ingredients'])}"
    if result["missing"]:
        yield f"  missing:  {', '.join(result['missing'])}"
