/*
 * error.c -- texts of the project's error codes.
 */
#include "config.h"
#include "util/error.h"

const char *
st_strerror(int err)
{
	switch (err) {
	case ST_OK: return "success";
	case ST_ENOMEM: return "out of memory";
	case ST_EINVAL: return "invalid argument";
	case ST_EIO: return "input/output error";
	case ST_ENOTFOUND: return "not found";
	case ST_EEXIST: return "already exists";
	case ST_ECONFLICT: return "conflict";
	case ST_ESTORE: return "database error";
	case ST_EFULL: return "database map full";
	case ST_ESCHEMA: return "database schema is newer than this program";
	case ST_ESPACE: return "buffer too small";
	case ST_EFORMAT: return "malformed data";
	case ST_ECONFIG: return "configuration error";
	}
	return "unknown error";
}
