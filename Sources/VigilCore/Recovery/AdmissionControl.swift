/// Whether a host has room for a target's declared reservation: checked before vigild starts or promotes a target
/// there, so a recovery does not push a host into memory pressure and take its other targets down with it.
public enum AdmissionControl {
    /// What the host has free now, as the health sources read it.
    public struct HostResources: Sendable, Equatable {
        /// `MemAvailable`, in bytes.
        public var availableMemory: UInt64
        /// `MemTotal`, in bytes, to resolve percentage reservations.
        public var totalMemory: UInt64
        /// Idle CPUs, in cores (idle share of the last sample × online CPUs).
        public var idleCPU: Double

        public init(availableMemory: UInt64, totalMemory: UInt64, idleCPU: Double) {
            self.availableMemory = availableMemory
            self.totalMemory = totalMemory
            self.idleCPU = idleCPU
        }
    }

    /// The answer: admitted, or refused with a sentence for the event.
    public enum Decision: Sendable, Equatable {
        case admitted
        case refused(reason: String)

        public var isAdmitted: Bool {
            self == .admitted
        }
    }

    /// Admits `reservation` on `host` if both its memory and its CPU fit in what is free, less what was already
    /// promised to recoveries that are under way and not yet visible in the figures.
    /// - Parameters:
    ///   - reservation: the target's `reserve_memory` / `reserve_cpu`; an empty one is always admitted.
    ///   - host: the host's free resources now.
    ///   - committed: reservations of other recoveries still starting on this host.
    public static func decide(
        _ reservation: ResourceReservation,
        on host: HostResources,
        committed: [ResourceReservation] = []
    ) -> Decision {
        var reasons: [String] = []
        if let memory = reservation.memory {
            let needed = memory.bytes(ofTotal: host.totalMemory)
            let promised = committed.compactMap(\.memory).reduce(UInt64(0)) {
                $0 &+ $1.bytes(ofTotal: host.totalMemory)
            }
            let free = host.availableMemory > promised ? host.availableMemory - promised : 0
            if needed > free {
                let detail = promised > 0 ? " after \(ByteCount.text(promised)) promised to other recoveries" : ""
                reasons.append(
                    "needs \(ByteCount.text(needed)) of memory, \(ByteCount.text(free)) available\(detail)"
                )
            }
        }
        if let cpu = reservation.cpu {
            let promised = committed.compactMap(\.cpu).reduce(0, +)
            let free = max(0, host.idleCPU - promised)
            if cpu > free + 1e-9 {
                reasons.append("needs \(Self.cores(cpu)) of idle CPU, \(Self.cores(free)) idle")
            }
        }
        return reasons.isEmpty ? .admitted : .refused(reason: reasons.joined(separator: "; "))
    }

    /// `1.5 cores`, `1 core`.
    private static func cores(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        let figure = rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
        return figure + (rounded == 1 ? " core" : " cores")
    }
}
