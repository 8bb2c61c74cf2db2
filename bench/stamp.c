/* The service the restart-latency benchmark kills.
 *
 * First thing on start it reads CLOCK_MONOTONIC and appends "<pid> <ns>\n" to the file named by argv[1] with a
 * single O_APPEND write (so concurrent writers never interleave a line), then sleeps until it is killed. The
 * stamp is the benchmark's "new process running" instant.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    if (argc != 2) {
        fprintf(stderr, "usage: stamp FILE\n");
        return 2;
    }
    char line[64];
    int n = snprintf(line, sizeof line, "%ld %lld\n", (long)getpid(),
                     (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
    int fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, line, (size_t)n) != n) {
        perror(argv[1]);
        return 1;
    }
    close(fd);
    for (;;) {
        pause();
    }
}
