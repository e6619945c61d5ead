"""The few Kusto (KQL) operators and functions that docs/kusto.md's queries
use, implemented literally on in-memory tables, so that those queries can be
run on real memline output without an Application Insights resource.

There is no Kusto text parser. A query is written as Python calls that
mirror its pipes one for one, and the test shows the Kusto text next to
them::

    traces | where message startswith_cs "a: " | parse message with "a: " Rest
    traces.where(lambda r: startswith_cs(r["message"], "a: ")).parse("message", '"a: " Rest')

Only the `with` pattern of `parse` is given as Kusto text (it is tokenized
here: `*`, "..." and '...' with backslash escapes, @"..." verbatim, and
Column[:type]).

Values: str (Kusto `string`), int (`long`/`int`), float (`real`), bool,
datetime.datetime (`datetime`, UTC), dict/list (`dynamic`), None (null).
A table keeps its column order and a type per column.

The semantics, paraphrasing Microsoft's reference pages
(learn.microsoft.com/kusto/query/<page>):

null values (scalar-data-types/null-values)
    Every scalar type has a null, except `string`: "currently the string
    type doesn't support null values"; a missing string is the empty string
    (use isempty()). Nulls are sticky: a comparison or arithmetic with null
    gives null. Here a missing string cell is "" and other missing cells are
    None; `eq`/`ne` give None when either side is None.

where (where-operator)
    Keeps the rows for which the predicate is true; a row whose predicate
    is false or null is dropped.

startswith_cs (startswith-cs-operator)
    True if the right-hand string is an initial subsequence of the
    left-hand one; case-sensitive.

extend (extend-operator)
    Adds calculated columns (an existing name is replaced in place); each
    expression sees the columns computed before it in the same extend.

project (project-operator)
    Keeps, renames or computes columns; the result has exactly the listed
    columns, in the listed order.

parse (parse-operator)
    `T | parse [kind=simple|regex [flags=F]] Expr with Pattern`. The pattern
    is a sequence of `*`, string constants and `Column[:type]` (type string
    by default). "The calculated columns return null values for
    unsuccessfully parsed strings": a row that does not match is kept, with
    every column the parse adds null ("" for string columns). It "can start
    with ColumnName in addition to StringConstant"; `*` "skips junk values"
    and "can't be used after a string type column".

    kind=simple (default): "stringConstant is a regular string value and
    the match is strict. All string delimiters should appear in the parsed
    string, and all extended columns must match the required types." As
    implemented: the pattern is matched against the whole value, from its
    first character (a leading constant must be there) to its last (a
    trailing constant must end the value; a trailing `*` skips the rest;
    a trailing column takes the rest). A string column, like `*`, ends at
    the *next* occurrence of the constant that follows it (the shortest
    text that lets the rest of the pattern match). A long/int column
    matches digits with an optional minus, a real one a decimal number;
    other types take text like a string column and are converted; a failed
    conversion fails the whole row (strict). Not documented, chosen here:
    `*` and columns may span newlines.

    kind=regex: "stringConstant can be a regular expression"; "parse
    translates the pattern to a regex ... and use[s] numbered captured
    groups that are handled internally" (so groups inside a constant do not
    shift the columns). The reference's example says `*` becomes `.*?`, a
    string column `.*?` and a long column `\\-\\d+`. That sentence does not
    agree with the same page's example outputs, which this module follows:
    (1) `* "resourceName=" resourceName ',' *` returns everything up to the
    *last* comma, which the page explains as "the default mode is greedy",
    and flags=U ("ungreedy") gives the text up to the first comma; (2) in
    the regex example, `lockTime ".*?releaseTime="` gives "02/17/2016
    08:40:00, " (with the comma), which a lazy column could not; (3) in the
    flags=s example, `resourceName: string "(.*?)totalSlices="` gives
    "PipelineScheduler\\n". So a string column is the greedy `(.*)` and `*`
    the lazy `.*?`, and flags U swaps greedy and lazy in the whole regex, as
    RE2's U flag does. `\\-\\d+` cannot be literal either (the example's
    `sliceNumber: long` reads 15), so a long column is `-?\\d+`. The match
    spans the whole value, as in simple mode. Flags: i (case-insensitive),
    m (multi-line), s (`.` matches \\n), U (ungreedy).

extract (extract-function)
    `extract(regex, captureGroup, source[, typeLiteral])`: "Get a match for
    a regular expression from a source string"; captureGroup 0 is the whole
    match, 1 the first parenthesis, and so on. "If there's no match, or the
    type conversion fails: null" (for a string result: "").

union (union-operator)
    Default kind=outer: "the result has all the columns that occur in any of
    the inputs. Cells that aren't defined by an input row are set to null";
    "There's no guarantee of the order in which the union legs will
    appear" (here: left rows, then right rows).

order by / sort by (sort-operator)
    `order by col [asc|desc] [nulls first|nulls last], ...`; "Default is
    desc"; "Default for asc is nulls first. Default for desc is nulls
    last". Sorting serializes the row set. Ties keep their input order here;
    Kusto promises no order for ties.

join (join-operator, join-inner, join-innerunique)
    `kind=inner`: every matching pair of rows. The default
    `kind=innerunique` first keeps one left row per key. "All columns from
    both tables, including the matching keys": a right column whose name is
    taken gets a numeric suffix (Key -> Key1).

row_cumsum (row-cumsum-function)
    `row_cumsum(term[, restart])`: "the cumulative sum of a column in a
    serialized row set"; restart sets it back to 0 before adding the current
    row. An unserialized input (after union or join) is an error.

iff, isnotnull, isempty, tostring, tolong, toint, toreal, ago, dynamic
    iff(c, a, b) is a when c is true, b when c is false or null.
    customDimensions.Key of a dynamic bag is null when Key is absent.
    tostring(null) is ""; tolong/toint/toreal give null for text that is
    not a number.

Regular expressions run on Python's re with re.ASCII, standing in for RE2:
for the patterns used here (classes, anchors, alternation, greedy and lazy
quantifiers) the two agree; Python's `$` also matches before a final "\\n",
which no value here has.
"""
import datetime
import functools
import re

__all__ = [
    "Table", "Col", "RowCumsum", "startswith_cs", "extract", "iff", "eq", "ne",
    "prop", "isnotnull", "isempty", "tostring", "tolong", "toint", "toreal", "todatetime",
    "ago", "parse_pattern",
]

STRING, LONG, INT, REAL, BOOL, DATETIME, DYNAMIC = (
    "string", "long", "int", "real", "bool", "datetime", "dynamic")
TYPE_ALIASES = {"date": DATETIME, "double": REAL, "boolean": BOOL}


def type_name(t):
    return TYPE_ALIASES.get(t, t)


def null_of(t):
    """The null of a column type: "" for string, None otherwise."""
    return "" if t == STRING else None


def type_of(value):
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return LONG
    if isinstance(value, float):
        return REAL
    if isinstance(value, str):
        return STRING
    if isinstance(value, datetime.datetime):
        return DATETIME
    return DYNAMIC


# ---- scalar functions ----

def startswith_cs(lhs, rhs):
    return tostring(lhs).startswith(rhs)


def eq(a, b):
    return None if a is None or b is None else a == b


def ne(a, b):
    return None if a is None or b is None else a != b


def iff(cond, then, otherwise):
    return then if cond is True else otherwise


def prop(dynamic, key):
    """dynamic.key / dynamic["key"]: null when absent or not a property bag."""
    return dynamic.get(key) if isinstance(dynamic, dict) else None


def isnotnull(v):
    return v is not None


def isempty(v):
    return v is None or v == ""


def tostring(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return v if isinstance(v, str) else str(v)


_LONG_RE = re.compile(r"[+-]?\d+", re.ASCII)
_REAL_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def tolong(v):
    if v is None or isinstance(v, bool):
        return None if v is None else int(v)
    if isinstance(v, (int, float)):
        return int(v)
    return int(v) if _LONG_RE.fullmatch(v) else None


toint = tolong


def toreal(v):
    if v is None or isinstance(v, bool):
        return None if v is None else float(v)
    if isinstance(v, (int, float)):
        return float(v)
    return float(v) if _REAL_RE.fullmatch(v) else None


_DATE_FORMATS = ("%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f",
                 "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y")


def todatetime(v):
    """ISO 8601 (Z or no zone = UTC) and the US form of the reference's
    examples; null otherwise."""
    if v is None or isinstance(v, datetime.datetime):
        return v
    text = v.strip()
    if text.endswith("Z"):
        text = text[:-1]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            pass
    return None


CONVERT = {STRING: tostring, LONG: tolong, INT: tolong, REAL: toreal, DATETIME: todatetime}


def convert(value, t):
    return CONVERT[type_name(t)](value)


def ago(span, now=None):
    """ago(1d) is ago(datetime.timedelta(days=1)); `now` stands for now()."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return now - span


def extract(regex, group, source, typeof=STRING):
    m = re.search(regex, tostring(source), re.ASCII)
    value = m.group(group) if m else None
    if value is None:
        return null_of(type_name(typeof))
    return convert(value, typeof)


class RowCumsum:
    """row_cumsum(term[, restart]) inside extend/project: term(row) and
    restart(row, previous_row) are callables; previous_row is None on the
    first row (so prev() is null there)."""

    def __init__(self, term, restart=None):
        self.term = term
        self.restart = restart


# ---- parse patterns ----

class Col:
    def __init__(self, name, type=STRING):
        self.name = name
        self.type = type_name(type)

    def __repr__(self):
        return "Col(%r, %r)" % (self.name, self.type)


STAR = "*"
_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t", "r": "\r"}


class Const(str):
    """A string constant of a parse pattern (a str, told apart from `*`)."""


def parse_pattern(text):
    """Tokenize the `with` part of parse into STAR, Const and Col items."""
    items, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "*":
            items.append(STAR)
            i += 1
        elif c == "@" and i + 1 < n and text[i + 1] in "\"'":
            q, i, buf = text[i + 1], i + 2, []
            while True:
                if i >= n:
                    raise ValueError("unterminated verbatim string in %r" % text)
                if text[i] == q:
                    if i + 1 < n and text[i + 1] == q:      # "" inside @"..."
                        buf.append(q)
                        i += 2
                        continue
                    i += 1
                    break
                buf.append(text[i])
                i += 1
            items.append(Const("".join(buf)))
        elif c in "\"'":
            q, i, buf = c, i + 1, []
            while True:
                if i >= n:
                    raise ValueError("unterminated string in %r" % text)
                if text[i] == "\\":
                    if i + 1 >= n or text[i + 1] not in _ESCAPES:
                        raise ValueError("unknown escape in %r" % text)
                    buf.append(_ESCAPES[text[i + 1]])
                    i += 2
                elif text[i] == q:
                    i += 1
                    break
                else:
                    buf.append(text[i])
                    i += 1
            items.append(Const("".join(buf)))
        else:
            m = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\s*:\s*([A-Za-z]+))?").match(text, i)
            if not m:
                raise ValueError("cannot read parse pattern at %r" % text[i:])
            items.append(Col(m.group(1), m.group(2) or STRING))
            i = m.end()
    return items


_TYPED_RE = {LONG: r"-?\d+", INT: r"-?\d+", REAL: r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"}


def _flip_greediness(regex):
    """RE2's U flag: x* means x*? and x*? means x*, for every quantifier."""
    out, i, n, in_class = [], 0, len(regex), False
    while i < n:
        c = regex[i]
        if c == "\\":
            out.append(regex[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = c != "]"
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            i += 1
            if i < n and regex[i] == "^":
                out.append("^")
                i += 1
            if i < n and regex[i] == "]":
                out.append("]")
                i += 1
            continue
        quant = None
        if c in "*+?" and not (c == "?" and out and out[-1] == "("):
            quant = c
            i += 1
        elif c == "{":
            m = re.compile(r"\{\d+(?:,\d*)?\}").match(regex, i)
            if m:
                quant = m.group(0)
                i = m.end()
        if quant is None:
            out.append(c)
            i += 1
            continue
        if i < n and regex[i] == "?":
            out.append(quant)               # lazy becomes greedy
            i += 1
        else:
            out.append(quant + "?")         # greedy becomes lazy
    return "".join(out)


def _pattern_regex(items, kind, flags):
    parts, cols = [], []
    for item in items:
        if item is STAR:
            parts.append(".*?")
        elif isinstance(item, Col):
            g = "c%d" % len(cols)
            cols.append(item)
            if item.type in _TYPED_RE:
                body = _TYPED_RE[item.type]
            elif kind == "regex":
                body = ".*"
            else:
                body = ".*?"
            parts.append("(?P<%s>%s)" % (g, body))
        elif kind == "regex":
            parts.append("(?:%s)" % item)
        else:
            parts.append(re.escape(item))
    regex = "".join(parts)
    reflags = re.ASCII
    if kind == "simple":
        reflags |= re.DOTALL
    for f in flags:
        if f == "i":
            reflags |= re.IGNORECASE
        elif f == "m":
            reflags |= re.MULTILINE
        elif f == "s":
            reflags |= re.DOTALL
        elif f == "U":
            regex = _flip_greediness(regex)
        else:
            raise ValueError("unsupported regex flag %r" % f)
    return re.compile(regex, reflags), cols


# ---- tables ----

class Table:
    def __init__(self, rows, columns, serialized=False):
        """rows: dicts; columns: [(name, type)] in order."""
        self.columns = [(name, type_name(t)) for name, t in columns]
        names = [c for c, _ in self.columns]
        self.rows = [{c: row.get(c, null_of(t)) for c, t in self.columns} for row in rows]
        self.serialized = serialized
        assert len(set(names)) == len(names), names

    @classmethod
    def from_rows(cls, rows, columns=None):
        """A table from dicts; column types from `columns` or the values."""
        if columns is None:
            columns = []
            for row in rows:
                for name, value in row.items():
                    if name not in [c for c, _ in columns] and value is not None:
                        columns.append((name, type_of(value)))
        return cls(rows, columns)

    @property
    def names(self):
        return [c for c, _ in self.columns]

    def type(self, name):
        return dict(self.columns)[name]

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)

    def __repr__(self):
        return "Table(%d rows, %r)" % (len(self.rows), self.names)

    # serialize
    def serialize(self):
        return Table(self.rows, self.columns, serialized=True)

    # where
    def where(self, predicate):
        return Table([r for r in self.rows if predicate(r) is True], self.columns,
                     self.serialized)

    # extend
    def extend(self, *assignments):
        """extend(("Name", expr), ...); expr is a callable of the row or a
        RowCumsum."""
        return self._compute(assignments, keep=True)

    # project
    def project(self, *items):
        """project("col", ("New", expr), ...)."""
        return self._compute([(i, None) if isinstance(i, str) else i for i in items],
                             keep=False)

    def _compute(self, assignments, keep):
        rows = [dict(r) for r in self.rows] if keep else [{} for _ in self.rows]
        columns = list(self.columns) if keep else []
        for name, expr in assignments:
            if expr is None:                     # project of an existing column
                t = self.type(name)
                for out, src in zip(rows, self.rows):
                    out[name] = src[name]
            else:
                values = self._evaluate(expr, rows)
                for out, v in zip(rows, values):
                    out[name] = v
                t = next((type_of(v) for v in values if v is not None), STRING)
            if name in dict(columns):
                columns = [(c, t if c == name else ct) for c, ct in columns]
            else:
                columns.append((name, t))
        return Table(rows, columns, self.serialized)

    def _evaluate(self, expr, rows):
        # expressions see the input row plus what this operator computed so far
        merged = [{**src, **out} for src, out in zip(self.rows, rows)]
        if isinstance(expr, RowCumsum):
            if not self.serialized:
                raise ValueError("row_cumsum needs a serialized row set (order by/serialize)")
            total, prev, values = 0, None, []
            for row in merged:
                if expr.restart is not None and expr.restart(row, prev) is True:
                    total = 0
                term = expr.term(row)
                total = None if term is None or total is None else total + term
                values.append(total)
                prev = row
            return values
        return [expr(row) for row in merged]

    # parse
    def parse(self, source, pattern, kind="simple", flags=""):
        """parse [kind=...] [flags=...] source with pattern; source is a
        column name or a callable; pattern is Kusto text or parse_pattern()'s
        items."""
        if kind not in ("simple", "regex"):
            raise NotImplementedError("parse kind=%s" % kind)
        if flags and kind != "regex":
            raise ValueError("flags need kind=regex")
        items = parse_pattern(pattern) if isinstance(pattern, str) else list(pattern)
        for a, b in zip(items, items[1:]):
            if isinstance(a, Col) and a.type == STRING and b is STAR:
                raise ValueError("'*' can't follow a string column (%s)" % a.name)
        regex, cols = _pattern_regex(items, kind, flags)
        get = source if callable(source) else (lambda r: r[source])
        rows = []
        for row in self.rows:
            m = regex.fullmatch(tostring(get(row)))
            values = None
            if m:
                values = [convert(m.group("c%d" % i), c.type) for i, c in enumerate(cols)]
                if any(v is None for v in values):
                    values = None                # strict: a type did not match
            if values is None:
                values = [null_of(c.type) for c in cols]
            out = dict(row)
            for c, v in zip(cols, values):
                out[c.name] = v
            rows.append(out)
        columns = [(c, t) for c, t in self.columns if c not in [x.name for x in cols]]
        columns += [(c.name, c.type) for c in cols]
        return Table(rows, columns, self.serialized)

    # union
    def union(self, *others):
        """T | union kind=outer (U), ..."""
        columns = list(self.columns)
        for other in others:
            for name, t in other.columns:
                if name not in dict(columns):
                    columns.append((name, t))
                elif dict(columns)[name] != t:
                    raise NotImplementedError("union of %s:%s and %s:%s"
                                              % (name, dict(columns)[name], name, t))
        rows = [r for table in (self,) + others for r in table.rows]
        return Table(rows, columns, serialized=False)

    # order by
    def order_by(self, *keys):
        """order_by("col", ("col", "asc"), ("col", "desc", "nulls first"), ...)."""
        specs = []
        for key in keys:
            key = (key,) if isinstance(key, str) else tuple(key)
            name = key[0]
            direction = key[1] if len(key) > 1 else "desc"
            nulls = key[2] if len(key) > 2 else ("nulls first" if direction == "asc"
                                                 else "nulls last")
            if self.type(name) not in (STRING, LONG, INT, REAL, DATETIME):
                raise ValueError("cannot sort by %s of type %s" % (name, self.type(name)))
            specs.append((name, direction == "desc", nulls == "nulls first"))

        def cmp(a, b):
            for name, desc, nulls_first in specs:
                x, y = a[name], b[name]
                if x is None or y is None:
                    if x is None and y is None:
                        continue
                    return (-1 if x is None else 1) * (1 if nulls_first else -1)
                if x != y:
                    return (-1 if x < y else 1) * (-1 if desc else 1)
            return 0

        return Table(sorted(self.rows, key=functools.cmp_to_key(cmp)), self.columns,
                     serialized=True)

    sort_by = order_by

    # join
    def join(self, right, on, kind="innerunique"):
        """T | join kind=... (right) on Key1, Key2 ..."""
        keys = [on] if isinstance(on, str) else list(on)
        if kind not in ("inner", "innerunique"):
            raise NotImplementedError("join kind=%s" % kind)
        left_rows = self.rows
        if kind == "innerunique":
            seen, left_rows = set(), []
            for r in self.rows:
                k = tuple(r[c] for c in keys)
                if k not in seen:
                    seen.add(k)
                    left_rows.append(r)
        taken = set(self.names)
        rename = {}
        for name, _ in right.columns:
            new, n = name, 0
            while new in taken:
                n += 1
                new = "%s%d" % (name, n)
            taken.add(new)
            rename[name] = new
        columns = list(self.columns) + [(rename[c], t) for c, t in right.columns]
        index = {}
        for r in right.rows:
            index.setdefault(tuple(r[c] for c in keys), []).append(r)
        rows = []
        for lrow in left_rows:
            k = tuple(lrow[c] for c in keys)
            if any(v is None for v in k):
                continue
            for rrow in index.get(k, []):
                out = dict(lrow)
                out.update({rename[c]: v for c, v in rrow.items()})
                rows.append(out)
        return Table(rows, columns, serialized=False)
