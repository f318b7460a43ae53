/*
 * stadiond.c -- start-up, signals and shutdown of the stadion daemon.
 *
 * The main thread runs the writer: the HTTP API, zone reloads and (later)
 * the workers that keep records true. DNS threads only read LMDB.
 */
#include "config.h"

#include <sys/stat.h>
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "api/events.h"
#include "api/http.h"
#include "api/webhook.h"
#include "conf/conf.h"
#include "dns/journal.h"
#include "dns/name.h"
#include "dns/node.h"
#include "dns/notify.h"
#include "dns/pkt.h"
#include "dns/policy.h"
#include "dns/server.h"
#include "dns/tsig.h"
#include "dns/update.h"
#include "dns/zone.h"
#include "dns/zonefile.h"
#include "orch/orch.h"
#include "store/registry.h"
#include "store/store.h"
#include "util/addr.h"
#include "util/bus.h"
#include "util/error.h"
#include "util/log.h"

struct daemon {
	struct conf conf;
	struct store *store;
	struct registry *registry;
	struct dns_server *dns;
	struct dns_tsig_keyring keys;	/* may sign dynamic updates */
	struct dns_policy policy;
	struct dns_update_conf updc;
	struct dns_journal *journal;	/* zone changes, for IXFR */
	struct dns_notify *notify;	/* tells the secondaries of them */
	struct api_http *api;
	struct orch *orch;
	struct bus *bus;
	struct events_sse *events;
	struct webhook *webhook;
	char host[INET6_ADDRSTRLEN];	/* own address: tasks are reached here */
	struct event_base *base;
	struct event *sig_term, *sig_int, *sig_hup;
};

/* The built-in zones and their apex records, in one write transaction. */
struct builtin_zones {
	const struct conf *c;
	uint8_t domain[DNS_NAME_MAX], fw[DNS_NAME_MAX];
	size_t domain_len, fw_len;
	struct dns_soa_params soa;
	uint8_t addr[16];
	uint16_t addr_type;
	uint16_t addr_len;
};

static int
own_address(const struct conf *c, struct builtin_zones *z, char *host)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	snprintf(host, INET6_ADDRSTRLEN, "127.0.0.1");
	if (c->address) {
		snprintf(host, INET6_ADDRSTRLEN, "%s", c->address);
	} else {
		for (size_t i = 0; i < c->n_dns_listen; i++) {
			if (addr_parse(c->dns_listen[i], &ss, &sl) == ST_OK &&
			    !addr_is_wildcard(&ss)) {
				addr_host(&ss, host, INET6_ADDRSTRLEN);
				break;
			}
		}
	}
	if (inet_pton(AF_INET, host, z->addr) == 1) {
		z->addr_type = DNS_TYPE_A;
		z->addr_len = 4;
	} else if (inet_pton(AF_INET6, host, z->addr) == 1) {
		z->addr_type = DNS_TYPE_AAAA;
		z->addr_len = 16;
	} else {
		log_errx("stadiond: address '%s' is not an IP address", host);
		return ST_ECONFIG;
	}
	return ST_OK;
}

static int
name_under(const char *label, const char *domain, uint8_t *out, size_t *len)
{
	char text[DNS_NAME_MAX * 2];

	if (label)
		snprintf(text, sizeof(text), "%s.%s", label, domain);
	else
		snprintf(text, sizeof(text), "%s", domain);
	return dns_name_from_text(text, out, len);
}

static int
builtin_prepare(const struct conf *c, struct builtin_zones *z, char *host)
{
	char rname[DNS_NAME_MAX * 2];

	z->c = c;
	if (name_under(NULL, c->domain, z->domain, &z->domain_len) != ST_OK ||
	    name_under(c->framework, c->domain, z->fw, &z->fw_len) != ST_OK)
		return ST_ECONFIG;
	if (c->soa_mname) {
		if (dns_name_from_text(c->soa_mname, z->soa.mname,
		    &z->soa.mname_len) != ST_OK)
			return ST_ECONFIG;
	} else if (name_under("ns1", c->domain, z->soa.mname,
	    &z->soa.mname_len) != ST_OK) {
		return ST_ECONFIG;
	}
	snprintf(rname, sizeof(rname), "root.ns1.%s", c->domain);
	if (dns_name_from_text(c->soa_rname ? c->soa_rname : rname,
	    z->soa.rname, &z->soa.rname_len) != ST_OK)
		return ST_ECONFIG;
	z->soa.refresh = c->soa_refresh;
	z->soa.retry = c->soa_retry;
	z->soa.expire = c->soa_expire;
	z->soa.minimum = c->soa_minimum;
	z->soa.ttl = c->ttl;
	return own_address(c, z, host);
}

static int
builtin_write_host(struct store_txn *txn, const struct builtin_zones *z,
    const char *label)
{
	uint8_t name[DNS_NAME_MAX], key[DNS_KEY_MAX];
	size_t len, klen;
	struct dns_node_edit e;
	int err;

	if ((err = name_under(label, z->c->domain, name, &len)) != ST_OK ||
	    (err = dns_name_to_key(name, len, key, &klen)) != ST_OK) {
		store_txn_fail(txn, err);
		return err;
	}
	dns_node_edit_init(&e, DNS_ORIGIN_APEX);
	dns_node_edit_rrset(&e, z->addr_type, z->c->ttl);
	dns_node_edit_rr(&e, 1, z->addr, z->addr_len);
	err = dns_node_edit_commit(&e, txn, key, klen);
	dns_node_edit_deinit(&e);
	return err;
}

static int
builtin_write(struct store_txn *txn, void *arg)
{
	const struct builtin_zones *z = arg;
	uint32_t serial = (uint32_t)time(NULL);

	dns_zone_add(txn, z->domain, z->domain_len, DNS_ZONE_BUILTIN);
	dns_zone_add(txn, z->fw, z->fw_len, DNS_ZONE_BUILTIN);
	dns_zone_write_soa(txn, z->domain, z->domain_len, &z->soa, serial);
	dns_zone_write_soa(txn, z->fw, z->fw_len, &z->soa, serial);
	builtin_write_host(txn, z, "ns1");
	builtin_write_host(txn, z, "leader");
	builtin_write_host(txn, z, "master");
	return store_txn_error(txn);
}

static void
reload_zones(struct daemon *d)
{
	char err[512];
	size_t n = 0;

	if (dns_zonefile_load_dir(d->store, d->conf.zones_dir, &n, err,
	    sizeof(err)) != ST_OK) {
		log_errx("zonefile: %s (continuing with the zones loaded before)",
		    err);
		return;
	}
	log_notice("zonefile: %zu zone files loaded from %s", n,
	    d->conf.zones_dir);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	if (sig == SIGHUP) {
		log_notice("stadiond: SIGHUP, reloading zone files");
		reload_zones(d);
		return;
	}
	log_notice("stadiond: signal %d, shutting down", (int)sig);
	event_base_loopbreak(d->base);
}

/*
 * Containers resolve through stadiond when it serves DNS on port 53 (the
 * only port resolv.conf knows): its address there, or its own address
 * behind a wildcard.
 */
static void
container_dns(const struct daemon *d, char *server, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	server[0] = '\0';
	for (size_t i = 0; i < d->conf.n_dns_listen; i++) {
		if (addr_parse(d->conf.dns_listen[i], &ss, &sl) != ST_OK ||
		    ntohs(ss.ss_family == AF_INET ?
		    ((struct sockaddr_in *)&ss)->sin_port :
		    ((struct sockaddr_in6 *)&ss)->sin6_port) != 53)
			continue;
		if (addr_is_wildcard(&ss))
			snprintf(server, size, "%s", d->host);
		else
			addr_host(&ss, server, size);
		return;
	}
}

/*
 * The event bus, /v2/events on it, and the alert webhooks (stadion's
 * alerts only: Marathon's events are many and have their stream).
 */
static int
events_setup(struct daemon *d)
{
	static const char *const alerts[] = { "stadion_alert_event" };
	int err;

	if ((err = bus_new(&d->bus)) != ST_OK ||
	    (err = events_sse_new(d->base, d->bus, d->conf.events_max_buffer,
	    &d->events)) != ST_OK)
		return err;
	api_http_set_events(d->api, d->events);
	if (d->conf.n_alert_webhook > 0 && (err = webhook_new(d->base, d->bus,
	    (const char *const *)d->conf.alert_webhook,
	    d->conf.n_alert_webhook, alerts, 1, &d->webhook)) != ST_OK) {
		log_errx("stadiond: cannot set up the alert webhooks (%s)",
		    st_strerror(err));
		return err;
	}
	return ST_OK;
}

static int
orch_setup(struct daemon *d)
{
	struct orch_params op;
	char dns[INET6_ADDRSTRLEN], search[2 * DNS_NAME_MAX];
	int err;

	container_dns(d, dns, sizeof(dns));
	snprintf(search, sizeof(search), "%s.%s", d->conf.framework,
	    d->conf.domain);
	memset(&op, 0, sizeof(op));
	op.state_dir = d->conf.state_dir;
	op.docker_endpoint = d->conf.docker_endpoint;
	op.docker_tls_ca = d->conf.docker_tls_ca;
	op.docker_tls_cert = d->conf.docker_tls_cert;
	op.docker_tls_key = d->conf.docker_tls_key;
	op.host = d->host;
	op.port_min = (uint16_t)d->conf.port_range_min;
	op.port_max = (uint16_t)d->conf.port_range_max;
	op.dns_server = dns[0] ? dns : NULL;
	op.dns_search = dns[0] ? search : NULL;
	op.framework_id = "stadion";
	op.leader = d->conf.http_listen;
	op.bus = d->bus;
	op.ttl = d->conf.ttl;
	if ((err = orch_new(d->base, d->store, d->registry, &op,
	    &d->orch)) != ST_OK) {
		log_errx("stadiond: cannot set up the orchestrator (%s)",
		    st_strerror(err));
		return err;
	}
	api_http_set_orch(d->api, d->orch);
	return orch_start(d->orch);
}

/* Keys and policy of dynamic updates, on the framework zone z->fw. */
static int
update_setup(struct daemon *d, const struct builtin_zones *z)
{
	char err[512];
	int rc;

	if ((rc = dns_update_conf_keys(&d->keys, &d->conf, err,
	    sizeof(err))) != ST_OK ||
	    (rc = dns_policy_parse(&d->policy, d->conf.update_policy, err,
	    sizeof(err))) != ST_OK) {
		log_errx("stadiond: %s", err);
		return rc;
	}
	d->updc.store = d->store;
	d->updc.keys = &d->keys;
	d->updc.policy = &d->policy;
	memcpy(d->updc.regzone, z->fw, z->fw_len);
	if (d->keys.nkeys == 0)
		log_info("stadiond: no TSIG key: every dynamic update is "
		    "refused");
	return dns_server_set_update(d->dns, d->base, &d->updc);
}

/* NOTIFY the secondaries of each serial change, and of every zone now. */
static int
notify_setup(struct daemon *d)
{
	struct dns_notify_params np = {
		.targets = d->conf.notify,
		.ntargets = d->conf.n_notify,
		.coalesce_ms = DNS_NOTIFY_COALESCE_MS,
		.retry_ms = DNS_NOTIFY_RETRY_MS,
		.retries = DNS_NOTIFY_RETRIES,
	};
	size_t bad = 0;
	int err;

	if ((err = dns_notify_new(d->base, d->store, &np, &bad,
	    &d->notify)) != ST_OK) {
		if (err == ST_EINVAL)
			log_errx("stadiond: bad notify target '%s'",
			    d->conf.notify[bad]);
		else
			log_errx("stadiond: cannot set up NOTIFY (%s)",
			    st_strerror(err));
		return err;
	}
	dns_journal_on_change(d->journal, dns_notify_zone, d->notify);
	return dns_notify_all(d->notify);
}

static int
daemon_start(struct daemon *d)
{
	struct registry_params rp;
	struct builtin_zones z;
	char dbdir[PATH_MAX];
	int err;

	memset(&z, 0, sizeof(z));
	if ((err = builtin_prepare(&d->conf, &z, d->host)) != ST_OK)
		return err;
	if (mkdir(d->conf.state_dir, 0750) == -1 && errno != EEXIST) {
		log_err("stadiond: cannot create state dir %s", d->conf.state_dir);
		return ST_EIO;
	}
	snprintf(dbdir, sizeof(dbdir), "%s/db", d->conf.state_dir);
	if ((err = store_open(dbdir, &d->store)) != ST_OK)
		return err;
	/* Before any write, so that IXFR sees every change. */
	if ((err = dns_journal_new(d->store, &(struct dns_journal_params){
	    d->conf.ixfr_journal_max, DNS_JOURNAL_MAX_BYTES },
	    &d->journal)) != ST_OK)
		return err;
	if ((err = store_write(d->store, builtin_write, &z)) != ST_OK) {
		log_errx("stadiond: cannot write the built-in zones (%s)",
		    st_strerror(err));
		return err;
	}
	reload_zones(d);
	rp.domain = d->conf.domain;
	rp.framework = d->conf.framework;
	rp.ttl = d->conf.ttl;
	if ((err = registry_new(d->store, &rp, &d->registry)) != ST_OK)
		return err;
	if ((d->base = event_base_new()) == NULL)
		return ST_ENOMEM;
	if ((err = dns_server_new(d->store, &d->conf, &d->dns)) != ST_OK ||
	    (err = update_setup(d, &z)) != ST_OK ||
	    (err = notify_setup(d)) != ST_OK)
		return err;
	if ((err = api_http_new(d->base, d->conf.http_listen, d->registry,
	    d->conf.watch_max_wait, &d->api)) != ST_OK) {
		log_errx("stadiond: cannot serve HTTP on %s (%s)",
		    d->conf.http_listen, st_strerror(err));
		return err;
	}
	api_http_set_store(d->api, d->store);
	if ((err = events_setup(d)) != ST_OK || (err = orch_setup(d)) != ST_OK)
		return err;
	d->sig_term = evsignal_new(d->base, SIGTERM, on_signal, d);
	d->sig_int = evsignal_new(d->base, SIGINT, on_signal, d);
	d->sig_hup = evsignal_new(d->base, SIGHUP, on_signal, d);
	if (!d->sig_term || !d->sig_int || !d->sig_hup ||
	    evsignal_add(d->sig_term, NULL) || evsignal_add(d->sig_int, NULL) ||
	    evsignal_add(d->sig_hup, NULL))
		return ST_ENOMEM;
	return dns_server_start(d->dns);
}

static void
daemon_stop(struct daemon *d)
{
	dns_server_free(d->dns);
	/* The streams end before the listener goes, the bus after its users. */
	events_sse_free(d->events);
	webhook_free(d->webhook);
	api_http_free(d->api);
	orch_free(d->orch);
	bus_free(d->bus);
	if (d->sig_term)
		event_free(d->sig_term);
	if (d->sig_int)
		event_free(d->sig_int);
	if (d->sig_hup)
		event_free(d->sig_hup);
	dns_notify_free(d->notify);
	if (d->base)
		event_base_free(d->base);
	registry_free(d->registry);
	dns_journal_free(d->journal);
	store_close(d->store);
	dns_tsig_keyring_deinit(&d->keys);
	dns_policy_deinit(&d->policy);
	conf_deinit(&d->conf);
}

int
main(int argc, char **argv)
{
	struct daemon d;
	struct conf_cli cli;
	char err[1024];
	int rc;

	memset(&d, 0, sizeof(d));
	memset(&cli, 0, sizeof(cli));
	dns_tsig_keyring_init(&d.keys);
	if (conf_load(&d.conf, &cli, argc, argv, err, sizeof(err)) != ST_OK ||
	    (!cli.help && !cli.version &&
	    conf_validate(&d.conf, err, sizeof(err)) != ST_OK)) {
		fprintf(stderr, "stadiond: %s\n", err);
		conf_deinit(&d.conf);
		return 1;
	}
	if (cli.help || cli.version) {
		if (cli.help)
			conf_usage(stdout, "stadiond");
		else
			printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		conf_deinit(&d.conf);
		return 0;
	}
	if (cli.check_only) {
		printf("configuration OK\n");
		conf_deinit(&d.conf);
		return 0;
	}
	log_init("stadiond", d.conf.syslog && !d.conf.foreground,
	    d.conf.log_level);
	signal(SIGPIPE, SIG_IGN);
	/* Fork before any thread or event base exists. */
	if (!d.conf.foreground && daemon(1, 0) == -1) {
		log_err("stadiond: cannot daemonize");
		conf_deinit(&d.conf);
		return 1;
	}
	if (evthread_use_pthreads() != 0)
		fatalx("stadiond: libevent has no pthreads support");

	rc = daemon_start(&d);
	if (rc == ST_OK) {
		log_notice("stadiond: serving %s.%s. on %s (HTTP %s)",
		    d.conf.framework, d.conf.domain, d.conf.dns_listen[0],
		    d.conf.http_listen);
		event_base_dispatch(d.base);
	} else {
		log_errx("stadiond: start-up failed (%s)", st_strerror(rc));
	}
	daemon_stop(&d);
	return rc == ST_OK ? 0 : 1;
}
