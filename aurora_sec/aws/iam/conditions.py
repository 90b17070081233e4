"""IAM condition operators, policy variables and wildcard patterns, as data.

A policy's ``Condition`` block is compiled once, when the policy is parsed, into
:class:`ConditionClause` objects; evaluating one against a request context is then a few
dictionary lookups and comparisons. The operators are rows of :data:`OPERATORS` (name, family,
negated or not, how a policy value is compiled, how one request value is compared with it), so
tests and docs can enumerate them.

Semantics reproduced from the IAM User Guide ("IAM JSON policy elements: Condition operators",
"Single-valued vs. multivalued context keys", "IAM policy elements: Variables and tags"):

* condition KEY names are case-insensitive (``aws:SourceIp`` == ``AWS:SOURCEIP``); values are
  compared as the operator says (``StringEquals`` case-sensitive, ``...IgnoreCase`` not,
  ``StringLike`` with ``*`` and ``?`` wildcards, ``Bool`` case-insensitive ``true``/``false``);
* several values for one key are ORed, several keys and operators are ANDed;
* a key missing from the request context: the condition is false, except for the negated
  operators (``StringNotEquals``, ``NotIpAddress``, ``ArnNotLike``...) where it is true, the
  ``...IfExists`` forms where it is true, and ``Null`` which tests exactly that;
* ``ForAllValues:`` is true when every request value matches (and true for a missing key or an
  empty set); ``ForAnyValue:`` is true when at least one request value matches (false for a
  missing key or an empty set); with a negated operator, a request value "matches" when it
  equals none of the policy values;
* ``ArnEquals`` and ``ArnLike`` are the same operator: each of the six colon-separated ARN
  components is matched separately, with ``*`` and ``?`` wildcards, case-sensitively;
* policy variables ``${aws:username}`` (and any context key), with a default
  ``${aws:PrincipalTag/team, 'none'}``, and the escapes ``${*}``, ``${?}``, ``${$}`` for a
  literal ``*``, ``?``, ``$``; they are recognised in the ``Resource`` element and in string and
  ARN conditions of ``2012-10-17`` policies only.

UNCONFIRMED (no AWS text found; choices documented in docs/fidelity.md, "IAM"):

* a single-valued operator given a multivalued request key is true when any request value
  matches (negated: when none does);
* a variable whose key is missing (and has no default) or is multivalued makes the pattern
  that contains it match nothing;
* a substituted variable value is matched literally (a ``*`` in a user name is not a wildcard).
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import functools
import ipaddress
import math
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final, Literal

import attrs

__all__ = [
    "OPERATORS",
    "ConditionClause",
    "Context",
    "OperatorSpec",
    "Pattern",
    "compile_clause",
    "compile_pattern",
    "parse_date",
    "split_operator",
]

#: A request context: lower-cased key -> its values (one for single-valued keys).
Context = Mapping[str, tuple[str, ...]]

PatternMode = Literal["exact", "glob", "ignorecase"]

# --------------------------------------------------------------------------- variables ---

_VARIABLE_RE: Final = re.compile(r"\$\{([^}]*)\}")
_VARIABLE_BODY_RE: Final = re.compile(r"\s*([^\s,']+)\s*(?:,\s*'([^']*)'\s*)?")
_ESCAPES: Final = {"*": "*", "?": "?", "$": "$"}


@attrs.frozen
class _Var:
    """``${key}`` or ``${key, 'default'}``."""

    key: str
    default: str | None


@attrs.frozen
class _Char:
    """An escaped character (``${*}``): always literal, never a wildcard."""

    char: str


_Part = str | _Var | _Char


def _parse_template(text: str, variables: bool) -> tuple[_Part, ...]:
    if not variables or "${" not in text:
        return (text,)
    parts: list[_Part] = []
    pos = 0
    for m in _VARIABLE_RE.finditer(text):
        if m.start() > pos:
            parts.append(text[pos : m.start()])
        body = m.group(1)
        if body in _ESCAPES:
            parts.append(_Char(_ESCAPES[body]))
        else:
            vm = _VARIABLE_BODY_RE.fullmatch(body)
            if vm is None:
                parts.append(m.group(0))
            else:
                parts.append(_Var(vm.group(1).lower(), vm.group(2)))
        pos = m.end()
    if pos < len(text):
        parts.append(text[pos:])
    return tuple(parts)


def _lookup_variable(var: _Var, ctx: Context) -> str | None:
    values = ctx.get(var.key)
    if values is not None and len(values) == 1:
        return values[0]
    return var.default


# ---------------------------------------------------------------------------- patterns ---


@functools.lru_cache(maxsize=4096)
def _glob_regex(pieces: tuple[tuple[bool, str], ...], ignore_case: bool) -> re.Pattern[str]:
    """Regex for a sequence of (is_wild_text, text): wildcards only in wild text."""
    out: list[str] = []
    for wild, text in pieces:
        if not wild:
            out.append(re.escape(text))
            continue
        for ch in text:
            if ch == "*":
                out.append(".*")
            elif ch == "?":
                out.append(".")
            else:
                out.append(re.escape(ch))
    return re.compile("".join(out), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


class Pattern:
    """A compiled policy string: a Resource entry or one condition value.

    ``mode`` is ``"exact"`` (StringEquals), ``"glob"`` (StringLike, Resource: ``*`` and ``?``)
    or ``"ignorecase"``. :meth:`match` never raises.
    """

    __slots__ = ("_check", "mode", "text", "uses_variables")

    def __init__(self, text: str, mode: PatternMode, variables: bool) -> None:
        self.text = text
        self.mode = mode
        parts = _parse_template(text, variables)
        self.uses_variables = any(isinstance(p, _Var) for p in parts)
        self._check = self._compile(parts, mode)

    @staticmethod
    def _compile(parts: tuple[_Part, ...], mode: PatternMode) -> Callable[[str, Context], bool]:
        static: list[tuple[bool, str]] = []
        for p in parts:
            if isinstance(p, str):
                static.append((mode == "glob", p))
            elif isinstance(p, _Char):
                static.append((False, p.char))
        if len(static) == len(parts):
            # No variables: resolve the escapes now.
            if mode == "glob":
                if static == [(True, "*")]:
                    return lambda value, ctx: True
                if not any(w and ("*" in t or "?" in t) for w, t in static):
                    exact = "".join(t for _, t in static)
                    return lambda value, ctx: value == exact
                regex = _glob_regex(tuple(static), False)
                return lambda value, ctx: regex.fullmatch(value) is not None
            literal = "".join(t for _, t in static)
            if mode == "ignorecase":
                folded = literal.casefold()
                return lambda value, ctx: value.casefold() == folded
            return lambda value, ctx: value == literal

        def dynamic(value: str, ctx: Context) -> bool:
            pieces: list[tuple[bool, str]] = []
            for p in parts:
                if isinstance(p, str):
                    pieces.append((mode == "glob", p))
                elif isinstance(p, _Char):
                    pieces.append((False, p.char))
                else:
                    resolved = _lookup_variable(p, ctx)
                    if resolved is None:
                        return False
                    pieces.append((False, resolved))
            if mode == "glob":
                return _glob_regex(tuple(pieces), False).fullmatch(value) is not None
            literal = "".join(t for _, t in pieces)
            if mode == "ignorecase":
                return value.casefold() == literal.casefold()
            return value == literal

        return dynamic

    def match(self, value: str, ctx: Context) -> bool:
        return self._check(value, ctx)

    def __repr__(self) -> str:
        return f"Pattern({self.text!r}, {self.mode!r})"


@functools.lru_cache(maxsize=1024)
def _static_pattern(text: str, mode: PatternMode, variables: bool) -> Pattern:
    return Pattern(text, mode, variables)


def compile_pattern(text: str, mode: PatternMode, variables: bool) -> Pattern:
    """A :class:`Pattern` for ``text`` (shared between policies: patterns are immutable)."""
    return _static_pattern(text, mode, variables)


class _ArnPattern:
    """ArnEquals / ArnLike: six colon-separated components, each a glob."""

    __slots__ = ("_parts",)

    def __init__(self, text: str, variables: bool) -> None:
        pieces = text.split(":", 5)
        self._parts: tuple[Pattern, ...] | None = (
            tuple(compile_pattern(p, "glob", variables) for p in pieces)
            if len(pieces) == 6
            else None
        )

    def match(self, value: str, ctx: Context) -> bool:
        if self._parts is None:
            return False
        pieces = value.split(":", 5)
        if len(pieces) != 6:
            return False
        return all(p.match(v, ctx) for p, v in zip(self._parts, pieces, strict=True))


# ------------------------------------------------------------------------- value types ---


def _parse_number(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_date(text: str) -> float | None:
    """Epoch seconds of an ISO 8601 date/time or an epoch-seconds integer, else None."""
    text = text.strip()
    if not text:
        return None
    try:
        if re.fullmatch(r"-?[0-9]+", text):
            return float(int(text))
        when = _dt.datetime.fromisoformat(text.replace("z", "Z"))
        if when.tzinfo is None:
            when = when.replace(tzinfo=_dt.UTC)
        return when.timestamp()
    except (ValueError, OverflowError):
        return None


def _parse_binary(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _parse_ip(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


@functools.lru_cache(maxsize=1024)
def _request_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        try:
            return ipaddress.ip_network(text.strip(), strict=False).network_address
        except ValueError:
            return None


def _ip_in(value: str, network: Any, ctx: Context) -> bool:
    address = _request_ip(value)
    return address is not None and address.version == network.version and address in network


def _number_test(op: Callable[[float, float], bool]) -> Callable[[str, Any, Context], bool]:
    def test(value: str, policy: Any, ctx: Context) -> bool:
        number = _parse_number(value)
        return number is not None and op(number, policy)

    return test


def _date_test(op: Callable[[float, float], bool]) -> Callable[[str, Any, Context], bool]:
    def test(value: str, policy: Any, ctx: Context) -> bool:
        when = parse_date(value)
        return when is not None and op(when, policy)

    return test


def _eq(a: float, b: float) -> bool:
    return a == b


def _lt(a: float, b: float) -> bool:
    return a < b


def _le(a: float, b: float) -> bool:
    return a <= b


def _gt(a: float, b: float) -> bool:
    return a > b


def _ge(a: float, b: float) -> bool:
    return a >= b


def _pattern_test(value: str, policy: Any, ctx: Context) -> bool:
    return bool(policy.match(value, ctx))


def _bool_test(value: str, policy: Any, ctx: Context) -> bool:
    return bool(value.strip().lower() == policy)


def _binary_test(value: str, policy: Any, ctx: Context) -> bool:
    decoded = _parse_binary(value)
    return decoded is not None and decoded == policy


def _bool_value(text: str, variables: bool) -> str | None:
    low = text.strip().lower()
    return low if low in ("true", "false") else None


# -------------------------------------------------------------------------- the table ---


@attrs.frozen
class OperatorSpec:
    """One condition operator: how its policy values compile, how a request value compares.

    ``test(request_value, compiled_policy_value, ctx)`` is the positive comparison; a
    ``negated`` operator is true when no policy value matches.
    """

    name: str
    family: str
    negated: bool
    compile_value: Callable[[str, bool], Any] = attrs.field(repr=False)
    test: Callable[[str, Any, Context], bool] = attrs.field(repr=False)
    description: str = ""


def _string(mode: PatternMode) -> Callable[[str, bool], Any]:
    return lambda text, variables: compile_pattern(text, mode, variables)


def _numeric(text: str, variables: bool) -> float | None:
    return _parse_number(text)


def _date(text: str, variables: bool) -> float | None:
    return parse_date(text)


def _binary(text: str, variables: bool) -> bytes | None:
    return _parse_binary(text)


def _ip(text: str, variables: bool) -> Any:
    return _parse_ip(text)


def _arn(text: str, variables: bool) -> _ArnPattern:
    return _ArnPattern(text, variables)


def _null(text: str, variables: bool) -> str | None:
    return _bool_value(text, variables)


_ROWS: tuple[tuple[str, str, bool, Callable[[str, bool], Any], Any, str], ...] = (
    ("StringEquals", "String", False, _string("exact"), _pattern_test, "exact, case-sensitive"),
    ("StringNotEquals", "String", True, _string("exact"), _pattern_test, "negated exact"),
    (
        "StringEqualsIgnoreCase",
        "String",
        False,
        _string("ignorecase"),
        _pattern_test,
        "exact, ignoring case",
    ),
    (
        "StringNotEqualsIgnoreCase",
        "String",
        True,
        _string("ignorecase"),
        _pattern_test,
        "negated, ignoring case",
    ),
    (
        "StringLike",
        "String",
        False,
        _string("glob"),
        _pattern_test,
        "case-sensitive, * and ? wildcards",
    ),
    ("StringNotLike", "String", True, _string("glob"), _pattern_test, "negated StringLike"),
    ("NumericEquals", "Numeric", False, _numeric, _number_test(_eq), "="),
    ("NumericNotEquals", "Numeric", True, _numeric, _number_test(_eq), "!="),
    ("NumericLessThan", "Numeric", False, _numeric, _number_test(_lt), "<"),
    ("NumericLessThanEquals", "Numeric", False, _numeric, _number_test(_le), "<="),
    ("NumericGreaterThan", "Numeric", False, _numeric, _number_test(_gt), ">"),
    ("NumericGreaterThanEquals", "Numeric", False, _numeric, _number_test(_ge), ">="),
    ("DateEquals", "Date", False, _date, _date_test(_eq), "same instant"),
    ("DateNotEquals", "Date", True, _date, _date_test(_eq), "not the same instant"),
    ("DateLessThan", "Date", False, _date, _date_test(_lt), "before"),
    ("DateLessThanEquals", "Date", False, _date, _date_test(_le), "at or before"),
    ("DateGreaterThan", "Date", False, _date, _date_test(_gt), "after"),
    ("DateGreaterThanEquals", "Date", False, _date, _date_test(_ge), "at or after"),
    ("Bool", "Bool", False, _bool_value, _bool_test, "true / false, case-insensitive"),
    ("BinaryEquals", "Binary", False, _binary, _binary_test, "base64-decoded bytes equal"),
    ("IpAddress", "Ip", False, _ip, _ip_in, "address in CIDR (IPv4 or IPv6)"),
    ("NotIpAddress", "Ip", True, _ip, _ip_in, "address in none of the CIDRs"),
    ("ArnEquals", "Arn", False, _arn, _pattern_test, "six ARN components, each with wildcards"),
    ("ArnLike", "Arn", False, _arn, _pattern_test, "same as ArnEquals"),
    ("ArnNotEquals", "Arn", True, _arn, _pattern_test, "negated ArnEquals"),
    ("ArnNotLike", "Arn", True, _arn, _pattern_test, "negated ArnLike"),
    ("Null", "Null", False, _null, None, "true: the key is absent; false: it is present"),
)

#: Every condition operator IAM accepts, by its (case-sensitive) name.
OPERATORS: Mapping[str, OperatorSpec] = MappingProxyType(
    {
        name: OperatorSpec(name, family, negated, compile_value, test, description)
        for name, family, negated, compile_value, test, description in _ROWS
    }
)

_SET_PREFIXES: Final = ("ForAllValues:", "ForAnyValue:")
_VARIABLE_FAMILIES: Final = frozenset({"String", "Arn"})

SetOperator = Literal["ForAllValues", "ForAnyValue"]


def split_operator(name: str) -> tuple[SetOperator | None, str, bool]:
    """``ForAnyValue:StringLikeIfExists`` -> ("ForAnyValue", "StringLike", True)."""
    set_op: SetOperator | None = None
    for prefix in _SET_PREFIXES:
        if name.startswith(prefix):
            set_op = "ForAllValues" if prefix == "ForAllValues:" else "ForAnyValue"
            name = name[len(prefix) :]
            break
    if_exists = name.endswith("IfExists")
    if if_exists:
        name = name[: -len("IfExists")]
    return set_op, name, if_exists


def _value_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class ConditionClause:
    """One (operator, key, values) triple of a Condition block, compiled."""

    __slots__ = (
        "_compiled",
        "_null_values",
        "if_exists",
        "key",
        "key_text",
        "operator",
        "set_op",
        "spec",
        "values",
    )

    def __init__(self, operator: str, key: str, values: tuple[str, ...], variables: bool) -> None:
        set_op, base, if_exists = split_operator(operator)
        spec = OPERATORS[base]
        self.operator = operator
        self.spec = spec
        self.set_op = set_op
        self.if_exists = if_exists
        self.key_text = key
        self.key = key.lower()
        self.values = values
        use_variables = variables and spec.family in _VARIABLE_FAMILIES
        compiled = [spec.compile_value(v, use_variables) for v in values]
        self._compiled: tuple[Any, ...] = tuple(c for c in compiled if c is not None)
        self._null_values: tuple[bool, ...] = tuple(c == "true" for c in compiled if c is not None)

    def _matches(self, value: str, ctx: Context) -> bool:
        test = self.spec.test
        for p in self._compiled:  # noqa: SIM110 (hot path: no generator)
            if test(value, p, ctx):
                return True
        return False

    def evaluate(self, ctx: Context) -> bool:
        """True when this clause holds for ``ctx``. Never raises."""
        values = ctx.get(self.key)
        if self.spec.family == "Null":
            absent = not values
            return any(want == absent for want in self._null_values)
        if not values:
            if self.if_exists:
                return True
            if self.set_op is None:
                return self.spec.negated
            return self.set_op == "ForAllValues"
        negated = self.spec.negated
        if self.set_op is None:
            if len(values) == 1:
                return self._matches(values[0], ctx) != negated
            for v in values:
                if self._matches(v, ctx):
                    return not negated
            return negated
        if self.set_op == "ForAllValues":
            return all(self._matches(v, ctx) != negated for v in values)
        return any(self._matches(v, ctx) != negated for v in values)

    def __repr__(self) -> str:
        return f"ConditionClause({self.operator!r}, {self.key_text!r}, {self.values!r})"


def compile_clause(operator: str, key: str, raw: object, variables: bool) -> ConditionClause:
    """Compile one clause; ``raw`` is the JSON value (a scalar or a list of scalars)."""
    items = raw if isinstance(raw, list) else [raw]
    return ConditionClause(operator, key, tuple(_value_text(v) for v in items), variables)
