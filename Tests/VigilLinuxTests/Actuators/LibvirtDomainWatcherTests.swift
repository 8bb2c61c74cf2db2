import Dispatch
import Foundation
import Synchronization
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

extension SystemIntegrationTests {
    /// The watcher against a real libvirtd (its test driver, on a socket of the test's own): the state at the start
    /// and every lifecycle change arrive as libvirt sends them, and a daemon that goes away is followed again.
    @Suite struct LibvirtDomainWatcherTests {
        /// Collects a watcher's events.
        final class Recorder: Sendable {
            private let events = Mutex<[LibvirtDomainWatcher.Event]>([])

            func append(_ event: LibvirtDomainWatcher.Event) {
                events.withLock { $0.append(event) }
            }

            var all: [LibvirtDomainWatcher.Event] { events.withLock { $0 } }

            var states: [ActuatorTargetState] {
                all.compactMap {
                    if case .state(let state) = $0 { return state }
                    return nil
                }
            }

            /// Waits until `condition` holds for the events so far.
            func wait(
                _ what: String,
                timeout: Duration = .seconds(15),
                _ condition: ([LibvirtDomainWatcher.Event]) -> Bool
            ) async throws {
                let deadline = ContinuousClock.now + timeout
                while !condition(all) {
                    guard ContinuousClock.now < deadline else {
                        Issue.record("timed out waiting for \(what); events: \(all)")
                        throw CancellationError()
                    }
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
        }

        static func watch(_ domain: String, on daemon: Libvirtd) -> (LibvirtDomainWatcher, Recorder) {
            let recorder = Recorder()
            let watcher = LibvirtDomainWatcher(
                virsh: "/usr/bin/virsh",
                uri: daemon.uri,
                domain: domain,
                environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"],
                queue: DispatchQueue(label: "test.watcher")
            ) { @Sendable event in recorder.append(event) }
            return (watcher, recorder)
        }

        /// The `virsh` children watching `domain` (their command line names it).
        static func watcherChildren(of domain: String) -> [Int32] {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return entries.compactMap(Int32.init).filter { pid in
                guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
                let text = String(decoding: data, as: UTF8.self)
                return text.contains(LibvirtDomainWatcherTestsMarker.marker) && text.contains("'\(domain)'")
                    && ProcessProbe.isRunning(pid)
            }
        }

        @Test func reportsTheStateAtTheStartAndEveryLifecycleChangeAsItHappens() async throws {
            try #require(Libvirtd.available, "root, libvirtd (libvirt-daemon) and virsh (libvirt-clients)")
            let daemon = try Libvirtd()
            defer { daemon.stop() }
            try #require(try await daemon.waitUntilReady(), "libvirtd did not answer; see \(daemon.directory)")
            try daemon.define("web")
            let (watcher, web) = Self.watch("web", on: daemon)
            let (ghostWatcher, ghost) = Self.watch("ghost", on: daemon)
            defer {
                watcher.cancel()
                ghostWatcher.cancel()
            }
            try await web.wait("web running") { _ in
                web.states == [ActuatorTargetState(phase: .active, raw: "running")]
            }
            try await ghost.wait("ghost not defined") { $0 == [.state(.undefinedDomain)] }
            // Its UUID comes first: what tells its emulator apart from another daemon's domain of the same name.
            let uuid = try daemon.virsh(["domuuid", "web"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(web.all.first == .identified(uuid: uuid))

            #expect(try daemon.virsh(["destroy", "web"]).status == 0)
            let destroyed = ActuatorTargetState(phase: .inactive, detail: "destroyed", raw: "shut off")
            try await web.wait("web destroyed") { $0.last == .state(destroyed) }
            #expect(try daemon.virsh(["start", "web"]).status == 0)
            try await web.wait("web booted") {
                $0.last == .state(ActuatorTargetState(phase: .active, detail: "booted", raw: "running"))
            }
            #expect(try daemon.virsh(["suspend", "web"]).status == 0)
            try await web.wait("web paused") {
                $0.last.map { if case .state(let s) = $0 { s.phase == .suspended } else { false } } ?? false
            }

            // A domain defined after the watcher started is followed from its first event on.
            try daemon.define("ghost")
            try await ghost.wait("ghost booted") {
                $0.last == .state(ActuatorTargetState(phase: .active, detail: "booted", raw: "running"))
            }
            #expect(!web.all.contains { if case .interrupted = $0 { true } else { false } })
            // Other domains' events are not this watcher's.
            #expect(ghost.states.count == 2, "\(ghost.states)")
        }

        @Test func domainsWatchedOnOneConnectionShareOneVirshAndEachHearsOnlyItsOwnEvents() async throws {
            try #require(Libvirtd.available, "root, libvirtd (libvirt-daemon) and virsh (libvirt-clients)")
            let daemon = try Libvirtd()
            defer { daemon.stop() }
            try #require(try await daemon.waitUntilReady(), "libvirtd did not answer; see \(daemon.directory)")
            try daemon.define("web")
            let connection = LibvirtConnectionWatcher(
                virsh: "/usr/bin/virsh",
                uri: daemon.uri,
                environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"]
            )
            let queue = DispatchQueue(label: "test.watcher")
            var watchers: [LibvirtDomainWatcher] = []
            defer {
                for watcher in watchers {
                    watcher.cancel()
                }
            }
            func watch(_ domain: String) -> Recorder {
                let recorder = Recorder()
                watchers.append(
                    LibvirtDomainWatcher(connection: connection, domain: domain, queue: queue) { @Sendable event in
                        recorder.append(event)
                    }
                )
                return recorder
            }
            let web = watch("web")
            let test = watch("test")
            let running = ActuatorTargetState(phase: .active, raw: "running")
            try await web.wait("web running") { _ in web.states == [running] }
            try await test.wait("test running") { _ in test.states == [running] }
            #expect(Self.watcherChildren(of: "web") == Self.watcherChildren(of: "test"))
            #expect(Self.watcherChildren(of: "web").count == 1, "one virsh for the connection")

            #expect(try daemon.virsh(["destroy", "web"]).status == 0)
            try await web.wait("web destroyed") { _ in web.states.last?.phase == .inactive }
            // A domain watched later on the same connection: the child is replaced, the others hear no repeat.
            let ghost = watch("ghost")
            try await ghost.wait("ghost not defined") { $0 == [.state(.undefinedDomain)] }
            #expect(test.states == [running], "test heard nothing of web's events nor a repeat: \(test.all)")
            #expect(web.states.count == 2, "\(web.all)")
            #expect(!(web.all + test.all).contains { if case .interrupted = $0 { true } else { false } })
            let children = Self.watcherChildren(of: "ghost")
            #expect(children.count == 1 && children == Self.watcherChildren(of: "web"), "\(children)")

            // A domain watched again after its watch ended (a reload replacing its target) hears its state afresh.
            watchers[0].cancel()
            let again = watch("web")
            try await again.wait("web's state again") { _ in again.states.last?.phase == .inactive }
            let last = Self.watcherChildren(of: "web")
            #expect(last.count == 1, "\(last)")

            for watcher in watchers {
                watcher.cancel()
            }
            watchers = []
            for pid in last {
                #expect(try await ProcessProbe.waitUntilGone(pid), "the last watch's end kills the virsh \(pid)")
            }
        }

        @Test func aDaemonThatGoesAwayIsReportedAndTheNextOneOnTheSameSocketIsFollowed() async throws {
            try #require(Libvirtd.available, "root, libvirtd (libvirt-daemon) and virsh (libvirt-clients)")
            let first = try Libvirtd()
            defer { first.stop() }
            try #require(try await first.waitUntilReady(), "libvirtd did not answer; see \(first.directory)")
            let (watcher, test) = Self.watch("test", on: first)
            try await test.wait("test running") { _ in test.states.count == 1 }
            let children = Self.watcherChildren(of: "test")
            #expect(children.count == 1, "one virsh child: \(children)")

            first.removesDirectory = false
            first.stop()
            try await test.wait("the interruption") {
                $0.contains { if case .interrupted(_, let retryIn) = $0 { retryIn == .seconds(1) } else { false } }
            }
            let second = try Libvirtd(directory: first.directory)
            defer { second.stop() }
            try #require(try await second.waitUntilReady(), "libvirtd did not answer again")
            // The next child reads the state afresh (a repeat of "running" is reported: it may have changed).
            try await test.wait("test running again", timeout: .seconds(30)) {
                $0.last == .state(ActuatorTargetState(phase: .active, raw: "running"))
                    && $0.contains { if case .interrupted = $0 { true } else { false } }
            }
            watcher.cancel()
            for pid in Self.watcherChildren(of: "test") {
                #expect(try await ProcessProbe.waitUntilGone(pid), "cancel kills the watcher's virsh \(pid)")
            }
        }
    }
}

/// The marker is internal to VigilLinux; the tests find the watcher's children by this part of their command line.
enum LibvirtDomainWatcherTestsMarker {
    static let marker = "event --all --loop"
}
