/*
 * log.h -- the one logging module: levels, to stderr or syslog.
 *
 * Messages read "subsystem: what happened (why)". log_warn/log_err append
 * strerror(errno); the *x variants do not. Safe to call from any thread.
 */
#ifndef STADION_UTIL_LOG_H
#define STADION_UTIL_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LVL_ERR = 0,
	LOG_LVL_WARNING,
	LOG_LVL_NOTICE,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

/* Start logging: to syslog with ident when use_syslog, else to stderr. */
void log_init(const char *ident, int use_syslog, enum log_level level);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Parse "error", "warning", "notice", "info", "debug"; ST_EINVAL if unknown. */
int log_level_parse(const char *name, enum log_level *level);

void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Log at error level and exit(1): only at start-up or on an impossible state. */
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
