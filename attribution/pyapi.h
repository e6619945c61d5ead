/*
 * The slice of CPython's C API that memline calls, declared here and
 * found at run time with dlsym(RTLD_DEFAULT), so one library serves a
 * shared libpython and a static python alike, of any supported version.
 * Nothing here may be called from a hook: only with the GIL held.
 */
#ifndef ATTR_PYAPI_H
#define ATTR_PYAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct _object PyObject;
typedef struct _frame PyFrameObject;
typedef PyObject *(*PyCFunction)(PyObject *, PyObject *);
typedef int (*Py_tracefunc)(PyObject *, PyFrameObject *, int, PyObject *);
typedef int (*Py_AuditHookFunction)(const char *, PyObject *, void *);

/* The stable layout of a method definition. */
struct attr_py_method {
	const char *name;
	PyCFunction meth;
	int flags;
	const char *doc;
};

enum {
	ATTR_METH_VARARGS = 0x1,
	ATTR_METH_NOARGS = 0x4,
	ATTR_METH_O = 0x8,
	ATTR_PY_FILE_INPUT = 257,
	ATTR_TRACE_CALL = 0,
	ATTR_TRACE_EXCEPTION = 1,
	ATTR_TRACE_LINE = 2,
	ATTR_TRACE_RETURN = 3,
};

/* X(ret, name, params, required) */
#define ATTR_PYAPI(X)                                                           \
	X(int, Py_IsInitialized, (void), 1)                                     \
	X(const char *, Py_GetVersion, (void), 1)                               \
	X(int, Py_AddPendingCall, (int (*)(void *), void *), 1)                 \
	X(PyObject *, PyImport_AddModule, (const char *), 1)                    \
	X(PyObject *, PySys_GetObject, (const char *), 1)                       \
	X(PyObject *, PyModule_GetDict, (PyObject *), 1)                        \
	X(PyObject *, Py_CompileStringExFlags,                                  \
	  (const char *, const char *, int, void *, int), 1)                    \
	X(PyObject *, PyEval_EvalCode, (PyObject *, PyObject *, PyObject *), 1) \
	X(PyObject *, PyCFunction_NewEx, (struct attr_py_method *, PyObject *,  \
					  PyObject *), 1)                       \
	X(int, PyDict_SetItemString, (PyObject *, const char *, PyObject *), 1) \
	X(PyObject *, PyDict_GetItemString, (PyObject *, const char *), 1)      \
	X(PyObject *, PyObject_GetAttrString, (PyObject *, const char *), 1)    \
	X(PyObject *, PyObject_CallFunction, (PyObject *, const char *, ...), 1) \
	X(PyObject *, PyObject_CallObject, (PyObject *, PyObject *), 1)         \
	X(int, PyObject_IsTrue, (PyObject *), 1)                                \
	X(void, Py_IncRef, (PyObject *), 1)                                     \
	X(void, Py_DecRef, (PyObject *), 1)                                     \
	X(void, PyErr_Fetch, (PyObject **, PyObject **, PyObject **), 1)        \
	X(void, PyErr_Restore, (PyObject *, PyObject *, PyObject *), 1)         \
	X(void, PyErr_Clear, (void), 1)                                         \
	X(void, PyErr_Print, (void), 1)                                         \
	X(int, PyErr_GivenExceptionMatches, (PyObject *, PyObject *), 1)        \
	X(void, PyErr_NormalizeException, (PyObject **, PyObject **, PyObject **), 1) \
	X(void, PyErr_SetObject, (PyObject *, PyObject *), 1)                   \
	X(int, PyException_SetTraceback, (PyObject *, PyObject *), 1)           \
	X(void, PyException_SetContext, (PyObject *, PyObject *), 1)            \
	X(int, PyErr_CheckSignals, (void), 1)                                   \
	X(unsigned long, PyThread_get_thread_ident, (void), 1)                  \
	X(void *, PyEval_SaveThread, (void), 1)                                 \
	X(void, PyEval_RestoreThread, (void *), 1)                              \
	X(PyObject *, PyErr_Occurred, (void), 1)                                \
	X(long, PyLong_AsLong, (PyObject *), 1)                                 \
	X(PyObject *, PyLong_FromLong, (long), 1)                               \
	X(long long, PyLong_AsLongLong, (PyObject *), 1)                        \
	X(PyObject *, PyLong_FromLongLong, (long long), 1)                      \
	X(const char *, PyUnicode_AsUTF8, (PyObject *), 1)                      \
	X(const char *, PyUnicode_AsUTF8AndSize, (PyObject *, ssize_t *), 1)    \
	X(PyObject *, PyUnicode_FromStringAndSize, (const char *, ssize_t), 1)  \
	X(PyObject *, PyUnicode_DecodeUTF8, (const char *, ssize_t, const char *), 1) \
	X(PyObject *, PyUnicode_AsEncodedString, (PyObject *, const char *, const char *), 1) \
	X(PyObject *, PyUnicode_EncodeFSDefault, (PyObject *), 0)               \
	X(PyObject *, PyList_New, (ssize_t), 1)                                 \
	X(int, PyList_Append, (PyObject *, PyObject *), 1)                      \
	X(ssize_t, PyList_Size, (PyObject *), 1)                                \
	X(PyObject *, PyList_GetItem, (PyObject *, ssize_t), 1)                 \
	X(PyObject *, PyTuple_GetItem, (PyObject *, ssize_t), 1)                \
	X(ssize_t, PyTuple_Size, (PyObject *), 1)                               \
	X(char *, PyBytes_AsString, (PyObject *), 1)                            \
	X(ssize_t, PyBytes_Size, (PyObject *), 1)                               \
	X(int, PyFrame_GetLineNumber, (PyFrameObject *), 1)                     \
	X(int, PyCode_Addr2Line, (PyObject *, int), 1)                          \
	X(PyFrameObject *, PyEval_GetFrame, (void), 1)                          \
	X(PyObject *, PyEval_GetGlobals, (void), 1)                             \
	X(PyObject *, PyFrame_GetGenerator, (PyFrameObject *), 0)               \
	X(int, PyFrame_GetLasti, (PyFrameObject *), 0)                          \
	X(PyObject *, PyWeakref_NewRef, (PyObject *, PyObject *), 1)            \
	X(void, PyEval_SetProfile, (Py_tracefunc, PyObject *), 1)               \
	X(void, PyEval_SetTrace, (Py_tracefunc, PyObject *), 1)                 \
	X(int, _PyEval_SetTrace, (void *, Py_tracefunc, PyObject *), 0)         \
	X(void *, _PyInterpreterState_Get, (void), 0)                           \
	X(void *, _PyInterpreterState_GetEvalFrameFunc, (void *), 0)            \
	X(void, _PyInterpreterState_SetEvalFrameFunc, (void *, void *), 0)      \
	X(PyObject *, _PyEval_EvalFrameDefault, (), 0)                          \
	X(int, PyGILState_Ensure, (void), 1)                                    \
	X(void *, PyThreadState_Get, (void), 1)                                 \
	X(void *, PyGILState_GetThisThreadState, (void), 1)                     \
	X(int, PySys_AddAuditHook, (Py_AuditHookFunction, void *), 0)           \
	X(void, PyThreadState_EnterTracing, (void *), 0)                        \
	X(void, PyThreadState_LeaveTracing, (void *), 0)                        \
	X(int, PyCode_AddWatcher, (int (*)(int, PyObject *)), 0)               \
	X(int, PyGC_Disable, (void), 0)                                         \
	X(int, PyGC_Enable, (void), 0)                                          \
	X(void, PyGILState_Release, (int), 1)

struct attr_pyapi {
#define ATTR_PYAPI_FIELD(ret, name, params, required) ret (*name) params;
	ATTR_PYAPI(ATTR_PYAPI_FIELD)
#undef ATTR_PYAPI_FIELD
	int minor;	/* 3.minor */
	PyObject *none;	/* Py_None */
	void *gen_type, *coro_type;	/* PyGen_Type, PyCoro_Type (optional) */
	PyObject *exc_exception;	/* PyExc_Exception */
	PyObject *exc_memory;		/* PyExc_MemoryError */
	PyObject *exc_recursion;	/* PyExc_RecursionError (optional) */
};

extern struct attr_pyapi attr_py;

/* Resolves the table; false (with the missing name) when incomplete. */
bool attr_pyapi_resolve(const char **missing);

#endif
