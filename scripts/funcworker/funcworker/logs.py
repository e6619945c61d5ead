"""Console logging before the gRPC channel is up, as Azure's worker does it:
worker messages go to stdout (errors to stderr) prefixed with
``LanguageWorkerConsoleLog``; once the channel is up the console handler is
detached and everything goes through the root logger's gRPC handler."""
import logging
import sys

SYSTEM_LOG_PREFIX = "funcworker"
SDK_LOG_PREFIX = "azure.functions"
SYSTEM_ERROR_LOG_PREFIX = "azure_functions_worker_errors"
CONSOLE_LOG_PREFIX = "LanguageWorkerConsoleLog"

logger = logging.getLogger(SYSTEM_LOG_PREFIX)
error_logger = logging.getLogger(SYSTEM_ERROR_LOG_PREFIX)

handler = None
error_handler = None


def setup(log_level="INFO"):
    global handler, error_handler
    if log_level == "TRACE":
        log_level = "DEBUG"
    formatter = logging.Formatter(CONSOLE_LOG_PREFIX + " %(levelname)s: %(message)s")
    error_handler = logging.StreamHandler(sys.stderr)
    error_handler.setFormatter(formatter)
    error_handler.setLevel(getattr(logging, log_level))
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    handler.setLevel(getattr(logging, log_level))
    logger.addHandler(handler)
    logger.setLevel(getattr(logging, log_level))
    error_logger.addHandler(error_handler)
    error_logger.setLevel(getattr(logging, log_level))


def disable_console_logging():
    if logger and handler:
        handler.flush()
        logger.removeHandler(handler)


def enable_console_logging():
    if logger and handler:
        logger.addHandler(handler)


def is_system_log_category(ctg):
    """Worker and SDK messages are 'System' logs (the host shows them only
    with --verbose); everything else, the app's own loggers included, is
    'User'."""
    return ctg.startswith(SYSTEM_LOG_PREFIX) or ctg.startswith(SDK_LOG_PREFIX)
