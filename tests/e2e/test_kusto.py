"""The Kusto queries of docs/kusto.md, run on real memline output.

A stand-in Functions host (data/functions_app/host.py) runs the guide's two
triggers under memline with MEMLINE_OUTPUT=logging; its console lines
(`[timestamp] message`, as a root handler without a formatter prints them)
become rows of Application Insights' `traces` table. Both queries run on
those rows through kusto.py, a literal implementation of the operators they
use:

- docs/kusto.md's query must give one row per report row, every value equal
  to the report's cell, its Contents equal to the source line;
- the memory-profiling guide's query must split the rows exactly as wrongly
  as docs/kusto.md says it does;
- kusto.py's parse, extract, join, union, order by and row_cumsum must give
  the outputs of the examples on Microsoft's reference pages.

The same checks run on the lines stored in data/host_console.txt (which the
doc's example tables come from; data/make_host_console.py rewrites it and
prints the tables) and on lines generated now with the current build.
"""
import datetime
import glob
import os
import re
import uuid

import pytest

import kusto as K
from conftest import ROOT, run

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
APP = os.path.join(DATA, "functions_app")
HOST = os.path.join(APP, "host.py")
STORED = os.path.join(DATA, "host_console.txt")
DOC = os.path.join(ROOT, "docs", "kusto.md")
SEED_DOC = os.path.join(ROOT, "..", "shared", "seed", "azure-functions-python-memory-profiler.md")
FUNCTIONS = "profile_get_request,get_microsoft_page_async"
DAY = datetime.timedelta(days=1)

PREFIX = "memory_profiler_logs: "
FILENAME = PREFIX + "Filename: "
HEADER = "Line #    Mem usage    Increment  Occurrences   Line Contents"
RULE = "=" * len(HEADER)
UTC = datetime.timezone.utc


# ---- the queries: Kusto text, and the same pipes as kusto.py calls ----

QUERY = r'''let Lines = traces
    | where timestamp > ago(1d)
    | where message startswith_cs "memory_profiler_logs: "
    | extend InvocationId = tostring(customDimensions.InvocationId),
             IsFilename = iff(message startswith_cs "memory_profiler_logs: Filename: ", 1, 0)
    | order by InvocationId asc, timestamp asc, IsFilename desc
    | extend Report = row_cumsum(IsFilename);
let Row = @"^memory_profiler_logs: +(\d+) (?: {37}|(?: {12}| *(-?\d+(?:\.\d+)?) MiB) +(-?\d+(?:\.\d+)?) MiB(?: {12}| +(\d+)))   (.*)$";
Lines
| where IsFilename == 1
| parse message with "memory_profiler_logs: Filename: " FileName
| project Report, FileName, Started = timestamp
| join kind=inner (
    Lines
    | extend LineNumber = extract(Row, 1, message, typeof(long))
    | where isnotnull(LineNumber)
    | project Report, timestamp, InvocationId, LineNumber,
        TotalMem_MiB = extract(Row, 2, message, typeof(real)),
        IncreMem_MiB = extract(Row, 3, message, typeof(real)),
        Occurrences = extract(Row, 4, message, typeof(long)),
        Contents = extract(Row, 5, message)
  ) on Report
| order by Started asc, Report asc, LineNumber asc
| project timestamp, FileName, LineNumber, TotalMem_MiB, IncreMem_MiB, Occurrences, Contents, InvocationId'''

ROW = QUERY.split('let Row = @"', 1)[1].split('";', 1)[0]
COLUMNS = ["timestamp", "FileName", "LineNumber", "TotalMem_MiB", "IncreMem_MiB",
           "Occurrences", "Contents", "InvocationId"]


def memline_query(traces, now):
    """QUERY, pipe for pipe."""
    lines = (traces
             .where(lambda r: r["timestamp"] > K.ago(DAY, now))
             .where(lambda r: K.startswith_cs(r["message"], "memory_profiler_logs: "))
             .extend(("InvocationId", lambda r: K.tostring(K.prop(r["customDimensions"],
                                                                  "InvocationId"))),
                     ("IsFilename", lambda r: K.iff(K.startswith_cs(
                         r["message"], "memory_profiler_logs: Filename: "), 1, 0)))
             .order_by(("InvocationId", "asc"), ("timestamp", "asc"), ("IsFilename", "desc"))
             .extend(("Report", K.RowCumsum(lambda r: r["IsFilename"]))))
    rows = (lines
            .extend(("LineNumber", lambda r: K.extract(ROW, 1, r["message"], "long")))
            .where(lambda r: K.isnotnull(r["LineNumber"]))
            .project("Report", "timestamp", "InvocationId", "LineNumber",
                     ("TotalMem_MiB", lambda r: K.extract(ROW, 2, r["message"], "real")),
                     ("IncreMem_MiB", lambda r: K.extract(ROW, 3, r["message"], "real")),
                     ("Occurrences", lambda r: K.extract(ROW, 4, r["message"], "long")),
                     ("Contents", lambda r: K.extract(ROW, 5, r["message"]))))
    return (lines
            .where(lambda r: K.eq(r["IsFilename"], 1))
            .parse("message", '"memory_profiler_logs: Filename: " FileName')
            .project("Report", "FileName", ("Started", lambda r: r["timestamp"]))
            .join(rows, on="Report", kind="inner")
            .order_by(("Started", "asc"), ("Report", "asc"), ("LineNumber", "asc"))
            .project(*COLUMNS))


# The guide's query, verbatim.
SEED_QUERY = '''traces
| where timestamp > ago(1d)
| where message startswith_cs "memory_profiler_logs:"
| parse message with "memory_profiler_logs: " LineNumber "  " TotalMem_MiB "  " IncreMem_MiB "  " Occurences "  " Contents
| union (
    traces
    | where timestamp > ago(1d)
    | where message startswith_cs "memory_profiler_logs: Filename: "
    | parse message with "memory_profiler_logs: Filename: " FileName
    | project timestamp, FileName, itemId
)
| project timestamp, LineNumber=iff(FileName != "", FileName, LineNumber), TotalMem_MiB, IncreMem_MiB, Occurences, Contents, RequestId=itemId
| order by timestamp asc'''

SEED_COLUMNS = ["timestamp", "LineNumber", "TotalMem_MiB", "IncreMem_MiB", "Occurences",
                "Contents", "RequestId"]


def seed_query(traces, now):
    """SEED_QUERY, pipe for pipe."""
    recent = traces.where(lambda r: r["timestamp"] > K.ago(DAY, now))
    files = (recent
             .where(lambda r: K.startswith_cs(r["message"], "memory_profiler_logs: Filename: "))
             .parse("message", '"memory_profiler_logs: Filename: " FileName')
             .project("timestamp", "FileName", "itemId"))
    return (recent
            .where(lambda r: K.startswith_cs(r["message"], "memory_profiler_logs:"))
            .parse("message", '"memory_profiler_logs: " LineNumber "  " TotalMem_MiB "  " '
                              'IncreMem_MiB "  " Occurences "  " Contents')
            .union(files)
            .project("timestamp",
                     ("LineNumber", lambda r: K.iff(K.ne(r["FileName"], ""), r["FileName"],
                                                    r["LineNumber"])),
                     "TotalMem_MiB", "IncreMem_MiB", "Occurences", "Contents",
                     ("RequestId", lambda r: r["itemId"]))
            .order_by(("timestamp", "asc")))


# ---- console lines -> traces rows ----

def generate_console(py, env=None):
    """The host console of one run of host.py under memline (conftest.LIB)."""
    cp = run([py, HOST], preload=True, cwd=DATA,
             env_extra=dict({"MEMLINE_FUNCTIONS": FUNCTIONS, "MEMLINE_OUTPUT": "logging"},
                            **(env or {})))
    assert cp.returncode == 0 and cp.stderr == b"", cp
    return cp.stdout.decode()


CONSOLE_RE = re.compile(r"^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6})Z\] (.*)$")
EXECUTING_RE = re.compile(r"^Executing 'Functions\.(\w+)' \(Reason='[^']*', Id=([0-9a-f-]{36})\)$")
EXECUTED_RE = re.compile(r"^Executed 'Functions\.(\w+)' \(Succeeded, Id=([0-9a-f-]{36}), ")


def traces_from_console(text):
    """The traces rows Application Insights would store for these console
    lines: timestamp, message, itemId (one per row), operation_Id and
    customDimensions.InvocationId (one per invocation: the lines between a
    function's 'Executing' and 'Executed' lines)."""
    rows, invocation, function = [], None, None
    for n, line in enumerate(text.splitlines()):
        m = CONSOLE_RE.match(line)
        assert m, line
        when = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC)
        message = m.group(2)
        start, end = EXECUTING_RE.match(message), EXECUTED_RE.match(message)
        if start:
            assert invocation is None, line
            function, invocation = start.groups()
        row_invocation = invocation
        if end:
            assert end.groups() == (function, invocation), line
            invocation = None
        assert row_invocation, "a line outside every invocation: " + line
        category = "Function." + function + ("" if start or end else ".User")
        rows.append({
            "timestamp": when,
            "message": message,
            "severityLevel": 1,
            "itemId": str(uuid.uuid5(uuid.NAMESPACE_URL, "trace/%d/%s" % (n, message))),
            "operation_Id": uuid.uuid5(uuid.NAMESPACE_URL, row_invocation).hex,
            "operation_Name": function,
            "customDimensions": {"InvocationId": row_invocation, "Category": category,
                                 "LogLevel": "Information"},
        })
    return K.Table(rows, [("timestamp", "datetime"), ("message", "string"),
                          ("severityLevel", "long"), ("itemId", "string"),
                          ("operation_Id", "string"), ("operation_Name", "string"),
                          ("customDimensions", "dynamic")])


def now_after(traces):
    return max(r["timestamp"] for r in traces) + datetime.timedelta(minutes=5)


# ---- what the rows must be, read independently from the report ----

class Report:
    def __init__(self, invocation, filename):
        self.invocation, self.filename, self.lines, self.times = invocation, filename, [], []


def reports_of(traces):
    """The reports in the console, in order, by the fixed-width layout
    '{:>6} {:>12} {:>12}  {:>10}   {}' of memory_profiler's show_results."""
    out = []
    for r in traces:
        msg = r["message"]
        if not msg.startswith(PREFIX):
            continue
        inv = r["customDimensions"]["InvocationId"]
        if msg.startswith(FILENAME):
            out.append(Report(inv, msg[len(FILENAME):]))
            continue
        rep = out[-1]
        assert rep.invocation == inv
        line = msg[len(PREFIX):]
        if line in (HEADER, RULE):
            continue
        rep.lines.append(line)
        rep.times.append(r["timestamp"])
    return out


def mib(cell):
    cell = cell.strip()
    if not cell:
        return None
    assert cell.endswith(" MiB"), cell
    return float(cell[:-4])


def expected_rows(traces):
    rows = []
    for rep in reports_of(traces):
        # the stored console names files where it was made: read them here
        with open(os.path.join(APP, rep.filename.split("/functions_app/", 1)[1])) as f:
            source = f.read().split("\n")
        for line, when in zip(rep.lines, rep.times):
            lineno = int(line[0:6])
            assert line[6] == " " and line[19] == " " and line[32:34] == "  " \
                and line[44:47] == "   ", line
            occ = line[34:44].strip()
            contents = line[47:]
            assert contents == source[lineno - 1].rstrip(), (line, source[lineno - 1])
            rows.append({
                "timestamp": when,
                "FileName": rep.filename,
                "LineNumber": lineno,
                "TotalMem_MiB": mib(line[7:19]),
                "IncreMem_MiB": mib(line[20:32]),
                "Occurrences": int(occ) if occ else None,
                "Contents": contents,
                "InvocationId": rep.invocation,
            })
    return rows


# ---- markdown, for the doc's example tables ----

def cell(v):
    if v is None or v == "":
        return ""
    if isinstance(v, datetime.datetime):
        return v.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, str):
        return "`%s`" % v.replace("|", "\\|")
    return str(v)


def markdown(rows, columns):
    out = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for r in rows:
        out.append("| " + " | ".join(cell(r[c]) for c in columns) + " |")
    return "\n".join(out) + "\n"


def doc_tables(console):
    """The tables docs/kusto.md shows, from the stored console lines."""
    traces = traces_from_console(console)
    now = now_after(traces)
    ours = list(memline_query(traces, now))
    seed = list(seed_query(traces, now))
    first = traces.rows[0]["customDimensions"]["InvocationId"]
    first_ids = {r["itemId"] for r in traces if r["customDimensions"]["InvocationId"] == first}
    async_rows = [r for r in seed if r["Contents"].endswith(("async def get_microsoft_page_async"
                                                            "(url: str):",
                                                            "text = await response.text()",
                                                            "# memline leaves a coroutine's "
                                                            "return value alone"))]
    return {
        "result": markdown(ours, COLUMNS),
        "seed-first-report": markdown([r for r in seed if r["RequestId"] in first_ids],
                                      SEED_COLUMNS[:-1]),
        "seed-3-digit-rows": markdown(async_rows, SEED_COLUMNS[:-1]),
    }


# ---- the doc's query against the report, stored and live ----

def stored_console():
    with open(STORED) as f:
        return f.read()


def live_pythons():
    """Debian's static python3, and a shared-library 3.13 when there is one."""
    pys = [("system-python3", "/usr/bin/python3")]
    for path in sorted(glob.glob("/root/.pyenv/versions/3.13*/bin/python3"))[-1:]:
        pys.append(("py3.13", path))
    return pys


@pytest.fixture(scope="module", params=["stored"] + [p for _, p in live_pythons()],
                ids=["stored"] + [i for i, _ in live_pythons()])
def console(request):
    if request.param == "stored":
        return stored_console()
    request.getfixturevalue("lib")              # the build must be there
    return generate_console(request.param)


def check_query_rows(traces):
    got = list(memline_query(traces, now_after(traces)))
    want = expected_rows(traces)
    assert [list(r) for r in got] == [COLUMNS] * len(got)
    assert got == want
    return got


def test_query_rows_are_the_report_cells(console):
    traces = traces_from_console(console)
    rows = check_query_rows(traces)
    # three invocations, one report each, in the order they ran
    invocations = []
    for r in traces:
        inv = r["customDimensions"]["InvocationId"]
        if inv not in invocations:
            invocations.append(inv)
    assert len(invocations) == 3
    by_inv = {i: [r for r in rows if r["InvocationId"] == i] for i in invocations}
    assert [r["InvocationId"] for r in rows] == \
        [i for i in invocations for _ in by_inv[i]]
    # the stored lines name the app where they were made; live ones, APP
    names = [by_inv[i][0]["FileName"].split("/functions_app/", 1)[1] for i in invocations]
    assert names == ["HttpTriggerSync/__init__.py", "HttpTriggerAsync/__init__.py",
                     "HttpTriggerSync/__init__.py"]
    for i in invocations:
        assert len({r["FileName"] for r in by_inv[i]}) == 1
    sync = by_inv[invocations[0]]
    assert [r["LineNumber"] for r in sync] == list(range(23, 30))
    assert [r["Contents"] for r in sync] == [
        "def profile_get_request(url: str):",
        "    response = fetch(url)",
        "    scratch = bytearray(8_000_000)",
        "    if not url:",
        '        raise ValueError("no url")',
        "    del scratch",
        "    return response.content",
    ]
    assert [r["Occurrences"] for r in sync] == [1, 1, 1, 1, None, 1, 1]
    # the raise never ran: empty cells are nulls, not zeros
    assert sync[4]["TotalMem_MiB"] is None and sync[4]["IncreMem_MiB"] is None
    assert sync[2]["IncreMem_MiB"] == 7.6 and sync[5]["IncreMem_MiB"] == -7.6
    assert all(isinstance(r["TotalMem_MiB"], float) for r in sync if r["Occurrences"])
    coro = by_inv[invocations[1]]
    assert [r["LineNumber"] for r in coro] == list(range(115, 121))
    assert coro[0]["Contents"] == "async def get_microsoft_page_async(url: str):"
    assert coro[3]["Contents"] == "            text = await response.text()"
    assert coro[4]["Occurrences"] is None       # a comment line
    assert [r["Occurrences"] for r in coro] == [1, 2, 2, 1, None, 1]


def test_query_groups_concurrent_invocations(console):
    """Invocations that run at the same time interleave their lines in
    `traces`: the query still keeps each report whole (by InvocationId),
    while ordering by timestamp alone would not."""
    traces = traces_from_console(console)
    invs = []
    for r in traces:
        i = r["customDimensions"]["InvocationId"]
        if i not in invs:
            invs.append(i)
    # move the second and third invocations' lines in between the first's
    first = [r for r in traces if r["customDimensions"]["InvocationId"] == invs[0]]
    t0 = first[0]["timestamp"]
    tick = datetime.timedelta(microseconds=1)
    moved = []
    for k, inv in enumerate(invs):
        mine = [dict(r) for r in traces if r["customDimensions"]["InvocationId"] == inv]
        for n, r in enumerate(mine):
            r["timestamp"] = t0 + tick * (3 * n + k)
        moved.extend(mine)
    shuffled = K.Table(list(reversed(moved)), traces.columns)
    by_time = sorted(moved, key=lambda r: r["timestamp"])
    assert len({r["customDimensions"]["InvocationId"] for r in by_time[:6]}) == 3
    got = list(memline_query(shuffled, now_after(shuffled)))
    want = expected_rows(K.Table(moved, traces.columns))
    assert sorted(got, key=lambda r: (r["InvocationId"], r["LineNumber"])) == \
        sorted(want, key=lambda r: (r["InvocationId"], r["LineNumber"]))
    # every report is whole and carries its own file name
    for inv in invs:
        mine = [r for r in got if r["InvocationId"] == inv]
        assert [r["LineNumber"] for r in mine] == sorted(r["LineNumber"] for r in mine)
        assert len({r["FileName"] for r in mine}) == 1


def test_query_splits_two_reports_of_one_invocation(console):
    """An invocation that calls profiled functions twice logs two reports:
    each row keeps its own report's file name."""
    traces = traces_from_console(console)
    invs = []
    for r in traces:
        i = r["customDimensions"]["InvocationId"]
        if i not in invs:
            invs.append(i)
    rows = []
    for r in traces:
        dims = dict(r["customDimensions"])
        if dims["InvocationId"] == invs[1]:
            dims["InvocationId"] = invs[0]      # HttpTriggerSync, then HttpTriggerAsync
        rows.append(dict(r, customDimensions=dims))
    merged = K.Table(rows, traces.columns)
    got = check_query_rows(merged)
    first = [r for r in got if r["InvocationId"] == invs[0]]
    assert [(os.path.basename(os.path.dirname(r["FileName"])), r["LineNumber"])
            for r in first] == [("HttpTriggerSync", n) for n in range(23, 30)] + \
        [("HttpTriggerAsync", n) for n in range(115, 121)]


@pytest.mark.parametrize("precision", [0, 3, 9])
def test_query_reads_any_precision(lib, precision):
    """MEMLINE_PRECISION changes the width of the MiB cells (beyond 4
    decimals they no longer fit 12 columns): the query reads them all."""
    py = live_pythons()[0][1]
    traces = traces_from_console(generate_console(py, {"MEMLINE_PRECISION": str(precision)}))
    got = list(memline_query(traces, now_after(traces)))
    reports = reports_of(traces)
    lines = [line for rep in reports for line in rep.lines]
    assert len(got) == len(lines) == 20
    for r, line in zip(got, lines):
        tokens = line.split()
        rel = r["FileName"].split("/functions_app/", 1)[1]
        with open(os.path.join(APP, rel)) as f:
            source = f.read().split("\n")
        assert r["LineNumber"] == int(tokens[0])
        assert r["Contents"] == source[r["LineNumber"] - 1].rstrip()
        if line[7:19].strip():
            assert tokens[2] == tokens[4] == "MiB", line
            assert r["TotalMem_MiB"] == float(tokens[1])
            assert r["IncreMem_MiB"] == float(tokens[3])
            assert r["Occurrences"] == int(tokens[5])
            assert len(tokens[1].partition(".")[2]) == precision
        else:
            assert (r["TotalMem_MiB"], r["IncreMem_MiB"], r["Occurrences"]) == (None,) * 3


def tracer_pythons():
    """Interpreters before 3.12 (where a tracer of the program's own takes
    memline's line events): Debian's python3, and a pyenv 3.8 if there is one."""
    pys = [("system-python3", "/usr/bin/python3")]
    for path in sorted(glob.glob("/root/.pyenv/versions/3.8*/bin/python3"))[-1:]:
        pys.append(("py3.8", path))
    return pys


@pytest.mark.parametrize("py", [p for _, p in tracer_pythons()],
                         ids=[i for i, _ in tracer_pythons()])
def test_query_reads_increment_only_rows(py):
    """Rows counted while the program's own tracer held the line events
    show an Increment alone: the query reads it, with nulls for the other
    two cells (it once dropped those rows, which are the ones with bytes)."""
    cp = run([py, os.path.join(HERE, "progs", "othertracer.py")], preload=True,
             env_extra={"MEMLINE_FUNCTIONS": "traced_midway"})
    assert cp.returncode == 0, cp
    report = [l for l in cp.stderr.decode().split("\n") if l.startswith(PREFIX)]
    assert report[0].endswith(" (no line events while another tracer was on: "
                              "Increment only there)"), report[0]
    inv = str(uuid.uuid4())
    start = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    console = ["Executing 'Functions.F' (Reason='test', Id=%s)" % inv] + report + \
        ["Executed 'Functions.F' (Succeeded, Id=%s, Duration=1ms)" % inv]
    traces = traces_from_console("\n".join(
        "[%s] %s" % ((start + datetime.timedelta(microseconds=n)).strftime(
            "%Y-%m-%dT%H:%M:%S.%fZ"), line) for n, line in enumerate(console)))
    got = list(memline_query(traces, now_after(traces)))
    rows = [l[len(PREFIX):] for l in report[3:]]
    assert [r["LineNumber"] for r in got] == [int(l[:6]) for l in rows]
    for r, line in zip(got, rows):
        occ = line[34:44].strip()
        assert (r["TotalMem_MiB"], r["IncreMem_MiB"], r["Occurrences"], r["Contents"]) == \
            (mib(line[7:19]), mib(line[20:32]), int(occ) if occ else None, line[47:]), line
        assert r["FileName"] == report[0][len(FILENAME):]
    only = [r for r in got if r["IncreMem_MiB"] is not None and r["TotalMem_MiB"] is None]
    assert [r["IncreMem_MiB"] for r in only] == [1.9, 2.9]


def test_query_filters_old_and_foreign_lines(console):
    traces = traces_from_console(console)
    now = now_after(traces)
    old = [dict(r, timestamp=r["timestamp"] - 2 * DAY) for r in traces]
    both = K.Table(old + traces.rows, traces.columns)
    assert list(memline_query(both, now)) == list(memline_query(traces, now))
    # the user's own log lines and the host's lines are in traces too
    assert any(r["message"] == "Python HTTP trigger function processed a request."
               for r in traces)


# ---- the guide's query on the same lines ----

def seed_rows_by_line(seed, traces):
    """report line (without the prefix) -> the seed query's row for it."""
    by_id = {r["itemId"]: r["message"] for r in traces}
    return {by_id[r["RequestId"]][len(PREFIX):]: r for r in seed
            if by_id[r["RequestId"]].startswith(PREFIX)}


def split_at_next(text, delimiters):
    """Simple-mode parse of `text` by the pattern C1 "d1" C2 "d2" ... Cn."""
    out, pos = [], 0
    for d in delimiters:
        at = text.find(d, pos)
        if at < 0:
            return ("",) * (len(delimiters) + 1)
        out.append(text[pos:at])
        pos = at + len(d)
    return tuple(out) + (text[pos:],)


def test_seed_query_misassigns_columns(console):
    traces = traces_from_console(console)
    seed = list(seed_query(traces, now_after(traces)))
    assert [list(r) for r in seed] == [SEED_COLUMNS] * len(seed)
    reports = reports_of(traces)
    rows = seed_rows_by_line([r for r in seed if not r["LineNumber"].startswith("/")], traces)
    checked = 0
    for rep in reports:
        for line in rep.lines:
            r = rows[line]
            n = line[:6].strip()
            ran = line[7:19].strip() != ""
            # every value is a string; no column holds its own cell
            assert all(isinstance(r[c], str) for c in SEED_COLUMNS[1:])
            assert r["LineNumber"] == ""
            # what "each constant is the next occurrence after the previous
            # column, the last column takes the rest" gives, by str.find
            assert (r["LineNumber"], r["TotalMem_MiB"], r["IncreMem_MiB"], r["Occurences"],
                    r["Contents"]) == split_at_next(line, ["  "] * 4)
            if len(n) == 2:
                # '    23     10.4 MiB ...': two empty cells, then the line
                # number lands in IncreMem_MiB, everything else in Contents
                assert (r["TotalMem_MiB"], r["IncreMem_MiB"], r["Occurences"]) == ("", n, "")
                assert r["Contents"] == line[10:]
            else:
                assert len(n) == 3
                # '   115     10.4 MiB ...': the line number, with a leading
                # space, lands in TotalMem_MiB
                assert r["TotalMem_MiB"] == " " + n and r["IncreMem_MiB"] == ""
            if ran:
                assert " MiB " in r["Contents"]
            checked += 1
    assert checked == sum(len(rep.lines) for rep in reports) == 20
    # the Filename line comes out twice: once all empty, once with the path
    # in LineNumber; the header and the rule come out as rows too
    paths = [r for r in seed if r["LineNumber"].startswith("/")]
    assert [r["LineNumber"] for r in paths] == [rep.filename for rep in reports]
    assert all(r[c] == "" for r in paths for c in SEED_COLUMNS[2:-1])
    by_line = seed_rows_by_line(seed, traces)
    empty = {c: "" for c in SEED_COLUMNS[1:-1]}
    assert {c: rows["Filename: " + reports[0].filename][c] for c in empty} == empty
    assert {c: by_line[RULE][c] for c in empty} == empty
    header = by_line[HEADER]
    assert (header["LineNumber"], header["TotalMem_MiB"], header["IncreMem_MiB"],
            header["Occurences"], header["Contents"]) == \
        ("Line #", "", "Mem usage", "", "Increment  Occurrences   Line Contents")
    # 'RequestId' is itemId: a new value on every row, so it groups nothing
    assert len({r["RequestId"] for r in seed}) == len(seed) - len(reports)
    assert len(seed) == sum(len(rep.lines) + 4 for rep in reports)


def test_seed_query_examples_from_stored_lines():
    """The exact rows docs/kusto.md quotes."""
    traces = traces_from_console(stored_console())
    rows = seed_rows_by_line(list(seed_query(traces, now_after(traces))), traces)

    def pick(line_start):
        (line,) = [k for k in rows if k.startswith(line_start)]
        r = rows[line]
        return line, (r["LineNumber"], r["TotalMem_MiB"], r["IncreMem_MiB"], r["Occurences"],
                      r["Contents"])

    line, got = pick("    25 ")
    assert got == ("", "", "25", "", line[10:])
    assert got[4].startswith(" 2") and got[4].endswith(" MiB           1       scratch = "
                                                        "bytearray(8_000_000)")
    line, got = pick("    27 ")
    assert got == ("", "", "27", "", " " * 37 + '        raise ValueError("no url")')
    line, got = pick("   118 ")
    assert got[:3] == ("", " 118", "") and got[3] == " " + line[7:19].strip()
    assert got[4].endswith(" MiB           1               text = await response.text()")


# ---- the doc says what the code does ----

def doc_text():
    with open(DOC) as f:
        return f.read()


def test_doc_shows_these_queries():
    doc = doc_text()
    assert "```kusto\n" + QUERY + "\n```" in doc
    assert "```kusto\n" + SEED_QUERY + "\n```" in doc
    if os.path.exists(SEED_DOC):
        with open(SEED_DOC) as f:
            assert SEED_QUERY in f.read()


def test_doc_example_tables_are_the_query_output():
    doc = doc_text()
    for name, table in doc_tables(stored_console()).items():
        assert table in doc, "docs/kusto.md lacks the %s table:\n%s" % (name, table)


def test_doc_console_lines_are_the_stored_ones():
    doc = doc_text()
    (block,) = [b for b in re.findall(r"```text\n(.*?)\n```", doc, re.S)
                if "] Executing 'Functions." in b]
    assert block.count("memory_profiler_logs: Filename: ") == 2
    assert stored_console().startswith(block + "\n")


def test_stored_console_is_from_this_app():
    text = stored_console()
    traces = traces_from_console(text)
    assert [r.filename.split("functions_app/")[1] for r in reports_of(traces)] == \
        ["HttpTriggerSync/__init__.py", "HttpTriggerAsync/__init__.py",
         "HttpTriggerSync/__init__.py"]


# ---- kusto.py against Microsoft's reference examples ----

SLICES = [
    "Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=23, "
    "lockTime=02/17/2016 08:40:01, releaseTime=02/17/2016 08:40:01, "
    "previousLockTime=02/17/2016 08:39:01)",
    "Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=15, "
    "lockTime=02/17/2016 08:40:00, releaseTime=02/17/2016 08:40:00, "
    "previousLockTime=02/17/2016 08:39:00)",
    "Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=20, "
    "lockTime=02/17/2016 08:40:01, releaseTime=02/17/2016 08:40:01, "
    "previousLockTime=02/17/2016 08:39:01)",
    "Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=22, "
    "lockTime=02/17/2016 08:41:01, releaseTime=02/17/2016 08:41:00, "
    "previousLockTime=02/17/2016 08:40:01)",
    "Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=16, "
    "lockTime=02/17/2016 08:41:00, releaseTime=02/17/2016 08:41:00, "
    "previousLockTime=02/17/2016 08:40:00)",
]


def traces_table(texts):
    return K.Table([{"EventText": t} for t in texts], [("EventText", "string")])


def dt(text):
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def by_slice(table, columns):
    return sorted((tuple(r[c] for c in columns) for r in table), key=str)


def test_parse_simple_reference_example():
    # parse-operator: "Parse and extend results"
    t = traces_table(SLICES).parse(
        "EventText", '* "resourceName=" resourceName ", totalSlices=" totalSlices: long * '
        '"sliceNumber=" sliceNumber: long * "lockTime=" lockTime ", releaseTime=" '
        'releaseTime: date "," * "previousLockTime=" previousLockTime: date ")" *')
    cols = ["resourceName", "totalSlices", "sliceNumber", "lockTime", "releaseTime",
            "previousLockTime"]
    assert by_slice(t.project(*cols), cols) == by_slice([
        dict(zip(cols, v)) for v in [
            ("PipelineScheduler", 27, 15, "02/17/2016 08:40:00", dt("2016-02-17 08:40:00"),
             dt("2016-02-17 08:39:00")),
            ("PipelineScheduler", 27, 23, "02/17/2016 08:40:01", dt("2016-02-17 08:40:01"),
             dt("2016-02-17 08:39:01")),
            ("PipelineScheduler", 27, 20, "02/17/2016 08:40:01", dt("2016-02-17 08:40:01"),
             dt("2016-02-17 08:39:01")),
            ("PipelineScheduler", 27, 16, "02/17/2016 08:41:00", dt("2016-02-17 08:41:00"),
             dt("2016-02-17 08:40:00")),
            ("PipelineScheduler", 27, 22, "02/17/2016 08:41:01", dt("2016-02-17 08:41:00"),
             dt("2016-02-17 08:40:01"))]], cols)
    assert t.type("totalSlices") == "long" and t.type("lockTime") == "string"
    assert t.type("releaseTime") == "datetime"


def test_parse_simple_reference_email_example():
    # parse-operator: "Extract email alias and DNS"
    leads = K.Table([{"Contacts": c} for c in [
        "Event: LeadContact (email=john@contosohotel.com, Website=https:contosohotel.com)",
        "Event: LeadContact (email=abi@fourthcoffee.com, Website=https:www.fourthcoffee.com)",
    ]], [("Contacts", "string")])
    t = (leads
         .parse("Contacts", '* "email=" alias:string "@" domain: string ", Website=https:" '
                'WebsiteDomain: string ")"')
         .project(("EmailAddress", lambda r: r["alias"] + "@" + r["domain"]),
                  ("EmailAlias", lambda r: r["alias"]), "WebsiteDomain"))
    assert [tuple(r.values()) for r in t] == [
        ("john@contosohotel.com", "john", "contosohotel.com"),
        ("abi@fourthcoffee.com", "abi", "www.fourthcoffee.com")]


def test_parse_simple_takes_the_next_occurrence_and_the_rest():
    t = K.Table([{"s": "a  b  c  d"}], [("s", "string")])
    r = t.parse("s", 'x "  " y "  " z').rows[0]
    assert (r["x"], r["y"], r["z"]) == ("a", "b", "c  d")
    # a leading constant must be at the very start; `*` skips to it
    assert t.parse("s", '"b" rest').rows[0]["rest"] == ""
    assert t.parse("s", '* "b" rest').rows[0]["rest"] == "  c  d"
    # a trailing constant must end the string; a trailing `*` skips the rest
    assert t.parse("s", 'x "  "').rows[0]["x"] == ""
    assert t.parse("s", 'x "  c"').rows[0]["x"] == ""
    assert t.parse("s", 'x "  c" *').rows[0]["x"] == "a  b"


def test_parse_failure_keeps_the_row_with_null_columns():
    t = K.Table([{"s": "x=1"}, {"s": "y=2"}, {"s": "x=z"}], [("s", "string")])
    out = t.parse("s", '"x=" v:long').project("s", "v")
    assert list(out) == [{"s": "x=1", "v": 1}, {"s": "y=2", "v": None}, {"s": "x=z", "v": None}]
    out = t.parse("s", '"x=" v')
    assert [r["v"] for r in out] == ["1", "", "z"]          # string: empty, not null
    with pytest.raises(ValueError):
        t.parse("s", '"x=" v *')                            # `*` after a string column


def test_parse_regex_reference_example():
    # parse-operator: "Regex mode"
    t = traces_table(SLICES).parse(
        "EventText",
        r'''"(.*?)[a-zA-Z]*=" resourceName @", totalSlices=\s*\d+\s*.*?sliceNumber=" '''
        r'''sliceNumber: long  ".*?(previous)?lockTime=" lockTime ".*?releaseTime=" '''
        r'''releaseTime ".*?previousLockTime=" previousLockTime: date "\\)"''', kind="regex")
    cols = ["resourceName", "sliceNumber", "lockTime", "releaseTime", "previousLockTime"]
    assert by_slice(t, cols) == by_slice([dict(zip(cols, v)) for v in [
        ("PipelineScheduler", 15, "02/17/2016 08:40:00, ", "02/17/2016 08:40:00, ",
         dt("2016-02-17 08:39:00")),
        ("PipelineScheduler", 23, "02/17/2016 08:40:01, ", "02/17/2016 08:40:01, ",
         dt("2016-02-17 08:39:01")),
        ("PipelineScheduler", 20, "02/17/2016 08:40:01, ", "02/17/2016 08:40:01, ",
         dt("2016-02-17 08:39:01")),
        ("PipelineScheduler", 16, "02/17/2016 08:41:00, ", "02/17/2016 08:41:00, ",
         dt("2016-02-17 08:40:00")),
        ("PipelineScheduler", 22, "02/17/2016 08:41:01, ", "02/17/2016 08:41:00, ",
         dt("2016-02-17 08:40:01"))]], cols)


def test_parse_regex_reference_flags_example():
    # parse-operator: "Regex mode with regex flags": greedy by default, U
    # for ungreedy, i for case-insensitive
    t = traces_table(SLICES[:1])
    greedy = t.parse("EventText", '''* "resourceName=" resourceName ',' *''', kind="regex")
    assert greedy.rows[0]["resourceName"] == (
        "PipelineScheduler, totalSlices=27, sliceNumber=23, lockTime=02/17/2016 08:40:01, "
        "releaseTime=02/17/2016 08:40:01")
    lazy = t.parse("EventText", '''* "RESOURCENAME=" resourceName ',' *''', kind="regex",
                   flags="Ui")
    assert lazy.rows[0]["resourceName"] == "PipelineScheduler"
    case = t.parse("EventText", '''* "RESOURCENAME=" resourceName ',' *''', kind="regex",
                   flags="U")
    assert case.rows[0]["resourceName"] == ""                # no match without i


def test_parse_regex_reference_newline_example():
    # parse-operator: flags=s, and a user group in a constant
    text = SLICES[1].replace(", ", "\n")
    t = traces_table([text]).parse(
        "EventText", r'''* "resourceName=" resourceName: string "(.*?)totalSlices=" '''
        r'''totalSlices: long "(.*?)lockTime=" lockTime: datetime "(.*?)releaseTime=" '''
        r'''releaseTime: datetime "(.*?)previousLockTime=" previousLockTime: datetime "\\)"''',
        kind="regex", flags="s")
    r = t.rows[0]
    assert (r["resourceName"], r["totalSlices"], r["lockTime"], r["releaseTime"],
            r["previousLockTime"]) == ("PipelineScheduler\n", 27, dt("2016-02-17 08:40:00"),
                                       dt("2016-02-17 08:40:00"), dt("2016-02-17 08:39:00"))


def test_parse_regex_flip_greediness():
    assert K._flip_greediness(r"a.*b+?c?(?:d{2,3})\(?[*+]") == r"a.*?b+c??(?:d{2,3}?)\(??[*+]"


def test_extract_reference_examples():
    # extract-function examples
    dates = K.Table([{"DateString": d} for d in ["15-12-2024", "21-07-2023", "10-03-2022"]],
                    [("DateString", "string")])
    out = dates.extend(("Month", lambda r: K.extract(r"-(\d{2})-", 1, r["DateString"], "int")))
    assert [(r["DateString"], r["Month"]) for r in out] == \
        [("15-12-2024", 12), ("21-07-2023", 7), ("10-03-2022", 3)]
    text = "User: JohnDoe, Email: johndoe@example.com, Age: 29"
    assert K.extract("User: ([^,]+)", 1, text) == "JohnDoe"
    assert K.extract("User: ([^,]+)", 0, text) == "User: JohnDoe"
    assert K.extract("Nobody: (.*)", 1, text) == ""                 # string null
    assert K.extract("Age: (.*)", 1, text, "long") == 29
    assert K.extract("Email: (.*?),", 1, text, "long") is None      # conversion fails
    assert K.extract("(a)|(b)", 2, "a", "real") is None             # group did not take part


def test_row_cumsum_reference_examples():
    # row-cumsum-function examples
    t = K.Table([{"a": a} for a in range(1, 11)], [("a", "long")])
    with pytest.raises(ValueError):
        t.extend(("cs", K.RowCumsum(lambda r: r["a"])))             # not serialized
    evens = t.where(lambda r: r["a"] % 2 == 0).serialize()
    assert [(r["a"], r["cs"]) for r in evens.extend(("cs", K.RowCumsum(lambda r: r["a"])))] \
        == [(2, 2), (4, 6), (6, 12), (8, 20), (10, 30)]
    pay = K.Table([dict(zip(("name", "month", "salary"), v)) for v in [
        ("Alice", 1, 1000), ("Bob", 1, 1000), ("Alice", 2, 2000), ("Bob", 2, 1950),
        ("Alice", 3, 1400), ("Bob", 3, 1450)]],
        [("name", "string"), ("month", "int"), ("salary", "long")])
    out = (pay.order_by(("name", "asc"), ("month", "asc"))
           .extend(("total", K.RowCumsum(lambda r: r["salary"],
                                         lambda r, prev: K.ne(r["name"],
                                                              prev["name"] if prev else None)))))
    assert [tuple(r.values()) for r in out] == [
        ("Alice", 1, 1000, 1000), ("Alice", 2, 2000, 3000), ("Alice", 3, 1400, 4400),
        ("Bob", 1, 1000, 1000), ("Bob", 2, 1950, 2950), ("Bob", 3, 1450, 4400)]


def test_join_reference_examples():
    # join-innerunique: the default flavor keeps the first left row per key
    x = K.Table([{"Key": k, "Value1": v} for k, v in [("a", 1), ("b", 2), ("b", 3), ("c", 4)]],
                [("Key", "string"), ("Value1", "long")])
    y = K.Table([{"Key": k, "Value2": v} for k, v in [("b", 10), ("c", 20), ("c", 30),
                                                       ("d", 40)]],
                [("Key", "string"), ("Value2", "long")])
    out = x.join(y, on="Key")
    assert out.names == ["Key", "Value1", "Key1", "Value2"]
    assert [tuple(r.values()) for r in out] == [("b", 2, "b", 10), ("c", 4, "c", 20),
                                                ("c", 4, "c", 30)]
    inner = x.join(y, on="Key", kind="inner")
    assert [tuple(r.values()) for r in inner] == [("b", 2, "b", 10), ("b", 3, "b", 10),
                                                  ("c", 4, "c", 20), ("c", 4, "c", 30)]


def test_union_outer_and_order_by():
    a = K.Table([{"k": 2, "s": "x"}], [("k", "long"), ("s", "string")])
    b = K.Table([{"k": None, "n": 1.5}, {"k": 1, "n": None}], [("k", "long"), ("n", "real")])
    u = a.union(b)
    assert u.names == ["k", "s", "n"]
    # a missing string cell is "", any other missing cell null
    assert list(u) == [{"k": 2, "s": "x", "n": None}, {"k": None, "s": "", "n": 1.5},
                       {"k": 1, "s": "", "n": None}]
    assert [r["k"] for r in u.order_by("k")] == [2, 1, None]               # desc, nulls last
    assert [r["k"] for r in u.order_by(("k", "asc"))] == [None, 1, 2]      # nulls first
    assert [r["k"] for r in u.order_by(("k", "asc", "nulls last"))] == [1, 2, None]
    assert [r["k"] for r in u.order_by(("k", "desc", "nulls first"))] == [None, 2, 1]


def test_where_drops_false_and_null():
    t = K.Table([{"v": 1}, {"v": None}, {"v": 3}], [("v", "long")])
    assert [r["v"] for r in t.where(lambda r: K.ne(r["v"], 1))] == [3]
    assert K.iff(None, "then", "else") == "else" and K.iff(True, 1, 2) == 1
    assert K.startswith_cs("memory_profiler_logs: x", "memory_profiler_logs:")
    assert not K.startswith_cs("Memory_profiler_logs: x", "memory_profiler_logs:")
