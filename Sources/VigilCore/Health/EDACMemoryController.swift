/// One EDAC memory controller (`/sys/devices/system/edac/mc/mcN`, Documentation/driver-api/edac.rst):
/// corrected and uncorrected memory errors since the driver loaded, in total and per DIMM.
public struct EDACMemoryController: Sendable, Equatable {
    /// One DIMM (`dimmN`, or `rankN` on older drivers).
    public struct DIMM: Sendable, Equatable {
        public var name: String
        /// `dimm_label`, the silkscreen name a technician can find, when the BIOS/driver set one.
        public var label: String?
        public var correctableErrors: UInt64?
        public var uncorrectableErrors: UInt64?

        public init(name: String, label: String? = nil, correctableErrors: UInt64?, uncorrectableErrors: UInt64?) {
            self.name = name
            self.label = label
            self.correctableErrors = correctableErrors
            self.uncorrectableErrors = uncorrectableErrors
        }
    }

    /// `mc0`, `mc1`…
    public var name: String
    /// `ce_count`: corrected errors; a rising count predicts a failing DIMM.
    public var correctableErrors: UInt64?
    /// `ue_count`: uncorrected errors; data was lost.
    public var uncorrectableErrors: UInt64?
    public var dimms: [DIMM]

    public init(name: String, correctableErrors: UInt64?, uncorrectableErrors: UInt64?, dimms: [DIMM] = []) {
        self.name = name
        self.correctableErrors = correctableErrors
        self.uncorrectableErrors = uncorrectableErrors
        self.dimms = dimms
    }
}
