// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for ures: lifetime, release ordering, revocation, concurrency,
 * deferred release and misuse detection.
 */

#define pr_fmt(fmt) "ures_test: " fmt

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/cdev.h>
#include <linux/completion.h>
#include <linux/debug_locks.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/ures.h>

#include "ures.h"

#define URES_TEST_MAGIC		0x75726573u
#define URES_TEST_THREADS	4
#define URES_TEST_ITERATIONS	20000
#define URES_TEST_TIMEOUT	(10 * HZ)

/**
 * struct ures_test_ctx - an embedded ures and what its callbacks saw
 * @u: the instance under test
 * @seq: event sequence for ordering checks
 * @releases: calls of the release callback
 * @revokes: calls of the revoke callback
 * @release_seq: @seq value of the release callback
 * @action_seq: @seq value of the owned action
 * @owned_at_release: owned entries when the release callback ran
 * @mem_ok: owned memory still held its pattern in the release callback
 * @mem: owned memory
 * @release_preemptible: the release callback could sleep
 * @release_in_worker: the release callback ran in a workqueue worker
 * @threads_done: worker threads that finished their loop
 * @threads_done_at_release: @threads_done seen by the release callback
 * @released: completed by the release callback
 */
struct ures_test_ctx {
	struct ures u;
	atomic_t seq;
	atomic_t releases;
	atomic_t revokes;
	int release_seq;
	int action_seq;
	unsigned int owned_at_release;
	bool mem_ok;
	u32 *mem;
	bool release_preemptible;
	bool release_in_worker;
	atomic_t threads_done;
	int threads_done_at_release;
	struct completion released;
};

static void ures_test_release(struct ures *u)
{
	struct ures_test_ctx *ctx = container_of(u, struct ures_test_ctx, u);

	ctx->release_seq = atomic_inc_return(&ctx->seq);
	ctx->owned_at_release = u->nr_owned;
	ctx->mem_ok = ctx->mem && *ctx->mem == URES_TEST_MAGIC;
	ctx->release_preemptible = preemptible();
	ctx->release_in_worker = current->flags & PF_WQ_WORKER;
	ctx->threads_done_at_release = atomic_read(&ctx->threads_done);
	atomic_inc(&ctx->releases);
	complete(&ctx->released);
}

static void ures_test_revoke(struct ures *u)
{
	struct ures_test_ctx *ctx = container_of(u, struct ures_test_ctx, u);

	atomic_inc(&ctx->revokes);
}

static const struct ures_ops ures_test_ops = {
	.owner = THIS_MODULE,
	.release = ures_test_release,
	.revoke = ures_test_revoke,
};

static void ures_test_action(void *data)
{
	struct ures_test_ctx *ctx = data;

	ctx->action_seq = atomic_inc_return(&ctx->seq);
}

/*
 * The context is freed at the end of the test only if its ures was released:
 * a failed test may leave threads or the instance list pointing into it.
 */
static void ures_test_ctx_free(void *data)
{
	struct ures_test_ctx *ctx = data;

	ures_barrier();
	if (test_bit(URES_F_RELEASED, &ctx->u.flags) &&
	    !work_pending(&ctx->u.release_work))
		kfree(ctx);
	else
		pr_err("leaking a live ures after a failed test\n");
}

static struct ures_test_ctx *ures_test_ctx_new(struct kunit *test)
{
	struct ures_test_ctx *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	init_completion(&ctx->released);
	KUNIT_ASSERT_EQ(test, ures_init(&ctx->u, "ures_test", &ures_test_ops), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, ures_test_ctx_free,
							ctx), 0);
	return ctx;
}

/* Wait for the release, which may be deferred to the workqueue. */
static void ures_test_wait_released(struct kunit *test,
				    struct ures_test_ctx *ctx)
{
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&ctx->released,
							  URES_TEST_TIMEOUT), 0);
	ures_barrier();
}

/* === Lifetime === */

static void ures_test_release_order(struct kunit *test)
{
	struct ures_test_ctx *ctx = ures_test_ctx_new(test);
	struct ures *u = &ctx->u;

	ctx->mem = ures_kzalloc(u, sizeof(*ctx->mem), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->mem);
	*ctx->mem = URES_TEST_MAGIC;
	KUNIT_ASSERT_EQ(test, ures_add_action(u, ures_test_action, ctx), 0);
	KUNIT_EXPECT_EQ(test, u->nr_owned, 2);
	KUNIT_EXPECT_EQ(test, u->owned_bytes, sizeof(*ctx->mem));

	KUNIT_ASSERT_PTR_EQ(test, ures_get(u), u);
	ures_put(u);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->releases), 0);
	ures_put(u);
	ures_test_wait_released(test, ctx);

	/* Release callback first, with the owned memory intact... */
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->releases), 1);
	KUNIT_EXPECT_EQ(test, ctx->release_seq, 1);
	KUNIT_EXPECT_EQ(test, ctx->owned_at_release, 2);
	KUNIT_EXPECT_TRUE(test, ctx->mem_ok);
	/* ...then the owned entries, newest first... */
	KUNIT_EXPECT_EQ(test, ctx->action_seq, 2);
	/* ...all gone, exactly once. */
	KUNIT_EXPECT_EQ(test, u->nr_owned, 0);
	KUNIT_EXPECT_EQ(test, u->owned_bytes, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&u->refcount), 0);
	KUNIT_EXPECT_TRUE(test, test_bit(URES_F_RELEASED, &u->flags));
	KUNIT_EXPECT_EQ(test, ures_misuse_count(u), 0);
}

static void ures_test_alloc_release(void *data)
{
	atomic_inc(data);
}

static const struct ures_ops ures_test_alloc_ops = {
	.owner = THIS_MODULE,
};

static void ures_test_alloc_free(struct kunit *test)
{
	long live = ures_stat_read(URES_STAT_LIVE);
	long owned = ures_stat_read(URES_STAT_OWNED_LIVE);
	atomic_t *count;
	struct ures *u;

	count = kunit_kzalloc(test, sizeof(*count), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, count);

	u = ures_alloc("ures_test_alloc", &ures_test_alloc_ops);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(u));
	KUNIT_EXPECT_EQ(test, ures_stat_read(URES_STAT_LIVE), live + 1);
	KUNIT_ASSERT_NOT_NULL(test, ures_kmalloc(u, 100, GFP_KERNEL));
	KUNIT_ASSERT_NOT_NULL(test, ures_kzalloc(u, 4096, GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, ures_add_action(u, ures_test_alloc_release,
					      count), 0);
	KUNIT_EXPECT_EQ(test, ures_stat_read(URES_STAT_OWNED_LIVE), owned + 3);

	ures_put(u);
	ures_barrier();
	/* KASAN catches any later use of @u or its memory. */
	KUNIT_EXPECT_EQ(test, atomic_read(count), 1);
	KUNIT_EXPECT_EQ(test, ures_stat_read(URES_STAT_LIVE), live);
	KUNIT_EXPECT_EQ(test, ures_stat_read(URES_STAT_OWNED_LIVE), owned);
}

static void ures_test_kfree(struct kunit *test)
{
	struct ures_test_ctx *ctx = ures_test_ctx_new(test);
	struct ures *u = &ctx->u;
	void *a, *b;

	a = ures_kmalloc(u, 16, GFP_KERNEL);
	b = ures_kmalloc(u, 32, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_EQ(test, u->nr_owned, 2);
	ures_kfree(u, a);
	KUNIT_EXPECT_EQ(test, u->nr_owned, 1);
	KUNIT_EXPECT_EQ(test, u->owned_bytes, 32);
	ures_kfree(u, NULL);
	KUNIT_EXPECT_EQ(test, ures_misuse_count(u), 0);
	ures_put(u);
	ures_test_wait_released(test, ctx);
	KUNIT_EXPECT_EQ(test, u->nr_owned, 0);
}

/* === Revocation === */

/**
 * struct ures_test_reader - a thread inside a read-side section
 * @u: the instance
 * @sleep_in_section: sleep in ures_wait_event_interruptible() on a
 *	condition that never becomes true, instead of waiting for @go_exit
 * @enter_ret: what ures_enter() returned
 * @wait_ret: what ures_wait_event_interruptible() returned
 * @checks: evaluations of the wait's condition
 * @entered: completed once ures_enter() returned
 * @asleep: completed when the condition is checked on the wait queue
 * @go_exit: leave the section
 * @done: completed when the thread ends
 */
struct ures_test_reader {
	struct ures *u;
	bool sleep_in_section;
	int enter_ret;
	int wait_ret;
	atomic_t checks;
	struct completion entered;
	struct completion asleep;
	struct completion go_exit;
	struct completion done;
};

/*
 * The wait's condition, never true. wait_event_interruptible() checks it
 * once, then again after queueing the task in TASK_INTERRUPTIBLE: from the
 * second check on, a wake-up of the queue is what ends the wait.
 */
static bool ures_test_reader_woken(struct ures_test_reader *r)
{
	if (atomic_inc_return(&r->checks) == 2)
		complete(&r->asleep);
	return false;
}

static int ures_test_reader_fn(void *data)
{
	struct ures_test_reader *r = data;

	r->enter_ret = ures_enter(r->u);
	complete(&r->entered);
	if (r->enter_ret >= 0) {
		if (r->sleep_in_section)
			r->wait_ret =
				ures_wait_event_interruptible(r->u, ures_test_reader_woken(r));
		else
			wait_for_completion(&r->go_exit);
		ures_exit(r->u, r->enter_ret);
	}
	complete(&r->done);
	return 0;
}

struct ures_test_revoker {
	struct ures *u;
	int ret;
	struct completion started;
	struct completion done;
};

static int ures_test_revoker_fn(void *data)
{
	struct ures_test_revoker *v = data;

	complete(&v->started);
	v->ret = ures_revoke(v->u);
	complete(&v->done);
	return 0;
}

static struct ures_test_reader *ures_test_start_reader(struct kunit *test,
						       struct ures *u,
						       bool sleep)
{
	struct ures_test_reader *r;
	struct task_struct *t;

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->u = u;
	r->sleep_in_section = sleep;
	init_completion(&r->entered);
	init_completion(&r->asleep);
	init_completion(&r->go_exit);
	init_completion(&r->done);
	t = kthread_run(ures_test_reader_fn, r, "ures_test_reader");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&r->entered,
							  URES_TEST_TIMEOUT), 0);
	return r;
}

static struct ures_test_revoker *ures_test_start_revoker(struct kunit *test,
							 struct ures *u)
{
	struct ures_test_revoker *v;
	struct task_struct *t;

	v = kunit_kzalloc(test, sizeof(*v), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	v->u = u;
	init_completion(&v->started);
	init_completion(&v->done);
	t = kthread_run(ures_test_revoker_fn, v, "ures_test_revoker");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&v->started,
							  URES_TEST_TIMEOUT), 0);
	return v;
}

static void ures_test_revoke_waits(struct kunit *test)
{
	struct ures_test_ctx *ctx = ures_test_ctx_new(test);
	struct ures_test_reader *r;
	struct ures_test_revoker *v;
	struct ures *u = &ctx->u;
	unsigned long deadline;

	r = ures_test_start_reader(test, u, false);
	KUNIT_ASSERT_GE(test, r->enter_ret, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&u->inflight), 1);

	v = ures_test_start_revoker(test, u);
	/* The section is still open: the revocation must not complete. */
	KUNIT_EXPECT_EQ(test, wait_for_completion_timeout(&v->done,
							  msecs_to_jiffies(300)), 0);

	/* But it has begun: new sections are refused already. */
	deadline = jiffies + URES_TEST_TIMEOUT;
	while (!ures_revoked(u) && time_before(jiffies, deadline))
		msleep(20);
	KUNIT_EXPECT_TRUE(test, ures_revoked(u));
	KUNIT_EXPECT_EQ(test, ures_enter(u), -ENODEV);
	KUNIT_EXPECT_FALSE(test, completion_done(&v->done));
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->revokes), 1);

	/* Close the section: now the revocation completes. */
	complete(&r->go_exit);
	if (!wait_for_completion_timeout(&v->done, URES_TEST_TIMEOUT)) {
		/* Leave everything alive: the threads still use it. */
		KUNIT_FAIL(test, "ures_revoke() did not return after the section ended");
		return;
	}
	KUNIT_EXPECT_EQ(test, v->ret, 0);
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&r->done,
							  URES_TEST_TIMEOUT), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&u->inflight), 0);
	KUNIT_EXPECT_EQ(test, ures_enter(u), -ENODEV);
	KUNIT_EXPECT_EQ(test, ures_misuse_count(u), 0);

	ures_put(u);
	ures_test_wait_released(test, ctx);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->releases), 1);
}

static void ures_test_revoke_wakes_sleepers(struct kunit *test)
{
	struct ures_test_ctx *ctx = ures_test_ctx_new(test);
	struct ures_test_reader *r;
	struct ures_test_revoker *v;
	struct ures *u = &ctx->u;

	r = ures_test_start_reader(test, u, true);
	KUNIT_ASSERT_GE(test, r->enter_ret, 0);
	/* The reader is queued, asleep inside its section. */
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&r->asleep,
							  URES_TEST_TIMEOUT), 0);
	KUNIT_EXPECT_FALSE(test, completion_done(&r->done));

	v = ures_test_start_revoker(test, u);
	if (!wait_for_completion_timeout(&v->done, URES_TEST_TIMEOUT)) {
		KUNIT_FAIL(test, "ures_revoke() stalled on a sleeping section");
		return;
	}
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&r->done,
							  URES_TEST_TIMEOUT), 0);
	KUNIT_EXPECT_EQ(test, r->wait_ret, -ENODEV);
	/* Woken, it checked the condition again, and saw the revocation. */
	KUNIT_EXPECT_GE(test, atomic_read(&r->checks), 2);
	KUNIT_EXPECT_EQ(test, v->ret, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->revokes), 1);

	ures_put(u);
	ures_test_wait_released(test, ctx);
}

static void ures_test_guard(struct kunit *test)
{
	struct ures_test_ctx *ctx = ures_test_ctx_new(test);
	struct ures *u = &ctx->u;
	int ran = 0, failed = 0, inside = -1;

	scoped_cond_guard(ures, failed++, u) {
		ran++;
		inside = atomic_read(&u->inflight);
	}
	KUNIT_EXPECT_EQ(test, ran, 1);
	KUNIT_EXPECT_EQ(test, failed, 0);
	KUNIT_EXPECT_EQ(test, inside, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&u->inflight), 0);

	KUNIT_EXPECT_EQ(test, ures_revoke(u), 0);
	scoped_cond_guard(ures, failed++, u)
		ran++;
	scoped_guard(ures, u)
		ran++;
	KUNIT_EXPECT_EQ(test, ran, 1);
	KUNIT_EXPECT_EQ(test, failed, 1);
	KUNIT_EXPECT_EQ(test, ures_misuse_count(u), 0);

	ures_put(u);
	ures_test_wait_released(test, ctx);
}

static void ures_test_devm_bind(struct kunit *test)
{
	struct ures_test_ctx *ctx = ures_test_ctx_new(test);
	struct ures *u = &ctx->u;
	struct device *dev;

	dev = kunit_device_register(test, "ures_test_dev");
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	KUNIT_ASSERT_EQ(test, devm_ures_bind(dev, u), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&u->refcount), 2);
	KUNIT_EXPECT_FALSE(test, ures_revoked(u));

	/* Device gone: revoked, devm reference dropped, no misuse. */
	kunit_device_unregister(test, dev);
	KUNIT_EXPECT_TRUE(test, ures_revoked(u));
	KUNIT_EXPECT_EQ(test, atomic_read(&u->refcount), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->revokes), 1);
	KUNIT_EXPECT_EQ(test, ures_misuse_count(u), 0);

	ures_put(u);
	ures_test_wait_released(test, ctx);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->releases), 1);
}

static void ures_test_devm_bind_after_revoke(struct kunit *test)
{
	struct ures_test_ctx *ctx = ures_test_ctx_new(test);
	struct ures *u = &ctx->u;
	struct device *dev;

	dev = kunit_device_register(test, "ures_test_dev2");
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	KUNIT_ASSERT_EQ(test, devm_ures_bind(dev, u), 0);
	/* A driver revoking in remove() before devm does is not a misuse. */
	KUNIT_EXPECT_EQ(test, ures_revoke(u), 0);
	kunit_device_unregister(test, dev);
	KUNIT_EXPECT_EQ(test, ures_misuse_count(u), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->revokes), 1);

	ures_put(u);
	ures_test_wait_released(test, ctx);
}

/* === Concurrency and context === */

struct ures_test_worker {
	struct ures_test_ctx *ctx;
	struct completion *go;
	struct completion done;
};

static int ures_test_worker_fn(void *data)
{
	struct ures_test_worker *w = data;
	struct ures *u = &w->ctx->u;
	int i;

	wait_for_completion(w->go);
	for (i = 0; i < URES_TEST_ITERATIONS; i++) {
		if (ures_get(u) != u)
			break;
		ures_put(u);
		if (!(i % 1024))
			cond_resched();
	}
	atomic_inc(&w->ctx->threads_done);
	/* The reference the test took for this thread. */
	ures_put(u);
	complete(&w->done);
	return 0;
}

static void ures_test_concurrent_get_put(struct kunit *test)
{
	struct ures_test_ctx *ctx = ures_test_ctx_new(test);
	struct ures_test_worker *w;
	struct completion go;
	struct ures *u = &ctx->u;
	int i;

	w = kunit_kcalloc(test, URES_TEST_THREADS, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	init_completion(&go);
	for (i = 0; i < URES_TEST_THREADS; i++) {
		struct task_struct *t;

		w[i].ctx = ctx;
		w[i].go = &go;
		init_completion(&w[i].done);
		KUNIT_ASSERT_PTR_EQ(test, ures_get(u), u);
		t = kthread_run(ures_test_worker_fn, &w[i], "ures_test_w%d", i);
		if (IS_ERR(t)) {
			ures_put(u);
			complete(&w[i].done);
		}
	}

	complete_all(&go);
	/* The last reference now belongs to whichever worker ends last. */
	ures_put(u);
	for (i = 0; i < URES_TEST_THREADS; i++)
		KUNIT_ASSERT_GT(test,
				wait_for_completion_timeout(&w[i].done,
							    6 * URES_TEST_TIMEOUT),
				0);
	ures_test_wait_released(test, ctx);

	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->releases), 1);
	KUNIT_EXPECT_EQ(test, ctx->threads_done_at_release, URES_TEST_THREADS);
	KUNIT_EXPECT_EQ(test, atomic_read(&u->refcount), 0);
	KUNIT_EXPECT_EQ(test, ures_misuse_count(u), 0);
}

static DEFINE_SPINLOCK(ures_test_lock);

static void ures_test_atomic_put_defers(struct kunit *test)
{
	struct ures_test_ctx *ctx[4];
	long deferred = ures_stat_read(URES_STAT_DEFERRED);
	int before[4];
	unsigned long flags;
	int i;

	if (!IS_ENABLED(CONFIG_PREEMPT_COUNT))
		kunit_skip(test, "without CONFIG_PREEMPT_COUNT every release is deferred");

	for (i = 0; i < ARRAY_SIZE(ctx); i++)
		ctx[i] = ures_test_ctx_new(test);

	/* Sleepable context: the release runs inline. */
	ures_put(&ctx[0]->u);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx[0]->releases), 1);
	KUNIT_EXPECT_FALSE(test, ctx[0]->release_in_worker);
	KUNIT_EXPECT_TRUE(test, ctx[0]->release_preemptible);

	/* Atomic contexts: deferred to process context. */
	spin_lock(&ures_test_lock);
	ures_put(&ctx[1]->u);
	before[1] = atomic_read(&ctx[1]->releases);
	spin_unlock(&ures_test_lock);

	local_irq_save(flags);
	ures_put(&ctx[2]->u);
	before[2] = atomic_read(&ctx[2]->releases);
	local_irq_restore(flags);

	rcu_read_lock();
	ures_put(&ctx[3]->u);
	before[3] = atomic_read(&ctx[3]->releases);
	rcu_read_unlock();

	for (i = 1; i < ARRAY_SIZE(ctx); i++) {
		KUNIT_EXPECT_EQ_MSG(test, before[i], 0, "context %d", i);
		ures_test_wait_released(test, ctx[i]);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&ctx[i]->releases), 1,
				    "context %d", i);
		KUNIT_EXPECT_TRUE_MSG(test, ctx[i]->release_in_worker,
				      "context %d", i);
		KUNIT_EXPECT_TRUE_MSG(test, ctx[i]->release_preemptible,
				      "context %d", i);
	}
	KUNIT_EXPECT_EQ(test, ures_stat_read(URES_STAT_DEFERRED), deferred + 3);
}

/* === Misuse: one WARN per instance, an error, no crash === */

static void ures_test_misuse_put_after_release(struct kunit *test)
{
	struct ures_test_ctx *ctx = ures_test_ctx_new(test);
	long warnings = ures_stat_read(URES_STAT_WARNINGS);
	struct ures *u = &ctx->u;

	ures_put(u);
	ures_test_wait_released(test, ctx);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->releases), 1);

	ures_put(u);
	KUNIT_EXPECT_EQ(test, ures_misuse_count(u), 1);
	KUNIT_EXPECT_EQ(test, ures_stat_read(URES_STAT_WARNINGS), warnings + 1);
	/* Again: counted, but no second WARN for this instance. */
	ures_put(u);
	KUNIT_EXPECT_EQ(test, ures_misuse_count(u), 2);
	KUNIT_EXPECT_EQ(test, ures_stat_read(URES_STAT_WARNINGS), warnings + 1);
	/* Still released exactly once, refcount not driven negative. */
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->releases), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&u->refcount), 0);
}

static void ures_test_misuse_exit_without_enter(struct kunit *test)
{
	struct ures_test_ctx *ctx = ures_test_ctx_new(test);
	long warnings = ures_stat_read(URES_STAT_WARNINGS);
	struct ures *u = &ctx->u;
	int idx;

	ures_exit(u, 0);
	KUNIT_EXPECT_EQ(test, ures_misuse_count(u), 1);
	KUNIT_EXPECT_EQ(test, ures_stat_read(URES_STAT_WARNINGS), warnings + 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&u->inflight), 0);
	ures_exit(u, 7);
	KUNIT_EXPECT_EQ(test, ures_misuse_count(u), 2);

	/* The instance still works. */
	idx = ures_enter(u);
	KUNIT_EXPECT_GE(test, idx, 0);
	if (idx >= 0)
		ures_exit(u, idx);
	KUNIT_EXPECT_EQ(test, ures_misuse_count(u), 2);
	KUNIT_EXPECT_EQ(test, ures_revoke(u), 0);

	ures_put(u);
	ures_test_wait_released(test, ctx);
	KUNIT_EXPECT_EQ(test, ures_stat_read(URES_STAT_WARNINGS), warnings + 1);
}

static void ures_test_misuse_double_revoke(struct kunit *test)
{
	struct ures_test_ctx *ctx = ures_test_ctx_new(test);
	long warnings = ures_stat_read(URES_STAT_WARNINGS);
	struct ures *u = &ctx->u;

	KUNIT_EXPECT_EQ(test, ures_revoke(u), 0);
	KUNIT_EXPECT_EQ(test, ures_misuse_count(u), 0);
	KUNIT_EXPECT_EQ(test, ures_revoke(u), -EALREADY);
	KUNIT_EXPECT_EQ(test, ures_misuse_count(u), 1);
	KUNIT_EXPECT_EQ(test, ures_stat_read(URES_STAT_WARNINGS), warnings + 1);
	/* The revoke callback ran once only. */
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->revokes), 1);

	ures_put(u);
	ures_test_wait_released(test, ctx);
}

static void ures_test_misuse_released(struct kunit *test)
{
	struct ures_test_ctx *ctx = ures_test_ctx_new(test);
	long warnings = ures_stat_read(URES_STAT_WARNINGS);
	struct ures *u = &ctx->u;

	ures_put(u);
	ures_test_wait_released(test, ctx);

	/* The struct is released but not freed: every call must cope. */
	KUNIT_EXPECT_EQ(test, ures_enter(u), -ENODEV);
	KUNIT_EXPECT_EQ(test, ures_misuse_count(u), 1);
	KUNIT_EXPECT_NULL(test, ures_get(u));
	KUNIT_EXPECT_EQ(test, ures_misuse_count(u), 2);
	KUNIT_EXPECT_EQ(test, ures_revoke(u), -ENODEV);
	KUNIT_EXPECT_EQ(test, ures_misuse_count(u), 3);
	KUNIT_EXPECT_NULL(test, ures_kzalloc(u, 8, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, ures_misuse_count(u), 4);
	KUNIT_EXPECT_EQ(test, ures_add_action(u, ures_test_action, ctx), -ENODEV);
	KUNIT_EXPECT_EQ(test, ures_misuse_count(u), 5);
	ures_exit(u, 0);
	KUNIT_EXPECT_EQ(test, ures_misuse_count(u), 6);
	KUNIT_EXPECT_EQ(test, ures_stat_read(URES_STAT_WARNINGS), warnings + 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->releases), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->revokes), 0);
}

static void ures_test_misuse_kfree_foreign(struct kunit *test)
{
	struct ures_test_ctx *ctx = ures_test_ctx_new(test);
	struct ures *u = &ctx->u;
	void *mine, *other;

	mine = ures_kzalloc(u, 8, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mine);
	other = kunit_kzalloc(test, 8, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, other);

	ures_kfree(u, other);
	KUNIT_EXPECT_EQ(test, ures_misuse_count(u), 1);
	KUNIT_EXPECT_EQ(test, u->nr_owned, 1);
	ures_kfree(u, mine);
	ures_kfree(u, mine);
	KUNIT_EXPECT_EQ(test, ures_misuse_count(u), 2);
	KUNIT_EXPECT_EQ(test, u->nr_owned, 0);

	ures_put(u);
	ures_test_wait_released(test, ctx);
}

static void ures_test_misuse_revoke_in_section(struct kunit *test)
{
	struct ures_test_ctx *ctx;
	struct ures *u;
	int idx;

	if (!IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC) || !debug_locks)
		kunit_skip(test, "needs lockdep to see the section");

	ctx = ures_test_ctx_new(test);
	u = &ctx->u;
	idx = ures_enter(u);
	KUNIT_ASSERT_GE(test, idx, 0);
	/* Would wait for itself forever. */
	KUNIT_EXPECT_EQ(test, ures_revoke(u), -EDEADLK);
	KUNIT_EXPECT_EQ(test, ures_misuse_count(u), 1);
	KUNIT_EXPECT_FALSE(test, ures_revoked(u));
	ures_exit(u, idx);
	KUNIT_EXPECT_EQ(test, ures_revoke(u), 0);

	ures_put(u);
	ures_test_wait_released(test, ctx);
}

/* === Arguments === */

static void ures_test_free(struct ures *u)
{
	kfree(u);
}

static const struct ures_ops ures_test_free_ops = {
	.free = ures_test_free,
};

static ssize_t ures_test_read(struct file *filp, char __user *buf, size_t len,
			      loff_t *ppos)
{
	return 0;
}

static int ures_test_lock_op(struct file *filp, int cmd, struct file_lock *fl)
{
	return 0;
}

static const struct file_operations ures_test_good_fops = {
	.owner = THIS_MODULE,
	.read = ures_test_read,
};

static const struct file_operations ures_test_bad_fops = {
	.owner = THIS_MODULE,
	.read = ures_test_read,
	.lock = ures_test_lock_op,
};

static void ures_test_bad_args(struct kunit *test)
{
	struct ures_test_ctx *ctx = ures_test_ctx_new(test);
	struct ures *u = &ctx->u;
	struct device *dev;

	KUNIT_EXPECT_EQ(test, ures_enter(NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ures_revoke(NULL), -EINVAL);
	KUNIT_EXPECT_NULL(test, ures_get(NULL));
	ures_put(NULL);
	ures_exit(NULL, 0);
	ures_kfree(NULL, ctx);
	KUNIT_EXPECT_EQ(test, ures_init(NULL, "x", NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(ures_alloc("x", &ures_test_free_ops)),
			-EINVAL);

	KUNIT_EXPECT_NULL(test, ures_kzalloc(NULL, 8, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, ures_kzalloc(u, 0, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, ures_kmalloc(u, SIZE_MAX,
					     GFP_KERNEL | __GFP_NOWARN));
	KUNIT_EXPECT_EQ(test, ures_add_action(u, NULL, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ures_add_action(NULL, ures_test_action, ctx),
			-EINVAL);

	dev = kunit_device_register(test, "ures_test_args");
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	KUNIT_EXPECT_EQ(test, devm_ures_bind(NULL, u), -EINVAL);
	KUNIT_EXPECT_EQ(test, devm_ures_bind(dev, NULL), -EINVAL);

	KUNIT_EXPECT_EQ(test, PTR_ERR(ures_cdev_alloc(NULL, &ures_test_good_fops)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(ures_cdev_alloc(u, NULL)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(ures_cdev_alloc(u, &ures_test_bad_fops)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ures_cdev_add(NULL, 0, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, devm_ures_cdev_add(NULL, NULL, 0, 1), -EINVAL);
	KUNIT_EXPECT_NULL(test, ures_file_ures(NULL));
	ures_cdev_del(NULL);

	/* Bad arguments are errors, not misuse of the instance. */
	KUNIT_EXPECT_EQ(test, ures_misuse_count(u), 0);
	KUNIT_EXPECT_EQ(test, u->nr_owned, 0);
	ures_put(u);
	ures_test_wait_released(test, ctx);
}

/* === Char device === */

#define URES_TEST_NODE	"/ures_test_cdev"

/* A device node for @devt at @path; needs a writable root (boot time). */
static int ures_test_mknod(const char *path, dev_t devt)
{
	struct dentry *dentry;
	struct path parent;
	int ret;

	dentry = kern_path_create(AT_FDCWD, path, &parent, 0);
	if (IS_ERR(dentry))
		return PTR_ERR(dentry);
	ret = vfs_mknod(mnt_idmap(parent.mnt), d_inode(parent.dentry), dentry,
			S_IFCHR | 0600, devt);
	done_path_create(&parent, dentry);
	return ret;
}

static void ures_test_unlink(const char *path)
{
	struct dentry *parent;
	struct path p;

	if (kern_path(path, 0, &p))
		return;
	parent = dget_parent(p.dentry);
	inode_lock_nested(d_inode(parent), I_MUTEX_PARENT);
	vfs_unlink(mnt_idmap(p.mnt), d_inode(parent), p.dentry, NULL);
	inode_unlock(d_inode(parent));
	dput(parent);
	path_put(&p);
}

/* The driver's read() through the proxy, as read(2) would call it. */
static ssize_t ures_test_file_read(struct file *filp)
{
	loff_t pos = 0;

	return filp->f_op->read(filp, NULL, 0, &pos);
}

/*
 * A file opened through the cdev pins the ures, also once the cdev is
 * deleted and the ures revoked; its close, then the cdev's release, drop the
 * last references.
 */
static void ures_test_cdev_pins(struct kunit *test)
{
	struct ures_test_ctx *ctx = ures_test_ctx_new(test);
	struct ures *u = &ctx->u;
	struct ures_cdev *uc;
	struct file *filp;
	dev_t devt;
	int ret;

	uc = ures_cdev_alloc(u, &ures_test_good_fops);
	KUNIT_ASSERT_FALSE(test, IS_ERR(uc));
	KUNIT_EXPECT_PTR_EQ(test, ures_cdev_ures(uc), u);
	KUNIT_EXPECT_EQ(test, u->nr_owned, 1);
	KUNIT_EXPECT_PTR_EQ(test, uc->cdev.owner, THIS_MODULE);

	KUNIT_ASSERT_EQ(test, alloc_chrdev_region(&devt, 0, 1, "ures_test"), 0);
	KUNIT_ASSERT_EQ(test, ures_cdev_add(uc, devt, 1), 0);
	/* The live cdev holds a reference. */
	KUNIT_EXPECT_EQ(test, atomic_read(&u->refcount), 2);
	KUNIT_EXPECT_EQ(test, ures_cdev_add(uc, devt, 1), -EBUSY);

	ret = ures_test_mknod(URES_TEST_NODE, devt);
	if (ret == -EROFS) {
		ures_cdev_del(uc);
		unregister_chrdev_region(devt, 1);
		ures_revoke(u);
		ures_put(u);
		kunit_skip(test, "needs a writable / for its device node (at boot)");
	}
	KUNIT_ASSERT_EQ(test, ret, 0);
	filp = filp_open(URES_TEST_NODE, O_RDONLY, 0);
	ures_test_unlink(URES_TEST_NODE);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(filp), "open: %ld", PTR_ERR(filp));

	/* Opened through the proxy, which forwards to the driver... */
	KUNIT_EXPECT_PTR_EQ(test, ures_file_ures(filp), u);
	KUNIT_EXPECT_PTR_EQ(test, filp->private_data, ures_get_drvdata(u));
	KUNIT_EXPECT_EQ(test, ures_test_file_read(filp), 0);
	/* ...and the file holds a reference of its own. */
	KUNIT_EXPECT_EQ(test, atomic_read(&u->refcount), 3);

	/* Deleted, the cdev lives on for the open file, pinning the ures. */
	ures_cdev_del(uc);
	unregister_chrdev_region(devt, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&u->refcount), 3);
	KUNIT_EXPECT_EQ(test, ures_revoke(u), 0);
	KUNIT_EXPECT_EQ(test, ures_test_file_read(filp), -ENODEV);
	ures_put(u);
	KUNIT_EXPECT_EQ(test, atomic_read(&u->refcount), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->releases), 0);

	/* The close drops the file's reference, the cdev's release the pin. */
	__fput_sync(filp);
	ures_test_wait_released(test, ctx);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->releases), 1);
	KUNIT_EXPECT_EQ(test, u->nr_owned, 0);
	KUNIT_EXPECT_EQ(test, ures_misuse_count(u), 0);
}

static struct kunit_case ures_test_cases[] = {
	KUNIT_CASE(ures_test_release_order),
	KUNIT_CASE(ures_test_alloc_free),
	KUNIT_CASE(ures_test_kfree),
	KUNIT_CASE(ures_test_revoke_waits),
	KUNIT_CASE(ures_test_revoke_wakes_sleepers),
	KUNIT_CASE(ures_test_guard),
	KUNIT_CASE(ures_test_devm_bind),
	KUNIT_CASE(ures_test_devm_bind_after_revoke),
	KUNIT_CASE(ures_test_concurrent_get_put),
	KUNIT_CASE(ures_test_atomic_put_defers),
	KUNIT_CASE(ures_test_misuse_put_after_release),
	KUNIT_CASE(ures_test_misuse_exit_without_enter),
	KUNIT_CASE(ures_test_misuse_double_revoke),
	KUNIT_CASE(ures_test_misuse_released),
	KUNIT_CASE(ures_test_misuse_kfree_foreign),
	KUNIT_CASE(ures_test_misuse_revoke_in_section),
	KUNIT_CASE(ures_test_bad_args),
	KUNIT_CASE(ures_test_cdev_pins),
	{}
};

static struct kunit_suite ures_test_suite = {
	.name = "ures",
	.test_cases = ures_test_cases,
};

kunit_test_suite(ures_test_suite);

MODULE_DESCRIPTION("KUnit tests for ures");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
