// SPDX-License-Identifier: MIT
/*
 * fuzz_merge.c - fuzz target: one shard result as `pcsim merge` reads it (parse_result() in
 * tools/pcsim/campaign.c: the --json output of `pcsim explore --shard I/N`, of a built-in
 * program or of a scenario file).
 *
 * The command line's file is compiled in here (its parser is static); the one function of
 * another CLI file it calls, the judging of a merged scenario campaign, is stubbed: merge never
 * reaches it from a parse. Properties checked beyond "no crash, no sanitizer report": the
 * parser returns 0 or -1, an error says why, and a result it accepts has a program, strategy
 * and outcome and a slice I/N with I < N.
 *
 * One source for every engine: libFuzzer, AFL++ and the plain corpus replayer (driver.c).
 */
#include "../tools/pcsim/campaign.c"

int pcsim_cli_scenario_judge_merged(const char *path, const char *kernel, const char *outcome,
				    const char *what, char *why, size_t len)
{
	(void)path, (void)kernel, (void)outcome, (void)what;
	snprintf(why, len, "not judged by the fuzz target");
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 16))
		return 0;
	char *text = malloc(size + 1);	/* NUL-terminated, as read_small_file() leaves it */
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	struct shard_result *s = calloc(1, sizeof(*s));
	char err[256] = "";
	if (s) {
		int rc = parse_result(text, size, s, err, sizeof(err));
		if (rc == -1) {
			if (!err[0])
				abort();
		} else if (rc == 0) {
			if (!s->program[0] || !s->strategy[0] || !s->outcome[0] || s->count < 1 ||
			    s->index >= s->count)
				abort();
		} else {
			abort();
		}
	}
	free(s);
	free(text);
	return 0;
}
