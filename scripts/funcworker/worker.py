"""Entry point of the stand-in Python worker that scripts/funchost starts,
with the command line Azure's Functions host gives its Python worker:

    python worker.py --host 127.0.0.1 --port N --workerId ID --requestId ID \
                     [--grpcMaxMessageLength N] [--log-level INFO]

It connects to the host's FunctionRpc gRPC service and serves the
EventStream until the host closes it (see funcworker/dispatcher.py)."""
import argparse
import asyncio
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def parse_args():
    parser = argparse.ArgumentParser(description="Python Azure Functions Worker (stand-in)")
    parser.add_argument("--host", help="host address")
    parser.add_argument("--port", type=int, help="port number")
    parser.add_argument("--workerId", dest="worker_id", help="id for the worker")
    parser.add_argument("--requestId", dest="request_id", help="id of the request")
    parser.add_argument("--log-level", type=str, default="INFO",
                        choices=["TRACE", "INFO", "WARNING", "ERROR"])
    parser.add_argument("--grpcMaxMessageLength", type=int, dest="grpc_max_msg_len",
                        default=-1)
    args, _unknown = parser.parse_known_args()   # later hosts add more flags
    return args


def watch_collections(path, app_dir):
    """FUNCWORKER_GC_LOG=PATH (a diagnostic, used by the tests): one line per
    cyclic garbage collection that starts while a function of the app is
    running on the collecting thread -- "function:line generation" of the
    app's innermost frame.  What such a collection frees (garbage that
    earlier invocations left in reference cycles) is freed on that line,
    and an exact line profiler counts it there."""
    import gc
    out = open(path, "a", buffering=1)
    app_dir = os.path.join(os.path.abspath(app_dir), "")

    def seen(phase, info):
        if phase != "start":
            return
        f = sys._getframe(1)
        while f is not None and not f.f_code.co_filename.startswith(app_dir):
            f = f.f_back
        if f is not None:
            out.write("%s:%d %d\n" % (f.f_code.co_name, f.f_lineno, info["generation"]))

    gc.callbacks.append(seen)


def start():
    from funcworker import logs
    args = parse_args()
    if os.environ.get("FUNCWORKER_GC_LOG"):
        watch_collections(os.environ["FUNCWORKER_GC_LOG"],
                          os.environ.get("AzureWebJobsScriptRoot", os.getcwd()))
    logs.setup(log_level=args.log_level)
    logs.logger.info("Starting Azure Functions Python Worker (funcworker stand-in).")
    logs.logger.info("Worker ID: %s, Request ID: %s, Host Address: %s:%s",
                     args.worker_id, args.request_id, args.host, args.port)
    try:
        return asyncio.run(start_async(args))
    except KeyboardInterrupt:
        # Ctrl-C in the terminal reaches the whole process group; the host
        # is stopping too.
        return 0
    except Exception as ex:
        logs.error_logger.error("unhandled error in functions worker: %s", "".join(
            traceback.format_exception(type(ex), ex, ex.__traceback__)))
        raise


async def start_async(args):
    from funcworker import dispatcher
    disp = await dispatcher.Dispatcher.connect(
        host=args.host, port=args.port, worker_id=args.worker_id,
        request_id=args.request_id, connect_timeout=5.0,
        max_msg_len=args.grpc_max_msg_len)
    await disp.dispatch_forever()


if __name__ == "__main__":
    start()
