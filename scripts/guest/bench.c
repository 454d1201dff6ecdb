// SPDX-License-Identifier: GPL-2.0
/*
 * The guest init of scripts/bench: runs the workloads and prints one line
 * per repetition on the console, then reboots (which ends QEMU under
 * -no-reboot).
 *
 * Parameters come from the kernel command line after "--" (init's argv):
 *	reps=N alloc_iters=N fault_mib=N secret_mib=N[,N...] suite=S
 *	gmem_mib=N[,N...]
 * suite=standard (the default) runs the workloads below; suite=gmem runs
 * only the gmem workload, described after them.
 * Workloads, in this order, each once as warm-up (rep=0) and then reps times:
 *	alloc:     loads /bench/page_alloc_bench.ko with finit_module(), which
 *		   prints its own "BENCH alloc1" and "BENCH alloc256" lines;
 *	fault:     mmap fault_mib MiB of private anonymous memory, write one
 *		   byte per page, munmap;
 *	memfd:     populate a memfd_create() file of secret_mib MiB through a
 *		   shared mapping (the upper bound for secretmem), then unmap
 *		   and close it; once for each size of the list;
 *	secretmem: the same with memfd_secret(), with the nr_tlb_* counters of
 *		   /proc/vmstat and DirectMap4k/2M of /proc/meminfo before and
 *		   after. When memfd_secret() fails, one "unavailable" line.
 *		   With the series, freed unmapped pages are cleared by the
 *		   kernel thread kunmapped_clear: each repetition then waits
 *		   until it has cleared them (unmapped_cleared in
 *		   /proc/vmstat), so that its work does not spill into the next
 *		   measurement, and reports the CPU time the thread took from
 *		   the open to the end of that wait (clear_ns; "na" without the
 *		   thread). With one guest CPU this is the thread's own
 *		   instructions; with more, QEMU runs the CPUs in turn, and it
 *		   also counts what the others ran meanwhile.
 * gmem (suite=gmem, on a kernel with KVM and the second series'
 * CONFIG_NO_DIRECT_MAP_BENCH): for each size of gmem_mib, each repetition
 * runs, on CPU 0, the three settings of
 * /sys/module/no_direct_map/parameters/alloc
 * (unmapped, folio, folio-noflush), in an order that rotates with the
 * repetition. Each: a new VM (KVM_CREATE_VM, default type), a guest_memfd
 * of the size created with GUEST_MEMFD_FLAG_NO_DIRECT_MAP and filled by
 * pwrite() from a buffer that is already faulted in (populate_ns: from
 * the create to the end of the writes), then closed (teardown_ns), and
 * the clearing of its freed unmapped pages waited for (wait_ns, wall time;
 * clear_ns, the thread's CPU time). Besides the counters of secretmem:
 * unmapped_alloc, pageblock_unmapped and pageblock_remapped deltas. Each
 * setting is checked: unmapped must take every page from unmapped
 * pageblocks, folio and folio-noflush none; folio must flush at least
 * once per page, folio-noflush fewer than once per 16 pages; otherwise a
 * "BENCH error".
 * Times come from CLOCK_MONOTONIC; under QEMU -icount they count guest
 * instructions, not host time. Output lines:
 *	BENCH fault rep=R pages=P ns=T
 *	BENCH memfd|secretmem rep=R mib=M pages=P populate_ns=T teardown_ns=T
 *		tlb_remote=N tlb_remote_received=N tlb_local_all=N
 *		tlb_local_one=N dm4k_kb=N dm2m_kb=N unmapped_alloc=N
 *		pageblock_unmapped=N pageblock_remapped=N clear_ns=T
 *	    (counter deltas from the open to the end of the teardown, and
 *	    of the clearing with the series; "na" when absent)
 *	BENCH gmem rep=R mode=M mib=M pages=P populate_ns=T teardown_ns=T
 *		wait_ns=T tlb_...=N (as above) unmapped_alloc=N
 *		pageblock_unmapped=N pageblock_remapped=N clear_ns=T
 *	BENCH error <workload>: <what failed>
 *	BENCH done errors=N
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#ifndef __NR_memfd_secret
#define __NR_memfd_secret 447
#endif
#ifndef MADV_NOHUGEPAGE
#define MADV_NOHUGEPAGE 15
#endif

/*
 * The KVM interface of the second series: v7.2.8's <linux/kvm.h> with
 * GUEST_MEMFD_FLAG_NO_DIRECT_MAP. Defined here because the init is built
 * with the host's headers, which may be older.
 */
#define KVMIO				0xAE
#define KVM_CREATE_VM			_IO(KVMIO, 0x01)
#define KVM_CHECK_EXTENSION		_IO(KVMIO, 0x03)
#define KVM_CAP_GUEST_MEMFD_FLAGS	244
#define GUEST_MEMFD_FLAG_NO_DIRECT_MAP	(1ULL << 2)
struct bench_kvm_create_guest_memfd {
	uint64_t size;
	uint64_t flags;
	uint64_t reserved[6];
};
#define KVM_CREATE_GUEST_MEMFD	_IOWR(KVMIO, 0xd4, struct bench_kvm_create_guest_memfd)
#define NDM_ALLOC_PARAM		"/sys/module/no_direct_map/parameters/alloc"

#define MODULE_PATH	"/bench/page_alloc_bench.ko"
#define PAGE		4096UL

#define MAX_SIZES	8

static unsigned long reps = 5, alloc_iters = 200000, fault_mib = 64;
static unsigned long secret_mib[MAX_SIZES] = { 32 };
static unsigned int nr_secret_sizes = 1;
static unsigned long gmem_mib[MAX_SIZES] = { 256 };
static unsigned int nr_gmem_sizes = 1;
static int suite_gmem;
static int errors;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void error(const char *workload, const char *what)
{
	printf("BENCH error %s: %s: %s\n", workload, what, strerror(errno));
	errors++;
}

/* The pid of the kernel thread called @comm, or 0 if there is none. */
static pid_t find_kthread(const char *comm)
{
	char path[300], name[64];
	struct dirent *d;
	pid_t pid = 0;
	DIR *dir = opendir("/proc");
	FILE *fp;

	if (!dir)
		return 0;
	while (!pid && (d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		fp = fopen(path, "r");
		if (!fp)
			continue;
		if (fgets(name, sizeof(name), fp)) {
			name[strcspn(name, "\n")] = 0;
			if (!strcmp(name, comm))
				pid = atoi(d->d_name);
		}
		fclose(fp);
	}
	closedir(dir);
	return pid;
}

/* The CPU time process @pid has used, in ns; -1 if it cannot be read. */
static long long cpu_time_ns(pid_t pid)
{
	struct timespec ts;
	clockid_t clock;

	if (clock_getcpuclockid(pid, &clock) || clock_gettime(clock, &ts))
		return -1;
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A counter of /proc/vmstat, or -1 if it is absent. */
static long long vmstat(const char *counter)
{
	char line[256], name[128];
	long long v, found = -1;
	FILE *fp = fopen("/proc/vmstat", "r");

	if (!fp)
		return -1;
	while (found < 0 && fgets(line, sizeof(line), fp))
		if (sscanf(line, "%127s %lld", name, &v) == 2 &&
		    !strcmp(name, counter))
			found = v;
	fclose(fp);
	return found;
}

/*
 * Wait until unmapped_cleared has reached @target, polling every ms for at
 * most 60 s of guest time. Returns 0, or -1 on timeout.
 */
static int wait_cleared(long long target)
{
	struct timespec ms = { 0, 1000000 };
	uint64_t end = now_ns() + 60000000000ULL;

	while (vmstat("unmapped_cleared") < target) {
		if (now_ns() > end)
			return -1;
		nanosleep(&ms, NULL);
	}
	return 0;
}

/* A comma-separated list of sizes in MiB, each at least 1, for @name. */
static void parse_sizes(const char *name, const char *list,
			unsigned long sizes[MAX_SIZES], unsigned int *nr)
{
	const char *p = list;
	char *end;

	*nr = 0;
	for (;;) {
		unsigned long v = strtoul(p, &end, 10);

		if (end == p || !v || *nr == MAX_SIZES ||
		    (*end && *end != ',')) {
			printf("BENCH error init: bad %s list %s\n", name, list);
			errors++;
			*nr = 0;
			return;
		}
		sizes[(*nr)++] = v;
		if (!*end)
			return;
		p = end + 1;
	}
}

static void parse_args(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		unsigned long v;

		if (!eq) {
			printf("BENCH error init: bad argument %s\n", argv[i]);
			errors++;
			continue;
		}
		v = strtoul(eq + 1, NULL, 0);
		*eq = 0;
		if (!strcmp(argv[i], "reps"))
			reps = v;
		else if (!strcmp(argv[i], "alloc_iters"))
			alloc_iters = v;
		else if (!strcmp(argv[i], "fault_mib"))
			fault_mib = v;
		else if (!strcmp(argv[i], "secret_mib"))
			parse_sizes("secret_mib", eq + 1, secret_mib, &nr_secret_sizes);
		else if (!strcmp(argv[i], "gmem_mib"))
			parse_sizes("gmem_mib", eq + 1, gmem_mib, &nr_gmem_sizes);
		else if (!strcmp(argv[i], "suite") && !strcmp(eq + 1, "gmem"))
			suite_gmem = 1;
		else if (!strcmp(argv[i], "suite") && !strcmp(eq + 1, "standard"))
			suite_gmem = 0;
		else if (!strcmp(argv[i], "suite")) {
			printf("BENCH error init: suite=%s: standard or gmem\n", eq + 1);
			errors++;
		} else {
			printf("BENCH error init: unknown parameter %s\n", argv[i]);
			errors++;
		}
	}
}

/* --- alloc: the module -------------------------------------------------- */

static void run_alloc(void)
{
	char params[128];
	uint64_t t0 = now_ns();
	int fd = open(MODULE_PATH, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		error("alloc", "open " MODULE_PATH);
		return;
	}
	snprintf(params, sizeof(params), "iters=%lu reps=%lu batch=256",
		 alloc_iters, reps);
	fflush(stdout);
	if (syscall(__NR_finit_module, fd, params, 0) == 0) {
		/* It ran, but stayed loaded: not what it is meant to do. */
		printf("BENCH error alloc: the module stayed loaded\n");
		errors++;
	} else if (errno != ECANCELED) {
		error("alloc", "finit_module " MODULE_PATH);
	}
	close(fd);
	printf("BENCH time alloc ns=%llu\n", (unsigned long long)(now_ns() - t0));
}

/* --- fault: anonymous page faults ---------------------------------------- */

static void run_fault(void)
{
	size_t len = fault_mib << 20, off;
	uint64_t t0 = now_ns(), t;
	unsigned long rep;

	for (rep = 0; rep <= reps; rep++) {
		volatile char *p;

		t = now_ns();
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			error("fault", "mmap");
			return;
		}
		madvise((void *)p, len, MADV_NOHUGEPAGE);	/* may be ENOSYS/EINVAL */
		for (off = 0; off < len; off += PAGE)
			p[off] = 1;
		if (munmap((void *)p, len)) {
			error("fault", "munmap");
			return;
		}
		t = now_ns() - t;
		printf("BENCH fault rep=%lu pages=%lu ns=%llu\n", rep, len / PAGE,
		       (unsigned long long)t);
	}
	printf("BENCH time fault ns=%llu\n", (unsigned long long)(now_ns() - t0));
}

/* --- memfd and secretmem: population ------------------------------------- */

enum { TLB_REMOTE, TLB_REMOTE_RECEIVED, TLB_LOCAL_ALL, TLB_LOCAL_ONE,
       DM4K, DM2M, UNMAPPED_ALLOC, PAGEBLOCK_UNMAPPED, PAGEBLOCK_REMAPPED,
       NR_COUNTERS };
static const char *const counter_names[NR_COUNTERS] = {
	"nr_tlb_remote_flush", "nr_tlb_remote_flush_received",
	"nr_tlb_local_flush_all", "nr_tlb_local_flush_one",
	"DirectMap4k:", "DirectMap2M:", "unmapped_alloc", "pageblock_unmapped",
	"pageblock_remapped",
};
static const char *const counter_keys[NR_COUNTERS] = {
	"tlb_remote", "tlb_remote_received", "tlb_local_all", "tlb_local_one",
	"dm4k_kb", "dm2m_kb", "unmapped_alloc", "pageblock_unmapped",
	"pageblock_remapped",
};

/* Reads the counters; -1 for the ones that are absent. */
static void read_counters(long long c[NR_COUNTERS])
{
	static const char *const files[] = { "/proc/vmstat", "/proc/meminfo" };
	char line[256], name[128];
	long long v;
	unsigned int f, i;

	for (i = 0; i < NR_COUNTERS; i++)
		c[i] = -1;
	for (f = 0; f < 2; f++) {
		FILE *fp = fopen(files[f], "r");

		if (!fp)
			continue;
		while (fgets(line, sizeof(line), fp)) {
			if (sscanf(line, "%127s %lld", name, &v) != 2)
				continue;
			for (i = 0; i < NR_COUNTERS; i++)
				if (!strcmp(name, counter_names[i]))
					c[i] = v;
		}
		fclose(fp);
	}
}

static int open_memfd(int secret)
{
	if (secret)
		return syscall(__NR_memfd_secret, 0);
	return memfd_create("bench", MFD_CLOEXEC);
}

static void run_populate(const char *workload, int secret, unsigned long mib)
{
	size_t len = mib << 20, off;
	long long before[NR_COUNTERS], after[NR_COUNTERS];
	pid_t clear_pid = secret ? find_kthread("kunmapped_clear") : 0;
	long long cleared = -1, clear_ns = -1;
	uint64_t t0 = now_ns(), t, tp;
	unsigned long rep;
	unsigned int i;

	for (rep = 0; rep <= reps; rep++) {
		volatile char *p;
		int fd;

		if (clear_pid) {
			cleared = vmstat("unmapped_cleared");
			clear_ns = cpu_time_ns(clear_pid);
			if (cleared < 0 || clear_ns < 0) {
				error(workload, "kunmapped_clear: unmapped_cleared or CPU time");
				return;
			}
		}
		read_counters(before);
		t = now_ns();
		fd = open_memfd(secret);
		if (fd < 0) {
			if (secret && rep == 0) {
				printf("BENCH secretmem unavailable: memfd_secret: %s\n",
				       strerror(errno));
				return;
			}
			error(workload, secret ? "memfd_secret" : "memfd_create");
			return;
		}
		if (ftruncate(fd, len)) {
			error(workload, "ftruncate");
			close(fd);
			return;
		}
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			error(workload, "mmap");
			close(fd);
			return;
		}
		for (off = 0; off < len; off += PAGE)
			p[off] = 1;
		tp = now_ns() - t;
		t = now_ns();
		munmap((void *)p, len);
		close(fd);
		t = now_ns() - t;
		if (clear_pid) {
			if (wait_cleared(cleared + len / PAGE)) {
				errno = ETIMEDOUT;
				error(workload, "waiting for kunmapped_clear");
				return;
			}
			clear_ns = cpu_time_ns(clear_pid) - clear_ns;
		}
		/* Flushes of the whole cycle: teardown and clearing too. */
		read_counters(after);

		printf("BENCH %s rep=%lu mib=%lu pages=%lu populate_ns=%llu teardown_ns=%llu",
		       workload, rep, mib, len / PAGE, (unsigned long long)tp,
		       (unsigned long long)t);
		for (i = 0; i < NR_COUNTERS; i++) {
			if (before[i] < 0 || after[i] < 0)
				printf(" %s=na", counter_keys[i]);
			else
				printf(" %s=%lld", counter_keys[i], after[i] - before[i]);
		}
		if (clear_pid)
			printf(" clear_ns=%lld\n", clear_ns);
		else
			printf(" clear_ns=na\n");
	}
	printf("BENCH time %s-%luM ns=%llu\n", workload, mib,
	       (unsigned long long)(now_ns() - t0));
}

/* --- gmem: guest_memfd population through write() ----------------------- */

static const char *const gmem_modes[] = { "unmapped", "folio", "folio-noflush" };
#define NR_GMEM_MODES	3

/* Set no_direct_map.alloc= to @mode and read it back. Returns 0 or -1. */
static int set_alloc_mode(const char *mode)
{
	char back[64] = "";
	int fd = open(NDM_ALLOC_PARAM, O_RDWR | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		error("gmem", "open " NDM_ALLOC_PARAM " (CONFIG_NO_DIRECT_MAP_BENCH?)");
		return -1;
	}
	if (write(fd, mode, strlen(mode)) != (ssize_t)strlen(mode)) {
		error("gmem", "write " NDM_ALLOC_PARAM);
		close(fd);
		return -1;
	}
	n = pread(fd, back, sizeof(back) - 1, 0);
	close(fd);
	if (n <= 0 || strncmp(back, mode, strlen(mode)) ||
	    (back[strlen(mode)] != '\n' && back[strlen(mode)])) {
		printf("BENCH error gmem: %s reads back \"%s\" after writing %s\n",
		       NDM_ALLOC_PARAM, back, mode);
		errors++;
		return -1;
	}
	return 0;
}

/* One population of a guest_memfd of @len bytes from @src. Returns 0 or -1. */
static int gmem_once(int kvm, const char *mode, unsigned long rep,
		     unsigned long mib, const char *src, size_t len,
		     pid_t clear_pid)
{
	struct bench_kvm_create_guest_memfd gm = {
		.size = len, .flags = GUEST_MEMFD_FLAG_NO_DIRECT_MAP,
	};
	long long before[NR_COUNTERS], after[NR_COUNTERS], ualloc, flushes;
	long long cleared, clear_ns;
	uint64_t t, tp, td, tw;
	size_t done = 0;
	int vm, fd;
	unsigned int i;

	if (set_alloc_mode(mode))
		return -1;
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		error("gmem", "KVM_CREATE_VM");
		return -1;
	}
	cleared = vmstat("unmapped_cleared");
	clear_ns = cpu_time_ns(clear_pid);
	read_counters(before);
	if (cleared < 0 || clear_ns < 0 || before[UNMAPPED_ALLOC] < 0 ||
	    before[TLB_LOCAL_ONE] < 0) {
		error("gmem", "unmapped_cleared, unmapped_alloc, nr_tlb_local_flush_one or kunmapped_clear's CPU time");
		close(vm);
		return -1;
	}
	t = now_ns();
	fd = ioctl(vm, KVM_CREATE_GUEST_MEMFD, &gm);
	if (fd < 0) {
		error("gmem", "KVM_CREATE_GUEST_MEMFD with GUEST_MEMFD_FLAG_NO_DIRECT_MAP");
		close(vm);
		return -1;
	}
	while (done < len) {
		ssize_t n = pwrite(fd, src + done, len - done, done);

		if (n <= 0) {
			if (!n)
				errno = EIO;
			error("gmem", "pwrite");
			close(fd);
			close(vm);
			return -1;
		}
		done += n;
	}
	tp = now_ns() - t;
	ualloc = vmstat("unmapped_alloc");
	t = now_ns();
	close(fd);
	td = now_ns() - t;
	close(vm);
	/*
	 * Until the pages freed to unmapped pageblocks are cleared: the wall
	 * time of the wait (wait_ns), which with the populate and the close
	 * makes up the cycle, and the thread's own CPU time (clear_ns), part
	 * of which may overlap the close. No wait, and 0, when no page came
	 * from an unmapped pageblock.
	 */
	tw = 0;
	if (ualloc > before[UNMAPPED_ALLOC]) {
		t = now_ns();
		if (wait_cleared(cleared + ualloc - before[UNMAPPED_ALLOC])) {
			errno = ETIMEDOUT;
			error("gmem", "waiting for kunmapped_clear");
			return -1;
		}
		tw = now_ns() - t;
	}
	clear_ns = cpu_time_ns(clear_pid) - clear_ns;
	read_counters(after);

	printf("BENCH gmem rep=%lu mode=%s mib=%lu pages=%lu populate_ns=%llu teardown_ns=%llu wait_ns=%llu",
	       rep, mode, mib, len / PAGE, (unsigned long long)tp,
	       (unsigned long long)td, (unsigned long long)tw);
	for (i = 0; i < NR_COUNTERS; i++) {
		if (before[i] < 0 || after[i] < 0)
			printf(" %s=na", counter_keys[i]);
		else
			printf(" %s=%lld", counter_keys[i], after[i] - before[i]);
	}
	printf(" clear_ns=%lld\n", clear_ns);

	/* The switch must have done what it says, or the numbers mean nothing. */
	ualloc -= before[UNMAPPED_ALLOC];
	if (!strcmp(mode, "unmapped") ? ualloc != (long long)(len / PAGE) : ualloc) {
		printf("BENCH error gmem: alloc=%s took %lld of %lu pages from unmapped pageblocks\n",
		       mode, ualloc, len / PAGE);
		errors++;
		return -1;
	}
	/*
	 * One-page flushes: folio's, one per page on every CPU; folio-noflush
	 * must have (nearly) none, the mermap's reserved slot aside.
	 */
	flushes = after[TLB_LOCAL_ONE] - before[TLB_LOCAL_ONE];
	if (!strcmp(mode, "folio") ? flushes < (long long)(len / PAGE) :
	    !strcmp(mode, "folio-noflush") && flushes >= (long long)(len / PAGE / 16)) {
		printf("BENCH error gmem: alloc=%s: %lld one-page TLB flushes for %lu pages\n",
		       mode, flushes, len / PAGE);
		errors++;
		return -1;
	}
	return 0;
}

static void run_gmem(void)
{
	size_t max = 0, len;
	pid_t clear_pid = find_kthread("kunmapped_clear");
	cpu_set_t cpu0;
	uint64_t t0;
	unsigned long rep;
	unsigned int i, m;
	char *src;
	int kvm, cap;

	if (!clear_pid) {
		errno = ESRCH;
		error("gmem", "no kernel thread kunmapped_clear (CONFIG_PAGE_ALLOC_UNMAPPED?)");
		return;
	}
	/*
	 * On CPU 0 only: the last folios written sit in the per-CPU batch of
	 * folios waiting for the LRU, holding a reference, until that CPU
	 * drains it; close() drains its own CPU's batch. A task that moved
	 * to another CPU in between would leave them there, not freed, and
	 * the wait for their clearing would time out.
	 */
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0)) {
		error("gmem", "sched_setaffinity to CPU 0");
		return;
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		error("gmem", "open /dev/kvm");
		return;
	}
	cap = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD_FLAGS);
	if (cap < 0 || !(cap & GUEST_MEMFD_FLAG_NO_DIRECT_MAP)) {
		printf("BENCH error gmem: KVM_CAP_GUEST_MEMFD_FLAGS is %d, without GUEST_MEMFD_FLAG_NO_DIRECT_MAP\n",
		       cap);
		errors++;
		close(kvm);
		return;
	}
	for (i = 0; i < nr_gmem_sizes; i++)
		if ((gmem_mib[i] << 20) > max)
			max = gmem_mib[i] << 20;
	/* The source, faulted in before anything is measured. */
	src = mmap(NULL, max, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (src == MAP_FAILED) {
		error("gmem", "mmap the source buffer");
		close(kvm);
		return;
	}
	memset(src, 0x5a, max);

	for (i = 0; i < nr_gmem_sizes; i++) {
		len = gmem_mib[i] << 20;
		t0 = now_ns();
		for (rep = 0; rep <= reps; rep++)
			for (m = 0; m < NR_GMEM_MODES; m++)
				if (gmem_once(kvm, gmem_modes[(m + rep) % NR_GMEM_MODES],
					      rep, gmem_mib[i], src, len, clear_pid))
					goto out;
		printf("BENCH time gmem-%luM ns=%llu\n", gmem_mib[i],
		       (unsigned long long)(now_ns() - t0));
	}
out:
	if (!errors)
		set_alloc_mode("unmapped");
	munmap(src, max);
	close(kvm);
}

int main(int argc, char **argv)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	struct utsname u;
	struct timespec boot;
	unsigned int i;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	uname(&u);
	printf("BENCH init start kernel=%s boot_ns=%llu\n", u.release,
	       (unsigned long long)boot.tv_sec * 1000000000ULL + boot.tv_nsec);
	parse_args(argc, argv);
	printf("BENCH params suite=%s reps=%lu alloc_iters=%lu fault_mib=%lu secret_mib=",
	       suite_gmem ? "gmem" : "standard", reps, alloc_iters, fault_mib);
	for (i = 0; i < nr_secret_sizes; i++)
		printf("%s%lu", i ? "," : "", secret_mib[i]);
	printf(" gmem_mib=");
	for (i = 0; i < nr_gmem_sizes; i++)
		printf("%s%lu", i ? "," : "", gmem_mib[i]);
	printf("\n");
	/* secretmem pages count against RLIMIT_MEMLOCK. */
	if (setrlimit(RLIMIT_MEMLOCK, &unlimited))
		error("init", "setrlimit(RLIMIT_MEMLOCK)");

	if (!errors && suite_gmem) {
		run_gmem();
	} else if (!errors) {
		run_alloc();
		run_fault();
		for (i = 0; i < nr_secret_sizes; i++) {
			run_populate("memfd", 0, secret_mib[i]);
			run_populate("secretmem", 1, secret_mib[i]);
		}
	}
	printf("BENCH done errors=%d\n", errors);
	fflush(stdout);
	sync();
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
	return 0;
}
