#include "attribution/pyapi.h"

#include <dlfcn.h>

struct attr_pyapi attr_py;

bool attr_pyapi_resolve(const char **missing)
{
	PyObject **exc;

#define ATTR_PYAPI_RESOLVE(ret, name, params, required)                       \
	*(void **)&attr_py.name = dlsym(RTLD_DEFAULT, #name);                 \
	if (!attr_py.name && (required)) {                                    \
		*missing = #name;                                             \
		return false;                                                 \
	}
	ATTR_PYAPI(ATTR_PYAPI_RESOLVE)
#undef ATTR_PYAPI_RESOLVE
	attr_py.none = dlsym(RTLD_DEFAULT, "_Py_NoneStruct");
	if (!attr_py.none) {
		*missing = "_Py_NoneStruct";
		return false;
	}
	exc = dlsym(RTLD_DEFAULT, "PyExc_Exception");
	if (!exc || !*exc) {
		*missing = "PyExc_Exception";
		return false;
	}
	attr_py.exc_exception = *exc;
	exc = dlsym(RTLD_DEFAULT, "PyExc_MemoryError");
	if (!exc || !*exc) {
		*missing = "PyExc_MemoryError";
		return false;
	}
	attr_py.exc_memory = *exc;
	exc = dlsym(RTLD_DEFAULT, "PyExc_RecursionError");
	attr_py.exc_recursion = exc ? *exc : NULL;
	attr_py.gen_type = dlsym(RTLD_DEFAULT, "PyGen_Type");
	attr_py.coro_type = dlsym(RTLD_DEFAULT, "PyCoro_Type");
	return true;
}
