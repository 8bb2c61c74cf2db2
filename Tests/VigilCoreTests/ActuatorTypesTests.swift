import Testing
import VigilCore

@Suite struct ActuatorTypesTests {
    @Test func systemdAndLibvirtStatesMapOntoPhases() {
        #expect(ActuatorTargetState(systemdActiveState: "reloading", subState: "reload").phase == .active)
        #expect(ActuatorTargetState(systemdActiveState: "failed", subState: "failed").isDown)
        #expect(ActuatorTargetState(systemdActiveState: "maintenance", subState: nil).phase == .unknown)
        #expect(
            ActuatorTargetState(systemdActiveState: "active", subState: "running").description == "active (running)"
        )
        #expect(
            ActuatorTargetState(libvirtDomainState: "shut off\n\n")
                == ActuatorTargetState(phase: .inactive, raw: "shut off")
        )
        #expect(ActuatorTargetState(libvirtDomainState: "paused\n").phase == .suspended)
        #expect(!ActuatorTargetState(libvirtDomainState: "paused\n").isDown, "a paused domain can resume: not fenced")
        #expect(ActuatorTargetState(libvirtDomainState: "in shutdown").phase == .deactivating)
    }

    @Test func operationsNameThemselvesForHooksAndEvents() {
        #expect(ActuatorOperation.kill(.term).name == "kill")
        #expect(ActuatorOperation.kill(.term).description == "kill(SIGTERM)")
        #expect(ActuatorOperation.revert(snapshot: nil).description == "revert(latest)")
        #expect(ActuatorOperation.names == ["start", "stop", "kill", "revert", "reset", "promote", "demote"])
        #expect(ActuatorOperation.reset.description == "reset")
        #expect(ActuatorOperation.promote.description == "promote")
        #expect(ActuatorOutcome.timedOut(after: .seconds(5), ActuatorReport()).description == "timed out after 5s")
    }

    @Test func settingsNameTheTargetAndKeyOfEveryProblem() throws {
        let settings = ActuatorSettings(target: "db", values: ["unit": .integer(3), "typo": .bool(true)])
        #expect(throws: ActuatorSettingsError(target: "db", key: "unit", message: "must be a string")) {
            try settings.string("unit")
        }
        #expect(throws: ActuatorSettingsError.self) { try settings.requireOnly(["unit"], actuator: "systemd") }
        #expect(try settings.duration("missing") == nil)
        #expect(throws: ActuatorSettingsError.self) { try settings.string("missing", required: true) }
    }
}
