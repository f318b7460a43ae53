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
#include "dns/zone.h"
#include "store/store.h"
#include "util/error.h"
#include "testlib.h"

static int
testlib_zones_txn(struct store_txn *txn, void *arg)
{
	static const char *const zones[] = { "mesos", "marathon.mesos" };
	struct dns_soa_params soa;
	uint8_t apex[DNS_NAME_MAX];
	size_t len;

	(void)arg;
	memset(&soa, 0, sizeof(soa));
	if (dns_name_from_text("ns1.mesos", soa.mname, &soa.mname_len) ||
	    dns_name_from_text("root.ns1.mesos", soa.rname, &soa.rname_len))
		return ST_EINVAL;
	soa.refresh = 60;
	soa.retry = 30;
	soa.expire = 86400;
	soa.minimum = 60;
	soa.ttl = 60;
	for (size_t i = 0; i < 2; i++) {
		if (dns_name_from_text(zones[i], apex, &len) != ST_OK)
			return ST_EINVAL;
		dns_zone_add(txn, apex, len, DNS_ZONE_BUILTIN);
		dns_zone_write_soa(txn, apex, len, &soa, 1);
	}
	return store_txn_error(txn);
}

int
testlib_zones(struct store *st)
{
	return store_write(st, testlib_zones_txn, NULL);
}

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
