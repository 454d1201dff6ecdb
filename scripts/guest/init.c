// SPDX-License-Identifier: GPL-2.0
/*
 * A tiny init for the guest selftests of the __GFP_UNMAPPED series.
 *
 * Runs the programs listed in /tests/list, one per line:
 *	ktap|ktap-strict|plain|strict <name> [VAR=value...] <path> [args...]
 * and reports them as one KTAP document on the console. A "ktap" program's
 * own KTAP output is nested as a subtest (indented); the output of the
 * others becomes diagnostic lines. The exit status gives the result (0 pass,
 * 4 skip, anything else fail), except for a "strict" or "ktap-strict"
 * program, which has no way to skip: any status but 0 fails. VAR=value
 * words before the path go into the program's environment. A program still
 * running after its timeout is killed and fails. Then the guest reboots,
 * which ends QEMU under -no-reboot.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define MAX_TESTS	64
#define MAX_ARGS	16
#define TIMEOUT_S	600

struct test {
	int ktap;
	int strict;
	int bad;
	char *name;
	char *env[MAX_ARGS + 1];
	char *argv[MAX_ARGS + 1];
};

static struct test tests[MAX_TESTS];
static int ntests;

static void finish(void)
{
	fflush(stdout);
	sync();
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

static void load_list(void)
{
	static char buf[8192];
	FILE *f = fopen("/tests/list", "r");
	char *line, *save;

	if (!f) {
		printf("KTAP version 1\n1..0\n# init: cannot open /tests/list: %s\n",
		       strerror(errno));
		finish();
	}
	while (ntests < MAX_TESTS && fgets(buf, sizeof(buf), f)) {
		struct test *t = &tests[ntests];
		char *mode, *tok;
		int n = 0, e = 0;

		line = strdup(buf);
		mode = strtok_r(line, " \t\n", &save);
		if (!mode || mode[0] == '#')
			continue;
		t->ktap = !strcmp(mode, "ktap") || !strcmp(mode, "ktap-strict");
		t->strict = !strcmp(mode, "strict") ||
			    !strcmp(mode, "ktap-strict");
		/* An unknown mode is reported as a failed test. */
		t->bad = !t->ktap && !t->strict && strcmp(mode, "plain");
		t->name = strtok_r(NULL, " \t\n", &save);
		while (n < MAX_ARGS && (tok = strtok_r(NULL, " \t\n", &save))) {
			if (!n && e < MAX_ARGS && tok[0] != '/' && strchr(tok, '='))
				t->env[e++] = tok;
			else
				t->argv[n++] = tok;
		}
		if (!t->name || !n)
			continue;
		ntests++;
	}
	fclose(f);
}

static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
}

static int run(struct test *t, int num)
{
	int pfd[2], status = 0, i;
	char line[4096];
	pid_t pid;
	FILE *out;

	if (t->bad) {
		printf("not ok %d %s # unknown mode in /tests/list\n", num, t->name);
		return 1;
	}
	if (pipe(pfd)) {
		printf("not ok %d %s # pipe: %s\n", num, t->name, strerror(errno));
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		for (i = 0; t->env[i]; i++)
			putenv(t->env[i]);
		execv(t->argv[0], t->argv);
		printf("exec %s: %s\n", t->argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		printf("not ok %d %s # fork: %s\n", num, t->name, strerror(errno));
		return 1;
	}
	timed_out = 0;
	alarm(TIMEOUT_S);
	out = fdopen(pfd[0], "r");
	while (out) {
		if (!fgets(line, sizeof(line), out)) {
			if (timed_out || !ferror(out) || errno != EINTR)
				break;
			clearerr(out);
			continue;
		}
		/* KTAP output nests as a subtest; other output is diagnostic. */
		printf(t->ktap ? "    %s" : "# %s", line);
		if (!strchr(line, '\n'))
			putchar('\n');
		fflush(stdout);
	}
	if (timed_out)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	alarm(0);
	if (out)
		fclose(out);

	if (timed_out) {
		printf("not ok %d %s # TIMEOUT after %d s\n", num, t->name, TIMEOUT_S);
		return 1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("ok %d %s\n", num, t->name);
		return 0;
	}
	if (!t->strict && WIFEXITED(status) && WEXITSTATUS(status) == 4) {
		printf("ok %d %s # SKIP\n", num, t->name);
		return 0;
	}
	if (WIFSIGNALED(status))
		printf("not ok %d %s # killed by signal %d\n", num, t->name,
		       WTERMSIG(status));
	else
		printf("not ok %d %s # exit status %d\n", num, t->name,
		       WEXITSTATUS(status));
	return 1;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	int i;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("tmpfs", "/tmp", "tmpfs", 0, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGALRM, &sa, NULL);

	load_list();
	printf("KTAP version 1\n1..%d\n", ntests);
	for (i = 0; i < ntests; i++)
		run(&tests[i], i + 1);
	finish();
	return 0;
}
