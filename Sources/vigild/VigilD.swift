import ArgumentParser
import VigilCore

@main
struct VigilD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigild",
        abstract: "The Vigil supervisor daemon.",
        version: VigilVersion.string
    )
}
