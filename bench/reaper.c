/* The small reaper every benchmarked supervisor runs under: `reaper PROGRAM [ARG...]`.
 *
 * It marks itself a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so processes orphaned below it (a service a
 * supervisor started in the background, a double-forked helper) are reparented here and reaped at once instead of
 * waiting on the machine's PID 1, whose reaping speed differs from machine to machine. It then starts PROGRAM and
 * waits for any child in a loop. SIGTERM, SIGINT and SIGHUP are passed on to PROGRAM. When PROGRAM exits, the
 * reaper SIGKILLs the orphans it adopted (its remaining children), reaps them, and exits with PROGRAM's status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t child_pid;

static void forward(int signo) {
    if (child_pid > 0) {
        kill((pid_t)child_pid, signo);
    }
}

/* SIGKILLs every remaining child of this process, as listed by /proc/self/task/TID/children. */
static void kill_adopted(void) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%ld/children", (long)getpid());
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        return;
    }
    long pid;
    while (fscanf(file, "%ld", &pid) == 1) {
        kill((pid_t)pid, SIGKILL);
    }
    fclose(file);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: reaper PROGRAM [ARG...]\n");
        return 2;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
        perror("reaper: prctl(PR_SET_CHILD_SUBREAPER)");
        return 1;
    }
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = forward;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGHUP, &action, NULL);

    pid_t pid = fork();
    if (pid < 0) {
        perror("reaper: fork");
        return 1;
    }
    if (pid == 0) {
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        execvp(argv[1], argv + 1);
        fprintf(stderr, "reaper: cannot run %s: %s\n", argv[1], strerror(errno));
        _exit(127);
    }
    child_pid = pid;

    int exit_code = 1;
    for (;;) {
        int status;
        pid_t reaped = waitpid(-1, &status, 0);
        if (reaped < 0) {
            if (errno == EINTR) {
                continue;
            }
            break; /* ECHILD: nothing left */
        }
        if (reaped == pid) {
            exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            child_pid = 0;
        }
        if (child_pid == 0) {
            kill_adopted(); /* again after each reap: a killed orphan's own children are adopted next */
        }
    }
    return exit_code;
}
