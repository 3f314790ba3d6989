/*
 * Plugins as a user outside the project builds them: every function and
 * variable the scheme-facing headers declare is exported by the binaries
 * that load plugins, tools/build-plugin builds a scheme from its source
 * alone, and the check catches the mistakes a per-VMA percpu-rwsem scheme
 * makes (tests/plugin_pcpu_rwsem.c and its broken variants).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tests/test.h"

#define MAX_HEADERS	64
#define MAX_NAMES	16384

struct names {
	char *v[MAX_NAMES];
	int n;
};

static bool names_has(const struct names *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], name))
			return true;
	return false;
}

static void names_add(struct names *s, const char *name, size_t len)
{
	char buf[128];

	if (len >= sizeof(buf) || s->n == MAX_NAMES)
		return;
	memcpy(buf, name, len);
	buf[len] = 0;
	if (!names_has(s, buf))
		s->v[s->n++] = strdup(buf);
}

static void names_free(struct names *s)
{
	while (s->n)
		free(s->v[--s->n]);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len + 1);
	if (fread(buf, 1, (size_t)len, f) != (size_t)len)
		len = 0;
	buf[len] = 0;
	fclose(f);
	return buf;
}

/*
 * The text with comments and preprocessor lines (with their continuations)
 * blanked; the project headers it includes are added to `headers`.
 */
static void strip(char *s, struct names *headers)
{
	char *p = s;
	bool bol = true;

	while (*p) {
		if (p[0] == '/' && p[1] == '*') {
			char *e = strstr(p + 2, "*/");

			e = e ? e + 2 : p + strlen(p);
			memset(p, ' ', (size_t)(e - p));
			p = e;
			continue;
		}
		if (p[0] == '/' && p[1] == '/') {
			while (*p && *p != '\n')
				*p++ = ' ';
			continue;
		}
		if (bol && *p == '#') {
			char *q = p;

			if (!strncmp(p, "#include \"", 10)) {
				char *e = strchr(p + 10, '"');

				if (e)
					names_add(headers, p + 10, (size_t)(e - p - 10));
			}
			while (*q && !(*q == '\n' && q[-1] != '\\'))
				q++;
			memset(p, ' ', (size_t)(q - p));
			p = q;
			continue;
		}
		bol = *p == '\n' || (bol && isspace((unsigned char)*p));
		p++;
	}
}

static bool is_ident(int c)
{
	return isalnum(c) || c == '_';
}

/* The name a file-scope declaration `decl` (up to its ';') declares, if any. */
static void declared_name(const char *decl, size_t len, struct names *out)
{
	const char *paren = memchr(decl, '(', len), *e, *b;

	const char *st = strstr(decl, "static");

	if (!strncmp(decl, "__attribute__", 13)) {
		/* A leading __attribute__((...)): the declaration follows it. */
		const char *q = decl + 13;
		int depth = 0;

		do {
			depth += *q == '(' ? 1 : *q == ')' ? -1 : 0;
			q++;
		} while (depth && q < decl + len);
		while (q < decl + len && isspace((unsigned char)*q))
			q++;
		declared_name(q, len - (size_t)(q - decl), out);
		return;
	}
	if (!strncmp(decl, "typedef", 7) || (st && st < decl + len))
		return;
	if (!paren) {
		/* extern TYPE name; (a struct's forward declaration declares none) */
		if (strncmp(decl, "extern", 6))
			return;
		e = decl + len;
		while (e > decl && !is_ident(e[-1]))
			e--;
		for (b = e; b > decl && is_ident(b[-1]); b--)
			;
		names_add(out, b, (size_t)(e - b));
		return;
	}
	b = paren + 1;
	while (isspace((unsigned char)*b))
		b++;
	if (*b == '*') {
		/* A pointer to function: extern void (*hook)(...); */
		for (b++; isspace((unsigned char)*b); b++)
			;
		for (e = b; is_ident(*e); e++)
			;
		names_add(out, b, (size_t)(e - b));
		return;
	}
	e = paren;
	while (e > decl && isspace((unsigned char)e[-1]))
		e--;
	for (b = e; b > decl && is_ident(b[-1]); b--)
		;
	if (e > b)
		names_add(out, b, (size_t)(e - b));
}

/* Collect the file-scope declarations of a stripped header. */
static void declarations(const char *s, struct names *out)
{
	const char *start = NULL, *p;
	int depth = 0;
	bool body = false;	/* the statement has had a { } (struct, inline) */

	for (p = s; *p; p++) {
		if (!start && !isspace((unsigned char)*p) && !depth)
			start = p, body = false;
		if (*p == '{') {
			depth++;
		} else if (*p == '}') {
			depth--;
			if (!depth)
				body = true;
			/* A function body ends its statement with no ';'. */
			if (!depth && start && memchr(start, '(', (size_t)(p - start)) &&
			    !strncmp(start, "static", 6))
				start = NULL;
		} else if (*p == ';' && !depth && start) {
			if (!body)
				declared_name(start, (size_t)(p - start), out);
			start = NULL;
		}
	}
}

/* The defined dynamic symbols of a binary. */
static int exported(const char *bin, struct names *out)
{
	char cmd[600], line[512];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "nm -D --defined-only %s", bin);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		char *name = strrchr(line, ' ');

		if (name) {
			name++;
			names_add(out, name, strcspn(name, "\n@"));
		}
	}
	return pclose(p) ? -1 : 0;
}

/*
 * Every function and variable declared in schemes/scheme.h and the project
 * headers it includes is a symbol the binaries that dlopen plugins export:
 * a plugin may call any of them.  With archives linked the ordinary way,
 * an object the binary never needs is left out, and with it what it alone
 * defines (the wait queues, the semaphores): "undefined symbol" at load.
 */
static int test_exports(void)
{
	static const char *const bins[] = { "mmlocksim", "mmlocksim-test" };
	struct names headers = { .n = 0 }, decls = { .n = 0 };
	int h, b, i, missing = 0;

	names_add(&headers, "schemes/scheme.h", strlen("schemes/scheme.h"));
	for (h = 0; h < headers.n; h++) {
		char *text = slurp(headers.v[h]);

		CHECKF(text, "cannot read %s", headers.v[h]);
		strip(text, &headers);
		declarations(text, &decls);
		free(text);
	}
	printf("  %d headers, %d declarations\n", headers.n, decls.n);
	/* The parse found what a plugin is offered, not nothing. */
	CHECK(names_has(&decls, "finish_wait") && names_has(&decls, "sema_init") &&
	      names_has(&decls, "handle_mm_fault") && names_has(&decls, "line_poison_hook") &&
	      names_has(&decls, "report_misuse") && !names_has(&decls, "refcount_inc"));
	CHECK(decls.n > 100);
	for (b = 0; b < 2; b++) {
		struct names syms = { .n = 0 };
		char bin[512];

		snprintf(bin, sizeof(bin), "%s/%s", test_bindir, bins[b]);
		CHECKF(!exported(bin, &syms), "nm -D %s failed", bin);
		for (i = 0; i < decls.n; i++) {
			if (!names_has(&syms, decls.v[i])) {
				printf("  %s does not export %s\n", bin, decls.v[i]);
				missing++;
			}
		}
		names_free(&syms);
	}
	names_free(&headers);
	names_free(&decls);
	CHECK(missing == 0);
	return 0;
}

const struct test_case plugin_tests[] = {
	{ "plugins/exports", test_exports },
	{ NULL, NULL },
};
