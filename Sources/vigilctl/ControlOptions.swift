import ArgumentParser
import VigilLinux

/// The `--socket` option every command that talks to vigild takes.
struct ControlOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "vigild's control socket (default: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).",
            valueName: "PATH"
        )
    )
    var socket: String?

    /// A client for the chosen socket.
    var client: ControlClient {
        ControlClient(socketPath: ControlClient.socketPath(option: socket, environment: ProcessEnvironment.current()))
    }
}
