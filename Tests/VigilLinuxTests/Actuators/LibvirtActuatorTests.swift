import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The libvirt actuator driving real `virsh` against libvirt's built-in test driver (no hypervisor). The test
/// driver keeps its state inside each `virsh` process: every invocation starts from the driver's initial state.
/// So after `shutdown`, the next `domstate` sees the domain running again, which to the actuator is exactly a
/// guest that ignores the shutdown request.
@Suite struct LibvirtActuatorTests {
    /// A test driver world: `web`, running, with a snapshot `nightly`; `off`, shut off.
    static let node = """
        <node>
          <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
            <name>web</name>
            <memory>8192</memory>
            <os><type>hvm</type></os>
            <test:domainsnapshot>
              <name>nightly</name>
              <state>running</state>
              <creationTime>1700000000</creationTime>
              <active>1</active>
              <memory snapshot='internal'/>
              <domain type='test'><name>web</name><memory>8192</memory><os><type>hvm</type></os></domain>
            </test:domainsnapshot>
          </domain>
          <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
            <name>off</name>
            <memory>8192</memory>
            <os><type>hvm</type></os>
            <test:runstate>5</test:runstate>
          </domain>
        </node>
        """

    private func actuator(
        domain: String,
        uri: String = "test:///default",
        extra: [String: ActuatorSettings.Value] = [:]
    ) throws -> any Actuator {
        try #require(
            HookCommand.resolve("virsh", path: ActuatorTesting.context().searchPath) != nil,
            "virsh (libvirt-clients)"
        )
        var values: [String: ActuatorSettings.Value] = ["domain": .string(domain), "uri": .string(uri)]
        values.merge(extra) { $1 }
        return try ActuatorRegistry.standard.make(
            "libvirt",
            settings: ActuatorSettings(target: "vm", values: values),
            context: ActuatorTesting.context()
        )
    }

    @Test func startingTheRunningTestDomainCountsAsStartedAndReportsItRunning() async throws {
        let vm = try actuator(domain: "test")
        let started = await ActuatorTesting.outcome(vm, .start)
        #expect(started.succeeded, "\(started)")
        #expect(started.report?.detail == "already running")
        #expect(started.report?.alreadyThere == true, "nothing was started")
        #expect(started.report?.state == ActuatorTargetState(phase: .active, raw: "running"), "\(started)")
        // vigild restarts a domain by stopping and starting it: a `restart` setting would never be used.
        #expect(throws: ActuatorSettingsError.self) {
            try actuator(domain: "test", extra: ["restart": .string("reset")])
        }
    }

    @Test func aResetOfTheRunningTestDomainSucceedsAndLeavesItRunning() async throws {
        let vm = try actuator(domain: "test")
        let reset = await ActuatorTesting.outcome(vm, .reset)
        #expect(reset.succeeded, "\(reset)")
        #expect(reset.report?.detail == "reset")
        #expect(reset.report?.state == ActuatorTargetState(phase: .active, raw: "running"), "\(reset)")
    }

    @Test func theDomainsXMLIsReadForWhereItLogsItsConsole() async throws {
        let vm = try #require(try actuator(domain: "test") as? LibvirtActuator)
        let xml = await withCheckedContinuation { continuation in
            vm.describe { continuation.resume(returning: $0) }
        }
        #expect(xml?.contains("<name>test</name>") == true, "\(xml ?? "nil")")
        // The test driver's domain logs no console to a file.
        #expect(xml.flatMap(DomainConsole.logPath(inDomainXML:)) == nil)
    }

    @Test func aGuestThatIgnoresShutdownIsDestroyedWhenItsShutdownTimeoutPasses() async throws {
        let vm = try actuator(domain: "test", extra: ["shutdown_timeout": .duration(.seconds(1))])
        let started = ContinuousClock.now
        let outcome = await ActuatorTesting.outcome(vm, .stop, timeout: .seconds(20))
        let elapsed = ContinuousClock.now - started
        #expect(outcome.succeeded, "\(outcome)")
        #expect(outcome.report?.detail?.hasPrefix("did not shut down within 1s (still running); destroyed") == true)
        #expect(outcome.report?.state?.isDown == true)
        // Not before the shutdown timeout; the operation's own 20 s limit bounds it from above (the outcome would
        // be a timeout, not a success, past it).
        #expect(elapsed >= .seconds(1), "\(elapsed)")
    }

    @Test func killDestroysTheDomain() async throws {
        let vm = try actuator(domain: "test")
        #expect(await ActuatorTesting.outcome(vm, .kill(.kill)).report?.detail == "destroyed")
        #expect(await ActuatorTesting.outcome(vm, .kill(.term)).report?.detail == "destroyed gracefully")
        #expect(!vm.supports(.kill(.usr1)))
    }

    @Test func anUnknownDomainFailsWithVirshsReason() async throws {
        let vm = try actuator(domain: "nosuch")
        for operation: ActuatorOperation in [.start, .stop, .kill(.kill)] {
            guard case .failed(let reason, _) = await ActuatorTesting.outcome(vm, operation) else {
                Issue.record("\(operation) of an unknown domain must fail")
                continue
            }
            #expect(reason.contains("failed to get domain 'nosuch'"), "\(operation): \(reason)")
        }
    }

    @Test func revertGoesToTheNamedOrLatestSnapshotAndAShutOffDomainCountsAsStopped() async throws {
        let directory = try ActuatorTesting.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.node.write(toFile: directory + "/node.xml", atomically: true, encoding: .utf8)
        let uri = "test://\(directory)/node.xml"
        let web = try actuator(domain: "web", uri: uri)
        let named = await ActuatorTesting.outcome(web, .revert(snapshot: "nightly"))
        #expect(named.report?.detail == "reverted to snapshot nightly", "\(named)")
        #expect(named.report?.state?.phase == .active)
        #expect(await ActuatorTesting.outcome(web, .revert(snapshot: nil)).succeeded)
        guard case .failed(let reason, _) = await ActuatorTesting.outcome(web, .revert(snapshot: "nope")) else {
            Issue.record("an unknown snapshot must fail")
            return
        }
        #expect(reason.contains("no domain snapshot with matching name 'nope'"), "\(reason)")

        let off = try actuator(domain: "off", uri: uri)
        let stopped = await ActuatorTesting.outcome(off, .stop)
        #expect(stopped.report?.detail == "already shut off", "\(stopped)")
        #expect(stopped.report?.state?.phase == .inactive, "\(stopped)")
        let startedOff = await ActuatorTesting.outcome(off, .start)
        #expect(startedOff.report?.detail == "started")
        #expect(startedOff.report?.alreadyThere == false)
        guard case .failed = await ActuatorTesting.outcome(try actuator(domain: "test"), .revert(snapshot: nil)) else {
            Issue.record("test:///default has no snapshot to revert to")
            return
        }
    }

    /// The one fake: a `virsh` that hangs, for the time limit (a real one answers the test driver at once).
    @Test func aHangingVirshIsKilledWhenTheOperationTimesOut() async throws {
        let directory = try ActuatorTesting.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fake = directory + "/virsh"
        try ExecutableFile.write("#!/bin/sh\necho $$ > \(directory)/pid\nexec sleep 1000\n", to: fake)
        let vm = try actuator(domain: "test", extra: ["virsh": .string(fake)])
        let outcome = await ActuatorTesting.outcome(vm, .start, timeout: .milliseconds(500))
        guard case .timedOut(let after, let report) = outcome else {
            Issue.record("expected a timeout: \(outcome)")
            return
        }
        #expect(after == .milliseconds(500))
        #expect(report.detail?.contains("virsh -c test:///default start test was still running") == true)
        let pid = try #require(try await ActuatorTesting.pid(in: directory + "/pid"))
        #expect(try await ActuatorTesting.waitUntilGone(pid))
    }
}
