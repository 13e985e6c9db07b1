/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * BPF maps made and filled outside the skeleton (bpfmap.c): a generation's
 * inner maps, mmapped arrays, batch updates.
 */
#ifndef XDPBLOCK_BPFMAP_H
#define XDPBLOCK_BPFMAP_H

#include <stddef.h>
#include <stdint.h>

/* An array / a hash map of @entries (@name: what bpftool shows). */
int bpfmap_create_array(const char *name, uint32_t value_size,
			uint32_t entries);
int bpfmap_create_hash(const char *name, uint32_t key_size, uint32_t value_size,
		       uint32_t entries);
/*
 * A trie root of @entries (XDPB_TRIE_ROOT_ENTRIES() of its family, the
 * size of its template in bpf/maps.bpf.h) in chunks, without
 * BPF_F_INNER_MAP, so that the verifier can inline the datapath's
 * lookups in it.
 */
int bpfmap_create_root(const char *name, uint32_t entries);
/* @bytes of the mmappable map @fd, shared; NULL on failure. */
void *bpfmap_mmap(int fd, size_t bytes);
void bpfmap_munmap(void *p, size_t bytes);
/* @nr keys and values into map @fd, BATCH_CHUNK per syscall. */
int bpfmap_batch_update(int fd, const void *keys, size_t key_size,
			const void *values, size_t value_size, size_t nr);

#endif
