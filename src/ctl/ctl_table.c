/*
 * ctl_table.c -- the aligned tables of stadionctl's human output.
 *
 * Widths count UTF-8 characters, not octets, so names with accents keep
 * the columns straight; the last column is not padded.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "util/error.h"

#define CTL_TABLE_GAP 2

struct ctl_table {
	size_t ncols;
	const char *const *headers;
	char **cells;		/* row r, column k: cells[r * ncols + k] */
	size_t nrows;		/* complete rows; row nrows is being filled */
	size_t cap;		/* rows the cells array has room for */
};

struct ctl_table *
ctl_table_new(size_t ncols, const char *const *headers)
{
	struct ctl_table *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->ncols = ncols;
	t->headers = headers;
	return t;
}

void
ctl_table_free(struct ctl_table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->cap * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

/* Room for the row being filled. */
static int
ctl_table_grow(struct ctl_table *t)
{
	size_t cap;
	char **p;

	if (t->nrows < t->cap)
		return ST_OK;
	cap = t->cap ? t->cap * 2 : 8;
	if ((p = realloc(t->cells, cap * t->ncols * sizeof(*p))) == NULL)
		return ST_ENOMEM;
	memset(p + t->cap * t->ncols, 0,
	    (cap - t->cap) * t->ncols * sizeof(*p));
	t->cells = p;
	t->cap = cap;
	return ST_OK;
}

int
ctl_table_cell(struct ctl_table *t, size_t col, const char *s)
{
	char **cell;
	char *copy = NULL;

	if (col >= t->ncols)
		return ST_EINVAL;
	if (ctl_table_grow(t) != ST_OK)
		return ST_ENOMEM;
	if (s && (copy = strdup(s)) == NULL)
		return ST_ENOMEM;
	/* A newline or tab in a command line would break the row. */
	for (char *p = copy; p && *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = ' ';
	cell = &t->cells[t->nrows * t->ncols + col];
	free(*cell);
	*cell = copy;
	return ST_OK;
}

int
ctl_table_cellf(struct ctl_table *t, size_t col, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n, err;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return ST_ENOMEM;
	err = ctl_table_cell(t, col, s);
	free(s);
	return err;
}

int
ctl_table_row_end(struct ctl_table *t)
{
	int err;

	if ((err = ctl_table_grow(t)) != ST_OK)
		return err;
	t->nrows++;
	return ST_OK;
}

static size_t
ctl_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static const char *
ctl_table_text(const struct ctl_table *t, size_t row, size_t col)
{
	const char *s = t->cells[row * t->ncols + col];

	return s && *s ? s : "-";
}

static void
ctl_table_line(const struct ctl_table *t, const size_t *width, size_t row,
    int header)
{
	for (size_t k = 0; k < t->ncols; k++) {
		const char *s = header ? t->headers[k] :
		    ctl_table_text(t, row, k);

		fputs(s, stdout);
		if (k + 1 < t->ncols)
			printf("%*s", (int)(width[k] - ctl_width(s) +
			    CTL_TABLE_GAP), "");
	}
	fputc('\n', stdout);
}

void
ctl_table_print(const struct ctl_table *t)
{
	size_t *width;

	if ((width = calloc(t->ncols, sizeof(*width))) == NULL)
		return;
	for (size_t k = 0; k < t->ncols; k++) {
		width[k] = ctl_width(t->headers[k]);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t w = ctl_width(ctl_table_text(t, r, k));

			if (w > width[k])
				width[k] = w;
		}
	}
	ctl_table_line(t, width, 0, 1);
	for (size_t r = 0; r < t->nrows; r++)
		ctl_table_line(t, width, r, 0);
	free(width);
}

int
ctl_table_done(struct ctl_table *t, int err)
{
	if (err == ST_OK)
		ctl_table_print(t);
	else
		ctl_err("%s", st_strerror(ST_ENOMEM));
	ctl_table_free(t);
	return err ? ST_ENOMEM : ST_OK;
}

void
ctl_cut(char *s, size_t max)
{
	size_t n = 0, keep = 0;
	char *p;

	if (ctl_width(s) <= max || max < 3)
		return;
	/* The octet where the first max - 3 characters end. */
	for (p = s; *p; p++) {
		if (((unsigned char)*p & 0xc0) != 0x80 && n++ == max - 3) {
			keep = (size_t)(p - s);
			break;
		}
	}
	memcpy(s + keep, "...", 4);
}
