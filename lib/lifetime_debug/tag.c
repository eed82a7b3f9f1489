// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime sanitizer tag store: which domain owns each tagged object.
 *
 * Tagging records an object (devres data, ures memory) in a tree by
 * address and marks its KASAN shadow, so that every access to it reaches
 * the access judge (access.c). The tree, the domains and the story ring
 * change under ltd_dom_lock; the tree is read without it: tags come from a
 * SLAB_TYPESAFE_BY_RCU cache, lookups run under a seqcount, and a tag's
 * sequence number says whether a pointer found earlier still names the
 * same live tag. Domains are freed after a grace period. Untagging keeps a
 * short story of the object for KASAN's use-after-free report.
 */

#define pr_fmt(fmt) "lifetime_debug: " fmt

#include <linux/device.h>
#include <linux/device/driver.h>
#include <linux/hash.h>
#include <linux/kasan.h>
#include <linux/kfence.h>
#include <linux/lifetime_debug_domain.h>
#include <linux/percpu.h>
#include <linux/rbtree.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/seqlock.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "lifetime_debug.h"

/* === State === */

#define LTD_DOMAIN_HASH_BITS	6
#define LTD_ENDED_RING		64
/* A lockless walk longer than this met a concurrent change: retry. */
#define LTD_TREE_MAX_DEPTH	96

/*
 * ltd_dom_lock serializes changes to the domain hash, the tag tree, a
 * domain's tag counts and the ended ring. Objects are tagged in any
 * context, so it is an arch spinlock taken with raw interrupts off:
 * invisible to lockdep, never held across a call out of this file.
 */
static arch_spinlock_t ltd_dom_lock = __ARCH_SPIN_LOCK_UNLOCKED;

static struct hlist_head ltd_domains[1 << LTD_DOMAIN_HASH_BITS];
static struct rb_root ltd_tags = RB_ROOT;		/* by start address */
/* Odd while ltd_tags changes: lockless lookups retry. */
static seqcount_t ltd_tags_seq = SEQCNT_ZERO(ltd_tags_seq);
static u64 ltd_next_seq = 1;				/* tags and epochs */
static struct kmem_cache *ltd_tag_cache;

/**
 * struct ltd_ended - a tagged object whose domain let it go, for KASAN's story
 * @start:	first byte
 * @size:	bytes
 * @name:	owner
 * @driver:	driver
 * @how:	what ended it
 * @kind:	domain kind
 * @valid:	entry used
 * @alloc:	allocation stack
 * @teardown:	teardown stack, if it ended in a teardown
 */
struct ltd_ended {
	unsigned long start;
	size_t size;
	char name[LTD_NAME_LEN];
	char driver[LTD_DRIVER_LEN];
	const char *how;
	enum ltd_domain_kind kind;
	bool valid;
	struct ltd_stack_ref alloc;
	struct ltd_report_stack teardown;
};

static struct ltd_ended ltd_ended[LTD_ENDED_RING];
static unsigned int ltd_ended_next;

static DEFINE_PER_CPU(unsigned long, ltd_dom_stats[LTD_DOM_STAT_COUNT]);
static DEFINE_PER_CPU(long, ltd_meta_bytes);

#if IS_ENABLED(CONFIG_KUNIT)
/* Failure injection for the KUnit suite: fail this many metadata allocations. */
atomic_t ltd_dom_fail_allocs;
EXPORT_SYMBOL_IF_KUNIT(ltd_dom_fail_allocs);
#endif

/**
 * ltd_dom_stat() - count a domain event on this CPU
 * @s: the counter
 */
void ltd_dom_stat(enum ltd_dom_stat s)
{
	this_cpu_inc(ltd_dom_stats[s]);
}

/**
 * ltd_dom_stat_read() - a domain counter, summed over CPUs
 * @s: the counter
 *
 * Return: its value.
 */
unsigned long ltd_dom_stat_read(enum ltd_dom_stat s)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(ltd_dom_stats[s], cpu);
	return sum;
}

/**
 * ltd_meta_bytes_read() - live bytes of the sanitizer's own metadata
 *
 * Return: the bytes allocated through ltd_meta_alloc() and not freed.
 */
long ltd_meta_bytes_read(void)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(ltd_meta_bytes, cpu);
	return sum;
}

/**
 * ltd_meta_account() - metadata allocated (@bytes > 0) or freed (< 0)
 * @bytes: the change
 */
void ltd_meta_account(long bytes)
{
	this_cpu_add(ltd_meta_bytes, bytes);
}

/**
 * ltd_lock() - take ltd_dom_lock with raw interrupts off
 *
 * Return: the interrupt flags for ltd_unlock().
 */
unsigned long ltd_lock(void)
{
	unsigned long flags;

	raw_local_irq_save(flags);
	arch_spin_lock(&ltd_dom_lock);
	return flags;
}

/**
 * ltd_unlock() - release ltd_dom_lock
 * @flags: from ltd_lock()
 */
void ltd_unlock(unsigned long flags)
{
	arch_spin_unlock(&ltd_dom_lock);
	raw_local_irq_restore(flags);
}

static bool ltd_fail_alloc(void)
{
#if IS_ENABLED(CONFIG_KUNIT)
	if (atomic_read(&ltd_dom_fail_allocs) > 0 &&
	    atomic_dec_return(&ltd_dom_fail_allocs) >= 0)
		return true;
#endif
	return false;
}

/**
 * ltd_meta_alloc() - allocate sanitizer metadata, accounted
 * @size: bytes
 *
 * Return: zeroed memory, or NULL (never warns).
 *
 * Context: any context.
 */
void *ltd_meta_alloc(size_t size)
{
	void *p;

	if (ltd_fail_alloc())
		return NULL;
	p = kzalloc(size, GFP_NOWAIT | __GFP_NOWARN);
	if (p)
		ltd_meta_account(ksize(p));
	return p;
}

/**
 * ltd_meta_free() - free what ltd_meta_alloc() returned
 * @p: the memory, or NULL
 */
void ltd_meta_free(const void *p)
{
	if (!p)
		return;
	ltd_meta_account(-(long)ksize(p));
	kfree(p);
}

/**
 * ltd_tag_init() - create the tag cache
 *
 * Called when the sanitizer is first enabled: nothing is allocated for it
 * while it is off.
 *
 * Return: 0, or -ENOMEM.
 *
 * Context: process context.
 */
int ltd_tag_init(void)
{
	struct kmem_cache *c;

	if (READ_ONCE(ltd_tag_cache))
		return 0;
	c = kmem_cache_create("lifetime_debug_tag", sizeof(struct ltd_tag), 0,
			      SLAB_TYPESAFE_BY_RCU | SLAB_NOLEAKTRACE, NULL);
	if (!c)
		return -ENOMEM;
	smp_store_release(&ltd_tag_cache, c);
	return 0;
}

static struct ltd_tag *ltd_tag_alloc(void)
{
	struct kmem_cache *c = smp_load_acquire(&ltd_tag_cache);
	struct ltd_tag *t;

	if (!c || ltd_fail_alloc())
		return NULL;
	t = kmem_cache_alloc(c, GFP_NOWAIT | __GFP_NOWARN);
	if (t)
		ltd_meta_account(sizeof(*t));
	return t;
}

/* Outside ltd_dom_lock: slab locks are seen by lockdep, and so by us. */
static void ltd_tag_free(struct ltd_tag *t)
{
	ltd_meta_account(-(long)sizeof(*t));
	kmem_cache_free(ltd_tag_cache, t);
}

/* === Domains and the tree (ltd_dom_lock held to change them) === */

static struct hlist_head *ltd_domain_bucket(const void *owner)
{
	return &ltd_domains[hash_ptr(owner, LTD_DOMAIN_HASH_BITS)];
}

/**
 * ltd_domain_find() - the domain of @owner
 * @owner: a struct device or ures instance
 *
 * Return: the domain or NULL.
 *
 * Context: ltd_dom_lock held.
 */
struct ltd_domain *ltd_domain_find(const void *owner)
{
	struct ltd_domain *d;

	hlist_for_each_entry(d, ltd_domain_bucket(owner), node)
		if (d->owner == owner)
			return d;
	return NULL;
}

/**
 * ltd_new_epoch() - a number no domain phase has had
 *
 * Return: the number.
 *
 * Context: ltd_dom_lock held.
 */
u64 ltd_new_epoch(void)
{
	return ltd_next_seq++;
}

static struct ltd_tag *ltd_tree_find(unsigned long addr, bool *again)
{
	struct rb_node *n = READ_ONCE(ltd_tags.rb_node);
	int depth = 0;

	while (n) {
		struct ltd_tag *t = rb_entry(n, struct ltd_tag, node);
		unsigned long start = READ_ONCE(t->start);

		if (++depth > LTD_TREE_MAX_DEPTH) {
			*again = true;
			return NULL;
		}
		if (addr < start)
			n = READ_ONCE(n->rb_left);
		else if (addr - start >= READ_ONCE(t->size))
			n = READ_ONCE(n->rb_right);
		else
			return t;
	}
	return NULL;
}

/**
 * ltd_tag_lookup() - the tag holding @addr, without a lock
 * @addr: an address
 * @seq:	set to the tag's sequence number (0 if none)
 *
 * The tag is the same live tag as long as READ_ONCE(tag->seq) == *@seq;
 * its memory stays a tag for the current RCU read-side section.
 *
 * Return: the tag, or NULL.
 *
 * Context: any context, preemption disabled (an RCU read-side section).
 */
struct ltd_tag *ltd_tag_lookup(unsigned long addr, u64 *seq)
{
	struct ltd_tag *t;
	unsigned int s;
	bool again;

	do {
		again = false;
		s = raw_read_seqcount_begin(&ltd_tags_seq);
		t = ltd_tree_find(addr, &again);
		*seq = t ? READ_ONCE(t->seq) : 0;
	} while (again || read_seqcount_retry(&ltd_tags_seq, s));
	return t;
}

/* ltd_dom_lock held. */
static struct ltd_tag *ltd_tag_find(unsigned long addr)
{
	bool again = false;

	return ltd_tree_find(addr, &again);
}

static void ltd_tag_insert(struct ltd_tag *tag)
{
	struct rb_node **p = &ltd_tags.rb_node, *parent = NULL;

	while (*p) {
		struct ltd_tag *t = rb_entry(*p, struct ltd_tag, node);

		parent = *p;
		p = tag->start < t->start ? &(*p)->rb_left : &(*p)->rb_right;
	}
	raw_write_seqcount_begin(&ltd_tags_seq);
	rb_link_node_rcu(&tag->node, parent, p);
	rb_insert_color(&tag->node, &ltd_tags);
	raw_write_seqcount_end(&ltd_tags_seq);
}

/* A tag leaves the tree; its memory is freed by the caller, after unlock. */
static void ltd_tag_erase(struct ltd_tag *tag)
{
	struct ltd_domain *dom = tag->dom;

	raw_write_seqcount_begin(&ltd_tags_seq);
	rb_erase(&tag->node, &ltd_tags);
	raw_write_seqcount_end(&ltd_tags_seq);
	WRITE_ONCE(tag->seq, 0);
	dom->nr_tags--;
	dom->bytes -= tag->size;
	/* Each CPU's cached copy of the tag goes, after tag->seq is 0. */
	smp_mb();
	ltd_cache_forget(tag);
}

/**
 * ltd_domain_maybe_unlink() - unhash a domain nothing refers to any more
 * @d: the domain
 *
 * Return: @d when unhashed (free it with ltd_domain_free() after unlock).
 *
 * Context: ltd_dom_lock held.
 */
struct ltd_domain *ltd_domain_maybe_unlink(struct ltd_domain *d)
{
	bool idle;

	if (d->nr_tags || d->state != LTD_DOMAIN_LIVE)
		return NULL;
	/* Records are added under d->lock, and only to a domain not dead. */
	arch_spin_lock(&d->lock);
	idle = !d->accesses;
	if (idle)
		d->dead = true;
	arch_spin_unlock(&d->lock);
	if (!idle)
		return NULL;
	hlist_del(&d->node);
	return d;
}

static void ltd_domain_free_rcu(struct rcu_head *rcu)
{
	ltd_meta_free(container_of(rcu, struct ltd_domain, rcu));
}

/**
 * ltd_domain_free() - free an unhashed domain after a grace period
 * @d: the domain, or NULL
 *
 * Lockless judges may still read it in their RCU read-side section.
 */
void ltd_domain_free(struct ltd_domain *d)
{
	if (d)
		call_rcu(&d->rcu, ltd_domain_free_rcu);
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

static struct ltd_domain *ltd_domain_new(const void *owner, enum ltd_domain_kind kind,
					 const char *name, const char *driver,
					 const struct lockdep_map *section)
{
	struct ltd_domain *d = ltd_meta_alloc(sizeof(*d));

	if (!d)
		return NULL;
	d->owner = owner;
	d->kind = kind;
	d->section = section;
	d->lock = (arch_spinlock_t)__ARCH_SPIN_LOCK_UNLOCKED;
	strscpy(d->name, name ?: "(unnamed)", sizeof(d->name));
	if (driver)
		strscpy(d->driver, driver, sizeof(d->driver));
	return d;
}

static void ltd_tag_object(const void *owner, enum ltd_domain_kind kind,
			   const char *name, const char *driver,
			   const struct lockdep_map *section, void *data, size_t size)
{
	unsigned long start = (unsigned long)data, flags;
	struct ltd_domain *dom, *newdom = NULL;
	struct ltd_tag *tag, *old;

	if (!owner || !size || size > U32_MAX || (start & LTD_GRANULE_MASK) ||
	    is_kfence_address(data) || start < ltd_shadow_mem_start()) {
		ltd_dom_stat(LTD_DOM_STAT_UNTAGGABLE);
		return;
	}
	/* lifetime_debug.sample=N: one object in N is tagged, the rest is never trapped. */
	if (!ltd_sample_tag())
		return;
	tag = ltd_tag_alloc();
	if (!tag)
		goto nomem;
	memset(tag, 0, sizeof(*tag));
	tag->start = start;
	tag->size = size;
	ltd_save_stack_ref(&tag->alloc, GFP_NOWAIT);

	flags = ltd_lock();
	dom = ltd_domain_find(owner);
	ltd_unlock(flags);
	if (!dom) {
		newdom = ltd_domain_new(owner, kind, name, driver, section);
		if (!newdom) {
			ltd_tag_free(tag);
			goto nomem;
		}
	}

	flags = ltd_lock();
	/* A stale tag (memory freed behind our back) is dropped, one by one. */
	while ((old = ltd_tag_find(start)) || (old = ltd_tag_find(start + size - 1))) {
		ltd_tag_erase(old);
		ltd_unlock(flags);
		ltd_dom_stat(LTD_DOM_STAT_STALE);
		ltd_tag_free(old);
		flags = ltd_lock();
	}
	dom = ltd_domain_find(owner);
	if (!dom && !newdom) {
		/* The domain ended since we looked: start again with a new one. */
		ltd_unlock(flags);
		newdom = ltd_domain_new(owner, kind, name, driver, section);
		if (!newdom) {
			ltd_tag_free(tag);
			goto nomem;
		}
		flags = ltd_lock();
		dom = ltd_domain_find(owner);
	}
	if (!dom) {
		dom = newdom;
		newdom = NULL;
		dom->epoch = ltd_new_epoch();
		hlist_add_head(&dom->node, ltd_domain_bucket(owner));
		ltd_dom_stat(LTD_DOM_STAT_DOMAINS);
	}
	tag->dom = dom;
	tag->seq = ltd_next_seq++;
	dom->nr_tags++;
	dom->bytes += size;
	ltd_tag_insert(tag);
	ltd_ended_forget(start, size);
	ltd_shadow_mark(start, size);
	ltd_unlock(flags);

	ltd_dom_stat(LTD_DOM_STAT_TAGS);
	ltd_meta_free(newdom);
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
	struct ltd_domain *dom, *unlinked;
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
	dom = tag->dom;
	ltd_tag_erase(tag);
	ltd_shadow_clear(start, tag->size);

	e = &ltd_ended[ltd_ended_next++ % LTD_ENDED_RING];
	e->start = start;
	e->size = tag->size;
	strscpy(e->name, dom->name, sizeof(e->name));
	strscpy(e->driver, dom->driver, sizeof(e->driver));
	e->alloc = tag->alloc;
	e->kind = dom->kind;
	if (ltd_window_find(current, dom)) {
		e->how = dom->kind == LTD_DOMAIN_URES ? "the final put" :
			 dom->driver[0] ? "driver unbind" : "device removal";
		e->teardown = dom->teardown;
	} else {
		e->how = how;
		memset(&e->teardown, 0, sizeof(e->teardown));
	}
	e->valid = true;
	unlinked = ltd_domain_maybe_unlink(dom);
	ltd_unlock(flags);

	ltd_dom_stat(LTD_DOM_STAT_UNTAGS);
	ltd_tag_free(tag);
	ltd_domain_free(unlinked);
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

/* A domain's driver, as listed: "(none)" when no driver was bound. */
static const char *ltd_driver_name(const struct ltd_domain *d)
{
	return d->driver[0] ? d->driver : "(none)";
}

/**
 * ltd_show_domains() - list domains, one line each
 * @seq: debugfs file
 */
void ltd_show_domains(struct seq_file *seq)
{
	struct ltd_domain *d;
	unsigned long flags;
	unsigned int i;

	seq_puts(seq, "# kind owner driver state tags bytes accesses syncs\n");
	flags = ltd_lock();
	for (i = 0; i < ARRAY_SIZE(ltd_domains); i++) {
		hlist_for_each_entry(d, &ltd_domains[i], node) {
			unsigned int n = ltd_domain_nr_accesses(d);

			seq_printf(seq, "%s %s %s %s %lu %zu %u %u\n",
				   ltd_domain_kind_names[d->kind], d->name,
				   ltd_driver_name(d), ltd_domain_state_names[d->state],
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

		seq_printf(seq, "%px %u %s %s %s\n", (void *)t->start, t->size,
			   ltd_domain_kind_names[t->dom->kind], t->dom->name,
			   ltd_driver_name(t->dom));
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
