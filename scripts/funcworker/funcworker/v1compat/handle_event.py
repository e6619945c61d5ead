"""Request handlers with azure_functions_runtime_v1.handle_event's contract
(each takes a WorkerRequest and returns the response message built from
``request.properties['protos']``), written for Python 3.8+."""
import asyncio
import importlib
import importlib.machinery
import importlib.util
import inspect
import json
import logging
import os
import sys
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor

logger = logging.getLogger("azure.functions")

_APP_NAMESPACE = "__app__"
_submodule_dirs = []
_functions = {}
_threadpool = None
_registry = None
protos = None


# -- thread pool -------------------------------------------------------------

def start_threadpool_executor():
    global _threadpool
    value = os.environ.get("PYTHON_THREADPOOL_THREAD_COUNT")
    max_workers = None
    if value:
        try:
            max_workers = max(1, int(value))
        except ValueError:
            logger.warning("PYTHON_THREADPOOL_THREAD_COUNT must be an integer")
    if _threadpool is not None:
        _threadpool.shutdown(wait=False)
    _threadpool = ThreadPoolExecutor(max_workers=max_workers)


def stop_threadpool_executor():
    global _threadpool
    if _threadpool is not None:
        _threadpool.shutdown(wait=True)
        _threadpool = None


def get_threadpool_executor():
    return _threadpool


# -- helpers -----------------------------------------------------------------

def _success():
    return protos.StatusResult(status=protos.StatusResult.Success)


def _failure(ex):
    return protos.StatusResult(
        status=protos.StatusResult.Failure,
        exception=protos.RpcException(
            message="%s: %s" % (type(ex).__name__, ex),
            stack_trace="".join(traceback.format_exception(type(ex), ex, ex.__traceback__))))


def _worker_metadata():
    return protos.WorkerMetadata(
        runtime_name="python",
        runtime_version="%d.%d" % sys.version_info[:2],
        worker_version="1.0-funcworker",
        # not platform.machine(): on 3.8 that forks `uname -p`
        worker_bitness=os.uname().machine,
        custom_properties={})


def _install_namespace():
    if _APP_NAMESPACE not in sys.modules:
        spec = importlib.machinery.ModuleSpec(_APP_NAMESPACE, None, is_package=True)
        spec.submodule_search_locations = _submodule_dirs
        mod = importlib.util.module_from_spec(spec)
        mod.__path__ = _submodule_dirs
        sys.modules[_APP_NAMESPACE] = mod


def _datum_from_typed_data(td):
    from azure.functions.meta import Datum
    kind = td.WhichOneof("data")
    if kind == "http":
        http = td.http
        body = _datum_from_typed_data(http.body) if http.HasField("body") else None
        return Datum(type="http", value=dict(
            method=Datum(http.method, "string"),
            url=Datum(http.url, "string"),
            headers={k: Datum(v, "string") for k, v in http.headers.items()},
            body=body or Datum(b"", "bytes"),
            params={k: Datum(v, "string") for k, v in http.params.items()},
            query={k: Datum(v, "string") for k, v in http.query.items()},
        ))
    if kind in ("string", "bytes", "json", "int", "double"):
        return Datum(getattr(td, kind), kind)
    if kind is None:
        return None
    raise NotImplementedError("unsupported TypedData kind: %r" % kind)


def _datum_as_proto(datum):
    if datum is None or datum.type is None:
        return None
    if datum.type == "string":
        return protos.TypedData(string=datum.value)
    if datum.type == "bytes":
        return protos.TypedData(bytes=datum.value)
    if datum.type == "json":
        return protos.TypedData(json=datum.value)
    if datum.type == "int":
        return protos.TypedData(int=datum.value)
    if datum.type == "double":
        return protos.TypedData(double=datum.value)
    if datum.type in ("dict", "list"):
        return protos.TypedData(json=json.dumps(datum.value))
    if datum.type == "http":
        v = datum.value
        return protos.TypedData(http=protos.RpcHttp(
            status_code=v["status_code"].value,
            headers={k: h.value for k, h in v["headers"].items()},
            enable_content_negotiation=False,
            body=_datum_as_proto(v["body"])))
    raise NotImplementedError("unexpected Datum type: %r" % datum.type)


class _Context:
    """What ``context`` gives a function that asks for it."""

    def __init__(self, invocation_id, function_name, function_directory):
        self.invocation_id = invocation_id
        self.function_name = function_name
        self.function_directory = function_directory
        self.thread_local_storage = threading.local()
        self.trace_context = None
        self.retry_context = None


class _FunctionInfo:
    def __init__(self, func, name, directory, inputs, return_binding):
        self.func = func
        self.name = name
        self.directory = directory
        self.inputs = inputs                  # param name -> binding type
        self.return_binding = return_binding  # binding type of $return, or None
        self.is_async = inspect.iscoroutinefunction(func)
        self.requires_context = "context" in inspect.signature(func).parameters


def _load_function(name, directory, script_file, entry_point):
    parent = os.path.dirname(directory)
    if parent not in _submodule_dirs:
        _submodule_dirs.append(parent)
        sys.modules[_APP_NAMESPACE].__path__ = _submodule_dirs
    rel = os.path.relpath(script_file or os.path.join(directory, "__init__.py"), parent)
    parts = rel[:-len(".py")].split(os.sep)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    module = importlib.import_module(".".join([_APP_NAMESPACE] + parts))
    func = getattr(module, entry_point or "main", None)
    if func is None or not callable(func):
        raise AttributeError("function %s has no entry point %r in %s"
                             % (name, entry_point or "main", script_file))
    return func


def _run_sync(context, func, args):
    context.thread_local_storage.invocation_id = context.invocation_id
    try:
        return func(**args)
    finally:
        context.thread_local_storage.invocation_id = None


# -- handlers ----------------------------------------------------------------

async def worker_init_request(request):
    global protos, _registry
    protos = request.properties.get("protos")
    import azure.functions as func
    _registry = func.get_binding_registry()
    _install_namespace()
    capabilities = {
        "RawHttpBodyBytes": "true",
        "TypedDataCollection": "true",
        "RpcHttpBodyOnly": "true",
        "WorkerStatus": "true",
        "RpcHttpTriggerMetadataRemoved": "true",
    }
    return protos.WorkerInitResponse(capabilities=capabilities,
                                     worker_metadata=_worker_metadata(),
                                     result=_success())


async def functions_metadata_request(request):
    logger.info(json.dumps({"message": "Successfully indexed function app.",
                            "azure-functions version": _sdk_version()}))
    return protos.FunctionMetadataResponse(use_default_metadata_indexing=True,
                                           result=_success())


async def function_environment_reload_request(request):
    global protos
    protos = request.properties.get("protos")
    req = request.request.function_environment_reload_request
    os.environ.clear()
    os.environ.update(dict(req.environment_variables))
    if req.function_app_directory:
        sys.path.append(req.function_app_directory)
        os.chdir(req.function_app_directory)
    return protos.FunctionEnvironmentReloadResponse(worker_metadata=_worker_metadata(),
                                                    result=_success())


async def function_load_request(request):
    req = request.request.function_load_request
    md = req.metadata
    try:
        if req.function_id not in _functions:
            func = _load_function(md.name, md.directory, md.script_file, md.entry_point)
            inputs, return_binding = {}, None
            for bname, b in md.bindings.items():
                if bname == "$return":
                    return_binding = b.type
                elif b.direction == protos.BindingInfo.out:
                    raise TypeError("%s: output binding %r is not supported by this "
                                    "stand-in (only $return)" % (md.name, bname))
                else:
                    inputs[bname] = b.type
            _functions[req.function_id] = _FunctionInfo(func, md.name, md.directory,
                                                        inputs, return_binding)
        return protos.FunctionLoadResponse(function_id=req.function_id, result=_success())
    except Exception as ex:
        return protos.FunctionLoadResponse(function_id=req.function_id, result=_failure(ex))


async def invocation_request(request):
    req = request.request.invocation_request
    invocation_id = req.invocation_id
    try:
        fi = _functions[req.function_id]
        logger.info("Function name: %s, Function Type: %s", fi.name,
                    "async" if fi.is_async else "sync")
        context = _Context(invocation_id, fi.name, fi.directory)
        args = {}
        for pb in req.input_data:
            binding = _registry.get(fi.inputs[pb.name])
            args[pb.name] = binding.decode(_datum_from_typed_data(pb.data),
                                           trigger_metadata={})
        if fi.requires_context:
            args["context"] = context
        if fi.is_async:
            result = await fi.func(**args)
        else:
            loop = asyncio.get_event_loop()
            result = await loop.run_in_executor(_threadpool, _run_sync, context, fi.func, args)
        return_value = None
        if fi.return_binding is not None:
            out = _registry.get(fi.return_binding)
            return_value = _datum_as_proto(out.encode(result, expected_type=None))
        sys.stdout.flush()
        return protos.InvocationResponse(invocation_id=invocation_id,
                                         return_value=return_value,
                                         result=_success())
    except Exception as ex:
        return protos.InvocationResponse(invocation_id=invocation_id, result=_failure(ex))


def _sdk_version():
    try:
        import azure.functions as func
        return func.__version__
    except Exception:
        return "?"
