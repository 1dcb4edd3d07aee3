/*
 * m3ipc-status — the simulator's status view (what the paper shows under /proc): every VM
 * table in /dev/shm, its bound endpoints, their state flags and counters, as one JSON
 * object on stdout. Read-only: it maps the tables without taking any lock, so a busy
 * system may show a slightly inconsistent snapshot.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reap.h"
#include "table.h"

static void print_slot(struct sim_slot *s, int p_nr, bool first)
{
	uint32_t st = atomic_load(&s->state);
	uint64_t pending = 0;
	for (int w = 0; w < M3IPC_MAX_EPS / 64; w++)
		pending |= atomic_load(&s->notify_pending[w]);
	printf("%s{\"p_nr\":%d,\"endpoint\":%d,\"pid\":%d,\"tid\":%u,\"alive\":%s,"
	       "\"flags\":\"%s%s\",\"getfrom\":%d,\"notify_pending\":%s,"
	       "\"sent\":%llu,\"received\":%llu,\"notify_sent\":%llu,\"notify_received\":%llu,"
	       "\"vcopy\":%llu}",
	       first ? "" : ",", p_nr, atomic_load(&s->ep), s->pid, atomic_load(&s->owner_tid),
	       sim_slot_alive(s) ? "true" : "false",
	       (st & ST_SENDING) ? "S" : "", (st & ST_RECEIVING) ? "R" : "",
	       atomic_load(&s->getfrom), pending ? "true" : "false",
	       (unsigned long long)atomic_load(&s->n_sent),
	       (unsigned long long)atomic_load(&s->n_received),
	       (unsigned long long)atomic_load(&s->n_notify_sent),
	       (unsigned long long)atomic_load(&s->n_notify_received),
	       (unsigned long long)atomic_load(&s->n_vcopy));
}

static bool print_vm(const char *file, bool first)
{
	char path[512];
	snprintf(path, sizeof path, "/dev/shm/%s", file);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	struct stat st;
	struct sim_vm *vm = MAP_FAILED;
	if (fstat(fd, &st) == 0 && (size_t)st.st_size == sizeof *vm)
		vm = mmap(NULL, sizeof *vm, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (vm == MAP_FAILED)
		return false;
	if (vm->magic == SIM_MAGIC) {
		printf("%s{\"segment\":\"%s\",\"vmid\":%d,\"nodeid\":%d,\"creator_pid\":%d,"
		       "\"alive\":%s,\"bound\":%u,\"endpoints\":[",
		       first ? "" : ",", file, vm->vmid, vm->nodeid, vm->creator_pid,
		       vm->alive ? "true" : "false", atomic_load(&vm->nr_bound));
		bool first_slot = true;
		for (int i = 0; i < M3IPC_MAX_EPS; i++) {
			uint32_t tid = atomic_load(&vm->slots[i].owner_tid);
			if (tid == 0 || tid == SIM_TID_RELEASING)
				continue;
			print_slot(&vm->slots[i], i, first_slot);
			first_slot = false;
		}
		printf("]}");
	}
	bool printed = vm->magic == SIM_MAGIC;
	munmap(vm, sizeof *vm);
	return printed;
}

int main(void)
{
	DIR *d = opendir("/dev/shm");
	if (d == NULL) {
		perror("m3ipc-status: /dev/shm");
		return 1;
	}
	printf("{\"backend\":\"sim\",\"sizeof_message\":%zu,\"vms\":[", sizeof(message));
	bool first = true;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		if (strncmp(e->d_name, "m3ipc.", 6) == 0 && print_vm(e->d_name, first))
			first = false;
	closedir(d);
	printf("]}\n");
	return 0;
}
