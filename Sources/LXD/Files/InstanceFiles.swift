import HTTP
import JSON
import Transport

/// What the daemon says a path in an instance is (`X-LXD-type/mode/uid/gid`).
public struct InstanceFileInfo: Sendable, Equatable {
    /// The three kinds the file API knows.
    public enum Kind: String, Sendable {
        /// A regular file: its contents are the body.
        case file
        /// A folder: the body lists its entries.
        case directory
        /// A symlink: the body is its target (LXD makes it absolute).
        case symlink
    }
    /// What the path is.
    public var kind: Kind
    /// Permission bits (`X-LXD-mode`, octal on the wire).
    public var mode: UInt32
    /// Owner (`X-LXD-uid`).
    public var uid: Int64
    /// Group (`X-LXD-gid`).
    public var gid: Int64

    /// A description with these values.
    public init(kind: Kind, mode: UInt32, uid: Int64, gid: Int64) {
        self.kind = kind
        self.mode = mode
        self.uid = uid
        self.gid = gid
    }

    /// From an answer's headers: LXD's `X-LXD-*`, or Incus's `X-Incus-*`.
    init?(_ headers: HTTPHeaders) {
        func field(_ name: String) -> String? { headers["X-LXD-" + name] ?? headers["X-Incus-" + name] }
        guard let kind = field("type").flatMap(Kind.init(rawValue:)) else { return nil }
        self.kind = kind
        mode = field("mode").flatMap { UInt32($0, radix: 8) } ?? 0o644
        uid = field("uid").flatMap { Int64($0) } ?? 0
        gid = field("gid").flatMap { Int64($0) } ?? 0
    }
}

/// The files of one instance over LXD's file API (`/1.0/instances/<name>/files?path=`):
/// contents stream both ways, never held whole (a 1 GiB push or pull runs in a few
/// hundred KiB); listings, symlink targets and error envelopes are small and read whole.
public struct InstanceFiles: Sendable {
    /// The client of the instance's remote (and project).
    public let client: LXDClient
    /// The instance's name.
    public let instance: String

    /// The files of `instance`, reached through `client`.
    public init(client: LXDClient, instance: String) {
        self.client = client
        self.instance = instance
    }

    /// Largest listing, link target or error body read into memory.
    static let smallBodyLimit = 64 * 1024 * 1024

    /// The request target for `path` (with the project).
    public func target(_ path: String) -> String {
        client.target("/1.0/instances/\(percentEncode(instance))/files", query: [("path", path)])
    }

    /// What `path` is, or nil when it does not exist (HEAD: no contents sent).
    public func info(_ path: String) throws -> InstanceFileInfo? {
        let timeout = client.timeouts.request
        let (connection, _) = try client.checkOut(deadline: .after(seconds: timeout))
        let response: HTTPResponse
        do { response = try connection.send(HTTPRequest(method: "HEAD", target: target(path)), deadline: .after(seconds: timeout)) } catch {
            connection.close()
            throw LXDError(error)
        }
        client.checkIn(connection)
        if response.status == 404 { return nil }
        guard response.status == 200 else { throw LXDError.api(code: response.status, message: response.status == 403 ? "Forbidden" : "Not Found") }
        return InstanceFileInfo(response.headers)
    }

    /// What a GET of `path` found: a file's contents went to the sink.
    public enum Pulled: Sendable, Equatable {
        /// A file, whose contents went to the sink.
        case file(InstanceFileInfo)
        /// A folder and the names in it.
        case directory(InstanceFileInfo, entries: [String])
        /// A symlink and where it points.
        case symlink(InstanceFileInfo, target: String)
    }

    /// GETs `path`: a file's contents go to `sink` as they arrive (its errors are
    /// rethrown untouched); a directory's entries and a symlink's target are returned.
    public func pull(_ path: String, sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Pulled {
        let step = client.timeouts.request
        let (connection, _) = try client.checkOut(deadline: .after(seconds: step))
        let head: HTTPResponse
        do { head = try connection.sendReadingHead(.get(target(path)), deadline: .after(seconds: step)) } catch { throw LXDError(error) }
        func small() throws -> [UInt8] {
            var body: [UInt8] = []
            while try connection.readBody(stepSeconds: step, sink: { chunk in
                body.append(contentsOf: chunk)
                if body.count > Self.smallBodyLimit { throw LXDError.protocolViolation("answer larger than \(Self.smallBodyLimit) bytes") }
            }) {}
            return body
        }
        let info = InstanceFileInfo(head.headers)
        guard head.status == 200, let info else {
            var whole = head
            whole.body = try small()
            client.checkIn(connection)
            _ = try LXDResponse.decode(whole)   // an error envelope throws its message
            throw LXDError.protocolViolation("no X-LXD-type in the answer to GET \(path)")
        }
        switch info.kind {
        case .file:
            while try connection.readBody(stepSeconds: step, sink: sink) {}
            client.checkIn(connection)
            return .file(info)
        case .symlink:
            let body = try small()
            client.checkIn(connection)
            return .symlink(info, target: String(decoding: body, as: UTF8.self))
        case .directory:
            var whole = head
            whole.body = try small()
            client.checkIn(connection)
            let entries = try LXDResponse.decode(whole).metadata
            guard case .array(let items) = entries else { return .directory(info, entries: []) }
            return .directory(info, entries: items.compactMap(\.stringValue))
        }
    }

    /// Ownership and permissions of something created by a push (nil: the daemon's
    /// default, root and 0644 / 0755).
    public struct Attributes: Sendable, Equatable {
        /// Owner.
        public var uid: Int64?
        /// Group.
        public var gid: Int64?
        /// Permission bits.
        public var mode: UInt32?
        /// Attributes with these values (nil: the daemon's default).
        public init(uid: Int64? = nil, gid: Int64? = nil, mode: UInt32? = nil) {
            self.uid = uid
            self.gid = gid
            self.mode = mode
        }
    }

    /// POSTs a file at `path` whose contents `source` fills in as it is read (0 at the
    /// end); `length` when known (Content-Length), else chunked. Overwrites.
    public func push(_ path: String, attributes: Attributes, length: Int?,
                     source: (UnsafeMutableRawBufferPointer) throws -> Int) throws {
        let step = client.timeouts.request
        let (connection, _) = try client.checkOut(deadline: .after(seconds: step))
        let request = HTTPRequest(method: "POST", target: target(path), headers: headers(.file, attributes))
        let answer: HTTPResponse
        do { answer = try connection.send(request, streamingBodyOf: length, stepSeconds: step, source: source) } catch {
            connection.close()
            if let e = error as? HTTPError { throw LXDError(e) }
            throw error
        }
        client.checkIn(connection)
        _ = try LXDResponse.decode(answer)
    }

    /// Creates the directory `path` (an existing one is left as it is by the daemon).
    public func makeDirectory(_ path: String, attributes: Attributes) throws {
        try post(path, headers: headers(.directory, attributes), body: [])
    }

    /// Creates a symlink at `path` pointing to `destination`.
    public func makeSymlink(_ path: String, to destination: String, attributes: Attributes) throws {
        try post(path, headers: headers(.symlink, attributes), body: Array(destination.utf8))
    }

    private func post(_ path: String, headers: HTTPHeaders, body: [UInt8]) throws {
        let timeout = client.timeouts.request
        let (connection, _) = try client.checkOut(deadline: .after(seconds: timeout))
        let answer: HTTPResponse
        do {
            answer = try connection.send(HTTPRequest(method: "POST", target: target(path), headers: headers, body: body),
                                         deadline: .after(seconds: timeout))
        } catch {
            connection.close()
            throw LXDError(error)
        }
        client.checkIn(connection)
        _ = try LXDResponse.decode(answer)
    }

    /// The request's headers, named as the daemon names them (`X-Incus-*` for Incus,
    /// which also reads LXD's).
    func headers(_ kind: InstanceFileInfo.Kind, _ a: Attributes) -> HTTPHeaders {
        let prefix = client.remote.protocol == .incus ? "X-Incus-" : "X-LXD-"
        var h = HTTPHeaders()
        if let gid = a.gid { h.add(prefix + "gid", String(gid)) }
        if let mode = a.mode { h.add(prefix + "mode", Self.octal(mode)) }
        h.add(prefix + "type", kind.rawValue)
        if let uid = a.uid { h.add(prefix + "uid", String(uid)) }
        if kind == .file { h.add(prefix + "write", "overwrite") }
        return h
    }

    /// `0644`: at least four octal digits, as lxc sends them.
    static func octal(_ mode: UInt32) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
