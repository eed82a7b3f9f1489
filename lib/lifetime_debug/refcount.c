// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime sanitizer: refcount puts and sleeping final puts.
 *
 * Each put acts as might_lock() of its type's class (refcount_class.c); a
 * final put holds the class map while the release runs, so lockdep sees
 * "put under L, release takes L" cycles. A class learns that its release
 * can sleep from might_sleep() inside it; puts of such a class from atomic
 * context are reported, also retroactively.
 *
 * Lockdep is fed once per (class, held-lock chain): a per-CPU cache keeps
 * the pairs already modelled, so a put under a known chain costs no
 * lockdep validation and takes no global lock. With lifetime_debug.sample=N
 * only one put in N per CPU is looked at.
 */

#define pr_fmt(fmt) "lifetime_debug: " fmt

#include <linux/debug_locks.h>
#include <linux/hash.h>
#include <linux/irq_work.h>
#include <linux/kallsyms.h>
#include <linux/kobject.h>
#include <linux/device.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/stacktrace.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "lifetime_debug.h"

#ifdef MODULE_PARAM_PREFIX
#undef MODULE_PARAM_PREFIX
#endif
#define MODULE_PARAM_PREFIX "lifetime_debug."

/* === Sampling === */

/* Check one put in this many, per CPU; 1: every put. */
#define LTD_SAMPLE_MAX		1000000
static unsigned int ltd_sample __read_mostly = 1;

static int ltd_param_set_sample(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, LTD_SAMPLE_MAX) ? -EINVAL : 0;
}

static const struct kernel_param_ops ltd_sample_ops = {
	.set = ltd_param_set_sample,
	.get = param_get_uint,
};
module_param_cb(sample, &ltd_sample_ops, &ltd_sample, 0444);
MODULE_PARM_DESC(sample, "Check one refcount put in N per CPU (1: every put)");

static DEFINE_PER_CPU(int, ltd_sample_left);	/* puts to skip */
static DEFINE_PER_CPU(int, ltd_sample_tag_left);	/* objects to skip */

/* Look at this put? With lifetime_debug.sample=N, one in N per CPU. */
static __always_inline bool ltd_sampled(int __percpu *left)
{
	unsigned int n = READ_ONCE(ltd_sample);

	if (likely(n <= 1))
		return true;
	if (this_cpu_dec_return(*left) > 0)
		return false;
	this_cpu_write(*left, n);
	return true;
}

/**
 * ltd_sample_tag() - tag this object? With lifetime_debug.sample=N, one in N
 *
 * For the tag store: an object left untagged is never trapped, so it costs
 * nothing and is not checked. Per CPU, like the refcount puts.
 *
 * Context: any context.
 * Return: true if the object is to be tagged.
 */
bool ltd_sample_tag(void)
{
	return ltd_sampled(&ltd_sample_tag_left);
}

/* === Context === */

static bool ltd_rc_is_class_map(const struct lockdep_map *map)
{
	const struct ltd_rc_class *pool = READ_ONCE(ltd_rc_pool);

	return pool && (void *)map >= (void *)pool &&
	       (void *)map < (void *)(pool + ltd_rc_budget);
}

static struct ltd_rc_class *ltd_rc_from_map(struct lockdep_map *map)
{
	return container_of(map, struct ltd_rc_class, map);
}

/* The current context cannot sleep: the cheap test ltd_atomic_why() details. */
static inline bool ltd_rc_in_atomic(void)
{
	return in_nmi() || in_interrupt() || irqs_disabled() ||
	       rcu_preempt_depth() || (preempt_count() & PREEMPT_MASK);
}

/* Why the current context cannot sleep, or NULL if it can. */
static const char *ltd_atomic_why(char *buf, size_t len)
{
	struct task_struct *curr = current;
	int i;

	if (in_nmi())
		return "in NMI";
	if (in_hardirq())
		return "in hardirq";
	if (in_serving_softirq())
		return "in softirq";
	if (irqs_disabled())
		return "with interrupts disabled";
	if (softirq_count())
		return "with bottom halves disabled";
	if (rcu_preempt_depth())
		return "in an RCU read-side critical section";
	if (!(preempt_count() & PREEMPT_MASK))
		return NULL;
	/* Name the innermost spinning lock; held_locks is stale without lockdep. */
	for (i = debug_locks ? READ_ONCE(curr->lockdep_depth) - 1 : -1; i >= 0; i--) {
		struct lockdep_map *map = curr->held_locks[i].instance;

		if (ltd_rc_is_class_map(map) || map->wait_type_inner == LD_WAIT_SLEEP)
			continue;
		snprintf(buf, len, "with %s held", map->name ?: "a lock");
		return buf;
	}
	return "with preemption disabled";
}

/* Our class maps held by current (releases running), innermost first. */
static int ltd_rc_held(struct ltd_rc_class **out, int max)
{
	struct task_struct *curr = current;
	int i, n = 0;

	for (i = READ_ONCE(curr->lockdep_depth) - 1; i >= 0 && n < max; i--) {
		struct lockdep_map *map = curr->held_locks[i].instance;

		if (ltd_rc_is_class_map(map))
			out[n++] = ltd_rc_from_map(map);
	}
	return n;
}

/**
 * ltd_rc_running() - the innermost refcount release current runs
 * @name:	where to copy its class name ("refcount:<release>")
 * @len:	size of @name
 *
 * Return: the class key (the release function), or NULL outside releases.
 */
const void *ltd_rc_running(char *name, size_t len)
{
	struct ltd_rc_class *held[1];

	if (!debug_locks || !current->lockdep_depth || !ltd_rc_held(held, 1))
		return NULL;
	strscpy(name, held[0]->name, len);
	return held[0]->key;
}

/*
 * Lockdep modelling is done only where the puts cannot confuse the irq-state
 * checks: process context with interrupts and bottom halves enabled. A class
 * map "taken" in an interrupt and with interrupts on elsewhere would make
 * lockdep predict irq inversions refcounts do not have.
 */
static bool ltd_rc_model(void)
{
	if (!debug_locks) {
		ltd_degraded(LTD_DEGRADED_LOCKDEP_OFF);
		return false;
	}
	return !in_interrupt() && !irqs_disabled();
}

/* === Reports === */

static inline const char *ltd_rc_sym(const struct ltd_rc_class *cls)
{
	return cls->name + strlen(LTD_RC_PREFIX);
}

static void ltd_rc_report_sleeping_put(struct ltd_rc_class *cls, struct ltd_rc_put *put,
				       bool retro)
{
	/* Call-site classes (bare refcounts) are named "func+0x1c". */
	bool site = strchr(ltd_rc_sym(cls), '+');
	struct ltd_report r = {
		.type = LTD_BUG_SLEEPING_FINAL_PUT,
		.site = put->site,
		.dedup = (unsigned long)cls->key,
	};

	snprintf(r.what, sizeof(r.what),
		 "Put of refcount class %s %s by task %s/%d%s",
		 ltd_rc_sym(cls), put->why, put->stack.comm, put->stack.pid,
		 retro ? " (seen earlier)" : "");
	snprintf(r.object, sizeof(r.object),
		 "%s %s%s can sleep (%pS); a final put here would sleep in atomic context",
		 site ? "The code after the final put at" : "The release",
		 ltd_rc_sym(cls), site ? "" : "()", (void *)cls->sleep_site);
	r.stacks[0] = put->stack;
	strscpy(r.stacks[0].title, "Put", sizeof(r.stacks[0].title));
	strscpy(r.stacks[1].title, "Release sleeps, first seen", sizeof(r.stacks[1].title));
	r.stacks[1].handle = cls->sleep.handle;
	r.stacks[1].pid = cls->sleep.pid;
	r.stacks[1].cpu = cls->sleep.cpu;
	r.stacks[1].ts_nsec = cls->sleep.ts_nsec;
	memcpy(r.stacks[1].comm, cls->sleep.comm, sizeof(r.stacks[1].comm));
	ltd_report(&r);
}

static void ltd_rc_report_nosleep(struct ltd_rc_class *cls, unsigned long ip)
{
	struct ltd_report r = {
		.type = LTD_BUG_NOSLEEP_RELEASE_SLEPT,
		.site = (unsigned long)cls->key,	/* title: the release */
		.dedup = (unsigned long)cls->key,
	};

	snprintf(r.what, sizeof(r.what),
		 "Release %s() of a must-not-sleep refcount class sleeps at %pS",
		 ltd_rc_sym(cls), (void *)ip);
	snprintf(r.object, sizeof(r.object),
		 "The class %s was declared must-not-sleep; its puts may come from atomic context",
		 cls->name);
	ltd_save_stack(&r.stacks[0], "Sleeps", 0, GFP_NOWAIT);
	ltd_report(&r);
}

/* === Lockdep, once per (class, held-lock chain) === */

/*
 * The (class, subclass, chain key) pairs this CPU already gave lockdep, set
 * associative. Lockdep learns nothing new from a class acquired again under
 * the same held-lock chain: its dependencies are those of the chain. Entries
 * of an older epoch are stale: lock classes went away with a module and
 * their indices, which chain keys hash, may be reused.
 */
#define LTD_RC_CHAIN_SETS	16
#define LTD_RC_CHAIN_WAYS	4

struct ltd_rc_chain {
	u64 chain;
	u32 id;
	u32 epoch;
};

static DEFINE_PER_CPU(struct ltd_rc_chain, ltd_rc_chains[LTD_RC_CHAIN_SETS][LTD_RC_CHAIN_WAYS]);
u32 ltd_rc_epoch __read_mostly = 1;

/*
 * Was @cls at @subclass already modelled under current's held locks, as a
 * put (might_lock()) or, @held, held across a release? Notes it if not: the
 * caller then feeds lockdep. Process context only (see ltd_rc_model()):
 * interrupts do not model, so disabling preemption is enough.
 */
static bool ltd_rc_chain_seen(struct ltd_rc_class *cls, int subclass, bool held)
{
	u64 chain = current->curr_chain_key;
	u32 id = ((u32)(cls - ltd_rc_pool) << 3 | subclass << 1 | held) + 1;
	u32 epoch = READ_ONCE(ltd_rc_epoch);
	struct ltd_rc_chain *set;
	bool seen = false;
	int i;

	preempt_disable_notrace();
	set = *this_cpu_ptr(&ltd_rc_chains[hash_64(chain ^ id, ilog2(LTD_RC_CHAIN_SETS))]);
	for (i = 0; i < LTD_RC_CHAIN_WAYS; i++) {
		if (set[i].chain == chain && set[i].id == id && set[i].epoch == epoch) {
			seen = true;
			break;
		}
	}
	if (!seen) {
		/* Newest first; the oldest way goes. */
		memmove(&set[1], &set[0], (LTD_RC_CHAIN_WAYS - 1) * sizeof(*set));
		set[0].chain = chain;
		set[0].id = id;
		set[0].epoch = epoch;
	}
	preempt_enable_notrace();
	return seen;
}

/* === Hooks === */

static int ltd_rc_depth(void)
{
	struct ltd_rc_class *held[LTD_RC_MAX_NEST];

	if (!current->lockdep_depth)
		return 0;
	return min(ltd_rc_held(held, LTD_RC_MAX_NEST), LTD_RC_MAX_NEST);
}

/* The site is known: looked at before, or too many sites already. */
static bool ltd_rc_site_seen(struct ltd_rc_class *cls, unsigned long ip)
{
	/* Pairs with the release in ltd_rc_atomic_put(): entries below n are set. */
	unsigned int i, n = smp_load_acquire(&cls->nr_seen);

	for (i = 0; i < n; i++)
		if (READ_ONCE(cls->seen[i]) == ip)
			return true;
	return n >= LTD_RC_SEEN;	/* too many sites: keep the first ones */
}

/* A new atomic put site of @cls: report it now, or keep it for later. */
static noinline void ltd_rc_atomic_new_site(struct ltd_rc_class *cls, unsigned long ip)
{
	struct ltd_rc_put put = { .site = ip }, *pending = NULL;
	bool report_now = false;
	unsigned long flags;
	char buf[48];

	strscpy(put.why, ltd_atomic_why(buf, sizeof(buf)) ?: "in atomic context",
		sizeof(put.why));
	ltd_save_stack(&put.stack, "Put", 0, GFP_NOWAIT);
	/* The first frame outside kobject_put()/put_device(), if saved. */
	put.site = ltd_stack_first(put.stack.handle) ?: ip;
	/* Room to keep it until the class learns it sleeps: made on demand. */
	if (!READ_ONCE(cls->may_sleep) && !READ_ONCE(cls->atomic)) {
		pending = kcalloc(LTD_RC_ATOMIC_PUTS, sizeof(*pending),
				  GFP_NOWAIT | __GFP_NOWARN);
		if (pending)
			ltd_meta_account(ksize(pending));
	}

	raw_spin_lock_irqsave(&ltd_rc_lock, flags);
	if (cls->may_sleep) {
		report_now = true;
	} else {
		if (!cls->atomic) {
			cls->atomic = pending;
			pending = NULL;
		}
		if (!cls->atomic)
			ltd_degraded(LTD_DEGRADED_NOMEM);	/* no retroactive report */
		else if (cls->nr_atomic < LTD_RC_ATOMIC_PUTS)
			cls->atomic[cls->nr_atomic++] = put;
	}
	raw_spin_unlock_irqrestore(&ltd_rc_lock, flags);
	if (pending) {
		ltd_meta_account(-(long)ksize(pending));
		kfree(pending);
	}
	if (report_now)
		ltd_rc_report_sleeping_put(cls, &put, false);
}

/*
 * An atomic put. Each put site of a class is looked at once: its stack is
 * saved and it is reported now if the class sleeps, or kept for a
 * retroactive report when the class learns that it does. A site seen
 * before costs a few loads: no lock.
 */
static void ltd_rc_atomic_put(struct ltd_rc_class *cls, unsigned long ip)
{
	unsigned long flags;
	bool seen;

	atomic_long_inc(&cls->atomic_puts);
	ltd_rc_count(LTD_RC_STAT_ATOMIC_PUTS);
	if (ltd_rc_site_seen(cls, ip))
		return;

	raw_spin_lock_irqsave(&ltd_rc_lock, flags);
	seen = ltd_rc_site_seen(cls, ip);
	if (!seen) {
		WRITE_ONCE(cls->seen[cls->nr_seen], ip);
		/* The entry before the count: read locklessly by ltd_rc_site_seen(). */
		smp_store_release(&cls->nr_seen, cls->nr_seen + 1);
	}
	raw_spin_unlock_irqrestore(&ltd_rc_lock, flags);
	if (!seen)
		ltd_rc_atomic_new_site(cls, ip);
}

/* Count a put of @cls at @ip and check its context: every put, kref or bare. */
static void ltd_rc_put_seen(struct ltd_rc_class *cls, unsigned long ip)
{
	atomic_long_inc(&cls->puts);
	ltd_rc_count(LTD_RC_STAT_PUTS);
	if (ltd_rc_in_atomic())
		ltd_rc_atomic_put(cls, ip);
}

static void ltd_rc_put_common(struct lifetime_debug_put *p, struct ltd_rc_class *cls,
			      unsigned long ip)
{
	p->class = cls;
	p->ip = ip;
	/* The fallback class mixes types: modelling it would invent cycles. */
	p->modelled = cls != ltd_rc_fallback && ltd_rc_model();
	p->subclass = ltd_rc_depth();
	/* might_lock(class): order against everything held now, once per chain. */
	if (p->modelled && !ltd_rc_chain_seen(cls, p->subclass, false)) {
		lock_acquire(&cls->map, p->subclass, 0, 0, 1, NULL, ip);
		lock_release(&cls->map, ip);
	}
	ltd_rc_put_seen(cls, ip);
}

/* Enabled without a pool (switched on at run time): make it in a work. */
static void ltd_rc_pool_workfn(struct work_struct *work)
{
	if (lifetime_debug_enabled())
		ltd_rc_enable();
}

static DECLARE_WORK(ltd_rc_pool_work, ltd_rc_pool_workfn);

static void ltd_rc_pool_irq_workfn(struct irq_work *work)
{
	schedule_work(&ltd_rc_pool_work);
}

static DEFINE_IRQ_WORK(ltd_rc_pool_irq_work, ltd_rc_pool_irq_workfn);

/* The pool, or NULL: then puts are not looked at until a work makes it. */
static __always_inline struct ltd_rc_class *ltd_rc_pool_get(void)
{
	/* Pairs with ltd_rc_enable(): the fallback class is set up. */
	struct ltd_rc_class *pool = smp_load_acquire(&ltd_rc_pool);

	if (unlikely(!pool) && !READ_ONCE(ltd_rc_nomem))
		irq_work_queue(&ltd_rc_pool_irq_work);	/* any context but NMI */
	return pool;
}

/**
 * __lifetime_debug_put() - a refcount of type @key is being put
 * @p:		per-put state, on the caller's stack
 * @key:	the release function, or the call site for bare refcounts
 * @ip:		the put site
 *
 * Context: any context.
 */
void __lifetime_debug_put(struct lifetime_debug_put *p, const void *key, unsigned long ip)
{
	p->class = NULL;
	/* NMIs could interrupt ltd_rc_lock's holder: not tracked. */
	if (!key || in_nmi() || !ltd_sampled(&ltd_sample_left) || !ltd_rc_pool_get())
		return;
	ltd_rc_put_common(p, ltd_rc_class_get(key), ip);
}
EXPORT_SYMBOL(__lifetime_debug_put);

void *ltd_device_release __ro_after_init;	/* drivers/base device_release */

/* kobject puts are keyed by what really releases: the ktype or device release. */
static const void *ltd_kobject_key(struct kobject *kobj)
{
	const struct kobj_type *t = kobj->ktype;
	struct device *dev;

	if (!t || !t->release)
		return NULL;
	if (t->release != ltd_device_release || !ltd_device_release)
		return t->release;
	/* Mirrors device_release(). */
	dev = container_of(kobj, struct device, kobj);
	if (dev->release)
		return dev->release;
	if (dev->type && dev->type->release)
		return dev->type->release;
	if (dev->class && dev->class->dev_release)
		return dev->class->dev_release;
	return t->release;
}

/**
 * __lifetime_debug_kobject_put() - kobject_put() of @kobj
 * @p:		per-put state, on the caller's stack
 * @kobj:	the kobject
 * @ip:		the put site
 *
 * Context: any context.
 */
void __lifetime_debug_kobject_put(struct lifetime_debug_put *p, struct kobject *kobj,
				  unsigned long ip)
{
	__lifetime_debug_put(p, ltd_kobject_key(kobj), ip);
}
EXPORT_SYMBOL(__lifetime_debug_kobject_put);

/**
 * __lifetime_debug_release_begin() - the put was final, the release starts
 * @p: the state __lifetime_debug_put() filled in
 *
 * Holds the class map while the release runs, so that might_sleep() inside
 * it finds the class. Lockdep validates the hold (the release's locks are
 * ordered after the class) the first time the class is held under this
 * held-lock chain; later holds are not validated, which lockdep skips
 * over: locks the release takes still order after the locks held below.
 * A class known to sleep, held before under this chain, is not held at
 * all (nothing left to learn), unless it is must-not-sleep or a file
 * reaches memory (the free check asks which release runs).
 */
void __lifetime_debug_release_begin(struct lifetime_debug_put *p)
{
	struct ltd_rc_class *cls = p->class;
	bool check = p->modelled && debug_locks && !ltd_rc_chain_seen(cls, p->subclass, true);

	if (!check && READ_ONCE(cls->may_sleep) && !READ_ONCE(cls->nosleep) &&
	    !READ_ONCE(lifetime_debug_nr_reach)) {
		p->class = NULL;	/* no __lifetime_debug_release_end() */
		return;
	}
	lock_acquire(&cls->map, p->subclass, 0, 0, check, NULL, p->ip);
}
EXPORT_SYMBOL(__lifetime_debug_release_begin);

/**
 * __lifetime_debug_release_end() - the release returned
 * @p: the state __lifetime_debug_put() filled in
 */
void __lifetime_debug_release_end(struct lifetime_debug_put *p)
{
	lock_release(&((struct ltd_rc_class *)p->class)->map, p->ip);
}
EXPORT_SYMBOL(__lifetime_debug_release_end);

/* === Learning that a class sleeps === */

/* Teach @cls that its release sleeps (at @ip); report its earlier atomic puts. */
static void ltd_rc_learn(struct ltd_rc_class *cls, unsigned long ip)
{
	struct ltd_report_stack s;
	struct ltd_rc_put *pending;
	unsigned long flags;
	bool learnt = false;
	int j, npending = 0;

	if (READ_ONCE(cls->may_sleep) || cls == ltd_rc_fallback)
		return;
	raw_spin_lock_irqsave(&ltd_rc_lock, flags);
	if (!cls->may_sleep) {
		cls->may_sleep = true;
		cls->sleep_site = ip;
		learnt = true;
	}
	raw_spin_unlock_irqrestore(&ltd_rc_lock, flags);
	if (!learnt)
		return;
	ltd_save_stack(&s, "Release sleeps, first seen", 0, GFP_NOWAIT);
	ltd_rc_count(LTD_RC_STAT_LEARNT_SLEEP);

	/* Retroactive: atomic puts seen before the class learnt it sleeps. */
	raw_spin_lock_irqsave(&ltd_rc_lock, flags);
	cls->sleep.handle = s.handle;
	cls->sleep.pid = s.pid;
	cls->sleep.cpu = s.cpu;
	cls->sleep.ts_nsec = s.ts_nsec;
	memcpy(cls->sleep.comm, s.comm, sizeof(cls->sleep.comm));
	pending = cls->atomic;
	if (pending)
		npending = cls->nr_atomic;
	cls->atomic = NULL;
	cls->nr_atomic = 0;
	raw_spin_unlock_irqrestore(&ltd_rc_lock, flags);
	for (j = 0; j < npending; j++)
		ltd_rc_report_sleeping_put(cls, &pending[j], true);
	if (pending) {
		ltd_meta_account(-(long)ksize(pending));
		kfree(pending);
	}
}

/*
 * A bare refcount_dec_and_test() has no release function: its "release" is
 * what the calling function does after the final decrement. The last final
 * decrement on each CPU is remembered; a might_sleep() while the function
 * holding that call site is still on the stack teaches the site's class.
 */
struct ltd_rc_pending {
	struct task_struct *task;
	struct ltd_rc_class *cls;
};

static DEFINE_PER_CPU(struct ltd_rc_pending, ltd_rc_pending);

static bool ltd_rc_site_on_stack(unsigned long site)
{
	unsigned long entries[32], size, offset, start;
	unsigned int nr, i;

	if (!kallsyms_lookup_size_offset(site, &size, &offset))
		return false;
	start = site - offset;
	nr = stack_trace_save(entries, ARRAY_SIZE(entries), 0);
	for (i = 0; i < nr; i++)
		if (entries[i] >= start && entries[i] < start + size)
			return true;
	return false;
}

/**
 * __lifetime_debug_refcount_dec() - a bare refcount_dec_and_test()
 * @final:	the count reached zero
 * @ip:		the call site, which is the refcount's class
 *
 * Context: any context.
 */
void __lifetime_debug_refcount_dec(bool final, unsigned long ip)
{
	struct ltd_rc_pending *pend;
	struct ltd_rc_class *cls;

	if (in_nmi() || !ltd_sampled(&ltd_sample_left) || !ltd_rc_pool_get())
		return;
	cls = ltd_rc_class_get((void *)ip);
	ltd_rc_put_seen(cls, ip);
	/* A class known to sleep has nothing more to learn: no stack walk later. */
	if (final && cls != ltd_rc_fallback && !READ_ONCE(cls->may_sleep)) {
		pend = get_cpu_ptr(&ltd_rc_pending);
		pend->task = current;
		pend->cls = cls;
		put_cpu_ptr(&ltd_rc_pending);
	}
}
EXPORT_SYMBOL(__lifetime_debug_refcount_dec);

/**
 * __lifetime_debug_might_sleep() - current may sleep here
 * @ip: where (might_sleep() call site)
 *
 * Teaches every class whose release is running that it can sleep, and
 * reports the atomic puts of those classes seen so far.
 *
 * Context: called from __might_sleep(), any context.
 */
void __lifetime_debug_might_sleep(unsigned long ip)
{
	struct ltd_rc_class *held[LTD_RC_MAX_NEST];
	struct ltd_rc_pending *pend;
	struct ltd_rc_class *cls;
	int n, i;

	if (!READ_ONCE(ltd_rc_pool) || in_nmi())
		return;
	/* Releases running are found through lockdep's held locks. */
	n = 0;
	if (!debug_locks)
		ltd_degraded(LTD_DEGRADED_LOCKDEP_OFF);
	else if (current->lockdep_depth)
		n = ltd_rc_held(held, ARRAY_SIZE(held));
	for (i = 0; i < n; i++) {
		if (held[i]->nosleep)
			ltd_rc_report_nosleep(held[i], ip);
		ltd_rc_learn(held[i], ip);
	}

	/* After a final bare refcount_dec_and_test(): is its caller still running? */
	pend = raw_cpu_ptr(&ltd_rc_pending);
	if (READ_ONCE(pend->task) != current)
		return;
	cls = READ_ONCE(pend->cls);
	WRITE_ONCE(pend->cls, NULL);
	if (cls && !READ_ONCE(cls->may_sleep) &&
	    ltd_rc_site_on_stack((unsigned long)cls->key))
		ltd_rc_learn(cls, ip);
}
EXPORT_SYMBOL(__lifetime_debug_might_sleep);
