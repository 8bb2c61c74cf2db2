import Crypto
import Foundation
import Testing
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// Real sockets: unix in a temporary directory, UDP on loopback.
@Suite struct DatagramListenerTests {
    static var key: SymmetricKey { SymmetricKey(data: Array(repeating: 7, count: 32) as [UInt8]) }

    static func temporaryDirectory() throws -> String {
        // Short: a unix socket path must fit in 108 bytes.
        let path = "/tmp/vigil-hb-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The next datagram, waiting up to two seconds for one.
    static func next(
        _ listener: DatagramListener,
        capacity: Int = HeartbeatFrame.maximumSize
    ) throws -> ([UInt8], ReceivedDatagram)? {
        var poller = pollfd(fd: listener.fileDescriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 2_000) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: capacity)
        let received = try buffer.withUnsafeMutableBytes { bytes throws(SystemError) in
            try listener.receive(into: bytes)
        }
        guard let received else { return nil }
        return (Array(buffer[..<received.count]), received)
    }

    static func heartbeat(sequence: UInt64) -> [UInt8] {
        HeartbeatCodec.encode(
            HeartbeatPacket(target: "web", incarnation: 1, sequence: sequence, senderTime: 0),
            key: key
        )
    }

    @Test(arguments: ["udp://127.0.0.1:0", "udp://[::1]:0"])
    func udpHeartbeatArrivesWhole(address: String) throws {
        let listener = try DatagramListener(endpoint: try HeartbeatEndpoint(parsing: address))
        let port = try #require(listener.port)
        #expect(port != 0)
        guard case .udp(let host, _) = listener.endpoint else {
            Issue.record("not udp")
            return
        }
        let sender = try HeartbeatSender(to: .udp(host: host, port: port))
        try sender.send(Self.heartbeat(sequence: 5))
        let (bytes, received) = try #require(try Self.next(listener))
        #expect(!received.isTruncated)
        #expect(HeartbeatCodec.decode(bytes) { _ in Self.key }.map(\.sequence) == .success(5))
        #expect(received.source.rateKey == host)
        #expect(received.source.description.hasPrefix(host == "::1" ? "udp:[::1]:" : "udp:127.0.0.1:"))
    }

    @Test func unixHeartbeatArrivesWithTheSendersPid() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let listener = try DatagramListener(endpoint: .unix(path: directory + "/heartbeat.sock"))
        try HeartbeatSender(to: listener.endpoint).send(Self.heartbeat(sequence: 9))
        let (bytes, received) = try #require(try Self.next(listener))
        #expect(HeartbeatCodec.decode(bytes) { _ in Self.key }.map(\.sequence) == .success(9))
        #expect(received.source == .unix(pid: getpid(), uid: getuid()))
        #expect(received.source.description == "unix:pid=\(getpid()),uid=\(getuid())")
    }

    @Test func receiveAnswersNilWhenNothingIsWaiting() throws {
        let listener = try DatagramListener(endpoint: .udp(host: "127.0.0.1", port: 0))
        var buffer = [UInt8](repeating: 0, count: 16)
        let received = try buffer.withUnsafeMutableBytes { bytes throws(SystemError) in
            try listener.receive(into: bytes)
        }
        #expect(received == nil)
    }

    @Test func datagramLargerThanTheBufferIsReportedWithItsRealSizeAndDecodesAsOversized() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let listener = try DatagramListener(endpoint: .unix(path: directory + "/heartbeat.sock"))
        let udp = try DatagramListener(endpoint: .udp(host: "127.0.0.1", port: 0))
        // A valid packet with 100 bytes of junk after it: cut to the buffer, it would look like the valid packet.
        let oversized = Self.heartbeat(sequence: 1) + [UInt8](repeating: 0xAA, count: 100)
        try HeartbeatSender(to: listener.endpoint).send(oversized)
        try HeartbeatSender(to: .udp(host: "127.0.0.1", port: try #require(udp.port))).send(oversized)
        for current in [listener, udp] {
            let (bytes, received) = try #require(try Self.next(current, capacity: Self.heartbeat(sequence: 1).count))
            #expect(received.isTruncated)
            #expect(received.length == oversized.count)
            #expect(bytes == Self.heartbeat(sequence: 1))
        }
        // How a caller must treat it: by the real length, which the codec refuses.
        #expect(HeartbeatCodec.decode(oversized) { _ in Self.key } == .failure(.oversized))
    }

    @Test func unixSocketIsWorldWritableInADirectoryItCreates() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/run/heartbeat.sock"
        let listener = try DatagramListener(endpoint: .unix(path: path))
        var status = stat()
        #expect(stat(path, &status) == 0)
        #expect(status.st_mode & S_IFMT == S_IFSOCK)
        #expect(status.st_mode & 0o777 == 0o666)
        #expect(stat(directory + "/run", &status) == 0)
        #expect(status.st_mode & 0o777 == 0o755)
        withExtendedLifetime(listener) {}
    }

    @Test func staleSocketFileIsReplacedAndALiveOneRefused() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let endpoint = HeartbeatEndpoint.unix(path: directory + "/heartbeat.sock")
        let first = try DatagramListener(endpoint: endpoint)
        let error = #expect(throws: SystemError.self) { try DatagramListener(endpoint: endpoint) }
        #expect(error?.errno == EADDRINUSE)
        withExtendedLifetime(first) {}
        // A process that crashed left its socket file behind: bound, then closed without unlinking (close-on-exec).
        let leftover = directory + "/leftover.sock"
        let crashed = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(leftover.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(crashed, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        close(crashed)
        #expect(bound == 0)
        // A child forked by another test between our socket() and close() holds the descriptor until it execs, so
        // the file can look alive for that moment (long on a loaded machine): the listener is right to refuse it then,
        // and takes it over once the child has exec'd.
        let deadline = ContinuousClock.now + .seconds(10)
        var replacement: DatagramListener?
        while replacement == nil {
            do {
                replacement = try DatagramListener(endpoint: .unix(path: leftover))
            } catch {
                guard error.errno == EADDRINUSE, ContinuousClock.now < deadline else { throw error }
                usleep(50_000)
            }
        }
        let listener = try #require(replacement)
        try HeartbeatSender(to: listener.endpoint).send(Self.heartbeat(sequence: 1))
        #expect(try Self.next(listener) != nil)
    }

    @Test func regularFileInTheWayIsNeverDeleted() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/heartbeat.sock"
        try "precious".write(toFile: path, atomically: false, encoding: .utf8)
        let error = #expect(throws: SystemError.self) { try DatagramListener(endpoint: .unix(path: path)) }
        #expect(error?.errno == EEXIST)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "precious")
    }

    @Test func listenerRemovesItsSocketFileWhenReleased() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/heartbeat.sock"
        var listener: DatagramListener? = try DatagramListener(endpoint: .unix(path: path))
        #expect(FileManager.default.fileExists(atPath: path))
        withExtendedLifetime(listener) {}
        listener = nil
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
