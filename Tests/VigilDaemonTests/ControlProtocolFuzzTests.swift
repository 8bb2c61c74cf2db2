import Foundation
import Testing
import VigilCore
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The control socket against hostile clients, black-box: a seeded fuzzer throws random and mutated requests,
/// oversized lines, requests in many pieces, early hang-ups, slow and non-reading clients and fifty clients at
/// once at a real vigild for a bounded time, then checks that the same vigild still answers and its targets were
/// left alone. The seed is printed; `VIGIL_FUZZ_SEED=<seed>` replays a run.
@Suite struct ControlProtocolFuzzTests {
    /// What one fuzz case did, for the counts printed at the end.
    enum Case: String, CaseIterable, Sendable {
        case randomBytes = "random bytes"
        case mutatedRequest = "mutated requests"
        case oversizedLine = "oversized lines"
        case partialWrites = "requests in pieces"
        case earlyClose = "early closes"
        case slowReader = "slow readers"
        case manyAtOnce = "50 clients at once"
    }

    /// The outcome of a run: counts per case, replies seen, and what broke.
    struct Report: Sendable {
        var seed: UInt64 = 0
        var cases: [Case: Int] = [:]
        var answered = 0
        var hungUpOn = 0
        var invalidReplies: [String] = []
        var unansweredValidRequests: [String] = []
        var vigildDiedAfter: String?
        var duration: Duration = .zero

        var summary: String {
            let counts = Case.allCases.map { "\($0.rawValue) \(cases[$0] ?? 0)" }.joined(separator: ", ")
            return "control fuzz seed \(seed), \(duration): \(counts); \(answered) replies read, \(hungUpOn) "
                + "connections closed without a reply"
        }
    }

    private static let readOnlyCommands = ["status", "events", "report"]

    @Test func vigildSurvivesFuzzedRequestsEarlyClosesSlowReadersAndFiftyClientsAtOnceWithTargetsUndisturbed()
        async throws
    {
        let vigild = try VigildProcess(config: HostileControlClientTests.twoSleepers)
        try await vigild.waitForEvent(.daemonReady)
        let pids = vigild.events(.targetStarted).compactMap(\.pid).sorted()
        let descriptorsBefore = Self.openDescriptors(of: vigild.pid)
        let socket = vigild.controlSocket
        // Blocking sockets: the run gets a thread of its own rather than holding one of the test pool's.
        let report = await withCheckedContinuation { (done: CheckedContinuation<Report, Never>) in
            Thread {
                done.resume(returning: Self.run(against: socket, vigild: vigild, budget: .seconds(25)))
            }.start()
        }
        print(report.summary)
        #expect(report.vigildDiedAfter == nil, "\(HostileControlClientTests.death(of: vigild)) after \(report)")
        #expect(report.invalidReplies.isEmpty, "replies that are not a ControlResponse line: \(report.invalidReplies)")
        #expect(
            report.unansweredValidRequests.isEmpty,
            "valid requests not answered: \(report.unansweredValidRequests)"
        )
        #expect(Case.allCases.allSatisfy { (report.cases[$0] ?? 0) > 0 }, "\(report.summary)")
        try #require(vigild.process.isRunning, "\(HostileControlClientTests.death(of: vigild))")

        let answer = try ControlProbe.ask(socket, ControlRequest(command: .status))
        #expect(answer.ok && answer.status?.pid == vigild.pid)
        #expect(answer.status?.summary == "2 targets: 2 running")
        #expect(answer.status?.targets.compactMap(\.pid).sorted() == pids, "the targets kept their processes")
        #expect(vigild.events(.targetExited).isEmpty && vigild.events(.targetStarted).count == 2)
        // Every connection was let go of, and vigild idles: no descriptor leaked, no busy loop left behind.
        let closed = try? await vigild.waitFor("vigild to close the fuzzers' connections", timeout: .seconds(10)) { _ in
            Self.openDescriptors(of: vigild.pid) <= descriptorsBefore ? true : nil
        }
        #expect(
            closed != nil,
            "\(descriptorsBefore) sockets before, now: \(Self.descriptorTargets(of: vigild.pid).joined(separator: " "))"
        )
        let cpuBefore = Self.cpuTicks(of: vigild.pid)
        try await Task.sleep(for: .seconds(1))
        let cpuTicks = Self.cpuTicks(of: vigild.pid) - cpuBefore
        #expect(cpuTicks < 30, "vigild used \(cpuTicks) ticks of CPU in an idle second")
    }

    /// Runs fuzz cases round-robin until `budget` has passed or vigild dies.
    static func run(against socket: String, vigild: VigildProcess, budget: Duration) -> Report {
        var input = FuzzInput()
        var report = Report(seed: input.seed)
        print("control fuzz seed \(input.seed) (replay with VIGIL_FUZZ_SEED=\(input.seed))")
        let started = ContinuousClock.now
        // Followers that never read, held open for the whole run while everything else goes on.
        var idleFollowers: [StreamClient] = []
        for _ in 0..<5 {
            if let follower = try? StreamClient(unixPath: socket, receiveBuffer: 1_024) {
                follower.send(Array(#"{"command":"events","follow":true,"limit":1000,"version":1}"#.utf8) + [10])
                idleFollowers.append(follower)
            }
        }
        var round = 0
        while ContinuousClock.now - started < budget {
            let kind = Case.allCases[round % Case.allCases.count]
            round += 1
            var description = ""
            do {
                description = try runCase(kind, socket: socket, input: &input, report: &report)
            } catch {
                description = "\(kind.rawValue): \(error)"
            }
            report.cases[kind, default: 0] += 1
            if !vigild.process.isRunning {
                report.vigildDiedAfter = description
                break
            }
        }
        for follower in idleFollowers { follower.close() }
        report.duration = ContinuousClock.now - started
        return report
    }

    /// One fuzz case; returns what it sent, for the report should vigild die of it.
    private static func runCase(
        _ kind: Case,
        socket: String,
        input: inout FuzzInput,
        report: inout Report
    ) throws -> String {
        switch kind {
        case .randomBytes:
            var bytes = input.bytes(input.pick([0, input.int(1...64), input.int(65...4_096)]))
            if input.chance(0.5) { bytes.append(10) }
            try exchange(bytes, socket: socket, input: &input, report: &report)
            return "random bytes \(Data(bytes.prefix(256)).base64EncodedString())"
        case .mutatedRequest:
            // Half as the protocol's own fields with hostile values, half mutated further byte by byte.
            let request = randomRequest(&input)
            let bytes = readOnly(input.chance(0.5) ? request : input.mutate(request))
            try exchange(bytes + [10], socket: socket, input: &input, report: &report)
            return "mutated request \(String(decoding: bytes.prefix(512), as: UTF8.self))"
        case .oversizedLine:
            let size = input.pick([65_537, 70_000, 1 << 20, input.int(65_537...300_000)])
            let client = try StreamClient(unixPath: socket, timeout: .seconds(5))
            client.send(Array(repeating: UInt8(ascii: "x"), count: size) + [10])
            record(client.receiveLine(), expectingReply: false, what: "\(size) bytes", report: &report)
            return "a line of \(size) bytes"
        case .partialWrites:
            let request = randomValidRequest(&input)
            let client = try StreamClient(unixPath: socket, timeout: .seconds(5))
            client.send(request, inPiecesOf: input.int(1...7), pause: .microseconds(input.int(0...1_500)))
            let what = String(decoding: request, as: UTF8.self)
            record(client.receiveLine(), expectingReply: true, what: "in pieces: \(what)", report: &report)
            return "in pieces: \(what)"
        case .earlyClose:
            let client = try StreamClient(unixPath: socket, timeout: .seconds(5))
            let request = randomValidRequest(&input)
            switch input.int(0...3) {
            case 0:
                break  // connect, then hang up at once
            case 1:
                client.send(Array(request.prefix(input.int(0...request.count - 1))))
            case 2:
                client.send(request)
            default:
                // Mid-reply: read a few bytes of the answer, then go.
                client.send(request)
                _ = client.receive(limit: input.int(1...32))
            }
            client.close()
            report.hungUpOn += 1
            return "early close after \(String(decoding: request, as: UTF8.self))"
        case .slowReader:
            let client = try StreamClient(unixPath: socket, receiveBuffer: 512, timeout: .seconds(5))
            let request = input.pick([
                #"{"command":"events","limit":1000,"version":1}"#, #"{"command":"report","version":1}"#,
                #"{"command":"status","version":1}"#, #"{"command":"events","follow":true,"version":1}"#,
            ])
            client.send(Array(request.utf8) + [10])
            var received: [UInt8] = []
            for _ in 0..<input.int(1...20) {
                let piece = client.receive(limit: input.int(1...64))
                received += piece
                if piece.isEmpty || received.last == 10 { break }
                usleep(UInt32(input.int(0...3_000)))
            }
            client.close()
            return "slow reader of \(request)"
        case .manyAtOnce:
            var requests: [[UInt8]] = []
            for _ in 0..<50 {
                let request = randomValidRequest(&input)
                requests.append(input.chance(0.8) ? request : readOnly(input.mutate(request.dropLast()) + [10]))
            }
            let clients = try requests.map { _ in try StreamClient(unixPath: socket, timeout: .seconds(10)) }
            for (client, request) in zip(clients, requests) {
                client.send(request)
            }
            for (index, client) in clients.enumerated() {
                if index % 5 == 4 {
                    client.close()
                    report.hungUpOn += 1
                } else {
                    let what = String(decoding: requests[index], as: UTF8.self)
                    record(client.receiveLine(), expectingReply: true, what: what, report: &report)
                }
            }
            return "50 clients at once"
        }
    }

    /// Sends `bytes`, then reads the reply, half-closes and reads, or hangs up at once.
    private static func exchange(
        _ bytes: [UInt8],
        socket: String,
        input: inout FuzzInput,
        report: inout Report
    ) throws {
        let client = try StreamClient(unixPath: socket, timeout: .seconds(6))
        client.send(bytes)
        let what = String(decoding: bytes.prefix(200), as: UTF8.self)
        switch input.int(0...2) {
        case 0 where bytes.contains(10):
            record(client.receiveLine(), expectingReply: true, what: what, report: &report)
        case 1:
            client.shutdownWrite()
            record(client.receiveLine(), expectingReply: false, what: what, report: &report)
        default:
            client.close()
            report.hungUpOn += 1
        }
    }

    /// Counts a reply line; a line that is not a whole `ControlResponse` is a bug, and so is silence where a
    /// request line deserved an answer.
    private static func record(_ line: [UInt8], expectingReply: Bool, what: String, report: inout Report) {
        guard !line.isEmpty else {
            report.hungUpOn += 1
            if expectingReply {
                report.unansweredValidRequests.append(String(what.prefix(200)))
            }
            return
        }
        if line.last == 10, (try? JSONDecoder().decode(ControlResponse.self, from: Data(line.dropLast()))) != nil {
            report.answered += 1
        } else {
            report.invalidReplies.append(String(decoding: line.prefix(200), as: UTF8.self))
        }
    }

    /// A read-only request with random fields, some of them hostile, as one line without its newline.
    private static func randomRequest(_ input: inout FuzzInput) -> [UInt8] {
        var fields = [
            #""version":\#(input.chance(0.8) ? "1" : input.pick(FuzzInput.hostileValues))"#,
            #""command":"\#(input.pick(readOnlyCommands))""#,
        ]
        let optional: [(String, [String])] = [
            ("target", ["\"a\"", "\"b\"", "\"nope\""]),
            ("limit", ["0", "1", "1000"]),
            ("sinceSeconds", ["0", "0.5", "3600"]),
            ("follow", ["false"]),
            ("enabled", ["true", "false"]),
            ("standby", ["\"b\""]),
            ("unknown", ["1"]),
        ]
        for (key, values) in optional where input.chance(0.3) {
            let value = input.chance(0.7) ? input.pick(values) : input.pick(FuzzInput.hostileValues)
            fields.append("\"\(key)\":\(value)")
        }
        input.shuffle(&fields)
        return Array("{\(fields.joined(separator: ","))}".utf8)
    }

    /// A request vigild must answer: valid JSON of this protocol, read-only, with its newline.
    private static func randomValidRequest(_ input: inout FuzzInput) -> [UInt8] {
        let command = input.pick(readOnlyCommands)
        let extra = input.pick(["", #","target":"a""#, #","limit":3"#, #","sinceSeconds":60"#])
        return Array(#"{"command":"\#(command)"\#(extra),"version":1}"#.utf8) + [10]
    }

    /// The fuzzer must not stop or restart the targets it is meant to leave alone: a mutation that happens to
    /// spell a valid changing command (or follows, which would wait forever for events) becomes a status request.
    private static func readOnly(_ bytes: [UInt8]) -> [UInt8] {
        let lines = bytes.split(separator: 10, omittingEmptySubsequences: false)
        let decoded = (try? JSONDecoder().decode(ControlRequest.self, from: Data(lines.first ?? [])))
        guard let request = decoded, request.command.mutates || request.follow == true else { return bytes }
        return Array(#"{"command":"status","version":1}"#.utf8) + (bytes.contains(10) ? [10] : [])
    }

    /// How many sockets a process has open: what a leaked connection would add to.
    static func openDescriptors(of pid: Int32) -> Int {
        descriptorTargets(of: pid).filter { $0.hasPrefix("socket:") }.count
    }

    /// What each descriptor of a process refers to (`socket:[123]`, a path, `anon_inode:…`).
    static func descriptorTargets(of pid: Int32) -> [String] {
        let directory = "/proc/\(pid)/fd"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: directory + "/" + $0) }
            .sorted()
    }

    /// User plus system CPU time of a process, in clock ticks (`/proc/PID/stat` fields 14 and 15).
    static func cpuTicks(of pid: Int32) -> Int {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let fields = stat.split(separator: ")").last?.split(separator: " "), fields.count > 13
        else { return 0 }
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }
}
