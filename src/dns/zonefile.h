/*
 * zonefile.h -- static zones from RFC 1035 master files (parsed with ldns).
 *
 * Every `*.zone` file of a directory is parsed first; only when all parse is
 * LMDB changed, in one write transaction: every record that came from a zone
 * file before is dropped and the new ones written (origin DNS_ORIGIN_ZONEFILE).
 * A file may add records to a built-in zone (its SOA is then ignored, the
 * zone's serial is bumped) or define a new zone with its own SOA.
 * The origin is the file's $ORIGIN, else the file name less ".zone".
 */
#ifndef STADION_DNS_ZONEFILE_H
#define STADION_DNS_ZONEFILE_H

#include <stddef.h>

struct store;

/*
 * Load dir (a missing directory counts as empty). On a parse error returns
 * ST_EFORMAT and writes "FILE:LINE: why" into err; LMDB is left unchanged.
 * *nzones (optional) receives the number of files loaded.
 */
int dns_zonefile_load_dir(struct store *st, const char *dir, size_t *nzones,
    char *err, size_t errlen);

#endif
