/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the series' guest programs share: KTAP results, reading a
 * "key value" line of a /proc file, writing a /proc or /sys file,
 * memfd_secret()'s number and a mapping of a new memfd_secret() file, and
 * the page size.
 */
#ifndef GUEST_UTIL_H
#define GUEST_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#ifndef __NR_memfd_secret
#define __NR_memfd_secret 447
#endif

#define PAGE		4096UL

static int case_nr, failed;

static void result(int ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* One KTAP result line, after a "# name: ..." line when @fmt is given. */
static void result(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		printf("# %s: ", name);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		putchar('\n');
	}
	printf("%sok %d %s\n", ok ? "" : "not ", ++case_nr, name);
	fflush(stdout);
	failed |= !ok;
}

/* A "key value" line of FILE (value in the first number after the key). */
static long read_key(const char *file, const char *key)
{
	size_t klen = strlen(key);
	char line[512];
	long v = -1;
	FILE *f = fopen(file, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) &&
		    (line[klen] == ' ' || line[klen] == ':')) {
			v = strtol(line + klen + 1 + strspn(line + klen + 1, " :"),
				   NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/* Write @val to the file @path; 0, or -1 with errno set. */
static inline int write_file(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int err;

	if (!f)
		return -1;
	err = fputs(val, f) < 0;
	/* sysfs reports the store's error when the buffer is flushed. */
	if (fclose(f) || err)
		return -1;
	return 0;
}

/* Map a new memfd_secret() file of @len bytes, shared; NULL on failure. */
static inline char *secret_map(int *fd, size_t len)
{
	char *p;

	*fd = syscall(__NR_memfd_secret, 0);
	if (*fd < 0)
		return NULL;
	if (ftruncate(*fd, len))
		return NULL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

#endif /* GUEST_UTIL_H */
