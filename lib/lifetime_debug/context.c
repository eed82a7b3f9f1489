// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime sanitizer contexts: the guards of code that holds no lock.
 *
 * A hard-IRQ handler, an hrtimer callback, a tasklet, a NAPI poll, a
 * kthread, a kthread work item and a runtime-PM callback usually touch
 * their device's data without any lock: what orders them before the
 * device's memory goes away is the teardown waiting for them
 * (free_irq()/synchronize_irq(), hrtimer_cancel(), tasklet_kill(),
 * napi_disable(), kthread_stop(), kthread_cancel_work_sync(),
 * pm_runtime_disable()). While such a context runs, its object (the IRQ
 * descriptor, the hrtimer, the tasklet, the NAPI instance, the task, the
 * kthread work, the device's PM state) is a guard of every access it makes,
 * and the teardown's wait closes it, exactly as for a lock or a timer's
 * lockdep map.
 *
 * Atomic contexts (IRQ, hrtimer, tasklet, NAPI) cannot migrate: they are
 * kept on a per-CPU stack. Runtime-PM callbacks may sleep: they are kept in
 * a small table of task frames.
 */

#define pr_fmt(fmt) "lifetime_debug: " fmt

#include <linux/kthread.h>
#include <linux/lifetime_debug_domain.h>
#include <linux/lockdep.h>
#include <linux/percpu.h>
#include <linux/sched.h>

#include "lifetime_debug.h"

#define LTD_CTX_DEPTH		4
#define LTD_TASK_FRAMES		32

/**
 * struct ltd_ctx_frame - one context running on this CPU
 * @obj:	its guard object
 * @what:	its kind, a static string for reports
 * @irq_ctx:	the lockdep interrupt context it runs in
 */
struct ltd_ctx_frame {
	const void *obj;
	const char *what;
	unsigned int irq_ctx;
};

struct ltd_ctx_stack {
	struct ltd_ctx_frame frames[LTD_CTX_DEPTH];
};

/* Nesting depth; frames past LTD_CTX_DEPTH are counted, not kept. */
DEFINE_PER_CPU(unsigned int, lifetime_debug_ctx_depth);
EXPORT_PER_CPU_SYMBOL_GPL(lifetime_debug_ctx_depth);
static DEFINE_PER_CPU(struct ltd_ctx_stack, ltd_ctx_stack);

/*
 * Sleeping contexts: a slot is claimed by its task with cmpxchg() and only
 * that task writes or reads its fields, so no lock is needed.
 */
static struct {
	struct task_struct *task;
	const void *obj;
	const char *what;
} ltd_task_frames[LTD_TASK_FRAMES];
atomic_t lifetime_debug_nr_task_ctx = ATOMIC_INIT(0);
EXPORT_SYMBOL_GPL(lifetime_debug_nr_task_ctx);

/**
 * __lifetime_debug_ctx_enter() - an atomic context starts on this CPU
 * @obj:	its guard object (IRQ descriptor, hrtimer, tasklet, NAPI)
 * @what:	its kind, a static string ("irq", "hrtimer"...)
 *
 * Context: with preemption disabled; paired with __lifetime_debug_ctx_exit().
 */
void __lifetime_debug_ctx_enter(const void *obj, const char *what)
{
	unsigned int d = __this_cpu_inc_return(lifetime_debug_ctx_depth) - 1;
	struct ltd_ctx_frame *f;

	if (d >= LTD_CTX_DEPTH) {
		ltd_degraded(LTD_DEGRADED_CONTEXTS);
		return;
	}
	f = this_cpu_ptr(&ltd_ctx_stack)->frames + d;
	f->obj = obj;
	f->what = what;
	f->irq_ctx = ltd_irq_context();
}
EXPORT_SYMBOL_GPL(__lifetime_debug_ctx_enter);

/**
 * __lifetime_debug_ctx_exit() - the innermost atomic context ends
 * @obj:	the object it was entered with
 *
 * A context entered while the sanitizer was off left no frame: nothing to
 * pop unless the innermost frame is @obj's.
 *
 * Context: with preemption disabled.
 */
void __lifetime_debug_ctx_exit(const void *obj)
{
	unsigned int d = __this_cpu_read(lifetime_debug_ctx_depth);

	if (!d)
		return;
	if (d > LTD_CTX_DEPTH ||
	    this_cpu_ptr(&ltd_ctx_stack)->frames[d - 1].obj == obj)
		__this_cpu_dec(lifetime_debug_ctx_depth);
}
EXPORT_SYMBOL_GPL(__lifetime_debug_ctx_exit);

/**
 * __lifetime_debug_task_ctx_enter() - a sleeping context starts on current
 * @obj:	its guard object (the device's PM state)
 * @what:	its kind, a static string
 *
 * Context: any context; paired with __lifetime_debug_task_ctx_exit().
 */
void __lifetime_debug_task_ctx_enter(const void *obj, const char *what)
{
	int i;

	for (i = 0; i < LTD_TASK_FRAMES; i++) {
		if (!cmpxchg(&ltd_task_frames[i].task, NULL, current)) {
			ltd_task_frames[i].obj = obj;
			ltd_task_frames[i].what = what;
			atomic_inc(&lifetime_debug_nr_task_ctx);
			return;
		}
	}
	ltd_degraded(LTD_DEGRADED_CONTEXTS);
}
EXPORT_SYMBOL_GPL(__lifetime_debug_task_ctx_enter);

/**
 * __lifetime_debug_task_ctx_exit() - current leaves the context of @obj
 * @obj:	the object it was entered with
 *
 * Context: any context.
 */
void __lifetime_debug_task_ctx_exit(const void *obj)
{
	int i;

	for (i = LTD_TASK_FRAMES - 1; i >= 0; i--) {
		if (READ_ONCE(ltd_task_frames[i].task) == current &&
		    ltd_task_frames[i].obj == obj) {
			ltd_task_frames[i].obj = NULL;
			/* The slot's fields are cleared before another task claims it. */
			smp_store_release(&ltd_task_frames[i].task, NULL);
			atomic_dec(&lifetime_debug_nr_task_ctx);
			return;
		}
	}
}
EXPORT_SYMBOL_GPL(__lifetime_debug_task_ctx_exit);

static void ltd_ctx_add(struct ltd_guardset *gs, const void *obj, const char *what)
{
	ltd_guard_add(gs, obj, obj, what, false);
}

/**
 * ltd_ctx_collect() - add the guards of the contexts current runs in
 * @gs:		the guard set being collected
 * @irq_ctx:	the lockdep interrupt context of the access
 *
 * Only frames of @irq_ctx count: a hard-IRQ handler that interrupted a
 * NAPI poll is not guarded by napi_disable().
 *
 * Context: any context, with preemption disabled.
 */
void ltd_ctx_collect(struct ltd_guardset *gs, unsigned int irq_ctx)
{
	unsigned int d = min_t(unsigned int, __this_cpu_read(lifetime_debug_ctx_depth),
			       LTD_CTX_DEPTH);
	struct ltd_ctx_stack *s = this_cpu_ptr(&ltd_ctx_stack);
	int i;

	for (i = d - 1; i >= 0; i--)
		if (s->frames[i].irq_ctx == irq_ctx)
			ltd_ctx_add(gs, s->frames[i].obj, s->frames[i].what);
	if (!in_task())
		return;
	if (atomic_read(&lifetime_debug_nr_task_ctx)) {
		for (i = LTD_TASK_FRAMES - 1; i >= 0; i--)
			if (READ_ONCE(ltd_task_frames[i].task) == current)
				ltd_ctx_add(gs, ltd_task_frames[i].obj,
					    ltd_task_frames[i].what);
	}
	/* A kthread is closed by kthread_stop(); a workqueue worker is not one. */
	if ((current->flags & PF_KTHREAD) && !(current->flags & PF_WQ_WORKER)) {
		if (kthread_func(current) == kthread_worker_fn) {
			struct kthread_worker *worker = kthread_data(current);
			struct kthread_work *work = READ_ONCE(worker->current_work);

			if (work)
				ltd_ctx_add(gs, work, "kthread_work");
		}
		ltd_ctx_add(gs, current, "kthread");
	}
}
