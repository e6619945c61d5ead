"""memline's Python alone (attribution/boot.py, run here without the
library) with a stand-in for _signal: when replacing the program's
handlers fails part way (out of memory, or a signal handler's exception at
a check in the loop), signals_wait leaves every handler it may have
replaced in _waiting_now, for memline's C to put back (signals_put_back;
see signal_put_back.py for that part).

    python boot_signals_wait.py BOOT_PY
"""
import sys

from fake_signal import FakeSignal, Stop, h_alrm, h_int, h_usr1

ns = {"__name__": "_memline"}
with open(sys.argv[1]) as f:
    exec(compile(f.read(), "boot.py", "exec"), ns)
original = {2: h_int, 10: h_usr1, 14: h_alrm, 15: 0, 17: 1}
for fail_at, error in ((0, None), (1, MemoryError()), (2, MemoryError()), (3, Stop())):
    fake = FakeSignal(original, fail_at, error)
    sys.modules["_signal"] = fake
    try:
        waiting = ns["signals_wait"]()
    except BaseException as e:
        print(fail_at, type(e).__name__, "to put back:",
              [(n, h is original[n]) for n, h in ns["_waiting_now"]])
        continue
    replaced = sorted(n for n, h in fake.handlers.items() if h is ns["_note_signal"])
    print(fail_at, "waiting", sorted(n for n, h in waiting), "replaced", replaced)
