import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

extension SystemIntegrationTests {
    /// The real `vigilctl` binary (built next to the test bundle) against a fake vigild control socket.
    @Suite struct VigilctlControlTests {
        static let vigilctl = VigildProcess.siblingExecutable("vigilctl")

        static let status = DaemonStatus(
            version: "0.4.0",
            pid: 812,
            uptimeSeconds: 3_700,
            summary: "2 targets: 1 running, 1 failed",
            configFile: "/etc/vigil/vigil.toml",
            maintenance: false,
            targets: [
                TargetStatus(
                    name: "web",
                    kind: .process,
                    state: "running",
                    health: .healthy,
                    pid: 913,
                    uptimeSeconds: 312
                ),
                TargetStatus(name: "db", kind: .process, state: "failed", health: .failed, restarts: 5),
            ]
        )

        @Test func statusPrintsTheTableAndExits3WhenATargetIsDown() throws {
            let server = try FakeControlServer(answering: ControlResponse(ok: true, status: Self.status))
            defer { server.stop() }
            let run = try ProcessProbe.run(Self.vigilctl, ["status", "--socket", server.path])
            #expect(run.status == 3, "\(run.err)")
            let lines = run.out.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(
                lines[0]
                    == "vigild 0.4.0 (pid 812, up 1h1m, config /etc/vigil/vigil.toml, maintenance off): "
                    + "2 targets: 1 running, 1 failed"
            )
            #expect(lines[2] == "TARGET  KIND     STATE    HEALTH   PID  RESTARTS  UPTIME  LAST EVENT")
            #expect(lines[3] == "web     process  running  healthy  913  0         5m12s   -")
            #expect(lines[4] == "db      process  failed   failed   -    5         -       -")
            #expect(!run.out.contains("\u{1B}["))
            #expect(server.received == [ControlRequest(command: .status)])
        }

        @Test func statusExits0WhenEveryTargetIsUpAndJSONRoundTrips() throws {
            var status = Self.status
            status.targets.removeLast()
            let healthy = status
            let server = try FakeControlServer(answering: ControlResponse(ok: true, status: healthy))
            defer { server.stop() }
            let run = try ProcessProbe.run(Self.vigilctl, ["status", "--json", "--socket", server.path])
            #expect(run.status == 0, "\(run.err)")
            #expect(try JSONDecoder().decode(DaemonStatus.self, from: Data(run.out.utf8)) == healthy)
        }

        @Test func restartPrintsVigildsMessage() throws {
            let server = try FakeControlServer(answering: ControlResponse(ok: true, message: "restarting web"))
            defer { server.stop() }
            let run = try ProcessProbe.run(Self.vigilctl, ["restart", "web", "--socket", server.path])
            #expect(run.status == 0, "\(run.err)")
            #expect(run.out == "restarting web\n")
            #expect(server.received == [ControlRequest(command: .restart, target: "web")])
        }

        @Test func maintenanceWithoutATargetIsHostWide() throws {
            let server = try FakeControlServer(answering: ControlResponse(ok: true, message: "maintenance on"))
            defer { server.stop() }
            let run = try ProcessProbe.run(Self.vigilctl, ["maintenance", "on", "--socket", server.path])
            #expect(run.status == 0, "\(run.err)")
            #expect(server.received == [ControlRequest(command: .maintenance, enabled: true)])
        }

        @Test func aRefusedReloadPrintsEveryProblemAndExits1() throws {
            let problems = [
                "/etc/vigil/vigil.toml:3: web.command: must not be empty",
                "/etc/vigil/vigil.toml:9: db: unknown key 'kindd'",
            ]
            let server = try FakeControlServer { _ in
                .responses([.failure("configuration has 2 problems; nothing changed", problems: problems)])
            }
            defer { server.stop() }
            let run = try ProcessProbe.run(Self.vigilctl, ["reload", "--socket", server.path])
            #expect(run.status == 1)
            #expect(run.out.isEmpty)
            #expect(
                run.err == "vigilctl: configuration has 2 problems; nothing changed\n"
                    + problems.map { $0 + "\n" }.joined()
            )
        }

        @Test func eventsPrintsOneJSONObjectPerLine() throws {
            let events = (0..<3).map {
                EventRecord(
                    event: "target-exited",
                    target: "web",
                    message: "web exited (\($0))",
                    priority: 4,
                    monotonicMicroseconds: Int64($0),
                    realtimeMicroseconds: 1_795_317_121_000_000,
                    fields: ["EXIT_STATUS": "1"]
                )
            }
            let server = try FakeControlServer(answering: ControlResponse(ok: true, events: events))
            defer { server.stop() }
            let run = try ProcessProbe.run(
                Self.vigilctl,
                ["events", "--target", "web", "--limit", "3", "--json", "--socket", server.path]
            )
            #expect(run.status == 0, "\(run.err)")
            let decoded = try run.out.split(separator: "\n").map {
                try JSONDecoder().decode(EventRecord.self, from: Data($0.utf8))
            }
            #expect(decoded == events)
            #expect(server.received == [ControlRequest(command: .events, target: "web", limit: 3)])
        }

        @Test func eventsFollowPrintsEachEventUntilVigildCloses() throws {
            let lines = try (0..<3).map { number in
                let event = EventRecord(
                    event: number == 0 ? "target-started" : "target-exited",
                    target: "web",
                    message: "event \(number)",
                    priority: 6,
                    monotonicMicroseconds: 0,
                    realtimeMicroseconds: 1_795_317_121_000_000,
                    fields: [:]
                )
                return String(
                    decoding: try ControlLine.encode(ControlResponse(ok: true, events: [event])),
                    as: UTF8.self
                )
            }
            let server = try FakeControlServer { _ in
                .lines(lines.map { String($0.dropLast()) }, interval: .milliseconds(50))
            }
            defer { server.stop() }
            let run = try ProcessProbe.run(Self.vigilctl, ["events", "--follow", "--socket", server.path])
            #expect(run.status == 0, "\(run.err)")
            let printed = run.out.split(separator: "\n")
            // The time is in the test machine's zone; the rest of each line is fixed.
            let expected = [
                "web  target-started  event 0", "web  target-exited  event 1", "web  target-exited  event 2",
            ]
            #expect(printed.map { $0.split(separator: "  ", maxSplits: 1).last.map(String.init) } == expected)
            #expect(server.received == [ControlRequest(command: .events, follow: true)])
        }

        @Test func anUnreachableVigildIsOneLineOnStderrAndExit1() throws {
            let path = "/tmp/vigil-ctl-missing-\(UInt32.random(in: 0...UInt32.max)).sock"
            let run = try ProcessProbe.run(Self.vigilctl, ["status", "--socket", path])
            #expect(run.status == 1)
            #expect(
                run.err == "vigilctl: cannot reach vigild at \(path): No such file or directory — is vigild running?\n"
            )
        }
    }
}
