/*
 * peak_rss CMD ARGS...: run a command and print its peak resident set in
 * KiB, split as the kernel accounts it (anonymous memory vs mapped files:
 * a replayed trace is mapped, so its pages show as RssFile while resident).
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long field(const char *status, const char *name)
{
	const char *p = strstr(status, name);
	long v = 0;

	if (p)
		sscanf(p + strlen(name), ":%ld", &v);
	return v;
}

int main(int argc, char **argv)
{
	long max_anon = 0, max_file = 0;
	struct timespec tick = { 0, 5000000 };
	struct rusage ru;
	char path[64], buf[4096];
	int status;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: peak_rss CMD ARGS...\n");
		return 2;
	}
	pid = fork();
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	for (;;) {
		FILE *f = fopen(path, "r");
		size_t n;

		if (wait4(pid, &status, WNOHANG, &ru) == pid)
			break;
		if (f) {
			n = fread(buf, 1, sizeof(buf) - 1, f);
			buf[n] = 0;
			fclose(f);
			if (field(buf, "RssAnon") > max_anon)
				max_anon = field(buf, "RssAnon");
			if (field(buf, "RssFile") > max_file)
				max_file = field(buf, "RssFile");
		}
		nanosleep(&tick, NULL);
	}
	printf("peak RSS %ld KiB (sampled: anon %ld KiB, file %ld KiB)\n", ru.ru_maxrss,
	       max_anon, max_file);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
