// SPDX-License-Identifier: GPL-2.0
/*
 * A guest test of the __GFP_UNMAPPED series: secretmem on unmapped
 * pageblocks.
 *
 * Populates MIB MiB (default 256) of memfd_secret() memory through a shared
 * mapping, reads it back, unmaps and closes it, and checks that
 *   - every page reads back what was written to it;
 *   - DirectMap4k of /proc/meminfo did not grow: the pages came from whole
 *     pageblocks taken out of the direct map at once, which does not split
 *     it into 4K pages (the per-page secretmem of the base kernel does);
 *   - the counters of /proc/vmstat moved as they must: unmapped_alloc by at
 *     least the number of pages, pageblock_unmapped by at least the number
 *     of pageblocks those pages need beyond the free unmapped pages that
 *     /proc/pagetypeinfo showed before (and the pages on the pcplists,
 *     /proc/zoneinfo), and by no more than the number of
 *     pageblocks those pages fill (rounded up), plus one per CPU for the
 *     blocks the pcplists may hold; pageblock_direct_map_fail did not move;
 *   - after closing, the freed pages were cleared: unmapped_cleared grew
 *     by at least the number of pages (the kernel clears them in a thread,
 *     so this waits for it, CLEAR_WAIT_S seconds at most, after draining
 *     the per-CPU LRU batches, which may still hold the last folios).
 * The same holds on a CPU affected by Meltdown: nothing is mapped where
 * user code could read it (the kernel clears freed pages in an mm of its
 * own, which runs no user code).
 * The DirectMap4k checks are skipped when the direct map has no large page
 * to split (DEBUG_PAGEALLOC maps it all with 4K pages).
 * Prints KTAP; exits 0 when every case passed, 1 otherwise.
 *
 * Usage: secretmem_directmap [MIB]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "guest_util.h"

#define NR_CASES	6
#define CLEAR_WAIT_S	60

#define MELTDOWN_FILE "/sys/devices/system/cpu/vulnerabilities/meltdown"

/* 1 if the kernel says the CPU is affected by Meltdown, 0 if not, -1: unknown. */
static int cpu_has_meltdown(void)
{
	char line[256];

	if (read_line(MELTDOWN_FILE, line, sizeof(line)))
		return -1;
	return strncmp(line, "Not affected", 12) != 0;
}

/* Indexes into the arrays read_vmstat() fills. */
enum { UNMAPPED_ALLOC, PAGEBLOCK_UNMAPPED, DIRECT_MAP_FAIL, CLEARED };
static const char *const vmstat_keys[] = {
	"unmapped_alloc", "pageblock_unmapped", "pageblock_direct_map_fail",
	"unmapped_cleared",
};
#define NR_KEYS (sizeof(vmstat_keys) / sizeof(vmstat_keys[0]))

static void read_vmstat(long *v)
{
	unsigned int i;

	for (i = 0; i < NR_KEYS; i++)
		v[i] = read_key("/proc/vmstat", vmstat_keys[i]);
}

/* How much each counter moved since @before: read_vmstat() into @moved. */
static void read_vmstat_moved(const long *before, long *moved)
{
	unsigned int i;

	read_vmstat(moved);
	for (i = 0; i < NR_KEYS; i++)
		moved[i] -= before[i];
}

int main(int argc, char **argv)
{
	unsigned long mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 256;
	size_t len = mib << 20, pages = len / PAGE, off, bad = 0;
	long before[NR_KEYS], moved[NR_KEYS], dm4k_before, dm4k_after;
	long free_unmapped, on_pcp, block_pages, need, lo, hi, ncpus;
	int meltdown, all_4k;
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	unsigned int i;
	char *p;
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n1..%d\n", NR_CASES);
	if (!mib) {
		printf("# bad size: %s\n", argv[1]);
		return 1;
	}
	/* secretmem pages count against RLIMIT_MEMLOCK. */
	setrlimit(RLIMIT_MEMLOCK, &rl);
	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	/* pageblock_order is 9 with 4K pages on x86_64 (2 MiB blocks). */
	block_pages = 512;

	meltdown = cpu_has_meltdown();
	if (meltdown < 0) {
		printf("Bail out! cannot read %s\n", MELTDOWN_FILE);
		return 1;
	}
	/* Diagnostics only: the path is the same either way. */
	printf("# Meltdown: %s\n", meltdown ? "affected" : "not affected");

	read_vmstat(before);
	for (i = 0; i < NR_KEYS; i++) {
		if (before[i] < 0) {
			printf("# /proc/vmstat has no %s: no CONFIG_PAGE_ALLOC_UNMAPPED?\n",
			       vmstat_keys[i]);
			printf("Bail out! no __GFP_UNMAPPED counters\n");
			return 1;
		}
	}
	free_unmapped = free_unmapped_pages();
	on_pcp = pcp_pages();
	dm4k_before = read_key("/proc/meminfo", "DirectMap4k");
	/* Missing (no gbpages) reads as -1: none. */
	all_4k = read_key("/proc/meminfo", "DirectMap2M") <= 0 &&
		 read_key("/proc/meminfo", "DirectMap1G") <= 0;
	if (free_unmapped < 0 || on_pcp < 0 || dm4k_before < 0) {
		printf("Bail out! cannot read /proc/pagetypeinfo, /proc/zoneinfo or DirectMap4k\n");
		return 1;
	}

	fd = syscall(__NR_memfd_secret, 0);
	if (fd < 0 || ftruncate(fd, len)) {
		printf("Bail out! memfd_secret/ftruncate: %s\n", strerror(errno));
		return 1;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		printf("Bail out! mmap of %lu MiB of secretmem: %s\n", mib,
		       strerror(errno));
		return 1;
	}
	for (off = 0; off < len; off += PAGE)
		memset(p + off, (int)(off / PAGE) & 0xff, PAGE);
	read_vmstat_moved(before, moved);
	dm4k_after = read_key("/proc/meminfo", "DirectMap4k");
	for (off = 0; off < len; off++)
		bad += (unsigned char)p[off] != ((off / PAGE) & 0xff);
	result(!bad, "populate_and_read_back",
	       "%lu MiB (%zu pages): %zu bytes differ", mib, pages, bad);

	if (all_4k)
		/* Nothing to split: the check would prove nothing either way. */
		printf("ok %d directmap_4k # SKIP no 2M or 1G direct map to split (DEBUG_PAGEALLOC?)\n",
		       ++case_nr);
	else
		result(dm4k_after <= dm4k_before, "directmap_4k",
		       "DirectMap4k %ld kB before, %ld kB after populating",
		       dm4k_before, dm4k_after);

	result(moved[UNMAPPED_ALLOC] >= (long)pages, "unmapped_counters",
	       "unmapped_alloc +%ld for %zu pages", moved[UNMAPPED_ALLOC],
	       pages);

	/*
	 * Pageblocks unmapped: at least what the pages need beyond the free
	 * unmapped pages there were (on the free lists, and at most all the
	 * pages on the pcplists); at most one per 512 pages rounded up, and
	 * one more per CPU, for the pages that each CPU's pcplist may have
	 * taken from a block beyond what it handed out.
	 */
	need = ((long)pages - free_unmapped - on_pcp + block_pages - 1) /
	       block_pages;
	lo = need > 0 ? need : 0;
	hi = ((long)pages + block_pages - 1) / block_pages + ncpus;
	result(moved[PAGEBLOCK_UNMAPPED] >= lo &&
	       moved[PAGEBLOCK_UNMAPPED] <= hi, "pageblocks_unmapped",
	       "pageblock_unmapped +%ld, expected %ld to %ld (before: %ld free unmapped pages, %ld on pcplists)",
	       moved[PAGEBLOCK_UNMAPPED], lo, hi, free_unmapped, on_pcp);

	munmap(p, len);
	close(fd);
	/*
	 * A folio is freed (and so cleared) when its last reference goes: the
	 * per-CPU LRU batches may still hold a few. drop_caches drains them.
	 */
	if (drop_lru_batches())
		printf("# cannot write /proc/sys/vm/drop_caches: %s\n",
		       strerror(errno));
	for (i = 0; i < CLEAR_WAIT_S * 10; i++) {
		read_vmstat_moved(before, moved);
		if (moved[CLEARED] >= (long)pages)
			break;
		usleep(100000);
	}
	result(moved[CLEARED] >= (long)pages, "cleared_after_freeing",
	       "unmapped_cleared +%ld for %zu pages, %u.%u s after closing",
	       moved[CLEARED], pages, i / 10, i % 10);
	dm4k_after = read_key("/proc/meminfo", "DirectMap4k");
	result(!moved[DIRECT_MAP_FAIL] && dm4k_after <= dm4k_before,
	       "after_freeing",
	       "pageblock_direct_map_fail +%ld, DirectMap4k %ld kB after freeing",
	       moved[DIRECT_MAP_FAIL], dm4k_after);
	return failed;
}
