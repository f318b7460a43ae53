/*
 * fuzz_packet.c -- libFuzzer target for the DNS answer path.
 *
 * Once per process: an LMDB store in a temp dir with the built-in zones
 * (mesos., marathon.mesos.), a few registered services (A, AAAA, SRV, named
 * and udp ports, an unhealthy instance) and a zone file with CNAME chains,
 * a CNAME loop, MX, TXT and a delegation. Every input is then answered as a
 * UDP and as a TCP query, and the response is checked for the invariants a
 * client relies on. Built and run by tests/fuzz/build.sh.
 */
#include "config.h"

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <jansson.h>

#include "dns/answer.h"
#include "dns/name.h"
#include "dns/zone.h"
#include "dns/zonefile.h"
#include "store/registry.h"
#include "store/store.h"
#include "util/error.h"
#include "util/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[512];
static struct store *fuzz_store;
static struct registry *fuzz_registry;
static struct dns_answer_ctx *fuzz_ctx;

static void
fuzz_die(const char *what, int err)
{
	fprintf(stderr, "fuzz_packet: %s: %s\n", what, st_strerror(err));
	abort();
}

static int
fuzz_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(path);
}

static void
fuzz_cleanup(void)
{
	dns_answer_ctx_free(fuzz_ctx);
	registry_free(fuzz_registry);
	store_close(fuzz_store);
	nftw(fuzz_dir, fuzz_rm, 16, FTW_DEPTH | FTW_PHYS);
}

struct fuzz_zones {
	uint8_t domain[DNS_NAME_MAX], fw[DNS_NAME_MAX];
	size_t domain_len, fw_len;
	struct dns_soa_params soa;
};

static int
fuzz_write_zones(struct store_txn *txn, void *arg)
{
	struct fuzz_zones *z = arg;

	dns_zone_add(txn, z->domain, z->domain_len, DNS_ZONE_BUILTIN);
	dns_zone_add(txn, z->fw, z->fw_len, DNS_ZONE_BUILTIN);
	dns_zone_write_soa(txn, z->domain, z->domain_len, &z->soa, 1);
	dns_zone_write_soa(txn, z->fw, z->fw_len, &z->soa, 1);
	return store_txn_error(txn);
}

static void
fuzz_register(const char *service, const char *body)
{
	struct registry_error e;
	json_error_t jerr;
	json_t *j;
	int err;

	if ((j = json_loads(body, 0, &jerr)) == NULL) {
		fprintf(stderr, "fuzz_packet: bad seed JSON: %s\n", jerr.text);
		abort();
	}
	err = registry_instance_put(fuzz_registry, service, NULL, j,
	    REGISTRY_CREATE, NULL, &e);
	json_decref(j);
	if (err != ST_OK) {
		fprintf(stderr, "fuzz_packet: register %s: %s %s\n", service,
		    e.field, e.message);
		fuzz_die("registry_instance_put", err);
	}
}

static const char fuzz_zonefile[] =
    "$ORIGIN example.test.\n"
    "$TTL 300\n"
    "@ IN SOA ns1 hostmaster 1 3600 600 86400 60\n"
    "@ IN NS ns1\n"
    "@ IN MX 10 mail\n"
    "ns1 IN A 192.0.2.1\n"
    "mail IN A 192.0.2.2\n"
    "mail IN AAAA 2001:db8::2\n"
    "www IN CNAME web\n"
    "web IN CNAME web.marathon.mesos.\n"
    "loop1 IN CNAME loop2\n"
    "loop2 IN CNAME loop1\n"
    "txt IN TXT \"hello\" \"world\"\n"
    "sub IN NS ns.sub\n"
    "ns.sub IN A 192.0.2.3\n"
    "*.wild IN A 192.0.2.4\n"
    "_sip._udp IN SRV 0 5 5060 mail\n";

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct dns_answer_conf ac = { "stadion-fuzz", "fuzz-node", 1232 };
	struct registry_params rp = { "mesos", "marathon", 60 };
	struct fuzz_zones z;
	char path[sizeof(fuzz_dir) + 32], err[256];
	const char *tmp = getenv("TMPDIR");
	FILE *f;
	int rc;

	(void)argc; (void)argv;
	log_init("fuzz_packet", 0, LOG_LVL_ERR);
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/stadion-fuzz.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(fuzz_dir) == NULL) {
		perror("fuzz_packet: mkdtemp");
		abort();
	}
	atexit(fuzz_cleanup);
	snprintf(path, sizeof(path), "%s/db", fuzz_dir);
	if ((rc = store_open(path, &fuzz_store)) != ST_OK)
		fuzz_die("store_open", rc);

	memset(&z, 0, sizeof(z));
	if (dns_name_from_text("mesos.", z.domain, &z.domain_len) != ST_OK ||
	    dns_name_from_text("marathon.mesos.", z.fw, &z.fw_len) != ST_OK ||
	    dns_name_from_text("ns1.mesos.", z.soa.mname,
	    &z.soa.mname_len) != ST_OK ||
	    dns_name_from_text("root.ns1.mesos.", z.soa.rname,
	    &z.soa.rname_len) != ST_OK)
		fuzz_die("dns_name_from_text", ST_EINVAL);
	z.soa.refresh = 60;
	z.soa.retry = 600;
	z.soa.expire = 86400;
	z.soa.minimum = 60;
	z.soa.ttl = 60;
	if ((rc = store_write(fuzz_store, fuzz_write_zones, &z)) != ST_OK)
		fuzz_die("built-in zones", rc);

	snprintf(path, sizeof(path), "%s/zones", fuzz_dir);
	if (mkdir(path, 0700) == -1) {
		perror("fuzz_packet: mkdir");
		abort();
	}
	snprintf(path, sizeof(path), "%s/zones/example.test.zone", fuzz_dir);
	if ((f = fopen(path, "w")) == NULL || fputs(fuzz_zonefile, f) < 0 ||
	    fclose(f) != 0) {
		perror("fuzz_packet: zone file");
		abort();
	}
	snprintf(path, sizeof(path), "%s/zones", fuzz_dir);
	if ((rc = dns_zonefile_load_dir(fuzz_store, path, NULL, err,
	    sizeof(err))) != ST_OK) {
		fprintf(stderr, "fuzz_packet: %s\n", err);
		fuzz_die("dns_zonefile_load_dir", rc);
	}

	if ((rc = registry_new(fuzz_store, &rp, &fuzz_registry)) != ST_OK)
		fuzz_die("registry_new", rc);
	fuzz_register("web", "{\"id\":\"i1\",\"address\":\"10.0.0.1\","
	    "\"ports\":[{\"port\":31001,\"name\":\"http\"}],\"weight\":3}");
	fuzz_register("web", "{\"id\":\"i2\",\"address\":\"2001:db8::1\","
	    "\"ports\":[{\"port\":31002,\"name\":\"http\"},"
	    "{\"port\":53,\"name\":\"dns\",\"protocol\":\"udp\"}]}");
	fuzz_register("web", "{\"id\":\"i3\",\"address\":\"10.0.0.3\","
	    "\"ports\":[{\"port\":31003}],\"health\":\"unhealthy\"}");
	fuzz_register("/prod/api", "{\"id\":\"a-very-long-instance-id-"
	    "0123456789\",\"address\":\"10.0.1.1\",\"ports\":[{\"port\":80}]}");
	for (int i = 0; i < 120; i++) {
		char body[160];

		snprintf(body, sizeof(body), "{\"id\":\"m%d\",\"address\":"
		    "\"10.1.%d.%d\",\"ports\":[{\"port\":%d}],\"weight\":%d}",
		    i, i / 200, i % 200 + 1, 20000 + i, i % 5);
		fuzz_register("many", body);
	}

	if ((rc = dns_answer_ctx_new(fuzz_store, &ac, &fuzz_ctx)) != ST_OK)
		fuzz_die("dns_answer_ctx_new", rc);
	return 0;
}

/* What every response must satisfy, whatever the query. */
static void
fuzz_check(const uint8_t *q, size_t qlen, const uint8_t *r, ssize_t n,
    size_t cap, int tcp)
{
	if (n < 0)
		return;		/* an internal error: dropped, not a crash */
	if (n == 0)
		return;
	if ((size_t)n > cap || n < 12)
		abort();
	/* UDP answers fit the client's buffer: 512 without EDNS, at most the
	 * configured 1232 with it. */
	if (!tcp && n > 1232)
		abort();
	if (!(r[2] & 0x80))		/* QR */
		abort();
	if (qlen >= 2 && (r[0] != q[0] || r[1] != q[1]))	/* id */
		abort();
	if (qlen >= 12 && (r[2] & 0x78) != (q[2] & 0x78))	/* opcode */
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t resp[65535];
	ssize_t n;

	if (dns_answer_begin(fuzz_ctx) != ST_OK)
		abort();
	n = dns_answer(fuzz_ctx, data, size, resp, 512, 0);
	fuzz_check(data, size, resp, n, 512, 0);
	n = dns_answer(fuzz_ctx, data, size, resp, 4096, 0);
	fuzz_check(data, size, resp, n, 4096, 0);
	n = dns_answer(fuzz_ctx, data, size, resp, sizeof(resp), 1);
	fuzz_check(data, size, resp, n, sizeof(resp), 1);
	dns_answer_end(fuzz_ctx);
	return 0;
}
