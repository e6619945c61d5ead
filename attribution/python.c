#include "attribution/python.h"

#include <dlfcn.h>
#include <stddef.h>

bool attr_python_present(void)
{
	/* Found the same way in a shared libpython and a static python. */
	return dlsym(RTLD_DEFAULT, "Py_IsInitialized") != NULL &&
	       dlsym(RTLD_DEFAULT, "Py_GetVersion") != NULL;
}
