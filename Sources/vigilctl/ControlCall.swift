import ArgumentParser
import VigilCore
import VigilLinux

/// Sending a request the way every vigilctl command does: an unreachable vigild or a refusal is printed to
/// standard error and ends vigilctl with exit status 1.
enum ControlCall {
    /// vigild's successful response to `request`.
    /// - Throws: `ExitCode.failure` after printing why there is no successful response: the client's error, or
    ///   the response's `error` and every line of its `problems`.
    static func send(_ request: ControlRequest, _ options: ControlOptions) throws -> ControlResponse {
        let response: ControlResponse
        do {
            response = try options.client.send(request)
        } catch {
            Console.error("vigilctl: \(error.message)")
            throw ExitCode.failure
        }
        try requireSuccess(response)
        return response
    }

    /// Returns when `response.ok`; otherwise prints its error and problems and exits 1.
    static func requireSuccess(_ response: ControlResponse) throws {
        guard !response.ok else { return }
        Console.error("vigilctl: \(response.error ?? "vigild refused the request without saying why")")
        for problem in response.problems ?? [] {
            Console.error(problem)
        }
        throw ExitCode.failure
    }

    /// Sends a command that changes something and prints vigild's one-line account of what it did.
    static func perform(_ request: ControlRequest, _ options: ControlOptions) throws {
        let response = try send(request, options)
        Console.out((response.message ?? "done") + "\n")
    }
}
