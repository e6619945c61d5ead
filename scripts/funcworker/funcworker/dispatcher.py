"""The worker's side of the FunctionRpc EventStream.

Follows Azure's proxy worker (azure-functions-python-worker, proxy_worker/
dispatcher.py) in everything that decides where code runs and where logs go:

- a thread named ``grpc_local-thread`` owns the gRPC channel: it reads the
  host's StreamingMessages and hands each to the asyncio loop on the main
  thread as a task, and it writes whatever the loop puts on the response
  queue (responses and RpcLogs);
- the loop calls the library worker's handlers (``worker_init_request``,
  ``functions_metadata_request``, ``function_load_request``,
  ``invocation_request``) with a ``WorkerRequest`` whose ``properties``
  carry ``protos``; the library runs sync functions in its thread pool and
  awaits async ones on this loop;
- once the stream is up, the console handler is detached and a handler with
  no formatter of its own is put on the *root* logger: each record's message
  (``record.getMessage()`` via ``logging.Handler.format``'s default) and its
  logger name (the RpcLog category) go to the host as an RpcLog.

Differences, on purpose: it runs on Python 3.8+ (no ``match``), reports
which library it loaded in the WorkerMetadata's custom_properties, and it
exits when the host closes the stream, so no worker outlives its host.
"""
import asyncio
import logging
import os
import queue
import sys
import threading
import traceback
from typing import Any, Dict, Optional

import grpc

from . import protos
from .logs import (CONSOLE_LOG_PREFIX, disable_console_logging,
                   enable_console_logging, error_logger,
                   is_system_log_category, logger)

VERSION = "1.0"

# Library worker, chosen at WorkerInitRequest.
_library_worker = None

_thread_invocation_registry: Dict[int, str] = {}
_registry_lock = threading.Lock()
_current_invocation_id: Optional[str] = None
_current_invocation_lock = threading.Lock()


def _format_exception(ex):
    return "".join(traceback.format_exception(type(ex), ex, ex.__traceback__))


class ContextEnabledTask(asyncio.Task):
    AZURE_INVOCATION_ID = "__azure_function_invocation_id__"

    def __init__(self, coro, loop, context=None, **kwargs):
        if context is not None:                 # 3.11+
            kwargs["context"] = context
        super().__init__(coro, loop=loop, **kwargs)
        current_task = asyncio.current_task(loop)
        if current_task is not None:
            invocation_id = getattr(current_task, self.AZURE_INVOCATION_ID, None)
            if invocation_id is not None:
                self.set_azure_invocation_id(invocation_id)

    def set_azure_invocation_id(self, invocation_id):
        setattr(self, self.AZURE_INVOCATION_ID, invocation_id)


def set_thread_invocation_id(thread_id, invocation_id):
    with _registry_lock:
        _thread_invocation_registry[thread_id] = invocation_id


def clear_thread_invocation_id(thread_id):
    with _registry_lock:
        _thread_invocation_registry.pop(thread_id, None)


def set_current_invocation_id(invocation_id):
    global _current_invocation_id
    with _current_invocation_lock:
        _current_invocation_id = invocation_id


def get_current_invocation_id():
    with _current_invocation_lock:
        if _current_invocation_id is not None:
            return _current_invocation_id
    try:
        loop = asyncio._get_running_loop()
        if loop is not None:
            task = asyncio.current_task(loop)
            if task is not None:
                inv = getattr(task, ContextEnabledTask.AZURE_INVOCATION_ID, None)
                if inv is not None:
                    return inv
    except RuntimeError:
        pass
    with _registry_lock:
        return _thread_invocation_registry.get(threading.get_ident())


class AsyncLoggingHandler(logging.Handler):
    """The root handler: no formatter of its own, so ``self.format(record)``
    is the record's message alone."""

    def emit(self, record):
        msg = self.format(record)
        try:
            Dispatcher.current.on_logging(record, msg)
        except RuntimeError as runtime_error:
            print("%s ERROR: %s" % (CONSOLE_LOG_PREFIX, runtime_error),
                  file=sys.stderr, flush=True)


class WorkerRequest:
    def __init__(self, name, request, properties=None):
        self.name = name
        self.request = request
        self.properties = properties


class DispatcherMeta(type):
    __current_dispatcher__ = None

    @property
    def current(cls):
        disp = cls.__current_dispatcher__
        if disp is None:
            raise RuntimeError("no currently running Dispatcher is found")
        return disp


class Dispatcher(metaclass=DispatcherMeta):
    _GRPC_STOP_RESPONSE = object()

    def __init__(self, loop, host, port, worker_id, request_id,
                 grpc_connect_timeout, grpc_max_msg_len=-1):
        self._loop = loop
        self._host = host
        self._port = port
        self._request_id = request_id
        self._worker_id = worker_id
        self._grpc_connect_timeout = grpc_connect_timeout
        self._grpc_max_msg_len = grpc_max_msg_len
        self._old_task_factory = None
        self._forever = None
        self._grpc_resp_queue = queue.Queue()
        self._grpc_connected_fut = loop.create_future()
        self._grpc_thread = threading.Thread(name="grpc_local-thread",
                                             target=self.__poll_grpc)

    # -- logging -------------------------------------------------------
    def on_logging(self, record, formatted_msg):
        if record.levelno >= logging.CRITICAL:
            log_level = protos.RpcLog.Critical
        elif record.levelno >= logging.ERROR:
            log_level = protos.RpcLog.Error
        elif record.levelno >= logging.WARNING:
            log_level = protos.RpcLog.Warning
        elif record.levelno >= logging.INFO:
            log_level = protos.RpcLog.Information
        elif record.levelno >= logging.DEBUG:
            log_level = protos.RpcLog.Debug
        else:
            log_level = getattr(protos.RpcLog, "None")

        if is_system_log_category(record.name):
            log_category = protos.RpcLog.RpcLogCategory.Value("System")
        else:  # the app's loggers, the root logger and memline's
            log_category = protos.RpcLog.RpcLogCategory.Value("User")

        log = dict(level=log_level, message=formatted_msg,
                   category=record.name, log_category=log_category)
        invocation_id = get_current_invocation_id()
        if invocation_id is not None:
            log["invocation_id"] = invocation_id
        self._grpc_resp_queue.put_nowait(protos.StreamingMessage(
            request_id=self.request_id, rpc_log=protos.RpcLog(**log)))

    @property
    def request_id(self):
        return self._request_id

    @property
    def worker_id(self):
        return self._worker_id

    # -- the channel ---------------------------------------------------
    @classmethod
    async def connect(cls, host, port, worker_id, request_id, connect_timeout,
                      max_msg_len=-1):
        loop = asyncio.get_event_loop()
        disp = cls(loop, host, port, worker_id, request_id, connect_timeout,
                   max_msg_len)
        disp._grpc_thread.start()
        await disp._grpc_connected_fut
        logger.info("Successfully opened gRPC channel to %s:%s ", host, port)
        return disp

    def __poll_grpc(self):
        options = []
        if self._grpc_max_msg_len and self._grpc_max_msg_len > 0:
            options.append(("grpc.max_receive_message_length", self._grpc_max_msg_len))
            options.append(("grpc.max_send_message_length", self._grpc_max_msg_len))
        channel = grpc.insecure_channel("%s:%s" % (self._host, self._port), options)
        try:
            grpc.channel_ready_future(channel).result(timeout=self._grpc_connect_timeout)
        except Exception as ex:
            self._loop.call_soon_threadsafe(self._grpc_connected_fut.set_exception, ex)
            return
        else:
            self._loop.call_soon_threadsafe(self._grpc_connected_fut.set_result, True)

        stub = protos.FunctionRpcStub(channel)

        def gen(resp_queue):
            while True:
                msg = resp_queue.get()
                if msg is self._GRPC_STOP_RESPONSE:
                    grpc_req_stream.cancel()
                    return
                yield msg

        grpc_req_stream = stub.EventStream(gen(self._grpc_resp_queue))
        try:
            for req in grpc_req_stream:
                self._loop.call_soon_threadsafe(
                    self._loop.create_task, self._dispatch_grpc_request(req))
        except Exception as ex:
            if ex is grpc_req_stream and grpc_req_stream.code() == grpc.StatusCode.CANCELLED:
                return          # stop() cancelled it
            error_logger.error("gRPC stream to the host ended: %s",
                               getattr(ex, "details", lambda: ex)())
        # The host closed the stream (or went away): nothing left to serve.
        self._loop.call_soon_threadsafe(self._host_gone)

    def _host_gone(self):
        if self._forever is not None and not self._forever.done():
            self._forever.set_result(None)

    async def _dispatch_grpc_request(self, request):
        content_type = request.WhichOneof("content")
        handler = {
            "worker_init_request": self._handle__worker_init_request,
            "function_environment_reload_request":
                self._handle__function_environment_reload_request,
            "functions_metadata_request": self._handle__functions_metadata_request,
            "function_load_request": self._handle__function_load_request,
            "worker_status_request": self._handle__worker_status_request,
            "invocation_request": self._handle__invocation_request,
        }.get(content_type)
        if handler is None:
            logger.error("Unknown StreamingMessage content type: %s", content_type)
            return
        resp = await handler(request)
        self._grpc_resp_queue.put_nowait(resp)

    async def dispatch_forever(self):
        if DispatcherMeta.__current_dispatcher__ is not None:
            raise RuntimeError("there can be only one running dispatcher per process")
        self._old_task_factory = self._loop.get_task_factory()
        DispatcherMeta.__current_dispatcher__ = self
        try:
            self._forever = self._loop.create_future()
            self._grpc_resp_queue.put_nowait(protos.StreamingMessage(
                request_id=self.request_id,
                start_stream=protos.StartStream(worker_id=self.worker_id)))

            self._loop.set_task_factory(
                lambda loop, coro, context=None, **kw: ContextEnabledTask(
                    coro, loop=loop, context=context, **kw))

            logger.info("Detaching console logging.")
            disable_console_logging()

            logging_handler = AsyncLoggingHandler()
            root_logger = logging.getLogger()
            log_level = logging.DEBUG if _is_envvar_true("PYTHON_ENABLE_DEBUG_LOGGING") \
                else logging.INFO
            root_logger.setLevel(log_level)
            root_logger.addHandler(logging_handler)
            logger.info("Switched to gRPC logging.")
            logging_handler.flush()
            try:
                await self._forever
            finally:
                logging_handler.flush()
                root_logger.removeHandler(logging_handler)
                enable_console_logging()
        finally:
            DispatcherMeta.__current_dispatcher__ = None
            self._loop.set_task_factory(self._old_task_factory)
            self.stop()

    def stop(self):
        if self._grpc_thread is not None:
            self._grpc_resp_queue.put_nowait(self._GRPC_STOP_RESPONSE)
            if self._grpc_thread is not threading.current_thread():
                self._grpc_thread.join(timeout=5)
            self._grpc_thread = None
        if _library_worker is not None:
            stop_exec = getattr(_library_worker, "stop_threadpool_executor", None)
            if callable(stop_exec):
                try:
                    stop_exec()
                except Exception:
                    logger.debug("Exception while stopping threadpool executor",
                                 exc_info=True)

    # -- requests ------------------------------------------------------
    @staticmethod
    def reload_library_worker(directory):
        """Azure's choice for a function.json app: azure_functions_runtime_v1
        (PyPI has it for Python 3.13+); this stand-in falls back to its own
        reproduction of it elsewhere."""
        global _library_worker
        try:
            import azure_functions_runtime_v1
            _library_worker = azure_functions_runtime_v1
        except ImportError:
            from . import v1compat
            _library_worker = v1compat

    @staticmethod
    def _library_description():
        mod = _library_worker
        version = getattr(getattr(mod, "version", None), "VERSION", None) \
            or getattr(mod, "VERSION", "?")
        return "%s %s" % (mod.__name__, version)

    async def _handle__worker_init_request(self, request):
        logger.info("Received WorkerInitRequest, python version %s, worker version %s, "
                    "request ID %s.", sys.version, VERSION, self.request_id)
        directory = request.worker_init_request.function_app_directory
        if directory and directory not in sys.path:
            sys.path.append(directory)
        self.reload_library_worker(directory)
        logger.info("Using library: %s, library version: %s", _library_worker,
                    self._library_description())
        init_request = WorkerRequest(name="WorkerInitRequest", request=request,
                                     properties={"protos": protos, "host": self._host})
        try:
            _library_worker.start_threadpool_executor()
        except AttributeError:
            logger.debug("Threadpool executor APIs not present in runtime; skipping start.")
        init_response = await _library_worker.worker_init_request(init_request)
        try:
            init_response.worker_metadata.custom_properties["library"] = \
                self._library_description()
        except Exception:
            pass
        return protos.StreamingMessage(request_id=self.request_id,
                                       worker_init_response=init_response)

    async def _handle__function_environment_reload_request(self, request):
        logger.info("Received FunctionEnvironmentReloadRequest, request ID: %s",
                    self.request_id)
        directory = request.function_environment_reload_request.function_app_directory
        self.reload_library_worker(directory)
        env_reload_request = WorkerRequest(name="FunctionEnvironmentReloadRequest",
                                           request=request,
                                           properties={"protos": protos, "host": self._host})
        try:
            _library_worker.start_threadpool_executor()
        except AttributeError:
            pass
        resp = await _library_worker.function_environment_reload_request(env_reload_request)
        return protos.StreamingMessage(request_id=self.request_id,
                                       function_environment_reload_response=resp)

    async def _handle__worker_status_request(self, request):
        return protos.StreamingMessage(request_id=request.request_id,
                                       worker_status_response=protos.WorkerStatusResponse())

    async def _handle__functions_metadata_request(self, request):
        logger.info("Received WorkerMetadataRequest, request ID %s, worker id: %s",
                    self.request_id, self.worker_id)
        metadata_request = WorkerRequest(name="WorkerMetadataRequest", request=request)
        resp = await _library_worker.functions_metadata_request(metadata_request)
        return protos.StreamingMessage(request_id=request.request_id,
                                       function_metadata_response=resp)

    async def _handle__function_load_request(self, request):
        func_request = request.function_load_request
        logger.info("Received WorkerLoadRequest, request ID %s, function_id: %s, "
                    "function_name: %s, worker_id: %s", self.request_id,
                    func_request.function_id, func_request.metadata.name, self.worker_id)
        load_request = WorkerRequest(name="FunctionLoadRequest", request=request)
        resp = await _library_worker.function_load_request(load_request)
        return protos.StreamingMessage(request_id=self.request_id,
                                       function_load_response=resp)

    async def _handle__invocation_request(self, request):
        invoc_request = request.invocation_request
        invocation_id = invoc_request.invocation_id
        logger.info("Received FunctionInvocationRequest, request ID %s, function_id: %s, "
                    "invocation_id: %s, worker_id: %s", self.request_id,
                    invoc_request.function_id, invocation_id, self.worker_id)
        set_current_invocation_id(invocation_id)
        current_task = asyncio.current_task()
        if isinstance(current_task, ContextEnabledTask):
            current_task.set_azure_invocation_id(invocation_id)
        thread_id = threading.get_ident()
        set_thread_invocation_id(thread_id, invocation_id)
        try:
            invocation_request = WorkerRequest(name="FunctionInvocationRequest",
                                               request=request)
            resp = await _library_worker.invocation_request(invocation_request)
            return protos.StreamingMessage(request_id=self.request_id,
                                           invocation_response=resp)
        except Exception:
            clear_thread_invocation_id(thread_id)
            raise


def _is_envvar_true(name):
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "y", "t")
