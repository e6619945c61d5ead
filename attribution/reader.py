# memline's source reader: what a report shows of a function's source.
# Compiled at the first report, not at every start (attribution/boot.py,
# source()), in boot.py's namespace: its names (_open, _compile, _loaders,
# _from_signal_handler...) are boot.py's.

_last_file = [None, None]           # (path, size, mtime), text: one file
_last_lines = [None, None]          # a text and its lines: a file's functions
                                    # are read one after another


# code that is never a def's or class's block, even on a decorator's or a
# def's line (a lambda as a default value)
_NO_BLOCK = ('<lambda>', '<listcomp>', '<setcomp>', '<dictcomp>', '<genexpr>')


def _source(code):
    """(filename, first line number, [line texts]) as memory_profiler shows:
    from the first decorator (or def, class) line to the last line of the
    block as memory_profiler's inspect.getblock finds it (comment lines
    indented as the body included), code that is not a def or class over
    the lines its line table names, module code over the whole file.
    Nothing is imported -- an import could meet a module half imported, or
    the program's own import hooks -- and only the block is parsed."""
    filename = code.co_filename
    if filename.endswith(('.pyc', '.pyo')):
        filename = filename[:-1]
    loader = _loaders.pop(code, (None, None))
    text = _read(filename, loader)
    if text is None:
        lines = []
    elif _last_lines[0] is text:        # _read_file's text, not read again
        lines = _last_lines[1]
    else:
        lines = _split(text)
        _last_lines[:] = [text, lines]
    module = code.co_name == '<module>'
    first = 1 if module else code.co_firstlineno
    last = max(first, _last_code_line(code))
    if module:
        n = len(lines)
        while n > last and not lines[n - 1].strip():
            n -= 1
        last = max(last, n)
    elif lines and code.co_name not in _NO_BLOCK:
        end = _block_end(lines, first)
        if end is not None:
            last = max(last, end)
    texts = lines[first - 1:last]
    texts += [''] * (last - first + 1 - len(texts))
    return filename, first, texts


def _read(filename, loader):
    """The file's text, decoded as Python decodes source; else what the
    program's linecache holds for it (notebook cells), else what its
    module's loader gives (zip imports); else None.  A name in <> (code
    made by exec, dataclass methods) is no file and no module's source."""
    pseudo = filename.startswith('<') and filename.endswith('>')
    if not pseudo:
        names = [filename]
        if not filename.startswith('/'):
            # 3.8's name of a script given by a relative path: from the
            # directory the program started in, whatever chdir came since;
            # then as linecache looks: sys.path
            if _start:
                names.insert(0, _start + filename)
            path = sys.path if isinstance(sys.path, list) else []
            names += [d.rstrip('/') + '/' + filename for d in path
                      if isinstance(d, str) and d]
        for name in names:
            text = _read_file(name)
            if text is not None:
                return text
    cache = getattr(sys.modules.get('linecache'), 'cache', None)
    entry = cache.get(filename) if isinstance(cache, dict) else None
    if isinstance(entry, tuple) and len(entry) >= 3 and isinstance(entry[2], list):
        # one line each, as inspect reads them, with or without its end
        return ''.join(l if l.endswith(('\n', '\r')) else l + '\n'
                       for l in entry[2] if isinstance(l, str))
    if pseudo or _special(filename):
        return None     # a loader would read a FIFO too, and wait for ever
    mod_loader, mod_name = loader
    get_source = getattr(mod_loader, 'get_source', None)
    if get_source is None:
        return None
    try:
        text = get_source(mod_name)
    except Exception:        # the program's loader failing is no error of its
        return None          # program's: no source
    return text if isinstance(text, str) else None


def _special(name):
    """True if name is a file, but not a regular one (a FIFO, a device)."""
    try:
        return posix.stat(name).st_mode & 0o170000 != 0o100000
    except (OSError, ValueError, TypeError, OverflowError) as e:
        if _from_signal_handler(e):
            raise
        return False


def _read_file(name):
    try:
        st = posix.stat(name)
        if st.st_mode & 0o170000 != 0o100000:   # a regular file only: not
            return None                         # /dev/zero, /dev/stdin, a FIFO
        key = (name, st.st_size, st.st_mtime_ns)
        if _last_file[0] == key:
            return _last_file[1]
        with _open(name, 'rb') as f:
            data = f.read()
    except (OSError, ValueError, TypeError, OverflowError) as e:
        if _from_signal_handler(e):
            raise
        return None
    text = _decode(data)
    _last_file[:] = [key, text]
    return text


def _cookie(line):
    """The encoding a coding comment names (PEP 263), or None."""
    line = line.lstrip(b' \t\f')
    if not line.startswith(b'#'):
        return None
    at = line.find(b'coding')
    while at >= 0:
        rest = line[at + 6:]
        if rest[:1] in (b':', b'='):
            rest = rest[1:].lstrip(b' \t')
            n = 0
            while n < len(rest) and (rest[n:n + 1].isalnum() or rest[n:n + 1] in b'-_.'):
                n += 1
            if n:
                return _normal_encoding(rest[:n].decode('ascii', 'replace'))
        at = line.find(b'coding', at + 6)
    return None


def _normal_encoding(name):
    """As Python's tokenizer reads the name: utf-8 and latin-1 spellings."""
    e = name[:12].lower().replace('_', '-')
    if e == 'utf-8' or e.startswith('utf-8-'):
        return 'utf-8'
    if e in ('latin-1', 'iso-8859-1', 'iso-latin-1') or \
            e.startswith(('latin-1-', 'iso-8859-1-', 'iso-latin-1-')):
        return 'iso-8859-1'
    return name


def _head_lines(data):
    """The first two lines, however long (\n, \r\n and \r end a line)."""
    lines, at = [], 0
    while len(lines) < 2 and at < len(data):
        ends = [e for e in (data.find(b'\n', at), data.find(b'\r', at)) if e >= 0]
        if not ends:
            lines.append(data[at:])
            break
        e = min(ends)
        lines.append(data[at:e])
        at = e + (2 if data[e:e + 2] == b'\r\n' else 1)
    return lines


def _decode(data):
    if data.startswith(b'\xef\xbb\xbf'):
        return data[3:].decode('utf-8', 'replace')
    head = _head_lines(data)
    enc = _cookie(head[0]) if head else None
    if enc is None and len(head) > 1:         # line 2 counts after a blank or comment
        lead = head[0].lstrip(b' \t\f')
        if not lead or lead[:1] == b'#':
            enc = _cookie(head[1])
    try:
        return data.decode(enc or 'utf-8', 'replace')
    except (LookupError, TypeError) as e:    # an encoding Python does not know
        if _from_signal_handler(e):
            raise
        return data.decode('utf-8', 'replace')


def _split(text):
    """Lines as Python numbers them (\\n, \\r\\n and \\r end a line)."""
    return text.replace('\r\n', '\n').replace('\r', '\n').split('\n')


def _last_code_line(code):
    """The last line the code's line table names."""
    if hasattr(code, 'co_lines'):             # 3.10+
        return max([code.co_firstlineno] +
                   [line for _, _, line in code.co_lines() if line is not None])
    line = last = code.co_firstlineno
    table = code.co_lnotab
    for i in range(1, len(table), 2):
        step = table[i]
        line += step - 256 if step >= 128 else step
        if line > last:
            last = line
    return last


def _indent(line):
    """The line's indentation as the tokenizer counts it: a form feed
    starts the count again."""
    lead = line[:len(line) - len(line.lstrip(' \t\f'))]
    return len(lead) - lead.rfind('\f') - 1


def _is_head(stripped):
    for word in ('def', 'class', 'async'):
        if stripped.startswith(word) and stripped[len(word):len(word) + 1] in (' ', '\t', '(', ':'):
            return True
    return False


def _block_end(lines, first):
    """The last line of the def or class block that starts (decorators
    first) at line first, or None for other code.  Candidate ends are the
    lines that start a statement no deeper than the block's first line;
    the block's own lines are parsed up to each in turn until they parse."""
    n = len(lines)
    if first > n:
        return None
    lead = lines[first - 1].lstrip(' \t\f')
    if not (lead.startswith('@') or _is_head(lead)):
        return None
    head = first - 1
    while head < n and not _is_head(lines[head].lstrip(' \t\f')):
        head += 1
    if head >= n:
        return None
    depth = _indent(lines[first - 1])
    wrap = 'if 1:\n' if depth else ''
    shift = first - 1 - (1 if wrap else 0)
    # the scan's candidates first; if it was misled (3.12's nested f-string
    # quotes), every line no deeper than the block's first
    for stops, most in ((_statement_starts(lines, first - 1, head + 1, depth), 25),
                        (_shallow_lines(lines, head + 1, depth), 400)):
        for tries, stop in enumerate(stops):
            if tries >= most:
                break
            node = _parse_block(wrap + '\n'.join(lines[first - 1:stop]) + '\n')
            if node is not None:
                return _with_comments(lines, node.end_lineno + shift, node, shift)
    return None


def _shallow(line, depth):
    """A line of code (not blank, not a comment) no deeper than depth."""
    s = line.lstrip(' \t\f')
    return bool(s) and s[0] != '#' and _indent(line) <= depth


def _shallow_lines(lines, after, depth):
    for k in range(after, len(lines)):
        if _shallow(lines[k], depth):
            yield k
    yield len(lines)


def _scan(line, quote, level):
    """One line of code read from a state: (the string still open at its
    end -- its quote --, the bracket depth, whether a backslash outside
    strings and comments continues it)."""
    cont = False
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if quote:
            if c == '\\':
                i += 2
            elif line.startswith(quote, i):
                i += len(quote)
                quote = None
            else:
                i += 1
            continue
        if c == '#':
            break
        if c == '"' or c == "'":
            quote = line[i:i + 3] if line[i:i + 3] in ('"""', "'''") else c
            i += len(quote)
            continue
        if c in '([{':
            level += 1
        elif c in ')]}':
            level = max(0, level - 1)
        elif c == '\\' and i == n - 1:
            cont = True
        i += 1
    if quote is not None and len(quote) == 1 and not line.endswith('\\'):
        quote = None                      # a one-quote string ends with its line
    return quote, level, cont


def _statement_starts(lines, start, after, depth):
    """The lines from after on that begin a statement no deeper than depth
    -- outside strings, brackets and backslash continuations, as far as a
    quick scan from start can tell (the parse confirms) -- and then the end."""
    quote = None      # the open string's quote
    level = 0         # bracket depth
    cont = False
    for k in range(start, len(lines)):
        line = lines[k]
        if quote is None and not level and not cont and k >= after and _shallow(line, depth):
            yield k
        quote, level, cont = _scan(line, quote, level)
    yield len(lines)


def _quiet_compile(src, flags):
    """compile(), or None if src does not compile.  The compiler's warnings
    (invalid escapes...) are not shown: a filter that ignores the warnings
    of module <memline> -- the name warnings gives a file of that name,
    which src is compiled as -- goes first in the filters in use meanwhile.
    It matches nothing else, so the warnings of a thread that runs
    meanwhile go on as before."""
    warnings = sys.modules.get('warnings')
    filters = getattr(warnings, 'filters', None) if warnings else None
    if not isinstance(filters, list):
        filters = _warnings.filters
    entry = ('ignore', None, Warning, '<memline>', 0)
    filters.insert(0, entry)
    try:
        return _compile(src, '<memline>', 'exec', flags, True)
    except (SyntaxError, ValueError, MemoryError, RecursionError, OverflowError) as e:
        if _from_signal_handler(e):
            raise
        return None
    finally:
        try:
            filters.remove(entry)
        except ValueError:
            pass


def _parse_block(src):
    """The def or class statement src holds (an AST node), or None."""
    tree = _quiet_compile(src, 0x400)      # PyCF_ONLY_AST
    body = getattr(tree, 'body', None)
    node = body[0] if body else None
    if type(node).__name__ == 'If':
        node = node.body[0] if node.body else None
    if type(node).__name__ not in ('FunctionDef', 'AsyncFunctionDef', 'ClassDef'):
        return None
    return node


def _one_line_block(lines, node, shift):
    """Is the body on the header's logical line (no indented block)?  Then
    inspect.getblock meets no INDENT, and takes no comment after it."""
    first = node.body[0]
    row = first.lineno + shift - 1
    if first.lineno == node.lineno:
        return True
    ahead = lines[row].encode('utf-8', 'surrogatepass')[:first.col_offset]
    if ahead.strip(b' \t\f'):         # "): return x" after a long signature
        return True
    return row > 0 and _scan(lines[row - 1].rstrip(' \t\f'), None, 0)[2]


def _with_comments(lines, end, node, shift):
    """end, or a later line: comment lines after the block, indented as
    its body, belong to it (as inspect.getblock has it)."""
    body = getattr(node, 'body', None)
    if not body or _one_line_block(lines, node, shift):
        return end
    col = body[0].col_offset
    last = end
    for k in range(end, len(lines)):
        s = lines[k].lstrip(' \t\f')
        if not s:
            continue
        if not s.startswith('#'):
            break
        # the comment's own column, form feeds counted as getblock counts
        if len(lines[k]) - len(s) >= col:
            last = k + 1
    return last


# ---- 3.8-3.10: the qualified names the compiler gives code objects ----

_qualname_files = {}    # file name -> ({(co_name, co_firstlineno): [((co_code, *_params),
                        #                                          qualname)]},
                        #             the file's (mtime, size) then)
_COMPREHENSIONS = ('<listcomp>', '<setcomp>', '<dictcomp>', '<genexpr>')


def _compiled_qualnames(code, filename, loader):
    """The qualified names 3.11's co_qualname would give code, which 3.8-
    3.10 do not keep: its file compiled again (once), and the code objects
    of the same name, first line and bytecode found there (see _named); ()
    without a source, or when the file no longer holds that code."""
    table, stamp = _qualname_files.get(filename, (None, None))
    if table is not None:
        found = _named(table, code)
        if found or _stamp(filename) == stamp:
            return found
    stamp = _stamp(filename)        # first, or the file changed: again
    text = _read(filename, loader)
    if text is None:                # not kept: exec's names, one per call,
        return ()                   # would pile up
    top = _quiet_compile(text, 0)
    table = {}
    if top is not None:
        _name_consts(top, None, False, None, table)
    _qualname_files[filename] = (table, stamp)
    return _named(table, code)


def _named(table, code):
    """The names of code's twins in table: the same bytecode; else (code
    compiled from a rewritten tree, as pytest's assertion rewriting makes
    it) the same parameters, if those all have one name."""
    found = table.get((code.co_name, code.co_firstlineno), ())
    same = tuple(q for c, q in found if c[0] == code.co_code)
    if same:
        return same
    names = set(q for c, q in found if c[1:] == _params(code))
    return tuple(names) if len(names) == 1 else ()


def _params(code):
    """What a function's signature makes of its code: the parameter counts
    and names (a rewritten body keeps them; its locals and bytecode grow)."""
    n = (code.co_argcount + code.co_kwonlyargcount + bool(code.co_flags & 0x4) +
         bool(code.co_flags & 0x8))
    return (code.co_argcount, code.co_posonlyargcount, code.co_kwonlyargcount,
            code.co_flags & 0xc, code.co_varnames[:n])


def _stamp(filename):
    try:
        st = posix.stat(filename)
    except (OSError, ValueError, TypeError):
        return None
    return (st.st_mtime_ns, st.st_size)


def _name_consts(parent, qual, in_function, private, table):
    """As compile.c's compiler_set_qualname: the code objects parent makes
    are named after it (qual, None for a module), with '.<locals>' after a
    function or lambda, not after a class body or comprehension; a def or
    class bound to a name that parent declares global is named at the top.
    private: the class whose name mangles __names there."""
    kids = [c for c in parent.co_consts if type(c) is type(parent)]
    stored_global = _global_stores(parent) if kids and qual is not None else ()
    for c in kids:
        name = c.co_name
        body = not c.co_flags & 0x2             # no CO_NEWLOCALS: a class body
        if qual is None or (name not in _COMPREHENSIONS and name != '<lambda>' and
                            _mangle(private, name) in stored_global):
            q = name
        else:
            q = qual + ('.<locals>.' if in_function else '.') + name
        table.setdefault((name, c.co_firstlineno), []).append(((c.co_code,) + _params(c), q))
        _name_consts(c, q, not body and name not in _COMPREHENSIONS,
                     name if body else private, table)


def _global_stores(code):
    """The names code stores with STORE_GLOBAL (97, its argument widened by
    EXTENDED_ARG, 144: 3.8-3.10's two-byte units)."""
    names = set()
    b = code.co_code
    ext = 0
    for i in range(0, len(b) - 1, 2):
        op, arg = b[i], b[i + 1] | ext
        ext = arg << 8 if op == 144 else 0
        if op == 97 and arg < len(code.co_names):
            names.add(code.co_names[arg])
    return names


def _mangle(private, name):
    """name as the compiler stores it inside class private (_Py_Mangle)."""
    if not private or not name.startswith('__') or name.endswith('__') or '.' in name:
        return name
    p = private.lstrip('_')
    return '_' + p + name if p else name


source = _source        # last: boot.py's source() compiles this file until here
