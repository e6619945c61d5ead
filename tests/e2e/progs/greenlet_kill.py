"""3.8-3.11: a selected function in a greenlet started while the main
greenlet waited in a Python callee, thrown into (killed) later from the
hub while main switched there directly (no callee): when it ended, it put
back the callee's quiet -- a raised tracing count -- and main, resumed,
got no line events again (gevent's blocking kill did this)."""
import greenlet


def victim():
    a = bytearray(1_000_000)                # L:va
    wait()
    return len(a)


def wait():
    hub.switch()


def sleep_a_little():
    hub.switch()


def hub_run():
    gv.switch()                             # victim starts, waits
    kill = main_g.switch()                  # back to main's callee
    kill.throw()                            # main waits here, directly
    main_g.switch()


def main():
    global gv
    gv = greenlet.greenlet(victim, parent=hub)
    sleep_a_little()                        # L:sleep
    hub.switch(gv)                          # L:kill
    x = bytearray(3_000_000)                # L:x
    y = bytearray(4_000_000)                # L:y
    return len(x) + len(y)                  # L:ret


main_g = greenlet.getcurrent()
hub = greenlet.greenlet(hub_run)
print(main(), gv.dead)
