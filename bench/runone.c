// runone RESULT NETNS CMD [ARG...]: runs CMD inside the network namespace /run/netns/NETNS
// and writes "WALL_S CPU_S MAXRSS_KB EXIT SYS_S" to the file RESULT (CPU = user + sys; sys is
// the kernel's work done for the process). A small C launcher, because a
// child forked from Python starts with Python's peak RSS, which exec does not reset.
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: runone RESULT NETNS CMD [ARG...]\n");
    return 2;
  }
  char path[4096];
  snprintf(path, sizeof path, "/run/netns/%s", argv[2]);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pid_t pid = fork();
  if (pid < 0) return 2;
  if (pid == 0) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) _exit(126);
    execv(argv[3], argv + 3);
    _exit(127);
  }
  int status = 0;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) return 2;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
  double sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
  int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  FILE* out = fopen(argv[1], "w");
  if (!out) return 2;
  fprintf(out, "%.6f %.6f %ld %d %.6f\n", wall, cpu, ru.ru_maxrss, rc, sys);
  fclose(out);
  return 0;
}
