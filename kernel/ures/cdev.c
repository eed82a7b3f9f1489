// SPDX-License-Identifier: GPL-2.0
/*
 * ures char devices: a cdev whose file and VMA operations run inside read-side
 * sections of a ures and fail cleanly once it is revoked.
 */

#define pr_fmt(fmt) "ures: " fmt

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/ures.h>

#include "ures.h"

/**
 * struct ures_cdev_mapping - mappings of a ures cdev in one mm and file
 * @node: on &ures_cdev.mappings, under &ures_cdev.vm_lock.
 * @mapping: vma->vm_file->f_mapping; stays valid while @nr_vmas is not 0
 *	because each VMA pins its file.
 * @mm: vma->vm_mm; the mm_struct outlives its VMAs.
 * @nr_vmas: proxied VMAs with this @mapping and @mm.
 */
struct ures_cdev_mapping {
	struct list_head node;
	struct address_space *mapping;
	struct mm_struct *mm;
	unsigned long nr_vmas;
};

/*
 * A file leaves the proxy through this owner-less table: VFS calls
 * fops_put(file->f_op) after ->release() and after a failed ->open(), and
 * by then the proxy table, which is ures-owned memory, may be gone.
 */
static const struct file_operations ures_cdev_dead_fops;

static struct ures_cdev *ures_cdev_of_inode(const struct inode *inode)
{
	return container_of(inode->i_cdev, struct ures_cdev, cdev);
}

/* The cdev of an open file cannot change: the file holds a cdev reference. */
static struct ures_cdev *ures_cdev_of_file(const struct file *filp)
{
	return ures_cdev_of_inode(file_inode(filp));
}

static struct ures_cdev *ures_cdev_of_vma(const struct vm_area_struct *vma)
{
	return container_of(vma->vm_ops, struct ures_cdev, proxy_vm_ops);
}

/* Drop the proxy table; balances the fops_get() in chrdev_open(). */
static void ures_cdev_detach(struct file *filp)
{
	replace_fops(filp, &ures_cdev_dead_fops);
}

/*
 * URES_CDEV_PROXY() defines ures_cdev_<name>(), returning @ret_t, which runs
 * the driver's operation uc-><op> inside a read-side section of @uc's ures,
 * @uc found by @get_uc from the arguments, and returns @revoked (which may
 * be idx, the error of ures_enter()) once the ures is revoked. @params and
 * @args are the operation's parameter and argument lists, in parentheses.
 */
#define URES_CDEV_PROXY(ret_t, name, op, get_uc, revoked, params, args)	\
static ret_t ures_cdev_##name params					\
{									\
	struct ures_cdev *uc = get_uc;					\
	ret_t ret;							\
	int idx;							\
									\
	idx = ures_enter(uc->ures);					\
	if (idx < 0)							\
		return revoked;						\
	ret = uc->op args;						\
	ures_exit(uc->ures, idx);					\
	return ret;							\
}

/*
 * Initialisers of a proxy table's optional operations: the proxy has an
 * operation exactly where the driver's table @drv has one, so that VFS and
 * mm see the same capabilities (FMODE_LSEEK, FMODE_CAN_READ, pollable...).
 */
#define URES_CDEV_FOP_IF(op)	.op = drv->op ? ures_cdev_##op : NULL
#define URES_CDEV_VMOP_IF(op)	.op = drv->op ? ures_cdev_vm_##op : NULL

/*
 * Does the proxy table @proxy know every operation of the driver's table
 * @drv? Both are tables of pointers: every slot set in @drv must be set in
 * @proxy, which has an operation wherever it knows the driver's.
 */
static bool ures_cdev_covers(const void *proxy, const void *drv, size_t size)
{
	const unsigned long *p = proxy, *d = drv;
	size_t i;

	for (i = 0; i < size / sizeof(long); i++)
		if (d[i] && !p[i])
			return false;
	return true;
}

/* === VMA operations === */

static struct ures_cdev_mapping *
ures_cdev_find_mapping(struct ures_cdev *uc, struct vm_area_struct *vma)
{
	struct ures_cdev_mapping *m;

	list_for_each_entry(m, &uc->mappings, node) {
		if (m->mapping == vma->vm_file->f_mapping && m->mm == vma->vm_mm)
			return m;
	}
	return NULL;
}

/* Under uc->vm_lock. */
static void ures_cdev_track(struct ures_cdev *uc, struct vm_area_struct *vma)
{
	struct ures_cdev_mapping *m;

	if (!vma->vm_file)
		return;
	m = ures_cdev_find_mapping(uc, vma);
	if (m) {
		m->nr_vmas++;
		return;
	}
	/*
	 * Only a new mmap() or fork() gets here; on failure the mapping is not
	 * zapped at revocation, but faults in it still raise SIGBUS.
	 */
	m = kmalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return;
	m->mapping = vma->vm_file->f_mapping;
	m->mm = vma->vm_mm;
	m->nr_vmas = 1;
	list_add(&m->node, &uc->mappings);
}

/* Under uc->vm_lock. */
static void ures_cdev_untrack(struct ures_cdev *uc, struct vm_area_struct *vma)
{
	struct ures_cdev_mapping *m;

	if (!vma->vm_file)
		return;
	m = ures_cdev_find_mapping(uc, vma);
	if (m && !--m->nr_vmas) {
		list_del(&m->node);
		kfree(m);
	}
}

/*
 * open() and close() always reach the driver, inside a section when the
 * instance is not revoked yet, so that its per-VMA accounting stays
 * balanced. Each VMA holds a reference to the ures.
 */
static void ures_cdev_vm_open(struct vm_area_struct *vma)
{
	struct ures_cdev *uc = ures_cdev_of_vma(vma);
	struct ures *u = uc->ures;
	int idx;

	ures_get(u);
	mutex_lock(&uc->vm_lock);
	ures_cdev_track(uc, vma);
	mutex_unlock(&uc->vm_lock);

	idx = ures_enter(u);
	if (uc->vm_ops->open)
		uc->vm_ops->open(vma);
	if (idx >= 0)
		ures_exit(u, idx);
}

static void ures_cdev_vm_close(struct vm_area_struct *vma)
{
	struct ures_cdev *uc = ures_cdev_of_vma(vma);
	struct ures *u = uc->ures;
	int idx;

	idx = ures_enter(u);
	if (uc->vm_ops->close)
		uc->vm_ops->close(vma);
	if (idx >= 0)
		ures_exit(u, idx);

	mutex_lock(&uc->vm_lock);
	ures_cdev_untrack(uc, vma);
	mutex_unlock(&uc->vm_lock);
	/* Never the final put: the VMA's file pins the cdev, which pins @u. */
	ures_put(u);
}

static vm_fault_t ures_cdev_vm_fault(struct vm_fault *vmf)
{
	struct ures_cdev *uc = ures_cdev_of_vma(vmf->vma);
	vm_fault_t ret = VM_FAULT_SIGBUS;
	int idx;

	idx = ures_enter(uc->ures);
	if (idx < 0)
		return VM_FAULT_SIGBUS;
	if (uc->vm_ops->fault)
		ret = uc->vm_ops->fault(vmf);
	ures_exit(uc->ures, idx);
	return ret;
}

URES_CDEV_PROXY(vm_fault_t, vm_huge_fault, vm_ops->huge_fault,
		ures_cdev_of_vma(vmf->vma), VM_FAULT_SIGBUS,
		(struct vm_fault *vmf, unsigned int order), (vmf, order))
/* Nothing mapped when revoked: the fault proper then raises SIGBUS. */
URES_CDEV_PROXY(vm_fault_t, vm_map_pages, vm_ops->map_pages,
		ures_cdev_of_vma(vmf->vma), 0,
		(struct vm_fault *vmf, pgoff_t start, pgoff_t end),
		(vmf, start, end))
URES_CDEV_PROXY(vm_fault_t, vm_page_mkwrite, vm_ops->page_mkwrite,
		ures_cdev_of_vma(vmf->vma), VM_FAULT_SIGBUS,
		(struct vm_fault *vmf), (vmf))
URES_CDEV_PROXY(vm_fault_t, vm_pfn_mkwrite, vm_ops->pfn_mkwrite,
		ures_cdev_of_vma(vmf->vma), VM_FAULT_SIGBUS,
		(struct vm_fault *vmf), (vmf))
URES_CDEV_PROXY(int, vm_access, vm_ops->access, ures_cdev_of_vma(vma), idx,
		(struct vm_area_struct *vma, unsigned long addr, void *buf,
		 int len, int write), (vma, addr, buf, len, write))
URES_CDEV_PROXY(const char *, vm_name, vm_ops->name, ures_cdev_of_vma(vma),
		NULL, (struct vm_area_struct *vma), (vma))
/* Revoked: nothing of the driver's is left to split. */
URES_CDEV_PROXY(int, vm_may_split, vm_ops->may_split, ures_cdev_of_vma(vma),
		0, (struct vm_area_struct *vma, unsigned long addr), (vma, addr))
URES_CDEV_PROXY(int, vm_mremap, vm_ops->mremap, ures_cdev_of_vma(vma), idx,
		(struct vm_area_struct *vma), (vma))

/*
 * Builds uc->proxy_vm_ops, unless the driver's @drv has an operation the
 * proxy does not know. Under uc->vm_lock, before any VMA uses the table.
 */
static bool ures_cdev_vm_proxy(struct ures_cdev *uc,
			       const struct vm_operations_struct *drv)
{
	const struct vm_operations_struct proxy = {
		.open = ures_cdev_vm_open,
		.close = ures_cdev_vm_close,
		.fault = ures_cdev_vm_fault,
		URES_CDEV_VMOP_IF(may_split), URES_CDEV_VMOP_IF(mremap),
		URES_CDEV_VMOP_IF(huge_fault), URES_CDEV_VMOP_IF(map_pages),
		URES_CDEV_VMOP_IF(page_mkwrite), URES_CDEV_VMOP_IF(pfn_mkwrite),
		URES_CDEV_VMOP_IF(access), URES_CDEV_VMOP_IF(name),
	};

	if (!ures_cdev_covers(&proxy, drv, sizeof(proxy)))
		return false;
	uc->proxy_vm_ops = proxy;
	return true;
}

/* Under uc->vm_lock. @drv is what the driver's mmap() left in the VMA. */
static int ures_cdev_bind_vm_ops(struct ures_cdev *uc,
				 const struct vm_operations_struct *drv)
{
	if (uc->vm_bound) {
		if (drv == uc->vm_ops)
			return 0;
		pr_warn_ratelimited("%s: mmap() uses different vm_ops (%ps, %ps), unsupported\n",
				    uc->ures->name, uc->vm_ops, drv);
		return -EINVAL;
	}
	if (!drv || !ures_cdev_vm_proxy(uc, drv)) {
		pr_warn_ratelimited("%s: mmap() sets vm_ops %ps with an operation the ures proxy does not support\n",
				    uc->ures->name, drv);
		return -EINVAL;
	}
	uc->vm_ops = drv;
	uc->vm_bound = true;
	return 0;
}

/*
 * A driver's mmap() may fill page tables (remap_pfn_range()) before
 * mmap_region() links the VMA into its file's mapping, which happens after
 * the proxy's section ended, under the mm's mmap_lock. Taking each mm's
 * mmap_lock once makes such VMAs visible to unmap_mapping_range(). Called
 * without uc->vm_lock: munmap() takes it under mmap_lock.
 */
static void ures_cdev_sync_mms(struct ures_cdev *uc)
{
	struct ures_cdev_mapping *m;
	struct mm_struct **mms;
	unsigned int i, n = 0;

	mutex_lock(&uc->vm_lock);
	list_for_each_entry(m, &uc->mappings, node)
		n++;
	mms = n ? kmalloc_array(n, sizeof(*mms), GFP_KERNEL) : NULL;
	if (!mms) {
		mutex_unlock(&uc->vm_lock);
		return;
	}
	n = 0;
	list_for_each_entry(m, &uc->mappings, node) {
		mmgrab(m->mm);
		mms[n++] = m->mm;
	}
	mutex_unlock(&uc->vm_lock);

	for (i = 0; i < n; i++) {
		mmap_read_lock(mms[i]);
		mmap_read_unlock(mms[i]);
		mmdrop(mms[i]);
	}
	kfree(mms);
}

/*
 * Called by ures_revoke() after the drain: no fault handler runs any more, so
 * once the page tables are zapped every access faults and raises SIGBUS.
 */
void ures_cdev_revoke(struct ures_cdev *uc)
{
	struct ures_cdev_mapping *m;

	ures_cdev_sync_mms(uc);
	mutex_lock(&uc->vm_lock);
	list_for_each_entry(m, &uc->mappings, node)
		unmap_mapping_range(m->mapping, 0, 0, 1);
	mutex_unlock(&uc->vm_lock);
}

/* === File operations === */

/*
 * Every proxy runs the driver's operation inside a read-side section and
 * returns -ENODEV once the instance is revoked. open() and release() also
 * take and drop the file's reference to the instance.
 */
static int ures_cdev_open(struct inode *inode, struct file *filp)
{
	struct ures_cdev *uc = ures_cdev_of_inode(inode);
	struct ures *u = uc->ures;
	int idx, ret = 0;

	/* chrdev_open()'s cdev reference pins @u until we take our own. */
	idx = ures_enter(u);
	if (idx < 0) {
		ures_stat_inc(URES_STAT_CDEV_DENIED);
		ures_cdev_detach(filp);
		return idx;
	}
	ures_get(u);
	filp->private_data = ures_get_drvdata(u);
	if (uc->fops->open)
		ret = uc->fops->open(inode, filp);
	ures_exit(u, idx);

	if (ret) {
		ures_put(u);
		if (filp->f_op == &uc->proxy_fops)
			ures_cdev_detach(filp);
		return ret;
	}
	if (unlikely(filp->f_op != &uc->proxy_fops)) {
		/* The file is no longer guarded; the cdev still pins @u. */
		ures_misuse(u, "driver open() replaced the proxy file operations");
		ures_put(u);
		return 0;
	}
	ures_stat_inc(URES_STAT_CDEV_OPENS);
	return 0;
}

static int ures_cdev_release(struct inode *inode, struct file *filp)
{
	struct ures_cdev *uc = ures_cdev_of_inode(inode);
	struct ures *u = uc->ures;
	int idx, ret = 0;

	/*
	 * Like debugfs: the driver's release() always runs so that nothing
	 * leaks, inside a section unless the instance is revoked already.
	 */
	idx = ures_enter(u);
	if (uc->fops->release)
		ret = uc->fops->release(inode, filp);
	if (idx >= 0)
		ures_exit(u, idx);

	ures_cdev_detach(filp);
	/* Never the final put: __fput() drops the cdev reference after us. */
	ures_put(u);
	return ret;
}

URES_CDEV_PROXY(loff_t, llseek, fops->llseek, ures_cdev_of_file(filp), idx,
		(struct file *filp, loff_t offset, int whence),
		(filp, offset, whence))
URES_CDEV_PROXY(ssize_t, read, fops->read, ures_cdev_of_file(filp), idx,
		(struct file *filp, char __user *buf, size_t len, loff_t *ppos),
		(filp, buf, len, ppos))
URES_CDEV_PROXY(ssize_t, write, fops->write, ures_cdev_of_file(filp), idx,
		(struct file *filp, const char __user *buf, size_t len,
		 loff_t *ppos), (filp, buf, len, ppos))
URES_CDEV_PROXY(ssize_t, read_iter, fops->read_iter,
		ures_cdev_of_file(iocb->ki_filp), idx,
		(struct kiocb *iocb, struct iov_iter *to), (iocb, to))
URES_CDEV_PROXY(ssize_t, write_iter, fops->write_iter,
		ures_cdev_of_file(iocb->ki_filp), idx,
		(struct kiocb *iocb, struct iov_iter *from), (iocb, from))
URES_CDEV_PROXY(long, unlocked_ioctl, fops->unlocked_ioctl,
		ures_cdev_of_file(filp), idx,
		(struct file *filp, unsigned int cmd, unsigned long arg),
		(filp, cmd, arg))
URES_CDEV_PROXY(long, compat_ioctl, fops->compat_ioctl,
		ures_cdev_of_file(filp), idx,
		(struct file *filp, unsigned int cmd, unsigned long arg),
		(filp, cmd, arg))
URES_CDEV_PROXY(int, flush, fops->flush, ures_cdev_of_file(filp), idx,
		(struct file *filp, fl_owner_t id), (filp, id))
URES_CDEV_PROXY(int, fsync, fops->fsync, ures_cdev_of_file(filp), idx,
		(struct file *filp, loff_t start, loff_t end, int datasync),
		(filp, start, end, datasync))
URES_CDEV_PROXY(unsigned long, get_unmapped_area, fops->get_unmapped_area,
		ures_cdev_of_file(filp), idx,
		(struct file *filp, unsigned long addr, unsigned long len,
		 unsigned long pgoff, unsigned long flags),
		(filp, addr, len, pgoff, flags))
URES_CDEV_PROXY(ssize_t, splice_read, fops->splice_read,
		ures_cdev_of_file(filp), idx,
		(struct file *filp, loff_t *ppos, struct pipe_inode_info *pipe,
		 size_t len, unsigned int flags), (filp, ppos, pipe, len, flags))
URES_CDEV_PROXY(ssize_t, splice_write, fops->splice_write,
		ures_cdev_of_file(filp), idx,
		(struct pipe_inode_info *pipe, struct file *filp, loff_t *ppos,
		 size_t len, unsigned int flags), (pipe, filp, ppos, len, flags))

static __poll_t ures_cdev_poll(struct file *filp, struct poll_table_struct *wait)
{
	struct ures_cdev *uc = ures_cdev_of_file(filp);
	struct ures *u = uc->ures;
	__poll_t mask;
	int idx;

	idx = ures_enter(u);
	if (idx < 0)
		return EPOLLERR | EPOLLHUP;
	/*
	 * Revocation wakes the ures wait queue, so pollers learn about it even
	 * if the driver's poll() waits elsewhere. The queue lives as long as
	 * @u, which the file pins. Check the flag after queueing: either the
	 * wake-up finds this waiter or this check sees the flag.
	 */
	poll_wait(filp, &u->wq, wait);
	if (ures_revoked(u))
		mask = EPOLLERR | EPOLLHUP;
	else
		mask = uc->fops->poll(filp, wait);
	ures_exit(u, idx);
	return mask;
}

static int ures_cdev_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct ures_cdev *uc = ures_cdev_of_file(filp);
	int ret, idx;

	idx = ures_enter(uc->ures);
	if (idx < 0)
		return idx;
	ret = uc->fops->mmap(filp, vma);
	if (!ret) {
		mutex_lock(&uc->vm_lock);
		ret = ures_cdev_bind_vm_ops(uc, vma->vm_ops);
		if (!ret) {
			ures_cdev_track(uc, vma);
			vma->vm_ops = &uc->proxy_vm_ops;
			/* The VMA's reference, dropped by its close(). */
			ures_get(uc->ures);
		}
		mutex_unlock(&uc->vm_lock);
		/* mmap() fails: undo what the driver's mmap() set up. */
		if (ret && vma->vm_ops && vma->vm_ops->close)
			vma->vm_ops->close(vma);
	}
	ures_exit(uc->ures, idx);
	return ret;
}

static int ures_cdev_fasync(int fd, struct file *filp, int on)
{
	struct ures_cdev *uc = ures_cdev_of_file(filp);
	int ret, idx;

	/*
	 * Turning async notification off always reaches the driver (also from
	 * __fput()), or its fasync list would keep an entry for a dead file.
	 */
	idx = ures_enter(uc->ures);
	if (idx < 0 && on)
		return idx;
	ret = uc->fops->fasync(fd, filp, on);
	if (idx >= 0)
		ures_exit(uc->ures, idx);
	return ret;
}

static void ures_cdev_show_fdinfo(struct seq_file *m, struct file *filp)
{
	struct ures_cdev *uc = ures_cdev_of_file(filp);
	int idx;

	idx = ures_enter(uc->ures);
	if (idx < 0)
		return;
	uc->fops->show_fdinfo(m, filp);
	ures_exit(uc->ures, idx);
}

/* Builds uc->proxy_fops. Return: does it know every driver operation? */
static bool ures_cdev_init_proxy(struct ures_cdev *uc)
{
	const struct file_operations *drv = uc->fops;

	uc->proxy_fops = (const struct file_operations) {
		.owner = drv->owner,
		.fop_flags = drv->fop_flags,
		/* Takes no file: nothing to guard. */
		.check_flags = drv->check_flags,
		.open = ures_cdev_open,
		.release = ures_cdev_release,
		URES_CDEV_FOP_IF(llseek), URES_CDEV_FOP_IF(read), URES_CDEV_FOP_IF(write),
		URES_CDEV_FOP_IF(read_iter), URES_CDEV_FOP_IF(write_iter), URES_CDEV_FOP_IF(poll),
		URES_CDEV_FOP_IF(unlocked_ioctl), URES_CDEV_FOP_IF(compat_ioctl),
		URES_CDEV_FOP_IF(mmap), URES_CDEV_FOP_IF(flush), URES_CDEV_FOP_IF(fsync),
		URES_CDEV_FOP_IF(fasync), URES_CDEV_FOP_IF(get_unmapped_area),
		URES_CDEV_FOP_IF(splice_read), URES_CDEV_FOP_IF(splice_write),
		URES_CDEV_FOP_IF(show_fdinfo),
	};
	return ures_cdev_covers(&uc->proxy_fops, drv, sizeof(*drv));
}

/* === Registration === */

static void ures_cdev_pin_release(struct kobject *kobj)
{
	struct ures_cdev *uc = container_of(kobj, struct ures_cdev, pin);

	/* May be the final put, which frees @uc: touch nothing after it. */
	ures_put(uc->ures);
}

static const struct kobj_type ures_cdev_pin_ktype = {
	.release = ures_cdev_pin_release,
};

/**
 * ures_cdev_alloc() - create a char device guarded by a ures
 * @u: the instance; the caller must hold a reference
 * @fops: the driver's file operations; they run inside read-side sections
 *	of @u. Their ->owner is honoured (the module is pinned while a file is
 *	open). Supported: llseek, read, write, read_iter, write_iter, poll,
 *	unlocked_ioctl, compat_ioctl, mmap, open, flush, release, fsync,
 *	fasync, get_unmapped_area, check_flags, splice_read, splice_write,
 *	show_fdinfo.
 *
 * The structure is memory owned by @u. Register it with ures_cdev_add() or
 * devm_ures_cdev_add(). Before the driver's open() runs, file->private_data
 * is set to ures_get_drvdata(@u).
 *
 * Context: process context, may sleep.
 * Return: the char device, or ERR_PTR(-EINVAL) for NULL arguments or
 * unsupported file operations, ERR_PTR(-ENOMEM).
 */
struct ures_cdev *ures_cdev_alloc(struct ures *u,
				  const struct file_operations *fops)
{
	struct ures_cdev *uc;

	if (!u || !fops)
		return ERR_PTR(-EINVAL);

	uc = ures_kmalloc_untracked(u, sizeof(*uc), GFP_KERNEL | __GFP_ZERO);
	if (!uc)
		return ERR_PTR(-ENOMEM);
	uc->ures = u;
	uc->fops = fops;
	if (!ures_cdev_init_proxy(uc)) {
		pr_warn("%s: %ps has a file operation the ures proxy does not support\n",
			u->name, fops);
		ures_kfree(u, uc);
		return ERR_PTR(-EINVAL);
	}
	mutex_init(&uc->vm_lock);
	INIT_LIST_HEAD(&uc->mappings);
	cdev_init(&uc->cdev, &uc->proxy_fops);
	uc->cdev.owner = fops->owner;

	mutex_lock(&u->mutex);
	list_add_tail(&uc->node, &u->cdevs);
	mutex_unlock(&u->mutex);
	return uc;
}
EXPORT_SYMBOL_GPL(ures_cdev_alloc);

/**
 * ures_cdev_add() - make a ures char device live
 * @uc: from ures_cdev_alloc(), not added before
 * @devt: first device number
 * @count: number of minors, not 0
 *
 * The cdev holds a reference to the ures from now until the cdev is
 * released, i.e. after ures_cdev_del() and the close of its last file, so
 * that its memory outlives every VFS use of it.
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL, -EBUSY if @uc was added before, -ENODEV if the ures
 * is released, or the error of cdev_add().
 */
int ures_cdev_add(struct ures_cdev *uc, dev_t devt, unsigned int count)
{
	int ret;

	if (!uc || !count)
		return -EINVAL;
	/* The pin kobject can be initialised once only. */
	if (uc->pin.state_initialized)
		return -EBUSY;
	if (!ures_get(uc->ures))
		return -ENODEV;

	kobject_init(&uc->pin, &ures_cdev_pin_ktype);
	cdev_set_parent(&uc->cdev, &uc->pin);
	ret = cdev_add(&uc->cdev, devt, count);
	/* cdev_add() took its own reference to @pin on success. */
	kobject_put(&uc->pin);
	if (ret)
		return ret;
	uc->added = true;
	return 0;
}
EXPORT_SYMBOL_GPL(ures_cdev_add);

/**
 * ures_cdev_del() - remove a ures char device
 * @uc: the char device; nothing happens if it is not added
 *
 * New opens fail afterwards; open files keep working until the ures is
 * revoked (cdev_del() semantics). Does not revoke the ures.
 *
 * Context: process context, may sleep.
 */
void ures_cdev_del(struct ures_cdev *uc)
{
	if (!uc || !uc->added)
		return;
	uc->added = false;
	cdev_del(&uc->cdev);
}
EXPORT_SYMBOL_GPL(ures_cdev_del);

static void ures_cdev_del_action(void *data)
{
	ures_cdev_del(data);
}

/**
 * devm_ures_cdev_add() - ures_cdev_add() undone at driver unbind
 * @dev: the device
 * @uc: from ures_cdev_alloc()
 * @devt: first device number
 * @count: number of minors
 *
 * Context: process context, may sleep.
 * Return: 0 or an error of ures_cdev_add() or devm_add_action_or_reset().
 */
int devm_ures_cdev_add(struct device *dev, struct ures_cdev *uc, dev_t devt,
		       unsigned int count)
{
	int ret;

	if (!dev)
		return -EINVAL;
	ret = ures_cdev_add(uc, devt, count);
	if (ret)
		return ret;
	return devm_add_action_or_reset(dev, ures_cdev_del_action, uc);
}
EXPORT_SYMBOL_GPL(devm_ures_cdev_add);

/**
 * ures_cdev_ures() - the ures of a ures char device
 * @uc: the char device
 *
 * Return: its instance (no reference taken), or NULL.
 */
struct ures *ures_cdev_ures(const struct ures_cdev *uc)
{
	return uc ? uc->ures : NULL;
}
EXPORT_SYMBOL_GPL(ures_cdev_ures);

/**
 * ures_file_ures() - the ures behind a file opened through a ures char device
 * @filp: the file
 *
 * The file pins the instance until its release.
 *
 * Context: any context.
 * Return: the instance (no reference taken), or NULL if @filp is not a file
 * of a ures char device.
 */
struct ures *ures_file_ures(const struct file *filp)
{
	struct inode *inode;
	struct ures_cdev *uc;

	if (!filp)
		return NULL;
	inode = file_inode(filp);
	if (!S_ISCHR(inode->i_mode) || !inode->i_cdev)
		return NULL;
	uc = ures_cdev_of_inode(inode);
	if (filp->f_op != &uc->proxy_fops)
		return NULL;
	return uc->ures;
}
EXPORT_SYMBOL_GPL(ures_file_ures);
