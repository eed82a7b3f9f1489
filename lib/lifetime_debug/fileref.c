// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime sanitizer: memory that files reach, freed under them.
 *
 * The fourth lifetime domain: memory whose end is a refcount release (or a
 * plain kfree()) rather than an unbind or a ures revoke, reached from a
 * file that holds no reference on it. Two ways a character-device file
 * reaches memory are recorded, and every slab free is checked against them:
 *
 * - the struct cdev a file opened: chrdev_open() takes a reference on the
 *   cdev's kobject and __fput() drops it after the file's ->release. An
 *   embedded cdev (cdev_init()) keeps the memory around it alive only if its
 *   kobject has a parent in that memory (cdev_device_add(), cdev_set_parent()).
 *   Freeing memory that holds such a cdev with references still held is a
 *   use-after-free at the next close ("freed-while-open"); freeing memory
 *   that holds one registered without a parent is the same bug waiting for a
 *   file to be open at that moment ("unpinned-cdev", predictive: it is
 *   reported from a run in which no file was open). Memory freed by the
 *   owner module's exit is pinned by the module reference every open takes.
 * - the file's private_data: when a refcount release frees the memory it
 *   points to while the file is open, the file held no reference on a
 *   refcounted object and every later file operation has a dangling pointer
 *   ("freed-while-open"). Other frees of it are not judged: a revocable
 *   design (ures, a "dead" flag checked under a lock) keeps its file
 *   operations away from memory freed at unbind, and the devres and ures
 *   domains judge those accesses. The record is dropped before the file's
 *   ->release, which may free it.
 *
 * The free check costs one load when nothing is recorded, and a few loads
 * of a page-hashed count table otherwise; the tree is locked only when a
 * freed page holds a recorded address.
 */

#define pr_fmt(fmt) "lifetime_debug: " fmt

#include <linux/cdev.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/lifetime_debug_domain.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rbtree.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "lifetime_debug.h"

#define LTD_FR_PAGE_BITS	10
#define LTD_FR_FILE_BITS	6
#define LTD_FR_MAX_HITS		4
#define LTD_FR_MAX_PAGES	64

enum ltd_fr_kind {
	LTD_FR_CDEV,		/* an embedded cdev registered by cdev_add() */
	LTD_FR_FILE,		/* an open file, by its private_data */
};

/**
 * struct ltd_fr - a recorded way into memory
 * @node:	in ltd_fr_tree by @addr, while @linked
 * @fnode:	files: in ltd_fr_files by @file
 * @addr:	the cdev, or the file's private_data
 * @kind:	what @addr is
 * @linked:	@node is in the tree
 * @parent:	cdev: its kobject has a parent that pins the memory around it
 * @dev:	the device number
 * @file:	files: the open file
 * @cdev:	files: the cdev it opened
 * @owner:	cdev: the module its opens pin
 * @name:	"/dev" name of the opened node, or the device number
 * @next_dead:	for freeing outside the lock
 * @stack:	where it was opened or registered
 */
struct ltd_fr {
	struct rb_node node;
	struct hlist_node fnode;
	struct ltd_fr *next_dead;
	unsigned long addr;
	enum ltd_fr_kind kind;
	bool linked;
	bool parent;
	dev_t dev;
	struct file *file;
	const struct cdev *cdev;
	struct module *owner;
	char name[32];
	struct ltd_report_stack stack;
};

static DEFINE_RAW_SPINLOCK(ltd_fr_lock);
static struct rb_root ltd_fr_tree = RB_ROOT;
static struct hlist_head ltd_fr_files[1 << LTD_FR_FILE_BITS];
/* Recorded addresses per hashed page: a free of other pages stays lockless. */
static unsigned int ltd_fr_pages[1 << LTD_FR_PAGE_BITS];
/* Tree entries; the free hook runs only while there are some. */
int lifetime_debug_nr_reach;
EXPORT_SYMBOL_GPL(lifetime_debug_nr_reach);
/* Open files recorded; __fput() calls in only while there are some. */
int lifetime_debug_nr_files;
EXPORT_SYMBOL_GPL(lifetime_debug_nr_files);

static atomic_long_t ltd_fr_stats[LTD_FR_STAT_COUNT];

unsigned long ltd_fr_stat_read(enum ltd_fr_stat s)
{
	return atomic_long_read(&ltd_fr_stats[s]);
}

static unsigned int *ltd_fr_page(unsigned long addr)
{
	return &ltd_fr_pages[hash_long(addr >> PAGE_SHIFT, LTD_FR_PAGE_BITS)];
}

/* ltd_fr_lock held. */
static void ltd_fr_link(struct ltd_fr *fr)
{
	struct rb_node **p = &ltd_fr_tree.rb_node, *parent = NULL;

	while (*p) {
		parent = *p;
		if (fr->addr < rb_entry(parent, struct ltd_fr, node)->addr)
			p = &parent->rb_left;
		else
			p = &parent->rb_right;
	}
	rb_link_node(&fr->node, parent, p);
	rb_insert_color(&fr->node, &ltd_fr_tree);
	fr->linked = true;
	(*ltd_fr_page(fr->addr))++;
	WRITE_ONCE(lifetime_debug_nr_reach, lifetime_debug_nr_reach + 1);
}

/* ltd_fr_lock held. */
static void ltd_fr_unlink(struct ltd_fr *fr)
{
	if (!fr->linked)
		return;
	rb_erase(&fr->node, &ltd_fr_tree);
	fr->linked = false;
	(*ltd_fr_page(fr->addr))--;
	WRITE_ONCE(lifetime_debug_nr_reach, lifetime_debug_nr_reach - 1);
}

/* ltd_fr_lock held: the first entry at or after @addr. */
static struct ltd_fr *ltd_fr_first(unsigned long addr)
{
	struct rb_node *n = ltd_fr_tree.rb_node;
	struct ltd_fr *found = NULL;

	while (n) {
		struct ltd_fr *fr = rb_entry(n, struct ltd_fr, node);

		if (fr->addr >= addr) {
			found = fr;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return found;
}

/* ltd_fr_lock held: the record of the cdev at @addr, or NULL. */
static struct ltd_fr *ltd_fr_find_cdev(unsigned long addr)
{
	struct ltd_fr *fr = ltd_fr_first(addr);
	struct rb_node *n;

	while (fr && fr->addr == addr) {
		if (fr->kind == LTD_FR_CDEV)
			return fr;
		n = rb_next(&fr->node);
		fr = n ? rb_entry(n, struct ltd_fr, node) : NULL;
	}
	return NULL;
}

/* Records and report buffers count in meta_bytes. */
static void ltd_fr_kfree(const void *p)
{
	if (!p)
		return;
	ltd_meta_account(-(long)ksize(p));
	kfree(p);
}

/* Free a list of records unlinked under the lock. */
static void ltd_fr_free_dead(struct ltd_fr *dead)
{
	struct ltd_fr *fr;

	while (dead) {
		fr = dead;
		dead = fr->next_dead;
		ltd_fr_kfree(fr);
	}
}

static struct ltd_fr *ltd_fr_alloc(void)
{
	struct ltd_fr *fr = kzalloc(sizeof(*fr), GFP_KERNEL);

	if (fr) {
		ltd_meta_account(ksize(fr));
	} else {
		atomic_long_inc(&ltd_fr_stats[LTD_FR_STAT_NOMEM]);
		ltd_degraded(LTD_DEGRADED_NOMEM);
	}
	return fr;
}

/**
 * __lifetime_debug_cdev_add() - a character device was added
 * @p:		the cdev
 * @embedded:	set up by cdev_init(): its memory belongs to someone else
 *
 * An embedded cdev in slab memory is recorded with whether a parent kobject
 * pins that memory, so that its free can be judged. cdev_alloc()'d cdevs
 * free themselves at their last put; static ones never go.
 *
 * Context: process context (cdev_add() sleeps).
 */
void __lifetime_debug_cdev_add(struct cdev *p, bool embedded)
{
	struct ltd_fr *fr, *old = NULL;
	unsigned long flags;

	if (!embedded || !virt_addr_valid(p) || !folio_test_slab(virt_to_folio(p)))
		return;
	fr = ltd_fr_alloc();
	if (!fr)
		return;
	fr->addr = (unsigned long)p;
	fr->kind = LTD_FR_CDEV;
	fr->parent = !!p->kobj.parent;
	fr->dev = p->dev;
	fr->owner = p->owner;
	snprintf(fr->name, sizeof(fr->name), "%u:%u", MAJOR(p->dev), MINOR(p->dev));
	ltd_save_stack(&fr->stack, "Registered", 0, GFP_KERNEL);

	raw_spin_lock_irqsave(&ltd_fr_lock, flags);
	/* Added again (after cdev_del()): the new registration wins. */
	old = ltd_fr_find_cdev(fr->addr);
	if (old)
		ltd_fr_unlink(old);
	ltd_fr_link(fr);
	raw_spin_unlock_irqrestore(&ltd_fr_lock, flags);
	atomic_long_inc(&ltd_fr_stats[LTD_FR_STAT_CDEVS]);
	ltd_fr_kfree(old);
}
EXPORT_SYMBOL_GPL(__lifetime_debug_cdev_add);

/**
 * __lifetime_debug_file_open() - a character device file was opened
 * @file:	the file, after its driver's ->open succeeded
 *
 * Records the file by its private_data and the cdev it opened.
 *
 * Context: process context.
 */
void __lifetime_debug_file_open(struct file *file)
{
	struct inode *inode = file_inode(file);
	struct ltd_fr *fr;
	unsigned long flags;

	fr = ltd_fr_alloc();
	if (!fr)
		return;
	fr->kind = LTD_FR_FILE;
	fr->file = file;
	fr->addr = (unsigned long)file->private_data;
	fr->cdev = inode->i_cdev;
	fr->dev = inode->i_rdev;
	snprintf(fr->name, sizeof(fr->name), "%pD", file);
	ltd_save_stack(&fr->stack, "Opened", 0, GFP_KERNEL);

	raw_spin_lock_irqsave(&ltd_fr_lock, flags);
	hlist_add_head(&fr->fnode, &ltd_fr_files[hash_ptr(file, LTD_FR_FILE_BITS)]);
	WRITE_ONCE(lifetime_debug_nr_files, lifetime_debug_nr_files + 1);
	if (fr->addr)
		ltd_fr_link(fr);
	raw_spin_unlock_irqrestore(&ltd_fr_lock, flags);
	atomic_long_inc(&ltd_fr_stats[LTD_FR_STAT_FILES]);
}
EXPORT_SYMBOL_GPL(__lifetime_debug_file_open);

/**
 * __lifetime_debug_file_release() - a character device file is closed
 * @file:	the file, before its driver's ->release
 *
 * Context: process context (__fput()).
 */
void __lifetime_debug_file_release(struct file *file)
{
	struct hlist_head *head = &ltd_fr_files[hash_ptr(file, LTD_FR_FILE_BITS)];
	struct ltd_fr *fr, *found = NULL;
	unsigned long flags;

	raw_spin_lock_irqsave(&ltd_fr_lock, flags);
	hlist_for_each_entry(fr, head, fnode) {
		if (fr->file == file) {
			found = fr;
			hlist_del(&fr->fnode);
			ltd_fr_unlink(fr);
			WRITE_ONCE(lifetime_debug_nr_files, lifetime_debug_nr_files - 1);
			break;
		}
	}
	raw_spin_unlock_irqrestore(&ltd_fr_lock, flags);
	ltd_fr_kfree(found);
}
EXPORT_SYMBOL_GPL(__lifetime_debug_file_release);

/* A hit, copied out of the tree to be reported without the lock. */
struct ltd_fr_hit {
	enum ltd_bug_type type;
	struct ltd_fr fr;		/* the record, copied */
	unsigned int refs;		/* cdev: references held at the free */
	struct ltd_fr opener;		/* cdev: an open file of it, if recorded */
	bool has_opener;
};

/* ltd_fr_lock held: an open file of @cdev, copied into @hit. */
static void ltd_fr_find_opener(struct ltd_fr_hit *hit, const struct cdev *cdev)
{
	struct ltd_fr *fr;
	int b;

	for (b = 0; b < ARRAY_SIZE(ltd_fr_files); b++) {
		hlist_for_each_entry(fr, &ltd_fr_files[b], fnode) {
			if (fr->cdev == cdev) {
				hit->opener = *fr;
				hit->has_opener = true;
				return;
			}
		}
	}
}

/*
 * @release, @rel: the refcount release running the free (its class key and
 * name), or NULL.
 */
static void ltd_fr_report(const struct ltd_fr_hit *hit, unsigned long start,
			  size_t size, unsigned long ip, const void *release,
			  const char *rel)
{
	struct ltd_report r = {};
	const char *tail;
	char head[96];
	size_t n;

	r.type = hit->type;
	/* The title names the release when one frees it, else kfree()'s caller. */
	r.site = release ? (unsigned long)release : ip;
	r.dedup = hit->fr.kind;

	n = scnprintf(r.what, sizeof(r.what), "Free of size %zu at addr %px by task %s/%d %s%s",
		      size, (void *)start, current->comm, task_pid_nr(current),
		      release ? "in the release of " : "outside any refcount release",
		      release ? rel : "");
	if (hit->fr.kind == LTD_FR_FILE)
		scnprintf(r.what + n, sizeof(r.what) - n, ", while the open file %s reaches it",
			  hit->fr.name);
	else if (hit->type == LTD_BUG_FREED_WHILE_OPEN)
		scnprintf(r.what + n, sizeof(r.what) - n,
			  ", while %u reference%s to the struct cdev of %s inside it %s held",
			  hit->refs, hit->refs == 1 ? "" : "s", hit->fr.name,
			  hit->refs == 1 ? "is" : "are");
	else
		scnprintf(r.what + n, sizeof(r.what) - n,
			  ": the struct cdev of %s inside it was added without a parent that pins this memory",
			  hit->fr.name);

	if (hit->fr.kind == LTD_FR_FILE) {
		snprintf(head, sizeof(head),
			 "The object is reached through the private_data of an open file of char device %u:%u,",
			 MAJOR(hit->fr.dev), MINOR(hit->fr.dev));
		tail = "the file holds no reference on it and its next operation uses freed memory";
	} else {
		snprintf(head, sizeof(head), "The object holds the struct cdev of %s",
			 hit->fr.name);
		tail = hit->type == LTD_BUG_FREED_WHILE_OPEN ?
		       "its open file puts it at close (fput() -> cdev_put()), after this free" :
		       "a file open now would put the freed cdev at its close; cdev_device_add() ties the memory to the cdev";
	}
	scnprintf(r.object, sizeof(r.object),
		  "%s at offset %lu of the %zu-byte region [%px, %px): %s", head,
		  hit->fr.addr - start, size, (void *)start, (void *)(start + size), tail);

	ltd_save_stack(&r.stacks[0], "Freed", 0, GFP_NOWAIT);
	r.stacks[1] = hit->fr.stack;
	if (hit->has_opener)
		r.stacks[2] = hit->opener.stack;
	ltd_report(&r);
}

/* The page table says no recorded address lies in [start, start + size). */
static bool ltd_fr_pages_clear(unsigned long start, size_t size)
{
	unsigned long pfn, last = (start + size - 1) >> PAGE_SHIFT;

	if (last - (start >> PAGE_SHIFT) >= LTD_FR_MAX_PAGES)
		return false;
	for (pfn = start >> PAGE_SHIFT; pfn <= last; pfn++)
		if (READ_ONCE(*ltd_fr_page(pfn << PAGE_SHIFT)))
			return false;
	return true;
}

/*
 * ltd_fr_lock held: drop the records inside [start, start + size) from the
 * tree, cdevs onto @dead, and copy what is to be reported into @hits (at
 * most @max; past it, reports are counted and lost). With @max == 0, a
 * probe: stop at the first report and keep its record.
 * Return: the number of reports, which may exceed @max.
 */
static unsigned int ltd_fr_collect(unsigned long start, size_t size, bool report,
				   bool in_release, struct ltd_fr_hit *hits,
				   unsigned int max, struct ltd_fr **dead)
{
	struct ltd_fr *fr, *next;
	unsigned int nr = 0;

	for (fr = ltd_fr_first(start); fr && fr->addr - start < size; fr = next) {
		struct rb_node *n = rb_next(&fr->node);
		struct ltd_fr_hit *hit = nr < max ? &hits[nr] : NULL;
		enum ltd_bug_type type;
		unsigned int refs = 0;

		next = n ? rb_entry(n, struct ltd_fr, node) : NULL;
		if (!report)
			goto drop;
		if (fr->kind == LTD_FR_CDEV) {
			const struct cdev *p = (const struct cdev *)fr->addr;
			/* Freed by the exit of the module that every open pins. */
			bool exiting = fr->owner && fr->owner->state == MODULE_STATE_GOING;

			refs = kref_read(&p->kobj.kref);
			if (!refs && (fr->parent || exiting))
				goto drop;
			type = refs ? LTD_BUG_FREED_WHILE_OPEN : LTD_BUG_UNPINNED_CDEV;
		} else {
			/* private_data moved on since the open: not this memory. */
			if (!in_release ||
			    (unsigned long)READ_ONCE(fr->file->private_data) - start >= size)
				goto drop;
			type = LTD_BUG_FREED_WHILE_OPEN;
		}
		if (hit) {
			/* Only now, with something to report: nothing else may change. */
			hit->type = type;
			hit->fr = *fr;
			hit->refs = refs;
			hit->has_opener = false;
			if (fr->kind == LTD_FR_CDEV)
				ltd_fr_find_opener(hit, (const struct cdev *)fr->addr);
		}
		nr++;
		if (!max)
			return nr;	/* a probe: the records stay for the report */
drop:
		/* A file keeps its record (in ltd_fr_files) until it is closed. */
		ltd_fr_unlink(fr);
		if (fr->kind == LTD_FR_CDEV) {
			fr->next_dead = *dead;
			*dead = fr;
		}
	}
	return nr;
}

/**
 * __lifetime_debug_free() - slab memory is freed: does a file reach it?
 * @obj:	the object
 * @size:	its size
 * @ip:		the caller of kfree() or kmem_cache_free()
 *
 * Also while the sanitizer is off: records of freed memory must go.
 * Memory for the reports is allocated only when there is one to make.
 *
 * Context: any context but NMI.
 */
void __lifetime_debug_free(const void *obj, size_t size, unsigned long ip)
{
	unsigned long start = (unsigned long)obj, flags;
	bool report = lifetime_debug_enabled();
	struct ltd_fr_hit *hits = NULL;
	struct ltd_fr *dead = NULL;
	const void *release = NULL;
	char rel[96] = "";
	unsigned int nr, max = 0, i;

	if (!size || ltd_fr_pages_clear(start, size))
		return;
	/* An interrupt's free is not the interrupted task's release. */
	if (report && !in_interrupt())
		release = ltd_rc_running(rel, sizeof(rel));
	raw_spin_lock_irqsave(&ltd_fr_lock, flags);
	nr = ltd_fr_collect(start, size, report, !!release, NULL, 0, &dead);
	if (nr) {
		/* Something to report: allocate outside the lock and look again. */
		raw_spin_unlock_irqrestore(&ltd_fr_lock, flags);
		hits = kmalloc_array(LTD_FR_MAX_HITS, sizeof(*hits),
				     GFP_NOWAIT | __GFP_NOWARN);
		if (hits)
			ltd_meta_account(ksize(hits));
		max = hits ? LTD_FR_MAX_HITS : 0;
		raw_spin_lock_irqsave(&ltd_fr_lock, flags);
		nr = ltd_fr_collect(start, size, report, !!release, hits, max, &dead);
		if (!max) {
			/* No memory to report with: drop the records, say so. */
			ltd_fr_collect(start, size, false, false, NULL, 0, &dead);
		}
	}
	raw_spin_unlock_irqrestore(&ltd_fr_lock, flags);

	if (nr > max) {
		atomic_long_add(nr - max, &ltd_fr_stats[LTD_FR_STAT_UNREPORTED]);
		ltd_degraded(LTD_DEGRADED_NOMEM);
	}
	for (i = 0; i < min(nr, max); i++)
		ltd_fr_report(&hits[i], start, size, ip, release, rel);
	ltd_fr_kfree(hits);
	ltd_fr_free_dead(dead);
}
EXPORT_SYMBOL_GPL(__lifetime_debug_free);

/**
 * ltd_fr_module_gone() - @mod was unloaded: forget it as a cdev owner
 * @mod:	the module, after its exit
 *
 * A cdev of @mod without references was deleted by the exit, whose frees
 * may still be on their way (kfree_rcu(), a delayed release): its record
 * goes. One still referenced is kept, judged from now on as a cdev that no
 * module pins.
 */
void ltd_fr_module_gone(struct module *mod)
{
	struct ltd_fr *fr, *dead = NULL;
	unsigned long flags;
	struct rb_node *n, *next;

	if (!READ_ONCE(lifetime_debug_nr_reach))
		return;
	raw_spin_lock_irqsave(&ltd_fr_lock, flags);
	for (n = rb_first(&ltd_fr_tree); n; n = next) {
		next = rb_next(n);
		fr = rb_entry(n, struct ltd_fr, node);
		if (fr->kind != LTD_FR_CDEV || fr->owner != mod)
			continue;
		fr->owner = NULL;
		if (kref_read(&((struct cdev *)fr->addr)->kobj.kref))
			continue;
		ltd_fr_unlink(fr);
		fr->next_dead = dead;
		dead = fr;
	}
	raw_spin_unlock_irqrestore(&ltd_fr_lock, flags);
	ltd_fr_free_dead(dead);
}

/**
 * __lifetime_debug_cdev_init() - a cdev is set up (again)
 * @p:		the cdev
 *
 * A record left at this address by an earlier cdev_add() of memory that
 * was not freed (a structure reused across binds) no longer describes it.
 *
 * Context: any context.
 */
void __lifetime_debug_cdev_init(struct cdev *p)
{
	struct ltd_fr *fr;
	unsigned long flags;

	raw_spin_lock_irqsave(&ltd_fr_lock, flags);
	fr = ltd_fr_find_cdev((unsigned long)p);
	if (fr)
		ltd_fr_unlink(fr);
	raw_spin_unlock_irqrestore(&ltd_fr_lock, flags);
	ltd_fr_kfree(fr);
}
EXPORT_SYMBOL_GPL(__lifetime_debug_cdev_init);
