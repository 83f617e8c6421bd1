/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A tiny streaming JSON writer for vsyncctl's -j output (stdout).
 *
 * Containers nest; inside an object every value has a key, inside an
 * array the key is NULL.  jw_end() closes the document with a newline.
 */
#ifndef VSYNCCTL_JSON_H
#define VSYNCCTL_JSON_H

#include <stdint.h>

void jw_set_pretty(int pretty);
void jw_object_open(const char *key);
void jw_object_close(void);
void jw_array_open(const char *key);
void jw_array_close(void);
void jw_u64(const char *key, uint64_t val);
void jw_string(const char *key, const char *s);
void jw_bool(const char *key, int val);
void jw_null(const char *key);
void jw_end(void);

#endif
