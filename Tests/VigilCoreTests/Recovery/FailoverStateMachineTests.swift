import Testing
import VigilCore

/// A pretend host for failover tests: which targets are running, and every operation in the order it ran.
private struct World {
    var running: Set<String>
    var log: [String] = []
    /// Targets whose fence does not take (they keep running).
    var unfenceable: Set<String> = []
    /// Targets whose promotion fails.
    var unpromotable: Set<String> = []

    /// Carries out one action; returns the answer to feed back, if any.
    mutating func perform(_ action: FailoverAction) -> Answer? {
        switch action {
        case .fence(let target, let sequence):
            log.append("fence \(target)")
            if !unfenceable.contains(target) {
                running.remove(target)
            }
            return .outcome(.succeeded, sequence)
        case .checkStatus(let target, let sequence):
            log.append("status \(target)")
            return .status(running.contains(target) ? .active : .inactive, sequence)
        case .promote(let target, let sequence):
            log.append("promote \(target)")
            if unpromotable.contains(target) {
                return .outcome(.failed(reason: "start failed"), sequence)
            }
            running.insert(target)
            return .outcome(.succeeded, sequence)
        case .runHook(let name, _, _, let sequence):
            log.append("hook \(name)")
            return .outcome(.succeeded, sequence)
        case .emit, .finished:
            return nil
        }
    }

    enum Answer {
        case outcome(RecoveryOutcome, Int)
        case status(TargetActivity, Int)
    }

    /// Never two actives: at most one of the service's targets runs once the failover has begun.
    func activeCount(of targets: [String]) -> Int {
        targets.filter { running.contains($0) }.count
    }
}

@Suite struct FailoverStateMachineTests {
    private let targets = ["web-a", "web-b", "web-c"]
    private let candidates = [StandbyCandidate(name: "web-b"), StandbyCandidate(name: "web-c")]

    private func machine(hooks: [String] = ["move-vip"]) -> FailoverStateMachine {
        FailoverStateMachine(
            service: "web",
            roles: FailoverRoles(active: "web-a", standbys: ["web-b", "web-c"]),
            placement: StandbyPlacement(strategy: .ordered, standbys: ["web-b", "web-c"]),
            hooks: hooks
        )
    }

    private func at(_ milliseconds: Int64) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: milliseconds * 1_000_000)
    }

    /// Feeds every action to the world and its answers back to the machine until the failover finishes.
    @discardableResult
    private func run(
        _ machine: inout FailoverStateMachine,
        _ world: inout World,
        _ actions: [FailoverAction],
        limit: Int = .max
    ) -> (result: FailoverResult?, steps: Int) {
        var pending = actions
        var steps = 0
        var result: FailoverResult?
        while !pending.isEmpty, steps < limit {
            let action = pending.removeFirst()
            if case .finished(let finished) = action {
                result = finished
            }
            guard let answer = world.perform(action) else { continue }
            steps += 1
            #expect(world.activeCount(of: targets) <= 1, "two actives after \(world.log)")
            switch answer {
            case .outcome(let outcome, let sequence):
                pending += machine.outcome(outcome, sequence: sequence, now: at(Int64(steps)))
            case .status(let activity, let sequence):
                pending += machine.status(activity, sequence: sequence, now: at(Int64(steps)))
            }
        }
        return (result, steps)
    }

    @Test func fencesAndConfirmsThePrimaryDeadBeforePromotingTheStandby() {
        var m = machine()
        var world = World(running: ["web-a"])
        let start = m.start(candidates: candidates, trigger: "heartbeat convicted", now: at(0))
        let (result, _) = run(&m, &world, start)
        #expect(world.log == ["fence web-a", "status web-a", "status web-b", "promote web-b", "hook move-vip"])
        #expect(result == .completed(FailoverRoles(active: "web-b", standbys: ["web-c", "web-a"])))
        #expect(m.roles.active == "web-b")
        #expect(m.progress.phase == .completed)
        #expect(world.running == ["web-b"])
    }

    @Test func aPrimaryThatSurvivesItsFenceIsNeverJoinedByAStandby() {
        var m = machine()
        var world = World(running: ["web-a"], unfenceable: ["web-a"])
        let (result, _) = run(&m, &world, m.start(candidates: candidates, trigger: "x", now: at(0)))
        guard case .aborted(let reason) = result else {
            Issue.record("expected an abort, got \(String(describing: result))")
            return
        }
        #expect(reason.contains("still active after fencing"))
        #expect(!world.log.contains { $0.hasPrefix("promote") })
        #expect(m.roles.active == "web-a")
    }

    @Test func withNoEligibleStandbyThePrimaryIsNotFenced() {
        var m = machine()
        var world = World(running: ["web-a"])
        let ineligible = [
            StandbyCandidate(name: "web-b", failed: true), StandbyCandidate(name: "web-c", maintenance: true),
        ]
        let (result, _) = run(&m, &world, m.start(candidates: ineligible, trigger: "x", now: at(0)))
        #expect(world.log.isEmpty)
        #expect(
            result
                == .aborted(
                    reason:
                        "no standby can take over (web-b (failed), web-c (in maintenance)); the primary was not fenced"
                )
        )
    }

    @Test func aStandbyThatFailsToPromoteIsPassedOverForTheNext() {
        var m = machine(hooks: [])
        var world = World(running: ["web-a"], unpromotable: ["web-b"])
        let (result, _) = run(&m, &world, m.start(candidates: candidates, trigger: "x", now: at(0)))
        #expect(result == .completed(FailoverRoles(active: "web-c", standbys: ["web-b", "web-a"])))
        #expect(world.log.suffix(3) == ["promote web-b", "status web-c", "promote web-c"])
    }

    /// vigild killed after every possible number of completed operations, with the operation in flight either done
    /// or not done by the world, then restarted from the persisted progress: never two actives, and exactly one
    /// active at the end.
    @Test func aRestartAtEveryPhaseResumesWithoutEverTwoActives() {
        var reference = machine()
        var referenceWorld = World(running: ["web-a"])
        let total = run(&reference, &referenceWorld, reference.start(candidates: candidates, trigger: "x", now: at(0)))
            .steps
        #expect(total == 5)
        for crashAfter in 0...total {
            for inFlightDone in [false, true] {
                var m = machine()
                var world = World(running: ["web-a"])
                var pending = m.start(candidates: candidates, trigger: "x", now: at(0))
                var done = 0
                // Run until `crashAfter` operations have been answered; the next one is in flight at the crash.
                while done < crashAfter, !pending.isEmpty {
                    let action = pending.removeFirst()
                    guard let answer = world.perform(action) else { continue }
                    done += 1
                    switch answer {
                    case .outcome(let outcome, let sequence):
                        pending += m.outcome(outcome, sequence: sequence, now: at(1))
                    case .status(let activity, let sequence):
                        pending += m.status(activity, sequence: sequence, now: at(1))
                    }
                }
                if inFlightDone, let inFlight = pending.first(where: { world.perform($0) != nil }) {
                    _ = inFlight  // performed; its answer is lost with vigild
                }
                let persisted = m.progress
                let roles = m.roles
                var resumed = FailoverStateMachine(
                    service: "web",
                    roles: roles,
                    placement: StandbyPlacement(strategy: .ordered, standbys: ["web-b", "web-c"]),
                    hooks: ["move-vip"],
                    progress: persisted
                )
                #expect(world.activeCount(of: targets) <= 1)
                let actions = resumed.resume(candidates: candidates, now: at(100))
                let (result, _) = run(&resumed, &world, actions)
                let label = "crash after \(crashAfter), in flight done: \(inFlightDone), log \(world.log)"
                #expect(world.activeCount(of: targets) == 1, "\(label)")
                #expect(world.log.filter { $0.hasPrefix("promote") }.count <= 1, "\(label)")
                if persisted.phase != .completed {
                    #expect(
                        result == .completed(FailoverRoles(active: "web-b", standbys: ["web-c", "web-a"])),
                        "\(label)"
                    )
                }
                #expect(resumed.roles.active == "web-b", "\(label)")
            }
        }
    }

    @Test func lateAnswersToEarlierOperationsAreIgnored() {
        var m = machine()
        let start = m.start(candidates: candidates, trigger: "x", now: at(0))
        guard case .fence(_, let sequence) = start.last else {
            Issue.record("expected a fence, got \(start)")
            return
        }
        #expect(m.outcome(.succeeded, sequence: sequence - 1, now: at(1)).isEmpty)
        #expect(m.status(.inactive, sequence: sequence, now: at(1)).isEmpty)
        #expect(m.progress.phase == .fencing)
    }
}
