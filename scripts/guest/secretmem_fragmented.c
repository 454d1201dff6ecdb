// SPDX-License-Identifier: GPL-2.0
/*
 * A guest test of the __GFP_UNMAPPED series: secretmem on a fragmented
 * machine, one with plenty of free memory but few whole free pageblocks.
 *
 * Anonymous memory (no THP) fills all of the free memory but RESERVE_MIB
 * MiB, and every other page of it is freed: half of it is free again, in
 * single pages. A memfd_secret() file then takes more pages than the free
 * unmapped pages, the pages on the pcplists and the whole free pageblocks
 * (of /proc/buddyinfo) together could give, by EXTRA blocks (default 64):
 * at least that many pageblocks must be made free by compaction, which
 * moves the anonymous pages. Check:
 *   - blocks_made: pageblock_unmapped grew by more than the whole free
 *     blocks there were: compaction made free blocks for the unmapped
 *     requests (the compaction counters are printed);
 *   - no_direct_reclaim: no direct reclaim ran at pageblock order (the
 *     mm_vmscan_direct_reclaim_begin trace event, filtered on order 9,
 *     which is what an unmapped request reclaims for; the kernel's own
 *     order-1 to order-3 requests may rightly reclaim on such a machine):
 *     a secretmem fault that finds no free pageblock gets one round of
 *     compaction and no more (finding 4 of the allocator review: each
 *     attempt ran the whole costly slow path). Skipped without tracefs;
 *   - fallbacks_counted: every fault is either served from an unmapped
 *     block (unmapped_alloc) or counted as a fallback to taking the page
 *     out of the direct map on its own (unmapped_alloc_fail).
 * What it does not check: that every fault was served from an unmapped
 * block, with no DirectMap4k growth. It is not so: the asynchronous
 * compaction that a secretmem fault gets gives up on contention and
 * passes over blocks it marked to skip, so some faults fall back while
 * memory could still be compacted (and while compaction is deferred after
 * a synchronous one failed, every fault does). How many fell back, and how
 * much DirectMap4k grew, is printed (Documentation/testing.md has what was
 * measured).
 * Prints KTAP; exits 0 when every case passed, 1 otherwise.
 *
 * Usage: secretmem_fragmented [EXTRA [RESERVE_MIB]]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "guest_util.h"

#define NR_CASES	3
#define BLOCK_PAGES	512	/* pageblock_order 9 with 4K pages (x86_64) */
#define BLOCK_ORDER	9

/* Free pages in buddies of a pageblock or more, of /proc/buddyinfo. */
static long whole_free_block_pages(void)
{
	char line[512];
	long total = -1;
	FILE *f = fopen("/proc/buddyinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "zone");

		if (!p)
			continue;
		if (total < 0)
			total = 0;
		total += order_pages(p + 4, BLOCK_ORDER);	/* past "zone" */
	}
	fclose(f);
	return total;
}

#define RECLAIM_EVENT \
	"/sys/kernel/tracing/events/vmscan/mm_vmscan_direct_reclaim_begin"

/* Trace direct reclaim at pageblock order; 0, or -1 if tracefs cannot. */
static int reclaim_trace_start(void)
{
	/* Already mounted is fine: the writes below tell. */
	mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL);
	if (write_file(RECLAIM_EVENT "/filter", "order == 9") ||
	    write_file("/sys/kernel/tracing/trace", "") ||
	    write_file(RECLAIM_EVENT "/enable", "1"))
		return -1;
	return 0;
}

/* Stop tracing, and count the events traced (-1 if the trace is unread). */
static long reclaim_trace_stop(void)
{
	char line[512];
	long n = 0;
	FILE *f;

	write_file(RECLAIM_EVENT "/enable", "0");
	f = fopen("/sys/kernel/tracing/trace", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += line[0] != '#' &&
		     strstr(line, "mm_vmscan_direct_reclaim_begin") != NULL;
	fclose(f);
	return n;
}

/* Direct reclaim runs, of every zone. */
static long allocstall(void)
{
	static const char *const keys[] = {
		"allocstall_dma", "allocstall_dma32", "allocstall_normal",
		"allocstall_movable", "allocstall_device",
	};
	long sum = 0, v;
	unsigned int i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		v = vmstat(keys[i]);
		if (v > 0)
			sum += v;
	}
	return sum;
}

enum { ALLOC, ALLOC_FAIL, UNMAPPED, STALL, COMPACT_STALL, COMPACT_OK,
       COMPACT_FAIL, KCOMPACTD, NR_COUNTERS };

static void read_counters(long *c)
{
	c[ALLOC] = vmstat("unmapped_alloc");
	c[ALLOC_FAIL] = vmstat("unmapped_alloc_fail");
	c[UNMAPPED] = vmstat("pageblock_unmapped");
	c[STALL] = allocstall();
	c[COMPACT_STALL] = vmstat("compact_stall");
	c[COMPACT_OK] = vmstat("compact_success");
	c[COMPACT_FAIL] = vmstat("compact_fail");
	c[KCOMPACTD] = vmstat("compact_daemon_wake");
}

int main(int argc, char **argv)
{
	long extra = argc > 1 ? strtol(argv[1], NULL, 0) : 64;
	long reserve_mib = argc > 2 ? strtol(argv[2], NULL, 0) : 192;
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	long before[NR_COUNTERS], after[NR_COUNTERS], d[NR_COUNTERS];
	long memfree, whole, free_unmapped, on_pcp, dm4k0, dm4k1, reclaim9;
	size_t fill, fill_pages, pages, i;
	int all_4k, fd, c, traced;
	char *anon, *p;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n1..%d\n", NR_CASES);
	if (extra <= 0 || reserve_mib <= 0) {
		printf("Bail out! usage: secretmem_fragmented [EXTRA [RESERVE_MIB]]\n");
		return 1;
	}
	setrlimit(RLIMIT_MEMLOCK, &rl);
	if (vmstat("unmapped_alloc_fail") < 0) {
		printf("Bail out! no unmapped_alloc_fail in /proc/vmstat: no CONFIG_PAGE_ALLOC_UNMAPPED?\n");
		return 1;
	}

	/* Fill all free memory but the reserve, in single (not THP) pages. */
	memfree = read_key("/proc/meminfo", "MemFree");
	if (memfree < (reserve_mib + 256) << 10) {
		printf("Bail out! MemFree %ld kB: too little to fragment\n",
		       memfree);
		return 1;
	}
	fill = ((size_t)memfree << 10) - ((size_t)reserve_mib << 20);
	fill_pages = fill / PAGE;
	anon = mmap(NULL, fill, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (anon == MAP_FAILED || madvise(anon, fill, MADV_NOHUGEPAGE)) {
		printf("Bail out! anonymous mapping of %zu MiB: %s\n",
		       fill >> 20, strerror(errno));
		return 1;
	}
	for (i = 0; i < fill_pages; i++)
		anon[i * PAGE] = 1;
	/* Free every other page: half of it is free, and none of it whole. */
	for (i = 1; i < fill_pages; i += 2)
		if (madvise(anon + i * PAGE, PAGE, MADV_DONTNEED)) {
			printf("Bail out! MADV_DONTNEED: %s\n",
			       strerror(errno));
			return 1;
		}

	whole = whole_free_block_pages();
	free_unmapped = free_unmapped_pages();
	on_pcp = pcp_pages();
	memfree = read_key("/proc/meminfo", "MemFree");
	if (whole < 0 || free_unmapped < 0 || on_pcp < 0) {
		printf("Bail out! cannot read /proc/buddyinfo, /proc/pagetypeinfo or /proc/zoneinfo\n");
		return 1;
	}
	/* More than could be had without making free pageblocks. */
	pages = whole + free_unmapped + on_pcp + extra * BLOCK_PAGES;
	printf("# filled %zu MiB, freed every other page: MemFree %ld kB, %ld pages in whole free blocks, %ld free unmapped, %ld on pcplists; populating %zu MiB of secretmem\n",
	       fill >> 20, memfree, whole, free_unmapped, on_pcp,
	       pages * PAGE >> 20);
	if ((long)(pages * PAGE >> 10) > memfree - (reserve_mib << 9)) {
		printf("Bail out! not enough free memory for %zu pages\n",
		       pages);
		return 1;
	}

	dm4k0 = read_key("/proc/meminfo", "DirectMap4k");
	all_4k = read_key("/proc/meminfo", "DirectMap2M") <= 0 &&
		 read_key("/proc/meminfo", "DirectMap1G") <= 0;
	traced = !reclaim_trace_start();
	read_counters(before);
	p = secret_map(&fd, pages * PAGE);
	if (!p) {
		printf("Bail out! memfd_secret of %zu pages: %s\n", pages,
		       strerror(errno));
		return 1;
	}
	for (i = 0; i < pages; i++)
		p[i * PAGE] = 0x5a;
	read_counters(after);
	reclaim9 = traced ? reclaim_trace_stop() : -1;
	dm4k1 = read_key("/proc/meminfo", "DirectMap4k");
	for (c = 0; c < NR_COUNTERS; c++)
		d[c] = after[c] - before[c];

	printf("# %ld of %zu faults fell back to single pages; DirectMap4k %ld kB before, %ld kB after%s\n",
	       d[ALLOC_FAIL], pages, dm4k0, dm4k1,
	       all_4k ? " (no 2M or 1G direct map to split)" : "");
	/*
	 * Faults that fell back needed no block: all that can be asked is
	 * that some blocks came from compaction.
	 */
	result(d[UNMAPPED] > whole / BLOCK_PAGES, "blocks_made",
	       "pageblock_unmapped %+ld, %ld whole free blocks before; compact_stall %+ld, compact_success %+ld, compact_fail %+ld, compact_daemon_wake %+ld",
	       d[UNMAPPED], whole / BLOCK_PAGES, d[COMPACT_STALL],
	       d[COMPACT_OK], d[COMPACT_FAIL], d[KCOMPACTD]);
	if (reclaim9 < 0)
		printf("ok %d no_direct_reclaim # SKIP no tracefs event %s (allocstall %+ld)\n",
		       ++case_nr, RECLAIM_EVENT, d[STALL]);
	else
		result(!reclaim9, "no_direct_reclaim",
		       "%ld direct reclaims at order 9 (allocstall %+ld, all orders)",
		       reclaim9, d[STALL]);
	result(d[ALLOC] + d[ALLOC_FAIL] >= (long)pages, "fallbacks_counted",
	       "unmapped_alloc %+ld, unmapped_alloc_fail %+ld, for %zu faults",
	       d[ALLOC], d[ALLOC_FAIL], pages);

	munmap(p, pages * PAGE);
	close(fd);
	munmap(anon, fill);
	return failed;
}
