/*
 * log.c -- levelled logging to stderr or syslog.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "util/error.h"
#include "util/clock.h"
#include "util/log.h"

static const char *log_ident = "stadiond";
static int log_syslog;
static volatile enum log_level log_level = LOG_LVL_NOTICE;

static const struct {
	const char *name;
	int prio;
} log_levels[] = {
	[LOG_LVL_ERR] = { "error", LOG_ERR },
	[LOG_LVL_WARNING] = { "warning", LOG_WARNING },
	[LOG_LVL_NOTICE] = { "notice", LOG_NOTICE },
	[LOG_LVL_INFO] = { "info", LOG_INFO },
	[LOG_LVL_DEBUG] = { "debug", LOG_DEBUG },
};

void
log_init(const char *ident, int use_syslog, enum log_level level)
{
	log_ident = ident;
	log_syslog = use_syslog;
	log_level = level;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

int
log_level_parse(const char *name, enum log_level *level)
{
	for (size_t i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++) {
		if (strcasecmp(name, log_levels[i].name) == 0) {
			*level = (enum log_level)i;
			return ST_OK;
		}
	}
	if (strcasecmp(name, "warn") == 0) {
		*level = LOG_LVL_WARNING;
		return ST_OK;
	}
	return ST_EINVAL;
}

static void
log_vwrite(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	char msg[2048];
	size_t n;

	if (level > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum) {
		n = strlen(msg);
		snprintf(msg + n, sizeof(msg) - n, " (%s)", strerror(errnum));
	}
	if (log_syslog) {
		syslog(log_levels[level].prio, "%s", msg);
	} else {
		char when[CLOCK_ISO_MAX];

		clock_iso_now(when, sizeof(when));
		fprintf(stderr, "%s %s[%s]: %s\n", when, log_ident,
		    log_levels[level].name, msg);
	}
}

#define LOG_BODY(level, errnum) do {		\
	va_list ap;				\
	int saved = (errnum);			\
	va_start(ap, fmt);			\
	log_vwrite((level), saved, fmt, ap);	\
	va_end(ap);				\
} while (0)

void log_msg(enum log_level level, const char *fmt, ...) { LOG_BODY(level, 0); }
void log_err(const char *fmt, ...) { LOG_BODY(LOG_LVL_ERR, errno); }
void log_errx(const char *fmt, ...) { LOG_BODY(LOG_LVL_ERR, 0); }
void log_warn(const char *fmt, ...) { LOG_BODY(LOG_LVL_WARNING, errno); }
void log_warnx(const char *fmt, ...) { LOG_BODY(LOG_LVL_WARNING, 0); }
void log_notice(const char *fmt, ...) { LOG_BODY(LOG_LVL_NOTICE, 0); }
void log_info(const char *fmt, ...) { LOG_BODY(LOG_LVL_INFO, 0); }
void log_debug(const char *fmt, ...) { LOG_BODY(LOG_LVL_DEBUG, 0); }

void
fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_ERR, 0);
	exit(1);
}
