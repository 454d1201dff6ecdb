// SPDX-License-Identifier: GPL-2.0
/*
 * A guest test of the __GFP_UNMAPPED series: free memory stranded in partly
 * used unmapped pageblocks must not be taken for memory anyone can use.
 *
 * Two memfd_secret() files of MIB MiB each (default 512, for a 2 GiB guest)
 * are populated one page of each in turn, so that both share every unmapped
 * pageblock they use. Then one is closed: its pages are free, but only
 * __GFP_UNMAPPED requests can have them while the other file holds the rest
 * of their blocks. Checks:
 *   - stranded_counted: nr_free_unmapped_partial (/proc/vmstat) grew by at
 *     least 90% of the closed file's pages;
 *   - available_excludes_stranded: MemAvailable grew by less than a quarter
 *     of them;
 *   - anon_after_close_one: a child that touches MemAvailable minus
 *     MARGIN_MIB MiB of anonymous memory exits normally, and oom_kill did
 *     not move (the series as first submitted counted the stranded pages in
 *     MemAvailable and the watermarks, and the child was OOM-killed);
 *   - blocks_drain: once the other file is closed too, the blocks are whole
 *     and free: nr_free_unmapped_partial is back within a few blocks of where
 *     it started, MemAvailable counts them again, and none was mapped back
 *     yet (pageblock_remapped did not move: blocks change back only when a
 *     request needs them, so they do not flap);
 *   - anon_after_close_both: a child touching MemAvailable minus MARGIN_MIB
 *     MiB again exits normally without an OOM kill;
 *   - remapped_under_pressure: that needed the free unmapped blocks mapped
 *     back, and pageblock_remapped shows it.
 * The test itself sets its OOM score adjustment to -1000 and the children
 * theirs to 1000, so an OOM kill takes a child. Prints KTAP; exits 0 when
 * every case passed, 1 otherwise.
 *
 * Usage: secretmem_stranded [MIB]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "guest_util.h"

#define NR_CASES	6
#define MARGIN_MIB	96
#define WAIT_S		60

static long mem_available_pages(void)
{
	return read_key("/proc/meminfo", "MemAvailable") / 4;
}

static int oom_score_adj(int adj)
{
	FILE *f = fopen("/proc/self/oom_score_adj", "w");
	int err;

	if (!f)
		return -1;
	err = fprintf(f, "%d\n", adj) < 0;
	return fclose(f) || err ? -1 : 0;
}

/* Drain the per-CPU LRU batches (and drop clean page cache). */
static void drop_caches(void)
{
	FILE *f = fopen("/proc/sys/vm/drop_caches", "w");

	if (f) {
		fputs("1\n", f);
		fclose(f);
	}
}

/*
 * Wait until nr_free_unmapped_partial, which grows while freed secretmem
 * pages come back from the kernel's clearing thread (and shrinks as blocks
 * drain), has not moved for a second. Returns its value.
 */
static long settle_partial(void)
{
	long last = vmstat("nr_free_unmapped_partial"), now;
	int i, still = 0;

	drop_caches();
	for (i = 0; i < WAIT_S * 10 && still < 10; i++) {
		usleep(100000);
		now = vmstat("nr_free_unmapped_partial");
		still = now == last ? still + 1 : 0;
		last = now;
	}
	return last;
}

/*
 * Touch @pages pages of anonymous memory in a child that the OOM killer
 * prefers. Returns whether it exited 0; notes how it ended in @how.
 */
static int touch_anon(long pages, char *how, size_t len)
{
	int status;
	pid_t pid;

	if (pages <= 0) {
		snprintf(how, len, "MemAvailable is below the %d MiB margin",
			 MARGIN_MIB);
		return 0;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		snprintf(how, len, "fork: %s", strerror(errno));
		return 0;
	}
	if (!pid) {
		char *p;
		long i;

		if (oom_score_adj(1000))
			_exit(2);
		p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(3);
		for (i = 0; i < pages; i++)
			p[i * PAGE] = 1;
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid) {
		snprintf(how, len, "waitpid: %s", strerror(errno));
		return 0;
	}
	if (WIFSIGNALED(status))
		snprintf(how, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(how, len, "exit status %d", WEXITSTATUS(status));
	return WIFEXITED(status) && !WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	long start, partial0, partial1, partial2, avail0, avail1, avail2;
	long oom0, oom1, remapped1, remapped2, remapped3;
	unsigned long mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 512;
	size_t len = mib << 20, pages = len / PAGE, i;
	char how[128], *a, *b;
	int fa, fb, ok;

	printf("KTAP version 1\n1..%d\n", NR_CASES);
	setvbuf(stdout, NULL, _IOLBF, 0);
	setrlimit(RLIMIT_MEMLOCK, &rl);
	if (oom_score_adj(-1000))
		printf("# cannot set oom_score_adj: %s\n", strerror(errno));
	/* Without it stranded_counted fails; the other cases still run. */
	if (vmstat("nr_free_unmapped_partial") < 0)
		printf("# no nr_free_unmapped_partial in /proc/vmstat\n");

	start = settle_partial();
	a = secret_map(&fa, len);
	b = secret_map(&fb, len);
	if (!a || !b) {
		printf("Bail out! memfd_secret of %lu MiB: %s\n", mib,
		       strerror(errno));
		return 1;
	}
	/* One page of each in turn: both files share every block. */
	for (i = 0; i < pages; i++) {
		a[i * PAGE] = 0x5a;
		b[i * PAGE] = 0xa5;
	}
	partial0 = settle_partial();
	avail0 = mem_available_pages();
	oom0 = vmstat("oom_kill");

	munmap(a, len);
	close(fa);
	partial1 = settle_partial();
	avail1 = mem_available_pages();
	result(partial1 - partial0 >= (long)(pages * 9 / 10), "stranded_counted",
	       "nr_free_unmapped_partial %ld -> %ld after freeing %zu pages",
	       partial0, partial1, pages);
	result(avail1 - avail0 < (long)pages / 4, "available_excludes_stranded",
	       "MemAvailable %ld -> %ld pages after freeing %zu",
	       avail0, avail1, pages);

	ok = touch_anon(avail1 - MARGIN_MIB * 256, how, sizeof(how));
	oom1 = vmstat("oom_kill");
	result(ok && oom1 == oom0, "anon_after_close_one",
	       "%ld pages touched: %s, oom_kill +%ld",
	       avail1 - MARGIN_MIB * 256, how, oom1 - oom0);

	remapped1 = vmstat("pageblock_remapped");
	munmap(b, len);
	close(fb);
	partial2 = settle_partial();
	avail2 = mem_available_pages();
	remapped2 = vmstat("pageblock_remapped");
	/* A few blocks' worth of slack for the pcplists. */
	result(partial2 <= start + 4 * 512 && avail2 - avail1 > (long)pages &&
	       remapped2 == remapped1, "blocks_drain",
	       "nr_free_unmapped_partial %ld (%ld before populating), MemAvailable %ld -> %ld pages, pageblock_remapped +%ld",
	       partial2, start, avail1, avail2, remapped2 - remapped1);

	ok = touch_anon(avail2 - MARGIN_MIB * 256, how, sizeof(how));
	oom1 = vmstat("oom_kill");
	remapped3 = vmstat("pageblock_remapped");
	result(ok && oom1 == oom0, "anon_after_close_both",
	       "%ld pages touched: %s, oom_kill +%ld",
	       avail2 - MARGIN_MIB * 256, how, oom1 - oom0);
	result(remapped3 > remapped2, "remapped_under_pressure",
	       "pageblock_remapped +%ld", remapped3 - remapped2);
	return failed;
}
