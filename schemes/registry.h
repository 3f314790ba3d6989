/*
 * The table of schemes: the built-in ones (registry.c lists them, one line
 * each) and plugins loaded with --plugin.  Registration validates the ops
 * as tcp_register_congestion_control() does: a missing required hook, a
 * duplicate name or a wrong API version is refused with a message naming
 * the scheme.
 */
#ifndef MMLOCKSIM_REGISTRY_H
#define MMLOCKSIM_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "schemes/scheme.h"

/* Register the built-in schemes (idempotent); aborts on a broken table. */
void schemes_init(void);
int scheme_register(const struct scheme_ops *ops, char *err, size_t errlen);
/* dlopen a plugin and register the struct scheme_ops it exports as
 * `mmlocksim_scheme`; returns it, or NULL with a message. */
const struct scheme_ops *scheme_load_plugin(const char *path, char *err, size_t errlen);

int scheme_count(void);
const struct scheme_ops *scheme_at(int i);
/*
 * NULL when unknown, and then, if err is given, "unknown scheme 'NAME';
 * valid schemes: ..." in it (one line, no newline, truncated to errlen).
 */
const struct scheme_ops *scheme_find(const char *name, char *err, size_t errlen);

bool scheme_in_default_compare(const struct scheme_ops *ops);
void scheme_list(FILE *out);

/*
 * A run's parameters for ops: the n "KEY=VAL" strings kv, checked against
 * ops->params (names, choices), into args.  Touches nothing else, so a
 * plan can be checked without running it.  0, or -1 with one line in err.
 */
int scheme_args_parse(const struct scheme_ops *ops, int n, const char *const *kv,
		      struct scheme_args *args, char *err, size_t errlen);
bool scheme_has_param(const struct scheme_ops *ops, const char *key);
/* The value of parameter name in args (NULL: none given), else its default. */
const char *scheme_args_value(const struct scheme_ops *ops, const struct scheme_args *args,
			      const char *name);

#endif
