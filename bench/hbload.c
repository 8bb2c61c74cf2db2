/* Heartbeat load generator for bench/heartbeat-load: authenticated heartbeats (docs/heartbeat-protocol.md) at a
 * fixed total rate, spread over many targets and many source addresses.
 *
 *   hbload HOST PORT KEYFILE PREFIX FIRST COUNT STRIDE RATE SECONDS SRCBASE SRCCOUNT
 *
 * Sends to targets PREFIX<i> for i = FIRST, FIRST+STRIDE, ... (COUNT of them), round robin, RATE datagrams per
 * second in total for SECONDS, from SRCCOUNT UDP sockets bound to consecutive IPv4 loopback addresses starting at
 * SRCBASE (127.x.y.z): vigild rate-limits per source address (50/s), so the load is spread over enough of them.
 * The HMAC-SHA256 of every packet is computed here, per packet (OpenSSL's HMAC()), as a real sender would.
 * Every millisecond it sends what the schedule owes. Prints "sent N errors E elapsed S cpu S" at the end (cpu: its own user + system time).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(int clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void put64(uint8_t *p, uint64_t v) {
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

static int read_key(const char *path, uint8_t *key, size_t *length) {
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        perror(path);
        return -1;
    }
    char hex[257] = {0};
    size_t n = fread(hex, 1, sizeof hex - 1, file);
    fclose(file);
    size_t digits = 0;
    while (digits < n && ((hex[digits] >= '0' && hex[digits] <= '9') || (hex[digits] >= 'a' && hex[digits] <= 'f') ||
                          (hex[digits] >= 'A' && hex[digits] <= 'F'))) {
        digits++;
    }
    if (digits < 64 || digits % 2 != 0) {
        fprintf(stderr, "%s: expected at least 64 hex digits\n", path);
        return -1;
    }
    for (size_t i = 0; i < digits / 2; i++) {
        unsigned value;
        sscanf(hex + 2 * i, "%2x", &value);
        key[i] = (uint8_t)value;
    }
    *length = digits / 2;
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 12) {
        fprintf(stderr, "usage: hbload HOST PORT KEYFILE PREFIX FIRST COUNT STRIDE RATE SECONDS SRCBASE SRCCOUNT\n");
        return 2;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]);
    uint8_t key[128];
    size_t key_length;
    if (read_key(argv[3], key, &key_length) != 0) {
        return 1;
    }
    const char *prefix = argv[4];
    long first = atol(argv[5]), count = atol(argv[6]), stride = atol(argv[7]);
    double rate = atof(argv[8]), seconds = atof(argv[9]);
    struct in_addr source_base;
    if (inet_pton(AF_INET, argv[10], &source_base) != 1) {
        fprintf(stderr, "bad SRCBASE %s\n", argv[10]);
        return 2;
    }
    long sources = atol(argv[11]);
    if (count < 1 || stride < 1 || sources < 1 || rate <= 0 || seconds <= 0) {
        fprintf(stderr, "COUNT, STRIDE, SRCCOUNT, RATE and SECONDS must be positive\n");
        return 2;
    }

    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &to.sin_addr) != 1) {
        fprintf(stderr, "bad HOST %s\n", host);
        return 2;
    }
    int *sockets = calloc((size_t)sources, sizeof(int));
    for (long s = 0; s < sources; s++) {
        sockets[s] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in from = {.sin_family = AF_INET};
        from.sin_addr.s_addr = htonl(ntohl(source_base.s_addr) + (uint32_t)s);
        if (sockets[s] < 0 || bind(sockets[s], (struct sockaddr *)&from, sizeof from) != 0) {
            perror("bind source address");
            return 1;
        }
    }

    /* One packet template per target: its name and sequence. */
    uint8_t(*packets)[128] = calloc((size_t)count, 128);
    size_t *lengths = calloc((size_t)count, sizeof(size_t));
    uint64_t *sequences = calloc((size_t)count, sizeof(uint64_t));
    uint64_t incarnation = (uint64_t)now_ns(CLOCK_REALTIME);
    for (long t = 0; t < count; t++) {
        char name[65];
        int n = snprintf(name, sizeof name, "%s%ld", prefix, first + t * stride);
        uint8_t *p = packets[t];
        memcpy(p, "VGHB", 4);
        p[4] = 1;
        p[5] = 0;
        p[6] = 0;
        p[7] = (uint8_t)n;
        put64(p + 8, incarnation);
        memcpy(p + 32, name, (size_t)n);
        lengths[t] = 32 + (size_t)n;
    }

    const EVP_MD *sha256 = EVP_sha256();
    int64_t start = now_ns(CLOCK_MONOTONIC);
    int64_t end = start + (int64_t)(seconds * 1e9);
    uint64_t sent = 0, errors = 0;
    long next_target = 0, next_source = 0;
    for (;;) {
        int64_t now = now_ns(CLOCK_MONOTONIC);
        if (now >= end) {
            break;
        }
        uint64_t owed = (uint64_t)((double)(now - start) * rate / 1e9);
        while (sent + errors < owed) {
            long t = next_target;
            next_target = (next_target + 1) % count;
            uint8_t *p = packets[t];
            put64(p + 16, ++sequences[t]);
            put64(p + 24, (uint64_t)now_ns(CLOCK_REALTIME));
            unsigned mac_length = 32;
            HMAC(sha256, key, (int)key_length, p, lengths[t], p + lengths[t], &mac_length);
            int socket_fd = sockets[next_source];
            next_source = (next_source + 1) % sources;
            if (sendto(socket_fd, p, lengths[t] + 32, 0, (struct sockaddr *)&to, sizeof to) < 0) {
                errors++;
            } else {
                sent++;
            }
        }
        struct timespec pause = {.tv_sec = 0, .tv_nsec = 1000000};
        nanosleep(&pause, NULL);
    }
    double elapsed = (double)(now_ns(CLOCK_MONOTONIC) - start) / 1e9;
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double cpu = (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6 + (double)usage.ru_stime.tv_sec +
                 (double)usage.ru_stime.tv_usec / 1e6;
    printf("sent %llu errors %llu elapsed %.3f cpu %.3f\n", (unsigned long long)sent, (unsigned long long)errors,
           elapsed, cpu);
    return 0;
}
