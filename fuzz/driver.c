// SPDX-License-Identifier: MIT
/*
 * driver.c - a main() for the fuzz targets without a fuzzing engine: runs
 * LLVMFuzzerTestOneInput() once on each file named on the command line, or on each file of a
 * named directory (the committed corpus). CTest uses it to replay fuzz/corpus/<target>/ in
 * every build, so a regression input fails the ordinary test suite.
 */
#define _DEFAULT_SOURCE 1	/* scandir(), strdup() under -std=c11 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			uint8_t *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (!buf) {
		fprintf(stderr, "%s: out of memory\n", path);
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	unsigned ran = 0;
	int bad = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			perror(argv[i]);
			return 2;
		}
		if (!S_ISDIR(st.st_mode)) {
			bad |= run_file(argv[i]) < 0;
			ran++;
			continue;
		}
		struct dirent **ents;
		int n = scandir(argv[i], &ents, NULL, NULL);
		if (n < 0) {
			perror(argv[i]);
			return 2;
		}
		char **names = malloc((size_t)n * sizeof(*names));
		int m = 0;
		for (int j = 0; j < n; j++) {
			if (ents[j]->d_name[0] != '.' && names)
				names[m++] = strdup(ents[j]->d_name);
			free(ents[j]);
		}
		free(ents);
		if (!names)
			return 2;
		qsort(names, (size_t)m, sizeof(*names), cmp);	/* a stable order to debug by */
		for (int j = 0; j < m; j++) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", argv[i], names[j]);
			bad |= run_file(path) < 0;
			ran++;
			free(names[j]);
		}
		free(names);
	}
	printf("%u input(s) replayed\n", ran);
	return bad ? 2 : (ran ? 0 : 2);
}
