import ArgumentParser
import VigilCore

/// `vigilctl status`: vigild and every target, as a table or as JSON.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show vigild and every target: state, health, pid, restarts, uptime, last event.",
        discussion: """
            Exit status: 0 when every target is running and healthy (or has no health check beyond its exit), \
            3 when any is not, 1 when vigild cannot be asked. Colours are used only when standard output is a \
            terminal and NO_COLOR is unset.
            """
    )

    @OptionGroup var control: ControlOptions

    @Flag(help: "Print vigild's status as JSON (sorted keys).")
    var json = false

    func run() throws {
        let response = try ControlCall.send(ControlRequest(command: .status), control)
        guard let status = response.status else {
            Console.error("vigilctl: vigild's answer has no status in it")
            throw ExitCode.failure
        }
        Console.out(json ? try JSONOutput.pretty(status) : StatusTable.render(status, options: Console.renderOptions()))
        // Like `systemctl is-active`: scripts can test health without parsing the table.
        throw ExitCode(status.allTargetsUp ? 0 : 3)
    }
}
