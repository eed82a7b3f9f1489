// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime sanitizer domains: devres tagging, access classification,
 * teardown windows and their reports, the use-after-free story.
 *
 * Tagged memory carries a KASAN shadow marker, so every access to it ends
 * in kasan_report() and then here. An access is owner-bound when the task
 * holds the owning device's lock (probe, remove, PM) or runs the domain's
 * teardown; otherwise it is foreign and its guard set, the lockdep maps it
 * holds, is recorded once per (site, guard set). A teardown window records
 * every map the unbind path acquires or synchronizes with; at its end each
 * recorded access whose guards the teardown did not close is reported.
 */

#define pr_fmt(fmt) "lifetime_debug: " fmt

#include <linux/device.h>
#include <linux/device/driver.h>
#include <linux/hash.h>
#include <linux/kallsyms.h>
#include <linux/kasan.h>
#include <linux/kfence.h>
#include <linux/lifetime_debug_domain.h>
#include <linux/lockdep.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/rbtree.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <kunit/visibility.h>
#ifdef CONFIG_X86_64
#include <asm/stacktrace.h>
#endif

#include "lifetime_debug.h"

/* === State === */

#define LTD_DOMAIN_HASH_BITS	6
#define LTD_MAX_WINDOWS		8
#define LTD_ENDED_RING		64
/* A KASAN granule: bytes per shadow byte. */
#define LTD_GRANULE		BIT(KASAN_SHADOW_SCALE_SHIFT)
#define LTD_GRANULE_MASK	(LTD_GRANULE - 1)

/*
 * ltd_dom_lock protects every domain, tag, access record, window and the
 * ended ring. Accesses are classified in any context and from inside
 * lock_acquire(), so it is an arch spinlock taken with raw interrupts off:
 * invisible to lockdep, never held across a call out of this file.
 */
static arch_spinlock_t ltd_dom_lock = __ARCH_SPIN_LOCK_UNLOCKED;

static struct hlist_head ltd_domains[1 << LTD_DOMAIN_HASH_BITS];
static struct rb_root ltd_tags = RB_ROOT;		/* by start address */
static struct ltd_access ltd_access_pool[LTD_ACCESS_POOL];
static struct ltd_access *ltd_access_free;
static struct ltd_window ltd_windows[LTD_MAX_WINDOWS];
static struct ltd_ended ltd_ended[LTD_ENDED_RING];
static unsigned int ltd_ended_next;

/* Tasks in an owner-annotated callback (annotate.c), innermost last. */
#define LTD_MAX_OWNER_FRAMES	16
static struct {
	struct task_struct *task;
	const void *owner;		/* a domain owner, or NULL: every devres domain */
} ltd_owner_frames[LTD_MAX_OWNER_FRAMES];
static int ltd_nr_owner_frames;

/* Open teardown windows; lock_acquire() looks at it first. */
int lifetime_debug_nr_windows;
EXPORT_SYMBOL_GPL(lifetime_debug_nr_windows);

/* Set while this CPU classifies an access or prints: our own work is not seen. */
static DEFINE_PER_CPU(int, ltd_dom_busy);

/*
 * Bumped (under ltd_dom_lock) whenever a tag, domain, window, owner frame or
 * record goes away or the owner rule changes: a per-CPU cache entry of an
 * older generation is not used.
 */
static unsigned long ltd_gen = 1;

/**
 * struct ltd_access_cache - the last tagged object this CPU classified
 * @gen:	ltd_gen when filled, 0: empty
 * @start:	the object
 * @size:	its size
 * @dom:	its domain, compared only, never dereferenced
 * @owner:	the domain's owner (the struct device of a devres domain)
 * @kind:	the domain's kind
 * @section:	ures: its read-side section map
 * @site:	the last foreign access site already recorded
 * @hash:	its guard set hash
 * @nr_guards:	its guard count
 *
 * Used with ltd_dom_busy set (preemption and nested accesses excluded), so
 * it needs no lock: the fast path of a repeated access.
 */
struct ltd_access_cache {
	unsigned long gen;
	unsigned long start;
	size_t size;
	const struct ltd_domain *dom;
	const void *owner;
	enum ltd_domain_kind kind;
	const struct lockdep_map *section;
	unsigned long site;
	u32 hash;
	u8 nr_guards;
};

static DEFINE_PER_CPU(struct ltd_access_cache, ltd_access_cache);

atomic_long_t ltd_dom_stats[LTD_DOM_STAT_COUNT];

#if IS_ENABLED(CONFIG_KUNIT)
/* Failure injection for the KUnit suite: fail this many metadata allocations. */
atomic_t ltd_dom_fail_allocs;
EXPORT_SYMBOL_IF_KUNIT(ltd_dom_fail_allocs);
#endif

static void ltd_dom_stat(enum ltd_dom_stat s)
{
	atomic_long_inc(&ltd_dom_stats[s]);
}

static unsigned long ltd_lock(void)
{
	unsigned long flags;

	raw_local_irq_save(flags);
	arch_spin_lock(&ltd_dom_lock);
	return flags;
}

static void ltd_unlock(unsigned long flags)
{
	arch_spin_unlock(&ltd_dom_lock);
	raw_local_irq_restore(flags);
}

/* ltd_dom_lock held: drop every CPU's cached classification. */
static void ltd_gen_bump(void)
{
	WRITE_ONCE(ltd_gen, ltd_gen + 1);
}

static void *ltd_meta_alloc(size_t size)
{
#if IS_ENABLED(CONFIG_KUNIT)
	if (atomic_read(&ltd_dom_fail_allocs) > 0 &&
	    atomic_dec_return(&ltd_dom_fail_allocs) >= 0)
		return NULL;
#endif
	return kmalloc(size, GFP_NOWAIT | __GFP_NOWARN);
}

/* === Shadow === */

static unsigned long ltd_shadow_mem_start(void)
{
	return (KASAN_SHADOW_START - KASAN_SHADOW_OFFSET) << KASAN_SHADOW_SCALE_SHIFT;
}

static u8 *ltd_shadow(unsigned long addr)
{
	return (u8 *)kasan_mem_to_shadow((void *)addr);
}

static void ltd_shadow_mark(unsigned long start, size_t size)
{
	u8 *s = ltd_shadow(start);
	size_t full = size >> KASAN_SHADOW_SCALE_SHIFT;

	memset(s, LIFETIME_DEBUG_SHADOW, full);
	if (size & LTD_GRANULE_MASK)
		s[full] = LIFETIME_DEBUG_SHADOW | (size & LTD_GRANULE_MASK);
}

/* Back to what kmalloc left: devres rounds up to the bucket, all accessible. */
static void ltd_shadow_clear(unsigned long start, size_t size)
{
	memset(ltd_shadow(start), 0, DIV_ROUND_UP(size, LTD_GRANULE));
}

/* === Domains, tags, windows (ltd_dom_lock held) === */

static struct hlist_head *ltd_domain_bucket(const void *owner)
{
	return &ltd_domains[hash_ptr(owner, LTD_DOMAIN_HASH_BITS)];
}

static struct ltd_domain *ltd_domain_find(const void *owner)
{
	struct ltd_domain *d;

	hlist_for_each_entry(d, ltd_domain_bucket(owner), node)
		if (d->owner == owner)
			return d;
	return NULL;
}

static struct ltd_tag *ltd_tag_find(unsigned long addr)
{
	struct rb_node *n = ltd_tags.rb_node;

	while (n) {
		struct ltd_tag *t = rb_entry(n, struct ltd_tag, node);

		if (addr < t->start)
			n = n->rb_left;
		else if (addr >= t->start + t->size)
			n = n->rb_right;
		else
			return t;
	}
	return NULL;
}

static void ltd_tag_insert(struct ltd_tag *tag)
{
	struct rb_node **p = &ltd_tags.rb_node, *parent = NULL;

	while (*p) {
		struct ltd_tag *t = rb_entry(*p, struct ltd_tag, node);

		parent = *p;
		p = tag->start < t->start ? &(*p)->rb_left : &(*p)->rb_right;
	}
	rb_link_node(&tag->node, parent, p);
	rb_insert_color(&tag->node, &ltd_tags);
}

static struct ltd_window *ltd_window_find(struct task_struct *task,
					  const struct ltd_domain *dom)
{
	int i;

	for (i = 0; i < LTD_MAX_WINDOWS; i++)
		if (ltd_windows[i].task == task && ltd_windows[i].dom == dom)
			return &ltd_windows[i];
	return NULL;
}

static struct ltd_access *ltd_access_alloc(void)
{
	struct ltd_access *a;
	static bool initialized;
	int i;

	if (!initialized) {
		for (i = 0; i < LTD_ACCESS_POOL; i++) {
			ltd_access_pool[i].next = ltd_access_free;
			ltd_access_free = &ltd_access_pool[i];
		}
		initialized = true;
	}
	a = ltd_access_free;
	if (a)
		ltd_access_free = a->next;
	return a;
}

static void ltd_access_release(struct ltd_access *a)
{
	a->next = ltd_access_free;
	ltd_access_free = a;
}

/* Free a domain nothing refers to any more; returns it for kfree(). */
static struct ltd_domain *ltd_domain_maybe_unlink(struct ltd_domain *d)
{
	if (d->nr_tags || d->accesses || d->state != LTD_DOMAIN_LIVE)
		return NULL;
	hlist_del(&d->node);
	ltd_gen_bump();
	return d;
}

/* ltd_dom_lock held: memory reused for a tagged object has a new story. */
static void ltd_ended_forget(unsigned long start, size_t size)
{
	unsigned int i;

	for (i = 0; i < LTD_ENDED_RING; i++) {
		struct ltd_ended *e = &ltd_ended[i];

		if (e->valid && start < e->start + e->size && e->start < start + size)
			e->valid = false;
	}
}

/* === Tagging === */

static void ltd_tag_object(const void *owner, enum ltd_domain_kind kind,
			   const char *name, const char *driver,
			   const struct lockdep_map *section, void *data, size_t size)
{
	unsigned long start = (unsigned long)data, flags;
	struct ltd_domain *dom, *newdom = NULL;
	struct ltd_tag *tag, *old, *stale = NULL;

	if (!owner || !size || (start & LTD_GRANULE_MASK) ||
	    is_kfence_address(data) || start < ltd_shadow_mem_start()) {
		ltd_dom_stat(LTD_DOM_STAT_UNTAGGABLE);
		return;
	}
	tag = ltd_meta_alloc(sizeof(*tag));
	if (!tag)
		goto nomem;
	tag->start = start;
	tag->size = size;
	ltd_save_stack(&tag->alloc, "Allocated", 0, GFP_NOWAIT);

	flags = ltd_lock();
	dom = ltd_domain_find(owner);
	ltd_unlock(flags);
	if (!dom) {
		newdom = ltd_meta_alloc(sizeof(*newdom));
		if (!newdom) {
			kfree(tag);
			goto nomem;
		}
		memset(newdom, 0, sizeof(*newdom));
		newdom->owner = owner;
		newdom->kind = kind;
		newdom->section = section;
		strscpy(newdom->name, name ?: "(unnamed)", sizeof(newdom->name));
		strscpy(newdom->driver, driver ?: "(none)", sizeof(newdom->driver));
	}

	flags = ltd_lock();
	dom = ltd_domain_find(owner);
	if (!dom && newdom) {
		dom = newdom;
		newdom = NULL;
		hlist_add_head(&dom->node, ltd_domain_bucket(owner));
		ltd_dom_stat(LTD_DOM_STAT_DOMAINS);
	}
	/* A stale tag (memory freed behind our back) is dropped. */
	while ((old = ltd_tag_find(start)) || (old = ltd_tag_find(start + size - 1))) {
		rb_erase(&old->node, &ltd_tags);
		ltd_gen_bump();
		old->dom->nr_tags--;
		old->dom->bytes -= old->size;
		old->next_free = stale;
		stale = old;
		ltd_dom_stat(LTD_DOM_STAT_STALE);
	}
	tag->dom = dom;
	dom->nr_tags++;
	dom->bytes += size;
	ltd_tag_insert(tag);
	ltd_ended_forget(start, size);
	ltd_shadow_mark(start, size);
	ltd_unlock(flags);

	ltd_dom_stat(LTD_DOM_STAT_TAGS);
	while (stale) {
		old = stale;
		stale = old->next_free;
		kfree(old);
	}
	kfree(newdom);
	return;
nomem:
	ltd_dom_stat(LTD_DOM_STAT_NOMEM);
	ltd_degraded(LTD_DEGRADED_NOMEM);
}

/**
 * __lifetime_debug_devres_tag() - tag devres data with its device
 * @dev:	the owning device
 * @data:	the data of a struct devres
 * @size:	its requested size
 *
 * Records owner, size and allocation stack, and marks the shadow. Out of
 * metadata memory the object stays untagged (counted, said once).
 *
 * Context: any context.
 */
void __lifetime_debug_devres_tag(struct device *dev, void *data, size_t size)
{
	if (!dev)
		return;
	ltd_tag_object(dev, LTD_DOMAIN_DEVRES, dev_name(dev),
		       dev->driver ? dev->driver->name : NULL, NULL, data, size);
}

/**
 * __lifetime_debug_ures_tag() - tag memory owned by a ures instance
 * @owner:	the instance
 * @mem:	the memory (granule aligned)
 * @size:	its size
 * @name:	the instance's name
 * @section:	the lockdep map of its read-side sections
 *
 * Context: any context.
 */
void __lifetime_debug_ures_tag(const void *owner, void *mem, size_t size,
			       const char *name, const struct lockdep_map *section)
{
	ltd_tag_object(owner, LTD_DOMAIN_URES, name, NULL, section, mem, size);
}
EXPORT_SYMBOL_GPL(__lifetime_debug_ures_tag);

/**
 * __lifetime_debug_untag() - tagged memory leaves its domain
 * @data:	start of the memory
 * @size:	its size (the recorded size wins)
 * @how:	what freed it, kept for the use-after-free story
 *
 * Clears the marker (KASAN then poisons the memory as freed) and keeps the
 * object's domain story in a small ring.
 *
 * Context: any context.
 */
void __lifetime_debug_untag(const void *data, size_t size, const char *how)
{
	unsigned long start = (unsigned long)data, flags;
	struct ltd_domain *dom, *unlinked = NULL;
	struct ltd_window *w;
	struct ltd_ended *e;
	struct ltd_tag *tag;

	if (!start || (start & LTD_GRANULE_MASK) ||
	    start < ltd_shadow_mem_start() ||
	    !lifetime_debug_shadow_is_tag(*ltd_shadow(start)))
		return;

	flags = ltd_lock();
	tag = ltd_tag_find(start);
	if (!tag || tag->start != start) {
		/* Marked but unknown: clear the marker so KASAN stays right. */
		ltd_shadow_clear(start, size);
		ltd_unlock(flags);
		return;
	}
	rb_erase(&tag->node, &ltd_tags);
	ltd_gen_bump();
	dom = tag->dom;
	dom->nr_tags--;
	dom->bytes -= tag->size;
	ltd_shadow_clear(start, tag->size);

	e = &ltd_ended[ltd_ended_next++ % LTD_ENDED_RING];
	e->start = start;
	e->size = tag->size;
	strscpy(e->name, dom->name, sizeof(e->name));
	strscpy(e->driver, dom->driver, sizeof(e->driver));
	e->alloc = tag->alloc;
	e->kind = dom->kind;
	w = ltd_window_find(current, dom);
	if (w) {
		e->how = dom->kind == LTD_DOMAIN_URES ? "the final put" :
			 strcmp(dom->driver, "(none)") ? "driver unbind" : "device removal";
		e->teardown = dom->teardown;
	} else {
		e->how = how;
		memset(&e->teardown, 0, sizeof(e->teardown));
	}
	e->valid = true;
	unlinked = ltd_domain_maybe_unlink(dom);
	ltd_unlock(flags);

	ltd_dom_stat(LTD_DOM_STAT_UNTAGS);
	kfree(tag);
	kfree(unlinked);
}

/**
 * __lifetime_debug_untag_primitive() - a kernel primitive lives in tagged memory
 * @obj:	the primitive (an hrtimer, a tasklet, a NAPI instance)
 * @size:	its size
 *
 * The primitive's own code (its queues, its state) touches these bytes
 * from its own contexts; they are the primitive's business, and its
 * lifetime rule (cancel before free) is checked by the accesses its
 * callback makes to the rest of the object. The bytes lose the marker, so
 * they cost nothing and are never judged; KASAN still sees them freed.
 *
 * Context: any context. One shadow load for untagged memory.
 */
void __lifetime_debug_untag_primitive(const void *obj, size_t size)
{
	unsigned long start = (unsigned long)obj, end = start + size, flags, p;

	if (!start || start < ltd_shadow_mem_start() ||
	    !lifetime_debug_shadow_is_tag(*ltd_shadow(start & ~LTD_GRANULE_MASK)))
		return;
	flags = ltd_lock();
	/* Whole granules only: a neighbour's bytes in a shared one stay judged. */
	for (p = round_up(start, LTD_GRANULE); p + LTD_GRANULE <= end; p += LTD_GRANULE)
		if (lifetime_debug_shadow_is_tag(*ltd_shadow(p)))
			*ltd_shadow(p) = 0;
	ltd_unlock(flags);
}
EXPORT_SYMBOL_GPL(__lifetime_debug_untag_primitive);

/* === Guards and owners === */

static const char *ltd_context_name(void)
{
	if (in_hardirq())
		return "hardirq";
	if (in_serving_softirq())
		return "softirq";
	return "process";
}

/*
 * A held map on a stack is a copy (call_timer_fn(), process_one_work()):
 * only its key, the timer's or work item's class, identifies it.
 */
static bool ltd_on_stack(const void *p)
{
#ifdef CONFIG_X86_64
	struct stack_info info;
	unsigned long visit = 0;

	return !get_stack_info((unsigned long *)p, current, &info, &visit);
#else
	return object_is_on_stack(p);
#endif
}

/* Is @map held by the current task in the current interrupt context? */
static bool ltd_holds(const struct lockdep_map *map)
{
	unsigned int ctx = ltd_irq_context();
	int i;

	for (i = 0; i < current->lockdep_depth; i++) {
		struct held_lock *hl = current->held_locks + i;

		if (hl->irq_context == ctx && hl->instance == map)
			return true;
	}
	return false;
}

/*
 * devres: the device's own callbacks (device_lock held) and its teardown.
 * ures: its release, its read-side sections and any process context but a
 * workqueue worker (setup, and file operations, which the proxy runs in
 * sections); device-side code (interrupts, timers, work items) is foreign.
 */
static bool ltd_in_owner_frame(const void *owner)
{
	int i;

	for (i = 0; i < READ_ONCE(ltd_nr_owner_frames); i++)
		if (ltd_owner_frames[i].task == current &&
		    (!ltd_owner_frames[i].owner || ltd_owner_frames[i].owner == owner))
			return true;
	return false;
}

/*
 * The owner rule, from the domain's identity only (no dereference of @dom,
 * so that the per-CPU cache can use it without the lock).
 */
static bool ltd_owner_rule(const struct ltd_domain *dom, enum ltd_domain_kind kind,
			   const void *owner, const struct lockdep_map *section)
{
	const struct device *dev = owner;

	if (ltd_window_find(current, dom))
		return true;
	if (kind == LTD_DOMAIN_URES)
		return ltd_holds(section) ||
		       (in_task() && !(current->flags & PF_WQ_WORKER));
	if (READ_ONCE(ltd_nr_owner_frames) && ltd_in_owner_frame(owner))
		return true;
	/* Pointer arithmetic only: the device is not dereferenced. */
	return in_task() && ltd_holds(&dev->mutex.dep_map);
}

static bool ltd_is_owner(struct ltd_domain *dom)
{
	return ltd_owner_rule(dom, dom->kind, dom->owner, dom->section);
}

/* ltd_dom_lock held: remember @tag's classification on this CPU. */
static void ltd_cache_fill(struct ltd_access_cache *c, const struct ltd_tag *tag)
{
	c->gen = ltd_gen;
	c->start = tag->start;
	c->size = tag->size;
	c->dom = tag->dom;
	c->owner = tag->dom->owner;
	c->kind = tag->dom->kind;
	c->section = tag->dom->section;
	c->site = 0;
}

/**
 * ltd_guard_add() - add a guard to an access's guard set
 * @a:		the access
 * @instance:	the held map, or a context's object
 * @key:	its class key (the object itself for a context)
 * @name:	its name, for reports
 * @by_key:	a stack copy: the teardown closes it by @key
 *
 * Return: false when the set is full (counted in guard_sets_truncated).
 */
bool ltd_guard_add(struct ltd_access *a, const void *instance, const void *key,
		   const char *name, bool by_key)
{
	struct ltd_guard *g;

	if (a->nr_guards == LTD_MAX_GUARDS) {
		ltd_dom_stat(LTD_DOM_STAT_GUARDS_TRUNCATED);
		return false;
	}
	g = &a->guards[a->nr_guards++];
	g->instance = instance;
	g->key = key;
	g->name = name;
	g->by_key = by_key;
	g->closed = false;
	a->hash += hash_ptr(by_key ? key : instance, 32);
	return true;
}

static void ltd_collect_guards(struct ltd_access *a)
{
	unsigned int ctx = ltd_irq_context();
	int i;

	a->nr_guards = 0;
	a->hash = 0;
	for (i = current->lockdep_depth - 1; i >= 0; i--) {
		struct held_lock *hl = current->held_locks + i;
		struct lockdep_map *map = hl->instance;

		if (hl->irq_context != ctx)
			continue;
		if (!ltd_guard_add(a, map, map->key ? (const void *)map->key : (const void *)map,
				   map->name, ltd_on_stack(map)))
			break;
	}
	/* Lockless contexts: IRQ handlers, hrtimers, tasklets, NAPI, kthreads. */
	ltd_ctx_collect(a, ctx);
}

static bool ltd_access_seen(struct ltd_domain *dom, unsigned long site, u32 hash,
			    unsigned int nr_guards)
{
	struct ltd_access *a;

	for (a = dom->accesses; a; a = a->next)
		if (a->site == site && a->hash == hash && a->nr_guards == nr_guards)
			return true;
	return false;
}

/* Another site of the same function with the same guards was recorded. */
static bool ltd_access_func_seen(struct ltd_domain *dom, const struct ltd_access *c)
{
	struct ltd_access *a;

	for (a = dom->accesses; a; a = a->next)
		if (a->func == c->func && a->hash == c->hash &&
		    a->nr_guards == c->nr_guards)
			return true;
	return false;
}

static unsigned long ltd_func_of(unsigned long ip)
{
	unsigned long size, offset;

	if (!kallsyms_lookup_size_offset(ip, &size, &offset))
		return ip;
	return ip - offset;
}

/* Copy helpers: a report names their caller, the code that chose to copy. */
static bool ltd_copy_helper(unsigned long ip)
{
	static const char *const helpers[] = {
		"_copy_to_user", "_copy_from_user", "copy_to_user", "copy_from_user",
		"simple_read_from_buffer", "simple_write_to_buffer",
		"_copy_to_iter", "_copy_from_iter", "copy_page_to_iter",
		"memory_read_from_buffer", "sysfs_emit", "sysfs_emit_at",
		"vsnprintf", "vscnprintf", "scnprintf", "snprintf", "sprintf",
		"seq_printf", "seq_vprintf", "seq_write", "seq_puts",
		"string", "strscpy", "sized_strscpy", "strlen", "strnlen",
	};

	return ltd_kernel_sym_in(ip, helpers, ARRAY_SIZE(helpers), false);
}

/*
 * Copy helpers seen so far, as address ranges: an access inside one is
 * keyed by the helper's caller, so that two driver functions copying from
 * the same domain through copy_to_user() are two accesses, not one.
 */
#define LTD_HELPER_RANGES	16
static struct {
	unsigned long start;
	unsigned long end;
} ltd_helper_ranges[LTD_HELPER_RANGES];
static int ltd_nr_helper_ranges;

static bool ltd_in_helper(unsigned long ip)
{
	int i, n = READ_ONCE(ltd_nr_helper_ranges);

	for (i = 0; i < n; i++)
		if (ip - ltd_helper_ranges[i].start <
		    ltd_helper_ranges[i].end - ltd_helper_ranges[i].start)
			return true;
	return false;
}

static void ltd_add_helper(unsigned long start, unsigned long size)
{
	unsigned long flags;
	int i;

	flags = ltd_lock();
	for (i = 0; i < ltd_nr_helper_ranges; i++)
		if (ltd_helper_ranges[i].start == start)
			break;
	if (i == ltd_nr_helper_ranges && i < LTD_HELPER_RANGES) {
		ltd_helper_ranges[i].start = start;
		ltd_helper_ranges[i].end = start + size;
		/* Entry before count: lockless readers see it whole. */
		smp_store_release(&ltd_nr_helper_ranges, i + 1);
	}
	ltd_unlock(flags);
}

/*
 * The site an access is recorded (and titled) by: @ip, or the caller of
 * the copy helpers it is in. With @learn (a new access), the copy helpers
 * met on the way up the stack are remembered first (string(),
 * vsnprintf(), scnprintf()...), so that later accesses need no symbol
 * lookup.
 */
static unsigned long ltd_key_site(unsigned long ip, bool learn)
{
	unsigned long entries[16], size, offset;
	unsigned int nr, i;

	if (!ltd_in_helper(ip) && !(learn && ltd_copy_helper(ip)))
		return ip;
	nr = stack_trace_save(entries, ARRAY_SIZE(entries), 0);
	for (i = 0; i < nr && entries[i] != ip; i++)
		;
	for (; i < nr; i++) {
		if (learn && !ltd_in_helper(entries[i]) && ltd_copy_helper(entries[i]) &&
		    kallsyms_lookup_size_offset(entries[i], &size, &offset))
			ltd_add_helper(entries[i] - offset, size);
		if (!ltd_in_helper(entries[i]))
			return entries[i];
	}
	return ip;
}

/* === Reports === */

static void ltd_guard_list(char *buf, size_t len, const struct ltd_access *a)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < a->nr_guards && n < len; i++)
		n += scnprintf(buf + n, len - n, "%s%s", i ? ", " : "",
			       a->guards[i].name ?: "(unnamed)");
}

static void ltd_access_report(const struct ltd_access *a, enum ltd_domain_kind kind,
			      const char *dom_name, const char *driver,
			      const struct ltd_report_stack *teardown)
{
	struct ltd_report r = {};
	char guards[80];

	r.type = LTD_BUG_UNPROTECTED_ACCESS;
	r.site = a->site;
	r.dedup = a->hash;
	if (a->nr_guards) {
		ltd_guard_list(guards, sizeof(guards), a);
		scnprintf(r.what, sizeof(r.what),
			  "%s of size %zu at addr %px by task %s/%d (%s context), guards {%s}: none is closed by the domain's teardown",
			  a->write ? "Write" : "Read", a->size, (void *)a->addr,
			  a->stack.comm, a->stack.pid, a->ctx, guards);
	} else {
		scnprintf(r.what, sizeof(r.what),
			  "%s of size %zu at addr %px by task %s/%d (%s context), no guard held",
			  a->write ? "Write" : "Read", a->size, (void *)a->addr,
			  a->stack.comm, a->stack.pid, a->ctx);
	}
	if (kind == LTD_DOMAIN_URES)
		scnprintf(r.object, sizeof(r.object),
			  "The object is memory owned by ures %s: %lu bytes inside the %zu-byte region [%px, %px)",
			  dom_name, a->addr - a->obj_start, a->obj_size,
			  (void *)a->obj_start, (void *)(a->obj_start + a->obj_size));
	else
		scnprintf(r.object, sizeof(r.object),
			  "The object is devres data of device %s (driver %s): %lu bytes inside the %zu-byte region [%px, %px)",
			  dom_name, driver, a->addr - a->obj_start, a->obj_size,
			  (void *)a->obj_start, (void *)(a->obj_start + a->obj_size));
	r.stacks[0] = a->stack;
	r.stacks[1] = a->alloc;
	if (teardown && teardown->title[0])
		r.stacks[2] = *teardown;
	ltd_report(&r);
}

/* === Access classification === */

static void ltd_note_access(unsigned long addr, size_t size, bool write,
			    unsigned long ip)
{
	struct ltd_access_cache *c;
	struct ltd_access cand, *a, *spare;
	unsigned long site;
	enum ltd_domain_kind kind;
	bool dup;
	struct ltd_domain *dom;
	struct ltd_tag *tag;
	unsigned long flags;
	char name[LTD_NAME_LEN], driver[LTD_NAME_LEN];

	if (!debug_locks) {
		/* Held locks are no longer tracked: guards cannot be seen. */
		ltd_degraded(LTD_DEGRADED_LOCKDEP_OFF);
		return;
	}

	site = ltd_key_site(ip, false);

	/* Fast path: the object and (site, guards) this CPU saw last. */
	c = this_cpu_ptr(&ltd_access_cache);
	if (c->gen == READ_ONCE(ltd_gen) && addr - c->start < c->size) {
		if (ltd_owner_rule(c->dom, c->kind, c->owner, c->section)) {
			ltd_dom_stat(LTD_DOM_STAT_OWNER);
			return;
		}
		ltd_collect_guards(&cand);
		if (c->site == site && c->hash == cand.hash &&
		    c->nr_guards == cand.nr_guards) {
			ltd_dom_stat(LTD_DOM_STAT_FOREIGN);
			return;
		}
	}

	flags = ltd_lock();
	tag = ltd_tag_find(addr);
	if (!tag) {
		ltd_unlock(flags);
		ltd_dom_stat(LTD_DOM_STAT_UNTRACKED);
		return;
	}
	dom = tag->dom;
	ltd_cache_fill(c, tag);
	if (ltd_is_owner(dom)) {
		ltd_unlock(flags);
		ltd_dom_stat(LTD_DOM_STAT_OWNER);
		return;
	}
	ltd_collect_guards(&cand);
	if (ltd_access_seen(dom, site, cand.hash, cand.nr_guards)) {
		c->site = site;
		c->hash = cand.hash;
		c->nr_guards = cand.nr_guards;
		ltd_unlock(flags);
		ltd_dom_stat(LTD_DOM_STAT_FOREIGN);
		return;
	}
	cand.obj_start = tag->start;
	cand.obj_size = tag->size;
	cand.alloc = tag->alloc;
	ltd_unlock(flags);

	/* A new (site, guard set): record it with its stack. */
	ltd_dom_stat(LTD_DOM_STAT_FOREIGN);
	/* A new access: learn whether @ip is in a copy helper, key it right. */
	site = ltd_key_site(ip, true);
	cand.site = site;
	cand.addr = addr;
	cand.size = size;
	cand.write = write;
	cand.func = ltd_func_of(site);
	cand.reported = !cand.nr_guards;
	strscpy(cand.ctx, ltd_context_name(), sizeof(cand.ctx));
	ltd_save_stack_at(&cand.stack, "Accessed", ip, GFP_NOWAIT);
	/*
	 * The static pool is the common case; past it, the pool grows by
	 * records allocated here, outside the lock, and kept for reuse.
	 */
	spare = READ_ONCE(ltd_access_free) ? NULL : ltd_meta_alloc(sizeof(*spare));

	flags = ltd_lock();
	tag = ltd_tag_find(addr);
	if (!tag || tag->dom != dom ||
	    ltd_access_seen(dom, site, cand.hash, cand.nr_guards)) {
		if (spare)
			ltd_access_release(spare);
		ltd_unlock(flags);
		return;
	}
	a = ltd_access_alloc();
	if (!a) {
		a = spare;
		spare = NULL;
	} else if (spare) {
		ltd_access_release(spare);
	}
	if (!a) {
		ltd_unlock(flags);
		ltd_dom_stat(LTD_DOM_STAT_RECORDS_LOST);
		ltd_degraded(LTD_DEGRADED_RECORDS);
		return;
	}
	/* Report each function (and guard set) once, whatever its sites. */
	dup = ltd_access_func_seen(dom, &cand);
	if (dup)
		cand.reported = true;
	*a = cand;
	a->next = dom->accesses;
	dom->accesses = a;
	c->site = site;
	c->hash = cand.hash;
	c->nr_guards = cand.nr_guards;
	strscpy(name, dom->name, sizeof(name));
	strscpy(driver, dom->driver, sizeof(driver));
	kind = dom->kind;
	ltd_unlock(flags);
	ltd_dom_stat(LTD_DOM_STAT_RECORDS);

	/* Nothing can close an access that holds no guard: report it now. */
	if (!cand.nr_guards && !dup)
		ltd_access_report(&cand, kind, name, driver, NULL);
}

/**
 * __lifetime_debug_kasan_access() - classify a poisoned access
 * @addr:	access address
 * @size:	access size
 * @write:	write access
 * @ip:		access site
 *
 * See lifetime_debug_kasan_access().
 *
 * Return: true if every poisoned byte of the access is tagged memory.
 */
bool __lifetime_debug_kasan_access(const void *addr, size_t size, bool write,
				   unsigned long ip)
{
	unsigned long a = (unsigned long)addr, end = a + size, p;
	bool tagged = false;

	if (!size || end < a || a < ltd_shadow_mem_start())
		return false;
	for (p = a & ~LTD_GRANULE_MASK; p < end; p += LTD_GRANULE) {
		u8 s = *ltd_shadow(p);

		if (!s)
			continue;
		if (!lifetime_debug_shadow_is_tag(s))
			return false;
		/* Past the last accessible byte: a real out-of-bounds. */
		if (min_t(unsigned long, end, p + LTD_GRANULE) - p > lifetime_debug_shadow_valid(s))
			return false;
		tagged = true;
	}
	if (!tagged)
		return false;
	if (!lifetime_debug_enabled() || in_nmi() || current->kasan_depth ||
	    this_cpu_read(lockdep_recursion) || current->lockdep_recursion)
		return true;

	preempt_disable_notrace();
	if (__this_cpu_inc_return(ltd_dom_busy) == 1)
		ltd_note_access(a, size, write, ip);
	__this_cpu_dec(ltd_dom_busy);
	preempt_enable_notrace();
	return true;
}

/* === Teardown windows === */

static void ltd_teardown_begin(const void *owner, const char *driver_now)
{
	struct ltd_report_stack st;
	struct ltd_domain *dom;
	unsigned long flags;
	char driver[LTD_NAME_LEN];
	int i;

	if (!in_task())
		return;
	flags = ltd_lock();
	dom = ltd_domain_find(owner);
	if (!dom || ltd_window_find(current, dom)) {
		ltd_unlock(flags);
		return;
	}
	ltd_unlock(flags);

	strscpy(driver, driver_now ?: "(none)", sizeof(driver));
	ltd_save_stack(&st, "Torn down", 0, GFP_NOWAIT);

	flags = ltd_lock();
	dom = ltd_domain_find(owner);
	if (!dom || ltd_window_find(current, dom)) {
		ltd_unlock(flags);
		return;
	}
	for (i = 0; i < LTD_MAX_WINDOWS; i++)
		if (!ltd_windows[i].task)
			break;
	if (i == LTD_MAX_WINDOWS) {
		ltd_unlock(flags);
		ltd_dom_stat(LTD_DOM_STAT_WINDOWS_FULL);
		ltd_degraded(LTD_DEGRADED_WINDOWS);
		return;
	}
	ltd_windows[i].task = current;
	ltd_windows[i].dom = dom;
	ltd_gen_bump();
	dom->state = LTD_DOMAIN_TEARING_DOWN;
	dom->teardown = st;
	dom->nr_syncs = 0;
	if (strcmp(driver, "(none)"))
		strscpy(dom->driver, driver, sizeof(dom->driver));
	WRITE_ONCE(lifetime_debug_nr_windows, lifetime_debug_nr_windows + 1);
	ltd_unlock(flags);
	ltd_dom_stat(LTD_DOM_STAT_TEARDOWNS);
}

/**
 * __lifetime_debug_teardown_begin() - open the teardown window of @dev
 * @dev: the device whose devres domain ends
 *
 * Context: process context (windows are per task); elsewhere a no-op.
 */
void __lifetime_debug_teardown_begin(struct device *dev)
{
	ltd_teardown_begin(dev, dev->driver ? dev->driver->name : NULL);
}
EXPORT_SYMBOL_IF_KUNIT(__lifetime_debug_teardown_begin);

/**
 * __lifetime_debug_domain_teardown_begin() - a domain other than devres ends
 * @owner: the domain's owner (a ures instance)
 *
 * Context: process context.
 */
void __lifetime_debug_domain_teardown_begin(const void *owner)
{
	ltd_teardown_begin(owner, NULL);
}
EXPORT_SYMBOL_GPL(__lifetime_debug_domain_teardown_begin);

/* Did the teardown synchronize with one of the access's guards? */
static bool ltd_access_closed(const struct ltd_access *a)
{
	unsigned int i;

	for (i = 0; i < a->nr_guards; i++)
		if (a->guards[i].closed)
			return true;
	return false;
}

/*
 * Reports every recorded foreign access that the teardown did not close,
 * then starts the domain afresh (the device may be bound again).
 */
static void ltd_teardown_end(const void *owner)
{
	struct ltd_access *a, *next, *open = NULL;
	struct ltd_domain *dom, *unlinked = NULL;
	struct ltd_report_stack teardown;
	enum ltd_domain_kind kind;
	struct ltd_window *w;
	unsigned long flags;
	char name[LTD_NAME_LEN], driver[LTD_NAME_LEN];

	flags = ltd_lock();
	dom = ltd_domain_find(owner);
	if (!dom) {
		ltd_unlock(flags);
		return;
	}
	ltd_gen_bump();
	w = ltd_window_find(current, dom);
	if (w) {
		w->task = NULL;
		w->dom = NULL;
		WRITE_ONCE(lifetime_debug_nr_windows, lifetime_debug_nr_windows - 1);
	}
	for (a = dom->accesses; a; a = next) {
		next = a->next;
		/* Switched off during the teardown: close it without reports. */
		if (w && !a->reported && lifetime_debug_enabled() &&
		    !ltd_access_closed(a)) {
			a->next = open;
			open = a;
		} else {
			ltd_access_release(a);
		}
	}
	dom->accesses = NULL;
	dom->state = LTD_DOMAIN_LIVE;
	dom->nr_syncs = 0;
	teardown = dom->teardown;
	kind = dom->kind;
	strscpy(name, dom->name, sizeof(name));
	strscpy(driver, dom->driver, sizeof(driver));
	unlinked = ltd_domain_maybe_unlink(dom);
	ltd_unlock(flags);

	/* The window is closed: the reports' own locks are not recorded. */
	for (a = open; a; a = a->next)
		ltd_access_report(a, kind, name, driver, &teardown);

	flags = ltd_lock();
	for (a = open; a; a = next) {
		next = a->next;
		ltd_access_release(a);
	}
	ltd_unlock(flags);
	kfree(unlinked);
}

/**
 * __lifetime_debug_teardown_end() - close the teardown window of @dev
 * @dev: the device whose devres were released
 *
 * Context: process context.
 */
void __lifetime_debug_teardown_end(struct device *dev)
{
	ltd_teardown_end(dev);
}
EXPORT_SYMBOL_IF_KUNIT(__lifetime_debug_teardown_end);

/**
 * __lifetime_debug_domain_teardown_end() - the domain's memory was released
 * @owner: the domain's owner
 *
 * Context: process context.
 */
void __lifetime_debug_domain_teardown_end(const void *owner)
{
	ltd_teardown_end(owner);
}
EXPORT_SYMBOL_GPL(__lifetime_debug_domain_teardown_end);

/*
 * ltd_dom_lock held: close the guards of @dom's recorded accesses that are
 * @map (by instance, or by class for a guard held as a stack copy).
 */
static void ltd_close_guards(struct ltd_domain *dom, const void *map, const void *key)
{
	struct ltd_access *a;
	unsigned int i;

	for (a = dom->accesses; a; a = a->next) {
		for (i = 0; i < a->nr_guards; i++) {
			struct ltd_guard *g = &a->guards[i];

			if (g->closed || (g->by_key ? g->key != key : g->instance != map))
				continue;
			g->closed = true;
			dom->nr_syncs++;
		}
	}
}

static void ltd_note_sync(const void *map, const void *key)
{
	unsigned long flags;
	unsigned int i;

	if (!in_task() || this_cpu_read(ltd_dom_busy))
		return;
	for (i = 0; i < LTD_MAX_WINDOWS; i++)
		if (READ_ONCE(ltd_windows[i].task) == current)
			break;
	if (i == LTD_MAX_WINDOWS)
		return;

	flags = ltd_lock();
	for (i = 0; i < LTD_MAX_WINDOWS; i++)
		if (ltd_windows[i].task == current)
			ltd_close_guards(ltd_windows[i].dom, map, key);
	ltd_unlock(flags);
}

/**
 * __lifetime_debug_note_sync() - the current task synchronizes with @map
 * @map: a lockdep map the task acquires or synchronizes with
 *
 * In a teardown window, the guards of the domain's recorded foreign
 * accesses that are @map are closed. Nothing else is kept, so a teardown
 * that takes thousands of locks costs no memory and is always judged.
 *
 * Context: any context; only process context counts.
 */
void __lifetime_debug_note_sync(const struct lockdep_map *map)
{
	if (map)
		ltd_note_sync(map, map->key ? (const void *)map->key : (const void *)map);
}

/**
 * __lifetime_debug_note_sync_obj() - the current task waited for a context
 * @obj: the context's guard object: an IRQ descriptor (synchronize_irq(),
 *	free_irq()), an hrtimer (hrtimer_cancel()), a tasklet (tasklet_kill()),
 *	a NAPI instance (napi_disable()), a task (kthread_stop()), a kthread
 *	work (kthread_cancel_work_sync()), a device's PM state
 *	(pm_runtime_disable())
 *
 * Context: any context; only process context counts.
 */
void __lifetime_debug_note_sync_obj(const void *obj)
{
	if (obj)
		ltd_note_sync(obj, obj);
}
EXPORT_SYMBOL_GPL(__lifetime_debug_note_sync_obj);

/* === Owner annotations === */

/**
 * ltd_owner_push() - the current task enters an owner-annotated callback
 * @arg: the callback's first argument: its device, when that owns a domain
 *
 * Return: true if pushed (pop it with ltd_owner_pop()); false when the
 * frame table is full (said once, the callback then counts as foreign).
 *
 * Context: any context.
 */
bool ltd_owner_push(const void *arg)
{
	unsigned long flags;
	bool ok = false;

	flags = ltd_lock();
	if (ltd_nr_owner_frames < LTD_MAX_OWNER_FRAMES) {
		ltd_owner_frames[ltd_nr_owner_frames].task = current;
		ltd_owner_frames[ltd_nr_owner_frames].owner =
			ltd_domain_find(arg) ? arg : NULL;
		WRITE_ONCE(ltd_nr_owner_frames, ltd_nr_owner_frames + 1);
		ltd_gen_bump();
		ok = true;
	}
	ltd_unlock(flags);
	if (!ok)
		ltd_degraded(LTD_DEGRADED_OWNER_FRAMES);
	return ok;
}

/**
 * ltd_owner_pop() - the current task leaves its innermost owner callback
 *
 * Context: any context.
 */
void ltd_owner_pop(void)
{
	unsigned long flags;
	int i;

	flags = ltd_lock();
	for (i = ltd_nr_owner_frames - 1; i >= 0; i--) {
		if (ltd_owner_frames[i].task != current)
			continue;
		for (; i < ltd_nr_owner_frames - 1; i++)
			ltd_owner_frames[i] = ltd_owner_frames[i + 1];
		WRITE_ONCE(ltd_nr_owner_frames, ltd_nr_owner_frames - 1);
		ltd_gen_bump();
		break;
	}
	ltd_unlock(flags);
}

/* === The use-after-free story === */

/**
 * __lifetime_debug_kasan_story() - print the domain an address belonged to
 * @addr: a bad access address KASAN reports
 *
 * Context: inside KASAN's report (interrupts off, lockdep off).
 */
void __lifetime_debug_kasan_story(const void *addr)
{
	unsigned long a = (unsigned long)addr, flags;
	struct ltd_ended e;
	bool found = false;
	unsigned int i;

	flags = ltd_lock();
	for (i = 1; i <= LTD_ENDED_RING && i <= ltd_ended_next; i++) {
		struct ltd_ended *p = &ltd_ended[(ltd_ended_next - i) % LTD_ENDED_RING];

		if (p->valid && a >= p->start &&
		    a < p->start + round_up(p->size, LTD_GRANULE)) {
			e = *p;
			found = true;
			break;
		}
	}
	ltd_unlock(flags);
	if (!found)
		return;

	ltd_print_story(e.kind, e.name, e.driver, e.how, a - e.start, e.size,
			e.start, &e.teardown);
}

/* === debugfs listings === */

const char *const ltd_domain_kind_names[] = {
	[LTD_DOMAIN_DEVRES]	= "devres",
	[LTD_DOMAIN_URES]	= "ures",
};

static const char *const ltd_domain_state_names[] = {
	[LTD_DOMAIN_LIVE]		= "live",
	[LTD_DOMAIN_TEARING_DOWN]	= "tearing-down",
};

/**
 * ltd_show_domains() - list domains, one line each
 * @seq: debugfs file
 */
void ltd_show_domains(struct seq_file *seq)
{
	struct ltd_domain *d;
	struct ltd_access *a;
	unsigned long flags;
	unsigned int i, n;

	seq_puts(seq, "# kind owner driver state tags bytes accesses syncs\n");
	flags = ltd_lock();
	for (i = 0; i < ARRAY_SIZE(ltd_domains); i++) {
		hlist_for_each_entry(d, &ltd_domains[i], node) {
			n = 0;
			for (a = d->accesses; a; a = a->next)
				n++;
			seq_printf(seq, "%s %s %s %s %lu %zu %u %u\n",
				   ltd_domain_kind_names[d->kind], d->name,
				   d->driver, ltd_domain_state_names[d->state],
				   d->nr_tags, d->bytes, n, d->nr_syncs);
		}
	}
	ltd_unlock(flags);
}

/**
 * ltd_show_tags() - list tagged objects: address, size, owner
 * @seq: debugfs file
 */
void ltd_show_tags(struct seq_file *seq)
{
	unsigned long flags;
	struct rb_node *n;

	seq_puts(seq, "# start size kind owner driver\n");
	flags = ltd_lock();
	for (n = rb_first(&ltd_tags); n; n = rb_next(n)) {
		struct ltd_tag *t = rb_entry(n, struct ltd_tag, node);

		seq_printf(seq, "%px %zu %s %s %s\n", (void *)t->start, t->size,
			   ltd_domain_kind_names[t->dom->kind], t->dom->name,
			   t->dom->driver);
	}
	ltd_unlock(flags);
}

/**
 * ltd_dom_lookup() - which domain owns @addr (for the KUnit suite)
 * @addr:	an address
 * @start:	set to the tagged object's start
 * @size:	set to its size
 *
 * Return: the owning device, NULL if @addr is not tagged.
 */
const void *ltd_dom_lookup(const void *addr, unsigned long *start, size_t *size)
{
	const void *owner = NULL;
	struct ltd_tag *t;
	unsigned long flags;

	flags = ltd_lock();
	t = ltd_tag_find((unsigned long)addr);
	if (t) {
		owner = t->dom->owner;
		*start = t->start;
		*size = t->size;
	}
	ltd_unlock(flags);
	return owner;
}
EXPORT_SYMBOL_IF_KUNIT(ltd_dom_lookup);
