import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The metrics port as hostile input: garbage requests, early closes and resets, slow-loris clients that trickle
/// a header, and clients that never read leave vigild up, its targets alone and the port serving again.
@Suite struct HostileMetricsClientTests {
    @Test func garbageEarlyClosesAndSlowLorisClientsAreDroppedWithinTheTimeoutAndScrapesWorkAgain() async throws {
        let probe = try DatagramListener(endpoint: .udp(host: "127.0.0.1", port: 0))
        let port = try #require(probe.port)
        _ = consume probe
        let vigild = try VigildProcess(
            config: """
                [daemon]
                metrics_listen = "127.0.0.1:\(port)"

                [[target]]
                name = "web"
                exec = ["/bin/sleep", "1000"]
                restart = { backoff = "0..1s", start_grace = "100ms" }
                """
        )
        try await vigild.waitForEvent(.daemonReady)
        let pid = try #require(vigild.events(.targetStarted, target: "web").first?.pid)
        let descriptorsBefore = ControlProtocolFuzzTests.openDescriptors(of: vigild.pid)
        var input = FuzzInput()
        let started = ContinuousClock.now
        var counts = ["garbage": 0, "early close": 0, "reset": 0, "no reading": 0, "answered": 0]
        let requests = [
            "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "GET /metrics HTTP/1.0\n\n", "POST /metrics HTTP/1.1\r\n\r\n",
            "GET " + String(repeating: "/a", count: 10_000) + " HTTP/1.1\r\n\r\n", "\r\n\r\n", "GET\r\n\r\n",
            "GET /metrics HTTP/9.9\r\nContent-Length: -1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        ]
        for round in 0..<150 {
            let client = try StreamClient(tcpPort: port, timeout: .seconds(8))
            let request = Array(input.pick(requests).utf8)
            switch round % 4 {
            case 0:
                // Ended like a head, so that the server answers (or refuses) at once rather than at its deadline.
                let garbage = input.chance(0.5) ? input.bytes(input.int(1...20_000)) : input.mutate(request)
                client.send(garbage + Array("\r\n\r\n".utf8))
                counts["garbage", default: 0] += 1
                if !client.receiveAll().isEmpty { counts["answered", default: 0] += 1 }
            case 1:
                client.send(Array(request.prefix(input.int(0...request.count))))
                client.close()
                counts["early close", default: 0] += 1
            case 2:
                client.send(request)
                client.close(reset: true)
                counts["reset", default: 0] += 1
            default:
                client.send(request)
                client.shutdownWrite()
                client.close()
                counts["no reading", default: 0] += 1
            }
        }
        // The connections above are gone first, so that none of the slow ones is refused for want of a slot.
        try await vigild.waitFor("the first connections closed", timeout: .seconds(20)) { _ in
            ControlProtocolFuzzTests.openDescriptors(of: vigild.pid) <= descriptorsBefore ? true : nil
        }
        // Slow loris: ten clients trickling a header a byte every 200 ms, which would take them 48 s to finish. Each
        // is cut off 5 s after vigild accepted it (5.2 s on a quiet machine; later when a loaded engine accepts late).
        let loris = try (0..<10).map { _ in try StreamClient(tcpPort: port, timeout: .seconds(15)) }
        let header = Array("GET /metrics HTTP/1.1\r\nHost: slow\r\nX-Pad: ".utf8) + [UInt8](repeating: 97, count: 200)
        let trickleStart = ContinuousClock.now
        var cutOff: [Duration] = []
        var index = 0
        while cutOff.count < loris.count && ContinuousClock.now - trickleStart < .seconds(20) {
            for client in loris where client.fd >= 0 {
                if !client.send([header[index % header.count]]) {
                    cutOff.append(ContinuousClock.now - trickleStart)
                    client.close()
                }
            }
            index += 1
            try await Task.sleep(for: .milliseconds(200))
        }
        print(
            "metrics fuzz seed \(input.seed), \(ContinuousClock.now - started): \(counts), slow loris cut off after "
                + "\(cutOff.map { "\($0)" }.joined(separator: ", "))"
        )
        #expect(cutOff.count == loris.count, "every slow client dropped")
        #expect(
            cutOff.allSatisfy { $0 > .seconds(4) && $0 < .seconds(20) },
            "at the limit, long before the header could end: \(cutOff)"
        )

        try #require(vigild.process.isRunning, "\(HostileControlClientTests.death(of: vigild))")
        let client = try StreamClient(tcpPort: port)
        client.send(Array("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        let answer = String(decoding: client.receiveAll(), as: UTF8.self)
        #expect(answer.hasPrefix("HTTP/1.1 200") && answer.contains("vigil_target_info{target=\"web\""))
        let status = try #require(try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .status)).status)
        #expect(status.targets.first?.pid == pid)
        try await vigild.waitFor("metrics connections closed") { _ in
            ControlProtocolFuzzTests.openDescriptors(of: vigild.pid) <= descriptorsBefore ? true : nil
        }
    }
}
