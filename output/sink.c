#include "output/sink.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "output/format.h"

static bool std_closed[3];	/* at load: never write these numbers */
static int stderr_fd = 2;

/*
 * What fds 1 and 2 may hold for memline to write there: what they held at
 * load, and everything the program has put there with dup2/dup3 (its
 * redirections; the last 16 of each), each as a fingerprint of the open
 * file's device and inode (one atomic word: no torn pair).  A number that
 * holds anything else was closed and taken by whatever the program opened
 * next (a daemon's socket, a data file): never written.  A redirection is
 * recorded before the dup2 itself, so a report written meanwhile by
 * another thread is not lost.
 */
enum { STD_KEPT = 16 };
static _Atomic uint64_t std_kept[3][STD_KEPT];
static _Atomic unsigned std_next[3];
/* The process these are about.  A child of vfork (subprocess's, which
 * dup2's its pipes onto 1 and 2 before exec) shares this memory with its
 * parent: what it does there must not count for the parent. */
static _Atomic pid_t std_owner;

/*
 * The open file fd refers to, never 0; 0 if fd is not open.  Its device
 * and inode (bits 21-63), and its birth time where the file system keeps
 * one (bits 2-20, bit 1 set): ext4 gives a freed inode's number to the
 * next file made, so a data file could otherwise pass for a redirection's
 * file that was closed and deleted.  Where statx is refused (a sandbox's
 * seccomp filter, from the start or from some point on) fstat gives the
 * device and inode alone, and std_same compares what both sides have.
 */
#define STD_HAS_BTIME UINT64_C(2)
#define STD_BTIME_BITS UINT64_C(0x1ffffc)

static uint64_t std_file_id(uint64_t major, uint64_t minor, uint64_t ino)
{
	return (((major << 32 | minor) * UINT64_C(0x9E3779B97F4A7C15)) ^
		(ino * UINT64_C(0xC2B2AE3D27D4EB4F))) << 21 | 1;
}

static uint64_t std_identity(int fd)
{
	struct statx st;
	struct stat sb;
	uint64_t id, t;

	if (fd < 0)
		return 0;
	if (statx(fd, "", AT_EMPTY_PATH, STATX_INO | STATX_BTIME, &st) != 0) {
		if (errno == EBADF || fstat(fd, &sb) != 0)
			return 0;
		return std_file_id(major(sb.st_dev), minor(sb.st_dev), sb.st_ino);
	}
	id = std_file_id(st.stx_dev_major, st.stx_dev_minor, st.stx_ino);
	if (st.stx_mask & STATX_BTIME) {
		t = ((uint64_t)st.stx_btime.tv_sec * 1000000007u + st.stx_btime.tv_nsec) *
		    UINT64_C(0xC2B2AE3D27D4EB4F);
		id |= STD_HAS_BTIME | ((t >> 40) << 2 & STD_BTIME_BITS);
	}
	return id;
}

/* The same file?  Birth times count where both have one. */
static bool std_same(uint64_t a, uint64_t b)
{
	if (!a || !b || a >> 21 != b >> 21)
		return false;
	return !(a & b & STD_HAS_BTIME) || (a & STD_BTIME_BITS) == (b & STD_BTIME_BITS);
}

static void std_keep(int fd, uint64_t id)
{
	unsigned slot;

	if (!id)
		return;
	for (unsigned i = 0; i < STD_KEPT; i++)
		if (atomic_load_explicit(&std_kept[fd][i], memory_order_relaxed) == id)
			return;
	slot = atomic_fetch_add(&std_next[fd], 1) % STD_KEPT;
	atomic_store(&std_kept[fd][slot], id);
}

static bool std_mine(int fd)
{
	return fd >= 1 && fd <= 2 && getpid() == atomic_load(&std_owner);
}

/* Before the preload's constructor, which may already have things to say. */
__attribute__((constructor(101))) static void check_std_fds(void)
{
	std_owner = getpid();
	for (int fd = 1; fd <= 2; fd++) {
		std_closed[fd] = fcntl(fd, F_GETFD) < 0 && errno == EBADF;
		if (!std_closed[fd])
			out_std_moving(fd, fd);
	}
	if (std_closed[2])
		stderr_fd = -1;
}

void out_std_moving(int fd, int from)
{
	int saved = errno;

	if (std_mine(fd))
		std_keep(fd, std_identity(from));
	errno = saved;
}

void out_std_forked(void)
{
	atomic_store(&std_owner, getpid());
}

bool out_std_open(int fd)
{
	uint64_t id;

	if (fd < 0 || fd > 2)
		return fd >= 0;
	if (std_closed[fd])
		return false;
	if (fd == 0)
		return true;
	id = std_identity(fd);
	for (unsigned i = 0; id && i < STD_KEPT; i++)
		if (std_same(atomic_load(&std_kept[fd][i]), id))
			return true;
	return false;
}

/* What the last out_file_open() returned, to name it when a write fails. */
static int file_fd = -1;
static const char *file_given;

static const char *sink_name(int fd)
{
	if (fd == 1)
		return "stdout";
	if (fd == 2 || fd == stderr_fd)
		return "stderr";
	if (fd == file_fd && file_given)
		return file_given;
	return NULL;
}

/* Once per process: the first failed write says what failed. */
static void write_failed(int fd, int err, bool timed_out)
{
	static pid_t told;
	const char *name = sink_name(fd);
	pid_t pid = getpid();

	if (told == pid || fd == stderr_fd || fd == 2)
		return;	/* a notice on a failing stderr would fail too */
	told = pid;
	if (!name)
		return;
	out_notice("MEMLINE_OUTPUT=%s%s: cannot write a report (%s%s); "
		   "reports that cannot be written are lost",
		   name == file_given ? "file:" : "", name, strerror(err),
		   timed_out ? " for 5 seconds" : "");
}

/*
 * Waits until a full fd (non-blocking, or one that kind_of says can wait)
 * takes more: 5 seconds at most, and after one such wait ran out, never
 * again in this process.
 */
static bool wait_writable(int fd, const struct timespec *deadline)
{
	static pid_t stalled;
	struct pollfd p = { fd, POLLOUT, 0 };
	struct timespec now;
	long ms;
	int r;

	if (stalled == getpid())
		return false;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (deadline->tv_sec - now.tv_sec) * 1000 +
		     (deadline->tv_nsec - now.tv_nsec) / 1000000;
		if (ms <= 0)
			break;
		r = poll(&p, 1, (int)ms);
		if (r > 0)
			return true;	/* writable, or an error write() will tell */
		if (r < 0 && errno != EINTR)
			break;
	}
	stalled = getpid();
	return false;
}

/*
 * Can a write to fd wait for a reader (a pipe or FIFO, a stream socket, a
 * terminal)?  memline writes holding the GIL: a blocking write to a pipe
 * nobody drains stopped every thread, and the program's signal handlers,
 * for good.  Those are asked with poll first, and written at most PIPE_BUF
 * at a time, which one that polls writable takes whole -- unless a pipe
 * has room for all of it (pipe_room); a socket takes what it can without
 * waiting (MSG_DONTWAIT).
 */
enum fd_kind { FD_FILE, FD_STREAM, FD_PIPE, FD_SOCKET };

static enum fd_kind kind_of(int fd)
{
	struct stat st;
	int type = 0;
	socklen_t size = sizeof(type);

	if (fstat(fd, &st) != 0)
		return FD_FILE;
	if (S_ISFIFO(st.st_mode))
		return FD_PIPE;
	/* a terminal; other character devices (/dev/kmsg) may never poll
	 * writable, and take what is written at once */
	if (S_ISCHR(st.st_mode))
		return isatty(fd) ? FD_STREAM : FD_FILE;
	/* a stream socket: a datagram one takes the report as one message */
	if (S_ISSOCK(st.st_mode))
		return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size) == 0 &&
				       type == SOCK_STREAM ?
			       FD_SOCKET :
			       FD_FILE;
	return FD_FILE;
}

/*
 * What a pipe surely takes now without waiting: its size less what is in
 * it, less two pages for the buffers being read and written, which are
 * partly full.  A report that fits is written whole, as before: between
 * two pieces another process's write could come.
 */
static size_t pipe_room(int fd)
{
	int size = fcntl(fd, F_GETPIPE_SZ), used = 0;

	if (size <= 0 || ioctl(fd, FIONREAD, &used) != 0 || used < 0 || size - used <= 8192)
		return 0;
	return (size_t)(size - used - 8192);
}

static bool full_now(int fd)
{
	struct pollfd p = { fd, POLLOUT, 0 };

	return poll(&p, 1, 0) == 0;
}

void out_write_fd(int fd, const char *text, size_t len)
{
	int saved = errno;
	sigset_t pipe_set, old, pending;
	struct timespec deadline = { 0, 0 }, zero = { 0, 0 };
	bool was_pending[2] = { false, false }, blocked;
	static const int ours[2] = { SIGPIPE, SIGXFSZ };
	enum fd_kind kind;

	if (!out_std_open(fd))
		return;
	/* SIGPIPE (a closed pipe) and SIGXFSZ (past RLIMIT_FSIZE) from our
	 * write are ours: hold them off, and take them back */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigaddset(&pipe_set, SIGXFSZ);
	blocked = pthread_sigmask(SIG_BLOCK, &pipe_set, &old) == 0;
	if (blocked && sigpending(&pending) == 0)
		for (int i = 0; i < 2; i++)
			was_pending[i] = sigismember(&pending, ours[i]);
	kind = kind_of(fd);
	while (len > 0) {
		size_t chunk = len;
		ssize_t n;

		if (len > PIPE_BUF && (kind == FD_STREAM || (kind == FD_PIPE && len > pipe_room(fd))))
			chunk = PIPE_BUF;

		if (kind != FD_FILE && full_now(fd)) {
			n = -1;
			errno = EAGAIN;
		} else if (kind == FD_SOCKET) {
			n = send(fd, text, chunk, MSG_DONTWAIT | MSG_NOSIGNAL);
		} else {
			n = write(fd, text, chunk);
		}
		if (n < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			if (err == EAGAIN || err == EWOULDBLOCK) {
				if (!deadline.tv_sec) {
					clock_gettime(CLOCK_MONOTONIC, &deadline);
					deadline.tv_sec += 5;
				}
				if (wait_writable(fd, &deadline))
					continue;
			}
			write_failed(fd, err, err == EAGAIN || err == EWOULDBLOCK);
			break;
		}
		text += n;
		len -= (size_t)n;
	}
	if (blocked) {
		sigset_t mine;
		int taken = 0;

		sigemptyset(&mine);
		if (sigpending(&pending) == 0)
			for (int i = 0; i < 2; i++)
				if (!was_pending[i] && sigismember(&pending, ours[i]) && ++taken)
					sigaddset(&mine, ours[i]);
		while (taken-- > 0)
			sigtimedwait(&mine, NULL, &zero);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	errno = saved;
}

/*
 * A copy of stderr for a program that closes fd 2 before the summary:
 * used only when fd 2 holds nothing memline may write to, and only while
 * the copy is still the file it was (a daemon's closerange frees its
 * number for the program's next open).
 */
static uint64_t stderr_kept_id;

void out_keep_stderr(void)
{
	int fd;

	if (std_closed[2])
		return;
	fd = fcntl(2, F_DUPFD_CLOEXEC, 100);
	if (fd >= 0) {
		stderr_kept_id = std_identity(fd);
		stderr_fd = fd;
	}
}

/* Where a notice or a stderr report goes now, or -1. */
static int stderr_now(void)
{
	if (stderr_fd <= 2)
		return stderr_fd;
	if (out_std_open(2))
		return 2;	/* the program's redirection, if it made one */
	return std_same(stderr_kept_id, std_identity(stderr_fd)) ? stderr_fd : -1;
}

static void stderr_write(void *ctx, const char *text, size_t len)
{
	int fd = stderr_now();

	(void)ctx;
	if (fd >= 0)
		out_write_fd(fd, text, len);
}

const struct out_sink out_stderr = { stderr_write, NULL };

/* A notice that is long, or holds what must be escaped: OUT_LINE_MAX. */
static __attribute__((noinline)) void vnotice_long(const char *fmt, va_list ap)
{
	char raw[OUT_LINE_MAX], line[OUT_LINE_MAX];
	size_t n = out_format(line, sizeof(line), "memline: ");

	out_vformat(raw, sizeof(raw), fmt, ap);
	n += out_escape(line + n, sizeof(line) - n - 1, raw, strlen(raw));
	line[n++] = '\n';
	out_stderr.write(out_stderr.ctx, line, n);
}

/*
 * Most notices are short and plain: they take 512 bytes of stack, not the
 * 8 KiB of the long form (a notice can come near the end of a thread's
 * small stack: the 3.11 hook's giving up).
 */
void out_vnotice(const char *fmt, va_list ap)
{
	enum { SHORT = 512, PREFIX = sizeof("memline: ") - 1 };
	char line[SHORT];
	va_list again;
	size_t n;

	va_copy(again, ap);
	n = out_vformat(line + PREFIX, SHORT - PREFIX - 1, fmt, ap);
	if (n >= SHORT - PREFIX - 2 || out_has_control(line + PREFIX, n) ||
	    !out_utf8_ok(line + PREFIX, n)) {
		vnotice_long(fmt, again);
	} else {
		memcpy(line, "memline: ", PREFIX);
		line[PREFIX + n] = '\n';
		out_stderr.write(out_stderr.ctx, line, PREFIX + n + 1);
	}
	va_end(again);
}

void out_notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	out_vnotice(fmt, ap);
	va_end(ap);
}

/* ---- file: ---- */

/* tmpl with %p as the pid and %% as %, in memory of its size (or NULL). */
static char *expand(const char *tmpl)
{
	char pid[24];
	size_t plen = out_format(pid, sizeof(pid), "%ld", (long)getpid()), n = 0;
	char *path;

	for (const char *p = tmpl; *p; p++, n++) {
		if (p[0] == '%' && (p[1] == 'p' || p[1] == '%')) {
			n += p[1] == 'p' ? plen - 1 : 0;
			p++;
		}
	}
	path = malloc(n + 1);
	if (!path)
		return NULL;
	n = 0;
	for (const char *p = tmpl; *p; p++) {
		if (p[0] == '%' && p[1] == 'p') {
			memcpy(path + n, pid, plen);
			n += plen;
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			path[n++] = '%';
			p++;
		} else {
			path[n++] = *p;
		}
	}
	path[n] = '\0';
	return path;
}

/* A FIFO with a reader, kept open: closing it would end the reader. */
static struct {
	int fd;
	dev_t dev;
	ino_t ino;
	char *path;
} held = { -1, 0, 0, NULL };

/* Is held.fd still ours (the program may have closed and reused it)? */
static bool held_ok(const char *path)
{
	struct stat st;

	if (held.fd < 0)
		return false;
	if (fstat(held.fd, &st) == 0 && st.st_dev == held.dev && st.st_ino == held.ino) {
		if (!strcmp(path, held.path))
			return true;
		/* a forked child's %p names another file: leave the copy be */
	}
	held.fd = -1;
	free(held.path);
	held.path = NULL;
	return false;
}

static void open_failed(const char *given, const char *path, int err)
{
	char a[256], b[256];
	const char *g = out_shown(a, sizeof(a), given), *p = out_shown(b, sizeof(b), path);
	struct stat st;

	if (err == ELOOP && lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		const char *use = !strcmp(path, "/dev/stdout") ? " (use MEMLINE_OUTPUT=stdout)" :
				  !strcmp(path, "/dev/stderr") ? " (use MEMLINE_OUTPUT=stderr)" : "";

		out_notice("MEMLINE_OUTPUT=file:%s: %s is a symbolic link, which memline does "
			   "not follow%s; reports go to stderr", g, p, use);
	} else if (err == ENXIO && stat(path, &st) == 0 && S_ISFIFO(st.st_mode)) {
		out_notice("MEMLINE_OUTPUT=file:%s: %s is a FIFO with no reader; "
			   "reports go to stderr", g, p);
	} else {
		out_notice("MEMLINE_OUTPUT=file:%s: cannot open %s (%s); reports go to stderr",
			   g, p, strerror(err));
	}
}

/* A failure that may pass: out of descriptors, memory or space. */
static bool for_now(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOMEM || err == ENOSPC ||
	       err == EDQUOT || err == EINTR || err == EAGAIN;
}

/* Said once per process: the next report tries again. */
static int open_failed_for_now(const char *given, const char *path, int err)
{
	static pid_t told;
	char a[256], b[256];

	if (told != getpid()) {
		told = getpid();
		out_notice("MEMLINE_OUTPUT=file:%s: cannot open %s for now (%s); reports go to "
			   "stderr until it opens", out_shown(a, sizeof(a), given),
			   out_shown(b, sizeof(b), path), strerror(err));
	}
	return -2;
}

int out_file_open(const char *given, const char *tmpl)
{
	char *path = expand(tmpl);
	struct stat st;
	int fd, high;

	if (!path) {
		out_notice("MEMLINE_OUTPUT=file:%s: out of memory; reports go to stderr", given);
		return -1;
	}
	if (held_ok(path)) {
		fd = fcntl(held.fd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			fd = open_failed_for_now(given, path, errno);
		goto out_free_path;
	}
	/* O_NONBLOCK: a FIFO without a reader must not hang the program */
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
		  O_NOCTTY, 0600);
	if (fd < 0) {
		int err = errno;

		fd = for_now(err) ? open_failed_for_now(given, path, err) : -1;
		if (fd == -1)
			open_failed(given, path, err);
		goto out_free_path;
	}
	if (fd <= 2) {	/* never on a number that stands for stdout or stderr */
		high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		close(fd);
		fd = high < 0 ? open_failed_for_now(given, path, errno) : high;
		if (fd < 0)
			goto out_free_path;
	}
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
		/* kept for the process's life: on a high number, not the lowest
		 * free one the program's next open would have had */
		high = fcntl(fd, F_DUPFD_CLOEXEC, 100);
		if (high >= 0) {
			close(fd);
			fd = high;
		}
		held.fd = fd;
		held.dev = st.st_dev;
		held.ino = st.st_ino;
		held.path = path;
		path = NULL;
		fd = fcntl(held.fd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			fd = open_failed_for_now(given, held.path, errno);
	}
out_free_path:
	free(path);
	if (fd >= 0) {
		file_fd = fd;
		file_given = given;
	}
	return fd;
}
