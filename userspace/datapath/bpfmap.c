// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* BPF maps made and filled outside the skeleton: see bpfmap.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/bigalloc.h"
#include "common/log.h"
#include "datapath/bpfmap.h"
#include "../../maps/xdpblock_maps.h"
#include "datapath/pinning.h"

/* Per-CPU lookups and updates move this many entries per syscall. */
#define BATCH_CHUNK 65536

/* Element sizes are multiples of 8, so the mmapped memory has no gaps. */
int bpfmap_create_array(const char *name, uint32_t value_size, uint32_t entries)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts,
		    .map_flags = BPF_F_MMAPABLE | BPF_F_INNER_MAP);

	return bpf_map_create(BPF_MAP_TYPE_ARRAY, name, sizeof(uint32_t),
			      value_size, entries ? entries : 1, &opts);
}

int bpfmap_create_root(const char *name, uint32_t entries)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);

	return bpf_map_create(BPF_MAP_TYPE_ARRAY, name, sizeof(uint32_t),
			      sizeof(struct xdpb_tbl_chunk),
			      entries / XDPB_TBL_CHUNK, &opts);
}

int bpfmap_create_hash(const char *name, uint32_t key_size, uint32_t value_size,
		       uint32_t entries)
{
	return bpf_map_create(BPF_MAP_TYPE_HASH, name, key_size, value_size,
			      entries ? entries : 1, NULL);
}

void *bpfmap_mmap(int fd, size_t bytes)
{
	size_t page = sysconf(_SC_PAGESIZE);
	void *p;

	bytes = (bytes + page - 1) / page * page;
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

void bpfmap_munmap(void *p, size_t bytes)
{
	size_t page = sysconf(_SC_PAGESIZE);

	if (p)
		munmap(p, (bytes + page - 1) / page * page);
}

int bpfmap_batch_update(int fd, const void *keys, size_t key_size,
			const void *values, size_t value_size, size_t nr)
{
	for (size_t done = 0; done < nr;) {
		uint32_t count = nr - done > BATCH_CHUNK ? BATCH_CHUNK
							 : nr - done;
		int err = bpf_map_update_batch(
			fd, (const char *)keys + done * key_size,
			(const char *)values + done * value_size, &count, NULL);

		if (err)
			return -errno;
		done += count;
	}
	return 0;
}
