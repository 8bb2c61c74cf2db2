import Foundation
import Testing
import VigilCore
import VigilLinux

/// The libvirt actuator's hot-standby operations against libvirt's test driver: `promote` resumes a paused standby
/// domain, `demote` pauses a running one. The test driver starts every `virsh` invocation from the node file, so
/// each operation is checked on its own from a known state (a domain running, one paused).
@Suite struct LibvirtActuatorRoleTests {
    /// `standby` is paused (runstate 3, `VIR_DOMAIN_PAUSED`); `web` runs.
    static let node = """
        <node>
          <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
            <name>standby</name>
            <memory>8192</memory>
            <os><type>hvm</type></os>
            <test:runstate>3</test:runstate>
          </domain>
          <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
            <name>web</name>
            <memory>8192</memory>
            <os><type>hvm</type></os>
          </domain>
        </node>
        """

    private func actuator(domain: String, uri: String) throws -> any Actuator {
        try #require(
            HookCommand.resolve("virsh", path: ActuatorTesting.context().searchPath) != nil,
            "virsh (libvirt-clients)"
        )
        return try ActuatorRegistry.standard.make(
            "libvirt",
            settings: ActuatorSettings(target: "vm", values: ["domain": .string(domain), "uri": .string(uri)]),
            context: ActuatorTesting.context()
        )
    }

    @Test func promoteResumesAPausedStandbyDomainAndCountsARunningOneAsPromoted() async throws {
        let directory = try ActuatorTesting.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.node.write(toFile: directory + "/node.xml", atomically: true, encoding: .utf8)
        let uri = "test://\(directory)/node.xml"
        let standby = try actuator(domain: "standby", uri: uri)
        let resumed = await ActuatorTesting.outcome(standby, .promote)
        #expect(resumed.succeeded, "\(resumed)")
        #expect(resumed.report?.detail == "resumed", "virsh resume ran and succeeded on the paused domain")
        #expect(resumed.report?.alreadyThere != true)
        let running = try actuator(domain: "web", uri: uri)
        let already = await ActuatorTesting.outcome(running, .promote)
        #expect(already.succeeded, "\(already)")
        #expect(already.report?.detail == "already running" && already.report?.alreadyThere == true, "\(already)")
        let missing = try actuator(domain: "nope", uri: uri)
        #expect(!(await ActuatorTesting.outcome(missing, .promote)).succeeded)
    }

    @Test func demotePausesARunningDomainAndCountsAPausedOneAsDemoted() async throws {
        let directory = try ActuatorTesting.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.node.write(toFile: directory + "/node.xml", atomically: true, encoding: .utf8)
        let uri = "test://\(directory)/node.xml"
        let running = try actuator(domain: "web", uri: uri)
        let paused = await ActuatorTesting.outcome(running, .demote)
        #expect(paused.succeeded, "\(paused)")
        #expect(paused.report?.detail == "paused", "virsh suspend ran and succeeded on the running domain")
        let standby = try actuator(domain: "standby", uri: uri)
        let already = await ActuatorTesting.outcome(standby, .demote)
        #expect(already.report?.detail == "already paused", "\(already)")
        #expect(already.report?.state?.phase == .suspended, "\(already)")
    }
}
