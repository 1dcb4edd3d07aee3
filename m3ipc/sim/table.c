/* table.c — naming, creating, mapping and removing the per-VM shm segments (table.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "table.h"

/* This process's mappings. A mapping whose VM has ended (alive == 0) is stale: the segment
 * may have been unlinked and recreated, so it is remapped on the next use. A stale mapping is
 * only unmapped when no thread of this process still holds a slot's robust `life` mutex in
 * it: glibc keeps those mutexes on a per-thread list and would touch the unmapped memory. */
static struct sim_vm *mapped[M3IPC_MAX_VMS];
static int local_bound[M3IPC_MAX_VMS];
static pthread_mutex_t map_lock = PTHREAD_MUTEX_INITIALIZER;

/* Drop mapped[vmid] (map_lock held), unmapping it when that is safe. */
static void drop_mapping(int vmid)
{
	if (mapped[vmid] && local_bound[vmid] == 0)
		munmap(mapped[vmid], sizeof(struct sim_vm));
	mapped[vmid] = NULL;
}

void sim_vm_reset_after_fork(void)
{
	for (int i = 0; i < M3IPC_MAX_VMS; i++)
		local_bound[i] = 0;
}

void sim_vm_note_bound(int vmid, int delta)
{
	pthread_mutex_lock(&map_lock);
	local_bound[vmid] += delta;
	pthread_mutex_unlock(&map_lock);
}

const char *sim_namespace(void)
{
	const char *ns = getenv("M3IPC_NS");
	return (ns && *ns) ? ns : NULL;
}

void sim_vm_shm_name(char *buf, size_t len, const char *ns, int vmid)
{
	snprintf(buf, len, "/m3ipc.%s.vm%d", ns, vmid);
}

void sim_sweep_dead_namespaces(void)
{
	DIR *d = opendir("/dev/shm");
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		char *end;
		if (strncmp(e->d_name, "m3ipc.", 6) != 0)
			continue;
		long pid = strtol(e->d_name + 6, &end, 10);
		if (end == e->d_name + 6 || strncmp(end, ".vm", 3) != 0 || pid <= 0)
			continue;
		if (kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
			char name[sizeof e->d_name + 1];
			snprintf(name, sizeof name, "/%s", e->d_name);
			shm_unlink(name);
		}
	}
	closedir(d);
}

static int vm_name(char *buf, size_t len, int vmid)
{
	const char *ns = sim_namespace();
	if (ns == NULL)
		return EMOLNOTINIT;
	if (vmid < 0 || vmid >= M3IPC_MAX_VMS)
		return EMOLBADVMID;
	sim_vm_shm_name(buf, len, ns, vmid);
	return EMOLOK;
}

static void init_slot(struct sim_slot *s)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&s->life, &a);
	pthread_mutexattr_destroy(&a);
	s->ep = NONE;
	s->getfrom = NONE;
	s->sendto = SIM_NO_SLOT;
	s->q_head = s->q_tail = s->q_next = SIM_NO_SLOT;
	s->cpu = -1;
}

/* The new segment of VM vmid (M3IPC_ANY_VM: of the lowest free id), open; or an EMOL* code. */
static int create_segment(int *vmid, char *name, size_t len)
{
	if (*vmid != M3IPC_ANY_VM) {
		int rc = vm_name(name, len, *vmid);
		if (rc < 0)
			return rc;
		int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
		return fd >= 0 ? fd : errno == EEXIST ? EMOLVMEXIST : EMOLGENERIC;
	}
	for (int id = 0; id < M3IPC_MAX_VMS; id++) {
		*vmid = id;
		int fd = create_segment(vmid, name, len);
		if (fd != EMOLVMEXIST)
			return fd;
	}
	return EMOLBUSY;
}

int sim_vm_create(int vmid, int nodeid, struct sim_vm **out)
{
	char name[SIM_NAME_MAX];
	int fd = create_segment(&vmid, name, sizeof name);
	if (fd < 0)
		return fd;
	/* shm_open's mode is filtered by the umask; the table must be 0600 whatever it is. */
	if (fchmod(fd, 0600) < 0 || ftruncate(fd, sizeof(struct sim_vm)) < 0) {
		close(fd);
		shm_unlink(name);
		return EMOLNOMEM;
	}
	struct sim_vm *vm = mmap(NULL, sizeof *vm, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (vm == MAP_FAILED) {
		shm_unlink(name);
		return EMOLNOMEM;
	}
	vm->vmid = vmid;
	vm->nodeid = nodeid;
	vm->creator_pid = getpid();
	for (int i = 0; i < M3IPC_MAX_EPS; i++)
		init_slot(&vm->slots[i]);
	vm->alive = 1;
	__atomic_store_n(&vm->magic, SIM_MAGIC, __ATOMIC_RELEASE);

	pthread_mutex_lock(&map_lock);
	drop_mapping(vmid);
	mapped[vmid] = vm;
	pthread_mutex_unlock(&map_lock);
	*out = vm;
	return EMOLOK;
}

int sim_vm_map(int vmid, struct sim_vm **out)
{
	char name[SIM_NAME_MAX];
	int rc = vm_name(name, sizeof name, vmid);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&map_lock);
	struct sim_vm *vm = mapped[vmid];
	if (vm && !atomic_load(&vm->alive)) {
		drop_mapping(vmid);
		vm = NULL;
	}
	if (vm == NULL) {
		int fd = shm_open(name, O_RDWR, 0);
		if (fd < 0) {
			pthread_mutex_unlock(&map_lock);
			return errno == ENOENT ? EMOLBADVMID : EMOLPRIVILEGES;
		}
		struct stat st;
		if (fstat(fd, &st) == 0 && (size_t)st.st_size == sizeof *vm)
			vm = mmap(NULL, sizeof *vm, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
		if (vm == NULL || vm == MAP_FAILED || vm->magic != SIM_MAGIC || !vm->alive) {
			if (vm && vm != MAP_FAILED)
				munmap(vm, sizeof *vm);
			pthread_mutex_unlock(&map_lock);
			return EMOLBADVMID;
		}
		mapped[vmid] = vm;
	}
	pthread_mutex_unlock(&map_lock);
	*out = vm;
	return EMOLOK;
}

void sim_vm_forget(int vmid)
{
	pthread_mutex_lock(&map_lock);
	drop_mapping(vmid);
	pthread_mutex_unlock(&map_lock);
}

static int errno_code(void)
{
	return errno == ENOENT ? EMOLBADVMID : errno == EACCES || errno == EPERM ? EMOLPRIVILEGES
								 : EMOLGENERIC;
}

int sim_vm_unlink(int vmid)
{
	char name[SIM_NAME_MAX];
	int rc = vm_name(name, sizeof name, vmid);
	if (rc < 0)
		return rc;
	/* /dev/shm is sticky: only the segment's owner (or CAP_FOWNER) may remove it. */
	return shm_unlink(name) == 0 ? EMOLOK : errno_code();
}

int sim_vm_set_group(int vmid, gid_t gid)
{
	char name[SIM_NAME_MAX];
	int rc = vm_name(name, sizeof name, vmid);
	if (rc < 0)
		return rc;
	int fd = shm_open(name, O_RDWR, 0);
	if (fd < 0)
		return errno_code();
	/* The kernel's chown rule is the API's: the owner, to a group it belongs to (or CAP_CHOWN). */
	if (gid == (gid_t)-1)
		rc = fchmod(fd, 0600);
	else
		rc = fchown(fd, (uid_t)-1, gid) == 0 ? fchmod(fd, 0660) : -1;
	rc = rc == 0 ? EMOLOK : errno_code();
	close(fd);
	return rc;
}
