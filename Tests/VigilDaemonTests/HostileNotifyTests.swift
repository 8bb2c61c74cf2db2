import Foundation
import Testing
import VigilCore
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A target's `NOTIFY_SOCKET` as hostile input: datagrams from strangers are ignored whatever they say, descriptors
/// sent along are closed, and what the target's own main process says cannot break vigild either.
@Suite struct HostileNotifyTests {
    /// Sends one datagram to `path`, with `descriptors` attached (`SCM_RIGHTS`) when there are any.
    /// - Returns: whether the kernel took it.
    @discardableResult
    static func send(_ bytes: [UInt8], to path: String, descriptors: [Int32] = []) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(fd) }
        var size: Int32 = 1 << 20
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        var payload = bytes
        let controlLength = descriptors.isEmpty ? 0 : Int(CMSG_SPACE(descriptors.count * MemoryLayout<Int32>.size))
        var control = [UInt8](repeating: 0, count: controlLength)
        return payload.withUnsafeMutableBytes { data in
            control.withUnsafeMutableBytes { controlBytes in
                withUnsafeMutablePointer(to: &address) { addressPointer in
                    var iov = iovec(iov_base: data.baseAddress, iov_len: data.count)
                    return withUnsafeMutablePointer(to: &iov) { iovPointer in
                        var message = msghdr()
                        message.msg_name = UnsafeMutableRawPointer(addressPointer)
                        message.msg_namelen = socklen_t(MemoryLayout<sockaddr_un>.size)
                        message.msg_iov = iovPointer
                        message.msg_iovlen = 1
                        if !descriptors.isEmpty {
                            message.msg_control = controlBytes.baseAddress
                            message.msg_controllen = controlBytes.count
                            let header = controlBytes.baseAddress!.assumingMemoryBound(to: cmsghdr.self)
                            header.pointee.cmsg_level = SOL_SOCKET
                            header.pointee.cmsg_type = Int32(SCM_RIGHTS)
                            header.pointee.cmsg_len = Int(CMSG_LEN(descriptors.count * MemoryLayout<Int32>.size))
                            let data = controlBytes.baseAddress! + Int(CMSG_LEN(0))
                            for (index, descriptor) in descriptors.enumerated() {
                                data.storeBytes(
                                    of: descriptor,
                                    toByteOffset: index * MemoryLayout<Int32>.size,
                                    as: Int32.self
                                )
                            }
                        }
                        return sendmsg(fd, &message, Int32(MSG_NOSIGNAL)) >= 0
                    }
                }
            }
        }
    }

    /// How many descriptors of `pid` are open on /dev/null: what the test passes along with its datagrams.
    static func devNull(of pid: Int32) -> Int {
        ControlProtocolFuzzTests.descriptorTargets(of: pid).filter { $0 == "/dev/null" }.count
    }

    static func CMSG_SPACE(_ length: Int) -> Int {
        let align = MemoryLayout<Int>.size
        return (MemoryLayout<cmsghdr>.size + align - 1) / align * align + (length + align - 1) / align * align
    }

    static func CMSG_LEN(_ length: Int) -> Int {
        let align = MemoryLayout<Int>.size
        return (MemoryLayout<cmsghdr>.size + align - 1) / align * align + length
    }

    @Test func datagramsFromStrangersGarbageOversizedAndCarryingDescriptorsChangeNothing() async throws {
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "n"
                exec = ["/bin/sleep", "1000"]
                notify_socket = true
                restart = { backoff = "0..1s", start_grace = "200ms" }
                """
        )
        try await vigild.waitForEvent(.daemonReady)
        let pid = try #require(vigild.events(.targetStarted, target: "n").first?.pid)
        let path = vigild.directory + "/run/notify/n.sock"
        let devNullBefore = Self.devNull(of: vigild.pid)
        var input = FuzzInput()
        let started = ContinuousClock.now
        var counts = ["random": 0, "oversized": 0, "assignments": 0, "with descriptors": 0, "flood": 0]
        // What the target itself could say, said by a stranger: none of it may count.
        let assignments = [
            "READY=1", "WATCHDOG=trigger", "WATCHDOG_USEC=1", "WATCHDOG_USEC=18446744073709551615", "MAINPID=1",
            "STOPPING=1", "STATUS=" + String(repeating: "s", count: 3_000), "ERRNO=9999999999",
            "EXTEND_TIMEOUT_USEC=-1",
            "FDSTORE=1\nFDNAME=x", "=\n==\n\n", "WATCHDOG=1\nWATCHDOG=1", "READY=1\u{0}STOPPING=1",
        ]
        for _ in 0..<300 {
            switch input.int(0...3) {
            case 0:
                Self.send(input.bytes(input.int(0...4_096)), to: path)
                counts["random", default: 0] += 1
            case 1:
                Self.send(input.bytes(input.int(4_097...200_000)), to: path)
                counts["oversized", default: 0] += 1
            case 2:
                let text = input.pick(assignments)
                Self.send(input.chance(0.7) ? Array(text.utf8) : input.mutate(Array(text.utf8)), to: path)
                counts["assignments", default: 0] += 1
            default:
                // More than the 16 descriptors vigild makes room for, too: the kernel must not leave any behind.
                let descriptors = (0..<input.pick([1, 3, 16, 40])).map { _ in open("/dev/null", O_RDONLY) }
                Self.send(Array("FDSTORE=1".utf8), to: path, descriptors: descriptors)
                for descriptor in descriptors { close(descriptor) }
                counts["with descriptors", default: 0] += 1
            }
        }
        for _ in 0..<20_000 {
            Self.send(Array("WATCHDOG=trigger".utf8), to: path)
            counts["flood", default: 0] += 1
        }
        print("notify fuzz seed \(input.seed), \(ContinuousClock.now - started): \(counts)")
        try await Task.sleep(for: .seconds(1))
        try #require(vigild.process.isRunning, "\(HostileControlClientTests.death(of: vigild))")
        let status = try #require(try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .status)).status)
        #expect(status.targets.first?.pid == pid && status.targets.first?.state == "running")
        #expect(vigild.events(.targetFaulted).isEmpty && vigild.events(.targetStarted).count == 1)
        #expect(Self.devNull(of: vigild.pid) == devNullBefore, "every descriptor passed along was closed")
    }

    @Test func absurdValuesFromTheTargetsOwnMainProcessDoNotBreakVigild() async throws {
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "loud"
                exec = ["/bin/sh", "-c", "systemd-notify --pid=$$ --ready; for v in 18446744073709551615 9223372036854775807 9223372036854775 31536000000000; do systemd-notify --pid=$$ WATCHDOG_USEC=$v; done; echo sent; while :; do systemd-notify --pid=$$ WATCHDOG=1; sleep 0.2; done"]
                notify_socket = true
                restart = { backoff = "0..1s", start_grace = "5s" }
                heartbeat = { interval = "1s", detector = "fixed", suspect = 2, convict = 4 }
                """
        )
        try await vigild.waitForEvent(.daemonReady, timeout: .seconds(10))
        let pid = try #require(vigild.events(.targetStarted, target: "loud").first?.pid)
        try await vigild.waitFor("the target's messages") { _ in vigild.standardOutput.contains("sent\n") ? true : nil }
        try await Task.sleep(for: .seconds(1))
        try #require(vigild.process.isRunning, "\(HostileControlClientTests.death(of: vigild))")
        let status = try #require(try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .status)).status)
        #expect(status.targets.first?.pid == pid && status.targets.first?.state == "running")
        #expect(vigild.events(.targetFaulted).isEmpty, "a program still pinging is not convicted")
    }
}
