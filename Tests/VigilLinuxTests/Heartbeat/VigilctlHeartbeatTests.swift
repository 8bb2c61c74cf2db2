import Crypto
import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

extension SystemIntegrationTests {
    /// The real `vigilctl heartbeat` binary (built next to the test bundle) sending to a real listener.
    @Suite struct VigilctlHeartbeatTests {
        static let vigilctl = VigildProcess.siblingExecutable("vigilctl")

        /// A 0600 key file in a fresh directory, and the key.
        func keyFile(in directory: String) throws -> (String, SymmetricKey) {
            let hex = HeartbeatKey.generate()
            let path = directory + "/web.key"
            try hex.write(toFile: path, atomically: false, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            return (path, try HeartbeatKey.parse(hex: hex, path: path))
        }

        /// Runs `vigilctl heartbeat --count 3` to `listener` and decodes what arrives.
        func sendThree(to listener: DatagramListener, address: String) throws -> [HeartbeatPacket] {
            let directory = "/tmp/vigil-ctl-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let (path, key) = try keyFile(in: directory)
            let run = try ProcessProbe.run(
                Self.vigilctl,
                [
                    "heartbeat", "--target", "web", "--key-file", path, "--interval", "20ms", "--count", "3", "--to",
                    address,
                ]
            )
            #expect(run.status == 0, "\(run.err)")
            var packets: [HeartbeatPacket] = []
            while packets.count < 3, let (bytes, _) = try DatagramListenerTests.next(listener) {
                packets.append(try HeartbeatCodec.decode(bytes) { $0 == "web" ? key : nil }.get())
            }
            return packets
        }

        @Test func sendsThreeAuthenticatedHeartbeatsOverUDP() throws {
            let listener = try DatagramListener(endpoint: .udp(host: "127.0.0.1", port: 0))
            let packets = try sendThree(to: listener, address: "udp://127.0.0.1:\(try #require(listener.port))")
            #expect(packets.map(\.sequence) == [1, 2, 3])
            #expect(Set(packets.map(\.incarnation)).count == 1)
            #expect(packets.allSatisfy { $0.target == "web" })
        }

        @Test func sendsThreeAuthenticatedHeartbeatsOverAUnixSocket() throws {
            let directory = "/tmp/vigil-ctl-\(UInt32.random(in: 0...UInt32.max))"
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let listener = try DatagramListener(endpoint: .unix(path: directory + "/heartbeat.sock"))
            let packets = try sendThree(to: listener, address: listener.endpoint.description)
            #expect(packets.map(\.sequence) == [1, 2, 3])
            // Incarnation defaults to CLOCK_REALTIME at start: within the last minute.
            let now = RealtimeClock.nanoseconds()
            #expect(packets.allSatisfy { $0.incarnation <= now && now - $0.incarnation < 60_000_000_000 })
        }

        @Test func refusesAKeyFileOthersCanRead() throws {
            let directory = "/tmp/vigil-ctl-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let (path, _) = try keyFile(in: directory)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            let run = try ProcessProbe.run(
                Self.vigilctl,
                ["heartbeat", "--target", "web", "--key-file", path, "--count", "1", "--to", "udp://127.0.0.1:9"]
            )
            #expect(run.status != 0)
            #expect(run.err.contains("\(path): mode 0644 is too open; chmod 600 it"))
        }

        @Test func generateKeyPrintsA64DigitHexKey() throws {
            let run = try ProcessProbe.run(Self.vigilctl, ["heartbeat", "--generate-key"])
            #expect(run.status == 0)
            let line = run.out.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(line.count == 64)
            #expect(try HeartbeatKey.parse(hex: line, path: "stdout").bitCount == 256)
        }
    }
}
