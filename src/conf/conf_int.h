/*
 * conf_int.h -- what conf.c shares with conf_table.c (the option table)
 * and conf_validate.c.
 */
#ifndef STADION_CONF_CONF_INT_H
#define STADION_CONF_CONF_INT_H

#include <stddef.h>
#include <stdint.h>

struct conf_option;

/* The options (conf_table.c), conf_nopts of them; see conf.h. */
extern const struct conf_option conf_table[];
extern const size_t conf_nopts;

/* Flags that steer the program rather than set an option. */
struct conf_cmd {
	const char *flag;	/* NULL: short flag only */
	char short_flag;
	const char *arg;	/* NULL: takes no argument */
	const char *help;
};
extern const struct conf_cmd conf_cmds[];
extern const size_t conf_ncmds;

/* Bounds of the two tables, for conf.c's getopt arrays (checked). */
#define CONF_NOPTS_MAX 64
#define CONF_NCMDS_MAX 8

/* Format into err (errlen octets); returns ST_ECONFIG. */
__attribute__((format(printf, 3, 4)))
int conf_err(char *err, size_t errlen, const char *fmt, ...);

/* Decimal digits only, within [min, max]; ST_EINVAL otherwise. */
int conf_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *v);

#endif
