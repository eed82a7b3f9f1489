// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime sanitizer: lockdep classes for refcounts and sleeping final puts.
 *
 * Every refcount type (keyed by its release function) gets a lockdep class.
 * Each put acts as might_lock(class); a final put holds the class map while
 * the release runs, so lockdep sees "put under L, release takes L" cycles.
 * A class learns that its release can sleep from might_sleep() inside it;
 * puts of such a class from atomic context are reported, also retroactively.
 */

#define pr_fmt(fmt) "lifetime_debug: " fmt

#include <linux/debug_locks.h>
#include <linux/hash.h>
#include <linux/kallsyms.h>
#include <linux/kobject.h>
#include <linux/device.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/preempt.h>
#include <linux/rculist.h>
#include <linux/sched/clock.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/stacktrace.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <kunit/visibility.h>

#include "lifetime_debug.h"

#ifdef MODULE_PARAM_PREFIX
#undef MODULE_PARAM_PREFIX
#endif
#define MODULE_PARAM_PREFIX "lifetime_debug."

/* === Classes === */

#define LTD_RC_HASH_BITS	10
#define LTD_RC_SEEN		6	/* atomic put sites looked at per class */
#define LTD_RC_ATOMIC_PUTS	LTD_RC_SEEN	/* each kept for a retroactive report */
#define LTD_RC_MAX_NEST		3	/* subclasses 0..3: a class costs <= 4 lockdep classes */
static_assert(LTD_RC_MAX_NEST < MAX_LOCKDEP_SUBCLASSES);

/* One atomic put, kept until the class learns whether its release sleeps. */
struct ltd_rc_put {
	unsigned long site;
	char why[48];
	struct ltd_report_stack stack;
};

/**
 * struct ltd_rc_class - a refcount type
 * @node:	in ltd_rc_hash, RCU; changed under ltd_rc_lock
 * @key:	the release function (or call site) this class stands for
 * @lock_key:	registered with lockdep_register_key()
 * @map:	the class map: acquired by puts, held across the release
 * @name:	"refcount:<release symbol>", the lockdep class name
 * @sym:	the symbol part of @name
 * @puts:	puts seen
 * @last_chain:	lockdep chain key (and subclass) of the last modelled put
 * @atomic_puts: puts seen in atomic context
 * @may_sleep:	the release called might_sleep(); under ltd_rc_lock
 * @in_use:	the pool slot holds a class; cleared after unregistration
 * @nosleep:	declared must-not-sleep; under ltd_rc_lock
 * @sleep:	where the release first slept; under ltd_rc_lock
 * @sleep_site:	the might_sleep() caller seen first; under ltd_rc_lock
 * @nr_seen:	valid entries of @seen; under ltd_rc_lock
 * @seen:	atomic put sites already looked at; under ltd_rc_lock
 * @nr_atomic:	valid entries of @atomic; under ltd_rc_lock
 * @atomic:	atomic puts not yet reported; under ltd_rc_lock
 */
struct ltd_rc_class {
	struct hlist_node node;
	const void *key;
	struct lock_class_key lock_key;
	struct lockdep_map map;
	char name[KSYM_NAME_LEN + 16];
	const char *sym;
	atomic_long_t puts;
	atomic_long_t atomic_puts;
	u64 last_chain;
	bool may_sleep;
	bool nosleep;
	bool in_use;
	struct ltd_report_stack sleep;
	unsigned long sleep_site;
	unsigned int nr_seen;
	unsigned long seen[LTD_RC_SEEN];
	unsigned int nr_atomic;
	struct ltd_rc_put atomic[LTD_RC_ATOMIC_PUTS];
};

static unsigned int ltd_rc_budget __ro_after_init = CONFIG_LIFETIME_DEBUG_REFCOUNT_CLASSES;

static int ltd_rc_param_set_budget(const char *val, const struct kernel_param *kp)
{
	unsigned int n;

	/* Each key may use LTD_RC_MAX_NEST + 1 lockdep classes: stay at half of them. */
	if (!val || kstrtouint(val, 0, &n) || n < 16 ||
	    n > MAX_LOCKDEP_KEYS / 2 / (LTD_RC_MAX_NEST + 1))
		return -EINVAL;
	*(unsigned int *)kp->arg = n;
	return 0;
}

static const struct kernel_param_ops ltd_rc_budget_ops = {
	.set = ltd_rc_param_set_budget,
	.get = param_get_uint,
};
module_param_cb(refcount_classes, &ltd_rc_budget_ops, &ltd_rc_budget, 0444);
MODULE_PARM_DESC(refcount_classes, "Lockdep classes for refcount types, fallback included");

/* The pool is allocated once: a class map is recognised by its address. */
static struct ltd_rc_class *ltd_rc_pool __ro_after_init;
static struct ltd_rc_class *ltd_rc_fallback __ro_after_init;
static DEFINE_RAW_SPINLOCK(ltd_rc_lock);	/* hash changes, class state */
static struct hlist_head ltd_rc_hash[1 << LTD_RC_HASH_BITS];
static unsigned int ltd_rc_next;		/* never-used pool slots start here */
static bool ltd_rc_full;		/* no free slot: use the fallback at once */
static atomic_long_t ltd_rc_stat[LTD_RC_STAT_COUNT];
static void *ltd_device_release __ro_after_init;	/* drivers/base device_release */

static inline void ltd_rc_count(enum ltd_rc_stat s)
{
	atomic_long_inc(&ltd_rc_stat[s]);
}

unsigned long ltd_rc_stat_read(enum ltd_rc_stat s)
{
	return atomic_long_read(&ltd_rc_stat[s]);
}

static bool ltd_rc_is_class_map(const struct lockdep_map *map)
{
	const struct ltd_rc_class *end = ltd_rc_pool + ltd_rc_budget;

	return ltd_rc_pool && (void *)map >= (void *)ltd_rc_pool && (void *)map < (void *)end;
}

static struct ltd_rc_class *ltd_rc_from_map(struct lockdep_map *map)
{
	return container_of(map, struct ltd_rc_class, map);
}

static struct ltd_rc_class *ltd_rc_lookup(const void *key)
{
	struct hlist_head *head = &ltd_rc_hash[hash_ptr((void *)key, LTD_RC_HASH_BITS)];
	struct ltd_rc_class *cls;

	hlist_for_each_entry_rcu(cls, head, node, true) {
		if (cls->key == key)
			return cls;
	}
	return NULL;
}

/* "refcount:<symbol>", without the module suffix %ps would add. */
static void ltd_rc_init_class(struct ltd_rc_class *cls, const void *key, const char *sym)
{
	char buf[KSYM_NAME_LEN];

	memset(cls, 0, sizeof(*cls));
	cls->key = key;
	cls->in_use = true;
	if (!sym) {
		unsigned long size, offset;

		/* A release function, or a call site (bare refcounts): "func+0x1c". */
		if (lookup_symbol_name((unsigned long)key, buf))
			snprintf(buf, sizeof(buf), "%pS", key);
		else if (kallsyms_lookup_size_offset((unsigned long)key, &size, &offset) &&
			 offset)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "+%#lx", offset);
		sym = buf;
	}
	snprintf(cls->name, sizeof(cls->name), "refcount:%s", sym);
	cls->sym = cls->name + strlen("refcount:");
	lockdep_register_key(&cls->lock_key);
	lockdep_init_map(&cls->map, cls->name, &cls->lock_key, 0);
}

/* Find or make the class for @key; the fallback class when over budget. */
static struct ltd_rc_class *ltd_rc_class_get(const void *key)
{
	struct ltd_rc_class *cls;
	unsigned long flags;
	unsigned int i;

	/*
	 * Classes are unlinked with hlist_del_rcu() and reused only after
	 * synchronize_rcu(), which also waits for preemption-disabled
	 * sections: cheaper here than rcu_read_lock() and its lockdep map.
	 */
	preempt_disable_notrace();
	cls = ltd_rc_lookup(key);
	preempt_enable_notrace();
	if (cls)
		return cls;

	if (READ_ONCE(ltd_rc_full))
		goto fallback;
	raw_spin_lock_irqsave(&ltd_rc_lock, flags);
	cls = ltd_rc_lookup(key);
	if (cls)
		goto out;
	/* Slot 0 is the fallback; reuse slots freed by module unload first. */
	for (i = 1; i < ltd_rc_next; i++)
		if (!ltd_rc_pool[i].in_use)
			break;
	if (i == ltd_rc_next && ltd_rc_next < ltd_rc_budget)
		ltd_rc_next++;
	if (i >= ltd_rc_budget) {
		/* No slot scans until a module unload frees one. */
		WRITE_ONCE(ltd_rc_full, true);
		raw_spin_unlock_irqrestore(&ltd_rc_lock, flags);
		goto fallback;
	}
	cls = &ltd_rc_pool[i];
	ltd_rc_init_class(cls, key, NULL);
	hlist_add_head_rcu(&cls->node, &ltd_rc_hash[hash_ptr((void *)key, LTD_RC_HASH_BITS)]);
	ltd_rc_count(LTD_RC_STAT_CLASSES);
out:
	raw_spin_unlock_irqrestore(&ltd_rc_lock, flags);
	return cls;
fallback:
	ltd_rc_count(LTD_RC_STAT_FALLBACK);
	ltd_degraded(LTD_DEGRADED_CLASS_BUDGET);
	return ltd_rc_fallback;
}

/* === Context === */

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

static void ltd_rc_report_sleeping_put(struct ltd_rc_class *cls, struct ltd_rc_put *put,
				       bool retro)
{
	/* Call-site classes (bare refcounts) are named "func+0x1c". */
	bool site = strchr(cls->sym, '+');
	struct ltd_report r = {
		.type = LTD_BUG_SLEEPING_FINAL_PUT,
		.site = put->site,
		.dedup = (unsigned long)cls->key,
	};

	snprintf(r.what, sizeof(r.what),
		 "Put of refcount class %s %s by task %s/%d%s",
		 cls->sym, put->why, put->stack.comm, put->stack.pid,
		 retro ? " (seen earlier)" : "");
	snprintf(r.object, sizeof(r.object),
		 "%s %s%s can sleep (%pS); a final put here would sleep in atomic context",
		 site ? "The code after the final put at" : "The release",
		 cls->sym, site ? "" : "()", (void *)cls->sleep_site);
	r.stacks[0] = put->stack;
	strscpy(r.stacks[0].title, "Put", sizeof(r.stacks[0].title));
	r.stacks[1] = cls->sleep;
	strscpy(r.stacks[1].title, "Release sleeps, first seen", sizeof(r.stacks[1].title));
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
		 cls->sym, (void *)ip);
	snprintf(r.object, sizeof(r.object),
		 "The class %s was declared must-not-sleep; its puts may come from atomic context",
		 cls->name);
	ltd_save_stack(&r.stacks[0], "Sleeps", 0, GFP_NOWAIT);
	ltd_report(&r);
}

/* === Hooks === */

static int ltd_rc_depth(void)
{
	struct ltd_rc_class *held[LTD_RC_MAX_NEST];

	return min(ltd_rc_held(held, LTD_RC_MAX_NEST), LTD_RC_MAX_NEST);
}

/*
 * An atomic put. Each put site of a class is looked at once: its stack is
 * saved and it is reported now if the class sleeps, or kept for a
 * retroactive report when the class learns that it does.
 */
static void ltd_rc_atomic_put(struct ltd_rc_class *cls, const char *why, unsigned long ip)
{
	struct ltd_rc_put put = { .site = ip };
	bool seen = false, report_now = false;
	unsigned long flags;
	unsigned int i;

	atomic_long_inc(&cls->atomic_puts);
	ltd_rc_count(LTD_RC_STAT_ATOMIC_PUTS);

	raw_spin_lock_irqsave(&ltd_rc_lock, flags);
	for (i = 0; i < cls->nr_seen; i++)
		if (cls->seen[i] == ip)
			seen = true;
	if (!seen) {
		if (cls->nr_seen < LTD_RC_SEEN)
			cls->seen[cls->nr_seen++] = ip;
		else
			seen = true;	/* too many sites: keep the first ones */
	}
	raw_spin_unlock_irqrestore(&ltd_rc_lock, flags);
	if (seen)
		return;

	strscpy(put.why, why, sizeof(put.why));
	ltd_save_stack(&put.stack, "Put", 0, GFP_NOWAIT);
	/* The first frame outside kobject_put()/put_device(), if saved. */
	put.site = ltd_stack_first(put.stack.handle) ?: ip;

	raw_spin_lock_irqsave(&ltd_rc_lock, flags);
	if (cls->may_sleep)
		report_now = true;
	else if (cls->nr_atomic < LTD_RC_ATOMIC_PUTS)
		cls->atomic[cls->nr_atomic++] = put;
	raw_spin_unlock_irqrestore(&ltd_rc_lock, flags);
	if (report_now)
		ltd_rc_report_sleeping_put(cls, &put, false);
}

/* Count a put of @cls at @ip and check its context: every put, kref or bare. */
static void ltd_rc_put_seen(struct ltd_rc_class *cls, unsigned long ip)
{
	const char *why;
	char buf[48];

	atomic_long_inc(&cls->puts);
	ltd_rc_count(LTD_RC_STAT_PUTS);
	why = ltd_atomic_why(buf, sizeof(buf));
	if (why)
		ltd_rc_atomic_put(cls, why, ip);
}

static void ltd_rc_put_common(struct lifetime_debug_put *p, struct ltd_rc_class *cls,
			      unsigned long ip)
{
	p->class = cls;
	p->ip = ip;
	/* The fallback class mixes types: modelling it would invent cycles. */
	p->modelled = cls != ltd_rc_fallback && ltd_rc_model();
	p->subclass = ltd_rc_depth();
	if (p->modelled) {
		/*
		 * might_lock(class): order against everything held now. The
		 * same held-lock chain as last time adds nothing new to
		 * lockdep's graph: skip it (hot loops put under one chain).
		 */
		u64 chain = current->curr_chain_key ^ p->subclass;

		if (READ_ONCE(cls->last_chain) != chain) {
			lock_acquire(&cls->map, p->subclass, 0, 0, 1, NULL, ip);
			lock_release(&cls->map, ip);
			WRITE_ONCE(cls->last_chain, chain);
		}
	}
	ltd_rc_put_seen(cls, ip);
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
	struct ltd_rc_class *cls;

	p->class = NULL;
	/* NMIs could interrupt ltd_rc_lock's holder: not tracked. */
	if (!key || !ltd_rc_pool || in_nmi())
		return;
	cls = ltd_rc_class_get(key);
	ltd_rc_put_common(p, cls, ip);
}
EXPORT_SYMBOL(__lifetime_debug_put);

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
 */
void __lifetime_debug_release_begin(struct lifetime_debug_put *p)
{
	struct ltd_rc_class *cls = p->class;

	/* Held without checks where modelling is off, so might_sleep() finds it. */
	lock_acquire(&cls->map, p->subclass, 0, 0, p->modelled && debug_locks, NULL, p->ip);
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
	struct ltd_rc_put *pending;
	unsigned long flags;
	bool learnt = false;
	int j, npending;

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
	ltd_save_stack(&cls->sleep, "Release sleeps, first seen", 0, GFP_NOWAIT);
	ltd_rc_count(LTD_RC_STAT_LEARNT_SLEEP);

	/* Retroactive: atomic puts seen before the class learnt it sleeps. */
	pending = kmalloc_array(LTD_RC_ATOMIC_PUTS, sizeof(*pending),
				GFP_NOWAIT | __GFP_NOWARN);
	if (!pending) {
		ltd_degraded(LTD_DEGRADED_NOMEM);
		return;
	}
	raw_spin_lock_irqsave(&ltd_rc_lock, flags);
	npending = cls->nr_atomic;
	memcpy(pending, cls->atomic, npending * sizeof(*pending));
	cls->nr_atomic = 0;
	raw_spin_unlock_irqrestore(&ltd_rc_lock, flags);
	for (j = 0; j < npending; j++)
		ltd_rc_report_sleeping_put(cls, &pending[j], true);
	kfree(pending);
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

	if (!ltd_rc_pool || in_nmi())
		return;
	cls = ltd_rc_class_get((void *)ip);
	ltd_rc_put_seen(cls, ip);
	if (final && cls != ltd_rc_fallback) {
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

	if (!ltd_rc_pool || in_nmi())
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
	if (cls && ltd_rc_site_on_stack((unsigned long)cls->key))
		ltd_rc_learn(cls, ip);
}
EXPORT_SYMBOL(__lifetime_debug_might_sleep);

/**
 * lifetime_debug_refcount_nosleep() - declare a release that must not sleep
 * @release: the release function (the refcount class key)
 *
 * Puts of such refcounts may come from atomic context ("ArcAtomic"); if the
 * release sleeps anyway, that is reported.
 *
 * Context: any context.
 * Return: 0, -EINVAL for NULL, -ENOSPC if the class cannot be allocated.
 */
int lifetime_debug_refcount_nosleep(const void *release)
{
	return ltd_rc_set_nosleep(release, true);
}
EXPORT_SYMBOL_GPL(lifetime_debug_refcount_nosleep);

/**
 * ltd_rc_set_nosleep() - set or clear a class's must-not-sleep flag
 * @release:	the release function (the refcount class key)
 * @on:		the new flag
 *
 * Context: any context.
 * Return: 0, -EINVAL for NULL, -ENOSPC if the class cannot be allocated.
 */
int ltd_rc_set_nosleep(const void *release, bool on)
{
	struct ltd_rc_class *cls;

	if (!release)
		return -EINVAL;
	if (!ltd_rc_pool)
		return -ENOSPC;
	cls = ltd_rc_class_get(release);
	if (cls == ltd_rc_fallback)
		return -ENOSPC;
	WRITE_ONCE(cls->nosleep, on);
	return 0;
}

/* === Module unload === */

static int ltd_rc_module_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	struct module *mod = data;
	struct ltd_rc_class *gone[16];
	unsigned long flags;
	unsigned int i, n;

	if (action != MODULE_STATE_GOING || !ltd_rc_pool)
		return NOTIFY_DONE;
	do {
		n = 0;
		raw_spin_lock_irqsave(&ltd_rc_lock, flags);
		for (i = 1; i < ltd_rc_next && n < ARRAY_SIZE(gone); i++) {
			struct ltd_rc_class *cls = &ltd_rc_pool[i];

			if (cls->in_use && cls->key &&
			    within_module((unsigned long)cls->key, mod)) {
				hlist_del_rcu(&cls->node);
				cls->key = NULL;	/* not reusable until unregistered */
				gone[n++] = cls;
			}
		}
		raw_spin_unlock_irqrestore(&ltd_rc_lock, flags);
		synchronize_rcu();
		for (i = 0; i < n; i++) {
			/* Sleeps; also zaps the class and its dependencies. */
			lockdep_unregister_key(&gone[i]->lock_key);
			ltd_rc_count(LTD_RC_STAT_UNREGISTERED);
			WRITE_ONCE(gone[i]->in_use, false);
			WRITE_ONCE(ltd_rc_full, false);
		}
	} while (n == ARRAY_SIZE(gone));
	return NOTIFY_OK;
}

static struct notifier_block ltd_rc_module_nb = {
	.notifier_call = ltd_rc_module_notify,
	.priority = -1,	/* after the others, when the module is gone */
};

/* === debugfs listing === */

/**
 * ltd_rc_show_classes() - one line per refcount class, for debugfs
 * @seq: the file
 */
void ltd_rc_show_classes(struct seq_file *seq)
{
	unsigned int i;

	seq_printf(seq, "%-40s %10s %10s %5s %7s  %s\n",
		   "class", "puts", "atomic", "sleep", "nosleep", "sleeps at");
	for (i = 0; i < READ_ONCE(ltd_rc_next); i++) {
		struct ltd_rc_class *cls = &ltd_rc_pool[i];

		if (!READ_ONCE(cls->in_use))
			continue;
		seq_printf(seq, "%-40s %10ld %10ld %5d %7d  %pS\n", cls->name,
			   atomic_long_read(&cls->puts), atomic_long_read(&cls->atomic_puts),
			   READ_ONCE(cls->may_sleep), READ_ONCE(cls->nosleep),
			   (void *)READ_ONCE(cls->sleep_site));
	}
}

/* === Init === */

int __init ltd_rc_init(void)
{
	ltd_rc_pool = vzalloc(array_size(ltd_rc_budget, sizeof(*ltd_rc_pool)));
	if (!ltd_rc_pool) {
		ltd_degraded(LTD_DEGRADED_NOMEM);
		return -ENOMEM;
	}
	ltd_rc_fallback = &ltd_rc_pool[0];
	ltd_rc_init_class(ltd_rc_fallback, ltd_rc_fallback, "fallback");
	ltd_rc_next = 1;
	ltd_device_release = (void *)kallsyms_lookup_name("device_release");
	register_module_notifier(&ltd_rc_module_nb);
	pr_info("refcount classes: budget %u (lockdep keys %lu)\n", ltd_rc_budget,
		(unsigned long)MAX_LOCKDEP_KEYS);
	return 0;
}
