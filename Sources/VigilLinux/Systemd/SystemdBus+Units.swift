import VigilCore

extension SystemdBus {
    /// Reads one string property of `unit` with `org.freedesktop.DBus.Properties.Get`. Only on `queue`.
    func getUnitProperty(
        _ unit: String,
        _ property: String,
        timeout: Duration,
        completion: @escaping (Result<String, SystemdBusError>) -> Void
    ) -> SystemdBusError? {
        call(
            "Get",
            path: Self.unitPath(unit),
            interface: "org.freedesktop.DBus.Properties",
            arguments: [.string(Self.unitInterface), .string(property)],
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
            } else if let value = message.readStringVariant() {
                completion(.success(value))
            } else {
                completion(
                    .failure(
                        SystemdBusError(call: "Get \(property)", subject: unit, message: "the reply was not a string")
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
