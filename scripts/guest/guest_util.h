/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the series' guest programs share: KTAP results, reading a
 * "key value" line of a /proc file (and a /proc/vmstat counter) or the first
 * line of a file, the free-list rows of /proc/buddyinfo and the free
 * unmapped pages of /proc/pagetypeinfo and the pcplists' pages of
 * /proc/zoneinfo, writing a /proc or /sys file, draining the LRU batches,
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

/* A counter of /proc/vmstat, or -1. */
static inline long vmstat(const char *key)
{
	return read_key("/proc/vmstat", key);
}

/*
 * The pages of a free-list row of /proc/buddyinfo or /proc/pagetypeinfo:
 * @p points at the blank before the row's name ("DMA32", "Movable", ...),
 * which the counts of free blocks of order 0, 1, ... follow. Only orders of
 * @min_order and above are counted.
 */
static inline long order_pages(const char *p, int min_order)
{
	long total = 0;
	int order;

	p += strspn(p, " \t");
	p += strcspn(p, " \t");		/* past the name */
	for (order = 0;; order++) {
		char *end;
		long n = strtol(p, &end, 10);

		if (end == p)
			break;
		if (order >= min_order)
			total += n << order;
		p = end;
	}
	return total;
}

/*
 * The first line of the file @path into @buf (@size bytes); 0, or -1 if it
 * cannot be read or is empty.
 */
static inline int read_line(const char *path, char *buf, int size)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(buf, size, f))
		buf[0] = 0;
	fclose(f);
	return buf[0] ? 0 : -1;
}

/*
 * Free unmapped pages, in pages, from the "Unmapped" rows of the free page
 * counts in /proc/pagetypeinfo ("Node 0, zone DMA32, type Unmovable-Unmapped
 * n0 n1 ... n10": the number of free blocks of each order).
 */
static inline long free_unmapped_pages(void)
{
	char line[1024];
	long total = -1;
	FILE *f = fopen("/proc/pagetypeinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "type ");

		if (!strncmp(line, "Number of blocks", 16))
			break;
		if (!p || !strstr(p, "Unmapped"))
			continue;
		if (total < 0)
			total = 0;
		total += order_pages(p + 4, 0);	/* past "type" */
	}
	fclose(f);
	return total;
}

/* Pages on the pcplists of every CPU, from the "count:" lines of zoneinfo. */
static inline long pcp_pages(void)
{
	char line[512];
	long total = 0;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " ");

		if (!strncmp(p, "count:", 6))
			total += strtol(p + 6, NULL, 10);
	}
	fclose(f);
	return total;
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

/*
 * Wait until nr_free_pages has stayed within a pageblock (512 pages) for a
 * second, a minute at most: freed pages are back.
 */
static inline void settle_free_pages(void)
{
	long last = vmstat("nr_free_pages"), now;
	int i, still = 0;

	for (i = 0; i < 600 && still < 10; i++) {
		usleep(100000);
		now = vmstat("nr_free_pages");
		still = labs(now - last) < 512 ? still + 1 : 0;
		last = now;
	}
}

/*
 * Drain the per-CPU LRU batches, which may still hold the last folios of a
 * file just closed (and drop clean page cache); 0, or -1 with errno set.
 */
static inline int drop_lru_batches(void)
{
	return write_file("/proc/sys/vm/drop_caches", "1\n");
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
