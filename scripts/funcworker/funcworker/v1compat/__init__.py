"""The library worker for Python 3.8-3.12, where PyPI has no
azure-functions-runtime-v1: the same entry points, and the same behaviour
for the function.json model in what matters to a profiler — functions are
imported as ``__app__.<FunctionFolder>``, sync functions run in a
``concurrent.futures.ThreadPoolExecutor`` (``loop.run_in_executor``), async
ones are awaited on the worker's event loop, and triggers and return values
are converted by the azure-functions package's own converters
(``HttpRequest``/``HttpResponse``)."""
from .handle_event import (function_environment_reload_request,  # noqa: F401
                           function_load_request, functions_metadata_request,
                           get_threadpool_executor, invocation_request,
                           start_threadpool_executor, stop_threadpool_executor,
                           worker_init_request)

VERSION = "1.0-funcworker"
