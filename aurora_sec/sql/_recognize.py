"""A hand-written recognizer for the commonest role statements, in front of pglast.

``pglast.parse_sql_json`` plus ``json.loads`` plus the builders cost 7-25 us a statement; the
everyday forms of role DDL are simple enough to recognise with one regular expression and a
few comparisons in 2-4 us. :func:`recognize` handles exactly these shapes (one statement,
optionally followed by ``;``)::

    CREATE ROLE | USER | GROUP name [WITH] [option ...]
    ALTER ROLE | USER name [WITH] [option ...]
    ALTER ROLE | USER | GROUP name RENAME TO name
    GRANT name [, ...] TO name [, ...]
    REVOKE name [, ...] FROM name [, ...]
    DROP ROLE | USER | GROUP [IF EXISTS] name [, ...]

where ``option`` is one of SUPERUSER, CREATEDB, CREATEROLE, LOGIN, REPLICATION, BYPASSRLS (and
their NO forms), INHERIT, NOINHERIT, [ENCRYPTED] PASSWORD 'literal', PASSWORD NULL, VALID UNTIL
'literal' and CONNECTION LIMIT [-]digits; names are plain ASCII identifiers of at most 63
characters that are no keyword of PostgreSQL 18 (nor ``public``). Anything else (comments,
quoted identifiers, escapes, non-ASCII text, other options, a second statement, a syntax error)
returns None and the caller parses with pglast. The statements it builds are the very values
the pglast path builds (it uses the same precheck and redaction helpers); the differential
tests in ``tests/sql/test_recognize.py`` compare the two on generated role statements and on
the whole conformance corpus.
"""

from __future__ import annotations

import re

import pglast.keywords

from aurora_sec.secrets import Secret
from aurora_sec.sql import statements as st
from aurora_sec.sql.classify import _Ctx, _redact, _role_precheck

__all__ = ["recognize"]

#: Every keyword of the grammar, in lower case: never a name here (pglast decides those).
_KEYWORDS: frozenset[str] = frozenset(
    pglast.keywords.RESERVED_KEYWORDS
    | pglast.keywords.UNRESERVED_KEYWORDS
    | pglast.keywords.COL_NAME_KEYWORDS
    | pglast.keywords.TYPE_FUNC_NAME_KEYWORDS
    | {"public"}
)

#: One token, after optional blanks: an identifier or keyword not glued to a quote (E'', U&''),
#: a plain string literal (no backslash), a small integer not glued to a letter, ``,`` or ``;``;
#: any other character is a token of its own kind that makes the text unrecognised.
_TOKEN = re.compile(
    r"[ \t\r\n]*(?:"
    r"([A-Za-z_][A-Za-z0-9_$]*)(?![A-Za-z0-9_$'\"&])"
    r"|('[^'\\]*(?:''[^'\\]*)*')(?!')"
    r"|(-?[0-9]{1,9})(?![A-Za-z0-9_$.'])"
    r"|(,)"
    r"|(;[ \t\r\n]*\Z)"
    r"|([\s\S])"
    r")"
)

#: The attribute options the grammar spells as identifiers: word -> (defname, value).
_FLAG_OPTIONS: dict[str, tuple[str, bool]] = {
    "superuser": ("superuser", True),
    "nosuperuser": ("superuser", False),
    "createdb": ("createdb", True),
    "nocreatedb": ("createdb", False),
    "createrole": ("createrole", True),
    "nocreaterole": ("createrole", False),
    "login": ("canlogin", True),
    "nologin": ("canlogin", False),
    "replication": ("isreplication", True),
    "noreplication": ("isreplication", False),
    "bypassrls": ("bypassrls", True),
    "nobypassrls": ("bypassrls", False),
    "noinherit": ("inherit", False),
    "inherit": ("inherit", True),
}

_ROLE_KINDS = {"role": st.RoleKind.ROLE, "user": st.RoleKind.USER, "group": st.RoleKind.GROUP}

_WORD, _STRING, _NUMBER, _PUNCT, _END, _OTHER = 1, 2, 3, 4, 5, 6


class _NotRecognized(Exception):
    """Internal: the text is not one of the recognised shapes."""


_NOT = _NotRecognized()

# A token: (kind, lower-cased text or the literal's value, start, end).
_Token = tuple[int, str, int, int]


def _tokens(sql: str) -> list[_Token] | None:
    """The tokens of ``sql`` up to an optional final ``;``, or None if anything is unusual."""
    out: list[_Token] = []
    append = out.append
    for m in _TOKEN.finditer(sql):
        kind = m.lastindex
        if kind == _WORD:
            append((_WORD, m.group(1).lower(), m.start(1), m.end()))
        elif kind == _STRING:
            append((_STRING, m.group(2)[1:-1].replace("''", "'"), m.start(2), m.end()))
        elif kind in (_NUMBER, _PUNCT):
            append((kind, m.group(kind), m.start(kind), m.end()))
        elif kind == _END:
            return out
        else:
            return None
    return out


class _Reader:
    __slots__ = ("i", "tokens")

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> str | None:
        """The next token's text if it is a word, else None (without consuming it)."""
        if self.i < len(self.tokens):
            token = self.tokens[self.i]
            if token[0] == _WORD:
                return token[1]
        return None

    def next(self) -> _Token:
        if self.i >= len(self.tokens):
            raise _NOT
        token = self.tokens[self.i]
        self.i += 1
        return token

    def word(self, *expected: str) -> str:
        token = self.next()
        if token[0] != _WORD or token[1] not in expected:
            raise _NOT
        return token[1]

    def name(self) -> _Token:
        token = self.next()
        if token[0] != _WORD or token[1] in _KEYWORDS or len(token[1]) > 63:
            raise _NOT
        return token

    def names(self) -> list[_Token]:
        out = [self.name()]
        tokens = self.tokens
        while self.i < len(tokens) and tokens[self.i][0] == _PUNCT:
            self.i += 1
            out.append(self.name())
        return out

    def at_end(self) -> bool:
        return self.i == len(self.tokens)


#: The field of :class:`RoleOptions` each option sets (the class's own table).
_FIELD_OF = st.RoleOptions._FIELD_OF


def _options(reader: _Reader, base_rel: int) -> tuple[st.RoleOptions, list[tuple[int, int]]]:
    """The option list up to the end (as ``RoleOptions.from_items`` builds it), and the
    password literals' spans relative to the text."""
    items: list[st.RoleOption] = []
    values: dict[str, object] = {}
    secrets: list[tuple[int, int]] = []
    tokens = reader.tokens
    count = len(tokens)
    i = reader.i
    while i < count:
        kind, word, start, _ = tokens[i]
        if kind != _WORD:
            raise _NOT
        flag = _FLAG_OPTIONS.get(word)
        i += 1
        name: str
        value: st.RoleOptionValue
        if flag is not None:
            name, value = flag
        else:
            arg = tokens[i] if i < count else None
            if word == "encrypted":
                if arg is None or arg[1] != "password" or arg[0] != _WORD:
                    raise _NOT
                i += 1
                arg = tokens[i] if i < count else None
            if arg is None:
                raise _NOT
            i += 1
            if word == "password" or word == "encrypted":
                name = "password"
                if arg[0] == _STRING:
                    value = st.PasswordSpec(Secret(arg[1]), word == "encrypted", start)
                    secrets.append((arg[2] - base_rel, arg[3] - base_rel))
                elif arg[0] == _WORD and arg[1] == "null" and word == "password":
                    value = st.PasswordSpec(None, False, start)
                else:
                    raise _NOT
            elif word == "valid" or word == "connection":
                if arg[0] != _WORD or arg[1] != ("until" if word == "valid" else "limit"):
                    raise _NOT
                arg = tokens[i] if i < count else None
                i += 1
                if word == "valid":
                    if arg is None or arg[0] != _STRING:
                        raise _NOT
                    name, value = "validUntil", arg[1]
                else:
                    if arg is None or arg[0] != _NUMBER:
                        raise _NOT
                    name, value = "connectionlimit", int(arg[1])
            else:
                raise _NOT
        items.append(st.RoleOption(name, value, start))
        field = _FIELD_OF[name]
        if field not in values:
            values[field] = value
    reader.i = i
    if not items:
        return st.RoleOptions.from_items(()), secrets
    return st.RoleOptions(items=tuple(items), **values), secrets  # type: ignore[arg-type]


_CTX: dict[int, _Ctx] = {}


def _precheck(
    major: int,
    options: st.RoleOptions,
    *,
    create: bool,
    target: st.RoleRef | None = None,
) -> st.Precheck | None:
    """``_role_precheck``, called only when it can find something: a reserved target, a
    repeated option or a connection limit below -1 (this recognizer never builds SYSID)."""
    items = options.items
    if (
        (target is None or not target.name or not target.name.startswith("pg_"))
        and (len(items) < 2 or len({item.name for item in items}) == len(items))
        and (options.connection_limit is None or options.connection_limit >= -1)
    ):
        return None
    ctx = _CTX.get(major)
    if ctx is None:
        ctx = _CTX[major] = _Ctx("", 0, major)  # _role_precheck reads only the major
    return _role_precheck(ctx, items, create=create, target=target)


def _common(sql: str, tokens: list[_Token]) -> tuple[str, st.Span, int]:
    start, end = tokens[0][2], tokens[-1][3]
    return sql[start:end], _span(start, end), start


def _create(sql: str, major: int, reader: _Reader) -> st.Statement:
    kind = _ROLE_KINDS[reader.word("role", "user", "group")]
    name = reader.name()[1]
    if reader.peek() == "with":
        reader.i += 1
    text, span, start = _common(sql, reader.tokens)
    options, secrets = _options(reader, start)
    return st.CreateRole(
        kind=kind,
        name=name,
        options=options,
        precheck=_precheck(major, options, create=True),
        text=text,
        span=span,
        redacted=_redact(text, secrets) if secrets else text,
    )


def _alter(sql: str, major: int, reader: _Reader) -> st.Statement:
    which = reader.word("role", "user", "group")
    _, name, location, _ = reader.name()
    text, span, start = _common(sql, reader.tokens)
    if reader.peek() == "rename":
        reader.i += 1
        reader.word("to")
        new = reader.name()[1]
        if not reader.at_end():
            raise _NOT
        return st.RenameRole(old=name, new=new, text=text, span=span, redacted=text)
    if which == "group":
        raise _NOT
    if reader.peek() == "with":
        reader.i += 1
    options, secrets = _options(reader, start)
    target = st.RoleRef(st.RoleRefKind.NAME, name, location)
    return st.AlterRole(
        target=target,
        options=options,
        precheck=_precheck(major, options, create=False, target=target),
        text=text,
        span=span,
        redacted=_redact(text, secrets) if secrets else text,
    )


def _grant(sql: str, reader: _Reader, *, grant: bool) -> st.Statement:
    roles = tuple(st.GrantedRole(token[1], ()) for token in reader.names())
    reader.word("to" if grant else "from")
    grantees = tuple(
        st.RoleRef(st.RoleRefKind.NAME, token[1], token[2]) for token in reader.names()
    )
    if not reader.at_end():
        raise _NOT
    text, span, _ = _common(sql, reader.tokens)
    if grant:
        return st.GrantRole(roles=roles, grantees=grantees, text=text, span=span, redacted=text)
    return st.RevokeRole(roles=roles, grantees=grantees, text=text, span=span, redacted=text)


def _drop(sql: str, reader: _Reader) -> st.Statement:
    reader.word("role", "user", "group")
    missing_ok = False
    if reader.peek() == "if":
        reader.i += 1
        reader.word("exists")
        missing_ok = True
    names = tuple(st.RoleRef(st.RoleRefKind.NAME, token[1], token[2]) for token in reader.names())
    if not reader.at_end():
        raise _NOT
    text, span, _ = _common(sql, reader.tokens)
    return st.DropRole(names=names, missing_ok=missing_ok, text=text, span=span, redacted=text)


# Shapes common enough for a regular expression of the whole statement (one match instead of
# the token loop): ``ALTER ROLE|USER|GROUP a RENAME TO b``, ``GRANT a TO b`` / ``REVOKE a FROM
# b`` with one name on each side, the password rotation (``_PASSWORD_RE``) and CREATE ROLE with
# attribute flags (``_CREATE_RE``). Names are
# checked as the token path checks them (no keyword, at most 63 characters).
_B = r"[ \t\r\n]"


def _caseless(pattern: str) -> str:
    """``pattern`` with each letter outside a class and not escaped as a class of its two
    cases: the same matches as ``re.IGNORECASE`` on ASCII text (the only text the recognizer
    sees), at two thirds of the cost."""
    out: list[str] = []
    in_class = escaped = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char.isascii() and char.isalpha():
            out.append(f"[{char.upper()}{char.lower()}]")
            continue
        out.append(char)
    return "".join(out)


_NAME = r"[A-Za-z_][A-Za-z0-9_$]*"
_END_RE = rf"{_B}*(?:;{_B}*)?\Z"
_RENAME_RE = re.compile(
    _caseless(
        rf"{_B}*(ALTER{_B}+(?:ROLE|USER|GROUP){_B}+({_NAME}){_B}+RENAME{_B}+TO{_B}+({_NAME})){_END_RE}"
    )
)
_GRANT_RE = re.compile(_caseless(rf"{_B}*((GRANT){_B}+({_NAME}){_B}+TO{_B}+({_NAME})){_END_RE}"))
_REVOKE_RE = re.compile(
    _caseless(rf"{_B}*((REVOKE){_B}+({_NAME}){_B}+FROM{_B}+({_NAME})){_END_RE}")
)

#: A plain string literal, as the token loop reads one (no backslash, ``''`` for a quote).
_LITERAL = r"'[^'\\]*(?:''[^'\\]*)*'"
#: The password rotation: ``ALTER ROLE|USER a [WITH] [ENCRYPTED] PASSWORD '...'
#: [VALID UNTIL '...']``, blanks between every two tokens (else the token loop decides).
_PASSWORD_RE = re.compile(
    _caseless(
        rf"{_B}*(ALTER{_B}+(?:ROLE|USER){_B}+({_NAME})(?:{_B}+WITH)?"
        rf"{_B}+(?:(ENCRYPTED){_B}+)?(PASSWORD){_B}+({_LITERAL})"
        rf"(?:{_B}+(VALID){_B}+UNTIL{_B}+({_LITERAL}))?){_END_RE}"
    )
)

#: ``CREATE ROLE|USER|GROUP a [WITH] [flag ...]`` with attribute flags only (LOGIN, CREATEDB,
#: NOSUPERUSER, ...: :data:`_FLAG_OPTIONS`); any other word there sends it to the token loop.
_CREATE_RE = re.compile(
    _caseless(rf"{_B}*(CREATE{_B}+(ROLE|USER|GROUP){_B}+({_NAME})((?:{_B}+[A-Za-z]+)*)){_END_RE}")
)
_WORD_RE = re.compile(r"[A-Za-z]+")

#: ``SELECT 1`` and ``SELECT current_user`` (and the other role keywords): one output column.
_SELECT_RE = re.compile(
    _caseless(
        rf"{_B}*(SELECT{_B}+(?:([0-9]{{1,9}})|(CURRENT_USER|SESSION_USER|CURRENT_ROLE|USER))){_END_RE}"
    )
)


def _select(m: re.Match[str]) -> st.Statement:
    text = m.group(1)
    span = _span(m.start(1), m.end(1))
    digits = m.group(2)
    if digits is not None:
        target = st.SelectTarget("?column?", None, int(digits))
        return st.SelectFunctions(
            simple=True, targets=(target,), text=text, span=span, redacted=text
        )
    name = m.group(3).lower()
    call = st.FunctionCall(name, None, (), True, m.start(3))
    return st.SelectFunctions(
        calls=(call,),
        simple=True,
        targets=(st.SelectTarget(name, call),),
        text=text,
        span=span,
        redacted=text,
    )


#: Parts shared by the statements the recognizer builds (immutable, so one object serves
#: every statement that has it; bounded, so a stream of new texts cannot grow them for ever).
_SPANS: dict[tuple[int, int], st.Span] = {}
_GRANTED: dict[str, tuple[st.GrantedRole, ...]] = {}
_SHARED_MAX = 4096


def _span(start: int, end: int) -> st.Span:
    span = _SPANS.get((start, end))
    if span is None:
        if len(_SPANS) >= _SHARED_MAX:
            _SPANS.clear()
        span = _SPANS[start, end] = st.Span(start, end)
    return span


def _granted(name: str) -> tuple[st.GrantedRole, ...]:
    """The role list of ``GRANT name ...`` (one role, no columns)."""
    roles = _GRANTED.get(name)
    if roles is None:
        if len(_GRANTED) >= _SHARED_MAX:
            _GRANTED.clear()
        roles = _GRANTED[name] = (st.GrantedRole(name, ()),)
    return roles


def _plain_name(text: str) -> str | None:
    name = text.lower()
    return name if name not in _KEYWORDS and len(name) <= 63 else None


def _password(m: re.Match[str], major: int) -> st.Statement | None:
    """The ALTER ROLE of a :data:`_PASSWORD_RE` match, as the token loop builds it."""
    name = _plain_name(m.group(2))
    if name is None:
        return None
    text = m.group(1)
    base = m.start(1)
    encrypted = m.group(3) is not None
    start = m.start(3) if encrypted else m.start(4)
    literal_start, literal_end = m.start(5), m.end(5)
    secret = Secret(m.group(5)[1:-1].replace("''", "'"))
    password = st.PasswordSpec(secret, encrypted, start)
    items = [st.RoleOption("password", password, start)]
    valid_until = None
    if m.group(6) is not None:
        valid_until = m.group(7)[1:-1].replace("''", "'")
        items.append(st.RoleOption("validUntil", valid_until, m.start(6)))
    options = st.RoleOptions(items=tuple(items), password=password, valid_until=valid_until)
    target = st.RoleRef(st.RoleRefKind.NAME, name, m.start(2))
    return st.AlterRole(
        target=target,
        options=options,
        precheck=_precheck(major, options, create=False, target=target),
        text=text,
        span=_span(base, m.end(1)),
        redacted=_redact(text, [(literal_start - base, literal_end - base)]),
    )


#: CREATE ROLE's flag lists by (text, offset, major): their options (the same values every
#: time, their locations included) and precheck, or None for a word that is no flag.
_FLAGS: dict[tuple[str, int, int], tuple[st.RoleOptions, st.Precheck | None] | None] = {}


def _create_flags(m: re.Match[str], major: int) -> st.Statement | None:
    """The CREATE ROLE of a :data:`_CREATE_RE` match, as the token loop builds it."""
    name = _plain_name(m.group(3))
    if name is None:
        return None
    key = (m.group(4), m.start(4), major)
    try:
        flags = _FLAGS[key]
    except KeyError:
        flags = _flags(m.string, m.start(4), m.end(4), major)
        if len(_FLAGS) >= _SHARED_MAX:
            _FLAGS.clear()
        _FLAGS[key] = flags
    if flags is None:
        return None
    options, precheck = flags
    text = m.group(1)
    return st.CreateRole(
        kind=_ROLE_KINDS[m.group(2).lower()],
        name=name,
        options=options,
        precheck=precheck,
        text=text,
        span=_span(m.start(1), m.end(1)),
        redacted=text,
    )


def _flags(
    sql: str, start: int, end: int, major: int
) -> tuple[st.RoleOptions, st.Precheck | None] | None:
    """The options (and precheck) of the flag words of ``sql[start:end]``, else None."""
    items: list[st.RoleOption] = []
    values: dict[str, object] = {}
    first = True
    for word_match in _WORD_RE.finditer(sql, start, end):
        word = word_match.group().lower()
        if first and word == "with":
            first = False
            continue
        first = False
        flag = _FLAG_OPTIONS.get(word)
        if flag is None:
            return None
        option, value = flag
        items.append(st.RoleOption(option, value, word_match.start()))
        values.setdefault(_FIELD_OF[option], value)
    options = (
        st.RoleOptions(items=tuple(items), **values)  # type: ignore[arg-type]
        if items
        else st.RoleOptions.from_items(())
    )
    return options, _precheck(major, options, create=True)


def _whole(sql: str, first_letter: str, major: int) -> st.Statement | None:
    """The statement, if ``sql`` is one of the whole-statement shapes (else None)."""
    m = _RENAME_RE.match(sql) if first_letter in "Aa" else None
    if m is None and first_letter in "Aa":
        password = _PASSWORD_RE.match(sql)
        if password is not None:
            return _password(password, major)
    if first_letter in "Cc":
        create = _CREATE_RE.match(sql)
        return None if create is None else _create_flags(create, major)
    if m is not None:
        old, new = _plain_name(m.group(2)), _plain_name(m.group(3))
        if old is None or new is None:
            return None
        text = m.group(1)
        return st.RenameRole(
            old=old, new=new, text=text, span=_span(m.start(1), m.end(1)), redacted=text
        )
    if first_letter in "Gg":
        m = _GRANT_RE.match(sql)
    elif first_letter in "Rr":
        m = _REVOKE_RE.match(sql)
    elif first_letter in "Ss":
        m = _SELECT_RE.match(sql)
        return None if m is None else _select(m)
    if m is not None:
        granted, grantee = _plain_name(m.group(3)), _plain_name(m.group(4))
        if granted is None or grantee is None:
            return None
        text = m.group(1)
        span = _span(m.start(1), m.end(1))
        roles = _granted(granted)
        grantees = (st.RoleRef(st.RoleRefKind.NAME, grantee, m.start(4)),)
        if m.group(2).lower() == "grant":
            return st.GrantRole(roles=roles, grantees=grantees, text=text, span=span, redacted=text)
        return st.RevokeRole(roles=roles, grantees=grantees, text=text, span=span, redacted=text)
    return None


def recognize(sql: str, major: int) -> tuple[st.Statement, ...] | None:
    """The classification of ``sql`` if it is one of the recognised shapes, else None.

    ``sql`` must already be known to be ASCII without NUL (the caller's encoding check).
    """
    first_letter = sql.lstrip(" \t\r\n")[:1]
    if first_letter and first_letter in "AaCcGgRrSs":
        whole = _whole(sql, first_letter, major)
        if whole is not None:
            return (whole,)
    tokens = _tokens(sql)
    if not tokens or tokens[0][0] != _WORD:
        return None
    reader = _Reader(tokens)
    first = tokens[0][1]
    reader.i = 1
    try:
        if first == "create":
            return (_create(sql, major, reader),)
        if first == "alter":
            return (_alter(sql, major, reader),)
        if first == "grant":
            return (_grant(sql, reader, grant=True),)
        if first == "revoke":
            return (_grant(sql, reader, grant=False),)
        if first == "drop":
            return (_drop(sql, reader),)
    except _NotRecognized:
        return None
    return None
