/*
 * ctr_docker.h -- the docker driver: the Docker Engine API over libcurl.
 *
 * Requests go through libcurl's multi interface on the event loop
 * (util/curlev.h), to the engine's unix socket or to tcp:// (with TLS when
 * certificates are given). The API version is negotiated with GET /version
 * (1.41 or newer). The driver follows GET /events for the containers
 * labelled stadion.app and reports die/oom/start/destroy; when the engine
 * goes away it reports CTR_EV_LOST and reconnects with back-off, then
 * CTR_EV_RECONNECTED. The handle of an instance is its container id.
 */
#ifndef STADION_ORCH_CTR_DOCKER_H
#define STADION_ORCH_CTR_DOCKER_H

#include <jansson.h>

#include "orch/containerizer.h"

struct event_base;

struct ctr_docker_params {
	const char *endpoint;	/* "unix:///var/run/docker.sock" (default) or
				   "tcp://host:port" */
	const char *tls_ca, *tls_cert, *tls_key;	/* tcp:// with TLS */
	const char *dns_server;	/* containers' DNS server, or NULL */
	const char *dns_search;	/* their search domain, or NULL */
};

/* ST_EINVAL for a bad endpoint. *out: ctr_free(). */
int ctr_docker_new(struct event_base *base, const struct ctr_docker_params *p,
    struct ctr **out);

/*
 * The body of POST /containers/create for spec (pure, for tests): Image,
 * Cmd/Entrypoint, Env, Labels (the app's, plus stadion's three), HostConfig
 * (CpuShares = cpus*1024, CpuPeriod 100000 and CpuQuota = cpus*100000,
 * Memory = MemorySwap = mem MiB, NetworkMode, Binds, PortBindings,
 * Dns/DnsSearch from p), ExposedPorts. ST_EINVAL naming nothing when the
 * app is not a docker app. *out owned by the caller.
 */
int ctr_docker_create_body(const struct ctr_spec *spec,
    const struct ctr_docker_params *p, json_t **out);

#endif
