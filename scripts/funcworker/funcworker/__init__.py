"""funcworker: a local stand-in for Azure Functions' Python worker process.

It plays the part of Azure's *proxy worker* (the process the Functions host
starts and talks gRPC to) and hands every request to a *library worker*:
Azure's own ``azure_functions_runtime_v1`` where PyPI has it (Python 3.13+),
otherwise ``funcworker.v1compat``, which reproduces that library's behaviour
for the function.json model on Python 3.8-3.12.
"""
