extension ConfigParser {
    static let clusterSecurityKeys = ["ca_file", "cert_file", "key_file", "username", "password", "password_file"]

    /// TLS and credentials of `[cluster]`: `ca_file`, `cert_file`, `key_file` (TLS, also implied by `https://`
    /// endpoints), `username` with `password` or `password_file`.
    ///
    /// A password is refused over plaintext to an endpoint that is not loopback: etcd's Authenticate carries it in
    /// clear, and the token it returns rides on every call, so whoever reads the network could write owner keys
    /// and start a second active instance. `http://` endpoints with TLS files are refused as a contradiction.
    ///
    /// - Returns: the TLS and credentials, and whether they are valid.
    static func parseClusterSecurity(
        _ reader: ConfigTableReader,
        endpoints: [String],
        problems: inout [ConfigProblem]
    ) -> (tls: ClusterTLS?, credentials: ClusterCredentials?, valid: Bool) {
        var valid = true
        var files: [String: String] = [:]
        for key in ["ca_file", "cert_file", "key_file", "password_file"] {
            guard let path = reader.nonEmptyString(key, problems: &problems) else {
                valid = valid && reader.value(key) == nil
                continue
            }
            if path.hasPrefix("/") {
                files[key] = path
            } else {
                problems.append(
                    reader.problem(key, "must be an absolute path, found \(ConfigTableReader.quoted(path))")
                )
                valid = false
            }
        }
        let given = Set(clusterSecurityKeys.filter { reader.value($0) != nil })
        if given.contains("cert_file") != given.contains("key_file") {
            let missing = given.contains("cert_file") ? "key_file" : "cert_file"
            let message = "a client certificate needs both cert_file and key_file (the certificate and its key)"
            problems.append(reader.problem(missing, message))
            valid = false
        }
        let https = endpoints.filter { $0.hasPrefix("https://") }
        let explicitHTTP = endpoints.filter { $0.hasPrefix("http://") }
        let hasFiles = !given.isDisjoint(with: ["ca_file", "cert_file", "key_file"])
        if !https.isEmpty, https.count != endpoints.count {
            let message = "mixes https:// with plaintext endpoints: TLS is used for every member or for none"
            problems.append(reader.problem("endpoints", message))
            valid = false
        } else if hasFiles, !explicitHTTP.isEmpty {
            let message =
                "\(ConfigTableReader.quoted(explicitHTTP[0])) is plaintext but ca_file/cert_file/key_file ask for "
                + "TLS: write the endpoints https:// or host:port"
            problems.append(reader.problem("endpoints", message))
            valid = false
        }
        let tls =
            hasFiles || !https.isEmpty
            ? ClusterTLS(caFile: files["ca_file"], certFile: files["cert_file"], keyFile: files["key_file"]) : nil

        let username = reader.nonEmptyString("username", problems: &problems)
        valid = valid && (username != nil || reader.value("username") == nil)
        let inline = reader.nonEmptyString("password", problems: &problems)
        valid = valid && (inline != nil || reader.value("password") == nil)
        let password: ClusterCredentials.Password? =
            inline.map { .inline($0) } ?? files["password_file"].map { .file($0) }
        var credentials: ClusterCredentials?
        if given.contains("password"), given.contains("password_file") {
            problems.append(reader.problem("password", "give password or password_file, not both"))
            valid = false
        } else if given.contains("username"), !given.contains("password"), !given.contains("password_file") {
            problems.append(reader.problem("username", "needs password or password_file (the etcd user's password)"))
            valid = false
        } else if !given.contains("username"), let key = ["password", "password_file"].first(where: given.contains) {
            problems.append(reader.problem(key, "needs username (the etcd user the password belongs to)"))
            valid = false
        } else if let username, let password {
            credentials = ClusterCredentials(username: username, password: password)
        }
        if given.contains("username"), tls == nil {
            let remote = endpoints.filter { endpoint in
                !ClusterCredentials.isLoopback(host: endpointHost(endpoint))
            }
            if let first = remote.first {
                let message =
                    "etcd's password and token would cross the network in clear to \(ConfigTableReader.quoted(first)) "
                    + "(anyone who reads them can write owner keys): use TLS (https:// endpoints, ca_file) with "
                    + "authentication, or loopback endpoints only"
                problems.append(reader.problem("username", message))
                valid = false
            }
        }
        return (tls, credentials, valid)
    }

    /// The host of an endpoint as written (`host:port`, `scheme://host:port`, `[v6]:port`), brackets removed.
    static func endpointHost(_ endpoint: String) -> String {
        var rest = Substring(endpoint)
        if let scheme = rest.range(of: "://") {
            rest = rest[scheme.upperBound...]
        }
        while rest.hasSuffix("/") {
            rest = rest.dropLast()
        }
        if let colon = rest.lastIndex(of: ":") {
            rest = rest[..<colon]
        }
        if rest.hasPrefix("["), rest.hasSuffix("]") {
            rest = rest.dropFirst().dropLast()
        }
        return String(rest)
    }
}
