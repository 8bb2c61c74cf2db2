import Foundation
import Testing
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ControlClientTests {
    static func event(_ number: Int) -> EventRecord {
        EventRecord(
            event: "target-exited",
            target: "web",
            message: "web exited (\(number))",
            priority: 4,
            monotonicMicroseconds: Int64(number),
            realtimeMicroseconds: 1_795_317_121_000_000 + Int64(number),
            fields: [:]
        )
    }

    @Test func sendsOneJSONLineAndDecodesTheAnswer() throws {
        let server = try FakeControlServer { _ in .responses([ControlResponse(ok: true, message: "restarting web")]) }
        defer { server.stop() }
        let response = try ControlClient(socketPath: server.path).send(ControlRequest(command: .restart, target: "web"))
        #expect(response == ControlResponse(ok: true, message: "restarting web"))
        #expect(server.received == [ControlRequest(command: .restart, target: "web")])
        #expect(server.receivedLines.count == 1)
        #expect(server.receivedLines[0].hasPrefix("{") && server.receivedLines[0].hasSuffix("}"))
    }

    @Test func returnsARefusalAsAResponseWithItsProblems() throws {
        let refusal = ControlResponse.failure("configuration refused", problems: ["vigil.toml:3: web.command: empty"])
        let server = try FakeControlServer { _ in .responses([refusal]) }
        defer { server.stop() }
        #expect(try ControlClient(socketPath: server.path).send(ControlRequest(command: .reload)) == refusal)
    }

    @Test func aMissingSocketSaysVigildIsNotRunning() throws {
        let path = "/tmp/vigil-ctl-missing-\(UInt32.random(in: 0...UInt32.max))/control.sock"
        let error = try #require(throws: ControlClientError.self) {
            try ControlClient(socketPath: path).send(ControlRequest(command: .status))
        }
        #expect(error.code == .unreachable)
        #expect(error.message == "cannot reach vigild at \(path): No such file or directory — is vigild running?")
    }

    @Test func aSocketNobodyListensOnIsRefused() throws {
        // A stale socket file: the path exists, nothing listens.
        let path = "/tmp/vigil-ctl-stale-\(UInt32.random(in: 0...UInt32.max)).sock"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        close(fd)
        defer { unlink(path) }
        let error = try #require(throws: ControlClientError.self) {
            try ControlClient(socketPath: path).send(ControlRequest(command: .status))
        }
        #expect(error.message == "cannot reach vigild at \(path): Connection refused — is vigild running?")
    }

    @Test func aServerThatNeverAnswersTimesOut() throws {
        let server = try FakeControlServer { _ in .silent }
        defer { server.stop() }
        let started = ContinuousClock.now
        let error = try #require(throws: ControlClientError.self) {
            try ControlClient(socketPath: server.path, timeout: .milliseconds(300)).send(
                ControlRequest(command: .status)
            )
        }
        let elapsed = ContinuousClock.now - started
        #expect(error.code == .timedOut)
        #expect(error.message == "vigild at \(server.path) did not answer within 300ms")
        #expect(elapsed >= .milliseconds(300) && elapsed < .seconds(3))
    }

    @Test func aServerThatClosesWithoutAnsweringIsReported() throws {
        let server = try FakeControlServer { _ in .lines([]) }
        defer { server.stop() }
        let error = try #require(throws: ControlClientError.self) {
            try ControlClient(socketPath: server.path).send(ControlRequest(command: .status))
        }
        #expect(error.code == .closedEarly)
    }

    @Test func aLineThatIsNotAResponseIsMalformed() throws {
        let server = try FakeControlServer { _ in .lines(["hello"]) }
        defer { server.stop() }
        let error = try #require(throws: ControlClientError.self) {
            try ControlClient(socketPath: server.path).send(ControlRequest(command: .status))
        }
        #expect(error.code == .malformedResponse)
        #expect(error.message.contains("'hello'"))
    }

    @Test func followDeliversTheHistoryThenEachEventAsItArrives() throws {
        let lines = try (0..<4).map { number in
            let response = ControlResponse(
                ok: true,
                events: number == 0 ? [Self.event(0), Self.event(1)] : [Self.event(number + 1)]
            )
            return String(decoding: try ControlLine.encode(response).dropLast(), as: UTF8.self)
        }
        let server = try FakeControlServer { _ in .lines(lines, interval: .milliseconds(50)) }
        defer { server.stop() }
        var received: [[EventRecord]] = []
        try ControlClient(socketPath: server.path).follow(ControlRequest(command: .events, target: "web")) {
            received.append($0.events ?? [])
            return true
        }
        #expect(
            received.map { $0.map(\.message) } == [
                ["web exited (0)", "web exited (1)"], ["web exited (2)"], ["web exited (3)"], ["web exited (4)"],
            ]
        )
        #expect(server.received == [ControlRequest(command: .events, target: "web", follow: true)])
    }

    @Test func followStopsWhenTheCallerHasEnough() throws {
        let line = String(
            decoding: try ControlLine.encode(ControlResponse(ok: true, events: [Self.event(0)])).dropLast(),
            as: UTF8.self
        )
        let server = try FakeControlServer { _ in .lines([line, line, line]) }
        defer { server.stop() }
        var count = 0
        try ControlClient(socketPath: server.path).follow(ControlRequest(command: .events)) { _ in
            count += 1
            return count < 2
        }
        #expect(count == 2)
    }

    @Test func theSocketOptionBeatsTheEnvironmentWhichBeatsTheDefault() {
        let environment = [ControlClient.socketEnvironmentVariable: "/run/other.sock"]
        #expect(ControlClient.socketPath(option: "/tmp/x.sock", environment: environment) == "/tmp/x.sock")
        #expect(ControlClient.socketPath(option: nil, environment: environment) == "/run/other.sock")
        #expect(ControlClient.socketPath(option: nil, environment: [:]) == "/run/vigil/control.sock")
    }
}
