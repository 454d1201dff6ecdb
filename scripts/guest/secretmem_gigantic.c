// SPDX-License-Identifier: GPL-2.0
/*
 * A guest experiment of the __GFP_UNMAPPED series: a runtime gigantic
 * (1 GiB) hugetlb page after memfd_secret() churn. alloc_contig_range()
 * isolates every pageblock of the range it takes, and must take the free
 * unmapped blocks that secretmem left there (mapping them back) as it takes
 * any free memory.
 *
 * It needs a guest with a free, 1 GiB aligned GiB of memory (4 GiB of
 * memory, booted with nokaslr: the kernel image then sits in the first
 * GiB). The steps:
 *   - gigantic_before_churn: a 1 GiB page is allocated
 *     (/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages), mapped
 *     to read where it is (/proc/self/pagemap), and freed again;
 *   - churn_reached_range: a memfd_secret() file of MIB MiB (default: all
 *     of MemFree but 256 MiB) is populated, and at least a pageblock of it
 *     must be in that GiB; then it is closed, the LRU batches are drained
 *     and its pages are cleared and freed to free unmapped blocks;
 *   - gigantic_after_churn: a 1 GiB page is allocated again, in the same
 *     GiB (the allocator tries the same ranges in the same order), and
 *     pageblock_remapped grew by at least the file's pageblocks in that
 *     GiB: isolation mapped them back. If not, what the pages of the GiB
 *     are is printed from /proc/kpageflags.
 * This fails on v7.2.8 and on the series alike: the kernel's own
 * allocations made while memory is nearly full (slab, page tables) land in
 * the free GiB and stay. scripts/selftests runs it only with --gigantic.
 * Prints KTAP; exits 0 when every case passed, 1 otherwise.
 *
 * Usage: secretmem_gigantic [MIB]
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

#define NR_CASES	3
#define RESERVE_MIB	256
#define GIB		(1UL << 30)
#define GIB_PAGES	(GIB / PAGE)
#define BLOCK_PAGES	512
#define NR_HUGE "/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages"
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT	26
#endif

static int pagemap_fd;

/* The PFN that the page at @addr of this process is at, or 0. */
static uint64_t pfn_of(const void *addr)
{
	uint64_t e;

	if (pread(pagemap_fd, &e, sizeof(e),
		  (uintptr_t)addr / PAGE * sizeof(e)) != sizeof(e) ||
	    !(e >> 63))
		return 0;
	return e & ((1ULL << 55) - 1);
}

static long nr_huge(void)
{
	char buf[32];

	return read_line(NR_HUGE, buf, sizeof(buf)) ? -1 :
						       strtol(buf, NULL, 10);
}

/*
 * Have one 1 GiB page in the pool, return the GiB it is in (-1 if none
 * could be had), and empty the pool again.
 */
static long gigantic_page(void)
{
	long gib = -1;
	char *p;

	if (write_file(NR_HUGE, "1") || nr_huge() != 1)
		goto out;
	p = mmap(NULL, GIB, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
		 (30 << MAP_HUGE_SHIFT), -1, 0);
	if (p == MAP_FAILED) {
		printf("# mmap of a 1 GiB page: %s\n", strerror(errno));
		goto out;
	}
	p[0] = 1;
	gib = pfn_of(p) ? (long)(pfn_of(p) / GIB_PAGES) : -1;
	munmap(p, GIB);
out:
	if (write_file(NR_HUGE, "0"))
		printf("# cannot empty the 1 GiB page pool: %s\n",
		       strerror(errno));
	return gib;
}

/* On failure: what the pages of GiB @gib are, from /proc/kpageflags. */
static void gib_flags(long gib)
{
	static const struct { int bit; const char *name; } kpf[] = {
		{ 10, "buddy" }, { 7, "slab" }, { 26, "pgtable" }, { 5, "lru" },
		{ 32, "reserved" }, { 17, "huge" }, { 20, "nopage" },
	};
	long count[sizeof(kpf) / sizeof(kpf[0])] = { 0 }, other = 0;
	static uint64_t flags[BLOCK_PAGES];
	unsigned long pfn, j;
	unsigned int k;
	int fd = open("/proc/kpageflags", O_RDONLY);

	if (fd < 0)
		return;
	for (pfn = gib * GIB_PAGES; pfn < (gib + 1) * GIB_PAGES;
	     pfn += BLOCK_PAGES) {
		if (pread(fd, flags, sizeof(flags), pfn * 8) != sizeof(flags))
			break;
		for (j = 0; j < BLOCK_PAGES; j++) {
			for (k = 0; k < sizeof(kpf) / sizeof(kpf[0]); k++)
				if (flags[j] >> kpf[k].bit & 1)
					break;
			if (k < sizeof(kpf) / sizeof(kpf[0]))
				count[k]++;
			else
				other++;
		}
	}
	close(fd);
	printf("# GiB %ld by /proc/kpageflags:", gib);
	for (k = 0; k < sizeof(kpf) / sizeof(kpf[0]); k++)
		printf(" %s %ld", kpf[k].name, count[k]);
	printf(" other %ld\n", other);
}

int main(int argc, char **argv)
{
	unsigned long mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 0;
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	size_t len = mib << 20, pages, i, in_range = 0;
	long gib, gib2, r0, r1;
	char *p;
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n1..%d\n", NR_CASES);
	setrlimit(RLIMIT_MEMLOCK, &rl);
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	if (pagemap_fd < 0 || nr_huge() < 0) {
		printf("Bail out! needs /proc/self/pagemap and %s (CONFIG_HUGETLBFS, a CPU with 1 GiB pages)\n",
		       NR_HUGE);
		return 1;
	}

	gib = gigantic_page();
	result(gib >= 0, "gigantic_before_churn",
	       "a 1 GiB page before any secretmem: %s%ld", gib < 0 ?
	       "none (the guest needs a free GiB: 4 GiB, nokaslr) " : "GiB ",
	       gib);
	if (gib < 0) {
		printf("Bail out! no 1 GiB page to start with\n");
		return 1;
	}

	/* All of free memory but RESERVE_MIB, unless MIB says how much. */
	if (!len)
		len = (((size_t)read_key("/proc/meminfo", "MemFree") << 10) -
		       ((size_t)RESERVE_MIB << 20)) & ~(BLOCK_PAGES * PAGE - 1);
	pages = len / PAGE;
	if ((long)len <= 0) {
		printf("Bail out! MemFree is less than %d MiB\n", RESERVE_MIB);
		return 1;
	}
	p = secret_map(&fd, len);
	if (!p) {
		printf("Bail out! memfd_secret of %zu MiB: %s\n", len >> 20,
		       strerror(errno));
		return 1;
	}
	for (i = 0; i < pages; i++) {
		p[i * PAGE] = 0x5a;
		in_range += pfn_of(p + i * PAGE) / GIB_PAGES == (uint64_t)gib;
	}
	result(in_range >= BLOCK_PAGES, "churn_reached_range",
	       "%zu of the file's %zu pages are in GiB %ld", in_range, pages,
	       gib);
	munmap(p, len);
	close(fd);
	if (drop_lru_batches())
		printf("# cannot write /proc/sys/vm/drop_caches: %s\n",
		       strerror(errno));
	settle_free_pages();

	r0 = vmstat("pageblock_remapped");
	gib2 = gigantic_page();
	r1 = vmstat("pageblock_remapped");
	if (gib2 != gib)
		gib_flags(gib);
	result(gib2 == gib &&
	       (r0 < 0 || r1 - r0 >= (long)(in_range / BLOCK_PAGES)),
	       "gigantic_after_churn",
	       "a 1 GiB page after closing the file: %s%ld; pageblock_remapped %+ld",
	       gib2 < 0 ? "none " : "GiB ", gib2, r0 < 0 ? 0 : r1 - r0);
	return failed;
}
