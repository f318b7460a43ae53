/*
 * conf_int.h -- what conf.c shares with conf_validate.c.
 */
#ifndef STADION_CONF_CONF_INT_H
#define STADION_CONF_CONF_INT_H

#include <stddef.h>
#include <stdint.h>

/* Format into err (errlen octets); returns ST_ECONFIG. */
__attribute__((format(printf, 3, 4)))
int conf_err(char *err, size_t errlen, const char *fmt, ...);

/* Decimal digits only, within [min, max]; ST_EINVAL otherwise. */
int conf_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *v);

#endif
