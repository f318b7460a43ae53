/*
 * error.h -- the one error convention of stadion.
 *
 * Functions that can fail return int: 0 on success, a negative ST_E* code
 * on failure; results travel through out-parameters.
 */
#ifndef STADION_UTIL_ERROR_H
#define STADION_UTIL_ERROR_H

enum st_error {
	ST_OK = 0,
	ST_ENOMEM = -1,		/* allocation failed */
	ST_EINVAL = -2,		/* invalid argument or input */
	ST_EIO = -3,		/* system call or disk failure (see errno) */
	ST_ENOTFOUND = -4,	/* no such object */
	ST_EEXIST = -5,		/* object already exists */
	ST_ECONFLICT = -6,	/* object conflicts with another one */
	ST_ESTORE = -7,		/* LMDB failed */
	ST_EFULL = -8,		/* LMDB map full; the write may be retried */
	ST_ESCHEMA = -9,	/* state written by a newer stadion */
	ST_ESPACE = -10,	/* output buffer too small */
	ST_EFORMAT = -11,	/* malformed data (packet, record, file) */
	ST_ECONFIG = -12,	/* configuration error */
};

/* A static, human readable text for an ST_E* code (never NULL). */
const char *st_strerror(int err);

#endif
