"""A stand-in for `func host start` with the two triggers of the
memory-profiling guide: runs HttpTriggerSync, HttpTriggerAsync and
HttpTriggerSync again, one invocation each, and prints every log record the
way the Functions host console does: `[<UTC timestamp>] <message>`.

As in Azure, the root logger's handler has no formatter: it forwards only
record.getMessage(), so memline's reports reach it as
`memory_profiler_logs: <report line>` (MEMLINE_OUTPUT=logging).

Run it under memline (tests/e2e/data/make_host_console.py does):
    LD_PRELOAD=build/libmemline.so MEMLINE_OUTPUT=logging \
    MEMLINE_FUNCTIONS=profile_get_request,get_microsoft_page_async python3 host.py
"""
import asyncio
import datetime
import logging
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import HttpTriggerAsync  # noqa: E402
import HttpTriggerSync  # noqa: E402


class HostConsole(logging.Handler):
    """No formatter: the timestamp the host adds, then the message only."""

    def emit(self, record):
        when = datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc)
        sys.stdout.write("[%s] %s\n" % (when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                                        record.getMessage()))


root = logging.getLogger()
root.addHandler(HostConsole())
root.setLevel(logging.INFO)
host = logging.getLogger("Host.Function")


def invoke(name, main, req):
    invocation = str(uuid.uuid4())
    host.info("Executing 'Functions.%s' (Reason='This function was programmatically "
              "called via the host APIs.', Id=%s)", name, invocation)
    start = time.monotonic()
    result = main(req)
    if asyncio.iscoroutine(result):
        result = asyncio.run(result)
    host.info("Executed 'Functions.%s' (Succeeded, Id=%s, Duration=%dms)",
              name, invocation, (time.monotonic() - start) * 1000)
    return result


invoke("HttpTriggerSync", HttpTriggerSync.main, "https://microsoft.com")
invoke("HttpTriggerAsync", HttpTriggerAsync.main, "https://microsoft.com")
invoke("HttpTriggerSync", HttpTriggerSync.main, "https://www.microsoft.com/en-us/")
sys.stdout.flush()
