"""Runs one workload for scripts/bench-lines, the same way in every
configuration, so that only the profiler differs:

    python run.py MODE WORKLOAD.py HOT[,HOT...] [ARGS...]

MODE
  plain        import the workload and call its main(ARGS): bare, memline
               (the preload does its own selecting) and Memray runs
  tracemalloc  tracemalloc.start() first, then as plain
  mprof        import the workload, replace each HOT function in its module
               by memory_profiler.profile(HOT, stream=open(os.devnull, "w")),
               then call main(ARGS): what @profile on those functions does,
               while the workload file itself stays undecorated
"""
import importlib.util
import os
import sys


def main():
    mode, path, hot = sys.argv[1], sys.argv[2], sys.argv[3]
    args = sys.argv[4:]
    if mode == "tracemalloc":
        import tracemalloc
        tracemalloc.start()
    elif mode not in ("plain", "mprof"):
        sys.exit("run.py: unknown mode %r" % mode)
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    if mode == "mprof":
        import memory_profiler
        stream = open(os.devnull, "w")
        for fn in hot.split(","):
            setattr(mod, fn, memory_profiler.profile(getattr(mod, fn), stream=stream))
    mod.main(args)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
