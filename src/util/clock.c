/*
 * clock.c -- wall and monotonic seconds, ISO 8601 timestamps.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "util/clock.h"

double
clock_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
clock_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int64_t
clock_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
clock_iso_ms(int64_t ms, char *out, size_t size)
{
	time_t sec = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	if (ms <= 0 || gmtime_r(&sec, &tm) == NULL) {
		if (size > 0)
			*out = '\0';
		return;
	}
	n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, size - n, ".%03dZ", (int)(ms % 1000));
}

void
clock_iso(double wall, char *out, size_t size)
{
	clock_iso_ms(wall > 0 ? (int64_t)llround(wall * 1000.0) : 0, out,
	    size);
}

void
clock_iso_now(char *out, size_t size)
{
	clock_iso_ms(clock_wall_ms(), out, size);
}
