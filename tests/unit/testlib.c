/*
 * testlib.c -- helpers shared by the unit tests.
 */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns/name.h"
#include "dns/pkt.h"
#include "testlib.h"

const char *
testlib_tmpdir(void)
{
	static char path[4096];
	const char *base = getenv("TMPDIR");

	snprintf(path, sizeof(path), "%s/stadion-test-XXXXXX",
	    base && *base ? base : "/tmp");
	if (mkdtemp(path) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	return path;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

void
testlib_rmtree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

size_t
testlib_query(uint8_t *buf, size_t cap, uint16_t id, const char *name,
    uint16_t qtype, uint16_t qclass, uint16_t edns_size)
{
	size_t nlen, o;

	memset(buf, 0, DNS_HDR_LEN);
	buf[0] = id >> 8;
	buf[1] = id & 0xff;
	buf[2] = 0x01;		/* RD */
	buf[5] = 1;		/* QDCOUNT */
	if (dns_name_from_text(name, buf + DNS_HDR_LEN, &nlen) != 0)
		return 0;
	o = DNS_HDR_LEN + nlen;
	buf[o++] = qtype >> 8;
	buf[o++] = qtype & 0xff;
	buf[o++] = qclass >> 8;
	buf[o++] = qclass & 0xff;
	if (edns_size) {
		buf[11] = 1;
		buf[o++] = 0;
		buf[o++] = 0;
		buf[o++] = DNS_TYPE_OPT;
		buf[o++] = edns_size >> 8;
		buf[o++] = edns_size & 0xff;
		memset(buf + o, 0, 6);
		o += 6;
	}
	(void)cap;
	return o;
}
