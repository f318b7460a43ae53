/*
 * ctr_process_record.c -- the process driver's memory on disk: one JSON
 * record per instance under <state_dir>/proc/<id>/, and what /proc says of
 * a pid.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "orch/ctr_process_int.h"
#include "util/error.h"
#include "util/log.h"

int
cp_id_valid(const char *id)
{
	size_t len;

	if (id == NULL || (len = strlen(id)) == 0 || len >= CTR_HANDLE_MAX)
		return 0;
	return id[0] != '.' && strchr(id, '/') == NULL;
}

int
cp_pstat_read(pid_t pid, struct cp_pstat *ps)
{
	unsigned long long v[22];
	char path[64], buf[1024], *p, *end;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return ST_ENOTFOUND;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return ST_ENOTFOUND;
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: skip to the last. */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ' || p[2] == '\0')
		return ST_EFORMAT;
	ps->state = p[2];
	p += 3;
	/* v[k] is field k + 4 of proc(5): ppid is field 4. */
	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		errno = 0;
		v[k] = strtoull(p, &end, 10);
		if (end == p || errno != 0)
			return ST_EFORMAT;
		p = end;
	}
	ps->session = (pid_t)v[6 - 4];
	ps->ticks = v[14 - 4] + v[15 - 4] + v[16 - 4] + v[17 - 4];
	ps->start_ticks = v[22 - 4];
	ps->rss_pages = (long)v[24 - 4];
	return ST_OK;
}

static const char *
cp_state_name(enum ctr_state s)
{
	switch (s) {
	case CTR_S_CREATED:
		return "created";
	case CTR_S_RUNNING:
		return "running";
	case CTR_S_EXITED:
		return "exited";
	case CTR_S_GONE:
		break;
	}
	return "gone";
}

static enum ctr_state
cp_state_parse(const char *s)
{
	if (s == NULL)
		return CTR_S_GONE;
	if (strcmp(s, "created") == 0)
		return CTR_S_CREATED;
	if (strcmp(s, "running") == 0)
		return CTR_S_RUNNING;
	if (strcmp(s, "exited") == 0)
		return CTR_S_EXITED;
	return CTR_S_GONE;
}

int
cp_record_write(const struct cp_inst *in)
{
	char path[CP_PATH_MAX], tmp[CP_PATH_MAX];
	json_t *rec;
	int err = ST_OK;

	rec = json_pack("{s:{s:s,s:s,s:s,s:s},s:s,s:I,s:I,s:I,s:i,s:b,s:s,"
	    "s:O?}",
	    "labels", CTR_LABEL_APP, in->app_id, CTR_LABEL_INSTANCE, in->id,
	    CTR_LABEL_VERSION, in->version, CTR_LABEL_OWNER, in->owner,
	    "state", cp_state_name(in->state),
	    "pid", (json_int_t)in->pid,
	    "start_ticks", (json_int_t)in->start_ticks,
	    "started_at", (json_int_t)in->started_at,
	    "exit_code", in->exit_code,
	    "oom", in->oom,
	    "cgroup", in->cgroup,
	    "launch", in->launch);
	if (rec == NULL)
		return ST_ENOMEM;
	snprintf(path, sizeof(path), "%s/%s", in->dir, CP_RECORD);
	snprintf(tmp, sizeof(tmp), "%s/%s.tmp", in->dir, CP_RECORD);
	if (json_dump_file(rec, tmp, JSON_COMPACT) == -1 ||
	    rename(tmp, path) == -1) {
		log_warn("ctr_process: cannot write %s", path);
		unlink(tmp);
		err = ST_EIO;
	}
	json_decref(rec);
	return err;
}

int
cp_record_read(struct cp_inst *in)
{
	char path[CP_PATH_MAX];
	const char *app = NULL, *ver = NULL, *owner = NULL, *state = NULL;
	const char *cgroup = NULL;
	json_int_t pid = 0, started = 0, ticks = -1;
	json_t *rec, *launch = NULL;
	int code = -1, oom = 0, err = ST_OK;

	snprintf(path, sizeof(path), "%s/%s", in->dir, CP_RECORD);
	if (access(path, F_OK) == -1)
		return ST_ENOTFOUND;
	if ((rec = json_load_file(path, 0, NULL)) == NULL)
		return ST_EFORMAT;
	if (json_unpack(rec, "{s:{s:s,s?s,s?s},s:s,s?I,s?I,s?I,s?i,s?b,s?s,"
	    "s?o}", "labels", CTR_LABEL_APP, &app, CTR_LABEL_VERSION, &ver,
	    CTR_LABEL_OWNER, &owner,
	    "state", &state, "pid", &pid, "start_ticks", &ticks,
	    "started_at", &started, "exit_code", &code, "oom", &oom,
	    "cgroup", &cgroup, "launch", &launch) == -1 ||
	    cp_state_parse(state) == CTR_S_GONE) {
		err = ST_EFORMAT;
		goto out;
	}
	snprintf(in->app_id, sizeof(in->app_id), "%s", app);
	snprintf(in->version, sizeof(in->version), "%s", ver ? ver : "");
	snprintf(in->owner, sizeof(in->owner), "%s", owner ? owner : "");
	snprintf(in->cgroup, sizeof(in->cgroup), "%s", cgroup ? cgroup : "");
	in->state = cp_state_parse(state);
	in->pid = (pid_t)pid;
	in->start_ticks = ticks > 0 ? (unsigned long long)ticks : 0;
	in->started_at = (time_t)started;
	in->exit_code = code;
	in->oom = oom;
	in->launch = json_incref(launch);
	if (in->state == CTR_S_RUNNING && (pid <= 0 || ticks <= 0))
		err = ST_EFORMAT;
out:
	json_decref(rec);
	return err;
}

static int
cp_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	if (remove(path) == -1 && errno != ENOENT) {
		log_warn("ctr_process: cannot remove %s", path);
		return -1;
	}
	return 0;
}

int
cp_record_remove(const struct cp_inst *in)
{
	if (nftw(in->dir, cp_rm_one, 16, FTW_DEPTH | FTW_PHYS) == -1 &&
	    errno != ENOENT)
		return ST_EIO;
	return ST_OK;
}
