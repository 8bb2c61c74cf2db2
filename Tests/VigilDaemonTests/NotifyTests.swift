import Foundation
import Testing
import VigilCore
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The sd_notify protocol as systemd would receive it, on a real unix datagram socket given as NOTIFY_SOCKET.
@Suite struct NotifyTests {
    /// Reads datagrams until one satisfies `condition` (or `limit` arrive), returning all that were read.
    private func receive(
        from socket: DatagramSocket,
        until condition: (String) -> Bool,
        limit: Int = 200
    ) -> [String] {
        var messages: [String] = []
        while messages.count < limit, let message = socket.receive(timeoutMilliseconds: 10_000) {
            messages.append(message)
            if condition(message) {
                break
            }
        }
        return messages
    }

    @Test func reportsReadyStatusReloadingStoppingAndPingsTheWatchdogAtHalfItsInterval() async throws {
        let socket = try DatagramSocket()
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "one"
                exec = ["/bin/sleep", "1000"]
                restart = { start_grace = "200ms" }

                [[target]]
                name = "two"
                exec = ["/bin/sleep", "1000"]
                restart = { start_grace = "200ms" }
                """,
            environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "400000"]
        )
        let startup = receive(from: socket) { $0.contains("READY=1") }
        let ready = try #require(startup.last)
        #expect(ready == "READY=1\nSTATUS=2 targets: 2 running")
        #expect(vigild.events(.targetStarted).count == 2, "READY only after every target has started")

        // Watchdog: WATCHDOG=1 every 200 ms (half of 400 ms), from the engine queue.
        var pings: [ContinuousClock.Instant] = []
        while pings.count < 8, let message = socket.receive(timeoutMilliseconds: 5_000) {
            if message == "WATCHDOG=1" {
                pings.append(.now)
            }
        }
        #expect(pings.count == 8)
        let gaps = zip(pings.dropFirst(), pings).map { $0 - $1 }.sorted()
        let median = gaps[gaps.count / 2]
        #expect(median > .milliseconds(100) && median < .milliseconds(400), "median gap \(median)")

        vigild.signal(SIGHUP)
        let reload = receive(from: socket) { $0.hasPrefix("READY=1") }.filter { $0 != "WATCHDOG=1" }
        let reloading = try #require(reload.first)
        #expect(reloading.hasPrefix("RELOADING=1\nMONOTONIC_USEC="))
        let usec = try #require(Int64(reloading.split(separator: "=").last ?? ""))
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        #expect(usec > 0 && usec <= Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec / 1_000))
        #expect(reload.last == "READY=1\nSTATUS=2 targets: 2 running")

        vigild.signal(SIGTERM)
        let shutdown = receive(from: socket) { $0.contains("STOPPING=1") }.filter { $0 != "WATCHDOG=1" }
        #expect(shutdown.last == "STOPPING=1")
        #expect(try await vigild.waitForExit() == 0)
    }

    @Test func statusFollowsTargetsAsTheyChange() async throws {
        let socket = try DatagramSocket()
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "crasher"
                exec = ["/bin/sh", "-c", "exit 1"]
                restart = { backoff = "0..0", burst = 1, within = "1m" }
                """,
            environment: ["NOTIFY_SOCKET": socket.path]
        )
        let messages = receive(from: socket) { $0 == "STATUS=1 target: 1 failed" }
        #expect(messages.last == "STATUS=1 target: 1 failed")
        #expect(messages.contains { $0.hasPrefix("READY=1") })
        _ = vigild
    }
}
