/*
 * The built-in schemes, one line each in BUILTIN_SCHEMES, and the checks
 * every scheme passes before it can run.
 */
#include "schemes/registry.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

#define BUILTIN_SCHEMES(X)		\
	X(global_rwsem_ops)		\
	X(spf_srcu_ops)			\
	X(pervma_ops)			\
	X(rcu_fault_ops)		\
	X(mt_lock_ops)			\
	X(ww_vma_ops)			\
	X(busted_ops)			\
	X(ww_vma_plain_ops)		\
	X(template_ops)

#define DECLARE(ops) extern const struct scheme_ops ops;
#define ENTRY(ops) &ops,
BUILTIN_SCHEMES(DECLARE)

static const struct scheme_ops *const builtin[] = { BUILTIN_SCHEMES(ENTRY) };

#define MAX_SCHEMES 64

static const struct scheme_ops *table[MAX_SCHEMES];
static const char *plugin_of[MAX_SCHEMES];	/* the .so a scheme came from; NULL: built in */
static int nr_schemes;
static bool builtins_done;

static bool choice_ok(const char *choices, const char *value);

int scheme_register(const struct scheme_ops *ops, char *err, size_t errlen)
{
	const char *name = ops && ops->name && ops->name[0] ? ops->name : "(unnamed)";
	const struct scheme_param *p, *q;
	int i;

	if (!ops) {
		snprintf(err, errlen, "scheme registration: no ops given");
		return -1;
	}
	if (ops->api_version < SCHEME_API_VERSION_MIN || ops->api_version > SCHEME_API_VERSION) {
		snprintf(err, errlen, "scheme '%s': API version %d, expected %d to %d (rebuild it "
			 "against this schemes/scheme.h)", name, ops->api_version,
			 SCHEME_API_VERSION_MIN, SCHEME_API_VERSION);
		return -1;
	}
	if (ops->abi.mm_struct_size != sizeof(struct mm_struct) ||
	    ops->abi.vm_area_struct_size != sizeof(struct vm_area_struct)) {
		snprintf(err, errlen, "scheme '%s': built against other kernel structures "
			 "(mm_struct %zu bytes, vm_area_struct %zu; this binary's: %zu and %zu): "
			 "give its ops .abi = SCHEME_ABI and rebuild it against this "
			 "schemes/scheme.h", name, ops->abi.mm_struct_size,
			 ops->abi.vm_area_struct_size, sizeof(struct mm_struct),
			 sizeof(struct vm_area_struct));
		return -1;
	}
	if (!ops->name || !ops->name[0] || !ops->summary) {
		snprintf(err, errlen, "scheme '%s': expected a name and a summary", name);
		return -1;
	}
	if (!ops->fault || !ops->write_lock || !ops->write_unlock) {
		snprintf(err, errlen, "scheme '%s': missing required hook %s", name,
			 !ops->fault ? "fault" : !ops->write_lock ? "write_lock" : "write_unlock");
		return -1;
	}
	if (ops->api_version >= 2) {
		int n = !!ops->range_lock + !!ops->range_unlock + !!ops->vma_locked +
			!!ops->tree_lock + !!ops->tree_unlock;

		if (n != 0 && n != 5) {
			snprintf(err, errlen, "scheme '%s': range_lock, range_unlock, vma_locked, "
				 "tree_lock and tree_unlock go together", name);
			return -1;
		}
	}
	if (!ops->read_lock != !ops->read_unlock) {
		snprintf(err, errlen, "scheme '%s': read_lock and read_unlock go together", name);
		return -1;
	}
	for (p = ops->params; p && p->name; p++) {
		if (!p->def || !p->help) {
			snprintf(err, errlen, "scheme '%s': parameter '%s' needs a default and help",
				 name, p->name);
			return -1;
		}
		if (p->choices && !choice_ok(p->choices, p->def)) {
			snprintf(err, errlen, "scheme '%s': parameter '%s': default '%s' is not "
				 "one of its choices %s", name, p->name, p->def, p->choices);
			return -1;
		}
		for (q = ops->params; q < p; q++)
			if (!strcmp(q->name, p->name)) {
				snprintf(err, errlen, "scheme '%s': parameter '%s' given twice", name, p->name);
				return -1;
			}
	}
	for (i = 0; i < nr_schemes; i++) {
		if (!strcmp(table[i]->name, ops->name)) {
			snprintf(err, errlen, "scheme '%s': a scheme of that name is already registered",
				 name);
			return -1;
		}
	}
	if (nr_schemes == MAX_SCHEMES) {
		snprintf(err, errlen, "scheme '%s': too many schemes (%d)", name, MAX_SCHEMES);
		return -1;
	}
	table[nr_schemes++] = ops;
	return 0;
}

void schemes_init(void)
{
	char err[256];
	size_t i;

	if (builtins_done)
		return;
	builtins_done = true;
	for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++) {
		if (scheme_register(builtin[i], err, sizeof(err))) {
			fprintf(stderr, "mmlocksim: built-in %s\n", err);
			abort();
		}
	}
}

const struct scheme_ops *scheme_load_plugin(const char *path, char *err, size_t errlen)
{
	const struct scheme_ops *ops;
	char msg[256];
	void *h;
	int i;

	schemes_init();
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(err, errlen, "%s: cannot load plugin: %s", path, dlerror());
		return NULL;
	}
	ops = dlsym(h, "mmlocksim_scheme");
	if (!ops) {
		snprintf(err, errlen, "%s: expected an exported 'const struct scheme_ops "
			 "mmlocksim_scheme' (see schemes/examples/)", path);
		dlclose(h);
		return NULL;
	}
	/* Loaded already (a check, then the run): dlopen() counted a second handle. */
	for (i = 0; i < nr_schemes; i++) {
		if (table[i] == ops) {
			dlclose(h);
			return ops;
		}
	}
	if (scheme_register(ops, msg, sizeof(msg))) {
		snprintf(err, errlen, "%s: %s", path, msg);
		dlclose(h);
		return NULL;
	}
	plugin_of[nr_schemes - 1] = xstrdup(path);
	return ops;	/* the handle stays open for the life of the process */
}

int scheme_count(void)
{
	schemes_init();
	return nr_schemes;
}

const struct scheme_ops *scheme_at(int i)
{
	schemes_init();
	return i >= 0 && i < nr_schemes ? table[i] : NULL;
}

/* Appends to the message in err (errlen bytes, *n used so far), truncating. */
__attribute__((format(printf, 4, 5)))
static void msg_add(char *err, size_t errlen, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*n + 1 >= errlen)
		return;
	va_start(ap, fmt);
	k = vsnprintf(err + *n, errlen - *n, fmt, ap);
	va_end(ap);
	if (k > 0)
		*n = *n + (size_t)k < errlen ? *n + (size_t)k : errlen - 1;
}

const struct scheme_ops *scheme_find(const char *name, char *err, size_t errlen)
{
	const unsigned char *c;
	size_t n = 0;
	int i;

	schemes_init();
	for (i = 0; i < nr_schemes; i++)
		if (!strcmp(table[i]->name, name))
			return table[i];
	if (!err || !errlen)
		return NULL;
	/* The name is what the user typed: no control character reaches the terminal. */
	err[0] = '\0';
	msg_add(err, errlen, &n, "unknown scheme '");
	for (c = (const unsigned char *)name; *c; c++)
		msg_add(err, errlen, &n, *c < 0x20 || *c == 0x7f ? "\\x%02x" : "%c", *c);
	msg_add(err, errlen, &n, "'; valid schemes:");
	for (i = 0; i < nr_schemes; i++)
		msg_add(err, errlen, &n, " %s", table[i]->name);
	return NULL;
}


bool scheme_in_default_compare(const struct scheme_ops *ops)
{
	return !(ops->flags & (SCHEME_F_NO_COMPARE | SCHEME_F_BROKEN));
}

void scheme_list(FILE *out)
{
	const struct scheme_param *p;
	int i;

	schemes_init();
	for (i = 0; i < nr_schemes; i++) {
		const struct scheme_ops *o = table[i];

		fprintf(out, "  %-16s %s%s", o->name, o->summary,
			o->flags & SCHEME_F_BROKEN ? " [deliberately broken]" :
			o->flags & SCHEME_F_NO_COMPARE ? " [not in default compare]" : "");
		if (plugin_of[i])
			fprintf(out, " [plugin %s]", plugin_of[i]);
		fprintf(out, "\n");
		for (p = o->params; p && p->name; p++)
			fprintf(out, "    -p %s=%-10s %s%s%s%s\n", p->name, p->def, p->help,
				p->choices ? " (" : "", p->choices ? p->choices : "",
				p->choices ? ")" : "");
	}
}

bool scheme_has_param(const struct scheme_ops *ops, const char *key)
{
	const struct scheme_param *p;

	for (p = ops->params; p && p->name; p++)
		if (!strcmp(p->name, key))
			return true;
	return false;
}

/* "LO..HI": the bounds of a whole-number parameter; false for a list of choices. */
static bool choice_range(const char *choices, unsigned long long *lo, unsigned long long *hi)
{
	int n = 0;

	return sscanf(choices, "%llu..%llu%n", lo, hi, &n) == 2 && !choices[n];
}

/* Is value one of the '|'-separated choices, or a whole number within "LO..HI"? */
static bool choice_ok(const char *choices, const char *value)
{
	unsigned long long lo, hi, v;
	size_t n = strlen(value);
	const char *c = choices;
	char *end;

	if (choice_range(choices, &lo, &hi)) {
		/* Digits only: strtoull takes "-1" as 2^64 - 1, and strtol() "0x10". */
		if (*value < '0' || *value > '9')
			return false;
		errno = 0;
		v = strtoull(value, &end, 10);
		return !errno && !*end && v >= lo && v <= hi;
	}

	while (*c) {
		const char *bar = strchr(c, '|');
		size_t len = bar ? (size_t)(bar - c) : strlen(c);

		if (len == n && !strncmp(c, value, n))
			return true;
		c += len + (bar ? 1 : 0);
	}
	return false;
}

int scheme_args_parse(const struct scheme_ops *ops, int n, const char *const *kv,
		      struct scheme_args *args, char *err, size_t errlen)
{
	const struct scheme_param *p;
	int i;

	args->n = 0;
	for (i = 0; i < n; i++) {
		const char *eq = strchr(kv[i], '=');
		size_t klen = eq ? (size_t)(eq - kv[i]) : 0;
		char *key = args->key[args->n];

		if (!eq || !klen || klen >= sizeof(args->key[0]) ||
		    strlen(eq + 1) >= sizeof(args->value[0])) {
			snprintf(err, errlen, "-p %s: expected KEY=VALUE", kv[i]);
			return -1;
		}
		if (args->n == SCHEME_MAX_ARGS) {
			snprintf(err, errlen, "-p: at most %d scheme parameters", SCHEME_MAX_ARGS);
			return -1;
		}
		memcpy(key, kv[i], klen);
		key[klen] = 0;
		if (!scheme_has_param(ops, key)) {
			size_t off = (size_t)snprintf(err, errlen, "-p %s: scheme '%s' has no parameter "
						      "'%s'; valid:", kv[i], ops->name, key);

			for (p = ops->params; p && p->name && off < errlen; p++)
				off += (size_t)snprintf(err + off, errlen - off, " %s", p->name);
			if (!ops->params || !ops->params->name)
				snprintf(err + off, off < errlen ? errlen - off : 0, " (none)");
			return -1;
		}
		for (p = ops->params; p && p->name; p++) {
			if (strcmp(p->name, key) || !p->choices)
				continue;
			if (!choice_ok(p->choices, eq + 1)) {
				unsigned long long lo, hi;

				if (choice_range(p->choices, &lo, &hi))
					snprintf(err, errlen, "-p %s: expected a whole number from "
						 "%llu to %llu", kv[i], lo, hi);
				else
					snprintf(err, errlen, "-p %s: expected one of %s", kv[i],
						 p->choices);
				return -1;
			}
		}
		snprintf(args->value[args->n], sizeof(args->value[0]), "%s", eq + 1);
		args->n++;
	}
	return 0;
}

const char *scheme_args_value(const struct scheme_ops *ops, const struct scheme_args *args,
			      const char *name)
{
	const struct scheme_param *p;
	int i;

	/* The last one given wins, as for -p given twice. */
	for (i = args ? args->n - 1 : -1; i >= 0; i--)
		if (!strcmp(args->key[i], name))
			return args->value[i];
	for (p = ops->params; p && p->name; p++)
		if (!strcmp(p->name, name))
			return p->def;
	return NULL;
}
