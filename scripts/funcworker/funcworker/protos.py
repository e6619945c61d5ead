"""The FunctionRpc protobuf messages and gRPC stub.

They are the generated modules that PyPI's azure-functions-runtime-v1 wheel
ships in tests/protos/, copied unchanged into the venv as the package
``functionrpc`` by scripts/setup-azure.  Same names as Azure's
``proxy_worker.protos``: the runtime libraries build their responses with
them (``request.properties['protos']``)."""
from functionrpc import *  # noqa: F401,F403
from functionrpc import FunctionRpc_pb2, FunctionRpcStub  # noqa: F401
