#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "output/sink.h"

/* Each test runs in its own process: its fds are its own to close. */

static int data_file(void)
{
	char path[] = "/tmp/memline-sink-XXXXXX";
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	unlink(path);
	return fd;
}

Test(sink, a_stream_open_at_load_is_written)
{
	cr_assert(out_std_open(1));
	cr_assert(out_std_open(2));
	cr_assert(out_std_open(7));
	cr_assert_not(out_std_open(-1));
}

Test(sink, a_number_closed_and_taken_by_a_file_is_not)
{
	int fd;

	close(2);
	cr_assert_not(out_std_open(2));
	fd = data_file();
	cr_assert_eq(fd, 2);
	cr_assert_not(out_std_open(2));
	out_write_fd(2, "x", 1);
	cr_assert_eq(lseek(fd, 0, SEEK_END), 0);
}

Test(sink, a_redirection_is_followed)
{
	int fd = data_file();

	cr_assert_eq(dup2(fd, 1), 1);
	cr_assert_not(out_std_open(1));		/* not seen: no hook here */
	out_std_moving(1, 1);
	cr_assert(out_std_open(1));
	out_write_fd(1, "xy", 2);
	cr_assert_eq(lseek(fd, 0, SEEK_END), 2);
}
