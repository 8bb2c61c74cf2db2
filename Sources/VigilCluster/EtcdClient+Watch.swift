import EtcdAPI
import Foundation
import GRPCCore

extension EtcdClient {
    /// Watches every key under `prefix` from `revision` on (or from now), on the preferred member.
    ///
    /// The watch asks for a leader (gRPC metadata `hasleader=true`): a member cut off from the quorum ends it
    /// (after ~3.5 s, measured) instead of staying silent while the majority side moves on. The stream then ends
    /// with an `EtcdError` (`watchCancelled` or `unavailable`); the caller re-lists and watches again, from the
    /// next revision it has not seen. The first event is `.created` once etcd has the watch in place.
    ///
    /// - Parameters:
    ///   - prefix: the key prefix (a single key is a prefix of itself and its longer siblings).
    ///   - revision: the first revision to report; nil for changes after the watch is created.
    /// - Returns: the events, in revision order, until the stream is dropped or the watch ends.
    public func watch(prefix: String, from revision: Int64? = nil) -> AsyncThrowingStream<EtcdWatchEvent, any Error> {
        let (events, continuation) = AsyncThrowingStream.makeStream(of: EtcdWatchEvent.self)
        let member = members[preferredMember]
        let create = Etcdserverpb_WatchRequest.with {
            $0.createRequest = .with {
                $0.key = Data(prefix.utf8)
                $0.rangeEnd = Self.rangeEnd(ofPrefix: prefix)
                $0.startRevision = revision ?? 0
            }
        }
        let options = Self.streamOptions
        let request = StreamingClientRequest<Etcdserverpb_WatchRequest>(metadata: ["hasleader": "true"]) { writer in
            try await writer.write(create)
            // The request side stays open for as long as the watch runs; the RPC's end cancels this sleep.
            while true {
                try await Task.sleep(for: .seconds(3_600))
            }
        }
        let task = Task {
            do {
                try await member.watch.watch(request: request, options: options) { response in
                    for try await message in response.messages {
                        if message.created {
                            continuation.yield(.created(revision: message.header.revision))
                        }
                        for event in message.events {
                            continuation.yield(EtcdWatchEvent(event))
                        }
                        if message.canceled {
                            throw EtcdError(
                                .watchCancelled,
                                "etcd watch \(prefix) on \(member.endpoint) cancelled: \(message.cancelReason)"
                                    + (message.compactRevision > 0 ? " (compacted at \(message.compactRevision))" : "")
                            )
                        }
                    }
                    throw EtcdError(.watchCancelled, "etcd watch \(prefix) on \(member.endpoint) ended")
                }
            } catch let error as EtcdError {
                continuation.finish(throwing: error)
            } catch {
                continuation.finish(
                    throwing: EtcdError(
                        .unavailable,
                        "etcd watch \(prefix) on \(member.endpoint): \(Self.reason(error))"
                    )
                )
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return events
    }
}

extension EtcdWatchEvent {
    init(_ event: Mvccpb_Event) {
        switch event.type {
        case .delete:
            self = .deleted(key: String(decoding: event.kv.key, as: UTF8.self), revision: event.kv.modRevision)
        default:
            self = .put(EtcdKeyValue(event.kv))
        }
    }
}
