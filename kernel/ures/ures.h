/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ures internals shared by the core, the char-device proxy and the tests.
 */
#ifndef _KERNEL_URES_URES_H
#define _KERNEL_URES_URES_H

#include <linux/cdev.h>
#include <linux/fs.h>
#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/ures.h>

/**
 * struct ures_cdev - a char device whose file operations run under a ures
 * @cdev: the char device; its kobject's parent is @pin.
 * @pin: holds one reference to @ures for as long as @cdev is alive: the
 *	cdev's release drops its reference to @pin, whose release puts @ures.
 *	So the memory of this structure (ures-owned) outlives every user of
 *	@cdev, including __fput()'s cdev_put() after ->release().
 * @ures: the instance.
 * @fops: the driver's file operations.
 * @proxy_fops: @cdev's file operations: each one wraps the driver's.
 * @node: entry on @ures->cdevs, under @ures->mutex.
 * @added: cdev_add() succeeded and ures_cdev_del() was not called yet.
 * @vm_lock: protects @vm_bound, @vm_ops, @proxy_vm_ops and @mappings.
 * @vm_bound: @vm_ops and @proxy_vm_ops are set (@vm_ops may be NULL).
 * @vm_ops: the driver's VMA operations, the same for all its mappings.
 * @proxy_vm_ops: VMA operations installed on every mapping of @cdev.
 * @mappings: &struct ures_cdev_mapping entries: the (address space, mm)
 *	pairs with live mappings, zapped when @ures is revoked.
 */
struct ures_cdev {
	struct cdev cdev;
	struct kobject pin;
	struct ures *ures;
	const struct file_operations *fops;
	struct file_operations proxy_fops;	/* not const: built per cdev */
	struct list_head node;
	bool added;
	struct mutex vm_lock;		/* protects the vm_* fields */
	bool vm_bound;
	const struct vm_operations_struct *vm_ops;
	struct vm_operations_struct proxy_vm_ops; /* not const either */
	struct list_head mappings;
};

/* Global statistics, shown in debugfs ures/stats. */
enum ures_stat {
	URES_STAT_CREATED,
	URES_STAT_LIVE,
	URES_STAT_RELEASED,
	URES_STAT_DEFERRED,
	URES_STAT_REVOKED,
	URES_STAT_MISUSE,
	URES_STAT_WARNINGS,
	URES_STAT_OWNED_LIVE,
	URES_STAT_CDEV_OPENS,
	URES_STAT_CDEV_DENIED,
	URES_STAT_COUNT,
};

void ures_stat_inc(enum ures_stat stat);
void ures_stat_dec(enum ures_stat stat);
long ures_stat_read(enum ures_stat stat);

void ures_misuse(struct ures *u, const char *what);
void *ures_kmalloc_untracked(struct ures *u, size_t size, gfp_t gfp);

/* Called by ures_revoke() once read-side sections have drained. */
void ures_cdev_revoke(struct ures_cdev *uc);

#endif /* _KERNEL_URES_URES_H */
