import Dispatch
import Foundation
import Testing
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// A real server on loopback, real sockets, a real curl when there is one.
@Suite struct MetricsHTTPServerTests {
    static let body = PrometheusText.render(
        MetricsSnapshot(startTimeSeconds: 1_700_000_000, targets: [.init(name: "web", state: "running")])
    )

    /// A server on an ephemeral loopback port whose provider checks it runs on the server's queue.
    static func server(
        host: String = "127.0.0.1",
        timeout: Duration = .seconds(5),
        body: @escaping @Sendable () -> String = { body }
    ) throws -> MetricsHTTPServer {
        let queue = DispatchQueue(label: "metrics-test")
        return try MetricsHTTPServer(address: .init(host: host, port: 0), queue: queue, timeout: timeout) {
            dispatchPrecondition(condition: .onQueue(queue))
            return body()
        }
    }

    @Test func getMetricsAnswersTheExpositionWithItsContentTypeAndLength() throws {
        let server = try Self.server()
        defer { server.stop() }
        #expect(server.address.port != 0)
        let reply = try HTTPClient.exchange(
            "GET /metrics HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n",
            port: server.address.port
        )
        #expect(reply.statusLine == "HTTP/1.1 200 OK")
        #expect(reply.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(reply.headers["content-length"] == String(Self.body.utf8.count))
        #expect(reply.headers["connection"] == "close")
        #expect(reply.body == Self.body)
    }

    @Test func curlFetchesTheSameBody() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"),
            "curl is not installed (scripts/test installs it)"
        )
        let server = try Self.server()
        defer { server.stop() }
        let (status, output) = try Self.run(
            "/usr/bin/curl",
            ["-sS", "-i", "http://127.0.0.1:\(server.address.port)/metrics"]
        )
        #expect(status == 0)
        let reply = try #require(HTTPReply(Array(output.utf8)))
        #expect(reply.statusLine == "HTTP/1.1 200 OK")
        #expect(reply.headers["content-type"] == PrometheusText.contentType)
        #expect(reply.body == Self.body)
    }

    @Test func listensOnIPv6Loopback() throws {
        let server: MetricsHTTPServer
        do {
            server = try Self.server(host: "::1")
        } catch let error as SystemError {
            // A host or container without IPv6 (EADDRNOTAVAIL): nothing to test.
            #expect(error.errno == EADDRNOTAVAIL || error.errno == EAFNOSUPPORT)
            return
        }
        defer { server.stop() }
        #expect(server.address.description == "[::1]:\(server.address.port)")
        let reply = try HTTPClient.exchange("GET /metrics HTTP/1.0\r\n\r\n", port: server.address.port, host: "::1")
        #expect(reply.statusLine == "HTTP/1.1 200 OK")
        #expect(reply.body == Self.body)
    }

    @Test(arguments: [
        ("GET /other HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found"),
        ("GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found"),
        ("POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 405 Method Not Allowed"),
        ("DELETE /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 405 Method Not Allowed"),
        ("hello there\r\n\r\n", "HTTP/1.1 400 Bad Request"),
        ("GET /metrics HTTP/2.0\r\n\r\n", "HTTP/1.1 400 Bad Request"),
        ("GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n", "HTTP/1.1 400 Bad Request"),
        ("\u{16}\u{03}\u{01}\u{02}\u{00}\r\n\r\n", "HTTP/1.1 400 Bad Request"),
    ])
    func answersOtherPathsMethodsAndJunkWithoutTheBody(request: String, statusLine: String) throws {
        let server = try Self.server()
        defer { server.stop() }
        let reply = try HTTPClient.exchange(request, port: server.address.port)
        #expect(reply.statusLine == statusLine)
        #expect(reply.headers["connection"] == "close")
        #expect(reply.headers["content-length"] == String(reply.body.utf8.count))
        #expect(!reply.body.contains("vigil_"))
        if statusLine.contains("405") {
            #expect(reply.headers["allow"] == "GET, HEAD")
        }
    }

    @Test func aHeadArrivingInPiecesWithBareLineFeedsIsAnswered() throws {
        let server = try Self.server()
        defer { server.stop() }
        let client = try HTTPClient(port: server.address.port)
        for piece in ["\r\nGE", "T /metrics?x=1 HTT", "P/1.0\nHost: a\n", "\n"] {
            client.send(piece)
            Thread.sleep(forTimeInterval: 0.05)
        }
        let reply = try #require(HTTPReply(client.readToEnd()))
        #expect(reply.statusLine == "HTTP/1.1 200 OK")
        #expect(reply.body == Self.body)
    }

    @Test func aHeadLargerThanEightKiBIsRefused() throws {
        let server = try Self.server()
        defer { server.stop() }
        let padding = String(repeating: "a", count: 9_000)
        let reply = try HTTPClient.exchange(
            "GET /metrics HTTP/1.1\r\nX-Pad: \(padding)\r\n\r\n",
            port: server.address.port
        )
        #expect(reply.statusLine == "HTTP/1.1 431 Request Header Fields Too Large")
    }

    @Test func headAnswersTheHeadersOnly() throws {
        let server = try Self.server()
        defer { server.stop() }
        let reply = try HTTPClient.exchange("HEAD /metrics HTTP/1.1\r\n\r\n", port: server.address.port)
        #expect(reply.statusLine == "HTTP/1.1 200 OK")
        #expect(reply.headers["content-length"] == String(Self.body.utf8.count))
        #expect(reply.body.isEmpty)
    }

    @Test func aSilentClientIsDroppedAfterTheTimeoutWhileOthersAreServed() throws {
        let server = try Self.server(timeout: .milliseconds(1_500))
        defer { server.stop() }
        let silent = try HTTPClient(port: server.address.port, timeout: 5)
        let started = Date()
        // Served at once while the silent one holds its connection open.
        for _ in 0..<3 {
            let reply = try HTTPClient.exchange("GET /metrics HTTP/1.1\r\n\r\n", port: server.address.port)
            #expect(reply.statusLine == "HTTP/1.1 200 OK")
        }
        // Well before the silent one's deadline: it did not hold the queue.
        #expect(Date().timeIntervalSince(started) < 1.2)
        // The silent client then sees the server close, with no answer: at the timeout, not at its own 5 s.
        #expect(silent.readToEnd().isEmpty)
        let dropped = Date().timeIntervalSince(started)
        #expect(dropped > 1.4 && dropped < 4, "dropped after \(dropped) s")
    }

    @Test func aClientThatDoesNotReadIsDroppedWithoutHoldingUpOthers() throws {
        // 8 MB cannot fit in the socket buffers, so the server must wait for the client to read, which it never does.
        let large = String(repeating: "# padding line that makes the body large\n", count: 200_000)
        let server = try Self.server(timeout: .milliseconds(1_500)) { large }
        defer { server.stop() }
        let stalled = try HTTPClient(port: server.address.port, timeout: 5, receiveBuffer: 4096)
        stalled.send("GET /metrics HTTP/1.1\r\n\r\n")
        Thread.sleep(forTimeInterval: 0.2)
        let started = Date()
        let reply = try HTTPClient.exchange("GET /nothing HTTP/1.1\r\n\r\n", port: server.address.port)
        #expect(reply.statusLine == "HTTP/1.1 404 Not Found")
        #expect(Date().timeIntervalSince(started) < 1.2)
        Thread.sleep(forTimeInterval: 2)
        // Past the timeout the server has given up: the client gets what was in flight and then the end, short of
        // the whole body.
        let received = stalled.readToEnd()
        #expect(received.count < large.utf8.count)
    }

    @Test func stopClosesTheListeningSocket() throws {
        let server = try Self.server()
        let port = server.address.port
        server.stop()
        // stop() is asynchronous: give the queue a moment.
        var refused = false
        for _ in 0..<50 where !refused {
            Thread.sleep(forTimeInterval: 0.02)
            refused = (try? HTTPClient(port: port)) == nil
        }
        #expect(refused)
    }

    @Test func aHostThatIsNotAnIPLiteralIsRefusedWithItsAddress() {
        #expect(throws: SystemError.self) {
            try MetricsHTTPServer(address: .init(host: "localhost", port: 0), queue: DispatchQueue(label: "t")) { "" }
        }
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
