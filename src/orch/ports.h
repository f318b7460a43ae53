/*
 * ports.h -- host ports for instances, from a configured range.
 *
 * No two live instances share a port: the orchestrator marks the ports of
 * every task it knows (adopted ones included) and frees them when the
 * task is gone. Allocation takes the next free port after the last one
 * given, wrapping, so a port just freed is not handed out again at once.
 */
#ifndef STADION_ORCH_PORTS_H
#define STADION_ORCH_PORTS_H

#include <stddef.h>
#include <stdint.h>

struct ports;

/*
 * A check that port is free on the host (not bound by another program):
 * 1 free, 0 busy. Ports of the range that fail it are passed over.
 */
typedef int (*ports_probe_fn)(uint16_t port, void *arg);

/* Range [min, max]; ST_EINVAL when min is 0 or min > max. */
int ports_new(uint16_t min, uint16_t max, struct ports **out);
void ports_free(struct ports *p);

/* Check every port handed out from the range with fn (NULL: none). */
void ports_set_probe(struct ports *p, ports_probe_fn fn, void *arg);

/*
 * n ports for one instance into out. declared[i] != 0 asks for that port
 * exactly (requirePorts, or a fixed hostPort), which may lie outside the
 * range; declared may be NULL. All or nothing: ST_ECONFLICT when a declared
 * port is taken, ST_EFULL when the range has too few free ports.
 */
int ports_alloc(struct ports *p, size_t n, const uint16_t *declared,
    uint16_t *out);
/* Mark a port used (adoption); ST_ECONFLICT when it already is. */
int ports_take(struct ports *p, uint16_t port);
/* Free ports; freeing a free port does nothing. */
void ports_release(struct ports *p, const uint16_t *ports, size_t n);
/* 1 if port is in use. */
int ports_used(const struct ports *p, uint16_t port);

#endif
