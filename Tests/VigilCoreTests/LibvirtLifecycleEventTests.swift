import Testing
import VigilCore

/// The lines of `virsh event --event lifecycle --loop`, as libvirt 9 prints them.
@Suite struct LibvirtLifecycleEventTests {
    private func state(_ line: String, domain: String = "web") -> ActuatorTargetState? {
        LibvirtLifecycleEvent(line: Substring(line), domain: domain)?.state
    }

    @Test func parsesTheEventAndItsDetailWithOrWithoutATimestamp() {
        let plain = LibvirtLifecycleEvent(line: "event 'lifecycle' for domain 'web': Stopped Destroyed", domain: "web")
        #expect(plain == LibvirtLifecycleEvent(domain: "web", event: "Stopped", detail: "Destroyed"))
        let stamped = "2026-11-22 07:32:02.411+0000: event 'lifecycle' for domain 'web': Started Booted"
        #expect(
            LibvirtLifecycleEvent(line: Substring(stamped), domain: "web")
                == LibvirtLifecycleEvent(domain: "web", event: "Started", detail: "Booted")
        )
        let bare = LibvirtLifecycleEvent(line: "event 'lifecycle' for domain 'web': Crashed", domain: "web")
        #expect(bare?.detail == "")
    }

    @Test func onlyTheNamedDomainsLifecycleEventsMatch() {
        #expect(state("event 'lifecycle' for domain 'web2': Stopped Destroyed") == nil)
        #expect(state("event 'lifecycle' for domain 'my web': Stopped Destroyed") == nil)
        #expect(state("event 'reboot' for domain 'web'") == nil)
        #expect(state("xevent 'lifecycle' for domain 'web': Stopped Destroyed") == nil)
        #expect(state("events received: 4") == nil)
        #expect(state("event 'lifecycle' for domain 'web': ") == nil)
        #expect(state("event 'lifecycle' for domain 'a b': Stopped Shutdown", domain: "a b")?.isDown == true)
    }

    @Test func eventsMapToTheStatesDomstateWouldShow() {
        let expected: [(String, ActuatorTargetState?)] = [
            ("Started Booted", ActuatorTargetState(phase: .active, detail: "booted", raw: "running")),
            ("Started Snapshot", ActuatorTargetState(phase: .active, detail: "snapshot", raw: "running")),
            ("Resumed Unpaused", ActuatorTargetState(phase: .active, detail: "unpaused", raw: "running")),
            ("Suspended Paused", ActuatorTargetState(phase: .suspended, detail: "paused", raw: "paused")),
            ("PMSuspended Memory", ActuatorTargetState(phase: .suspended, detail: "memory", raw: "pmsuspended")),
            ("Stopped Destroyed", ActuatorTargetState(phase: .inactive, detail: "destroyed", raw: "shut off")),
            ("Stopped Crashed", ActuatorTargetState(phase: .inactive, detail: "crashed", raw: "shut off")),
            ("Crashed Panicked", ActuatorTargetState(phase: .failed, detail: "panicked", raw: "crashed")),
            ("Shutdown Finished", ActuatorTargetState(phase: .deactivating, detail: "finished", raw: "in shutdown")),
            // A running domain that is undefined runs on; a defined one is as it was.
            ("Undefined Removed", nil),
            ("Defined Updated", nil),
        ]
        for (words, state) in expected {
            #expect(self.state("event 'lifecycle' for domain 'web': \(words)") == state, "\(words)")
        }
        #expect(ActuatorTargetState.undefinedDomain.isDown)
        #expect(
            ActuatorTargetState(phase: .inactive, detail: "destroyed", raw: "shut off").description
                == "shut off (destroyed)"
        )
    }
}

/// The fault lines of `virsh event --all --loop` that are not lifecycle events, as libvirt 9 prints them.
@Suite struct LibvirtDomainNoticeTests {
    @Test func parsesAWatchdogAndAnIOErrorOfTheDomainOnly() {
        #expect(
            LibvirtDomainNotice(line: "event 'watchdog' for domain 'g1': none", domain: "g1")
                == .watchdog(action: "none")
        )
        #expect(
            LibvirtDomainNotice(
                line: "2026-12-03 12:20:49.638+0000: event 'io-error' for domain 'g1': /d.qcow2 (virtio-disk0) pause",
                domain: "g1"
            ) == .ioError(detail: "/d.qcow2 (virtio-disk0) pause")
        )
        #expect(LibvirtDomainNotice(line: "event 'watchdog' for domain 'g10': none", domain: "g1") == nil)
        #expect(LibvirtDomainNotice(line: "event 'reboot' for domain 'g1'", domain: "g1") == nil)
        #expect(LibvirtDomainNotice(line: "event 'lifecycle' for domain 'g1': Started Booted", domain: "g1") == nil)
    }
}
