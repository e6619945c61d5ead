# memline's Python side.  Runs once per process, with the GIL held, in the
# namespace of the _memline module (whose C functions are already there),
# before site is imported: keep imports few and cheap.
import _thread
import _warnings
import posix
import sys

# gc finds the functions made from a code (3.8-3.10 selectors): taken
# now, before the program can hook imports, and left out of sys.modules,
# where the bare interpreter does not have it either.
_had_gc = 'gc' in sys.modules
import gc as _gc  # noqa: E402
if not _had_gc:
    del sys.modules['gc']
del _had_gc

_selectors = []      # [text, kind, scope, pattern, pattern's last part]
_OWN = globals()


# The logging sink imports logging at its first report, in whichever thread
# that is.  A fork in another thread meanwhile would leave the child
# waiting forever on that module's import lock (held by a thread the child
# does not have): os.fork() waits for memline's imports to finish.  The
# waits are bounded, so that no import can deadlock against one.
_importing = _thread.allocate_lock()
_held_for_fork = [False]


def _from_signal_handler(exc):
    """True if exc was raised by one of the program's signal handlers (run
    wherever the main thread was: here): memline must not take it for one
    of its own failures."""
    sig = sys.modules.get('_signal')
    if sig is None:
        return False
    codes = set()
    for n in range(1, 65):
        try:
            code = getattr(sig.getsignal(n), '__code__', None)
        except (ValueError, OSError, TypeError):
            continue
        if code is not None:
            codes.add(code)
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code in codes:
            return True
        tb = tb.tb_next
    return False


def _import(name):
    mod = sys.modules.get(name)
    spec = getattr(mod, '__spec__', None)
    if mod is not None and not getattr(spec, '_initializing', False):
        return mod
    got = _importing.acquire(True, 2.0)
    try:
        __import__(name)
        return sys.modules[name]
    finally:
        if got:
            _importing.release()


def _before_fork():
    _held_for_fork[0] = _importing.acquire(True, 5.0)


def _after_fork():
    if _held_for_fork[0]:
        _held_for_fork[0] = False
        _importing.release()


def _after_fork_child():
    _after_fork()
    del _held[:]             # the parent's finished reports: the parent's to log
    forked()                 # C: forget what the parent's other threads ran


posix.register_at_fork(before=_before_fork, after_in_parent=_after_fork,
                       after_in_child=_after_fork_child)


def _glob(pat, s):
    """fnmatch's '*' and '?' without importing re."""
    p = i = 0
    star = -1
    mark = 0
    while i < len(s):
        if p < len(pat) and (pat[p] == '?' or pat[p] == s[i]):
            p += 1
            i += 1
        elif p < len(pat) and pat[p] == '*':
            star = p
            mark = i
            p += 1
        elif star >= 0:
            p = star + 1
            mark += 1
            i = mark
        else:
            return False
    while p < len(pat) and pat[p] == '*':
        p += 1
    return p == len(pat)


def configure(spec):
    """The selectors of MEMLINE_FUNCTIONS.  Returns (what is wrong with the
    malformed ones, for the one notice, or None; how many are left)."""
    wrong = []
    for raw in spec.split(','):
        text = raw.strip()
        if not text:
            continue
        scope, sep, pattern = text.rpartition(':')
        if not sep:
            kind = None
        elif '/' in scope or scope.endswith('.py'):
            kind = 'path'
        else:
            kind = 'module'
        why = _malformed(kind, scope, pattern)
        if why:
            wrong.append("'%s' (%s)" % (_shown(text), why))
            continue
        if kind == 'module':
            scope = _nfkc(scope)
        elif kind == 'path':
            scope = _path_pattern(_fs_text(scope))
        pattern = _nfkc(pattern)
        _selectors.append([text, kind, scope, pattern, pattern.rpartition('.')[2]])
    if not wrong:
        return None, len(_selectors)
    if len(wrong) > 10:     # the notice is one line, which has a limit
        wrong[10:] = ['and %d more' % (len(wrong) - 10)]
    said = ('has a malformed selector: %s; it is ignored' if len(wrong) == 1 else
            'has malformed selectors: %s; they are ignored') % ', '.join(wrong)
    if not _selectors:
        said = said.rpartition(';')[0] + '; no line reports'
    return said, len(_selectors)


def _fs_text(text):
    """A path of MEMLINE_FUNCTIONS (read as UTF-8) as Python decodes file
    names, which a code's file name is: under a locale that is not UTF-8
    (latin-1, or ascii with PYTHONUTF8=0) the bytes of a non-ASCII name
    decode otherwise."""
    enc = sys.getfilesystemencoding()
    if enc.replace('-', '').replace('_', '').lower() == 'utf8':
        return text
    try:
        return text.encode('utf-8', 'surrogateescape').decode(
            enc, sys.getfilesystemencodeerrors())
    except (UnicodeError, LookupError):
        return text


def _shown(text):
    """text for a notice: its start and end if it is long (out_shown)."""
    if len(text) <= 160:
        return text
    return '%s...%s (%d characters)' % (text[:80], text[-60:], len(text))


def _malformed(kind, scope, pattern):
    """What makes a selector name no function, or None.  A path may hold
    spaces; a module or a qualified name may not, nor an empty part."""
    parts = [('name', pattern)]
    if kind == 'module':
        parts.insert(0, ('module name', scope))
    for what, part in parts:
        if not part:
            return 'no %s %s' % (what, "before ':'" if what == 'module name' else "after ':'")
        for c in part:
            if c.isspace():
                return 'whitespace in its %s' % what
        if '' in part.split('.'):
            return 'an empty part in its %s' % what
    return None


def _nfkc(name):
    """name as Python reads an identifier (NFKC: 'ﬁx' is fix): unicodedata
    imported only for a name that is not ASCII, as the compiler does."""
    if name.isascii():
        return name
    try:
        return _import('unicodedata').normalize('NFKC', name)
    except ImportError:
        return name


def _relative_to_start():
    try:
        return posix.getcwd() + '/'
    except OSError:
        return None


_start = _relative_to_start()    # the directory the program started in


def _filename(code):
    """The code's file name; a relative one (3.8's for a script given so)
    as 3.9+ make it: after the directory the program started in."""
    name = code.co_filename
    if name.startswith('/') or (name.startswith('<') and name.endswith('>')) or not _start:
        return name
    return _start + name


def _normpath(path):
    """A path without its '.' and '..' parts, as the shell reads it (python
    ./app.py, ../src/app.py: CPython keeps them in the code's file name); a
    '..' after a part with a '*' or '?' stays, and so does one at the start
    of a relative path (a selector's path end: ../pkg/mod.py)."""
    if '/.' not in path and not path.startswith('.'):
        return path
    root = path.startswith('/')
    parts = []
    for part in path.split('/'):
        if part in ('', '.'):
            continue
        if part == '..' and not (parts and ('*' in parts[-1] or '?' in parts[-1] or
                                            parts[-1] == '..')):
            if parts:
                parts.pop()
                continue
            if root:            # /.. is /
                continue
        parts.append(part)
    return '/' * root + '/'.join(parts)


def _path_pattern(scope):
    """A selector's path: one starting with './' or '../' is taken from the
    directory the program started in; any other with a '/' loses its '.'
    and '..' parts too (pkg/./mod.py is pkg/mod.py)."""
    if scope.startswith(('./', '../')) and _start:
        return _normpath(_start + scope)
    if '/' in scope:
        return _normpath(scope)
    return scope


def _path_matches(pattern, filename):
    """A pattern with no '/' names the file (app.py, *_test.py), in any
    directory; a relative one names the path's end (pkg/mod.py); an
    absolute one, or one starting with '*', the whole path."""
    if '/' not in pattern:
        return _glob(pattern, filename.rpartition('/')[2])
    if _glob(pattern, filename):
        return True
    return not pattern.startswith(('/', '*')) and _glob('*/' + pattern, filename)


def _global(globs, name):
    """globs[name], or None: globals may be a dict subclass, whose methods
    (and a str subclass's, below) must not run in memline's work."""
    try:
        return dict.get(globs, name)
    except TypeError:
        return None


def _text(s):
    """s as an exact str, or None."""
    if type(s) is str:
        return s
    if issubclass(type(s), str):
        return str.__add__('', s)
    return None


def _module_matches(pattern, globs):
    """The module's __name__, or for __main__ (python -m pkg.mod) also the
    name it was run as (its spec's: a ModuleSpec keeps it in its __dict__)."""
    name = _text(_global(globs, '__name__'))
    if name is None:
        return False
    if _glob(pattern, name):
        return True
    if name != '__main__':
        return False
    try:
        spec = object.__getattribute__(_global(globs, '__spec__'), '__dict__')
    except Exception:
        return False
    name = _text(_global(spec, 'name'))
    return name is not None and _glob(pattern, name)


def _compiler_qualnames(code, globs):
    """The qualified name the compiler gives code: co_qualname on 3.11+;
    before, found by compiling its source again (attribution/reader.py);
    () without one."""
    q = getattr(code, 'co_qualname', None)
    if q is not None:
        return (q,)
    loader = (_global(globs, '__loader__'), _global(globs, '__name__'))
    name = _filename(code)
    if name.endswith(('.pyc', '.pyo')):
        name = name[:-1]
    return _reader()['_compiled_qualnames'](code, name, loader)


_function = type(_glob)


def _function_qualnames(code, quals, func, walk):
    """The __qualname__ of the function that runs code, when the compiler's
    names (quals) did not do: dataclasses and functools.wraps rename the
    functions they make by exec or inside another function.  3.11+ give
    the function from the frame (func).  Before, a function made by exec
    (a file's code has its compiler name from its source) is looked for
    among the referrers of code: a walk of the whole heap, so only for a
    selector whose last part is a name, not a pattern (walk).  Never a
    class body's or a module's (CO_NEWLOCALS)."""
    if not code.co_flags & 0x2:
        return ()
    name = code.co_filename
    # made by exec, or compiled from a source memline cannot read (a .pyc
    # alone, a file deleted or changed since): no compiler's name known
    made = (name.startswith('<') and name.endswith('>')) or not quals
    if func is not None:
        for q in quals:
            made = made or '<locals>' in q
        if quals and not made:
            return ()
        try:
            q = _text(func.__qualname__) if func.__code__ is code else None
        except Exception:
            return ()
        return (q,) if q is not None else ()
    if not made or not walk:
        return ()
    return tuple(q for q in (_text(f.__qualname__) for f in _gc.get_referrers(code)
                             if type(f) is _function and f.__code__ is code) if q is not None)


def _ends(pattern, quals):
    """Does pattern name one of quals, or its end (B.f names A.B.f)?"""
    for q in quals:
        if _glob(pattern, q) or _glob('*.' + pattern, q):
            return True
    return False


def match(code, globs, func=None):
    """Which selectors select code (a tuple of their indices, empty if
    none)?  Once per code object; func, the function that runs it, if the
    frame says (3.11+).  The C side marks them matched when the code first
    runs (a generator made and never run has not: the notice at exit names
    its selector on every version).  A dotted selector whose last part
    names the code's co_name matches the compiler's qualified name of the
    code or the __qualname__ of the function made from it (not of a wrapper
    whose functools.wraps took another name's)."""
    if globs is _OWN:            # memline's own functions never report
        return ()
    hits = []
    quals = funcs = filename = None
    funcs_walked = False
    for i, sel in enumerate(_selectors):
        _, kind, scope, pattern, last = sel
        if kind == 'path':
            if filename is None:
                filename = _filename(code)
                if filename.startswith('/'):
                    filename = _normpath(filename)
            if not _path_matches(scope, filename):
                continue
        if kind == 'module' and not _module_matches(scope, globs):
            continue
        if '.' not in pattern:
            ok = _glob(pattern, code.co_name)
        elif not _glob(last, code.co_name):
            ok = False
        else:
            if quals is None:
                quals = _compiler_qualnames(code, globs)
            ok = _ends(pattern, quals)
            if not ok:
                walk = '*' not in last and '?' not in last
                if funcs is None or (walk and not funcs_walked):
                    funcs = _function_qualnames(code, quals, func, walk)
                    funcs_walked = walk
                ok = _ends(pattern, funcs)
        if ok:
            hits.append(i)
    if hits and globs is not None:
        _loaders[code] = (_global(globs, '__loader__'), _global(globs, '__name__'))
    return tuple(hits)


_loaders = {}         # selected code -> (__loader__, __name__) of its module
_open = open          # as at start-up: a program that replaces the builtins
_compile = compile    # later does not see memline's calls
_exec = exec


def _reader():
    """attribution/reader.py's names, compiled here at the first report (the
    lines a process never reports cost it no start-up), or on 3.8-3.10 at
    the first qualified name read from a source."""
    if '_source' not in _OWN:
        _exec(_compile(_READER, '<memline>', 'exec', 0, True), _OWN)
    return _OWN


def source(code):
    """(filename, first line number, [line texts]) of what a report shows."""
    return _reader()['_source'](code)


_held = []           # reports waiting for logging to be usable
_exiting = False     # memline's exit reports have begun (C sets it)
_why_not = [None]    # why logging could not be imported, the last time
_handler_failed = [True]  # not said yet (see _first)
_untaken_said = [True]    # the notice that the logger shows no INFO record


def _first(flag):
    """True the first time only, whichever threads ask at once (a report
    that waited 2 s for another's lock goes on without it)."""
    try:
        return flag.pop()
    except IndexError:
        return False


def _logging():
    """The logging module, or None while it cannot be used from here: a
    report can end while logging (or threading, which it needs) is being
    imported -- with MEMLINE_FUNCTIONS=* or a selected function that an
    import runs."""
    mod = sys.modules.get('logging')
    if mod is None:
        try:
            mod = _import('logging')
        except Exception as e:
            if _from_signal_handler(e):
                raise
            _why_not[0] = '%s: %s' % (type(e).__name__, e)
            return None
    spec = getattr(mod, '__spec__', None)
    if getattr(spec, '_initializing', False) or not hasattr(mod, 'getLogger'):
        return None
    return mod


def _thread_in_limbo():
    """True while a threading.Thread is starting or ending, unknown to
    threading: a record made now would register a dummy thread for it
    (3.13 then complains at exit).  Threads threading never knew (made by
    C code) log now, as the program's own records would."""
    threading = sys.modules.get('threading')
    active = getattr(threading, '_active', None)
    if active is None or threading.get_ident() in active:
        return False
    bootstrap = getattr(getattr(threading, 'Thread', None), '_bootstrap', None)
    code = getattr(bootstrap, '__code__', None)
    return _on_stack(lambda f: f.f_code is code)


def _stand_in():
    """On a thread threading never knew (made by C code), the records'
    threading.current_thread() would register a threading._DummyThread,
    which 3.8-3.12 never remove (threading.enumerate() would list it for
    good) and whose name takes a number from the counter that names the
    program's threads (its next Thread-N would be Thread-N+1).  While
    memline's records are made a stand-in without a number is there
    instead: (threading._active, ident, stand-in), or None."""
    threading = sys.modules.get('threading')
    active = getattr(threading, '_active', None)
    dummy = getattr(threading, '_DummyThread', None)
    if type(active) is not dict or dummy is None:
        return None
    ident = _thread.get_ident()
    if ident in active:
        return None
    try:
        t = dummy.__new__(dummy)
        threading.Thread.__init__(t, name='Dummy', daemon=True)
        t._started.set()
        t._set_ident()
        handle = getattr(threading, '_make_thread_handle', None)
        if handle is not None:      # 3.13: this thread's, as a dummy has
            t._handle = handle(t._ident)
        if hasattr(t, '_set_native_id'):
            t._set_native_id()
    except Exception as e:          # a threading of another shape: as before
        if _from_signal_handler(e):
            raise
        return None
    return (active, ident, t) if active.setdefault(ident, t) is t else None


def _on_stack(test):
    """True if a frame of this thread's stack passes test."""
    f = sys._getframe(2)
    while f is not None:
        if test(f):
            return True
        f = f.f_back
    return False


# One report's records go out together, whichever threads report at once.
# Bounded wait: a handler that is holding its own lock when a selected
# function it called ends would otherwise wait for us forever.  A child of
# fork makes its own (another thread may have held the parent's).
_one_report = [None, None]          # [pid, lock]


def _report_lock():
    pid = posix.getpid()
    if _one_report[0] != pid:
        _one_report[:] = [pid, _thread.RLock()]
    return _one_report[1]


def _in_logging(logging):
    """True while this thread runs logging's code: a handler called the
    selected function that reports.  A record now would go back into that
    handler, which may hold its lock (a deadlock)."""
    own = getattr(logging, '__dict__', None)
    return _on_stack(lambda f: f.f_globals is own)


def _in_import():
    """True while this thread runs the import system's code (a selected
    function ended in a module's top level, say): it may hold a module's
    import lock that another thread waits for while it holds a logging
    lock -- a handler that imports in emit, a dictConfig importing a
    handler's factory."""
    own = getattr(sys.modules.get('_frozen_importlib'), '__dict__', None)
    return own is not None and _on_stack(lambda f: f.f_globals is own)


def _locks_free(logging, name):
    """Inside an import: are logging's module lock and the locks of the
    handlers a record of logger name goes through free now?  One that
    another thread holds may be held while that thread waits for the import
    this one holds, for ever: the report then waits (log).  Only asked, never
    waited for: each is taken without waiting and let go at once."""
    module = getattr(logging, '_lock', None)
    held = _try_lock(module) if module is not None else None
    if held is False:
        return False
    try:
        c = logging.getLogger(name)
        while c is not None:
            for h in list(c.handlers):
                lk = getattr(h, 'lock', None)
                if lk is None or lk is module:
                    continue
                took = _try_lock(lk)
                if took is False:
                    return False
                if took:
                    lk.release()
            c = c.parent if c.propagate else None
        return True
    finally:
        if held:
            module.release()


def _try_lock(lk):
    """True if lk was taken without waiting (the caller lets it go), False
    if another holds it, None if it cannot be asked so (a lock of the
    program's own kind: counted as free, and not taken)."""
    try:
        return bool(lk.acquire(False))
    except Exception as e:
        if _from_signal_handler(e):
            raise
        return None


def log(name, lines):
    """One report: each of its lines one INFO record of the logger.  A
    handler's failure is the handler's: not raised into the program (one
    notice); an exception of the program's signal handlers goes on."""
    logging = _logging()
    if logging is None or _thread_in_limbo() or _in_logging(logging):
        _held.append((name, lines))
        return
    lock = _report_lock()
    got = lock.acquire(True, 2.0)
    stand_in = None
    try:
        if _in_import() and not _locks_free(logging, name):
            _held.append((name, lines))     # sent with a later report, or at exit
            return
        stand_in = _stand_in()
        failed = _emit_held(logging)
        now = _emit(logging, name, lines)
        failed = failed or now
    except Exception as e:
        if _from_signal_handler(e):
            raise
        failed = e
    finally:
        if stand_in is not None:
            active, ident, t = stand_in
            if active.get(ident) is t:
                del active[ident]
        if got:
            lock.release()
    if failed is not None and _first(_handler_failed):
        notice('MEMLINE_OUTPUT=logging: a logging handler raised %s on a record of the %r '
               'logger: %s; reports it did not take are lost'
               % (type(failed).__name__, name, failed))


def _shut(h):
    """A handler that would not show a record: one closed by
    logging.shutdown (at exit, before an unfinished invocation reports) or
    by the program.  A file handler would open its file again -- mode 'w'
    truncated it, the program's log lost, on 3.8 and 3.9 -- or drop the
    record (3.10+, mode 'w').  At exit (after logging.shutdown), 3.10+ say
    whether a handler is closed, and any closed one but a stream handler
    (whose stream goes on) is taken for gone: a queue handler whose listener
    has stopped, a batching exporter shut down; a memory handler without a
    target would keep the records.  (While the program runs, a closed one
    may well work on: dictConfig closes the handlers it replaces, and a
    queue handler's listener runs on.)  A syslog handler with its socket
    closed (3.8, 3.9) would print an error for each record.  3.8 and 3.9 do
    not say otherwise: a file handler without a stream that opened its file
    when it was made (not delay) is closed -- read under its lock, since a
    rollover empties the stream for a moment; a delayed one only if its
    mode is 'w' and its file has content (opened first by memline's
    record, it would truncate the file too)."""
    if _exiting and type(h).__name__ == 'MemoryHandler' and getattr(h, 'target', True) is None:
        return True
    sock = getattr(h, 'socket', None)       # SysLogHandler's, closed (3.8, 3.9)
    if type(h).__name__ == 'SysLogHandler' and getattr(sock, 'fileno', None):
        try:
            if sock.fileno() == -1:
                return True
        except (OSError, ValueError):
            return True
    if getattr(h, 'baseFilename', None) is None:
        closed = getattr(h, '_closed', False)
        return _exiting and bool(closed) and getattr(h, 'stream', None) is None
    if hasattr(h, '_closed'):   # 3.10+ say it
        return getattr(h, 'stream', True) is None and bool(h._closed)
    lock = getattr(h, 'lock', None)
    try:
        got = lock is not None and lock.acquire(True, 1.0)
    except Exception as e:          # a lock of the program's own kind
        if _from_signal_handler(e):
            raise
        got = False
    try:
        if getattr(h, 'stream', True) is not None:
            return False
        if not getattr(h, 'delay', True):
            return True
    finally:
        if got:
            lock.release()
    if not str(getattr(h, 'mode', 'a')).startswith('w'):
        return False
    try:
        return posix.stat(h.baseFilename).st_size > 0
    except (OSError, TypeError, ValueError):
        return False


def _taken(logging, logger):
    """Would logging show an INFO record of logger?  Not with logging left
    unconfigured (its last resort shows WARNING and up), a level above
    INFO, a logger disabled (by a dictConfig), or no open handler at INFO."""
    if logger.disabled or not logger.isEnabledFor(logging.INFO):
        return False
    c = logger
    while c is not None:
        for h in c.handlers:
            if h.level <= logging.INFO and not _shut(h):
                return True
        if not c.propagate:
            return False
        c = c.parent
    last = getattr(logging, 'lastResort', None)
    return last is not None and last.level <= logging.INFO


_noted_signals = []


def _note_signal(signum, frame):
    _noted_signals.append(signum)


def watch_collections(callback):
    """MEMLINE_OUTPUT=logging: memline told when a collection starts and
    stops (a report that ends in a finalizer it runs waits)."""
    _gc.callbacks.append(callback)


_waiting_now = []   # what signals_wait replaces, for memline's C to put back


def signals_wait():
    """Main thread, before memline's Python runs the program's logging
    handlers (or reads a source): the program's Python signal handlers give
    way to one that only notes the signal, so that none raises inside
    logging (between a lock's acquire and its release).  Returns
    [(signum, handler)], which memline's C puts back (signals_put_back:
    Python here could be interrupted between two of them by a handler
    already back, and leave the rest replaced for good).  If a handler not
    replaced yet raises meanwhile, the exception propagates, and memline
    puts back those replaced already (_waiting_now)."""
    sig = sys.modules.get('_signal')
    found = []
    for n in range(1, 65) if sig is not None else ():
        try:
            h = sig.getsignal(n)
        except (ValueError, OSError, TypeError):
            continue
        if callable(h):
            found.append((n, h))
    _waiting_now[:] = found
    for n, h in found:
        try:
            sig.signal(n, _note_signal)
        except (ValueError, OSError, TypeError):
            continue
    return found


def _emit(logging, name, lines):
    """One report's records; the first exception a handler raised."""
    logger = logging.getLogger(name)
    if not _taken(logging, logger):
        if _first(_untaken_said):
            notice('MEMLINE_OUTPUT=logging: logging would not show the INFO records of logger '
                   '%r (not configured, a level above INFO, the logger disabled, or its '
                   'handlers closed): reports go to stderr until it does' % name)
        to_stderr(lines)
        return
    failed = None
    for line in lines:
        if line:
            try:
                logger.info(line)
            except Exception as e:
                # the records after it still go: the handlers before the
                # one that raised get the whole report
                if _from_signal_handler(e):
                    raise
                failed = failed or e
    return failed


def _emit_held(logging):
    """The reports held back, in order; the first handler failure."""
    failed = None
    while _held:
        now = _emit(logging, *_held.pop(0))
        failed = failed or now
    return failed


def release_held():
    """At exit: what log() had to hold back.  Returns what logging could
    not take at all, [(name, lines, why)], for stderr."""
    if _held and not _thread_in_limbo():
        logging = _logging()
        if logging is not None:
            log(*_held.pop())            # after the others, held before it
        elif _why_not[0] is not None:
            unlogged = [(n, l, _why_not[0]) for n, l in _held]
            del _held[:]
            return unlogged
    return []


def unmatched():
    """[(index, text, more)] of every selector, for the C side to name those
    that matched nothing here or in a forked child (not asked in
    multiprocessing's helper processes: attr_python_mp_helper);
    more: what the notice adds when the program started workers with
    multiprocessing's spawn or forkserver, whose matches it cannot see."""
    if _tool_taken():
        return []       # whether a selector matched cannot be told
    more = ''
    if ('multiprocessing.popen_spawn_posix' in sys.modules or
            'multiprocessing.popen_forkserver' in sys.modules):
        more = (' (nor in its forked children; the workers multiprocessing started '
                'with spawn or forkserver are not counted here and say nothing)')
    return [(i, sel[0], more) for i, sel in enumerate(_selectors)]


_tool = [None]       # 3.12+: memline's sys.monitoring tool id
_tool_set = [0, ()]  # its global events, and (event, callback) pairs


def _tool_changed():
    """Did the program set other global events or callbacks on memline's
    tool id (set_events, register_callback)?  Each callback is put back
    as it is read: register_callback returns the one it replaces."""
    m = sys.monitoring
    try:
        if m.get_events(_tool[0]) != _tool_set[0]:
            return True
        changed = False
        for event, callback in _tool_set[1]:
            changed = m.register_callback(_tool[0], event, callback) is not callback or changed
        return changed
    except Exception:
        return False


def _tool_taken():
    """3.12+, at exit: says if the program freed memline's sys.monitoring
    tool id (free_tool_id), or took it for itself after, which ends
    memline's events: reports after that may be missing.  True if so."""
    if _tool[0] is None:
        return False
    try:
        now = sys.monitoring.get_tool(_tool[0])
    except Exception:
        return False
    if now == 'memline':
        if not _tool_changed():
            return False
        notice('the program changed the events or callbacks of sys.monitoring tool id %d, '
               'which memline used: reports of calls after that may be missing' % _tool[0])
        return True
    if now is None:
        notice('the program freed sys.monitoring tool id %d, which memline used: '
               'reports of calls after that may be missing' % _tool[0])
    else:
        notice('the program took sys.monitoring tool id %d, which memline used, as %r: '
               'reports of calls after that may be missing' % (_tool[0], now))
    return True


# The instruction that hands a generator's frame over to the generator it
# delegates to (yield from, await), and its inline cache entries, by version
_SEND = {(3, 8): (72, 0), (3, 9): (72, 0), (3, 10): (72, 0),
         (3, 11): (123, 0), (3, 12): (123, 1), (3, 13): (104, 1)}


def send_units(code):
    """A generator's code units: 1 where a yield from or an await is (the
    instruction and its caches), 0 elsewhere."""
    op, caches = _SEND.get(sys.version_info[:2], (-1, 0))
    raw = code.co_code
    marks = bytearray(len(raw) // 2)
    for u in range(len(marks)):
        if raw[2 * u] == op:
            for k in range(u, min(u + 1 + caches, len(marks))):
                marks[k] = 1
    return bytes(marks)


def offset_lines(code):
    """3.12+: the line of each code unit, for backward jumps."""
    table = []
    for start, end, line in code.co_lines():
        while len(table) < end // 2:
            table.append(line if line is not None else -1)
    return table


def monitor(start, resume, throw, yield_, return_, unwind, line, jump):
    """3.12+: sys.monitoring with our C callbacks.  Returns the function
    that turns on the local events of one selected code object, and the
    value that tells monitoring to stop calling for a code object."""
    m = sys.monitoring
    for tool in (4, 3, 5, 1, 0, 2):
        if m.get_tool(tool) is None:
            break
    else:
        return None
    m.use_tool_id(tool, 'memline')
    _tool[0] = tool
    E = m.events
    callbacks = ((E.PY_START, start), (E.PY_RESUME, resume), (E.PY_THROW, throw),
                 (E.PY_YIELD, yield_), (E.PY_RETURN, return_), (E.PY_UNWIND, unwind),
                 (E.LINE, line), (E.JUMP, jump))
    for event, callback in callbacks:
        m.register_callback(tool, event, callback)
    # PY_UNWIND and PY_THROW cannot be local; they fire only on exceptions
    m.set_events(tool, E.PY_START | E.PY_UNWIND | E.PY_THROW)
    _tool_set[:] = [E.PY_START | E.PY_UNWIND | E.PY_THROW, callbacks]
    # JUMP: a backward jump within one line is a line event for settrace
    local = E.LINE | E.PY_RETURN | E.PY_YIELD | E.PY_RESUME | E.JUMP

    def select(code):
        """False if the program freed memline's tool id (or took it)."""
        if m.get_tool(tool) != 'memline':
            return False
        m.set_local_events(tool, code, local)
        return True
    return select, m.DISABLE


def follow_threads(hook):
    """Before 3.12: every thread started by threading calls hook first."""
    import threading
    threading.setprofile(hook)


def at_exit(hook):
    import atexit
    atexit.register(hook)
