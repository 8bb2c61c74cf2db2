import VigilCore
import VigilLinux

/// The single record of what happened: every event goes to the journal (or stderr), the history `vigilctl events`
/// replays, the followers of `vigilctl events --follow`, the per-target figures, and marks the state file dirty.
/// Confined to the engine queue.
package final class EventBus {
    unowned let engine: Engine
    /// Recent events for `vigilctl events`, oldest first, bounded by count and bytes (`EventHistory`); the journal
    /// keeps the rest.
    private(set) var history = EventHistory()
    /// The last event of each target, for `vigilctl status`.
    private(set) var lastEvents: [String: EventRecord] = [:]
    /// Connections following the event stream, with the target they follow (`nil`: all).
    private var followers: [(connection: ControlConnection, target: String?)] = []

    init(engine: Engine) {
        self.engine = engine
    }

    /// Records an event: the journal entry, the history, the figures, and every follower.
    package func record(_ event: Event) {
        engine.persistence.markDirty()
        var fields: [String: String] = [:]
        for (name, value) in event.fields {
            fields[name] = value
        }
        // Every event about a cluster resource this node owns carries its fencing token.
        var event = event
        if let target = event.target, event.fields["FENCING_TOKEN"] == nil,
            let token = engine.recovery.fencingToken(of: target)
        {
            fields["FENCING_TOKEN"] = String(token)
            event.fields["FENCING_TOKEN"] = String(token)
        }
        EventLog(logger: engine.logger).record(event)
        engine.metrics.account(event)
        let record = EventRecord(
            event: event.kind.rawValue,
            target: event.target,
            message: event.message,
            priority: event.severity.rawValue,
            monotonicMicroseconds: event.time.microseconds,
            realtimeMicroseconds: Int64(RealtimeClock.nanoseconds() / 1_000),
            fields: fields
        )
        history.append(record)
        if let target = event.target {
            lastEvents[target] = record
        }
        followers.removeAll { $0.connection.isClosed }
        for follower in followers where follower.target == nil || follower.target == event.target {
            follower.connection.send(ControlResponse(ok: true, events: [record]), last: false)
        }
    }

    /// Adds a connection that receives every event from now on (of `target`, or all).
    func follow(_ connection: ControlConnection, target: String?) {
        followers.append((connection, target))
    }

    /// Closes the followers' connections (vigild is exiting).
    func closeFollowers() {
        for follower in followers {
            follower.connection.close()
        }
        followers = []
    }
}
