import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `kind = "address"` on a single host: a real vigild in a network namespace puts a floating address on its veth
/// through rtnetlink, announces it (captured in the peer namespace with an AF_PACKET socket), adds it again when
/// someone removes it, removes it before the service it follows stops, and when vigild stops.
@Suite struct AddressTargetTests {
    /// The service: answers on a TCP port, and on SIGTERM writes whether the floating address could still be bound
    /// (it must not: the address goes before the service it fronts is told to stop).
    static let service = """
        import os, signal, socket, sys
        address, path = sys.argv[1], sys.argv[2]
        def stop(*_):
            probe = socket.socket()
            try:
                probe.bind((address, 0))
                state = "bound"
            except OSError:
                state = "unbound"
            with open(path, "a") as f:
                f.write("stop " + state + "\\n")
            sys.exit(0)
        signal.signal(signal.SIGTERM, stop)
        while True:
            signal.pause()
        """

    @Test func anAddressIsAddedAfterItsServiceAnnouncedReAddedWhenRemovedAndRemovedBeforeTheServiceStops()
        async throws
    {
        let link = try LinkedNamespaces()
        defer { link.remove() }
        let capture = try await LinkCapture(namespace: link.second, interface: "vb")
        defer { capture.stop() }
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.service.write(toFile: directory + "/service.py", atomically: true, encoding: .utf8)
        let floating = "10.213.\(link.subnet).100"
        let floating6 = "fd00:213:\(link.subnet)::100"
        let config = """
            [[target]]
            name = "svc"
            exec = ["/usr/bin/python3", "\(directory)/service.py", "\(floating)", "\(directory)/stops"]

            [[target]]
            name = "vip"
            kind = "address"
            address = "\(floating)/24"
            interface = "va"
            follows = "svc"

            [[target]]
            name = "vip6"
            kind = "address"
            address = "\(floating6)/64"
            interface = "va"
            announce = 2
            announce_interval = "100ms"
            """
        let vigild = try VigildProcess(config: config, launcher: link.exec(link.first, []))
        defer { vigild.stop() }
        let mac = try link.mac(link.first, link: "va")

        // Added after the service started, then announced three times from va's MAC.
        let announced = try await vigild.waitForEvent(.addressAnnounced, target: "vip")
        #expect(announced.fields["VIGIL_MAC"] == mac)
        #expect(announced.fields["VIGIL_ANNOUNCEMENTS"] == "3")
        let lines = vigild.lines
        let serviceStarted = try #require(lines.firstIndex { $0.event == "target-started" && $0.target == "svc" })
        let added = try #require(lines.firstIndex { $0.event == "address-added" && $0.target == "vip" })
        #expect(serviceStarted < added, "the address went on before the service it follows started")
        #expect(try link.addresses(link.first, link: "va").contains("\(floating)/24"))
        let arps = try await waitForPackets(capture, count: 3) { $0.kind == "arp" && $0.address == floating }
        for arp in arps {
            // A gratuitous ARP request: sender and target protocol address both the floating address.
            #expect(arp.operation == 1 && arp.other == floating && arp.hardwareAddress == mac)
        }
        // The neighbour reaches the address: a TCP connection to a closed port of it is refused by this host (no
        // ping here), where an address nobody holds would time out.
        let connect =
            "import socket; s = socket.socket(); s.settimeout(3)\n"
            + "try:\n    s.connect(('\(floating)', 9))\nexcept ConnectionRefusedError:\n    print('refused')"
        let probe = try ProcessProbe.run("/usr/sbin/ip", ["netns", "exec", link.second, "python3", "-c", connect])
        #expect(probe.out == "refused\n", "connecting to \(floating) from the peer: \(probe.out)\(probe.err)")

        // IPv6: unsolicited neighbour advertisements with the override flag, from the address, to all nodes.
        try await vigild.waitForEvent(.addressAnnounced, target: "vip6")
        let advertisements = try await waitForPackets(capture, count: 2) { $0.kind == "na" && $0.address == floating6 }
        for advertisement in advertisements {
            #expect(advertisement.operation & 0x20 != 0, "override flag not set")
            #expect(advertisement.operation & 0x40 == 0, "solicited flag set")
            #expect(advertisement.hardwareAddress == mac && advertisement.other == floating6)
        }

        // Someone removes the address: a fault, and the restart policy puts it back (and announces it again).
        try LinkedNamespaces.ip(["-n", link.first, "addr", "del", "\(floating)/24", "dev", "va"])
        let removed = try await vigild.waitForEvent(.addressRemoved, target: "vip")
        #expect(removed.fields["VIGIL_REASON"] == "removed by someone else")
        try await vigild.waitForEvent(.addressAnnounced, target: "vip", count: 2)
        #expect(try link.addresses(link.first, link: "va").contains("\(floating)/24"))
        #expect(!vigild.events(.targetExited, target: "vip").isEmpty)

        // The service is stopped: the address goes first, so the service could no longer bind it when told to stop.
        let stop = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .stop, target: "svc"))
        #expect(stop.ok, "\(stop)")
        let stops = try await vigild.waitFor("the service's stop stamp") { _ in
            (try? String(contentsOfFile: directory + "/stops", encoding: .utf8)).flatMap { $0.isEmpty ? nil : $0 }
        }
        #expect(stops == "stop unbound\n", "the service was told to stop while the address was still there")
        #expect(!(try link.addresses(link.first, link: "va").contains("\(floating)/24")))
        // Started again (once its stop is over), the service brings its address back.
        try await vigild.waitForEvent(.targetExited, target: "svc")
        let start = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .start, target: "svc"))
        #expect(start.ok, "\(start)")
        try await vigild.waitForEvent(.addressAdded, target: "vip", count: 3)
        #expect(try link.addresses(link.first, link: "va").contains("\(floating)/24"))

        // vigild stops: it takes its addresses with it.
        vigild.stop()
        let left = try link.addresses(link.first, link: "va")
        #expect(!left.contains("\(floating)/24") && !left.contains("\(floating6)/64"), "left behind: \(left)")
    }

    @Test func anAddressOnAMissingInterfaceFailsToStartSayingWhy() async throws {
        let link = try LinkedNamespaces()
        defer { link.remove() }
        let config = """
            [[target]]
            name = "vip"
            kind = "address"
            address = "10.213.\(link.subnet).100/24"
            interface = "nosuch0"
            restart = { burst = 1, within = "60s", backoff = "100ms..100ms" }
            """
        let vigild = try VigildProcess(config: config, launcher: link.exec(link.first, []))
        defer { vigild.stop() }
        let failed = try await vigild.waitForEvent(.targetSpawnFailed, target: "vip")
        #expect(failed.message.contains("nosuch0"), "\(failed)")
    }

    /// The first `count` captured packets that match, waiting up to 10 s for them.
    private func waitForPackets(
        _ capture: LinkCapture,
        count: Int,
        _ matches: (LinkCapture.Packet) -> Bool
    ) async throws -> [LinkCapture.Packet] {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let found = capture.packets.filter(matches)
            if found.count >= count {
                return Array(found.prefix(count))
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let found = capture.packets
        Issue.record("captured \(found.filter(matches).count) of \(count) matching packets; all: \(found)")
        return found.filter(matches)
    }
}
