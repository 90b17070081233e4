"""``aurora-sec policy simulate``: the IAM decision for a policy document, as AWS's policy
simulator (``SimulateCustomPolicy``) gives it, with the statements that decided.

The decision is ``allowed``, ``explicitDeny`` or ``implicitDeny``. ``--context`` supplies the
request's context keys (the simulator, like AWS's, fills in none by itself; the keys a
statement tested but that were not supplied are listed as missing).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aurora_sec.aws.account import Account
from aurora_sec.cli_commands import UsageError
from aurora_sec.cli_commands.output import Painter, to_json
from aurora_sec.errors import AwsError, ParamValidationError

__all__ = ["add_parser", "context_entries", "run", "simulate_files"]

#: Context key types inferred from well-known global keys (everything else is a string).
_KEY_TYPES = {
    "aws:currenttime": "date",
    "aws:epochtime": "numeric",
    "aws:sourceip": "ip",
    "aws:securetransport": "boolean",
    "aws:multifactorauthpresent": "boolean",
    "aws:multifactorauthage": "numeric",
    "aws:viaawsservice": "boolean",
}

EPILOG = """\
Exit status: 0 when every (action, resource) pair is allowed, 1 when any is denied (explicitly
or implicitly), 2 for bad usage or a malformed policy document (AWS's MalformedPolicyDocument
message on stderr).

examples:
  aurora-sec policy simulate policy.json --action rds:CreateDBCluster \\
      --resource arn:aws:rds:us-east-1:123456789012:cluster:prod
  aurora-sec policy simulate policy.json --action rds-db:connect \\
      --resource arn:aws:rds-db:us-east-1:123456789012:dbuser:cluster-ABC/app \\
      --context aws:SourceIp=203.0.113.10 --context aws:SecureTransport=true
"""


def context_entries(items: Sequence[str]) -> list[dict[str, Any]]:
    """``["key=value", ...]`` -> ``ContextEntries`` (a repeated key becomes a list type)."""
    values: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--context expects KEY=VALUE, got {item!r}")
        lowered = key.strip().lower()
        names.setdefault(lowered, key.strip())
        values.setdefault(lowered, []).append(value)
    entries: list[dict[str, Any]] = []
    for lowered, vals in values.items():
        kind = _KEY_TYPES.get(lowered, "string")
        entries.append(
            {
                "ContextKeyName": names[lowered],
                "ContextKeyValues": vals,
                "ContextKeyType": kind if len(vals) == 1 else f"{kind}List",
            }
        )
    return entries


def simulate_files(
    documents: Sequence[str],
    actions: Sequence[str],
    resources: Sequence[str],
    context: Sequence[dict[str, Any]] = (),
) -> list[dict[str, Any]]:
    """``EvaluationResults`` of ``SimulateCustomPolicy`` for these policy texts."""
    iam = Account().client("iam")
    params: dict[str, Any] = {"PolicyInputList": list(documents), "ActionNames": list(actions)}
    if resources:
        params["ResourceArns"] = list(resources)
    if context:
        params["ContextEntries"] = list(context)
    results: list[dict[str, Any]] = []
    while True:
        page = iam.simulate_custom_policy(**params)
        results.extend(page["EvaluationResults"])
        if not page.get("IsTruncated"):
            return results
        params["Marker"] = page["Marker"]


def _statement_text(document: str, matched: dict[str, Any]) -> dict[str, Any] | None:
    """The statement a ``MatchedStatements`` entry points at, parsed (None if not found)."""
    lines = document.split("\n")
    start, end = matched.get("StartPosition"), matched.get("EndPosition")
    if not start or not end:
        return None
    try:
        first, last = start["Line"] - 1, end["Line"] - 1
        if first == last:
            text = lines[first][start["Column"] - 1 : end["Column"] - 1]
        else:
            text = "\n".join(
                [
                    lines[first][start["Column"] - 1 :],
                    *lines[first + 1 : last],
                    lines[last][: end["Column"] - 1],
                ]
            )
        value = json.loads(text)
    except (IndexError, KeyError, TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _summary(statement: dict[str, Any] | None) -> str:
    if statement is None:
        return ""
    parts = []
    if "Sid" in statement:
        parts.append(f"Sid {statement['Sid']!r}")
    effect = statement.get("Effect")
    for key in ("Action", "NotAction"):
        if key in statement:
            value = statement[key]
            shown = ", ".join(value) if isinstance(value, list) else str(value)
            parts.append(f"{effect} {key} {shown}")
    if "Condition" in statement:
        parts.append("with conditions")
    return ": " + "; ".join(parts) if parts else ""


def render_text(
    results: Sequence[dict[str, Any]],
    names: Sequence[str],
    documents: Sequence[str],
    paint: Painter,
) -> str:
    colour = {"allowed": "green", "explicitDeny": "red", "implicitDeny": "yellow"}
    lines: list[str] = []
    for result in results:
        decision = result["EvalDecision"]
        lines.append(
            f"{result['EvalActionName']} on {result['EvalResourceName']}: "
            + paint(decision, colour.get(decision, "bold"))
        )
        for matched in result.get("MatchedStatements") or ():
            source = str(matched.get("SourcePolicyId", ""))
            label = source
            index = source.rpartition(".")[2]
            document = None
            if source.startswith("PolicyInputList.") and index.isdigit():
                k = int(index) - 1
                if 0 <= k < len(names):
                    label = f"{names[k]} ({source})"
                    document = documents[k]
            start, end = matched.get("StartPosition") or {}, matched.get("EndPosition") or {}
            where = f"line {start.get('Line')}, column {start.get('Column')} to line {end.get('Line')}, column {end.get('Column')}"
            statement = _statement_text(document, matched) if document is not None else None
            lines.append(f"  matched {label} {where}{_summary(statement)}")
        if not result.get("MatchedStatements") and decision == "implicitDeny":
            lines.append("  no statement allows it")
        missing = result.get("MissingContextValues") or []
        if missing:
            lines.append("  missing context values: " + ", ".join(missing))
    return "\n".join(lines)


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "policy",
        help="IAM policy tools (policy simulate)",
        description="IAM policy tools.",
    )
    inner = parser.add_subparsers(dest="policy_command", metavar="SUBCOMMAND")
    simulate = inner.add_parser(
        "simulate",
        help="the IAM decision for a policy document, with the matched statements",
        description="Evaluate identity policy documents for actions and resources, as IAM's "
        "SimulateCustomPolicy does: allowed, explicitDeny or implicitDeny, with the "
        "statements that decided.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    simulate.add_argument(
        "policies", nargs="+", metavar="POLICY.json", help="identity policy documents"
    )
    simulate.add_argument(
        "--action",
        action="append",
        required=True,
        metavar="ACTION",
        help="action to evaluate, e.g. rds:CreateDBCluster (repeatable)",
    )
    simulate.add_argument(
        "--resource",
        action="append",
        default=[],
        metavar="ARN",
        help="resource ARN (repeatable; default *)",
    )
    simulate.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="request context key, e.g. aws:SourceIp=203.0.113.10 (repeatable; a repeated "
        "key gives several values)",
    )
    simulate.add_argument(
        "--format", choices=("text", "json"), default="text", help="text (default) or json"
    )
    simulate.set_defaults(run=run)

    def usage(_: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return 2

    parser.set_defaults(run=usage)
    return parser


def _read(paths: Sequence[str]) -> list[str]:
    documents = []
    for name in paths:
        try:
            documents.append(Path(name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UsageError(f"{name}: No such file or directory") from None
        except UnicodeDecodeError as err:
            raise UsageError(f"{name}: not UTF-8 text ({err.reason})") from None
        except OSError as err:
            raise UsageError(f"{name}: {err.strerror}") from None
    return documents


def run(args: argparse.Namespace) -> int:
    documents = _read(args.policies)
    try:
        results = simulate_files(
            documents, args.action, args.resource, context_entries(args.context)
        )
    except AwsError as err:
        if err.code == "MalformedPolicyDocument":
            print(str(err), file=sys.stderr)
            return 2
        raise UsageError(f"{err.code}: {err.message}") from None
    except ParamValidationError as err:
        raise UsageError(str(err)) from None
    if args.format == "json":
        print(to_json(results))
    else:
        print(render_text(results, args.policies, documents, Painter(sys.stdout)))
    return 0 if all(r["EvalDecision"] == "allowed" for r in results) else 1
