// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Streaming JSON writer: tracks, per open container, whether a separator
 * is needed, and indents when pretty printing is on.
 */
#include <stdio.h>

#include "json.h"

#define JW_MAX_DEPTH 16

static int depth;
static int pretty;
static int has_items[JW_MAX_DEPTH];

void jw_set_pretty(int on)
{
	pretty = on;
}

static void newline_indent(void)
{
	int i;

	if (!pretty)
		return;
	putchar('\n');
	for (i = 0; i < depth; i++)
		fputs("  ", stdout);
}

static void put_escaped(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	putchar('"');
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		default:
			/* Control bytes are escaped; other bytes pass as is. */
			if (*p < 0x20 || *p == 0x7f)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}

/* Separator, indentation and key before a value. */
static void begin_value(const char *key)
{
	if (depth > 0 && depth <= JW_MAX_DEPTH) {
		if (has_items[depth - 1])
			putchar(',');
		has_items[depth - 1] = 1;
		newline_indent();
	}
	if (key) {
		put_escaped(key);
		fputs(pretty ? ": " : ":", stdout);
	}
}

static void open_container(const char *key, char c)
{
	begin_value(key);
	putchar(c);
	if (depth < JW_MAX_DEPTH)
		has_items[depth] = 0;
	depth++;
}

static void close_container(char c)
{
	depth--;
	if (depth < JW_MAX_DEPTH && has_items[depth])
		newline_indent();
	putchar(c);
}

void jw_object_open(const char *key)
{
	open_container(key, '{');
}

void jw_object_close(void)
{
	close_container('}');
}

void jw_array_open(const char *key)
{
	open_container(key, '[');
}

void jw_array_close(void)
{
	close_container(']');
}

void jw_u64(const char *key, uint64_t val)
{
	begin_value(key);
	printf("%llu", (unsigned long long)val);
}

void jw_string(const char *key, const char *s)
{
	begin_value(key);
	put_escaped(s);
}

void jw_bool(const char *key, int val)
{
	begin_value(key);
	fputs(val ? "true" : "false", stdout);
}

void jw_null(const char *key)
{
	begin_value(key);
	fputs("null", stdout);
}

void jw_end(void)
{
	putchar('\n');
	depth = 0;
}
