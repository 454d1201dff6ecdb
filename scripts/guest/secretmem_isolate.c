// SPDX-License-Identifier: GPL-2.0
/*
 * A guest test of the __GFP_UNMAPPED series: once memfd_secret() memory is
 * freed, the pageblocks it used can be isolated as any free memory can:
 * memory offline takes them.
 *
 * A memfd_secret() file of MIB MiB (default 1024, for a 2 GiB guest) is
 * populated, where its pages are is read from /proc/self/pagemap, and it is
 * closed. Its pages are then free, in free unmapped pageblocks, until a
 * request maps them back. Check:
 *   - offline_after_churn: every memory block (/sys/devices/system/memory)
 *     whose every page the file held, so that it holds only free pages
 *     now, goes offline, and online again. Where the kernel counts
 *     pageblock_remapped, it grew by at least those blocks' pageblocks:
 *     isolation mapped them back. The series as first submitted refused to
 *     isolate unmapped blocks, and offlining failed with -EBUSY.
 * Prints KTAP; exits 0 when the case passed, 1 otherwise.
 *
 * Usage: secretmem_isolate [MIB]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "guest_util.h"

#define NR_CASES	1
#define MAX_MEMBLOCKS	4096
#define GIB_PAGES	(1UL << 18)
#define PAGEBLOCK_PAGES	512

/* Pages of the file in each memory block, and in each GiB. */
static long in_memblock[MAX_MEMBLOCKS], in_gib[64];

struct secret {
	char *p;
	size_t len;
	int fd;
};

/*
 * Populate a memfd_secret() file of @len bytes and add where its pages are
 * to in_memblock[] (in units of @mb_pages) and in_gib[]. Returns 0, or -1
 * with a "Bail out!" printed.
 */
static int populate(struct secret *s, size_t len, unsigned long mb_pages)
{
	size_t pages = len / PAGE, i;
	uint64_t *pm;
	int pmfd;

	s->len = len;
	s->p = secret_map(&s->fd, len);
	pm = malloc(pages * sizeof(*pm));
	pmfd = open("/proc/self/pagemap", O_RDONLY);
	if (!s->p || !pm || pmfd < 0) {
		printf("Bail out! memfd_secret of %zu MiB: %s\n", len >> 20,
		       strerror(errno));
		return -1;
	}
	for (i = 0; i < pages; i++)
		s->p[i * PAGE] = 0x5a;
	if (pread(pmfd, pm, pages * sizeof(*pm),
		  (uintptr_t)s->p / PAGE * sizeof(*pm)) !=
	    (ssize_t)(pages * sizeof(*pm))) {
		printf("Bail out! reading /proc/self/pagemap: %s\n",
		       strerror(errno));
		return -1;
	}
	for (i = 0; i < pages; i++) {
		uint64_t pfn = pm[i] & ((1ULL << 55) - 1);

		if (!(pm[i] >> 63) || !pfn) {
			printf("Bail out! no PFN for page %zu in pagemap\n", i);
			return -1;
		}
		if (pfn / mb_pages < MAX_MEMBLOCKS)
			in_memblock[pfn / mb_pages]++;
		if (pfn / GIB_PAGES < 64)
			in_gib[pfn / GIB_PAGES]++;
	}
	close(pmfd);
	free(pm);
	return 0;
}

/* Close the file, wait for its pages to be freed, say where they were. */
static void release(struct secret *s)
{
	int i;

	munmap(s->p, s->len);
	close(s->fd);
	settle_free_pages();
	printf("# memfd_secret pages per GiB of memory:");
	for (i = 0; i < 64; i++)
		if (in_gib[i])
			printf(" %d:%ld", i, in_gib[i]);
	printf("\n");
}

static void offline(size_t len, unsigned long mb_pages)
{
	long r0, r1, full = 0, offlined = 0, onlined = 0, i;
	char path[96], why[160] = "";
	struct secret s;

	memset(in_memblock, 0, sizeof(in_memblock));
	memset(in_gib, 0, sizeof(in_gib));
	if (populate(&s, len, mb_pages))
		exit(1);
	release(&s);
	r0 = vmstat("pageblock_remapped");
	for (i = 0; i < MAX_MEMBLOCKS; i++) {
		if (in_memblock[i] != (long)mb_pages)
			continue;
		full++;
		snprintf(path, sizeof(path),
			 "/sys/devices/system/memory/memory%ld/state", i);
		if (write_file(path, "offline")) {
			snprintf(why, sizeof(why), "; memory%ld: %s", i,
				 strerror(errno));
			continue;
		}
		offlined++;
		if (write_file(path, "online"))
			snprintf(why, sizeof(why),
				 "; memory%ld does not come online: %s", i,
				 strerror(errno));
		else
			onlined++;
	}
	r1 = vmstat("pageblock_remapped");
	result(full && offlined == full && onlined == full &&
	       (r0 < 0 || r1 - r0 >= full * (long)(mb_pages / PAGEBLOCK_PAGES)),
	       "offline_after_churn",
	       "%ld memory blocks held only the file's pages: %ld went offline, %ld online again%s; pageblock_remapped %+ld",
	       full, offlined, onlined, why, r0 < 0 ? 0 : r1 - r0);
}

int main(int argc, char **argv)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	unsigned long mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 1024;
	unsigned long mb_pages;
	char *end;
	char buf[32];

	printf("KTAP version 1\n1..%d\n", NR_CASES);
	setvbuf(stdout, NULL, _IOLBF, 0);
	setrlimit(RLIMIT_MEMLOCK, &rl);
	if (read_line("/sys/devices/system/memory/block_size_bytes", buf,
		      sizeof(buf))) {
		printf("Bail out! no /sys/devices/system/memory/block_size_bytes (CONFIG_MEMORY_HOTPLUG)\n");
		return 1;
	}
	mb_pages = strtoul(buf, &end, 16) / PAGE;
	if (!mb_pages || mb_pages % PAGEBLOCK_PAGES) {
		printf("Bail out! memory block size %s", buf);
		return 1;
	}
	offline((size_t)mib << 20, mb_pages);
	return failed;
}
