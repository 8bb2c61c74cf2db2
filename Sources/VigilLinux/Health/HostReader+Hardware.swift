import VigilCore

extension HostReader {
    /// EDAC memory controllers and their DIMMs; empty when the host has no EDAC driver loaded.
    /// - Throws: `HealthReadError` when a counter exists but cannot be read or parsed.
    public func edacControllers() throws(HealthReadError) -> [EDACMemoryController] {
        let base = root.resolve("/sys/devices/system/edac/mc")
        var controllers: [EDACMemoryController] = []
        for (_, name) in try numbered(in: base, prefix: "mc") {
            let directory = base + "/" + name
            var controller = EDACMemoryController(
                name: name,
                correctableErrors: try readIfPresent(directory + "/ce_count", KernelCounter.decimal),
                uncorrectableErrors: try readIfPresent(directory + "/ue_count", KernelCounter.decimal)
            )
            // Drivers with the newer API list `dimmN`; older ones list `rankN` with the same files.
            for prefix in ["dimm", "rank"] {
                for (_, dimm) in try numbered(in: directory, prefix: prefix) {
                    let dimmDirectory = directory + "/" + dimm
                    let label = try readIfPresent(dimmDirectory + "/dimm_label") { text throws(KernelTextError) in
                        text.split(separator: "\n").first.map(String.init)
                    }
                    controller.dimms.append(
                        EDACMemoryController.DIMM(
                            name: dimm,
                            label: label ?? nil,
                            correctableErrors: try readIfPresent(
                                dimmDirectory + "/dimm_ce_count",
                                KernelCounter.decimal
                            ),
                            uncorrectableErrors: try readIfPresent(
                                dimmDirectory + "/dimm_ue_count",
                                KernelCounter.decimal
                            )
                        )
                    )
                }
            }
            controllers.append(controller)
        }
        return controllers
    }

    /// I/O error counters of the block devices that have one (SCSI disks); others are left out.
    /// - Throws: `HealthReadError` when a counter exists but cannot be read or parsed.
    public func blockDeviceErrors() throws(HealthReadError) -> [BlockDeviceErrorCount] {
        let base = root.resolve("/sys/block")
        let names: [String]
        do {
            names = try DirectoryEntries.names(in: base) ?? []
        } catch {
            throw .system(error)
        }
        var counts: [BlockDeviceErrorCount] = []
        for name in names.sorted() {
            let path = base + "/" + name + "/device/ioerr_cnt"
            if let count = try readIfPresent(path, KernelCounter.hexadecimal) {
                counts.append(BlockDeviceErrorCount(device: name, ioErrors: count))
            }
        }
        return counts
    }

    /// Thermal throttle counters of each CPU that has them (x86 with the thermal driver); others are left out.
    /// - Throws: `HealthReadError` when a counter exists but cannot be read or parsed.
    public func thermalThrottleCounts() throws(HealthReadError) -> [ThermalThrottleCount] {
        let base = root.resolve("/sys/devices/system/cpu")
        var counts: [ThermalThrottleCount] = []
        for (number, name) in try numbered(in: base, prefix: "cpu") {
            let directory = base + "/" + name + "/thermal_throttle"
            let core = try readIfPresent(directory + "/core_throttle_count", KernelCounter.decimal)
            let package = try readIfPresent(directory + "/package_throttle_count", KernelCounter.decimal)
            if core != nil || package != nil {
                counts.append(ThermalThrottleCount(cpu: number, core: core, package: package))
            }
        }
        return counts
    }

    private func numbered(in path: String, prefix: String) throws(HealthReadError) -> [(number: Int, name: String)] {
        do {
            return try DirectoryEntries.numbered(in: path, prefix: prefix)
        } catch {
            throw .system(error)
        }
    }
}
