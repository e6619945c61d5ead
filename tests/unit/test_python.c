#include <criterion/criterion.h>

#include "attribution/python.h"

/* A literal's words, and its final '\0' past them. */
#define HELPER(words) attr_python_mp_helper_args(words, sizeof(words) - 1)

/* The command lines multiprocessing 3.8-3.13 starts its helpers with. */
Test(python, multiprocessing_helpers)
{
	cr_assert(HELPER("/usr/bin/python3\0-c\0from multiprocessing.spawn import spawn_main; "
			 "spawn_main(tracker_fd=5, pipe_handle=7)\0--multiprocessing-fork\0"));
	cr_assert(HELPER("python3\0-c\0from multiprocessing.resource_tracker import main;main(5)\0"));
	cr_assert(HELPER("python3\0-c\0from multiprocessing.forkserver import main; "
			 "main(6, 7, ['__main__'], **{'sys_path': ['/app']})\0"));
	/* with the interpreter's flags (util._args_from_interpreter_flags) */
	cr_assert(HELPER("python3\0-s\0-E\0-OO\0-X\0dev\0-W\0ignore\0--check-hash-based-pycs\0"
			 "always\0-c\0from multiprocessing.spawn import spawn_main; spawn_main()\0"
			 "--multiprocessing-fork\0"));
}

/* A program, even one run with -c, and whatever its arguments say. */
Test(python, other_programs)
{
	cr_assert_not(HELPER(""));
	cr_assert_not(HELPER("python3\0"));
	cr_assert_not(HELPER("python3\0-c\0"));
	cr_assert_not(HELPER("python3\0-c\0import subprocess; subprocess.run(['ls'])\0"));
	cr_assert_not(HELPER("python3\0-c\0import multiprocessing.spawn\0--multiprocessing-fork\0"));
	cr_assert_not(HELPER("python3\0app.py\0-c\0from multiprocessing.spawn import x\0"));
	cr_assert_not(HELPER("python3\0-m\0app\0-c\0from multiprocessing.spawn import x\0"));
	cr_assert_not(HELPER("python3\0-\0-c\0from multiprocessing.spawn import x\0"));
	/* -c here is the value of -X */
	cr_assert_not(HELPER("python3\0-X\0-c\0from multiprocessing.spawn import x\0"));
	cr_assert_not(HELPER("/bin/sh\0-c\0exec python3\0"));
}

/* Nothing read yet: no process is taken for a helper. */
Test(python, not_a_helper_before_reading)
{
	cr_assert_not(attr_python_mp_helper());
}
