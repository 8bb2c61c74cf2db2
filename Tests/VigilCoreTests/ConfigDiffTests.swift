import Testing
import VigilCore

@Suite struct ConfigDiffTests {
    @Test func sortsTargetsIntoAddedRemovedChangedAndUnchanged() {
        let a = TargetConfig(name: "a", exec: ["/bin/sleep", "1"])
        let b = TargetConfig(name: "b", exec: ["/bin/sleep", "2"])
        let c = TargetConfig(name: "c", exec: ["/bin/sleep", "3"])
        var bChanged = b
        bChanged.restart.burst = 9
        let d = TargetConfig(name: "d", exec: ["/bin/sleep", "4"])
        let diff = ConfigDiff(old: VigilConfig(targets: [a, b, c]), new: VigilConfig(targets: [d, a, bChanged]))
        #expect(diff.added == ["d"])
        #expect(diff.removed == ["c"])
        #expect(diff.changed == ["b"])
        #expect(diff.unchanged == ["a"])
        #expect(diff.summary == "1 added, 1 removed, 1 changed, 1 unchanged")
    }

    @Test func environmentChangeCountsAsAChange() {
        let a = TargetConfig(name: "a", exec: ["/bin/true"], env: ["X": "1"])
        var a2 = a
        a2.env["X"] = "2"
        #expect(ConfigDiff(old: VigilConfig(targets: [a]), new: VigilConfig(targets: [a2])).changed == ["a"])
    }

    @Test func statusLineCountsTargetsByState() {
        let states: [SupervisionState] = [
            .running(pid: 1, since: .zero), .running(pid: 2, since: .zero), .failed(since: .zero),
        ]
        #expect(StatusSummary.line(states: states) == "3 targets: 2 running, 1 failed")
        #expect(StatusSummary.line(states: []) == "0 targets")
        #expect(StatusSummary.line(states: [.backingOff(until: .zero)]) == "1 target: 1 backoff")
    }
}
