// SPDX-License-Identifier: GPL-2.0
/*
 * page_alloc_bench: the in-kernel order-0 allocation loop of scripts/bench.
 *
 * Loaded by the guest init (scripts/guest/bench.c), it times with
 * ktime_get_ns() two loops over order-0 GFP_KERNEL pages:
 *	alloc1:   alloc_page() then __free_page(), iters times;
 *	alloc<B>: alloc_page() B times, then __free_page() on all B (batch=B),
 *		  repeated until iters pages have been allocated, with the time
 *		  of the allocations and of the frees also apart;
 * once as warm-up (rep=0) and then reps times, and prints one line per
 * repetition on the console:
 *	BENCH alloc1 rep=R pages=P ns=T
 *	BENCH alloc<B> rep=R pages=P ns=T alloc_ns=A free_ns=F
 * Then it returns -ECANCELED from its init so that it does not stay loaded:
 * finit_module() failing with ECANCELED after a "BENCH alloc done" line is
 * its success; any other result is a failure.
 */
#define pr_fmt(fmt) fmt

#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>

static unsigned int iters = 200000;
module_param(iters, uint, 0444);
MODULE_PARM_DESC(iters, "pages allocated and freed per repetition");
static unsigned int reps = 5;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "measured repetitions (after one warm-up)");
static unsigned int batch = 256;
module_param(batch, uint, 0444);
MODULE_PARM_DESC(batch, "pages held at once in the batch variant");

static int bench_single(u64 *ns)
{
	unsigned int i;
	u64 t0 = ktime_get_ns();

	for (i = 0; i < iters; i++) {
		struct page *page = alloc_page(GFP_KERNEL);

		if (!page)
			return -ENOMEM;
		__free_page(page);
	}
	*ns = ktime_get_ns() - t0;
	return 0;
}

static int bench_batch(struct page **pages, unsigned int *done, u64 *ns,
		       u64 *alloc_ns, u64 *free_ns)
{
	unsigned int i, n = 0;
	u64 t0 = ktime_get_ns(), t1, t2;

	*alloc_ns = 0;
	*free_ns = 0;
	while (n + batch <= iters) {
		t1 = ktime_get_ns();
		for (i = 0; i < batch; i++) {
			pages[i] = alloc_page(GFP_KERNEL);
			if (!pages[i]) {
				while (i--)
					__free_page(pages[i]);
				return -ENOMEM;
			}
		}
		t2 = ktime_get_ns();
		for (i = 0; i < batch; i++)
			__free_page(pages[i]);
		*alloc_ns += t2 - t1;
		*free_ns += ktime_get_ns() - t2;
		n += batch;
	}
	*ns = ktime_get_ns() - t0;
	*done = n;
	return 0;
}

static int __init page_alloc_bench_init(void)
{
	struct page **pages;
	unsigned int rep, done;
	u64 ns, alloc_ns, free_ns;
	int ret = 0;

	if (!iters || !batch || batch > iters) {
		pr_err("BENCH error alloc: bad parameters iters=%u batch=%u\n",
		       iters, batch);
		return -EINVAL;
	}
	pages = kmalloc_array(batch, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;

	pr_info("BENCH alloc start iters=%u batch=%u reps=%u\n", iters, batch, reps);
	for (rep = 0; rep <= reps; rep++) {
		ret = bench_single(&ns);
		if (ret)
			break;
		pr_info("BENCH alloc1 rep=%u pages=%u ns=%llu\n", rep, iters, ns);
		cond_resched();

		ret = bench_batch(pages, &done, &ns, &alloc_ns, &free_ns);
		if (ret)
			break;
		pr_info("BENCH alloc%u rep=%u pages=%u ns=%llu alloc_ns=%llu free_ns=%llu\n",
			batch, rep, done, ns, alloc_ns, free_ns);
		cond_resched();
	}
	kfree(pages);
	if (ret) {
		pr_err("BENCH error alloc: page allocation failed (%d)\n", ret);
		return ret;
	}
	pr_info("BENCH alloc done\n");
	/* Not an error: the work is done, and the module must not stay. */
	return -ECANCELED;
}
module_init(page_alloc_bench_init);

MODULE_DESCRIPTION("order-0 page allocator loop for scripts/bench");
MODULE_LICENSE("GPL");
