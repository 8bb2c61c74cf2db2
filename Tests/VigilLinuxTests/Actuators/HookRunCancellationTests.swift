import Dispatch
import Foundation
import Synchronization
import Testing
import VigilCore
import VigilLinux

/// Cancelling a hook kills its group while its output pipe hangs up. With the pipe watched by a Dispatch read
/// source, libdispatch's event loop crashed now and then at that moment (SIGSEGV in `_dispatch_event_loop_drain`:
/// the chaos soak lost vigild about once in 50 cancelled hooks; before `PipeDrain`, this test crashed its process
/// within about 1,300 cancellations). 6,000 of them, four shapes of hook: every hook that started ends as cancelled
/// (under the full suite's load a spawn can fail outright; that is counted apart, not taken for a crash).
@Suite struct HookRunCancellationTests {
    @Test(arguments: [
        "trap '' TERM; while :; do echo xxxxxxxxxxxxxxxxxxxxxxxx; done",
        "sleep 1000",
        "echo hi; sleep 1000 & wait",
        "echo start; exec sleep 1000",
    ])
    func hooksCancelledAsTheyRunAllEndCancelledAndVigildSurvives(script: String) async throws {
        let command = HookCommand(arguments: ["/bin/sh", "-c", script], environment: ["PATH=/usr/bin:/bin"])
        let cancelled = Atomic<Int>(0)
        let notSpawned = Atomic<Int>(0)
        let otherwise = Mutex<[String]>([])
        // On a thread of its own, not in the test's task: the suite's blocking waits can hold every thread of the
        // cooperative pool for half a minute, and a cancellation the task could not send in time let one hook of each
        // case run into its 30 s limit (one full run).
        await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
            Thread {
                for _ in 0..<1500 {
                    let done = DispatchSemaphore(value: 0)
                    let cancel = HookRun.start(command, timeout: .seconds(30), killGrace: .milliseconds(5)) { result in
                        switch result {
                        case .success(let run) where run.ending == .cancelled: cancelled.add(1, ordering: .relaxed)
                        case .failure: notSpawned.add(1, ordering: .relaxed)
                        case .success(let run):
                            otherwise.withLock {
                                $0.append("\(run.ending) after \(run.elapsed), \(run.status)")
                            }
                        }
                        done.signal()
                    }
                    usleep(UInt32.random(in: 200...3000))
                    cancel.cancel()
                    done.wait()
                }
                finished.resume()
            }
            .start()
        }
        let spawnFailures = notSpawned.load(ordering: .relaxed)
        let endedOtherwise = otherwise.withLock { $0 }
        #expect(endedOtherwise.isEmpty, "\(endedOtherwise.count) hooks ended otherwise: \(endedOtherwise.prefix(3))")
        #expect(cancelled.load(ordering: .relaxed) + spawnFailures == 1500, "every hook ended cancelled")
        #expect(spawnFailures < 15, "\(spawnFailures) hooks could not be spawned")
    }
}
