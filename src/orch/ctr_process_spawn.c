/*
 * ctr_process_spawn.c -- fork and exec for the process driver: the
 * instance's argv and environment, its limits (a cgroup v2, else
 * RLIMIT_AS) and its user, all prepared before fork so the child only
 * makes async-signal-safe calls.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "orch/ctr_process_int.h"
#include "util/error.h"
#include "util/log.h"

#define CP_CGROUP_ROOT "/sys/fs/cgroup"
#define CP_CGROUP_BASE CP_CGROUP_ROOT "/stadion"
#define CP_MIB (1024ULL * 1024ULL)
/*
 * RLIMIT_AS counts address space, not memory in use: shells, shared
 * libraries and thread stacks reserve far more than they touch. Allow this
 * much on top of mem so a small app still starts; mem 0 means no limit.
 */
#define CP_RLIMIT_SLACK_MIB 256
#define CP_MAX_GROUPS 64
#define CP_DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

extern char **environ;

/* Everything the child needs, made before fork. */
struct cp_child {
	char **argv;		/* NULL-terminated; argv[0] is looked up */
	char **envp;
	const char *cwd;
	int out_fd;		/* stdout and stderr */
	int null_fd;		/* stdin */
	int procs_fd;		/* cgroup.procs to join, or -1 */
	int own_session;	/* setsid, else only a process group */
	rlim_t as_limit;	/* 0: none */
	int set_user;
	uid_t uid;
	gid_t gid;
	gid_t groups[CP_MAX_GROUPS];
	int n_groups;
};

int
cp_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int
cp_reap(int pidfd)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	/* ECHILD: not ours (adopted), its exit is unknown. */
	if (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG) == -1 ||
	    si.si_pid == 0)
		return -1;
	if (si.si_code == CLD_EXITED)
		return si.si_status;
	return 128 + si.si_status;
}

int
cp_is_zombie_child(int pidfd)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return waitid(P_PIDFD, (id_t)pidfd, &si,
	    WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid != 0;
}

void
cp_reap_blocking(pid_t pid)
{
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		continue;
}

static void
cp_strv_free(char **v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* Copy the strings of a JSON array (NULL-terminated); extra free slots. */
static char **
cp_strv_from_json(const json_t *a, size_t extra)
{
	size_t n = json_array_size(a), i;
	char **v;

	if ((v = calloc(n + extra + 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(a, i));

		if ((v[i] = strdup(s ? s : "")) == NULL) {
			cp_strv_free(v);
			return NULL;
		}
	}
	return v;
}

static char **
cp_strv_dup(const char *const *a)
{
	size_t n = 0;
	char **v;

	while (a[n] != NULL)
		n++;
	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if ((v[i] = strdup(a[i])) == NULL) {
			cp_strv_free(v);
			return NULL;
		}
	return v;
}

/* The launch's environment, with stadiond's PATH if it sets none. */
static char **
cp_envp(const json_t *launch)
{
	const json_t *env = json_object_get(launch, "env");
	const char *path;
	size_t n = json_array_size(env);
	char **v;

	if ((v = cp_strv_from_json(env, 1)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(v[i], "PATH=", 5) == 0)
			return v;
	if ((path = getenv("PATH")) == NULL)
		path = CP_DEFAULT_PATH;
	if (asprintf(&v[n], "PATH=%s", path) == -1) {
		v[n] = NULL;
		cp_strv_free(v);
		return NULL;
	}
	return v;
}

static int
cp_write_file(const char *dir, const char *name, const char *text)
{
	char path[CP_PATH_MAX];
	size_t len = strlen(text);
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return -1;
	ok = write(fd, text, len) == (ssize_t)len;
	close(fd);
	return ok ? 0 : -1;
}

/*
 * A cgroup v2 of the instance's own with memory.max and cpu.max, when the
 * host lets us make one; its cgroup.procs through *procs_fd. -1 otherwise.
 */
static int
cp_cgroup_make(struct cp_inst *in, double mem, double cpus, int *procs_fd)
{
	char path[CP_PATH_MAX], val[64];

	*procs_fd = -1;
	if (access(CP_CGROUP_ROOT "/cgroup.controllers", F_OK) == -1 ||
	    (mkdir(CP_CGROUP_BASE, 0755) == -1 && errno != EEXIST))
		return -1;
	/* Fails harmlessly when already enabled or not delegated to us. */
	cp_write_file(CP_CGROUP_BASE, "cgroup.subtree_control",
	    "+memory +cpu +pids");
	snprintf(in->cgroup, sizeof(in->cgroup), "%s/%s", CP_CGROUP_BASE,
	    in->id);
	if (mkdir(in->cgroup, 0755) == -1 && errno != EEXIST) {
		in->cgroup[0] = '\0';
		return -1;
	}
	snprintf(path, sizeof(path), "%s", in->cgroup);
	if (mem > 0) {
		snprintf(val, sizeof(val), "%llu",
		    (unsigned long long)(mem * CP_MIB));
		if (cp_write_file(path, "memory.max", val) == -1)
			goto fail;
	}
	if (cpus > 0) {
		/* The kernel's smallest quota is 1000us. */
		snprintf(val, sizeof(val), "%llu 100000", cpus * 100000 < 1000 ?
		    1000ULL : (unsigned long long)(cpus * 100000));
		if (cp_write_file(path, "cpu.max", val) == -1)
			goto fail;
	}
	snprintf(path, sizeof(path), "%s/cgroup.procs", in->cgroup);
	if ((*procs_fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		goto fail;
	return 0;
fail:
	cp_cgroup_remove(in);
	return -1;
}

void
cp_cgroup_remove(struct cp_inst *in)
{
	if (in->cgroup[0] == '\0')
		return;
	if (rmdir(in->cgroup) == -1 && errno != ENOENT)
		log_warn("ctr_process: cannot remove cgroup %s", in->cgroup);
	in->cgroup[0] = '\0';
}

int
cp_cgroup_oom(const struct cp_inst *in)
{
	char path[CP_PATH_MAX], line[128];
	unsigned long long n;
	FILE *f;
	int oom = 0;

	if (in->cgroup[0] == '\0')
		return 0;
	snprintf(path, sizeof(path), "%s/memory.events", in->cgroup);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "oom_kill %llu", &n) == 1 && n > 0)
			oom = 1;
	fclose(f);
	return oom;
}

/* The launch's user, when stadiond runs as root and it names one. */
static int
cp_user(const json_t *launch, struct cp_child *ch, char *msg, size_t msglen)
{
	const char *user = json_string_value(json_object_get(launch, "user"));
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (user == NULL || *user == '\0')
		return ST_OK;
	if (geteuid() != 0) {
		log_debug("ctr_process: not root, user %s is ignored", user);
		return ST_OK;
	}
	if (getpwnam_r(user, &pw, buf, sizeof(buf), &res) != 0 || res == NULL) {
		snprintf(msg, msglen, "unknown user %s", user);
		return ST_EINVAL;
	}
	ch->set_user = 1;
	ch->uid = pw.pw_uid;
	ch->gid = pw.pw_gid;
	ch->n_groups = CP_MAX_GROUPS;
	if (getgrouplist(user, pw.pw_gid, ch->groups, &ch->n_groups) == -1) {
		ch->groups[0] = pw.pw_gid;
		ch->n_groups = 1;
	}
	return ST_OK;
}

/* In the child: say why on stderr (the log), tell the parent, exit. */
static void
cp_child_fail(int sync_fd, const char *what, const char *arg)
{
	const char *parts[] = { "stadion: cannot ", what, " ", arg, "\n" };
	int e = errno;
	ssize_t n;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (write(STDERR_FILENO, parts[i], strlen(parts[i])) == -1)
			break;
	/* Nothing more to do if the parent cannot hear it: exit anyway. */
	n = write(sync_fd, &e, sizeof(e));

	(void)n;
	_exit(127);
}

/*
 * In the child: async-signal-safe calls only, then exec; never returns.
 * sync_fd closes on exec, which tells the parent all went well.
 */
static void
cp_child_run(const struct cp_child *ch, int sync_fd)
{
	struct sigaction sa;
	struct rlimit rl;
	sigset_t none;

	/* stadiond's handlers, ignored signals (SIGPIPE) are not the app's. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	if (ch->own_session ? setsid() == -1 : setpgid(0, 0) == -1)
		cp_child_fail(sync_fd, "start", "a process group");
	/* Signals sent to the group before this point wait until here. */
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(ch->null_fd, STDIN_FILENO) == -1 ||
	    dup2(ch->out_fd, STDOUT_FILENO) == -1 ||
	    dup2(ch->out_fd, STDERR_FILENO) == -1)
		cp_child_fail(sync_fd, "redirect", "output");
	if (ch->procs_fd >= 0 && write(ch->procs_fd, "0", 1) != 1)
		cp_child_fail(sync_fd, "join", "cgroup");
	if (ch->as_limit > 0) {
		rl.rlim_cur = rl.rlim_max = ch->as_limit;
		if (setrlimit(RLIMIT_AS, &rl) == -1)
			cp_child_fail(sync_fd, "set", "RLIMIT_AS");
	}
	if (chdir(ch->cwd) == -1)
		cp_child_fail(sync_fd, "chdir to", ch->cwd);
	if (ch->set_user && (setgroups((size_t)ch->n_groups, ch->groups) == -1 ||
	    setgid(ch->gid) == -1 || setuid(ch->uid) == -1))
		cp_child_fail(sync_fd, "switch", "user");
	/* stadiond's sockets and files must not leak into the app. */
	if (sync_fd > 3)
		syscall(SYS_close_range, 3U, (unsigned)sync_fd - 1, 0U);
	syscall(SYS_close_range, (unsigned)sync_fd + 1, ~0U, 0U);
	/* execvp searches the PATH of the environment it runs in. */
	environ = ch->envp;
	execvp(ch->argv[0], ch->argv);
	cp_child_fail(sync_fd, "exec", ch->argv[0]);
}

/*
 * Fork and wait until the child has exec'd (or failed to), as posix_spawn
 * does: then its process group exists and signals to it cannot be lost,
 * and exec errors are the caller's to report. *err_no: the child's errno.
 */
static int
cp_fork(const struct cp_child *ch, pid_t *pid, int *pidfd, int *err_no)
{
	sigset_t all, old;
	ssize_t n;
	int sync[2], e = 0;
	pid_t p;

	*err_no = 0;
	if (pipe2(sync, O_CLOEXEC) == -1)
		return ST_EIO;
	/* No stadiond handler may run in the child before it resets them. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	if ((p = fork()) == 0)
		cp_child_run(ch, sync[1]);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(sync[1]);
	if (p == -1) {
		*err_no = errno;
		close(sync[0]);
		return ST_EIO;
	}
	while ((n = read(sync[0], &e, sizeof(e))) == -1 && errno == EINTR)
		continue;
	close(sync[0]);
	if (n > 0) {
		*err_no = e;
		cp_reap_blocking(p);
		return ST_EIO;
	}
	/* Ours and not reaped yet: this pid cannot have been reused. */
	if ((*pidfd = cp_pidfd_open(p)) == -1) {
		*err_no = errno;
		log_warn("ctr_process: pidfd_open %d", (int)p);
		kill(-p, SIGKILL);
		cp_reap_blocking(p);
		return ST_EIO;
	}
	*pid = p;
	return ST_OK;
}

static int
cp_argv(const json_t *launch, char ***argv)
{
	const char *cmd = json_string_value(json_object_get(launch, "cmd"));
	const json_t *args = json_object_get(launch, "args");
	char **v;

	*argv = NULL;
	if (cmd != NULL) {
		if ((v = calloc(4, sizeof(*v))) == NULL)
			return ST_ENOMEM;
		if ((v[0] = strdup("/bin/sh")) == NULL ||
		    (v[1] = strdup("-c")) == NULL ||
		    (v[2] = strdup(cmd)) == NULL) {
			cp_strv_free(v);
			return ST_ENOMEM;
		}
	} else if (json_array_size(args) > 0) {
		if ((v = cp_strv_from_json(args, 0)) == NULL)
			return ST_ENOMEM;
	} else
		return ST_EINVAL;
	*argv = v;
	return ST_OK;
}

int
cp_spawn(struct cp_inst *in, char *msg, size_t msglen)
{
	struct cp_child ch;
	struct cp_pstat ps;
	char path[CP_PATH_MAX];
	double mem, cpus;
	int err, e;

	memset(&ch, 0, sizeof(ch));
	ch.out_fd = ch.null_fd = ch.procs_fd = -1;
	ch.own_session = 1;
	ch.cwd = in->dir;
	mem = json_number_value(json_object_get(in->launch, "mem"));
	cpus = json_number_value(json_object_get(in->launch, "cpus"));
	if ((err = cp_argv(in->launch, &ch.argv)) != ST_OK) {
		snprintf(msg, msglen, "%s", err == ST_EINVAL ?
		    "the app has neither cmd nor args" : "out of memory");
		goto out;
	}
	if ((ch.envp = cp_envp(in->launch)) == NULL) {
		err = ST_ENOMEM;
		goto out;
	}
	if ((err = cp_user(in->launch, &ch, msg, msglen)) != ST_OK)
		goto out;
	snprintf(path, sizeof(path), "%s/%s", in->dir, CP_OUTPUT);
	if ((ch.out_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0640)) == -1 ||
	    (ch.null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(msg, msglen, "cannot open %s: %s", path,
		    strerror(errno));
		err = ST_EIO;
		goto out;
	}
	if ((mem > 0 || cpus > 0) &&
	    cp_cgroup_make(in, mem, cpus, &ch.procs_fd) == -1 && mem > 0)
		ch.as_limit = (rlim_t)((mem + CP_RLIMIT_SLACK_MIB) * CP_MIB);
	if ((err = cp_fork(&ch, &in->pid, &in->pidfd, &e)) != ST_OK) {
		snprintf(msg, msglen, "cannot start %s: %s", ch.argv[0],
		    strerror(e));
		cp_cgroup_remove(in);
		goto out;
	}
	in->start_ticks = cp_pstat_read(in->pid, &ps) == ST_OK ?
	    ps.start_ticks : 0;
	in->started_at = time(NULL);
	in->state = CTR_S_RUNNING;
	in->exit_code = -1;
	in->oom = 0;
out:
	if (ch.out_fd >= 0)
		close(ch.out_fd);
	if (ch.null_fd >= 0)
		close(ch.null_fd);
	if (ch.procs_fd >= 0)
		close(ch.procs_fd);
	cp_strv_free(ch.argv);
	cp_strv_free(ch.envp);
	return err;
}

int
cp_spawn_exec(const struct cp_inst *in, const char *const *argv, int wfd,
    pid_t *pid, int *pidfd)
{
	struct cp_child ch;
	char msg[128];
	int err = ST_ENOMEM, e;

	if (argv == NULL || argv[0] == NULL)
		return ST_EINVAL;
	memset(&ch, 0, sizeof(ch));
	ch.out_fd = wfd;
	ch.null_fd = ch.procs_fd = -1;
	ch.cwd = in->dir;
	if ((ch.argv = cp_strv_dup(argv)) == NULL ||
	    (ch.envp = cp_envp(in->launch)) == NULL)
		goto out;
	if ((err = cp_user(in->launch, &ch, msg, sizeof(msg))) != ST_OK)
		goto out;
	if ((ch.null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1) {
		err = ST_EIO;
		goto out;
	}
	err = cp_fork(&ch, pid, pidfd, &e);
out:
	if (ch.null_fd >= 0)
		close(ch.null_fd);
	cp_strv_free(ch.argv);
	cp_strv_free(ch.envp);
	return err;
}
