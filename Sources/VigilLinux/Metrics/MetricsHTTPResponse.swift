import VigilCore

/// What the metrics server answers, decided from the parsed request alone. Pure, so every status is tested
/// without a socket.
struct MetricsHTTPResponse: Sendable, Equatable {
    /// The path Prometheus scrapes.
    static let metricsPath = "/metrics"

    var status: Int
    var reason: String
    var contentType: String
    /// Extra header fields, e.g. `Allow` for 405.
    var headers: [String] = []
    var body: [UInt8]
    /// `false` for `HEAD`: the headers describe the body, which is not sent.
    var sendsBody = true

    /// The answer to a request head (or to what stood in for one).
    /// - Parameters:
    ///   - parsed: The parser's verdict on the received bytes; never `.incomplete`.
    ///   - metrics: Called for `GET` and `HEAD` of `/metrics` only, so a 404 costs no snapshot.
    static func answering(_ parsed: HTTPRequestHead.Parsed, metrics: () -> String) -> MetricsHTTPResponse {
        switch parsed {
        case .incomplete, .invalid:
            return plain(400, "Bad Request", "bad request\n")
        case .tooLarge:
            return plain(431, "Request Header Fields Too Large", "request head larger than 8 KiB\n")
        case .complete(let head):
            guard head.method == "GET" || head.method == "HEAD" else {
                var response = plain(405, "Method Not Allowed", "only GET and HEAD\n")
                response.headers = ["Allow: GET, HEAD"]
                return response
            }
            guard head.path == metricsPath else {
                var response = plain(404, "Not Found", "not found; metrics are at \(metricsPath)\n")
                response.sendsBody = head.method == "GET"
                return response
            }
            return MetricsHTTPResponse(
                status: 200,
                reason: "OK",
                contentType: PrometheusText.contentType,
                body: Array(metrics().utf8),
                sendsBody: head.method == "GET"
            )
        }
    }

    private static func plain(_ status: Int, _ reason: String, _ text: String) -> MetricsHTTPResponse {
        MetricsHTTPResponse(
            status: status,
            reason: reason,
            contentType: "text/plain; charset=utf-8",
            body: Array(text.utf8)
        )
    }

    /// The bytes on the wire: status line, headers, blank line, body. Always `Connection: close`: one request per
    /// connection keeps the server a handful of states, and a scrape every few seconds gains nothing from reuse.
    var serialized: [UInt8] {
        var head = "HTTP/1.1 \(status) \(reason)\r\n"
        head += "Content-Type: \(contentType)\r\n"
        head += "Content-Length: \(body.count)\r\n"
        for header in headers {
            head += header + "\r\n"
        }
        head += "Connection: close\r\n\r\n"
        return Array(head.utf8) + (sendsBody ? body : [])
    }
}
