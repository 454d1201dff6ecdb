// SPDX-License-Identifier: GPL-2.0
/*
 * The guest init of scripts/bench: runs the workloads and prints one line
 * per repetition on the console, then reboots (which ends QEMU under
 * -no-reboot).
 *
 * Parameters come from the kernel command line after "--" (init's argv):
 *	reps=N alloc_iters=N fault_mib=N secret_mib=N[,N...]
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
 * Times come from CLOCK_MONOTONIC; under QEMU -icount they count guest
 * instructions, not host time. Output lines:
 *	BENCH fault rep=R pages=P ns=T
 *	BENCH memfd|secretmem rep=R mib=M pages=P populate_ns=T teardown_ns=T
 *		tlb_remote=N tlb_remote_received=N tlb_local_all=N
 *		tlb_local_one=N dm4k_kb=N dm2m_kb=N clear_ns=T
 *	    (counter deltas from the open to the end of the teardown, and
 *	    of the clearing with the series; "na" when absent)
 *	BENCH error <workload>: <what failed>
 *	BENCH done errors=N
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
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

#define MODULE_PATH	"/bench/page_alloc_bench.ko"
#define PAGE		4096UL

#define MAX_SIZES	8

static unsigned long reps = 5, alloc_iters = 200000, fault_mib = 64;
static unsigned long secret_mib[MAX_SIZES] = { 32 };
static unsigned int nr_secret_sizes = 1;
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

/* A comma-separated list of sizes in MiB, each at least 1. */
static void parse_sizes(const char *list)
{
	const char *p = list;
	char *end;

	nr_secret_sizes = 0;
	for (;;) {
		unsigned long v = strtoul(p, &end, 10);

		if (end == p || !v || nr_secret_sizes == MAX_SIZES) {
			printf("BENCH error init: bad secret_mib list %s\n", list);
			errors++;
			nr_secret_sizes = 0;
			return;
		}
		secret_mib[nr_secret_sizes++] = v;
		if (!*end)
			return;
		if (*end != ',') {
			printf("BENCH error init: bad secret_mib list %s\n", list);
			errors++;
			nr_secret_sizes = 0;
			return;
		}
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
			parse_sizes(eq + 1);
		else {
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
       DM4K, DM2M, NR_COUNTERS };
static const char *const counter_names[NR_COUNTERS] = {
	"nr_tlb_remote_flush", "nr_tlb_remote_flush_received",
	"nr_tlb_local_flush_all", "nr_tlb_local_flush_one",
	"DirectMap4k:", "DirectMap2M:",
};
static const char *const counter_keys[NR_COUNTERS] = {
	"tlb_remote", "tlb_remote_received", "tlb_local_all", "tlb_local_one",
	"dm4k_kb", "dm2m_kb",
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
	printf("BENCH params reps=%lu alloc_iters=%lu fault_mib=%lu secret_mib=",
	       reps, alloc_iters, fault_mib);
	for (i = 0; i < nr_secret_sizes; i++)
		printf("%s%lu", i ? "," : "", secret_mib[i]);
	printf("\n");
	/* secretmem pages count against RLIMIT_MEMLOCK. */
	if (setrlimit(RLIMIT_MEMLOCK, &unlimited))
		error("init", "setrlimit(RLIMIT_MEMLOCK)");

	if (!errors) {
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
