// SPDX-License-Identifier: GPL-2.0
/*
 * ures_sample: a platform driver whose char device state is owned by a ures,
 * so that unbinding the device under open files and mappings is safe. The
 * "after" half of the devm_kzalloc() example; ures_sample_devm.c is "before".
 *
 * The module registers its own platform device; /dev/ures_sample appears
 * through devtmpfs when the driver binds. read() returns a buffer that
 * write() replaces, poll() reports it readable, ioctl() returns counters or
 * sleeps until the next write, and mmap() maps two zeroed pages.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/ioctl.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/poll.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/ures.h>

#include "ltd_test_abi.h"

#define URES_SAMPLE_NAME	"ures_sample"
#define URES_SAMPLE_BUF_SIZE	256
#define URES_SAMPLE_MMAP_PAGES	2
#define URES_SAMPLE_MAX_WAIT_MS	10000

/**
 * struct ures_sample - the state behind /dev/ures_sample, ures-owned
 * @ures: the instance that owns this memory
 * @lock: protects @buf and @len
 * @buf: what read() returns
 * @len: bytes in @buf
 * @opens: open() calls
 * @reads: read() calls
 * @writes: write() calls
 * @ioctls: ioctl() calls
 * @polls: poll() calls
 * @seq: bumped by write(), waited for by URES_SAMPLE_IOC_WAIT
 * @pages: what mmap() maps, freed by a ures action at release
 */
struct ures_sample {
	struct ures *ures;
	struct mutex lock;	/* protects buf and len */
	char buf[URES_SAMPLE_BUF_SIZE];
	size_t len;
	atomic64_t opens;
	atomic64_t reads;
	atomic64_t writes;
	atomic64_t ioctls;
	atomic64_t polls;
	atomic64_t seq;
	struct page *pages[URES_SAMPLE_MMAP_PAGES];
};

/* Instances not released yet: 0 once unbound and every file is closed. */
static atomic_t ures_sample_live = ATOMIC_INIT(0);

static int ures_sample_live_get(char *buffer, const struct kernel_param *kp)
{
	return scnprintf(buffer, PAGE_SIZE, "%d\n",
			 atomic_read(&ures_sample_live));
}

static const struct kernel_param_ops ures_sample_live_ops = {
	.get = ures_sample_live_get,
};

module_param_cb(live_instances, &ures_sample_live_ops, NULL, 0444);
MODULE_PARM_DESC(live_instances,
		 "ures instances of this driver not released yet (read-only)");

static const struct class ures_sample_class = {
	.name = URES_SAMPLE_NAME,
};

/* === File operations: they run inside ures_enter()/ures_exit() === */

static int ures_sample_open(struct inode *inode, struct file *filp)
{
	/* The ures proxy set private_data to ures_get_drvdata(). */
	struct ures_sample *s = filp->private_data;

	atomic64_inc(&s->opens);
	return 0;
}

static ssize_t ures_sample_read(struct file *filp, char __user *buf,
				size_t len, loff_t *ppos)
{
	struct ures_sample *s = filp->private_data;
	ssize_t ret;

	atomic64_inc(&s->reads);
	mutex_lock(&s->lock);
	ret = simple_read_from_buffer(buf, len, ppos, s->buf, s->len);
	mutex_unlock(&s->lock);
	return ret;
}

static ssize_t ures_sample_write(struct file *filp, const char __user *buf,
				 size_t len, loff_t *ppos)
{
	struct ures_sample *s = filp->private_data;
	char tmp[URES_SAMPLE_BUF_SIZE];

	atomic64_inc(&s->writes);
	len = min(len, sizeof(tmp));
	if (copy_from_user(tmp, buf, len))
		return -EFAULT;

	mutex_lock(&s->lock);
	memcpy(s->buf, tmp, len);
	s->len = len;
	mutex_unlock(&s->lock);

	atomic64_inc(&s->seq);
	wake_up_interruptible(ures_waitqueue(s->ures));
	return len;
}

static __poll_t ures_sample_poll(struct file *filp, poll_table *wait)
{
	struct ures_sample *s = filp->private_data;

	atomic64_inc(&s->polls);
	poll_wait(filp, ures_waitqueue(s->ures), wait);
	return EPOLLIN | EPOLLRDNORM | EPOLLOUT | EPOLLWRNORM;
}

static long ures_sample_wait(struct ures_sample *s, unsigned long ms)
{
	s64 seen = atomic64_read(&s->seq);
	long ret;

	/* Sleeping inside the section is fine: revocation wakes us. */
	if (!ms)
		return ures_wait_event_interruptible(s->ures,
						     atomic64_read(&s->seq) != seen);

	ms = min(ms, URES_SAMPLE_MAX_WAIT_MS);
	ret = ures_wait_event_interruptible_timeout(s->ures,
						    atomic64_read(&s->seq) != seen,
						    msecs_to_jiffies(ms));
	if (!ret)
		return -ETIMEDOUT;
	return ret < 0 ? ret : 0;
}

static long ures_sample_ioctl(struct file *filp, unsigned int cmd,
			      unsigned long arg)
{
	struct ures_sample *s = filp->private_data;
	struct ures_sample_stats st = {};

	atomic64_inc(&s->ioctls);
	switch (cmd) {
	case URES_SAMPLE_IOC_STATS:
		st.opens = atomic64_read(&s->opens);
		st.reads = atomic64_read(&s->reads);
		st.writes = atomic64_read(&s->writes);
		st.ioctls = atomic64_read(&s->ioctls);
		st.polls = atomic64_read(&s->polls);
		st.seq = atomic64_read(&s->seq);
		if (copy_to_user((void __user *)arg, &st, sizeof(st)))
			return -EFAULT;
		return 0;
	case URES_SAMPLE_IOC_WAIT:
		return ures_sample_wait(s, arg);
	default:
		return -ENOTTY;
	}
}

static vm_fault_t ures_sample_fault(struct vm_fault *vmf)
{
	struct ures_sample *s = vmf->vma->vm_private_data;
	struct page *page;

	if (vmf->pgoff >= URES_SAMPLE_MMAP_PAGES)
		return VM_FAULT_SIGBUS;
	page = s->pages[vmf->pgoff];
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct ures_sample_vm_ops = {
	.fault = ures_sample_fault,
};

static int ures_sample_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct ures_sample *s = filp->private_data;

	if (vma->vm_pgoff >= URES_SAMPLE_MMAP_PAGES ||
	    vma_pages(vma) > URES_SAMPLE_MMAP_PAGES - vma->vm_pgoff)
		return -EINVAL;
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &ures_sample_vm_ops;
	/* ures-owned: valid for as long as the VMA pins the ures. */
	vma->vm_private_data = s;
	return 0;
}

static const struct file_operations ures_sample_fops = {
	.owner = THIS_MODULE,
	.open = ures_sample_open,
	.read = ures_sample_read,
	.write = ures_sample_write,
	.poll = ures_sample_poll,
	.unlocked_ioctl = ures_sample_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = ures_sample_mmap,
};

/* === The ures and the driver === */

static void ures_sample_release(struct ures *u)
{
	struct ures_sample *s = ures_get_drvdata(u);

	/* Last file closed and device unbound; owned memory is still here. */
	if (s)
		mutex_destroy(&s->lock);
	atomic_dec(&ures_sample_live);
}

static const struct ures_ops ures_sample_ures_ops = {
	.owner = THIS_MODULE,
	.release = ures_sample_release,
};

static void ures_sample_free_page(void *page)
{
	__free_page(page);
}

static void ures_sample_unregister_region(void *data)
{
	unregister_chrdev_region((dev_t)(uintptr_t)data, 1);
}

static void ures_sample_destroy_node(void *data)
{
	device_destroy(&ures_sample_class, (dev_t)(uintptr_t)data);
}

static int ures_sample_setup(struct device *dev, struct ures *u)
{
	struct ures_sample *s;
	struct ures_cdev *uc;
	struct device *node;
	dev_t devt;
	int i, ret;

	s = ures_kzalloc(u, sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->ures = u;
	mutex_init(&s->lock);
	s->len = scnprintf(s->buf, sizeof(s->buf), "hello from %s\n",
			   dev_name(dev));
	for (i = 0; i < URES_SAMPLE_MMAP_PAGES; i++) {
		s->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!s->pages[i])
			return -ENOMEM;
		ret = ures_add_action_or_reset(u, ures_sample_free_page,
					       s->pages[i]);
		if (ret)
			return ret;
	}
	ures_set_drvdata(u, s);

	ret = alloc_chrdev_region(&devt, 0, 1, URES_SAMPLE_NAME);
	if (ret)
		return ret;
	ret = devm_add_action_or_reset(dev, ures_sample_unregister_region,
				       (void *)(uintptr_t)devt);
	if (ret)
		return ret;

	uc = ures_cdev_alloc(u, &ures_sample_fops);
	if (IS_ERR(uc))
		return PTR_ERR(uc);
	ret = devm_ures_cdev_add(dev, uc, devt, 1);
	if (ret)
		return ret;

	node = device_create(&ures_sample_class, dev, devt, NULL,
			     URES_SAMPLE_NAME);
	if (IS_ERR(node))
		return PTR_ERR(node);
	ret = devm_add_action_or_reset(dev, ures_sample_destroy_node,
				       (void *)(uintptr_t)devt);
	if (ret)
		return ret;

	/*
	 * Last, so that at unbind it runs first: revoke, wake sleepers, wait
	 * for file operations in flight and zap mappings before the node,
	 * the cdev and the region go away.
	 */
	return devm_ures_bind(dev, u);
}

static int ures_sample_probe(struct platform_device *pdev)
{
	struct ures *u;
	int ret;

	u = ures_alloc(dev_name(&pdev->dev), &ures_sample_ures_ops);
	if (IS_ERR(u))
		return PTR_ERR(u);
	atomic_inc(&ures_sample_live);

	ret = ures_sample_setup(&pdev->dev, u);
	/* devm and the cdev hold their own references from now on. */
	ures_put(u);
	return ret;
}

static struct platform_driver ures_sample_driver = {
	.probe = ures_sample_probe,
	.driver = {
		.name = URES_SAMPLE_NAME,
	},
};

static struct platform_device *ures_sample_pdev;

static int __init ures_sample_init(void)
{
	int ret;

	ret = class_register(&ures_sample_class);
	if (ret)
		return ret;
	ret = platform_driver_register(&ures_sample_driver);
	if (ret)
		goto unregister_class;
	ures_sample_pdev = platform_device_register_simple(URES_SAMPLE_NAME,
							   -1, NULL, 0);
	if (IS_ERR(ures_sample_pdev)) {
		ret = PTR_ERR(ures_sample_pdev);
		goto unregister_driver;
	}
	return 0;

unregister_driver:
	platform_driver_unregister(&ures_sample_driver);
unregister_class:
	class_unregister(&ures_sample_class);
	return ret;
}

static void __exit ures_sample_exit(void)
{
	platform_device_unregister(ures_sample_pdev);
	platform_driver_unregister(&ures_sample_driver);
	class_unregister(&ures_sample_class);
	/* ures_sample_release() must not run after the module is gone. */
	ures_barrier();
}

module_init(ures_sample_init);
module_exit(ures_sample_exit);

MODULE_DESCRIPTION("ures sample: char device state that survives unbind");
MODULE_LICENSE("GPL");
