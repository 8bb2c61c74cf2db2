import Glibc
import Testing
import VigilLinux
import VigilTestSupport

extension SystemIntegrationTests {
    /// In `SystemIntegrationTests` because the tests change the environment, which sd_notify reads on every call.
    @Suite struct NotifierTests {
        /// Runs `body` with `variables` set (or unset, for `nil`), restoring what was there before.
        private func withEnvironment(_ variables: [String: String?], _ body: () throws -> Void) rethrows {
            var saved: [String: String?] = [:]
            for (name, value) in variables {
                saved[name] = getenv(name).map { String(cString: $0) }
                if let value {
                    setenv(name, value, 1)
                } else {
                    unsetenv(name)
                }
            }
            defer {
                for (name, value) in saved {
                    if let value {
                        setenv(name, value, 1)
                    } else {
                        unsetenv(name)
                    }
                }
            }
            try body()
        }

        @Test func eachCallSendsExactlyItsAssignmentsToTheNotifySocket() throws {
            let socket = try DatagramSocket()
            withEnvironment(["NOTIFY_SOCKET": socket.path]) {
                let notifier = Notifier()

                #expect(notifier.ready(status: "3 targets healthy"))
                #expect(socket.receive() == "READY=1\nSTATUS=3 targets healthy")

                #expect(notifier.ready())
                #expect(socket.receive() == "READY=1")

                #expect(notifier.status("web restarting"))
                #expect(socket.receive() == "STATUS=web restarting")

                #expect(notifier.reloading(monotonicUsec: 123_456_789))
                #expect(socket.receive() == "RELOADING=1\nMONOTONIC_USEC=123456789")

                #expect(notifier.stopping())
                #expect(socket.receive() == "STOPPING=1")

                #expect(notifier.watchdog())
                #expect(socket.receive() == "WATCHDOG=1")
            }
        }

        @Test func reloadingWithoutATimeSendsTheCurrentMonotonicTime() throws {
            let socket = try DatagramSocket()
            try withEnvironment(["NOTIFY_SOCKET": socket.path]) {
                let before = MonotonicClock.now().microseconds
                #expect(Notifier().reloading())
                let after = MonotonicClock.now().microseconds
                let datagram = try #require(socket.receive())
                let lines = datagram.split(separator: "\n")
                #expect(lines.first == "RELOADING=1")
                let usec = try #require(lines.last.flatMap { Int64($0.dropFirst("MONOTONIC_USEC=".count)) })
                #expect((before...after).contains(usec))
            }
        }

        @Test func newlinesInAStatusCannotInjectAssignments() throws {
            let socket = try DatagramSocket()
            withEnvironment(["NOTIFY_SOCKET": socket.path]) {
                #expect(Notifier().status("target \"x\nREADY=1\" failed"))
                #expect(socket.receive() == "STATUS=target \"x READY=1\" failed")
            }
        }

        @Test func environmentStaysSetAfterNotifying() throws {
            let socket = try DatagramSocket()
            withEnvironment(["NOTIFY_SOCKET": socket.path]) {
                Notifier().ready()
                #expect(getenv("NOTIFY_SOCKET").map { String(cString: $0) } == socket.path)
            }
        }

        @Test func withoutNotifySocketEveryCallIsASilentNoOp() {
            withEnvironment(["NOTIFY_SOCKET": nil]) {
                let notifier = Notifier()
                #expect(!notifier.ready(status: "ok"))
                #expect(!notifier.status("ok"))
                #expect(!notifier.reloading(monotonicUsec: 1))
                #expect(!notifier.stopping())
                #expect(!notifier.watchdog())
            }
        }

        @Test func aNotifySocketNobodyListensOnFailsWithoutCrashing() {
            withEnvironment(["NOTIFY_SOCKET": "/nonexistent/vigil/notify"]) {
                #expect(!Notifier().ready())
            }
        }

        @Test func watchdogIntervalIsWatchdogUsecForThisProcess() {
            withEnvironment(["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "\(getpid())"]) {
                #expect(Notifier().watchdogInterval() == .seconds(2))
            }
            withEnvironment(["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": nil]) {
                #expect(Notifier().watchdogInterval() == .seconds(2))
            }
        }

        @Test func watchdogIntervalIsNilForAnotherProcessOrWithoutWatchdog() {
            withEnvironment(["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "\(getpid() + 1)"]) {
                #expect(Notifier().watchdogInterval() == nil)
            }
            withEnvironment(["WATCHDOG_USEC": nil, "WATCHDOG_PID": nil]) {
                #expect(Notifier().watchdogInterval() == nil)
            }
            withEnvironment(["WATCHDOG_USEC": "soon", "WATCHDOG_PID": nil]) {
                #expect(Notifier().watchdogInterval() == nil)
            }
        }

        @Test func childrenDropEveryVariableThatDescribesVigildItself() {
            #expect(
                Set(Notifier.inheritedVariablesToDrop)
                    == ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"]
            )
        }
    }
}
