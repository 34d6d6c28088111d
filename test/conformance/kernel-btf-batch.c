/* kernel-btf-batch: ask the running kernel's BTF verifier about many raw BTF blobs in one process.
 *
 *   cc -O2 -o kernel-btf-batch kernel-btf-batch.c
 *   ./kernel-btf-batch < blobs        # blobs: repeated (u32 little-endian length, bytes)
 *
 * For each blob prints one line: "A" (accepted) or "R <errno>" (rejected). Exit 2 when the kernel
 * cannot be asked (EPERM/ENOSYS). Needs root (CAP_BPF). Nothing stays loaded: each fd is closed.
 * With -v the verifier log of rejected blobs follows its line, indented by a tab.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int read_full(void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(0, (char *)buf + got, n - got);
		if (r <= 0)
			return got == 0 && r == 0 ? 0 : -1;
		got += r;
	}
	return 1;
}

int main(int argc, char **argv)
{
	int verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
	static char log[16 << 20];
	size_t cap = 0;
	char *data = NULL;
	for (;;) {
		unsigned char lenb[4];
		int r = read_full(lenb, 4);
		if (r == 0)
			break;
		if (r < 0) {
			fprintf(stderr, "short read\n");
			return 2;
		}
		uint32_t len = lenb[0] | lenb[1] << 8 | lenb[2] << 16 | (uint32_t)lenb[3] << 24;
		if (len > cap) {
			cap = len;
			data = realloc(data, cap ? cap : 1);
			if (!data)
				return 2;
		}
		if (len && read_full(data, len) != 1) {
			fprintf(stderr, "short read\n");
			return 2;
		}
		union bpf_attr attr;
		memset(&attr, 0, sizeof(attr));
		attr.btf = (unsigned long)data;
		attr.btf_size = len;
		if (verbose) {
			log[0] = 0;
			attr.btf_log_buf = (unsigned long)log;
			attr.btf_log_size = sizeof(log);
			attr.btf_log_level = 1;
		}
		int fd = syscall(__NR_bpf, BPF_BTF_LOAD, &attr, sizeof(attr));
		if (fd >= 0) {
			close(fd);
			printf("A\n");
			continue;
		}
		int err = errno;
		if (err == EPERM || err == ENOSYS) {
			fprintf(stderr, "cannot ask the kernel: %s\n", strerror(err));
			return 2;
		}
		printf("R %d\n", err);
		if (verbose) {
			for (char *p = log; *p;) {
				char *nl = strchr(p, '\n');
				if (!nl) {
					printf("\t%s\n", p);
					break;
				}
				printf("\t%.*s\n", (int)(nl - p), p);
				p = nl + 1;
			}
		}
	}
	fflush(stdout);
	return 0;
}
