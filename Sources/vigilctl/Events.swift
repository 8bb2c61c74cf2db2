import ArgumentParser
import VigilCore
import VigilLinux

/// `vigilctl events`: vigild's recent events, and with `--follow` each new one as it happens.
struct Events: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Show recent events (oldest first), optionally for one target, and follow new ones.",
        discussion: """
            One line per event: local time, target ('-' for vigild itself), event type and message, coloured by \
            priority on a terminal. With --json, one JSON object per line. --follow runs until interrupted or \
            until vigild closes the connection (exit status 0), and exits 1 if vigild cannot be reached.
            """
    )

    @OptionGroup var control: ControlOptions

    @Option(help: "Only events about this target.")
    var target: String?

    @Option(help: "At most this many recent events (vigild's default when omitted).")
    var limit: Int?

    @Flag(help: "Keep running and print each new event as it happens.")
    var follow = false

    @Flag(help: "Print each event as one JSON object per line.")
    var json = false

    func validate() throws {
        if let limit, limit < 0 {
            throw ValidationError("--limit must not be negative")
        }
    }

    func run() throws {
        let request = ControlRequest(command: .events, target: target, limit: limit)
        guard follow else {
            try print(ControlCall.send(request, control).events ?? [])
            return
        }
        var refusal: ControlResponse?
        var printError: (any Error)?
        do {
            try control.client.follow(request) { response in
                guard response.ok else {
                    refusal = response
                    return false
                }
                do {
                    try print(response.events ?? [])
                    return true
                } catch {
                    printError = error
                    return false
                }
            }
        } catch {
            Console.error("vigilctl: \(error.message)")
            throw ExitCode.failure
        }
        if let refusal {
            try ControlCall.requireSuccess(refusal)
        }
        if let printError {
            throw printError
        }
    }

    private func print(_ events: [EventRecord]) throws {
        // Options are taken per batch so "now" and the time zone stay current over a long --follow.
        let options = Console.renderOptions()
        var text = ""
        for event in events {
            if json {
                text += String(decoding: try ControlLine.encode(event), as: UTF8.self)
            } else {
                text += EventLine.render(event, options: options) + "\n"
            }
        }
        if !text.isEmpty {
            Console.out(text)
        }
    }
}
