import VigilCore

extension SystemdBus {
    /// Reads one string property of `unit` with `org.freedesktop.DBus.Properties.Get`. Only on `queue`.
    func getUnitProperty(
        _ unit: String,
        _ property: String,
        timeout: Duration,
        completion: @escaping (Result<String, SystemdBusError>) -> Void
    ) -> SystemdBusError? {
        getProperty(
            unit,
            Self.unitInterface,
            property,
            type: "a string",
            timeout: timeout,
            read: { $0.readStringVariant() },
            completion: completion
        )
    }

    /// Reads `MainPID` of a service unit (`org.freedesktop.systemd1.Service`): 0 while it has no main process.
    /// The PID is in the PID namespace of the systemd that answers. Only on `queue`.
    func readMainPID(
        _ unit: String,
        timeout: Duration,
        completion: @escaping (Result<Int32, SystemdBusError>) -> Void
    ) -> SystemdBusError? {
        getProperty(
            unit,
            "org.freedesktop.systemd1.Service",
            "MainPID",
            type: "an unsigned 32-bit integer",
            timeout: timeout,
            read: { $0.readUInt32Variant().map { Int32(bitPattern: $0) } },
            completion: completion
        )
    }

    /// `Properties.Get` of one property of `interface` on `unit`'s object, read by `read`. Only on `queue`.
    private func getProperty<Value>(
        _ unit: String,
        _ interface: String,
        _ property: String,
        type: String,
        timeout: Duration,
        read: @escaping (BusMessage) -> Value?,
        completion: @escaping (Result<Value, SystemdBusError>) -> Void
    ) -> SystemdBusError? {
        call(
            "Get",
            path: Self.unitPath(unit),
            interface: "org.freedesktop.DBus.Properties",
            arguments: [.string(interface), .string(property)],
            timeout: timeout
        ) { message in
            if let error = message.error {
                completion(
                    .failure(
                        SystemdBusError(
                            call: "Get \(property)",
                            subject: unit,
                            name: error.name,
                            message: error.message
                        )
                    )
                )
            } else if let value = read(message) {
                completion(.success(value))
            } else {
                completion(
                    .failure(
                        SystemdBusError(call: "Get \(property)", subject: unit, message: "the reply was not \(type)")
                    )
                )
            }
        }
    }

    /// Reads `LoadState`, `ActiveState` and `SubState` of `unit`, one after the other; a unit systemd cannot find
    /// is an error that says so. Only on `queue`.
    /// - Returns: why the first request could not be sent, if it could not.
    func readUnitState(
        _ unit: String,
        timeout: Duration,
        completion: @escaping (Result<ActuatorTargetState, SystemdBusError>) -> Void
    ) -> SystemdBusError? {
        getUnitProperty(unit, "LoadState", timeout: timeout) { [self] load in
            guard case .success(let loadState) = load else {
                return completion(load.map { _ in .init(phase: .unknown, raw: "") })
            }
            guard loadState != "not-found" else {
                return completion(
                    .failure(SystemdBusError(call: "LoadState", subject: unit, message: "unit \(unit) not found"))
                )
            }
            let sent = getUnitProperty(unit, "ActiveState", timeout: timeout) { [self] active in
                guard case .success(let activeState) = active else {
                    return completion(active.map { _ in .init(phase: .unknown, raw: "") })
                }
                let sent = getUnitProperty(unit, "SubState", timeout: timeout) { sub in
                    completion(sub.map { ActuatorTargetState(systemdActiveState: activeState, subState: $0) })
                }
                if let sent {
                    completion(.failure(sent))
                }
            }
            if let sent {
                completion(.failure(sent))
            }
        }
    }
}
