// Test-only: `vigil-state-torture DIRECTORY` saves state transitions to DIRECTORY's state file in a loop, as fast
// as it can, and prints each generation after its save returned. StateStoreTortureTests SIGKILLs it at random
// instants and checks that every load finds a whole state, the last one reported or the one after it.
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// Writes `text` to standard error (unbuffered, like the rest of the output).
func complain(_ text: String) {
    _ = text.withCString { write(2, $0, strlen($0)) }
}

guard CommandLine.arguments.count == 2 else {
    complain("usage: vigil-state-torture DIRECTORY\n")
    exit(2)
}
let store = StateStore(directory: CommandLine.arguments[1])
let loaded = store.load()
if let problem = loaded.problem {
    complain("vigil-state-torture: \(problem)\n")
    exit(1)
}
var generation = loaded.state?.generation ?? 0

/// The state of one generation: every figure is derived from `generation`, so a reader can check that what it
/// loaded is one whole generation. Its size varies (so a torn write could not hide behind a fixed length).
func state(of generation: UInt64) -> PersistedState {
    var targets: [String: PersistedTargetState] = [:]
    let count = 10 + Int(generation % 7)
    for index in 0..<count {
        var target = PersistedTargetState(
            role: index % 2 == 0 ? .primary : .standby,
            restarts: Int(generation),
            restartAttempt: Int(generation % 5),
            failed: generation % 3 == 0,
            ladder: RecoveryLadderSnapshot(
                phase: "acting",
                step: Int(generation % 3),
                position: Int(generation % 3),
                attempts: [RecoveryAttempt(index: 0, step: .restart, trigger: "generation \(generation)")],
                sequence: Int(generation),
                maintenance: false,
                ladder: [.restart, .restart, .failover]
            )
        )
        for event in 0..<PersistedTargetState.eventLimit {
            target.recentEvents.append(
                PersistedEvent(
                    kind: EventKind.recoveryStep.rawValue,
                    message: "target-\(index): generation \(generation) event \(event)",
                    fields: ["GENERATION": String(generation)],
                    wallClockMicroseconds: Int64(generation)
                )
            )
        }
        targets["target-\(index)"] = target
    }
    return PersistedState(generation: generation, targets: targets)
}

while true {
    generation += 1
    do {
        try store.save(state(of: generation))
    } catch {
        complain("vigil-state-torture: \(error)\n")
        exit(1)
    }
    let line = "\(generation)\n"
    _ = line.withCString { write(1, $0, strlen($0)) }
}
