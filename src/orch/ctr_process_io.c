/*
 * ctr_process_io.c -- what the process driver reads back from instances:
 * the tail of their output file, their resource use (/proc, or their
 * cgroup) and the output and exit of commands run beside them (exec).
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "orch/ctr_process_int.h"
#include "util/error.h"
#include "util/log.h"

#define CP_LOG_CHUNK (64 * 1024)
#define CP_LOG_MAX (8 * 1024 * 1024)	/* the most logs returns */
#define CP_EXEC_MAX (1024 * 1024)	/* the most exec output kept */

/* Read [off, off+len) of fd into a new buffer; *got may fall short. */
static int
cp_pread_all(int fd, off_t off, size_t len, char **out, size_t *outlen)
{
	size_t got = 0;
	ssize_t n;
	char *buf;

	if ((buf = malloc(len + 1)) == NULL)
		return ST_ENOMEM;
	while (got < len) {
		if ((n = pread(fd, buf + got, len - got, off + (off_t)got)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			break;
		}
		got += (size_t)n;
	}
	*out = buf;
	*outlen = got;
	return ST_OK;
}

/*
 * The last lines of the file (0: all of it, up to CP_LOG_MAX): a window
 * from the end that doubles until it holds enough lines.
 */
static int
cp_tail(const char *path, int lines, char **out, size_t *outlen)
{
	struct stat st;
	size_t size, window = CP_LOG_CHUNK, len, start, seen;
	char *buf = NULL;
	int fd, err;

	*out = NULL;
	*outlen = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? ST_OK : ST_EIO;
	if (fstat(fd, &st) == -1) {
		close(fd);
		return ST_EIO;
	}
	size = (size_t)st.st_size;
	if (lines <= 0)
		window = CP_LOG_MAX;
	for (;;) {
		len = size < window ? size : window;
		free(buf);
		if ((err = cp_pread_all(fd, (off_t)(size - len), len,
		    &buf, &len)) != ST_OK) {
			close(fd);
			return err;
		}
		start = 0;
		if (lines > 0) {
			/* A last line without its newline counts as a line. */
			seen = 0;
			start = len;
			if (start > 0 && buf[start - 1] == '\n')
				start--;
			while (start > 0) {
				if (buf[start - 1] == '\n' &&
				    ++seen == (size_t)lines)
					break;
				start--;
			}
			if (start == 0 && len < size && window < CP_LOG_MAX) {
				window *= 2;
				continue;
			}
		}
		break;
	}
	close(fd);
	memmove(buf, buf + start, len - start);
	*out = buf;
	*outlen = len - start;
	return ST_OK;
}

int
cp_op_logs(struct ctr *c, const char *handle, int tail_lines,
    ctr_output_fn cb, void *arg)
{
	struct ctr_process *cp = (struct ctr_process *)c;
	struct cp_inst *in;
	char path[CP_PATH_MAX], *data;
	size_t len;
	int err;

	if ((in = cp_inst_get(cp, handle)) == NULL)
		return cp_defer_output(cp, cb, arg, ST_ENOTFOUND,
		    "no such instance", NULL, 0, -1);
	snprintf(path, sizeof(path), "%s/%s", in->dir, CP_OUTPUT);
	if ((err = cp_tail(path, tail_lines, &data, &len)) != ST_OK)
		return cp_defer_output(cp, cb, arg, err,
		    "cannot read the output", NULL, 0, -1);
	return cp_defer_output(cp, cb, arg, ST_OK, NULL, data, len, -1);
}

/* One number from a cgroup file ("max" is 0); -1 when unreadable. */
static long long
cp_cgroup_num(const struct cp_inst *in, const char *file, const char *key)
{
	char path[CP_PATH_MAX], line[256], name[64];
	long long v = -1, n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", in->cgroup, file);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (key == NULL) {
			v = strncmp(line, "max", 3) == 0 ? 0 : atoll(line);
			break;
		}
		if (sscanf(line, "%63s %lld", name, &n) == 2 &&
		    strcmp(name, key) == 0) {
			v = n;
			break;
		}
	}
	fclose(f);
	return v;
}

/* Sum the processes of the instance's session over /proc. */
static void
cp_proc_usage(const struct cp_inst *in, double *cpu, long long *mem,
    long long *pids)
{
	struct cp_pstat ps;
	struct dirent *de;
	long tck = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	unsigned long long ticks = 0;
	char *end;
	DIR *d;
	long p;

	*cpu = 0;
	*mem = *pids = 0;
	if ((d = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		p = strtol(de->d_name, &end, 10);
		if (*end != '\0' || p <= 0 ||
		    cp_pstat_read((pid_t)p, &ps) != ST_OK ||
		    ps.session != in->pid || ps.state == 'Z')
			continue;
		ticks += ps.ticks;
		*mem += (long long)ps.rss_pages * page;
		(*pids)++;
	}
	closedir(d);
	*cpu = tck > 0 ? (double)ticks / (double)tck : 0;
}

int
cp_op_stats(struct ctr *c, const char *handle, ctr_json_fn cb, void *arg)
{
	struct ctr_process *cp = (struct ctr_process *)c;
	struct cp_inst *in;
	double cpu = 0, mem_mib;
	long long mem = 0, pids = 0, limit, v;
	json_t *j;

	if ((in = cp_inst_get(cp, handle)) == NULL)
		return cp_defer_json(cp, cb, arg, ST_ENOTFOUND,
		    "no such instance", NULL);
	mem_mib = json_number_value(json_object_get(in->launch, "mem"));
	limit = (long long)(mem_mib * 1024 * 1024);
	if (in->state == CTR_S_RUNNING)
		cp_proc_usage(in, &cpu, &mem, &pids);
	if (in->state == CTR_S_RUNNING && in->cgroup[0] != '\0') {
		if ((v = cp_cgroup_num(in, "memory.current", NULL)) >= 0)
			mem = v;
		if ((v = cp_cgroup_num(in, "memory.max", NULL)) >= 0)
			limit = v;
		if ((v = cp_cgroup_num(in, "pids.current", NULL)) >= 0)
			pids = v;
		if ((v = cp_cgroup_num(in, "cpu.stat", "usage_usec")) >= 0)
			cpu = (double)v / 1e6;
	}
	j = json_pack("{s:f,s:I,s:I,s:I}", "cpu_seconds", cpu,
	    "mem_bytes", (json_int_t)mem, "mem_limit_bytes", (json_int_t)limit,
	    "pids", (json_int_t)pids);
	if (j == NULL)
		return ST_ENOMEM;
	return cp_defer_json(cp, cb, arg, ST_OK, NULL, j);
}

static void
cp_exec_free(struct cp_exec *x)
{
	TAILQ_REMOVE(&x->cp->execs, x, entry);
	if (x->read_ev != NULL)
		event_free(x->read_ev);
	if (x->exit_ev != NULL)
		event_free(x->exit_ev);
	if (x->rfd >= 0)
		close(x->rfd);
	if (x->pidfd >= 0)
		close(x->pidfd);
	free(x->buf);
	free(x);
}

static void
cp_exec_done(struct cp_exec *x)
{
	if (!x->eof || !x->exited)
		return;
	cp_defer_output(x->cp, x->cb, x->arg, ST_OK, NULL, x->buf, x->len,
	    x->exit_code);
	x->buf = NULL;
	cp_exec_free(x);
}

static void
cp_exec_read(evutil_socket_t fd, short what, void *arg)
{
	struct cp_exec *x = arg;
	char tmp[4096], *grown;
	ssize_t n;

	(void)what;
	if ((n = read(fd, tmp, sizeof(tmp))) == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		n = 0;
	}
	if (n == 0) {
		x->eof = 1;
		event_del(x->read_ev);
		cp_exec_done(x);
		return;
	}
	if (x->len + (size_t)n > CP_EXEC_MAX)
		return;
	if (x->len + (size_t)n > x->cap) {
		size_t cap = x->cap ? x->cap * 2 : sizeof(tmp);

		while (cap < x->len + (size_t)n)
			cap *= 2;
		if ((grown = realloc(x->buf, cap)) == NULL)
			return;
		x->buf = grown;
		x->cap = cap;
	}
	memcpy(x->buf + x->len, tmp, (size_t)n);
	x->len += (size_t)n;
}

static void
cp_exec_exit(evutil_socket_t fd, short what, void *arg)
{
	struct cp_exec *x = arg;

	(void)fd;
	(void)what;
	/* Helpers it left behind would hold the pipe open: end them. */
	if (cp_is_zombie_child(x->pidfd))
		kill(-x->pid, SIGKILL);
	x->exit_code = cp_reap(x->pidfd);
	x->exited = 1;
	cp_exec_done(x);
}

int
cp_op_exec(struct ctr *c, const char *handle, const char *const *argv,
    ctr_output_fn cb, void *arg)
{
	struct ctr_process *cp = (struct ctr_process *)c;
	struct cp_inst *in;
	struct cp_exec *x;
	int p[2], err;

	if (argv == NULL || argv[0] == NULL)
		return ST_EINVAL;
	if ((in = cp_inst_get(cp, handle)) == NULL)
		return cp_defer_output(cp, cb, arg, ST_ENOTFOUND,
		    "no such instance", NULL, 0, -1);
	if (in->state != CTR_S_RUNNING)
		return cp_defer_output(cp, cb, arg, ST_ECONFLICT,
		    "instance is not running", NULL, 0, -1);
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return ST_ENOMEM;
	x->cp = cp;
	x->cb = cb;
	x->arg = arg;
	x->rfd = x->pidfd = -1;
	TAILQ_INSERT_TAIL(&cp->execs, x, entry);
	if (pipe2(p, O_CLOEXEC) == -1) {
		cp_exec_free(x);
		return ST_EIO;
	}
	x->rfd = p[0];
	err = cp_spawn_exec(in, argv, p[1], &x->pid, &x->pidfd);
	close(p[1]);
	if (err != ST_OK) {
		cp_exec_free(x);
		return err;
	}
	if (evutil_make_socket_nonblocking(x->rfd) == -1 ||
	    (x->read_ev = event_new(cp->evb, x->rfd, EV_READ | EV_PERSIST,
	    cp_exec_read, x)) == NULL ||
	    (x->exit_ev = event_new(cp->evb, x->pidfd, EV_READ,
	    cp_exec_exit, x)) == NULL ||
	    event_add(x->read_ev, NULL) == -1 ||
	    event_add(x->exit_ev, NULL) == -1) {
		kill(-x->pid, SIGKILL);
		cp_reap_blocking(x->pid);
		cp_exec_free(x);
		return ST_ENOMEM;
	}
	return ST_OK;
}

void
cp_exec_free_all(struct ctr_process *cp)
{
	struct cp_exec *x;

	while ((x = TAILQ_FIRST(&cp->execs)) != NULL) {
		if (!x->exited) {
			kill(-x->pid, SIGKILL);
			cp_reap_blocking(x->pid);
		}
		cp_exec_free(x);
	}
}
