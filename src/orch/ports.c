/*
 * ports.c -- host port allocation: one bit per port number, next-fit from
 * the last port given.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>

#include "orch/ports.h"
#include "util/error.h"

#define PORTS_WORD_BITS (sizeof(unsigned long) * CHAR_BIT)
#define PORTS_WORDS ((UINT16_MAX + 1) / PORTS_WORD_BITS)

struct ports {
	uint16_t min;
	uint16_t max;
	uint16_t last;		/* last port handed out from the range */
	ports_probe_fn probe;
	void *probe_arg;
	unsigned long used[PORTS_WORDS];
};

static void
ports_set(struct ports *p, uint16_t port, int on)
{
	unsigned long bit = 1UL << (port % PORTS_WORD_BITS);

	if (on)
		p->used[port / PORTS_WORD_BITS] |= bit;
	else
		p->used[port / PORTS_WORD_BITS] &= ~bit;
}

int
ports_used(const struct ports *p, uint16_t port)
{
	return (p->used[port / PORTS_WORD_BITS] >>
	    (port % PORTS_WORD_BITS)) & 1;
}

int
ports_new(uint16_t min, uint16_t max, struct ports **out)
{
	struct ports *p;

	*out = NULL;
	if (min == 0 || min > max)
		return ST_EINVAL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return ST_ENOMEM;
	p->min = min;
	p->max = max;
	/* The first search starts at min. */
	p->last = max;
	*out = p;
	return ST_OK;
}

void
ports_free(struct ports *p)
{
	free(p);
}

static uint16_t
ports_next(const struct ports *p, uint16_t port)
{
	return port >= p->max || port < p->min ? p->min : port + 1;
}

int
ports_alloc(struct ports *p, size_t n, const uint16_t *declared,
    uint16_t *out)
{
	size_t i, j;
	uint16_t port;

	for (i = 0; i < n; i++) {
		if (declared == NULL || declared[i] == 0)
			continue;
		if (ports_used(p, declared[i]))
			return ST_ECONFLICT;
		/* The same port asked twice by one instance conflicts too. */
		for (j = 0; j < i; j++)
			if (declared[j] == declared[i])
				return ST_ECONFLICT;
	}
	for (i = 0; i < n; i++)
		if (declared != NULL && declared[i] != 0)
			ports_set(p, declared[i], 1);

	port = p->last;
	for (i = 0; i < n; i++) {
		if (declared != NULL && declared[i] != 0) {
			out[i] = declared[i];
			continue;
		}
		/* At most one full turn of the range per dynamic port. */
		for (j = (size_t)p->max - p->min + 1; j > 0; j--) {
			port = ports_next(p, port);
			if (!ports_used(p, port) && (p->probe == NULL ||
			    p->probe(port, p->probe_arg)))
				break;
		}
		if (j == 0) {
			/* Undo: nothing of this call stays taken. */
			for (j = 0; j < i; j++)
				ports_set(p, out[j], 0);
			for (j = i; j < n; j++)
				if (declared != NULL && declared[j] != 0)
					ports_set(p, declared[j], 0);
			return ST_EFULL;
		}
		ports_set(p, port, 1);
		out[i] = port;
	}
	p->last = port;
	return ST_OK;
}

void
ports_set_probe(struct ports *p, ports_probe_fn fn, void *arg)
{
	p->probe = fn;
	p->probe_arg = arg;
}

int
ports_take(struct ports *p, uint16_t port)
{
	if (ports_used(p, port))
		return ST_ECONFLICT;
	ports_set(p, port, 1);
	return ST_OK;
}

void
ports_release(struct ports *p, const uint16_t *ports, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ports_set(p, ports[i], 0);
}
