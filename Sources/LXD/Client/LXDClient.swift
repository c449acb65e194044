import Glibc
import Logging
import Synchronization
import HTTP
import JSON
import Transport

/// Timeouts for talking to the daemon. Nothing waits forever on a dead peer.
public struct LXDTimeouts: Sendable {
    /// Connecting, including the TLS handshake.
    public var connect: Double = 10
    /// One REST request and its response.
    public var request: Double = 30
    /// Starting an exec: the POST that creates the operation. A healthy daemon answers
    /// it at once; in a cluster the POST is forwarded to the instance's member and waits
    /// as long as that member does not answer, so this bound is shorter than `request`
    /// (see `LXDClient.execNamingMember`). It outlasts a database leader election, during
    /// which every member's POST waits (10.2 s, or 15.2 s when the bootstrap member led,
    /// on the test bed), and leaves room to name a frozen member within 20 s.
    public var execStart: Double = 17
    /// The defaults: 10 s to connect, 30 s per request, 17 s to start an exec.
    public init() {}
}

/// A client for one LXD (or Incus) remote: REST calls over HTTP/1.1, on the unix socket
/// or TLS, with one kept-alive connection.
///
/// Safe to share between threads and tasks: its settings and the idle connection are kept
/// under a lock, and each REST call takes the idle connection or opens its own, so calls
/// made at the same time run side by side on separate connections.
///
/// ```swift
/// let client = LXDClient(remote: resolved)
/// let ops = try client.operations.list()
/// let session = try client.exec(instance: "c1", ExecRequest(command: ["ls"]))
/// ```
public final class LXDClient: Sendable {
    /// Where requests go and with which TLS files.
    public let remote: ResolvedRemote

    private struct Settings: Sendable {
        var project: String?
        var timeouts = LXDTimeouts()
        var sessionDirectory: String?
        var logger: Logger
    }
    private let settings: Mutex<Settings>
    /// Made on the first TLS connection, then shared by every connection of this client.
    private let tlsContext = Mutex<TLSContext?>(nil)
    /// The kept-alive REST connection nobody is using at the moment.
    private let idle = Mutex<IdleConnection>(IdleConnection())
    /// Full TLS handshakes of set-ups in flight (`SetupConnection`'s gate).
    let fullHandshakes = Mutex<Int>(0)
    /// The remote's addresses, looked up on the first set-up (`resolvedAddresses()`).
    let addressCache = Mutex<AddressCache>(AddressCache())

    /// `--project`: overrides the remote's project for every request.
    public var project: String? {
        get { settings.withLock { $0.project } }
        set { settings.withLock { $0.project = newValue } }
    }
    /// Bounds on connecting, REST calls and starting an exec.
    public var timeouts: LXDTimeouts {
        get { settings.withLock { $0.timeouts } }
        set { settings.withLock { $0.timeouts = newValue } }
    }
    /// Where the client keeps each remote's last TLS session between processes (the cache
    /// folder: the next process resumes it; see `TLSClientConfiguration.sessionDirectory`).
    /// Nil, the default: in memory only. Set it before the first connection.
    public var sessionDirectory: String? {
        get { settings.withLock { $0.sessionDirectory } }
        set { settings.withLock { $0.sessionDirectory = newValue } }
    }
    /// Where the client logs. At `.debug` it logs the HTTP exchange, TLS handshakes and
    /// the events of exec sessions, one message per line or message, every secret
    /// redacted first (`redactSecrets`). Above `.debug`, or with the default no-op
    /// logger, nothing is formatted.
    public var logger: Logger {
        get { settings.withLock { $0.logger } }
        set { settings.withLock { $0.logger = newValue } }
    }

    /// A logger that drops everything: the default, so a library never logs uninvited.
    public static let silentLogger = Logger(label: "lxattach", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A client for `remote`; `project` overrides the remote's project, `logger` receives the debug trace.
    public init(remote: ResolvedRemote, project: String? = nil, logger: Logger = LXDClient.silentLogger) {
        self.remote = remote
        self.settings = Mutex(Settings(project: project, logger: logger))
    }

    /// The debug trace as a sink of lines, or nil when the logger would drop them (then
    /// callers format nothing). Each line is redacted before it is logged.
    var trace: ((String) -> Void)? {
        let logger = self.logger
        guard logger.logLevel <= .debug else { return nil }
        return { line in logger.debug("\(redactSecrets(line))") }
    }

    deinit { idle.withLock { $0.connection?.close() } }

    /// A new client for `remote` with this one's settings (and connections of its own).
    public func copy(remote: ResolvedRemote) -> LXDClient {
        let copy = LXDClient(remote: remote)
        let mine = settings.withLock { $0 }
        copy.settings.withLock { $0 = mine }
        return copy
    }

    /// The project sent as `?project=`, or nil for the default project.
    public var effectiveProject: String? {
        let p = settings.withLock { $0.project } ?? remote.project
        return (p == nil || p == "" || p == "default") ? nil : p
    }

    /// The `Host` header value.
    var hostHeader: String {
        switch remote.endpoint {
        case .unix: return "unix.socket"
        case .https(let host, let port, _):
            return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }

    /// Opens a new connection to the daemon (TLS handshake done). Used for each
    /// websocket; REST calls share `connection(deadline:)`.
    public func connect(deadline: Deadline) throws(LXDError) -> any ByteStream {
        let started = monotonicNanoseconds()
        do {
            switch remote.endpoint {
            case .unix(let path):
                return try UnixStream.connect(path: path, deadline: deadline)
            case .https(let host, let port, _):
                let context = try tls()
                let stream = try TLSStream.connect(try resolvedAddresses(), context: context, deadline: deadline)
                trace?("TLS \(stream.protocolVersion ?? "?") with \(host):\(port)\(stream.sessionWasReused ? ", session resumed" : "")")
                return stream
            }
        } catch {
            throw describingTimeout(error, since: started)
        }
    }

    /// "unix:/var/lib/lxd/unix.socket" or "https://host:port": where requests go, for messages.
    public var addressDescription: String {
        switch remote.endpoint {
        case .unix(let path): return "unix:" + path
        case .https: return "https://" + hostHeader
        }
    }

    /// A transport error; a timeout says to where and after how long.
    func describingTimeout(_ error: TransportError, since started: UInt64) -> LXDError {
        guard case .timedOut(let what) = error else { return .transport(error) }
        // Seconds since `started`, one decimal: "10.0".
        let tenths = (monotonicNanoseconds() &- started + 50_000_000) / 100_000_000
        return .timedOut("after \(tenths / 10).\(tenths % 10) s connecting to \(addressDescription) (\(what))")
    }

    /// The TLS context, made once; two threads that both find none both make one and
    /// the first stored is kept (making one reads files, so it is not done under the lock).
    func tls() throws(TransportError) -> TLSContext {
        if let context = tlsContext.withLock({ $0 }) { return context }
        func existing(_ path: String?) -> String? {
            guard let path, access(path, R_OK) == 0 else { return nil }
            return path
        }
        var serverName: String? = nil
        if case .https(_, _, let name) = remote.endpoint { serverName = name }
        let cert = existing(remote.clientCertificatePath)
        let key = existing(remote.clientKeyPath)
        let configuration = TLSClientConfiguration(
            clientCertificatePath: cert != nil && key != nil ? cert : nil,
            clientKeyPath: cert != nil && key != nil ? key : nil,
            pinnedServerCertificatePath: existing(remote.pinnedServerCertificatePath),
            trustedCAPath: existing(remote.clientCAPath),
            serverName: serverName)
        var withFile = configuration
        withFile.sessionDirectory = sessionDirectory
        withFile.sessionAddress = addressDescription
        let made = try TLSContext(configuration: withFile)
        return tlsContext.withLock { stored in
            if let stored { return stored }
            stored = made
            return made
        }
    }

    /// A connection for one REST call: the idle kept-alive one, or a new one (connecting is
    /// bounded by `timeouts.connect` as well as by `deadline`). The caller is its only user
    /// until it gives it back with `checkIn(_:)` or keeps it. `reused`: it was the idle one;
    /// `fresh`: always a new one.
    func checkOut(deadline: Deadline, fresh: Bool = false) throws(LXDError) -> (connection: HTTPConnection, reused: Bool) {
        if !fresh {
            let taken = idle.withLock { slot -> IdleConnection in
                defer { slot.connection = nil }
                return slot
            }
            if let c = taken.connection {
                if c.isReusable { return (c, true) }
                c.close()
            }
        }
        let connectDeadline = deadline.earlier(.after(seconds: timeouts.connect))
        let c = HTTPConnection(stream: try connect(deadline: connectDeadline), host: hostHeader)
        c.trace = trace
        return (c, false)
    }

    /// Gives a connection back after a call: kept as the idle one when it can serve another
    /// request and no other is idle, closed otherwise.
    func checkIn(_ connection: HTTPConnection) {
        guard connection.isReusable else { connection.close(); return }
        let offered = IdleConnection(connection: connection)
        let kept = idle.withLock { slot -> Bool in
            guard slot.connection == nil else { return false }
            slot = offered
            return true
        }
        if !kept { connection.close() }
    }

    /// Builds a request target: `path` plus `query` plus `project=` when a non-default
    /// project is selected.
    public func target(_ path: String, query: [(String, String)] = [], project: Bool = true) -> String {
        var items = query
        if project, let p = effectiveProject, !items.contains(where: { $0.0 == "project" }) {
            items.append(("project", p))
        }
        guard !items.isEmpty else { return path }
        return path + "?" + items.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    /// Sends one REST request and decodes the envelope. Retries once on a fresh
    /// connection when a kept-alive one turned out to be closed by the daemon.
    @discardableResult
    public func send(_ method: String, _ target: String, body: JSONValue? = nil, timeout: Double? = nil) throws(LXDError) -> LXDResponse {
        let (response, connection) = try exchange(method, target, body: body, timeout: timeout)
        checkIn(connection)
        return response
    }

    /// `send`, handing over the connection that carried the request (still open; the
    /// caller checks it in, keeps it or closes it).
    func exchange(_ method: String, _ target: String, body: JSONValue? = nil,
                  timeout: Double? = nil) throws(LXDError) -> (LXDResponse, HTTPConnection) {
        let seconds = timeout ?? timeouts.request
        let deadline = Deadline.after(seconds: seconds)
        let request: HTTPRequest
        if let body {
            request = .json(method, target, body: body.serializedBytes())
        } else {
            request = HTTPRequest(method: method, target: target)
        }
        // A deadline that passes while the request is out says what it waited for.
        func unanswered(_ error: HTTPError) -> LXDError {
            guard case .transport(.timedOut) = error else { return LXDError(error) }
            let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? target
            return .timedOut("after \(formatSeconds(seconds)) s waiting for LXD at \(addressDescription) to answer \(method) \(path)")
        }
        func attempt(_ conn: HTTPConnection) throws(HTTPError) -> HTTPResponse {
            do { return try conn.send(request, deadline: deadline) } catch {
                conn.close()
                throw error
            }
        }
        let (first, reused) = try checkOut(deadline: deadline)
        var conn = first
        let answer: HTTPResponse
        do {
            answer = try attempt(conn)
        } catch {
            guard reused, case .connectionClosedEarly = error else { throw unanswered(error) }
            // The daemon had closed the kept-alive connection: once more on a new one.
            conn = try checkOut(deadline: deadline, fresh: true).connection
            do { answer = try attempt(conn) } catch { throw unanswered(error) }
        }
        do {
            return (try LXDResponse.decode(answer), conn)
        } catch {
            checkIn(conn)   // an error envelope: the connection can serve the next call
            throw error
        }
    }

    /// `GET /1.0`: the server's description.
    public func server() throws(LXDError) -> JSONValue {
        try send("GET", target("/1.0")).metadata
    }

    /// The operations API.
    public var operations: Operations { Operations(client: self) }
}

/// The slot of `LXDClient`'s idle connection. `@unchecked Sendable` because
/// `HTTPConnection` is not thread-safe; what guards it: the slot lives only inside
/// `LXDClient.idle`'s `Mutex`, and a connection is in the slot only while nobody uses it.
/// `checkOut` takes it out under the lock (its caller is then the only user); `checkIn`
/// puts a connection there under the lock, and its caller does not touch it after.
struct IdleConnection: @unchecked Sendable {
    var connection: HTTPConnection?
}

/// 15 → "15", 2.5 → "2.5", 0.25 → "0.25": seconds as a person writes them.
func formatSeconds(_ s: Double) -> String {
    if s == s.rounded(), abs(s) < 1e12 { return String(Int(s)) }
    let hundredths = Int((s * 100).rounded())
    var text = "\(hundredths / 100)." + (hundredths % 100 < 10 ? "0" : "") + "\(hundredths % 100)"
    while text.hasSuffix("0") { text.removeLast() }
    return text
}

/// Percent-encodes everything outside RFC 3986's unreserved set.
func percentEncode(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for b in s.utf8 {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "_"), UInt8(ascii: "~"):
            out.unicodeScalars.append(Unicode.Scalar(b))
        default:
            let hex: [Character] = Array("0123456789ABCDEF")
            out.append("%")
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 15)])
        }
    }
    return out
}
